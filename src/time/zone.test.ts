import { test } from 'node:test';
import assert from 'node:assert/strict';
import { civilFromDays, daysFromCivil, isValidZone, localToUtc, wallMicros, zoneOffsetMinutes } from './zone.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;
const at = (year: number, month: number, day: number, hour: number, minute: number, second = 0, micros = 0) =>
  ({ year, month, day, hour, minute, second, micros });

test('isValidZone accepts IANA names and UTC, rejects typos', () => {
  assert.equal(isValidZone('Europe/London'), true);
  assert.equal(isValidZone('America/New_York'), true);
  assert.equal(isValidZone('UTC'), true);
  assert.equal(isValidZone('Europe/Londn'), false);
  assert.equal(isValidZone(''), false);
  assert.equal(isValidZone('not a zone'), false);
});

test('civil day arithmetic matches Date, including years before 100 and before 1970', () => {
  for (const [y, m, d] of [[1970, 1, 1], [2026, 11, 29], [2000, 2, 29], [1900, 3, 1], [1969, 12, 31], [2255, 6, 6]] as const) {
    const days = daysFromCivil(y, m, d);
    assert.equal(days, Date.UTC(y, m - 1, d) / 86_400_000);
    assert.deepEqual(civilFromDays(days), { year: y, month: m, day: d });
  }
  // Date.UTC maps 0-99 to 1900-1999; ours must not.
  assert.deepEqual(civilFromDays(daysFromCivil(50, 3, 1)), { year: 50, month: 3, day: 1 });
});

test('wallMicros rejects impossible fields instead of rolling them over', () => {
  assert.throws(() => wallMicros(at(2026, 2, 30, 0, 0)), RangeError);
  assert.throws(() => wallMicros(at(2026, 2, 29, 0, 0)), RangeError);
  assert.equal(wallMicros(at(2028, 2, 29, 0, 0)), utc(2028, 2, 29));
  assert.throws(() => wallMicros(at(2026, 13, 1, 0, 0)), RangeError);
  assert.throws(() => wallMicros(at(2026, 1, 1, 24, 0)), RangeError);
  assert.throws(() => wallMicros(at(2026, 1, 1, 0, 0, 0, 1_000_000)), RangeError);
  assert.equal(wallMicros(at(2026, 12, 31, 23, 59, 60)), utc(2027, 1, 1), 'leap second counts as the next :00 (POSIX)');
});

test('zone offsets in winter and summer', () => {
  assert.equal(zoneOffsetMinutes('Europe/London', utc(2026, 1, 15, 12)), 0);
  assert.equal(zoneOffsetMinutes('Europe/London', utc(2026, 7, 15, 12)), 60);
  assert.equal(zoneOffsetMinutes('Europe/Berlin', utc(2026, 7, 15, 12)), 120);
  assert.equal(zoneOffsetMinutes('America/New_York', utc(2026, 1, 15, 12)), -300);
  assert.equal(zoneOffsetMinutes('America/New_York', utc(2026, 7, 15, 12)), -240);
  assert.equal(zoneOffsetMinutes('Asia/Kolkata', utc(2026, 7, 15, 12)), 330);
  assert.equal(zoneOffsetMinutes('Asia/Kathmandu', utc(2026, 7, 15, 12)), 345);
  assert.equal(zoneOffsetMinutes('UTC', utc(2026, 7, 15, 12)), 0);
});

test('zone offset switches at the exact second, on and off UTC hour boundaries (cache per hour stays right)', () => {
  // London: 2026-03-29 01:00Z.
  assert.equal(zoneOffsetMinutes('Europe/London', utc(2026, 3, 29, 0, 59, 59, 999_999)), 0);
  assert.equal(zoneOffsetMinutes('Europe/London', utc(2026, 3, 29, 1)), 60);
  // Lord Howe moves by 30 minutes at 02:00 local +10:30 = 15:30Z, mid-way through a UTC hour.
  assert.equal(zoneOffsetMinutes('Australia/Lord_Howe', utc(2026, 10, 3, 15, 29, 59, 999_999)), 630);
  assert.equal(zoneOffsetMinutes('Australia/Lord_Howe', utc(2026, 10, 3, 15, 30)), 660);
  assert.equal(zoneOffsetMinutes('Australia/Lord_Howe', utc(2026, 10, 3, 15, 0)), 630, 'same hour, cached entry');
});

test('cached offsets agree with a fresh Intl reading over a year of 17-minute steps', () => {
  const zone = 'America/New_York';
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const fresh = (ms: number) => {
    const name = fmt.formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value; // "GMT-05:00"
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(name)!;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  };
  for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 17 * 60_000) {
    assert.equal(zoneOffsetMinutes(zone, ms * 1000), fresh(ms), new Date(ms).toISOString());
  }
});

test('local time outside any transition maps to one instant, micros exact', () => {
  assert.deepEqual(localToUtc(at(2026, 11, 29, 14, 43, 1, 123_456), 'Europe/London'), { ts: utc(2026, 11, 29, 14, 43, 1, 123_456) });
  assert.deepEqual(localToUtc(at(2026, 7, 1, 12, 0, 0, 1), 'Europe/Berlin'), { ts: utc(2026, 7, 1, 10, 0, 0, 1) });
  assert.deepEqual(localToUtc(at(2026, 11, 29, 14, 43, 1), 'Asia/Kolkata'), { ts: utc(2026, 11, 29, 9, 13, 1) });
});

test('Europe/London 2026-10-25 01:30 is ambiguous: earlier BST reading first', () => {
  assert.deepEqual(localToUtc(at(2026, 10, 25, 1, 30), 'Europe/London'), {
    ts: utc(2026, 10, 25, 0, 30),
    tsAlt: utc(2026, 10, 25, 1, 30),
    ambiguous: true,
  });
  // Edges of the repeated hour: 00:59:59 and 02:00 are unambiguous.
  assert.deepEqual(localToUtc(at(2026, 10, 25, 0, 59, 59), 'Europe/London'), { ts: utc(2026, 10, 24, 23, 59, 59) });
  assert.deepEqual(localToUtc(at(2026, 10, 25, 2, 0), 'Europe/London'), { ts: utc(2026, 10, 25, 2, 0) });
  assert.equal(localToUtc(at(2026, 10, 25, 1, 0), 'Europe/London').ambiguous, true);
});

test('Europe/Berlin 2026-10-25 02:30 is ambiguous', () => {
  assert.deepEqual(localToUtc(at(2026, 10, 25, 2, 30, 0, 250_000), 'Europe/Berlin'), {
    ts: utc(2026, 10, 25, 0, 30, 0, 250_000),
    tsAlt: utc(2026, 10, 25, 1, 30, 0, 250_000),
    ambiguous: true,
  });
});

test('America/New_York 2026-11-01 01:30 is ambiguous (EDT then EST)', () => {
  assert.deepEqual(localToUtc(at(2026, 11, 1, 1, 30), 'America/New_York'), {
    ts: utc(2026, 11, 1, 5, 30),
    tsAlt: utc(2026, 11, 1, 6, 30),
    ambiguous: true,
  });
});

test('spring-forward gap: nonexistent, shifted forward by the gap', () => {
  // London 01:30 never happened on 2026-03-29; read with GMT it is 01:30Z = 02:30 BST.
  assert.deepEqual(localToUtc(at(2026, 3, 29, 1, 30), 'Europe/London'), { ts: utc(2026, 3, 29, 1, 30), nonexistent: true });
  // Berlin 02:30 → read with CET: 01:30Z = 03:30 CEST.
  assert.deepEqual(localToUtc(at(2026, 3, 29, 2, 30, 0, 7), 'Europe/Berlin'), { ts: utc(2026, 3, 29, 1, 30, 0, 7), nonexistent: true });
  // New York 02:30 on 2026-03-08 → read with EST: 07:30Z = 03:30 EDT.
  assert.deepEqual(localToUtc(at(2026, 3, 8, 2, 30), 'America/New_York'), { ts: utc(2026, 3, 8, 7, 30), nonexistent: true });
  // Just outside the gap is ordinary.
  assert.deepEqual(localToUtc(at(2026, 3, 29, 2, 0), 'Europe/London'), { ts: utc(2026, 3, 29, 1, 0) });
  assert.deepEqual(localToUtc(at(2026, 3, 29, 0, 59, 59, 999_999), 'Europe/London'), { ts: utc(2026, 3, 29, 0, 59, 59, 999_999) });
});

test('local mean time offsets with seconds stay exact', () => {
  // New York before 1883 ran on LMT −4:56:02.
  assert.equal(localToUtc(at(1880, 1, 1, 0, 0), 'America/New_York').ts, utc(1880, 1, 1, 4, 56, 2));
});

test('localToUtc throws on an unknown zone', () => {
  assert.throws(() => localToUtc(at(2026, 1, 1, 0, 0), 'Mars/Olympus'), RangeError);
});

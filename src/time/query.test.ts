import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUtc, parseQueryTime } from './query.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;
const T = utc(2026, 11, 29, 22, 13, 5);

test('ISO 8601 with Z or offset', () => {
  assert.deepEqual(parseQueryTime('2026-11-29T22:13:05+00:00'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-11-29T22:13:05Z'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-11-29 22:13:05.250Z'), { ts: T + 250_000 });
  assert.deepEqual(parseQueryTime('2026-11-29T23:13:05.123456+01:00'), { ts: T + 123_456 });
  assert.deepEqual(parseQueryTime('2026-11-30T03:43:05+05:30'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-11-29T14:13:05-08:00'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-11-29T14:13:05-0800'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-11-29T22:13Z'), { ts: T - 5_000_000 });
  assert.deepEqual(parseQueryTime('  2026-11-29T22:13:05z '), { ts: T });
  // An explicit offset wins over --tz.
  assert.deepEqual(parseQueryTime('2026-11-29T22:13:05Z', 'Asia/Tokyo'), { ts: T });
});

test('epoch seconds with optional fraction', () => {
  assert.deepEqual(parseQueryTime('1795990385'), { ts: T });
  assert.deepEqual(parseQueryTime('1795990385.25'), { ts: T + 250_000 });
  assert.deepEqual(parseQueryTime('1795990385.000001'), { ts: T + 1 });
});

test('local time without offset is read in --tz', () => {
  assert.deepEqual(parseQueryTime('2026-11-29T22:13:05', 'Europe/London'), { ts: T });
  assert.deepEqual(parseQueryTime('2026-07-01T12:00:00', 'Europe/London'), { ts: utc(2026, 7, 1, 11) });
  assert.deepEqual(parseQueryTime('2026-11-29 23:13:05.5', 'Europe/Berlin'), { ts: T + 500_000 });
});

test('no offset and no --tz is refused with what to type', () => {
  assert.throws(() => parseQueryTime('2026-11-29T22:13:05'), {
    message: "time '2026-11-29T22:13:05' has no offset: add one (2026-11-29T22:13:05+01:00 or Z) or give --tz <zone>",
  });
});

test('ambiguous local time names both UTC readings', () => {
  assert.throws(() => parseQueryTime('2026-10-25T01:30:00', 'Europe/London'), {
    message:
      '2026-10-25T01:30:00 is ambiguous in Europe/London (DST ends): it is either 2026-10-25T00:30:00Z or 2026-10-25T01:30:00Z; ' +
      'add the offset (2026-10-25T01:30:00+01:00 or 2026-10-25T01:30:00Z)',
  });
  assert.throws(() => parseQueryTime('2026-10-25T02:30:00', 'Europe/Berlin'), /either 2026-10-25T00:30:00Z or 2026-10-25T01:30:00Z/);
  assert.throws(() => parseQueryTime('2026-11-01T01:30:00', 'America/New_York'), /either 2026-11-01T05:30:00Z or 2026-11-01T06:30:00Z; add the offset \(2026-11-01T01:30:00-04:00 or 2026-11-01T01:30:00-05:00\)/);
});

test('nonexistent local time is refused', () => {
  assert.throws(() => parseQueryTime('2026-03-29T01:30:00', 'Europe/London'), {
    message: '2026-03-29T01:30:00 never existed in Europe/London (DST starts: clocks jumped from 01:00 to 02:00); give a time outside the gap or add the offset',
  });
  assert.throws(() => parseQueryTime('2026-03-29T02:30:00', 'Europe/Berlin'), /never existed in Europe\/Berlin .*from 02:00 to 03:00/);
  assert.throws(() => parseQueryTime('2026-03-08T02:00:00', 'America/New_York'), /never existed/);
});

test('bad zone, bad date, and junk are refused with the accepted forms', () => {
  assert.throws(() => parseQueryTime('2026-11-29T22:13:05', 'Europe/Londn'), /unknown time zone 'Europe\/Londn'/);
  assert.throws(() => parseQueryTime('2026-02-30T22:13:05Z'), /not a valid date/);
  assert.throws(() => parseQueryTime('2026-11-29T22:13:05+24:00'), /invalid offset/);
  for (const junk of ['', 'yesterday', '29/11/2026 22:13', '2026-11-29', '17644255811234', '2026-11-29T22:13:05 +01:00x']) {
    assert.throws(() => parseQueryTime(junk), /cannot read time .*ISO 8601.*epoch seconds.*--tz/, junk);
  }
});

test('formatUtc trims the fraction sensibly', () => {
  assert.equal(formatUtc(T), '2026-11-29T22:13:05Z');
  assert.equal(formatUtc(T + 250_000), '2026-11-29T22:13:05.250Z');
  assert.equal(formatUtc(T + 123_456), '2026-11-29T22:13:05.123456Z');
  assert.equal(formatUtc(T + 1), '2026-11-29T22:13:05.000001Z');
  assert.equal(formatUtc(-1), '1969-12-31T23:59:59.999999Z');
  assert.equal(formatUtc(0), '1970-01-01T00:00:00Z');
});

test('formatUtc and parseQueryTime round-trip', () => {
  for (const us of [T, T + 7, T + 999_999, utc(2000, 2, 29, 0, 0, 0, 500_000)]) {
    assert.equal(parseQueryTime(formatUtc(us)).ts, us);
  }
});

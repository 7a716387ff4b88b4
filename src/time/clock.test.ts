import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochMicros, makeClock } from './clock.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;
const REF = utc(2026, 11, 29, 15);

test('unknown zone fails at construction with a clear message', () => {
  assert.throws(() => makeClock({ zone: 'Europe/Londn', reference: REF }), {
    message: "unknown time zone 'Europe/Londn': use an IANA name such as Europe/London or UTC",
  });
  assert.throws(() => makeClock({ zone: '', reference: REF }), /unknown time zone ''/);
  assert.throws(() => makeClock({ reference: NaN }), /reference/);
  assert.throws(() => makeClock({ reference: REF, year: 2026.5 }), /year/);
});

test('clock exposes its configuration', () => {
  const c = makeClock({ zone: 'Europe/London', reference: REF, year: 2025 });
  assert.equal(c.zone, 'Europe/London');
  assert.equal(c.reference, REF);
  assert.equal(c.year, 2025);
});

test('zone-less source: local stamps read as UTC and flagged zoneAssumed', () => {
  const c = makeClock({ reference: REF });
  assert.deepEqual(c.local({ year: 2026, month: 11, day: 29, hour: 14, minute: 43, second: 1 }, 'raw'), {
    ts: utc(2026, 11, 29, 14, 43, 1),
    rawStamp: 'raw',
    flags: { zoneAssumed: true },
  });
});

test('missing year is inferred and flagged; a configured year is used as is', () => {
  const f = { month: 11, day: 29, hour: 14, minute: 43, second: 1 };
  assert.deepEqual(makeClock({ zone: 'UTC', reference: REF }).local(f, 'Nov 29 14:43:01'), {
    ts: utc(2026, 11, 29, 14, 43, 1),
    rawStamp: 'Nov 29 14:43:01',
    flags: { yearInferred: true },
  });
  assert.deepEqual(makeClock({ zone: 'UTC', reference: REF, year: 2024 }).local(f, 's'), { ts: utc(2024, 11, 29, 14, 43, 1), rawStamp: 's' });
  // Year in the fields wins over both.
  assert.equal(makeClock({ zone: 'UTC', reference: REF, year: 2024 }).local({ ...f, year: 2020 }, 's').ts, utc(2020, 11, 29, 14, 43, 1));
  // No zone and no year: both flags.
  assert.deepEqual(makeClock({ reference: REF }).local(f, 's').flags, { yearInferred: true, zoneAssumed: true });
});

test('year inference across New Year through the clock, both directions', () => {
  const jan1 = makeClock({ zone: 'Europe/London', reference: utc(2027, 1, 1, 0, 0, 5) });
  assert.equal(jan1.local({ month: 12, day: 31, hour: 23, minute: 59, second: 59 }, 's').ts, utc(2026, 12, 31, 23, 59, 59));
  const dec31 = makeClock({ zone: 'Europe/London', reference: utc(2026, 12, 31, 23, 59, 58) });
  assert.equal(dec31.local({ month: 1, day: 1, hour: 0, minute: 0, second: 3 }, 's').ts, utc(2027, 1, 1, 0, 0, 3));
  // The per-clock memo must not leak one stamp's year into another.
  assert.equal(dec31.local({ month: 12, day: 31, hour: 23, minute: 59, second: 57 }, 's').ts, utc(2026, 12, 31, 23, 59, 57));
});

test('fall-back hour: ambiguous flag and the later reading in tsAlt', () => {
  const c = makeClock({ zone: 'Europe/London', reference: REF });
  assert.deepEqual(c.local({ year: 2026, month: 10, day: 25, hour: 1, minute: 30, second: 0, micros: 5 }, 's'), {
    ts: utc(2026, 10, 25, 0, 30, 0, 5),
    tsAlt: utc(2026, 10, 25, 1, 30, 0, 5),
    rawStamp: 's',
    flags: { ambiguous: true },
  });
  const ny = makeClock({ zone: 'America/New_York', reference: utc(2026, 11, 1, 12) });
  assert.deepEqual(ny.local({ month: 11, day: 1, hour: 1, minute: 30, second: 0 }, 's'), {
    ts: utc(2026, 11, 1, 5, 30),
    tsAlt: utc(2026, 11, 1, 6, 30),
    rawStamp: 's',
    flags: { yearInferred: true, ambiguous: true },
  });
});

test('spring-forward gap: nonexistent flag', () => {
  const c = makeClock({ zone: 'Europe/Berlin', reference: REF });
  assert.deepEqual(c.local({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, 's'), {
    ts: utc(2026, 3, 29, 1, 30),
    rawStamp: 's',
    flags: { nonexistent: true },
  });
});

test('fractional seconds preserved to the microsecond', () => {
  const c = makeClock({ zone: 'Europe/Berlin', reference: REF });
  const r = c.local({ year: 2026, month: 11, day: 29, hour: 14, minute: 43, second: 1, micros: 123_456 }, 's');
  assert.equal(r.ts, utc(2026, 11, 29, 13, 43, 1, 123_456));
  assert.equal(r.ts % 1_000_000, 123_456);
});

test('withOffset honours +05:30 and -08:00 exactly, whatever the clock zone', () => {
  const c = makeClock({ zone: 'Europe/London', reference: REF });
  const f = { year: 2003, month: 10, day: 11, hour: 22, minute: 14, second: 15, micros: 3_000 };
  assert.deepEqual(c.withOffset(f, 330, 'x'), { ts: utc(2003, 10, 11, 16, 44, 15, 3_000), rawStamp: 'x' });
  assert.deepEqual(c.withOffset(f, -480, 'y'), { ts: utc(2003, 10, 12, 6, 14, 15, 3_000), rawStamp: 'y' });
  assert.throws(() => c.withOffset(f, 24 * 60, 'z'), RangeError);
  assert.throws(() => c.withOffset({ ...f, day: 32 }, 0, 'z'), RangeError);
});

test('epoch seconds parsed exactly from text', () => {
  const c = makeClock({ reference: REF });
  assert.deepEqual(c.epoch('1764425581'), { ts: 1_764_425_581_000_000, rawStamp: '1764425581' });
  assert.equal(c.epoch('1764425581.123456').ts, 1_764_425_581_123_456);
  assert.equal(c.epoch('1764425581.5').ts, 1_764_425_581_500_000);
  assert.equal(c.epoch('1764425581.000001').ts, 1_764_425_581_000_001);
  assert.equal(c.epoch('1764425581.123456789').ts, 1_764_425_581_123_456, 'nanoseconds truncated');
  assert.equal(c.epoch('1764425581.7', 'ts=1764425581.7').rawStamp, 'ts=1764425581.7');
  // Floating point would get this one wrong: 1764425581.000003 * 1e6 = 1764425581000002.8
  assert.equal(epochMicros('1764425581.000003'), 1_764_425_581_000_003);
});

test('epoch junk is rejected', () => {
  const c = makeClock({ reference: REF });
  for (const junk of ['', 'abc', '1.2.3', '-1', '1e9', ' 1764425581', '1764425581 ', '1764425581.', '.5', '0x10', '١٢٣']) {
    assert.throws(() => c.epoch(junk), /epoch time/, JSON.stringify(junk));
  }
  assert.throws(() => c.epoch('99999999999999'), /out of range/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferYear } from './year.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000;

test('New Year: Dec 31 23:59:59 read at Jan 1 00:00:05 belongs to the previous year', () => {
  assert.equal(inferYear(12, 31, 23, 59, 59, utc(2027, 1, 1, 0, 0, 5), undefined), 2026);
  // Same in a zone: reference Jan 1 00:00:05 Berlin time.
  assert.equal(inferYear(12, 31, 23, 59, 59, utc(2026, 12, 31, 23, 0, 5), 'Europe/Berlin'), 2026);
});

test('New Year: Jan 1 00:00:03 read at Dec 31 23:59:58 belongs to the next year (device clock ahead)', () => {
  assert.equal(inferYear(1, 1, 0, 0, 3, utc(2026, 12, 31, 23, 59, 58), undefined), 2027);
  assert.equal(inferYear(1, 1, 0, 0, 3, utc(2026, 12, 31, 22, 59, 58), 'Europe/Berlin'), 2027);
});

test('ordinary stamps take the reference year', () => {
  assert.equal(inferYear(11, 29, 14, 43, 1, utc(2026, 11, 29, 15), undefined), 2026);
  assert.equal(inferYear(7, 1, 0, 0, 0, utc(2026, 11, 29), 'Europe/London'), 2026);
  // Nearest wins even forwards: March 1 is three months ahead, nine months back.
  assert.equal(inferYear(3, 1, 0, 0, 0, utc(2026, 11, 29), 'Europe/London'), 2027);
  // Stamp from last December read in February: previous year.
  assert.equal(inferYear(12, 1, 0, 0, 0, utc(2027, 2, 10), 'Europe/London'), 2026);
});

test('the reference year is the year in the source zone, not in UTC', () => {
  // 2026-12-31T16:00Z is already 2027-01-01 01:00 in Tokyo.
  const ref = utc(2026, 12, 31, 16);
  assert.equal(inferYear(1, 1, 0, 30, 0, ref, 'Asia/Tokyo'), 2027);
  assert.equal(inferYear(12, 31, 23, 0, 0, ref, 'Asia/Tokyo'), 2026);
  // 2027-01-01T00:30Z is still 2026-12-31 19:30 in New York.
  assert.equal(inferYear(12, 31, 19, 0, 0, utc(2027, 1, 1, 0, 30), 'America/New_York'), 2026);
});

test('Feb 29 only in leap years', () => {
  assert.equal(inferYear(2, 29, 12, 0, 0, utc(2027, 12, 1), undefined), 2028);
  assert.equal(inferYear(2, 29, 12, 0, 0, utc(2025, 1, 10), undefined), 2024);
  assert.equal(inferYear(2, 29, 12, 0, 0, utc(2028, 6, 1), 'Europe/London'), 2028);
  assert.throws(() => inferYear(2, 29, 12, 0, 0, utc(2022, 6, 1), undefined), /leap year/);
});

test('half a year away: exact instants decide, an exact tie goes to the earlier year', () => {
  const a = utc(2025, 7, 2), b = utc(2026, 7, 2);
  const mid = (a + b) / 2;
  assert.equal(inferYear(7, 2, 0, 0, 0, mid, undefined), 2025);
  assert.equal(inferYear(7, 2, 0, 0, 0, mid + 1, undefined), 2026);
  // In New York the candidates are 04:00Z (EDT); the reference's own offset (EST) must not skew the choice.
  const na = utc(2025, 7, 2, 4), nb = utc(2026, 7, 2, 4);
  const nmid = (na + nb) / 2;
  assert.equal(inferYear(7, 2, 0, 0, 0, nmid - 3_600_000_000, 'America/New_York'), 2025);
  assert.equal(inferYear(7, 2, 0, 0, 0, nmid + 3_600_000_000, 'America/New_York'), 2026);
});

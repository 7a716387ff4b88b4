// IANA zone arithmetic on top of Intl (the only zone database Node ships), with UTC µs kept exact.
import type { Micros } from '../records/record.ts';
import type { LocalFields } from './types.ts';

const US_PER_S = 1_000_000;
const US_PER_H = 3_600 * US_PER_S;
const US_PER_DAY = 86_400 * US_PER_S;

// ---- civil calendar (integer maths: no Date quirks for years < 100, no allocation) ----

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/**
 * Wall-clock fields read as if they were UTC, in µs. Throws RangeError on impossible fields
 * (Feb 30, 25:00 …) rather than letting Date roll them over into another day.
 * Second 60 (a leap second) is accepted and counts as the next minute's :00, as POSIX time does.
 */
export function wallMicros(f: LocalFields & { year: number }): Micros {
  const { year, month, day, hour, minute, second } = f;
  const us = f.micros ?? 0;
  if (
    !Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12 ||
    !Number.isInteger(day) || day < 1 || day > daysInMonth(year, month) ||
    !Number.isInteger(hour) || hour < 0 || hour > 23 ||
    !Number.isInteger(minute) || minute < 0 || minute > 59 ||
    !Number.isInteger(second) || second < 0 || second > 60 ||
    !Number.isInteger(us) || us < 0 || us > 999_999
  ) {
    throw new RangeError(`not a valid date/time: ${year}-${month}-${day} ${hour}:${minute}:${second}.${us}`);
  }
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second) * US_PER_S + us;
}

// ---- zone offsets ----

/** One UTC hour of a zone: the offset before and after `at` (µs; Infinity when the hour has no transition). */
interface HourEntry {
  before: number;
  after: number;
  at: number;
}

interface ZoneState {
  fmt: Intl.DateTimeFormat;
  hours: Map<number, HourEntry>;
  lastHour: number;
  lastEntry: HourEntry | undefined;
}

const zones = new Map<string, ZoneState>();
// A year of hours is ~8.8k entries; past this we simply start over rather than track recency.
const MAX_HOURS_PER_ZONE = 100_000;

function zoneState(zone: string): ZoneState {
  let z = zones.get(zone);
  if (z === undefined) {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, // throws RangeError for an unknown zone
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short', // so years before 1 CE come back distinguishable
    });
    z = { fmt, hours: new Map(), lastHour: NaN, lastEntry: undefined };
    zones.set(zone, z);
  }
  return z;
}

export function isValidZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  if (zones.has(zone)) return true;
  try {
    zoneState(zone);
    return true;
  } catch {
    return false;
  }
}

/** Offset in seconds at a whole UTC second, straight from Intl (slow: a few µs). */
function intlOffsetSeconds(fmt: Intl.DateTimeFormat, utcSeconds: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
  for (const part of fmt.formatToParts(utcSeconds * 1000)) {
    switch (part.type) {
      case 'year': y = Number(part.value); break;
      case 'month': mo = Number(part.value); break;
      case 'day': d = Number(part.value); break;
      case 'hour': h = Number(part.value); break;
      case 'minute': mi = Number(part.value); break;
      case 'second': s = Number(part.value); break;
      case 'era': bc = part.value === 'BC' || part.value === 'B'; break;
    }
  }
  if (bc) y = 1 - y;
  return daysFromCivil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s - utcSeconds;
}

function hourEntry(z: ZoneState, hour: number): HourEntry {
  const start = hour * 3_600;
  const before = intlOffsetSeconds(z.fmt, start);
  const after = intlOffsetSeconds(z.fmt, start + 3_599);
  if (before === after) return { before, after, at: Infinity };
  // Not every transition falls on a UTC hour (Lord Howe, Chatham, historical LMT): find the second.
  let lo = start, hi = start + 3_599; // offset(lo) = before, offset(hi) = after
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (intlOffsetSeconds(z.fmt, mid) === before) lo = mid;
    else hi = mid;
  }
  return { before, after, at: hi * US_PER_S };
}

/** Offset (local − UTC) of `zone` at an instant, in seconds. Cached per zone per UTC hour. */
export function zoneOffsetSeconds(zone: string, utcMicros: Micros): number {
  const z = zoneState(zone);
  const hour = Math.floor(utcMicros / US_PER_H);
  let e: HourEntry | undefined;
  if (hour === z.lastHour) {
    e = z.lastEntry!;
  } else {
    e = z.hours.get(hour);
    if (e === undefined) {
      if (z.hours.size >= MAX_HOURS_PER_ZONE) z.hours.clear();
      e = hourEntry(z, hour);
      z.hours.set(hour, e);
    }
    z.lastHour = hour;
    z.lastEntry = e;
  }
  return utcMicros >= e.at ? e.after : e.before;
}

/** Offset (local − UTC) of `zone` at an instant, in minutes (fractional only for pre-1900s local mean time). */
export function zoneOffsetMinutes(zone: string, utcMicros: Micros): number {
  return zoneOffsetSeconds(zone, utcMicros) / 60;
}

export interface LocalToUtc {
  ts: Micros;
  /** The later reading of an ambiguous time. */
  tsAlt?: Micros;
  ambiguous?: boolean;
  nonexistent?: boolean;
}

/**
 * Wall-clock time in `zone` → UTC µs. Throws RangeError for an unknown zone or impossible fields.
 *
 * Candidate offsets are those in force a day either side (the method of the Temporal polyfill); it
 * assumes no two transitions within two days of each other, which holds for every zone in practice.
 * - fall-back overlap: both offsets fit → ts = earlier instant, tsAlt = later, ambiguous;
 * - spring-forward gap: neither fits → the time never existed; like java.time, Temporal's
 *   'compatible' and most libraries we read it with the offset from before the gap, which moves
 *   it forward by the gap (01:30 in a 01:00→02:00 gap becomes 02:30), and flag it nonexistent.
 */
export function localToUtc(fields: LocalFields & { year: number }, zone: string): LocalToUtc {
  const wall = wallMicros(fields);
  const offBefore = zoneOffsetSeconds(zone, wall - US_PER_DAY);
  const offAfter = zoneOffsetSeconds(zone, wall + US_PER_DAY);
  const tBefore = wall - offBefore * US_PER_S;
  if (offBefore === offAfter) return { ts: tBefore };
  const tAfter = wall - offAfter * US_PER_S;
  const fitsBefore = zoneOffsetSeconds(zone, tBefore) === offBefore;
  const fitsAfter = zoneOffsetSeconds(zone, tAfter) === offAfter;
  if (fitsBefore && fitsAfter) {
    return tBefore < tAfter
      ? { ts: tBefore, tsAlt: tAfter, ambiguous: true }
      : { ts: tAfter, tsAlt: tBefore, ambiguous: true };
  }
  if (fitsBefore) return { ts: tBefore };
  if (fitsAfter) return { ts: tAfter };
  return { ts: tBefore, nonexistent: true };
}

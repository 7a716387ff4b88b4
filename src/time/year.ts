// RFC 3164 stamps carry no year: pick the one that puts the stamp nearest the reference instant.
import type { Micros } from '../records/record.ts';
import { civilFromDays, daysFromCivil, isLeapYear, localToUtc, zoneOffsetSeconds } from './zone.ts';

const US_PER_S = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_S;
// Wall-clock distances differ from true ones by at most the spread of two offsets (−12 h … +14 h)
// on each side, so a winner by more than this margin needs no zone lookups at all.
const EXACT_MARGIN = 3 * US_PER_DAY;

/**
 * The year (referenceYear−1, referenceYear or referenceYear+1, where referenceYear is the reference
 * instant's year in `zone`, or UTC) that puts the stamp nearest the reference instant. Works both ways
 * across New Year (a file read just after midnight, a device clock slightly ahead). Feb 29 is only
 * considered in leap years; on an exact tie the earlier year wins, since logs are read after they are written.
 * Throws RangeError when no candidate year can hold the date (Feb 29 with no leap year among the three).
 */
export function inferYear(
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  referenceMicros: Micros,
  zone: string | undefined,
): number {
  const refWall = zone === undefined ? referenceMicros : referenceMicros + zoneOffsetSeconds(zone, referenceMicros) * US_PER_S;
  const refYear = civilFromDays(Math.floor(refWall / US_PER_DAY)).year;
  const secOfDay = hour * 3_600 + minute * 60 + second;

  let best = NaN, bestDist = Infinity, secondDist = Infinity;
  for (let y = refYear - 1; y <= refYear + 1; y++) {
    if (month === 2 && day === 29 && !isLeapYear(y)) continue;
    const wall = (daysFromCivil(y, month, day) * 86_400 + secOfDay) * US_PER_S;
    const dist = Math.abs(wall - refWall);
    if (dist < bestDist) {
      secondDist = bestDist;
      bestDist = dist;
      best = y;
    } else if (dist < secondDist) {
      secondDist = dist;
    }
  }
  if (Number.isNaN(best)) {
    throw new RangeError(`no year near ${refYear} has ${month}-${day} (not a leap year)`);
  }
  if (zone === undefined || secondDist - bestDist > EXACT_MARGIN) return best;

  // A near tie (stamp about half a year from the reference): compare true instants.
  best = NaN;
  bestDist = Infinity;
  for (let y = refYear - 1; y <= refYear + 1; y++) {
    if (month === 2 && day === 29 && !isLeapYear(y)) continue;
    const ts = localToUtc({ year: y, month, day, hour, minute, second }, zone).ts;
    const dist = Math.abs(ts - referenceMicros);
    if (dist < bestDist) {
      bestDist = dist;
      best = y;
    }
  }
  return best;
}

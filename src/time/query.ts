// Times typed by analysts (CLI --at, API ?at=). Anything that could be read two ways is refused
// with a message saying what to type instead: a wrong hour here names the wrong person.
import type { Micros } from '../records/record.ts';
import { epochMicros, unknownZoneMessage } from './clock.ts';
import { civilFromDays, isValidZone, localToUtc, wallMicros, zoneOffsetSeconds } from './zone.ts';

const US_PER_S = 1_000_000;
const US_PER_DAY = 86_400 * US_PER_S;

const ACCEPTED =
  'use ISO 8601 with an offset (2026-11-29T22:13:05Z, 2026-11-29T23:13:05.250+01:00), ' +
  'epoch seconds (1795990385 or 1795990385.25), or a local time (2026-11-29T22:13:05) with --tz <zone>';

// Anchored, no nested quantifiers: cannot backtrack badly.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const EPOCH = /^\d{9,11}(?:\.\d{1,9})?$/;

export function parseQueryTime(text: string, tz?: string): { ts: Micros } {
  const t = text.trim();
  if (EPOCH.test(t)) return { ts: epochMicros(t) };

  const m = ISO.exec(t);
  if (!m) throw new Error(`cannot read time '${t}': ${ACCEPTED}`);
  const fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
    micros: m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, '0')),
  };
  let wall: Micros;
  try {
    wall = wallMicros(fields);
  } catch {
    throw new Error(`time '${t}' is not a valid date and time: ${ACCEPTED}`);
  }

  if (m[8] !== undefined) return { ts: wall };
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) throw new Error(`time '${t}' has an invalid offset: write it as +HH:MM, e.g. +01:00 or -05:30`);
    const sign = m[9] === '-' ? -1 : 1;
    return { ts: wall - sign * (oh * 60 + om) * 60 * US_PER_S };
  }

  if (tz === undefined || tz === '') {
    throw new Error(`time '${t}' has no offset: add one (${t}+01:00 or Z) or give --tz <zone>`);
  }
  if (!isValidZone(tz)) throw new Error(unknownZoneMessage(tz));
  const r = localToUtc(fields, tz);
  if (r.ambiguous) {
    const later = r.tsAlt!;
    throw new Error(
      `${t} is ambiguous in ${tz} (${dstChange(tz, fields.year, 'back')}): it is either ${formatUtc(r.ts)} or ${formatUtc(later)}; ` +
        `add the offset (${t}${offsetText(wall - r.ts)} or ${t}${offsetText(wall - later)})`,
    );
  }
  if (r.nonexistent) {
    const { from, to } = gap(tz, wall);
    throw new Error(
      `${t} never existed in ${tz} (${dstChange(tz, fields.year, 'forward')}: clocks jumped from ${from} to ${to}); ` +
        `give a time outside the gap or add the offset`,
    );
  }
  return { ts: r.ts };
}

/** "DST ends"/"DST starts" when the zone keeps summer time that year, else the plain fact. */
function dstChange(zone: string, year: number, dir: 'back' | 'forward'): string {
  const jan = zoneOffsetSeconds(zone, wallMicros({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 }));
  const jul = zoneOffsetSeconds(zone, wallMicros({ year, month: 7, day: 1, hour: 0, minute: 0, second: 0 }));
  if (jan !== jul) return dir === 'back' ? 'DST ends' : 'DST starts';
  return dir === 'back' ? 'clocks go back' : 'clocks go forward';
}

/** Wall-clock edges of the spring-forward gap containing `wall`, as HH:MM[:SS]. */
function gap(zone: string, wall: Micros): { from: string; to: string } {
  const before = zoneOffsetSeconds(zone, wall - US_PER_DAY);
  const after = zoneOffsetSeconds(zone, wall + US_PER_DAY);
  // The transition instant lies between the two readings of `wall`; bisect on whole seconds.
  let lo = Math.floor((wall - after * US_PER_S) / US_PER_S) - 1;
  let hi = Math.ceil((wall - before * US_PER_S) / US_PER_S) + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetSeconds(zone, mid * US_PER_S) === before) lo = mid;
    else hi = mid;
  }
  const at = hi * US_PER_S;
  return { from: wallTime(at + before * US_PER_S), to: wallTime(at + after * US_PER_S) };
}

function wallTime(us: Micros): string {
  const s = formatUtc(us).slice(11, 19);
  return s.endsWith(':00') ? s.slice(0, 5) : s;
}

function offsetText(offsetUs: number): string {
  const min = Math.round(offsetUs / 60 / US_PER_S);
  if (min === 0) return 'Z';
  const a = Math.abs(min);
  return `${min < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * UTC µs → ISO 8601 UTC: no fraction when whole seconds, milliseconds when that is all there is,
 * else all six digits (2026-11-29T22:13:05Z, …05.250Z, …05.123456Z).
 */
export function formatUtc(micros: Micros): string {
  const secs = Math.floor(micros / US_PER_S);
  const us = micros - secs * US_PER_S;
  const days = Math.floor(secs / 86_400);
  const sod = secs - days * 86_400;
  const { year, month, day } = civilFromDays(days);
  const y = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
  let out = `${y}-${pad2(month)}-${pad2(day)}T${pad2(Math.floor(sod / 3600))}:${pad2(Math.floor(sod / 60) % 60)}:${pad2(sod % 60)}`;
  if (us !== 0) out += us % 1000 === 0 ? `.${String(us / 1000).padStart(3, '0')}` : `.${String(us).padStart(6, '0')}`;
  return out + 'Z';
}

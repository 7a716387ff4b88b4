// One SourceClock per source/file: how its stamps become UTC µs, and which flags say how.
import type { Micros, TimeFlags } from '../records/record.ts';
import type { LocalFields, ResolvedTime, SourceClock } from './types.ts';
import { inferYear } from './year.ts';
import { isValidZone, localToUtc, wallMicros } from './zone.ts';

export function unknownZoneMessage(zone: string): string {
  return `unknown time zone '${zone}': use an IANA name such as Europe/London or UTC`;
}

/**
 * Epoch seconds as text ("1764425581", "1764425581.5", "1764425581.123456") → µs, split on the dot
 * so no float rounding creeps in. Digits beyond µs are truncated (a stamp names the µs it falls in).
 * Throws on anything else (signs, exponents, spaces, empty parts).
 */
export function epochMicros(seconds: string): Micros {
  const dot = seconds.indexOf('.');
  const int = dot < 0 ? seconds : seconds.slice(0, dot);
  const frac = dot < 0 ? '' : seconds.slice(dot + 1);
  if (!isDigits(int) || (dot >= 0 && !isDigits(frac))) {
    throw new Error(`epoch time '${seconds}' is not seconds with an optional fraction (1764425581 or 1764425581.123456)`);
  }
  const us = Number(int) * 1_000_000 + Number(frac.slice(0, 6).padEnd(6, '0'));
  if (!Number.isSafeInteger(us)) throw new Error(`epoch time '${seconds}' is out of range`);
  return us;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

class Clock implements SourceClock {
  readonly zone?: string;
  readonly reference: Micros;
  readonly year?: number;
  // Year inference depends only on the stamp once the reference is fixed: remember the last answer,
  // since consecutive lines mostly share their stamp.
  private lastKey = -1;
  private lastYear = 0;

  constructor(zone: string | undefined, reference: Micros, year: number | undefined) {
    if (zone !== undefined) this.zone = zone;
    this.reference = reference;
    if (year !== undefined) this.year = year;
  }

  local(fields: LocalFields, rawStamp: string): ResolvedTime {
    let flags: TimeFlags | undefined;
    let year = fields.year ?? this.year;
    if (year === undefined) {
      year = this.infer(fields);
      flags = { yearInferred: true };
    }
    const f = { year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute, second: fields.second, micros: fields.micros };
    if (this.zone === undefined) {
      (flags ??= {}).zoneAssumed = true;
      return { ts: wallMicros(f), rawStamp, flags };
    }
    const r = localToUtc(f, this.zone);
    const out: ResolvedTime = { ts: r.ts, rawStamp };
    if (r.ambiguous) {
      (flags ??= {}).ambiguous = true;
      out.tsAlt = r.tsAlt!;
    }
    if (r.nonexistent) (flags ??= {}).nonexistent = true;
    if (flags) out.flags = flags;
    return out;
  }

  withOffset(fields: LocalFields & { year: number }, offsetMinutes: number, rawStamp: string): ResolvedTime {
    if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 24 * 60) {
      throw new RangeError(`not a valid UTC offset: ${offsetMinutes} minutes`);
    }
    return { ts: wallMicros(fields) - offsetMinutes * 60_000_000, rawStamp };
  }

  epoch(seconds: string, rawStamp: string = seconds): ResolvedTime {
    return { ts: epochMicros(seconds), rawStamp };
  }

  private infer(f: LocalFields): number {
    const key = ((((f.month * 32 + f.day) * 24 + f.hour) * 60 + f.minute) * 61 + f.second);
    if (key === this.lastKey) return this.lastYear;
    const y = inferYear(f.month, f.day, f.hour, f.minute, f.second, this.reference, this.zone);
    this.lastKey = key;
    this.lastYear = y;
    return y;
  }
}

/**
 * Build the clock for one source. `reference` is the receive time (live) or file mtime, UTC µs;
 * `year` forces the year of RFC 3164 stamps. Throws for an unknown zone, so a typo fails at startup
 * instead of silently shifting every record.
 */
export function makeClock(opts: { zone?: string; reference: Micros; year?: number }): SourceClock {
  if (opts.zone !== undefined && !isValidZone(opts.zone)) throw new Error(unknownZoneMessage(opts.zone));
  if (!Number.isFinite(opts.reference)) throw new Error(`clock reference must be a time in µs, got ${opts.reference}`);
  if (opts.year !== undefined && !Number.isInteger(opts.year)) throw new Error(`year must be an integer, got ${opts.year}`);
  return new Clock(opts.zone, opts.reference, opts.year);
}

import type { Micros, TimeFlags } from '../records/record.ts';

/** A source stamp turned into UTC, with everything an analyst must know about how. */
export interface ResolvedTime {
  ts: Micros;
  /** The stamp text exactly as the source wrote it. */
  rawStamp: string;
  flags?: TimeFlags;
  /** For an ambiguous (DST fall-back) local time: the later UTC reading; `ts` holds the earlier. */
  tsAlt?: Micros;
}

/** Wall-clock fields of a local stamp. `year` absent means "RFC 3164: infer it". */
export interface LocalFields {
  year?: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in µs (0-999999). */
  micros?: number;
}

/**
 * How one source's stamps are read (ARCHITECTURE §4). Built once per source/file by `makeClock`
 * in ./clock.ts and handed to the syslog header parser and to every parser.
 */
export interface SourceClock {
  /** Configured IANA zone, or undefined (then local stamps are read as UTC and flagged zoneAssumed). */
  readonly zone?: string;
  /** Reference instant for year inference: receive time when live, file mtime for files. */
  readonly reference: Micros;
  /** Forced year (`--year`): overrides inference. */
  readonly year?: number;
  /** A zone-less local wall-clock stamp → UTC, applying zone, DST and year rules. */
  local(fields: LocalFields, rawStamp: string): ResolvedTime;
  /** A stamp carrying its own UTC offset in minutes (RFC 5424, ISO-8601 with offset) → UTC. */
  withOffset(fields: LocalFields & { year: number }, offsetMinutes: number, rawStamp: string): ResolvedTime;
  /** Epoch seconds with optional fraction, as text ("1764425581.123456") so no precision is lost. */
  epoch(seconds: string, rawStamp?: string): ResolvedTime;
}

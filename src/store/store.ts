// The storage contract. DuckDB (embedded, default) implements it today; a ClickHouse store will implement
// the same interface and pass the same contract suite (store.contract.test.ts). Nothing engine-specific
// crosses this line: callers see records, UTC µs and canonical address text.
import type { Kind, Micros, Proto, RecordOf, WhowasRecord } from '../records/record.ts';

/** A stored record: the normalised fields plus a reference to its original line in the raw archive. */
export type Stored<K extends Kind = Kind> = Omit<RecordOf<K>, 'raw' | 'received'> & {
  /** Opaque, store-wide unique reference of the original line (day + chunk + index). */
  ref: string;
  raw?: string;
  received?: Micros;
};

/**
 * The lines of one batch, day-partitioned by the ingest pipeline. Records point at their line by `line`:
 * with `lines`, the index into it; with pre-encoded `chunks`, chunk index × 65536 + index in the chunk.
 */
export interface DayBatch {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  source: string;
  /** Original lines (or blocks) kept as evidence; empty when `chunks` carries them. */
  lines: string[];
  /** Receive time of each line, UTC µs. */
  received: Micros[];
  /** The lines already compressed (src/store/raw-archive.ts LineChunk), in order. */
  chunks?: { data: Uint8Array; lines: number }[];
  /** Records with the position of the line they came from. */
  records: { rec: WhowasRecord; line: number }[];
  /** NAT records in column form (the hot path), in parts as batches were merged; never also in `records`. */
  nat?: NatColumns[];
}

/**
 * NAT events of a batch as columns, one entry per row, so millions of them cross threads and reach a store
 * without an object each. Addresses are four little-endian 32-bit words per row (addr.ts ipWords).
 * Codes index NAT_EVENTS / PROTOS of src/records/record.ts.
 */
export interface NatColumns {
  n: number;
  /** Event time, UTC µs (doubles hold µs exactly until the year 2255, and need no BigInt per row). */
  ts: Float64Array;
  /** tsAlt for an ambiguous local stamp, else 0. */
  tsAlt: Float64Array;
  /** Time flag bits (FLAG_BITS). */
  tflags: Uint8Array;
  event: Uint8Array;
  proto: Uint8Array;
  failed: Uint8Array;
  inIp: Uint32Array;
  inPort: Uint16Array;
  pubIp: Uint32Array;
  pubPort: Uint16Array;
  /** 1 when the device logged a destination. */
  hasDst: Uint8Array;
  dstIp: Uint32Array;
  dstPort: Uint16Array;
  /** Line position, as DayBatch.records' `line`. */
  line: Uint32Array;
}

export interface TimeRange {
  from: Micros;
  to: Micros;
  /** Leave out the stamp text and logging host (both are in the raw line): a trace needs neither. */
  lean?: boolean;
}

export interface NatQuery extends TimeRange {
  pubIp?: string;
  pubPort?: number;
  inIp?: string;
  inPort?: number;
  proto?: Proto;
  dstIp?: string;
  dstPort?: number;
  limit?: number;
}

export interface PortBlockQuery extends TimeRange {
  pubIp?: string;
  port?: number;
  inIp?: string;
}

export interface BindingQuery extends TimeRange {
  ip?: string;
  mac?: string;
  limit?: number;
}

export interface SessionQuery extends TimeRange {
  ip?: string;
  mac?: string;
  user?: string;
  host?: string;
  /** Also sessions carrying one of these ids (a logout that names only its session). */
  sessionIds?: string[];
  /** Only these events (e.g. ['owner'] for the owner registry). */
  events?: string[];
  limit?: number;
}

export interface DnsQuery extends TimeRange {
  client?: string;
  /** Exact name, or "*.suffix". */
  qname?: string;
  limit?: number;
}

export interface StoreStats {
  days: { day: string; bytes: number; rawBytes: number; rows: Partial<Record<Kind, number>> }[];
  totalBytes: number;
}

export interface Store {
  readonly engine: string;
  /** Writes one day's batch atomically: all of its records and lines, or nothing. */
  writeDay(batch: DayBatch): Promise<void>;

  nat(q: NatQuery): Promise<Stored<'nat'>[]>;
  portblocks(q: PortBlockQuery): Promise<Stored<'portblock'>[]>;
  leases(q: BindingQuery): Promise<Stored<'lease'>[]>;
  sightings(q: BindingQuery): Promise<Stored<'sighting'>[]>;
  places(q: BindingQuery): Promise<Stored<'place'>[]>;
  sessions(q: SessionQuery): Promise<Stored<'session'>[]>;
  dnsqueries(q: DnsQuery): Promise<Stored<'dnsquery'>[]>;
  unparsed(q: TimeRange & { source?: string; limit?: number }): Promise<Stored<'unparsed'>[]>;
  /** Whether any NAT or port-block record names this address as its public side within the range. */
  isNatPublic(ip: string, range: TimeRange): Promise<boolean>;

  /** Original lines and receive times for references returned by the queries above. */
  evidence(refs: string[]): Promise<Map<string, { line: string; received: Micros; source: string }>>;

  /** Days that hold data, oldest first (YYYY-MM-DD). */
  days(): Promise<string[]>;
  /** Drops a whole day and gives its disk space back. */
  dropDay(day: string): Promise<void>;
  /**
   * Rewrites a day in time order into compact storage. Cheap to repeat; worth it once a day is complete
   * or after a bulk load (many small commits leave partly filled blocks behind).
   */
  compactDay(day: string): Promise<void>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

let lastDayIndex = NaN;
let lastDay = '';
/** Day names by day number: a trace walks a year of days (owner lookback) and formats each. */
const dayNames = new Map<number, string>();

/** UTC day of an instant, YYYY-MM-DD (cached: consecutive records almost always share a day). */
export function dayOf(ts: Micros): string {
  const i = Math.floor(ts / 86_400_000_000);
  if (i !== lastDayIndex) {
    let name = dayNames.get(i);
    if (name === undefined) {
      if (dayNames.size >= 4096) dayNames.clear();
      name = new Date(i * 86_400_000).toISOString().slice(0, 10);
      dayNames.set(i, name);
    }
    lastDay = name;
    lastDayIndex = i;
  }
  return lastDay;
}

export function daysBetween(from: Micros, to: Micros): string[] {
  const out: string[] = [];
  const DAY = 86_400_000_000;
  for (let t = Math.floor(from / DAY) * DAY; t <= to; t += DAY) out.push(dayOf(t));
  return out;
}

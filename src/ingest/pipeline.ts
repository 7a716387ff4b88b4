// The ingest pipeline shared by file ingest and the live syslog inputs:
// message → parser → records, batched, partitioned by UTC day, written with their original lines.
// Nothing is dropped silently: every message ends up as records, a counted skip, or an `unparsed` record.
import type { Kind, Micros, UnparsedRecord, WhowasRecord } from '../records/record.ts';
import type { Parser, ParseContext } from '../parsers/parser.ts';
import { parseMessage, type Outcome } from '../parsers/run.ts';
import type { DayBatch, Store } from '../store/store.ts';
import { dayOf } from '../store/store.ts';
import type { SourceClock } from '../time/types.ts';

export interface IngestStats {
  lines: number;
  records: Partial<Record<Kind, number>>;
  skipped: number;
  unparsed: number;
  skipReasons: Record<string, number>;
  unparsedReasons: Record<string, number>;
  /** Records whose time needed a flag (zone assumed, ambiguous DST hour, …), by flag. */
  timeFlags: Record<string, number>;
  firstTs?: Micros;
  lastTs?: Micros;
  /** Largest |received − ts| seen, seconds: a live source's clock skew (meaningless for old files). */
  maxSkewS?: number;
}

export function emptyStats(): IngestStats {
  return { lines: 0, records: {}, skipped: 0, unparsed: 0, skipReasons: {}, unparsedReasons: {}, timeFlags: {} };
}

export interface IngestorOptions {
  source: string;
  /** Clock for a message received at a given instant (live inputs use the receive time as reference). */
  clock: (received: Micros) => SourceClock;
  /** Messages per batch (one transaction per day touched). */
  batchSize?: number;
  /** Track clock skew (live inputs only). */
  trackSkew?: boolean;
}

const MAX_IN_FLIGHT = 2;

/** A queued message: raw text to parse, or (from a binary input) records already decoded. */
interface Pending {
  raw: string;
  received: Micros;
  records?: WhowasRecord[];
  skipReason?: string;
}

function decoded(m: Pending, source: string): Outcome {
  const records = m.records!;
  if (records.length === 0) return { status: 'skip', records, reason: m.skipReason };
  for (const r of records) {
    r.raw = m.raw;
    r.received = m.received;
    r.source = source;
  }
  const bad = records.find((r): r is UnparsedRecord => r.kind === 'unparsed');
  return bad ? { status: 'unparsed', records, reason: bad.reason } : { status: 'records', records };
}

export class Ingestor {
  readonly stats = emptyStats();
  private pending: Pending[] = [];
  private inFlight: Promise<void>[] = [];
  private failure: unknown;
  private readonly batchSize: number;

  constructor(
    private readonly store: Store,
    private readonly parser: Parser,
    private readonly opts: IngestorOptions,
  ) {
    this.batchSize = opts.batchSize ?? 16_384;
  }

  /** Queues one message; resolves once there is room for more (backpressure for the caller). */
  async add(raw: string, received: Micros): Promise<void> {
    this.pending.push({ raw, received });
    if (this.pending.length >= this.batchSize) await this.flush(false);
  }

  /**
   * Queues a message decoded by an input itself (IPFIX): `records` are built (raw/received/source are set
   * here), `raw` is the message's text rendering kept as evidence. An empty list counts as a skip.
   */
  async addDecoded(raw: string, received: Micros, records: WhowasRecord[], skipReason = 'no binding'): Promise<void> {
    this.pending.push({ raw, received, records, skipReason });
    if (this.pending.length >= this.batchSize) await this.flush(false);
  }

  /** Parses what is queued and hands it to the store; with `wait`, also waits for every write. */
  async flush(wait = true): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const days = this.parseBatch(batch);
      const p = Promise.all(days.map((d) => this.store.writeDay(d))).then(() => undefined);
      p.catch((e) => (this.failure ??= e));
      this.inFlight.push(p);
      p.finally(() => (this.inFlight = this.inFlight.filter((x) => x !== p)));
    }
    if (wait) await Promise.all(this.inFlight);
    else while (this.inFlight.length >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private parseBatch(batch: Pending[]): DayBatch[] {
    const s = this.stats;
    const byDay = new Map<string, DayBatch>();
    let ctx: ParseContext | undefined;
    let ctxReceivedSecond = -1;
    for (const m of batch) {
      s.lines++;
      // One clock per second of receive time is plenty for year inference and cheap.
      const sec = Math.floor(m.received / 1_000_000);
      if (!ctx || sec !== ctxReceivedSecond) {
        ctx = { clock: this.opts.clock(m.received), source: this.opts.source, received: m.received };
        ctxReceivedSecond = sec;
      } else ctx = { clock: ctx.clock, source: this.opts.source, received: m.received };
      const res = m.records ? decoded(m, ctx.source) : parseMessage(this.parser, m.raw, ctx);
      if (res.status === 'skip') {
        const why = res.reason ?? 'no binding';
        s.skipped++;
        s.skipReasons[why] = (s.skipReasons[why] ?? 0) + 1;
        continue;
      }
      if (res.status === 'unparsed') {
        const why = res.reason ?? 'not understood';
        s.unparsed++;
        s.unparsedReasons[why] = (s.unparsedReasons[why] ?? 0) + 1;
      }
      const recs: WhowasRecord[] = res.records;
      let lastDay: DayBatch | undefined;
      let line = 0;
      for (const r of recs) {
        if (r.kind !== 'unparsed') {
          s.records[r.kind] = (s.records[r.kind] ?? 0) + 1;
          if (s.firstTs === undefined || r.ts < s.firstTs) s.firstTs = r.ts;
          if (s.lastTs === undefined || r.ts > s.lastTs) s.lastTs = r.ts;
          if (r.flags) for (const [k, v] of Object.entries(r.flags)) if (v) s.timeFlags[k] = (s.timeFlags[k] ?? 0) + 1;
          if (this.opts.trackSkew) {
            const skew = Math.abs(m.received - r.ts) / 1e6;
            if (s.maxSkewS === undefined || skew > s.maxSkewS) s.maxSkewS = skew;
          }
        }
        const day = dayOf(r.ts);
        let db = byDay.get(day);
        if (!db) byDay.set(day, (db = { day, source: this.opts.source, lines: [], received: [], records: [] }));
        // A message's line is stored once per day it has records in (almost always exactly one).
        if (db !== lastDay) {
          line = db.lines.length;
          db.lines.push(m.raw);
          db.received.push(m.received);
          lastDay = db;
        }
        db.records.push({ rec: r, line });
      }
    }
    return [...byDay.values()];
  }
}

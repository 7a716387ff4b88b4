// The ingest pipeline shared by file ingest and the live inputs:
// message → parser → records, batched, partitioned by UTC day, written with their original lines.
// Nothing is dropped silently: every message ends up as records, a counted skip, or an `unparsed` record.
//
// Two modes. Live inputs parse on the main thread and commit each batch as it fills (small, prompt
// commits). Bulk loads hand batches to a ParsePool (worker threads parse, compress lines, build NAT
// columns) and gather finished batches into large commits: DuckDB compresses a full row group far better
// than many partial ones (measured 11 vs 18 B per NAT row).
import type { Micros, WhowasRecord } from '../records/record.ts';
import type { Parser } from '../parsers/parser.ts';
import type { DayBatch, Store } from '../store/store.ts';
import type { SourceClock } from '../time/types.ts';
import { DayBatcher, mergeDayBatches, emptyStats, mergeStats, type IngestStats, type Pending } from './batch.ts';
import type { ClockSpec, ParsePool, ParseTask } from './parse-pool.ts';

export { emptyStats, type IngestStats } from './batch.ts';

export interface IngestorOptions {
  source: string;
  /** Clock for a message received at a given instant (live inputs use the receive time as reference). */
  clock: (received: Micros) => SourceClock;
  /** Messages per batch (live: one transaction per day touched; bulk: one worker task). */
  batchSize?: number;
  /** Track clock skew (live inputs only). */
  trackSkew?: boolean;
  /** This source is a resolver's query log: its address goes on lookups that do not log one. */
  resolver?: string;
  /** Bulk mode: parse in these worker threads; `clockSpec` must describe `clock`. */
  pool?: ParsePool;
  clockSpec?: ClockSpec;
  /** Bulk mode: rows gathered before a commit (default 491,520: one DuckDB row group). */
  commitRows?: number;
}

const MAX_IN_FLIGHT = 2;

export class Ingestor {
  readonly stats = emptyStats();
  /** UTC days this ingestor wrote to. */
  readonly daysWritten = new Set<string>();
  /** Bulk mode: lines waiting to go to a worker. */
  private pending: Pending[] = [];
  /**
   * Live mode (and decoded input in either mode): messages are parsed as they arrive, their lines
   * compressed a chunk at a time and NAT rows put in columns, so nothing a batch holds outlives the young
   * generation of the heap (collecting promoted records was most of the IPFIX path's CPU, measured).
   */
  private batcher?: DayBatcher;
  private batched = 0;
  private inFlight: Promise<void>[] = [];
  private failure: unknown;
  private readonly batchSize: number;
  /** Bulk mode: finished batches are applied in submission order along this chain. */
  private chain: Promise<void> = Promise.resolve();
  private gathered = new Map<string, DayBatch[]>();
  private gatheredRows = 0;

  constructor(
    private readonly store: Store,
    private readonly parser: Parser,
    private readonly opts: IngestorOptions,
  ) {
    this.batchSize = opts.batchSize ?? (opts.pool ? 32_768 : 16_384);
    if (opts.pool && !opts.clockSpec) throw new Error('Ingestor: a pool needs clockSpec');
  }

  /** Queues one message; resolves once there is room for more (backpressure for the caller). */
  async add(raw: string, received: Micros): Promise<void> {
    if (this.opts.pool) {
      this.pending.push({ raw, received });
      if (this.pending.length >= this.batchSize) await this.flush(false);
      return;
    }
    this.live().add({ raw, received });
    if (++this.batched >= this.batchSize) await this.flush(false);
  }

  private live(): DayBatcher {
    return (this.batcher ??= new DayBatcher(this.parser, this.opts, this.stats, this.batchSize));
  }

  /**
   * Queues a message decoded by an input itself (IPFIX): `records` are built (raw/received/source are set
   * here), `raw` is the message's text rendering kept as evidence. An empty list counts as a skip.
   * Returns a promise only when the batch was handed to the store (await it for backpressure).
   */
  addDecoded(raw: string, received: Micros, records: WhowasRecord[], skipReason = 'no binding'): Promise<void> | undefined {
    // Not async: a promise per record (hundreds of thousands a second) costs more than the record itself.
    this.live().add({ raw, received, records, skipReason });
    return ++this.batched >= this.batchSize ? this.flush(false) : undefined;
  }

  /** Name of the source this ingestor writes (records' `source`). */
  get source(): string {
    return this.opts.source;
  }

  /**
   * Day batches another thread already encoded (the IPFIX decode worker), with their counts. Gathered into
   * large commits like a bulk load's; a live flush commits what is gathered. Returns a promise only when a
   * commit started (await it for backpressure).
   */
  addEncoded(batches: DayBatch[], stats: IngestStats): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    mergeStats(this.stats, stats);
    this.gather(batches);
    if (this.gatheredRows < (this.opts.commitRows ?? 491_520)) return undefined;
    return this.commitChained();
  }

  private gather(batches: DayBatch[]): void {
    for (const b of batches) {
      const have = this.gathered.get(b.day);
      if (have) have.push(b);
      else this.gathered.set(b.day, [b]);
      this.gatheredRows += b.records.length + (b.nat ?? []).reduce((n, c) => n + c.n, 0);
    }
  }

  private commitChained(): Promise<void> {
    const step = this.chain.then(() => this.commitGathered());
    this.chain = step.catch(() => undefined);
    this.track(step);
    return step;
  }

  /** Bulk mode: the lines starting in [start, end) of a file, read and parsed by a worker. */
  async addFileRange(path: string, start: number, end: number, maxLine: number): Promise<void> {
    if (!this.opts.pool) throw new Error('Ingestor.addFileRange needs a pool');
    await this.flush(false); // keep message order
    this.submit({ file: { path, start, end, maxLine } });
    await this.flush(false);
  }

  /** Parses what is queued and hands it to the store; with `wait`, also waits for every write. */
  async flush(wait = true): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      const received = new Float64Array(batch.length);
      batch.forEach((m, i) => (received[i] = m.received));
      this.submit({ lines: batch.map((m) => m.raw), received });
    }
    if (this.batched) {
      this.batched = 0;
      this.writeNow(this.batcher!.finish());
    }
    // Encoded batches gathered from another thread are committed by every live flush (the router's
    // once a second), so they become visible promptly; a bulk load commits at commitRows or at the end.
    if (!this.opts.pool && this.gathered.size) this.commitChained();
    if (wait) {
      await Promise.all(this.inFlight);
      if (this.opts.pool || this.gathered.size) this.commitChained();
      await Promise.all(this.inFlight);
    } else while (this.inFlight.length >= MAX_IN_FLIGHT * (this.opts.pool?.size ?? 1)) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private track(p: Promise<void>): void {
    p.catch((e) => (this.failure ??= e));
    this.inFlight.push(p);
    p.finally(() => (this.inFlight = this.inFlight.filter((x) => x !== p))).catch(() => undefined);
  }

  private writeNow(days: DayBatch[]): void {
    for (const d of days) this.daysWritten.add(d.day);
    this.track(Promise.all(days.map((d) => this.store.writeDay(d))).then(() => undefined));
  }

  private submit(input: Pick<ParseTask, 'lines' | 'received' | 'file'>): void {
    const parsed = this.opts.pool!.run({
      parser: this.parser.name,
      source: this.opts.source,
      clock: this.opts.clockSpec!,
      trackSkew: this.opts.trackSkew,
      resolver: this.opts.resolver,
      ...input,
    });
    parsed.catch(() => undefined); // reported through the chain
    const step = this.chain.then(async () => {
      const r = await parsed;
      mergeStats(this.stats, r.stats);
      this.gather(r.batches);
      if (this.gatheredRows >= (this.opts.commitRows ?? 491_520)) await this.commitGathered();
    });
    this.chain = step.catch(() => undefined);
    this.track(step);
  }

  private async commitGathered(): Promise<void> {
    const days = [...this.gathered.values()];
    this.gathered = new Map();
    this.gatheredRows = 0;
    for (const parts of days) {
      this.daysWritten.add(parts[0]!.day);
      await this.store.writeDay(mergeDayBatches(parts));
    }
  }
}

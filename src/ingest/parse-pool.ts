// Worker threads for bulk ingest. Parsing, line compression and column building cost ~3 µs a line; the
// store's append costs under 1 µs. Spreading the first over worker threads lets one ingest use every core
// while the main thread keeps the store fed (issue 2's 300 k lines/s target needs both cores of a 2-core box).
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerModule } from '../runtime/worker-bundle.ts';
import type { Micros } from '../records/record.ts';
import type { DayBatch } from '../store/store.ts';
import type { IngestStats } from './batch.ts';

/** How a worker reads stamps: serialisable, unlike a SourceClock. No `reference`: each line's receive time. */
export interface ClockSpec {
  zone?: string;
  year?: number;
  reference?: Micros;
}

export interface ParseTask {
  id: number;
  parser: string;
  source: string;
  clock: ClockSpec;
  trackSkew?: boolean;
  resolver?: string;
  /** Messages with their receive times… */
  lines?: string[];
  received?: Float64Array;
  /**
   * …or the lines that start in [start, end) of a file, which the worker reads itself (bulk loads: the main
   * thread never touches the bytes). The lines' receive time is when the worker read them.
   */
  file?: { path: string; start: number; end: number; maxLine: number };
}

export type ParseTaskResult = { id: number; stats: IngestStats; batches: DayBatch[]; error?: undefined } | { id: number; error: string };

/** The worker's sources, and their tsx entry (used when they cannot be bundled: see workerModule). */
const WORKER = new URL('./parse-worker.ts', import.meta.url);
const TSX_ENTRY = new URL('./parse-worker.mjs', import.meta.url);

export class ParsePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: { task: ParseTask; resolve: (r: ParseTaskResult) => void; reject: (e: unknown) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (r: ParseTaskResult) => void; reject: (e: unknown) => void; worker: Worker }>();
  private nextId = 0;
  /** The module workers start from, once known. */
  private entry: URL | undefined;
  private entryWanted = false;

  constructor(readonly size = Math.max(1, cpus().length)) {}

  run(task: Omit<ParseTask, 'id'>): Promise<Extract<ParseTaskResult, { batches: DayBatch[] }>> {
    return new Promise<ParseTaskResult>((resolve, reject) => {
      this.waiting.push({ task: { ...task, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    }).then((r) => {
      if (r.error !== undefined) throw new Error(`ingest worker: ${r.error}`);
      return r;
    });
  }

  private dispatch(): void {
    if (!this.entry) {
      if (!this.entryWanted) {
        this.entryWanted = true;
        void workerModule(WORKER, TSX_ENTRY).then((u) => {
          this.entry = u;
          this.dispatch();
        });
      }
      return;
    }
    while (this.waiting.length) {
      let w = this.idle.pop();
      if (!w && this.all.length < this.size) w = this.spawn();
      if (!w) return;
      const job = this.waiting.shift()!;
      this.pending.set(job.task.id, { resolve: job.resolve, reject: job.reject, worker: w });
      w.postMessage(job.task, job.task.received ? [job.task.received.buffer as ArrayBuffer] : []);
    }
  }

  private spawn(): Worker {
    const w = new Worker(this.entry!);
    w.on('message', (r: ParseTaskResult) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      this.idle.push(w);
      p?.resolve(r);
      this.dispatch();
    });
    w.on('error', (e) => {
      for (const [id, p] of this.pending) if (p.worker === w) (this.pending.delete(id), p.reject(e));
    });
    this.all.push(w);
    return w;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}

// One-off ingest of log files (`whowas ingest`): frames the file as its format requires and feeds the
// shared pipeline. The reference time for RFC 3164 year inference is the file's modification time.
import { createReadStream, statSync } from 'node:fs';
import type { Micros } from '../records/record.ts';
import type { Parser } from '../parsers/parser.ts';
import type { Store } from '../store/store.ts';
import { LineFramer } from '../syslog/framing.ts';
import { makeClock } from '../time/clock.ts';
import { ParsePool } from './parse-pool.ts';
import { Ingestor, type IngestStats } from './pipeline.ts';

/** Files at least this large are parsed in worker threads (a worker costs ~0.2 s to start). */
const POOL_MIN_BYTES = 8 << 20;

export interface FileIngestOptions {
  parser: Parser;
  source: string;
  zone?: string;
  year?: number;
  /** The file is the query log of the resolver at this address (set on lookups that do not log one). */
  resolver?: string;
  /** Worker threads for parsing; default: one per core for files of 8 MiB or more, none below. */
  workers?: number;
  /** Called now and then with bytes read so far (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
}

export async function ingestFile(store: Store, path: string, opts: FileIngestOptions): Promise<IngestStats> {
  const st = statSync(path);
  const reference: Micros = Math.round(st.mtimeMs * 1000);
  const clock = makeClock({ zone: opts.zone, reference, year: opts.year });
  const workers = opts.parser.stateful ? 0 : (opts.workers ?? (st.size >= POOL_MIN_BYTES ? undefined : 0));
  const pool = workers === 0 ? undefined : new ParsePool(workers);
  const ing = new Ingestor(store, opts.parser, {
    source: opts.source,
    clock: () => clock,
    resolver: opts.resolver,
    pool,
    clockSpec: { zone: opts.zone, year: opts.year, reference },
  });
  try {
    const stats = pool && opts.parser.framing === 'line' ? await feedRanges(ing, path, opts) : await feedFile(ing, path, opts);
    // A bulk load leaves many commits' partly filled blocks: rewrite its days compactly, in time order.
    if (pool) for (const day of ing.daysWritten) await store.compactDay(day);
    return stats;
  } finally {
    await pool?.close();
  }
}

const MAX_LINE = 1 << 20;
/** Bytes of the file per worker task: big enough to amortise a task, small enough to keep every core busy. */
const RANGE = 4 << 20;

/** Bulk path: the workers read and parse 4 MiB ranges of the file themselves; this thread only schedules. */
async function feedRanges(ing: Ingestor, path: string, opts: FileIngestOptions): Promise<IngestStats> {
  const size = statSync(path).size;
  for (let start = 0; start < size; start += RANGE) {
    await ing.addFileRange(path, start, Math.min(size, start + RANGE), MAX_LINE);
    opts.onProgress?.(Math.min(size, start + RANGE));
  }
  await ing.flush(true);
  return ing.stats;
}

async function feedFile(ing: Ingestor, path: string, opts: FileIngestOptions): Promise<IngestStats> {
  const framer = new LineFramer({ maxLength: 1 << 20 });
  let block: string[] = [];
  let bytes = 0;
  // Every message of one read gets the same receive time: the moment we read it.
  const feed = async (line: string, received: Micros) => {
    if (opts.parser.framing === 'line') {
      if (line.length) await ing.add(line, received);
      return;
    }
    // Blank-line separated blocks (FreeRADIUS detail).
    if (line.trim() === '') {
      if (block.length) await ing.add(block.join('\n'), received);
      block = [];
    } else block.push(line);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const received = Date.now() * 1000;
    bytes += (chunk as Buffer).length;
    for (const line of framer.push(chunk as Buffer)) await feed(line, received);
    opts.onProgress?.(bytes);
  }
  const received = Date.now() * 1000;
  const tail = framer.end();
  if (tail !== undefined) await feed(tail, received);
  if (block.length) await ing.add(block.join('\n'), received);
  await ing.flush(true);
  const stats = ing.stats;
  if (framer.oversize) stats.unparsedReasons['line over 1 MiB, cut'] = framer.oversize;
  return stats;
}

// One-off ingest of log files (`whowas ingest`): frames the file as its format requires and feeds the
// shared pipeline. The reference time for RFC 3164 year inference is the file's modification time.
import { createReadStream, statSync } from 'node:fs';
import type { Micros } from '../records/record.ts';
import type { Parser } from '../parsers/parser.ts';
import type { Store } from '../store/store.ts';
import { LineFramer } from '../syslog/framing.ts';
import { makeClock } from '../time/clock.ts';
import { Ingestor, type IngestStats } from './pipeline.ts';

export interface FileIngestOptions {
  parser: Parser;
  source: string;
  zone?: string;
  year?: number;
  /** Called now and then with bytes read so far (for a progress bar). */
  onProgress?: (bytesRead: number) => void;
}

export async function ingestFile(store: Store, path: string, opts: FileIngestOptions): Promise<IngestStats> {
  const st = statSync(path);
  const reference: Micros = Math.round(st.mtimeMs * 1000);
  const clock = makeClock({ zone: opts.zone, reference, year: opts.year });
  const ing = new Ingestor(store, opts.parser, { source: opts.source, clock: () => clock });
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

// An ingest worker thread: parses a slice of messages, compresses their lines and builds NAT columns, so
// the main thread only appends finished columns to the store. See parse-pool.ts.
import { parentPort } from 'node:worker_threads';
import { getParser } from '../parsers/registry.ts';
import { makeClock } from '../time/clock.ts';
import { natBuffers } from '../store/nat-columns.ts';
import { buildDayBatches, emptyStats } from './batch.ts';
import type { ParseTask, ParseTaskResult } from './parse-pool.ts';
import type { Pending } from './batch.ts';

/** LF-terminated lines (a CR before the LF dropped; empty lines skipped, as file ingest does). */
function linesOf(bytes: Uint8Array, received: number): Pending[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Pending[] = [];
  let start = 0;
  while (start < buf.length) {
    let lf = buf.indexOf(10, start);
    if (lf < 0) lf = buf.length;
    const end = lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
    if (end > start) out.push({ raw: buf.toString('utf8', start, end), received });
    start = lf + 1;
  }
  return out;
}

parentPort!.on('message', (t: ParseTask) => {
  try {
    const parser = getParser(t.parser);
    const fixed = t.clock.reference !== undefined ? makeClock({ zone: t.clock.zone, year: t.clock.year, reference: t.clock.reference }) : undefined;
    const clock = fixed ? () => fixed : (received: number) => makeClock({ zone: t.clock.zone, year: t.clock.year, reference: received });
    const stats = emptyStats();
    const msgs = t.bytes ? linesOf(t.bytes, t.receivedAt!) : t.lines!.map((raw, i) => ({ raw, received: t.received![i]! }));
    const batches = buildDayBatches(parser, msgs, { source: t.source, clock, trackSkew: t.trackSkew, resolver: t.resolver, encode: true }, stats);
    const transfer = batches.flatMap((b) => (b.nat ? natBuffers(b.nat) : []));
    const res: ParseTaskResult = { id: t.id, stats, batches };
    parentPort!.postMessage(res, transfer);
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies ParseTaskResult);
  }
});

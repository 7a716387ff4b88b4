// An ingest worker thread: parses a slice of messages, compresses their lines and builds NAT columns, so
// the main thread only appends finished columns to the store. See parse-pool.ts.
import { isAscii } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { getParser } from '../parsers/registry.ts';
import { makeClock } from '../time/clock.ts';
import { DayBatcher, emptyStats, transferList } from './batch.ts';
import type { ParseTask, ParseTaskResult } from './parse-pool.ts';
import type { IngestStats } from './batch.ts';

let readBuf = Buffer.alloc(0);

/**
 * The lines whose first byte lies in [start, end): the line in progress at `start` belongs to the range
 * before; the last line runs past `end` to its LF. Lines over maxLine bytes are cut (at a character
 * boundary) and counted, as LineFramer does. Each line is handed over as bytes of the read buffer, with
 * whether it is ASCII (known for all at once when the whole buffer is, as conntrack logs are).
 */
function fileLines(
  f: { path: string; start: number; end: number; maxLine: number },
  stats: IngestStats,
  each: (b: Buffer, start: number, end: number, received: number, ascii: boolean) => void,
): void {
  const fd = openSync(f.path, 'r');
  try {
    const from = Math.max(0, f.start - 1); // one byte back: is `start` itself a line start?
    let len = f.end - from + 64 * 1024;
    let n = 0;
    for (;;) {
      if (readBuf.length < len) readBuf = Buffer.alloc(len);
      n = readSync(fd, readBuf, 0, len, from);
      // Enough read when the range's last line is complete (an LF at or after end-1) or the file ended.
      if (n < len || readBuf.lastIndexOf(10, n - 1) >= f.end - 1 - from) break;
      len *= 2;
    }
    const received = Date.now() * 1000;
    let pos = 0;
    if (f.start > 0) {
      const lf = readBuf.indexOf(10, 0);
      if (lf < 0 || lf >= n) return;
      pos = lf + 1; // the first line starting at or after `start`
    }
    const stop = f.end - from; // lines must start before this
    const allAscii = isAscii(readBuf.subarray(0, n));
    while (pos < n && pos < stop) {
      let lf = readBuf.indexOf(10, pos);
      if (lf < 0 || lf >= n) lf = n;
      let end = lf > pos && readBuf[lf - 1] === 13 ? lf - 1 : lf;
      if (end - pos > f.maxLine) {
        end = pos + f.maxLine;
        while (end > pos && (readBuf[end]! & 0xc0) === 0x80) end--;
        stats.unparsedReasons['line over 1 MiB, cut'] = (stats.unparsedReasons['line over 1 MiB, cut'] ?? 0) + 1;
      }
      if (end > pos) each(readBuf, pos, end, received, allAscii || isAscii(readBuf.subarray(pos, end)));
      pos = lf + 1;
    }
  } finally {
    closeSync(fd);
  }
}

parentPort!.on('message', (t: ParseTask) => {
  try {
    const parser = getParser(t.parser);
    const fixed = t.clock.reference !== undefined ? makeClock({ zone: t.clock.zone, year: t.clock.year, reference: t.clock.reference }) : undefined;
    const clock = fixed ? () => fixed : (received: number) => makeClock({ zone: t.clock.zone, year: t.clock.year, reference: received });
    const stats = emptyStats();
    // Lines stream through the batcher (never a list of the range's messages: see DayBatcher).
    const expected = t.file ? Math.ceil((t.file.end - t.file.start) / 150) : t.lines!.length;
    const batcher = new DayBatcher(parser, { source: t.source, clock, trackSkew: t.trackSkew, resolver: t.resolver }, stats, expected);
    if (t.file) fileLines(t.file, stats, (b, start, end, received, ascii) => batcher.addLine(b, start, end, received, ascii));
    else for (let i = 0; i < t.lines!.length; i++) batcher.add({ raw: t.lines![i]!, received: t.received![i]! });
    const batches = batcher.finish();
    const res: ParseTaskResult = { id: t.id, stats, batches };
    parentPort!.postMessage(res, transferList(batches));
  } catch (e) {
    parentPort!.postMessage({ id: t.id, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies ParseTaskResult);
  }
});

// The raw archive: original lines kept as evidence, compressed in chunks beside the records of the same day.
// Records carry a 64-bit reference (chunk id × 2^16 + index) instead of the line, which keeps the record
// tables small and the lines cheap (a chunk of similar log lines deflates ~8-10×).
import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync, constants } from 'node:zlib';
import type { Micros } from '../records/record.ts';

const deflateAsync = promisify(deflateRaw);

export const MAX_CHUNK_LINES = 65536;

export interface RawChunk {
  lines: string[];
  received: Micros[];
}

/** Compressed off the main thread (zlib's thread pool), so ingest parsing and compression overlap. */
export async function encodeChunk(chunk: RawChunk): Promise<Buffer> {
  if (chunk.lines.length > MAX_CHUNK_LINES) throw new Error(`raw chunk over ${MAX_CHUNK_LINES} lines`);
  const r0 = chunk.received.length ? chunk.received[0]! : 0;
  // Receive times as µs deltas from the first: mostly tiny numbers, compress to almost nothing.
  const doc = { v: 1, r0, d: chunk.received.map((r) => r - r0), l: chunk.lines };
  return deflateAsync(Buffer.from(JSON.stringify(doc)), { level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
}

export function decodeChunk(data: Uint8Array): RawChunk {
  const doc = JSON.parse(inflateRawSync(data).toString('utf8')) as { v: number; r0: number; d: number[]; l: string[] };
  if (doc.v !== 1) throw new Error(`unknown raw chunk version ${doc.v}`);
  return { lines: doc.l, received: doc.d.map((d) => doc.r0 + d) };
}

export function makeRawRef(chunkId: number, index: number): number {
  return chunkId * MAX_CHUNK_LINES + index;
}

export function splitRawRef(ref: number): { chunkId: number; index: number } {
  return { chunkId: Math.floor(ref / MAX_CHUNK_LINES), index: ref % MAX_CHUNK_LINES };
}

// The raw archive: original lines kept as evidence, compressed in chunks beside the records of the same day.
// Records carry the line's number in the day instead of the line (the day's raw_chunk index says which
// chunk holds it), which keeps the record tables small and the lines cheap (similar lines compress ~5-6×).
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';
import type { Micros } from '../records/record.ts';

const compressAsync = promisify(brotliCompress);

export const MAX_CHUNK_LINES = 65536;
/**
 * Lines per chunk: evidence for one record inflates and parses one whole chunk, which is most of a trace's
 * evidence cost (~1.5 ms per 1,024 conntrack lines); 256 keeps that near 0.4 ms for a few B/line more.
 */
export const RAW_CHUNK_LINES = 256;

export interface RawChunk {
  lines: string[];
  received: Micros[];
}

/** Compressed off the main thread (zlib's thread pool), so ingest parsing and compression overlap. */
export async function encodeChunk(chunk: RawChunk): Promise<Buffer> {
  return compressAsync(chunkDocument(chunk), BROTLI);
}

/** The same, on the calling thread (ingest workers compress their own lines). */
export function encodeChunkSync(chunk: RawChunk): Buffer {
  return brotliCompressSync(chunkDocument(chunk), BROTLI);
}

/**
 * Brotli at quality 3: on 1,024 conntrack lines it gave the ratio of deflate level 6 (28 B/line from 186)
 * at about 60% of its CPU time, and CPU per line is what bulk ingest runs out of.
 */
const BROTLI = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 3, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
};

function chunkDocument(chunk: RawChunk): Buffer {
  if (chunk.lines.length > MAX_CHUNK_LINES) throw new Error(`raw chunk over ${MAX_CHUNK_LINES} lines`);
  const r0 = chunk.received.length ? chunk.received[0]! : 0;
  // Receive times as µs deltas from the first: mostly tiny numbers, compress to almost nothing.
  const doc = { v: 1, r0, d: chunk.received.map((r) => r - r0), l: chunk.lines };
  return Buffer.from(JSON.stringify(doc));
}

export function decodeChunk(data: Uint8Array): RawChunk {
  const doc = JSON.parse(inflate(data).toString('utf8')) as { v: number; r0: number; d: number[]; l: string[] };
  if (doc.v !== 1) throw new Error(`unknown raw chunk version ${doc.v}`);
  return { lines: doc.l, received: doc.d.map((d) => doc.r0 + d) };
}

/** Brotli (current); raw deflate for chunks written before the switch (a brotli stream never inflates as one). */
function inflate(data: Uint8Array): Buffer {
  try {
    return brotliDecompressSync(data);
  } catch {
    return inflateRawSync(data);
  }
}

// The raw archive: original lines kept as evidence, compressed in chunks beside the records of the same day.
// Records carry the line's number in the day instead of the line (the day's raw_chunk index says which
// chunk holds it), which keeps the record tables small and the lines cheap (similar lines compress ~5-6×).
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants, inflateRawSync } from 'node:zlib';
import type { Micros } from '../records/record.ts';
import { IpfixDecoder, type EvidenceHeader, type RecordBytes } from '../inputs/ipfix/decoder.ts';

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
  return own(await compressAsync(chunkDocument(chunk), BROTLI));
}

/**
 * zlib hands back its output as a view of its 16 KiB output buffer: a 2 KiB chunk kept that way holds
 * 16 KiB, and postMessage copies the whole buffer behind a view. A compressed chunk gets a buffer of its
 * own size (never one from Buffer's shared pool), which a worker can then transfer instead of copying.
 */
function own(b: Buffer): Buffer {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? b : Buffer.from(new Uint8Array(b).buffer);
}

function compressed(doc: Buffer, opts: typeof BROTLI): Buffer {
  return own(brotliCompressSync(doc, opts));
}

/**
 * Brotli quality 1 with a 64 KiB window. A 256-line chunk of conntrack lines is ~48 KiB, so a larger window
 * buys nothing, while each call would allocate (and page-fault) the default 4 MiB one. Measured on 100 k
 * conntrack lines: quality 3 / window 4 MiB 1.52 µs and 33.5 B a line; quality 2 / 64 KiB 0.98 µs, 34.4 B;
 * quality 1 / 64 KiB 0.53 µs, 37.0 B. Bulk ingest runs out of CPU, not disk: quality 1.
 */
const BROTLI = {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 1,
    [constants.BROTLI_PARAM_LGWIN]: 16,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
};

/**
 * Chunk document, version 2: "\u0002" + JSON header {r0, d: receive-time µs deltas, n: line lengths in
 * UTF-16 units} + "\n" + the lines concatenated. Lines are never escaped (version 1 was one JSON document,
 * and escaping every line cost ~0.4 µs a line). Lengths count string units: the text is UTF-8 decoded from
 * bytes, so it round-trips unit for unit.
 */
function chunkDocument(chunk: RawChunk): Buffer {
  const c = new LineChunk();
  for (let i = 0; i < chunk.lines.length; i++) c.add(chunk.lines[i]!, chunk.received[i]!);
  return c.document();
}

/**
 * An open chunk of lines (format 2) filled line by line, as text or as ASCII bytes straight from a file's
 * read buffer (no string per line on the byte path, no join of the chunk's text).
 */
export class LineChunk {
  private body = Buffer.allocUnsafe(64 * 1024);
  private bytes = 0;
  private readonly lens: number[] = [];
  private readonly received: Micros[] = [];

  get size(): number {
    return this.lens.length;
  }

  add(line: string, received: Micros): void {
    const max = line.length * 3; // UTF-8 bytes of one UTF-16 unit: at most 3
    if (this.bytes + max > this.body.length) this.grow(max);
    this.bytes += this.body.write(line, this.bytes, 'utf8');
    this.lens.push(line.length);
    this.received.push(received);
  }

  /** b[start, end) must be ASCII: its bytes are then its UTF-16 units. */
  addAscii(b: Uint8Array, start: number, end: number, received: Micros): void {
    const len = end - start;
    if (this.bytes + len > this.body.length) this.grow(len);
    this.body.set(b.subarray(start, end), this.bytes);
    this.bytes += len;
    this.lens.push(len);
    this.received.push(received);
  }

  private grow(need: number): void {
    this.body = grown(this.body, this.bytes, need);
  }

  /** The chunk document, not compressed. Receive times as µs deltas from the first: mostly zeros. */
  document(): Buffer {
    const n = this.lens.length;
    if (n > MAX_CHUNK_LINES) throw new Error(`raw chunk over ${MAX_CHUNK_LINES} lines`);
    const r0 = n ? this.received[0]! : 0;
    const d = new Array<number>(n);
    for (let i = 0; i < n; i++) d[i] = this.received[i]! - r0;
    const head = Buffer.from(`\u0002${JSON.stringify({ r0, d, n: this.lens })}\n`);
    return Buffer.concat([head, this.body.subarray(0, this.bytes)]);
  }

  encode(): Buffer {
    return compressed(this.document(), BROTLI);
  }
}

/** `body` (of which `used` bytes are in use) in a buffer with room for `need` more: doubled, or as large as needed. */
function grown(body: Buffer, used: number, need: number): Buffer<ArrayBuffer> {
  const out = Buffer.allocUnsafe(Math.max(body.length * 2, used + need));
  body.copy(out, 0, 0, used);
  return out;
}

/**
 * Chunk format 3: data records kept as their own octets (IPFIX / NetFlow v9), all of one template. "\u0003"
 * + JSON header {h: the template and exporter (EvidenceHeader), r0, d: receive-time deltas, g: runs of
 * [export time µs, uptime base ms, records], and either n: record lengths (the records' octets back to back)
 * or w: the one record length (octet planes, below)} + "\n" + the octets. Read back as the text lines the
 * decoder would have rendered on arrival (IpfixDecoder.render).
 *
 * Octet planes: while every record has the first one's length (templates without variable-length fields,
 * the usual NAT templates), octet j of every record is kept together, record after record. Successive NAT
 * events differ little at each octet position (time, event, addresses), so the planes compress ~4× smaller
 * and faster: 256 bench records of 34 octets, brotli quality 1, 16.4 → 4.3 B and 0.22 → 0.13 µs a record.
 * A record of another length turns the chunk back into records back to back.
 */
export class RecordChunk {
  /** Planar: octet j of record i at j × PLANE + i. Else the records back to back (grown by doubling). */
  private body = Buffer.allocUnsafe(16 * 1024);
  /** The records' length while planar, else -1. */
  private width = -1;
  private n = 0;
  /** Record lengths, once back to back. */
  private lens: number[] = [];
  private readonly received: Micros[] = [];
  private readonly runs: [number, number, number][] = [];
  private bytes = 0;

  constructor(
    readonly key: string,
    private readonly header: EvidenceHeader,
  ) {}

  get size(): number {
    return this.n;
  }

  add(r: RecordBytes, received: Micros): void {
    // The octets are only valid during the decoder's emit: copy them.
    const len = r.end - r.start, data = r.data;
    if (this.n === 0) this.planes(len);
    if (len === this.width && this.n < PLANE) {
      const body = this.body;
      for (let j = 0, o = this.n, s = r.start; j < len; j++, o += PLANE, s++) body[o] = data[s]!;
    } else {
      if (this.width >= 0) this.backToBack();
      if (this.bytes + len > this.body.length) this.body = grown(this.body, this.bytes, len);
      const body = this.body;
      if (len <= 64) for (let i = 0, o = this.bytes; i < len; i++) body[o + i] = data[r.start + i]!; // under Buffer.copy's call cost
      else data.copy(body, this.bytes, r.start, r.end);
      this.bytes += len;
      this.lens.push(len);
    }
    this.n++;
    this.received.push(received);
    const last = this.runs[this.runs.length - 1];
    if (last && last[0] === r.exportUs && last[1] === r.upBaseMs) last[2]++;
    else this.runs.push([r.exportUs, r.upBaseMs, 1]);
  }

  /** An empty chunk's layout for records of `len` octets: planes when they fit a reasonable buffer. */
  private planes(len: number): void {
    this.bytes = 0;
    this.lens = [];
    this.width = len * PLANE <= MAX_PLANAR ? len : -1;
    if (this.width >= 0 && this.body.length < len * PLANE) this.body = Buffer.allocUnsafe(len * PLANE);
  }

  /** Planes → records back to back, to take a record of another length (or more than PLANE records). */
  private backToBack(): void {
    const w = this.width, n = this.n, planes = this.body;
    const out = Buffer.allocUnsafe(Math.max(16 * 1024, 2 * n * w));
    for (let i = 0, o = 0; i < n; i++) for (let j = 0; j < w; j++) out[o++] = planes[j * PLANE + i]!;
    this.body = out;
    this.bytes = n * w;
    this.lens = new Array<number>(n).fill(w);
    this.width = -1;
  }

  encode(): Buffer {
    const n = this.n, w = this.width;
    const r0 = n ? this.received[0]! : 0;
    const shape = w >= 0 ? { w } : { n: this.lens };
    const head = Buffer.from(`\u0003${JSON.stringify({ h: this.header, r0, d: this.received.map((r) => r - r0), g: this.runs, ...shape })}\n`);
    if (w < 0) return compressed(Buffer.concat([head, this.body.subarray(0, this.bytes)]), BROTLI_BINARY);
    // The planes of a chunk that is not full, closed up.
    const doc = Buffer.allocUnsafe(head.length + n * w);
    head.copy(doc);
    for (let j = 0; j < w; j++) this.body.copy(doc, head.length + j * n, j * PLANE, j * PLANE + n);
    return compressed(doc, BROTLI_BINARY);
  }
}

/** Records a planar chunk holds at most (a chunk closes at RAW_CHUNK_LINES). */
const PLANE = RAW_CHUNK_LINES;
/** Records longer than this / PLANE octets are kept back to back (no 16 MiB planes for 64 KiB records). */
const MAX_PLANAR = 256 * 1024;

const BROTLI_BINARY = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: 16 },
};

/** Format 3 → its records rendered as text: all of them, or only those at `want` (the others left undefined). */
function decodeRecordChunk(buf: Buffer, want?: readonly number[]): RawChunk {
  const nl = buf.indexOf(10);
  const h = JSON.parse(buf.toString('utf8', 1, nl)) as { h: EvidenceHeader; r0: number; d: number[]; g: [number, number, number][]; n?: number[]; w?: number };
  const received = h.d.map((x) => h.r0 + x);
  const n = h.d.length, body = nl + 1;
  const lens = h.w !== undefined ? new Array<number>(n).fill(h.w) : h.n!;
  if (lens.length !== n) throw new Error('raw chunk: record lengths do not match its receive times');
  const octets = buf.length - body;
  if (lens.reduce((a, l) => a + l, 0) !== octets) throw new Error(`raw chunk: record ${h.w !== undefined ? 'planes' : 'lengths'} do not match its octets`);
  // Each record's octets: a slice of the body, or gathered from the planes (octet j of record i at j × n + i).
  const record = (i: number, pos: number): Buffer => {
    if (h.w === undefined) return buf.subarray(body + pos, body + pos + lens[i]!);
    const w = h.w, r = Buffer.allocUnsafe(w);
    for (let j = 0; j < w; j++) r[j] = buf[body + j * n + i]!;
    return r;
  };
  const wanted = want ? new Set(want) : undefined;
  const recs: { data: Buffer; exportUs: number; upBaseMs: number; received: number }[] = [];
  const at: number[] = [];
  let pos = 0;
  let i = 0;
  for (const [exportUs, upBaseMs, count] of h.g) {
    for (let k = 0; k < count && i < n; k++, i++) {
      if (!wanted || wanted.has(i)) (recs.push({ data: record(i, pos), exportUs, upBaseMs, received: received[i]! }), at.push(i));
      pos += lens[i]!;
    }
  }
  if (i !== n) throw new Error('raw chunk: record runs do not match its records');
  const rendered = IpfixDecoder.render(h.h, recs);
  if (!wanted) return { lines: rendered, received };
  // Rendering is ~1 µs a record: evidence for one record of a 256-record chunk renders that one only.
  const lines = new Array<string>(n);
  at.forEach((index, k) => (lines[index] = rendered[k]!));
  return { lines, received };
}

/** A chunk's lines and receive times. `want`: the line indexes needed (others may be left undefined). */
export function decodeChunk(data: Uint8Array, want?: readonly number[]): RawChunk {
  const buf = inflate(data);
  if (buf[0] === 3) return decodeRecordChunk(buf, want);
  const text = buf.toString('utf8');
  if (text.charCodeAt(0) === 2) {
    const nl = text.indexOf('\n');
    const h = JSON.parse(text.slice(1, nl)) as { r0: number; d: number[]; n: number[] };
    const lines = new Array<string>(h.n.length);
    let pos = nl + 1;
    for (let i = 0; i < h.n.length; i++) lines[i] = text.slice(pos, (pos += h.n[i]!));
    if (pos !== text.length) throw new Error('raw chunk: line lengths do not match its text');
    return { lines, received: h.d.map((x) => h.r0 + x) };
  }
  // Version 1: one JSON document (stores written before version 2).
  const doc = JSON.parse(text) as { v: number; r0: number; d: number[]; l: string[] };
  if (doc.v !== 1) throw new Error(`unknown raw chunk version ${doc.v}`);
  return { lines: doc.l, received: doc.d.map((x) => doc.r0 + x) };
}

/** Brotli (current); raw deflate for chunks written before the switch (a brotli stream never inflates as one). */
function inflate(data: Uint8Array): Buffer {
  try {
    return brotliDecompressSync(data);
  } catch {
    return inflateRawSync(data);
  }
}

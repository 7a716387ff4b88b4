// Messages → day batches: parse each message, count what became of it, partition records by UTC day,
// compress the lines and turn NAT records into columns. Runs on the main thread for live inputs and inside
// ingest workers for bulk loads: the same code either way.
import type { Kind, Micros, NatRecord, NatRow, TimeFlags, UnparsedRecord, WhowasRecord } from '../records/record.ts';
import type { ParseContext, Parser } from '../parsers/parser.ts';
import { parseMessage, type Outcome } from '../parsers/run.ts';
import { LineChunk, MAX_CHUNK_LINES, RAW_CHUNK_LINES, RecordChunk } from '../store/raw-archive.ts';
import type { RecordBytes } from '../inputs/ipfix/decoder.ts';
import type { DayBatch } from '../store/store.ts';
import { dayOf } from '../store/store.ts';
import type { SourceClock } from '../time/types.ts';
import { NatColumnBuilder, natBuffers } from '../store/nat-columns.ts';

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

/** Adds b's counts into a. */
export function mergeStats(a: IngestStats, b: IngestStats): void {
  a.lines += b.lines;
  a.skipped += b.skipped;
  a.unparsed += b.unparsed;
  for (const [k, v] of Object.entries(b.records)) a.records[k as Kind] = (a.records[k as Kind] ?? 0) + v!;
  for (const [k, v] of Object.entries(b.skipReasons)) a.skipReasons[k] = (a.skipReasons[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.unparsedReasons)) a.unparsedReasons[k] = (a.unparsedReasons[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.timeFlags)) a.timeFlags[k] = (a.timeFlags[k] ?? 0) + v;
  if (b.firstTs !== undefined && (a.firstTs === undefined || b.firstTs < a.firstTs)) a.firstTs = b.firstTs;
  if (b.lastTs !== undefined && (a.lastTs === undefined || b.lastTs > a.lastTs)) a.lastTs = b.lastTs;
  if (b.maxSkewS !== undefined && (a.maxSkewS === undefined || b.maxSkewS > a.maxSkewS)) a.maxSkewS = b.maxSkewS;
}

/** A queued message: raw text to parse, or (from a binary input such as IPFIX) records already decoded. */
export interface Pending {
  raw: string;
  received: Micros;
  records?: WhowasRecord[];
  skipReason?: string;
}

export interface BatchOptions {
  source: string;
  /** Clock for a message received at a given instant. */
  clock: (received: Micros) => SourceClock;
  trackSkew?: boolean;
  /** Resolver address given to DNS lookups that do not log one (the source is that resolver's log). */
  resolver?: string;
}

const DAY_US = 86_400_000_000;

interface DayParts {
  day: string;
  /** The day's lines not yet compressed (the open text chunk). */
  text?: LineChunk;
  chunks: { data: Uint8Array; lines: number }[];
  records: { rec: WhowasRecord; line: number }[];
  /** NAT rows in columns, made on the day's first NAT record (most sources have none). */
  nat?: NatColumnBuilder;
  /** The day's open chunk of data-record octets (IPFIX bytes evidence), when its current chunk is one. */
  bin?: RecordChunk;
}

/**
 * Messages → day batches, one message at a time. Every full chunk of lines is compressed as
 * soon as it fills and its strings dropped, so a worker holds a few hundred lines, not its whole range:
 * what the garbage collector must copy and promote stays small (a bulk load's GC cost is mostly that).
 */
export class DayBatcher {
  private readonly byDay = new Map<string, DayParts>();
  private ctx: ParseContext | undefined;
  private ctxReceivedSecond = -1;
  /** The fast path's row (Parser.natRow) and the UTC day its last row fell in. */
  private readonly row: NatRow = { ts: 0, event: 0, proto: 0, failed: false, inIp: 0, inPort: 0, pubIp: 0, pubPort: 0, dstIp: 0, dstPort: 0 };
  private lastRowDay: DayParts | undefined;
  private rowDayStart = 0;
  private rowDayEnd = 0;

  constructor(
    private readonly parser: Parser,
    private readonly opts: BatchOptions,
    private readonly s: IngestStats,
    /** Expected NAT rows per day (sizes the column arrays once instead of growing them). */
    private readonly natHint = 1024,
  ) {}

  add(m: Pending): void {
    this.s.lines++;
    this.keep(this.outcome(m), m.received, m.raw);
  }

  /**
   * A line as bytes from a file's read buffer. Lines the parser's fast path understands (Parser.natRow) go
   * straight into the day's NAT columns and line chunk, no string made; any other line is decoded and
   * parsed as add() does. `ascii`: the caller knows b[start, end) is ASCII (the fast path needs that, so
   * that the line's bytes are its text).
   */
  addLine(b: Buffer, start: number, end: number, received: Micros, ascii: boolean): void {
    const read = this.parser.natRow;
    const row = this.row;
    if (!read || !ascii || !read(b, start, end, row)) {
      this.add({ raw: b.toString('utf8', start, end), received });
      return;
    }
    const db = this.rowDay(row, received);
    const pos = textLine(db, received, b, start, end);
    (db.nat ??= new NatColumnBuilder(this.natHint)).addRow(row, pos);
  }

  /** A NAT row decoded from a data record whose evidence is its own octets (IpfixDecoder's `rows` option). */
  addRow(row: NatRow, received: Micros, bytes: RecordBytes): void {
    const db = this.rowDay(row, received);
    const pos = recordLine(db, bytes, received);
    (db.nat ??= new NatColumnBuilder(this.natHint)).addRow(row, pos);
  }

  /** Counts a row's message and record (as keep() counts a NAT record), and finds its day. */
  private rowDay(row: NatRow, received: Micros): DayParts {
    this.s.lines++;
    const ts = row.ts;
    this.count('nat', ts, undefined, received);
    let db = this.lastRowDay;
    if (!db || ts < this.rowDayStart || ts >= this.rowDayEnd) {
      db = this.lastRowDay = this.dayParts(dayOf(ts));
      this.rowDayStart = Math.floor(ts / DAY_US) * DAY_US;
      this.rowDayEnd = this.rowDayStart + DAY_US;
    }
    return db;
  }

  private dayParts(day: string): DayParts {
    let db = this.byDay.get(day);
    if (!db) {
      db = { day, chunks: [], records: [] };
      this.byDay.set(day, db);
    }
    return db;
  }

  /**
   * A data record whose evidence is its own octets (IPFIX bytes evidence, rendered when read): kept in
   * chunks of records sharing one template, beside the text chunks of the same day.
   */
  addBytes(records: WhowasRecord[], skipReason: string, received: Micros, bytes: RecordBytes): void {
    this.s.lines++;
    this.keep(this.outcome({ raw: '', received, records, skipReason }), received, bytes);
  }

  private outcome(m: Pending): Outcome {
    const opts = this.opts;
    // One clock per second of receive time is plenty for year inference and cheap.
    const sec = Math.floor(m.received / 1_000_000);
    let ctx = this.ctx;
    if (!ctx || sec !== this.ctxReceivedSecond) {
      ctx = { clock: opts.clock(m.received), source: opts.source, received: m.received };
      this.ctxReceivedSecond = sec;
    } else if (ctx.received !== m.received) ctx = { clock: ctx.clock, source: opts.source, received: m.received };
    this.ctx = ctx;
    return m.records ? decoded(m, opts.source) : parseMessage(this.parser, m.raw, ctx);
  }

  /** A stored record's counts: by kind, the time range, its time flags, the source's clock skew. */
  private count(kind: Kind, ts: Micros, flags: TimeFlags | undefined, received: Micros): void {
    const s = this.s;
    s.records[kind] = (s.records[kind] ?? 0) + 1;
    if (s.firstTs === undefined || ts < s.firstTs) s.firstTs = ts;
    if (s.lastTs === undefined || ts > s.lastTs) s.lastTs = ts;
    if (flags) for (const [k, v] of Object.entries(flags)) if (v) s.timeFlags[k] = (s.timeFlags[k] ?? 0) + 1;
    if (this.opts.trackSkew) {
      const skew = Math.abs(received - ts) / 1e6;
      if (s.maxSkewS === undefined || skew > s.maxSkewS) s.maxSkewS = skew;
    }
  }

  private keep(res: Outcome, received: Micros, evidence: string | RecordBytes): void {
    const s = this.s;
    const opts = this.opts;
    if (res.status === 'skip') {
      const why = res.reason ?? 'no binding';
      s.skipped++;
      s.skipReasons[why] = (s.skipReasons[why] ?? 0) + 1;
      return;
    }
    if (res.status === 'unparsed') {
      const why = res.reason ?? 'not understood';
      s.unparsed++;
      s.unparsedReasons[why] = (s.unparsedReasons[why] ?? 0) + 1;
    }
    let lastDay: DayParts | undefined;
    let pos = 0;
    for (const r of res.records) {
      if (r.kind !== 'unparsed') this.count(r.kind, r.ts, r.flags, received);
      if (opts.resolver && r.kind === 'dnsquery' && !r.resolver) r.resolver = opts.resolver;
      const db = this.dayParts(dayOf(r.ts));
      // A message's line is stored once per day it has records in (almost always exactly one); its position
      // is chunk × 65536 + index, the chunk being the day's open one.
      if (db !== lastDay) {
        lastDay = db;
        pos = typeof evidence === 'string' ? textLine(db, received, evidence) : recordLine(db, evidence, received);
      }
      if (r.kind === 'nat') (db.nat ??= new NatColumnBuilder(this.natHint)).add(r as NatRecord, pos);
      else db.records.push({ rec: r, line: pos });
    }
  }

  finish(): DayBatch[] {
    const out: DayBatch[] = [];
    for (const d of this.byDay.values()) {
      if (d.text) compressLines(d);
      if (d.bin) closeRecordChunk(d);
      const b: DayBatch = { day: d.day, source: this.opts.source, lines: [], received: [], chunks: d.chunks, records: d.records };
      if (d.nat?.size) b.nat = [d.nat.finish()];
      out.push(b);
    }
    this.byDay.clear();
    this.lastRowDay = undefined;
    return out;
  }
}

/** Adds a line (text, or ASCII bytes b[start, end)) to the day's open text chunk; its position, chunk × 65536 + index. */
function textLine(db: DayParts, received: Micros, line: string | Uint8Array, start = 0, end = 0): number {
  if (db.bin) closeRecordChunk(db);
  const text = (db.text ??= new LineChunk());
  const pos = db.chunks.length * MAX_CHUNK_LINES + text.size;
  if (typeof line === 'string') text.add(line, received);
  else text.addAscii(line, start, end, received);
  if (text.size === RAW_CHUNK_LINES) compressLines(db);
  return pos;
}

/** Adds a data record's octets to the day's open record chunk (one per template); its position. */
function recordLine(db: DayParts, bytes: RecordBytes, received: Micros): number {
  if (db.text) compressLines(db);
  if (db.bin && db.bin.key !== bytes.key) closeRecordChunk(db);
  db.bin ??= new RecordChunk(bytes.key, bytes.header);
  const pos = db.chunks.length * MAX_CHUNK_LINES + db.bin.size;
  db.bin.add(bytes, received);
  if (db.bin.size === RAW_CHUNK_LINES) closeRecordChunk(db);
  return pos;
}

function closeRecordChunk(d: DayParts): void {
  d.chunks.push({ data: d.bin!.encode(), lines: d.bin!.size });
  d.bin = undefined;
}

/** The day's lines not yet compressed → one chunk (a full one but for the day's last). */
function compressLines(d: DayParts): void {
  d.chunks.push({ data: d.text!.encode(), lines: d.text!.size });
  d.text = undefined;
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

/**
 * Encoded batches of one day and source, in order, as one batch: one commit instead of several. NAT column
 * parts are kept as they are (their line positions shifted in place): no copy of millions of rows.
 */
export function mergeDayBatches(parts: DayBatch[]): DayBatch {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const out: DayBatch = { day: first.day, source: first.source, lines: [], received: [], chunks: [], records: [], nat: [] };
  for (const b of parts) {
    if (!b.chunks) throw new Error('only encoded day batches merge');
    const shift = out.chunks!.length * MAX_CHUNK_LINES;
    for (const r of b.records) out.records.push({ rec: r.rec, line: r.line + shift });
    for (const c of b.chunks) out.chunks!.push(c);
    for (const c of b.nat ?? []) {
      if (shift) for (let i = 0; i < c.n; i++) c.line[i] = c.line[i]! + shift;
      out.nat!.push(c);
    }
  }
  if (!out.nat!.length) delete out.nat;
  return out;
}

/**
 * What postMessage can move instead of copying: each NAT column's buffer and each compressed chunk that owns
 * its whole buffer (raw-archive gives them one). Copying a view copies the whole buffer behind it.
 */
export function transferList(batches: DayBatch[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const b of batches) {
    for (const c of b.nat ?? []) out.push(...natBuffers(c));
    for (const { data } of b.chunks ?? []) {
      const buf = data.buffer;
      if (buf instanceof ArrayBuffer && data.byteOffset === 0 && buf.byteLength === data.byteLength) out.push(buf);
    }
  }
  return out;
}

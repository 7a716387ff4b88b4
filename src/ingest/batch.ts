// Messages → day batches: parse each message, count what became of it, partition records by UTC day, and
// (when `encode`) compress the lines and turn NAT records into columns. Runs on the main thread for small
// live batches and inside ingest workers for bulk loads: the same function either way.
import type { Kind, Micros, NatRecord, UnparsedRecord, WhowasRecord } from '../records/record.ts';
import type { ParseContext, Parser } from '../parsers/parser.ts';
import { parseMessage, type Outcome } from '../parsers/run.ts';
import { encodeChunkSync, MAX_CHUNK_LINES, RAW_CHUNK_LINES } from '../store/raw-archive.ts';
import type { DayBatch, NatColumns } from '../store/store.ts';
import { dayOf } from '../store/store.ts';
import type { SourceClock } from '../time/types.ts';
import { concatNat, NatColumnBuilder } from '../store/nat-columns.ts';

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
  /** Compress lines into raw chunks and put NAT records in columns (DayBatch.chunks / .nat). */
  encode: boolean;
  /** Resolver address given to DNS lookups that do not log one (the source is that resolver's log). */
  resolver?: string;
}

interface DayParts {
  day: string;
  lines: string[];
  received: Micros[];
  records: { rec: WhowasRecord; line: number }[];
  nat: NatColumnBuilder;
}

export function buildDayBatches(parser: Parser, batch: Pending[], opts: BatchOptions, s: IngestStats): DayBatch[] {
  const byDay = new Map<string, DayParts>();
  let ctx: ParseContext | undefined;
  let ctxReceivedSecond = -1;
  for (const m of batch) {
    s.lines++;
    // One clock per second of receive time is plenty for year inference and cheap.
    const sec = Math.floor(m.received / 1_000_000);
    if (!ctx || sec !== ctxReceivedSecond) {
      ctx = { clock: opts.clock(m.received), source: opts.source, received: m.received };
      ctxReceivedSecond = sec;
    } else ctx = { clock: ctx.clock, source: opts.source, received: m.received };
    const res = m.records ? decoded(m, opts.source) : parseMessage(parser, m.raw, ctx);
    if (res.status === 'skip') {
      const why = res.reason ?? 'no binding';
      s.skipped++;
      s.skipReasons[why] = (s.skipReasons[why] ?? 0) + 1;
      continue;
    }
    if (res.status === 'unparsed') {
      const why = res.reason ?? 'not understood';
      s.unparsed++;
      s.unparsedReasons[why] = (s.unparsedReasons[why] ?? 0) + 1;
    }
    let lastDay: DayParts | undefined;
    let line = 0;
    for (const r of res.records) {
      if (r.kind !== 'unparsed') {
        s.records[r.kind] = (s.records[r.kind] ?? 0) + 1;
        if (s.firstTs === undefined || r.ts < s.firstTs) s.firstTs = r.ts;
        if (s.lastTs === undefined || r.ts > s.lastTs) s.lastTs = r.ts;
        if (r.flags) for (const [k, v] of Object.entries(r.flags)) if (v) s.timeFlags[k] = (s.timeFlags[k] ?? 0) + 1;
        if (opts.trackSkew) {
          const skew = Math.abs(m.received - r.ts) / 1e6;
          if (s.maxSkewS === undefined || skew > s.maxSkewS) s.maxSkewS = skew;
        }
      }
      if (opts.resolver && r.kind === 'dnsquery' && !r.resolver) r.resolver = opts.resolver;
      const day = dayOf(r.ts);
      let db = byDay.get(day);
      if (!db) byDay.set(day, (db = { day, lines: [], received: [], records: [], nat: new NatColumnBuilder() }));
      // A message's line is stored once per day it has records in (almost always exactly one).
      if (db !== lastDay) {
        line = db.lines.length;
        db.lines.push(m.raw);
        db.received.push(m.received);
        lastDay = db;
      }
      if (opts.encode && r.kind === 'nat') db.nat.add(r as NatRecord, line);
      else db.records.push({ rec: r, line });
    }
  }
  return [...byDay.values()].map((d) => (opts.encode ? encoded(d, opts.source) : { day: d.day, source: opts.source, lines: d.lines, received: d.received, records: d.records }));
}

/** Lines → compressed chunks; flat line numbers → chunk positions (chunk × 65536 + index). */
function encoded(d: DayParts, source: string): DayBatch {
  const chunks: { data: Uint8Array; lines: number }[] = [];
  for (let i = 0; i < d.lines.length; i += RAW_CHUNK_LINES) {
    const lines = d.lines.slice(i, i + RAW_CHUNK_LINES);
    chunks.push({ data: encodeChunkSync({ lines, received: d.received.slice(i, i + RAW_CHUNK_LINES) }), lines: lines.length });
  }
  const pos = (line: number) => Math.floor(line / RAW_CHUNK_LINES) * MAX_CHUNK_LINES + (line % RAW_CHUNK_LINES);
  for (const r of d.records) r.line = pos(r.line);
  d.nat.mapLines(pos);
  const out: DayBatch = { day: d.day, source, lines: [], received: [], chunks, records: d.records };
  if (d.nat.size) out.nat = d.nat.finish();
  return out;
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

/** Encoded batches of one day and source, in order, as one batch: one commit instead of several. */
export function mergeDayBatches(parts: DayBatch[]): DayBatch {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const out: DayBatch = { day: first.day, source: first.source, lines: [], received: [], chunks: [], records: [] };
  const nats: { c: NatColumns; shift: number }[] = [];
  for (const b of parts) {
    if (!b.chunks) throw new Error('only encoded day batches merge');
    const shift = out.chunks!.length * MAX_CHUNK_LINES;
    for (const r of b.records) out.records.push({ rec: r.rec, line: r.line + shift });
    out.chunks!.push(...b.chunks);
    if (b.nat) nats.push({ c: b.nat, shift });
  }
  if (nats.length) out.nat = concatNat(nats);
  return out;
}

// NAT records in column form (store.ts NatColumns): built row by row as records come out of a parser,
// concatenated when batches merge into one commit, shipped between threads as transferable buffers.
import { ipWords } from '../records/addr.ts';
import { FLAG_BITS, NAT_EVENTS, PROTOS, type NatRecord, type NatRow, type TimeFlags } from '../records/record.ts';
import type { NatColumns } from './store.ts';

const EVENT_CODE = new Map<string, number>(NAT_EVENTS.map((e, i) => [e, i]));
const PROTO_CODE = new Map<string, number>(PROTOS.map((p, i) => [p, i]));

export function flagBits(f: TimeFlags | undefined): number {
  if (!f) return 0;
  let b = 0;
  if (f.zoneAssumed) b |= FLAG_BITS.zoneAssumed;
  if (f.ambiguous) b |= FLAG_BITS.ambiguous;
  if (f.nonexistent) b |= FLAG_BITS.nonexistent;
  if (f.yearInferred) b |= FLAG_BITS.yearInferred;
  if (f.clockUnsynced) b |= FLAG_BITS.clockUnsynced;
  return b;
}

/** The time flags of a bit set (FLAG_BITS), or undefined when none is set. */
export function flagsOfBits(bits: number): TimeFlags | undefined {
  if (!bits) return undefined;
  const f: TimeFlags = {};
  for (const [k, bit] of Object.entries(FLAG_BITS)) if (bits & bit) f[k as keyof TimeFlags] = true;
  return f;
}

export function emptyNatColumns(capacity: number): NatColumns {
  return {
    n: 0,
    ts: new Float64Array(capacity),
    tsAlt: new Float64Array(capacity),
    tflags: new Uint8Array(capacity),
    event: new Uint8Array(capacity),
    proto: new Uint8Array(capacity),
    failed: new Uint8Array(capacity),
    inIp: new Uint32Array(capacity * 4),
    inPort: new Uint16Array(capacity),
    pubIp: new Uint32Array(capacity * 4),
    pubPort: new Uint16Array(capacity),
    hasDst: new Uint8Array(capacity),
    dstIp: new Uint32Array(capacity * 4),
    dstPort: new Uint16Array(capacity),
    line: new Uint32Array(capacity),
  };
}

const FIELDS = ['ts', 'tsAlt', 'tflags', 'event', 'proto', 'failed', 'inIp', 'inPort', 'pubIp', 'pubPort', 'hasDst', 'dstIp', 'dstPort', 'line'] as const;
const WIDE = new Set<string>(['inIp', 'pubIp', 'dstIp']);

/** Copies the first n rows of every column into arrays of a new capacity. */
function resized(c: NatColumns, capacity: number): NatColumns {
  const out = emptyNatColumns(capacity);
  for (const f of FIELDS) {
    const w = WIDE.has(f) ? 4 : 1;
    (out[f] as Uint32Array).set((c[f] as Uint32Array).subarray(0, c.n * w));
  }
  out.n = c.n;
  return out;
}

/**
 * The rows in use, as views of the same buffers (what crosses a thread or reaches a store): no copy. The
 * buffers keep their capacity until the columns are dropped, which follows soon after a commit; a copy per
 * batch cost ~0.1 µs a row in the IPFIX decode worker (measured).
 */
export function trimmed(c: NatColumns): NatColumns {
  if (c.ts.length === c.n) return c;
  const out = { ...c };
  for (const f of FIELDS) {
    const w = WIDE.has(f) ? 4 : 1;
    (out[f] as Uint32Array) = (c[f] as Uint32Array).subarray(0, c.n * w);
  }
  return out;
}

export class NatColumnBuilder {
  private c: NatColumns;

  /** `capacity`: rows expected (grown by doubling past it). */
  constructor(capacity = 1024) {
    this.c = emptyNatColumns(Math.max(16, capacity));
  }

  get size(): number {
    return this.c.n;
  }

  add(r: NatRecord, line: number): void {
    let c = this.c;
    if (c.n === c.ts.length) c = this.c = resized(c, c.n * 2);
    const i = c.n++;
    c.ts[i] = r.ts;
    if (r.tsAlt !== undefined) c.tsAlt[i] = r.tsAlt;
    c.tflags[i] = flagBits(r.flags);
    const ev = EVENT_CODE.get(r.event);
    const pr = PROTO_CODE.get(r.proto);
    if (ev === undefined || pr === undefined) throw new Error(`bad NAT event/protocol ${r.event}/${r.proto}`);
    c.event[i] = ev;
    c.proto[i] = pr;
    c.failed[i] = r.failed ? 1 : 0;
    ipWords(r.inIp, c.inIp, i * 4);
    c.inPort[i] = r.inPort;
    ipWords(r.pubIp, c.pubIp, i * 4);
    c.pubPort[i] = r.pubPort;
    if (r.dstIp !== undefined) {
      c.hasDst[i] = 1;
      ipWords(r.dstIp, c.dstIp, i * 4);
      c.dstPort[i] = r.dstPort ?? 0;
    }
    c.line[i] = line;
  }

  /** A row from a parser's fast path (Parser.natRow): IPv4, an epoch stamp, a destination. */
  addRow(r: NatRow, line: number): void {
    let c = this.c;
    if (c.n === c.ts.length) c = this.c = resized(c, c.n * 2);
    const i = c.n++;
    const w = i * 4;
    c.ts[i] = r.ts;
    c.event[i] = r.event;
    c.proto[i] = r.proto;
    c.failed[i] = r.failed ? 1 : 0;
    c.inIp[w] = r.inIp;
    c.inIp[w + 1] = 0xffff;
    c.inPort[i] = r.inPort;
    c.pubIp[w] = r.pubIp;
    c.pubIp[w + 1] = 0xffff;
    c.pubPort[i] = r.pubPort;
    c.hasDst[i] = 1;
    c.dstIp[w] = r.dstIp;
    c.dstIp[w + 1] = 0xffff;
    c.dstPort[i] = r.dstPort;
    c.line[i] = line;
  }

  /** Rewrites every row's line number (e.g. flat index → chunk position). */
  mapLines(fn: (line: number) => number): void {
    const l = this.c.line;
    for (let i = 0; i < this.c.n; i++) l[i] = fn(l[i]!);
  }

  finish(): NatColumns {
    return trimmed(this.c);
  }
}

/** Every buffer of the columns, for postMessage's transfer list. */
export function natBuffers(c: NatColumns): ArrayBuffer[] {
  return FIELDS.map((f) => c[f].buffer as ArrayBuffer);
}

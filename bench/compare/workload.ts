// The one NAT workload every peer loads: bench/campus.ts writes it as `conntrack -E` lines (whowas's input,
// unchanged from `npm run bench`), and this module reads those lines back once into fixed-size binary rows
// (what ulogd2 would hand its SQL output plugin, and what a NAT device would export as IPFIX NAT events).
// Every peer is fed from the same rows, in the same order, so they hold the same events.
import { createReadStream, createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { generateCampus } from '../campus.ts';

export type NatEventKind = 'new' | 'destroy';

export interface NatEventRow {
  /** Event time, UTC µs. */
  ts: number;
  /** Start of the connection, UTC µs (= ts for a NEW event; the matching NEW's time for a DESTROY). */
  start: number;
  event: NatEventKind;
  /** IP protocol number (6 tcp, 17 udp). */
  proto: number;
  inIp: number;
  inPort: number;
  pubIp: number;
  pubPort: number;
  dstIp: number;
  dstPort: number;
}

export interface Lookup {
  /** Public address and port from the (synthetic) abuse report. */
  pubIp: string;
  pubPort: number;
  /** Reported time, UTC µs, whole seconds (as reports give it). */
  at: number;
  /** The true answer. */
  inIp: string;
  inPort: number;
}

export interface HostHour {
  inIp: string;
  /** [from, to) UTC µs, one hour. */
  from: number;
  to: number;
  /** Connections the host opened in the hour (NEW events), counted while the rows were written. */
  expectedConnections: number;
}

export interface Workload {
  dir: string;
  conntrackPath: string;
  rowsPath: string;
  events: number;
  connections: number;
  startS: number;
  spanS: number;
  hosts: number;
  publicIps: number;
  lookups: Lookup[];
  hostHour: HostHour;
  conntrackBytes: number;
}

export const ROW_BYTES = 36;

export function ipToU32(ip: string): number {
  let v = 0, p = 0;
  for (let k = 0; k < 4; k++) {
    const e = k < 3 ? ip.indexOf('.', p) : ip.length;
    v = v * 256 + Number(ip.slice(p, e));
    p = e + 1;
  }
  return v >>> 0;
}

export function u32ToIp(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function encodeRow(r: NatEventRow, b: Buffer, off: number): void {
  b.writeDoubleLE(r.ts, off);
  b.writeDoubleLE(r.start, off + 8);
  b.writeUInt32LE(r.inIp, off + 16);
  b.writeUInt32LE(r.pubIp, off + 20);
  b.writeUInt32LE(r.dstIp, off + 24);
  b.writeUInt16LE(r.inPort, off + 28);
  b.writeUInt16LE(r.pubPort, off + 30);
  b.writeUInt16LE(r.dstPort, off + 32);
  b.writeUInt8(r.proto, off + 34);
  b.writeUInt8(r.event === 'new' ? 1 : 4, off + 35);
}

export function decodeRow(b: Buffer, off: number): NatEventRow {
  return {
    ts: b.readDoubleLE(off),
    start: b.readDoubleLE(off + 8),
    inIp: b.readUInt32LE(off + 16),
    pubIp: b.readUInt32LE(off + 20),
    dstIp: b.readUInt32LE(off + 24),
    inPort: b.readUInt16LE(off + 28),
    pubPort: b.readUInt16LE(off + 30),
    dstPort: b.readUInt16LE(off + 32),
    proto: b.readUInt8(off + 34),
    event: b.readUInt8(off + 35) === 1 ? 'new' : 'destroy',
  };
}

/** Value of `key=` at or after `from` in a conntrack line, and where it ends. */
function field(s: string, key: string, from: number): [string, number] {
  const i = s.indexOf(key, from);
  if (i < 0) throw new Error(`conntrack line without ${key}: ${s.slice(0, 120)}`);
  const a = i + key.length;
  let e = s.indexOf(' ', a);
  if (e < 0) e = s.length;
  return [s.slice(a, e), e];
}

/**
 * One conntrack line as bench/campus.ts writes it (`[epoch.µs]\t [NEW|DESTROY] ipv4 2 tcp 6 … src= dst= sport=
 * dport= … src= dst= sport= dport=`) → a row without its start (filled by the caller). Only for that format.
 */
export function parseCampusLine(s: string): Omit<NatEventRow, 'start'> {
  const close = s.indexOf(']');
  const stamp = s.slice(1, close);
  const dot = stamp.indexOf('.');
  const ts = Number(stamp.slice(0, dot)) * 1e6 + Number(stamp.slice(dot + 1));
  const event: NatEventKind = s.startsWith('[NEW]', s.indexOf('[', close + 1)) ? 'new' : 'destroy';
  const proto = s.includes(' tcp ') ? 6 : 17;
  let p = close;
  const [src, a] = field(s, 'src=', p);
  const [dst, b] = field(s, 'dst=', a);
  const [sport, c] = field(s, 'sport=', b);
  const [dport, d] = field(s, 'dport=', c);
  p = d;
  const [, e] = field(s, 'src=', p); // reply source = destination
  const [rdst, f] = field(s, 'dst=', e); // reply destination = public address
  const [, g] = field(s, 'sport=', f);
  const [rdport] = field(s, 'dport=', g); // reply destination port = public port
  return {
    ts,
    event,
    proto,
    inIp: ipToU32(src),
    inPort: Number(sport),
    dstIp: ipToU32(dst),
    dstPort: Number(dport),
    pubIp: ipToU32(rdst),
    pubPort: Number(rdport),
  };
}

async function write(ws: WriteStream, b: Buffer): Promise<void> {
  if (!ws.write(b)) await new Promise<void>((r) => ws.once('drain', () => r()));
}

/** Reads the lines of a file, in order, without holding it in memory. */
export async function* lines(path: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const s = rest + (chunk as string);
    let p = 0;
    for (let n = s.indexOf('\n'); n >= 0; n = s.indexOf('\n', p)) {
      if (n > p) yield s.slice(p, n);
      p = n + 1;
    }
    rest = s.slice(p);
  }
  if (rest) yield rest;
}

/** Rows of the binary file in batches of up to `batch`, in file order. */
export async function* readRows(path: string, batch = 8192): AsyncGenerator<NatEventRow[]> {
  let carry: Buffer = Buffer.alloc(0);
  let out: NatEventRow[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: ROW_BYTES * 16384 })) {
    const b = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const whole = b.length - (b.length % ROW_BYTES);
    for (let off = 0; off < whole; off += ROW_BYTES) {
      out.push(decodeRow(b, off));
      if (out.length === batch) {
        yield out;
        out = [];
      }
    }
    carry = b.subarray(whole);
  }
  if (out.length) yield out;
}

export interface WorkloadOptions {
  events: number;
  days: number;
  hosts?: number;
  publicIps?: number;
  destinations?: number;
  lookups?: number;
  seed?: number;
  /** Epoch seconds of the first event. */
  startS?: number;
}

/**
 * Generates the campus NAT log (conntrack lines, the same generator and parameters as `npm run bench`),
 * then writes the same events as binary rows, matching each DESTROY to its NEW for the connection start.
 */
export async function makeWorkload(dir: string, o: WorkloadOptions): Promise<Workload> {
  const startS = o.startS ?? Date.parse('2026-11-02T00:00:00Z') / 1000;
  const spanS = Math.round(o.days * 86_400) - 300;
  const hosts = o.hosts ?? 4000;
  const publicIps = o.publicIps ?? 8;
  const nLookups = o.lookups ?? 1000;
  const conntrackPath = join(dir, 'conntrack.log');
  const dnsmasqPath = join(dir, 'dnsmasq.log');
  const rowsPath = join(dir, 'events.bin');
  const gen = await generateCampus(
    { hosts, publicIps, destinations: o.destinations ?? 200_000, events: o.events, start: startS, span: spanS, seed: o.seed ?? 7 },
    dnsmasqPath,
    conntrackPath,
    Math.max(1, Math.floor(o.events / 2 / nLookups)),
  );
  rmSync(dnsmasqPath, { force: true }); // the peers get NAT events only; so does whowas here
  const lookups: Lookup[] = gen.sample.slice(0, nLookups).map((c) => ({
    pubIp: c.pubIp,
    pubPort: c.pubPort,
    at: Math.floor(c.ts / 1e6) * 1e6,
    inIp: c.inIp,
    inPort: c.inPort,
  }));
  const mid = gen.sample[Math.floor(gen.sample.length / 2)]!;
  const from = Math.floor(mid.ts / 3_600e6) * 3_600e6;
  const hostHour: HostHour = { inIp: mid.inIp, from, to: from + 3_600e6, expectedConnections: 0 };
  const hostU32 = ipToU32(mid.inIp);

  const ws = createWriteStream(rowsPath);
  const open = new Map<string, number[]>();
  let buf = Buffer.alloc(ROW_BYTES * 16384);
  let off = 0;
  let events = 0;
  let conntrackBytes = 0;
  const take = (line: string) => {
    const r = parseCampusLine(line) as NatEventRow;
    const key = `${r.proto}|${r.inIp}:${r.inPort}|${r.dstIp}:${r.dstPort}|${r.pubIp}:${r.pubPort}`;
    if (r.event === 'new') {
      r.start = r.ts;
      const q = open.get(key);
      if (q) q.push(r.ts);
      else open.set(key, [r.ts]);
      if (r.inIp === hostU32 && r.ts >= hostHour.from && r.ts < hostHour.to) hostHour.expectedConnections++;
    } else {
      const q = open.get(key);
      if (!q) throw new Error(`DESTROY without NEW: ${line.slice(0, 160)}`);
      r.start = q.shift()!;
      if (!q.length) open.delete(key);
    }
    encodeRow(r, buf, off);
    off += ROW_BYTES;
    events++;
  };
  // Whole chunks at a time, lines handled synchronously (an async step per line would triple the time).
  let rest = '';
  for await (const chunk of createReadStream(conntrackPath, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const s = rest + (chunk as string);
    conntrackBytes += Buffer.byteLength(chunk as string);
    let p = 0;
    for (let n = s.indexOf('\n'); n >= 0; n = s.indexOf('\n', p)) {
      if (n > p) take(s.slice(p, n));
      p = n + 1;
      if (off === buf.length) {
        await write(ws, buf);
        buf = Buffer.alloc(buf.length);
        off = 0;
      }
    }
    rest = s.slice(p);
  }
  if (rest) take(rest);
  await write(ws, buf.subarray(0, off));
  await new Promise<void>((r) => ws.end(() => r()));
  if (events !== gen.conntrackLines) throw new Error(`read back ${events} events, the generator wrote ${gen.conntrackLines}`);
  return { dir, conntrackPath, rowsPath, events, connections: gen.connections, startS, spanS, hosts, publicIps, lookups, hostHour, conntrackBytes };
}

// The IPFIX / NetFlow v9 collector's worker thread: it owns the UDP socket and the decoder (templates and
// counters live here) and turns datagrams into encoded day batches (the data records' octets kept as
// evidence, NAT rows in columns) per claiming source. The main thread only appends finished batches to the
// store, so a commit that appends for half a second never stops the socket being read. See collector.ts.
import { createSocket, type Socket } from 'node:dgram';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { DayBatcher, emptyStats, transferList, type IngestStats } from '../../ingest/batch.ts';
import type { Micros } from '../../records/record.ts';
import type { DayBatch } from '../../store/store.ts';
import { makeClock } from '../../time/clock.ts';
import { profileLookup } from './collector.ts';
import { ipfixText } from './text.ts';
import { IpfixDecoder, type DecoderOptions, type Emit, type ExporterCounters } from './decoder.ts';
import type { Profile } from './nat.ts';

export interface DecodeWorkerInit {
  decoder: Omit<DecoderOptions, 'profileFor'>;
  /** natEvent numbering: one profile, or per exporter address (others: 'rfc8158'). */
  profile?: Profile | Record<string, Profile>;
  host: string;
  port: number;
  recvBufferSize: number;
  sweepMs: number;
  /** Datagrams of an exporter held while the main thread says which source claims it (at most). */
  maxHeld: number;
  /** Shared counter of datagrams read off the socket (IpfixCollector.datagramsRead). */
  read: Int32Array;
  /** Nice value to ask for (IpfixCollectorOptions.receiveNice). */
  nice: number;
}

export type ToWorker =
  | { type: 'init'; init: DecodeWorkerInit }
  /** Which source takes this exporter's records (-1: none; decoded for templates and counters only). */
  | { type: 'claimed'; exporter: string; id: number; source?: string }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; address: string; port: number; family: string; nice: number }
  | { type: 'error'; message: string }
  | { type: 'claim'; exporter: string }
  | DecodeResult
  | { type: 'closed' };

export interface DecodeResult {
  type: 'result';
  out: { id: number; batches: DayBatch[]; stats: IngestStats }[];
  /** Datagrams per exporter since the last result (for the sources' received counters). */
  datagrams: [string, number][];
  unclaimed: number;
  /** Datagrams dropped while their exporter's claim was pending and its queue full. */
  overload: number;
  totals: ExporterCounters & { exporters: number; refused: number };
  exporters: Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }>;
  error?: string;
}

/** Datagrams per result, and the longest a decoded record waits for its result. */
const RESULT_PACKETS = 256;
const RESULT_MS = 20;

let dec: IpfixDecoder;
let sock: Socket | undefined;
let maxHeld = 1024;
const clock = (r: number) => makeClock({ reference: r });
/** Exporter address → claim id (-1: unclaimed); absent while the main thread is asked. */
const claims = new Map<string, number>();
const sources = new Map<number, string>();
const held = new Map<string, { msg: Buffer; received: Micros }[]>();

// The result being built.
let batchers = new Map<number, { batcher: DayBatcher; stats: IngestStats; emit: Emit }>();
let datagrams = new Map<string, number>();
let packets = 0;
let unclaimed = 0;
let overload = 0;
let timer: NodeJS.Timeout | undefined;
const drop: Emit = () => void unclaimed++;

function emitFor(id: number): Emit {
  let b = batchers.get(id);
  if (!b) {
    const stats = emptyStats();
    // NAT rows expected: ~41 records fill a 1,500-byte datagram.
    const batcher = new DayBatcher(ipfixText, { source: sources.get(id) ?? '?', clock }, stats, RESULT_PACKETS * 48);
    const emit: Emit = (raw, records, skip, received, bytes, row) => {
      if (row) batcher.addRow(row, received, bytes!);
      else if (bytes) batcher.addBytes(records, skip ?? 'no binding', received, bytes);
      else batcher.add({ raw, received, records, skipReason: skip ?? 'no binding' });
    };
    batchers.set(id, (b = { batcher, stats, emit }));
  }
  return b.emit;
}

function decode(msg: Buffer, exporter: string, claim: number, received: Micros): void {
  dec.packet(msg, exporter, received, claim < 0 ? drop : emitFor(claim));
  datagrams.set(exporter, (datagrams.get(exporter) ?? 0) + 1);
  if (++packets >= RESULT_PACKETS) flush();
  else timer ??= setTimeout(flush, RESULT_MS);
}

function flush(error?: string): void {
  if (timer) (clearTimeout(timer), (timer = undefined));
  if (!packets && !error && !overload) return;
  const out = [...batchers].map(([id, b]) => ({ id, batches: b.batcher.finish(), stats: b.stats }));
  const res: DecodeResult = {
    type: 'result', out, datagrams: [...datagrams], unclaimed, overload, totals: dec.totals(), exporters: dec.counters(), error,
  };
  batchers = new Map();
  datagrams = new Map();
  packets = unclaimed = overload = 0;
  parentPort!.postMessage(res, transferList(out.flatMap((o) => o.batches)));
}

let read: Int32Array | undefined;

/**
 * This thread's nice value, lowered to `nice` when allowed (on Linux priority is per thread: pid 0 is the
 * calling thread). Without the right (not root, no CAP_SYS_NICE) the thread keeps what it has.
 */
function threadNice(nice: number): number {
  try {
    if (nice !== 0) setPriority(0, nice);
  } catch {
    // EACCES: not allowed to raise the priority; the status reports the value kept.
  }
  try {
    return getPriority(0);
  } catch {
    return 0;
  }
}

function onDatagram(msg: Buffer, exporter: string): void {
  const received: Micros = Date.now() * 1000;
  Atomics.add(read!, 0, 1);
  try {
    const claim = claims.get(exporter);
    if (claim !== undefined) return decode(msg, exporter, claim, received);
    // First datagrams of an exporter: held until the main thread says which source claims it.
    let q = held.get(exporter);
    if (!q) {
      held.set(exporter, (q = []));
      parentPort!.postMessage({ type: 'claim', exporter } satisfies FromWorker);
    }
    if (q.length >= maxHeld) return void overload++;
    q.push({ msg, received });
  } catch (e) {
    flush(e instanceof Error ? e.message : String(e));
  }
}

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'init') {
    const i = m.init;
    // The records' own octets are the evidence (rendered when read): rendering and compressing text here
    // was about half of this thread's time.
    dec = new IpfixDecoder({ ...i.decoder, profileFor: profileLookup(i.profile), evidence: 'bytes', rows: true });
    maxHeld = i.maxHeld;
    read = i.read;
    const s = createSocket({ type: i.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: i.recvBufferSize });
    s.on('message', (msg, rinfo) => onDatagram(msg, rinfo.address));
    s.once('error', (e) => parentPort!.postMessage({ type: 'error', message: e.message } satisfies FromWorker));
    s.bind(i.port, i.host, () => {
      s.removeAllListeners('error');
      s.on('error', (e) => flush(`socket: ${e.message}`)); // after bind (rare on UDP): reported, never fatal
      const a = s.address();
      sock = s;
      parentPort!.postMessage({ type: 'ready', address: a.address, port: a.port, family: a.family, nice: threadNice(i.nice) } satisfies FromWorker);
    });
    setInterval(() => dec.sweep(Date.now() * 1000), i.sweepMs).unref();
    return;
  }
  if (m.type === 'claimed') {
    claims.set(m.exporter, m.id);
    if (m.source !== undefined) sources.set(m.id, m.source);
    const q = held.get(m.exporter) ?? [];
    held.delete(m.exporter);
    for (const p of q) decode(p.msg, m.exporter, m.id, p.received);
    return;
  }
  // close: no more datagrams; what is decoded goes out with the last result.
  const done = () => {
    flush();
    parentPort!.postMessage({ type: 'closed' } satisfies FromWorker);
  };
  if (sock) sock.close(done);
  else done();
});

// The IPFIX / NetFlow v9 decoder in a worker thread: the collector's socket thread only copies datagrams
// into a batch; here they are decoded (templates and counters live in this thread) and turned into encoded
// day batches (the data records' octets kept as evidence, NAT rows in columns) per claiming source.
// The main thread appends finished batches to the store. See collector.ts.
import { parentPort } from 'node:worker_threads';
import { DayBatcher, emptyStats, type IngestStats } from '../../ingest/batch.ts';
import type { DayBatch } from '../../store/store.ts';
import { natBuffers } from '../../store/nat-columns.ts';
import { makeClock } from '../../time/clock.ts';
import { ipfixText } from './text.ts';
import { IpfixDecoder, type DecoderOptions, type Emit, type ExporterCounters } from './decoder.ts';
import type { Profile } from './nat.ts';

export interface DecodeWorkerInit {
  decoder: Omit<DecoderOptions, 'profileFor'>;
  /** natEvent numbering: one profile, or per exporter address (others: 'rfc8158'). */
  profile?: Profile | Record<string, Profile>;
}

/** A batch of datagrams: packed into one buffer, with per-datagram exporter, receive time and claimant. */
export interface PacketBatch {
  type: 'packets';
  data: ArrayBuffer;
  /** Start of each datagram in `data` (n + 1 entries: the last is the end). */
  offsets: Uint32Array;
  received: Float64Array;
  /** Index into `claims`, or -1 when no source claims the exporter (decoded for templates and counters only). */
  claim: Int32Array;
  exporters: string[];
  /** New claimants since the last batch: index → source name. */
  claims: { id: number; source: string }[];
}

export type ToWorker = PacketBatch | { type: 'sweep'; now: number } | { type: 'init'; init: DecodeWorkerInit };

export type FromWorker = DecodeResult | { type: 'ready' };

export interface DecodeResult {
  type: 'result';
  /** Datagrams this result accounts for. */
  packets: number;
  out: { id: number; batches: DayBatch[]; stats: IngestStats }[];
  unclaimed: number;
  totals: ExporterCounters & { exporters: number; refused: number };
  exporters: Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }>;
  error?: string;
}

let dec: IpfixDecoder | undefined;
const sources = new Map<number, string>();
const clock = (r: number) => makeClock({ reference: r });

function profileFor(p: DecodeWorkerInit['profile']): (exporter: string) => Profile {
  if (p === undefined) return () => 'rfc8158';
  if (typeof p === 'string') return () => p;
  const m = new Map(Object.entries(p));
  return (e) => m.get(e) ?? 'rfc8158';
}

function onPackets(b: PacketBatch): DecodeResult {
  for (const c of b.claims) sources.set(c.id, c.source);
  const buf = Buffer.from(b.data);
  const batchers = new Map<number, { batcher: DayBatcher; stats: IngestStats }>();
  let unclaimed = 0;
  const drop: Emit = () => void unclaimed++;
  const emits = new Map<number, Emit>();
  const emitFor = (id: number): Emit => {
    let e = emits.get(id);
    if (!e) {
      const stats = emptyStats();
      // NAT rows expected: ~41 records fill a 1,500-byte datagram.
      const batcher = new DayBatcher(ipfixText, { source: sources.get(id) ?? '?', clock, encode: true }, stats, b.exporters.length * 48);
      batchers.set(id, { batcher, stats });
      e = (raw, records, skip, received, bytes) =>
        bytes ? batcher.addBytes(records, skip ?? 'no binding', received, bytes) : batcher.add({ raw, received, records, skipReason: skip ?? 'no binding' });
      emits.set(id, e);
    }
    return e;
  };
  const n = b.exporters.length;
  for (let i = 0; i < n; i++) {
    const id = b.claim[i]!;
    dec!.packet(buf.subarray(b.offsets[i]!, b.offsets[i + 1]!), b.exporters[i]!, b.received[i]!, id < 0 ? drop : emitFor(id));
  }
  const out = [...batchers].map(([id, { batcher, stats }]) => ({ id, batches: batcher.finish(), stats }));
  return { type: 'result', packets: n, out, unclaimed, totals: dec!.totals(), exporters: dec!.counters() };
}

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'init') {
    // The records' own octets are the evidence (rendered when read): rendering and compressing text here
    // was about half of this thread's time.
    dec = new IpfixDecoder({ ...m.init.decoder, profileFor: profileFor(m.init.profile), evidence: 'bytes' });
    parentPort!.postMessage({ type: 'ready' });
    return;
  }
  if (m.type === 'sweep') return void dec?.sweep(m.now);
  let res: DecodeResult;
  try {
    res = onPackets(m);
  } catch (e) {
    res = { type: 'result', packets: m.exporters.length, out: [], unclaimed: 0, totals: dec!.totals(), exporters: dec!.counters(), error: e instanceof Error ? e.message : String(e) };
  }
  const transfer = res.out.flatMap((o) => o.batches.flatMap((b) => (b.nat ?? []).flatMap(natBuffers)));
  parentPort!.postMessage(res, transfer);
});

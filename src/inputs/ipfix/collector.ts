// IPFIX / NetFlow v9 over UDP: a socket, the decoder (./decoder.ts), and each data record handed to the
// ingestor of the source the exporter belongs to (Ingestor.addDecoded: the records plus their text rendering,
// kept as evidence). UDP cannot push back: what the kernel drops under overload is lost; the counters and the
// exporters' sequence numbers make it visible.
import { createSocket, type Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import type { Ingestor } from '../../ingest/pipeline.ts';
import type { Micros } from '../../records/record.ts';
import { IpfixDecoder, newCounters, type DecoderOptions, type Emit, type ExporterCounters } from './decoder.ts';
import type { DecodeResult, DecodeWorkerInit, FromWorker, ToWorker } from './decode-worker.ts';
import { PROFILES, type Profile } from './nat.ts';

export interface IpfixCollectorOptions extends Omit<DecoderOptions, 'profileFor'> {
  host: string;
  /** UDP port (4739 is IPFIX's, 2055 / 9995 / 9996 are common for NetFlow v9); 0 = any free port. */
  port: number;
  /**
   * The ingestor that takes the records of this exporter (its source address, as the socket reports it), or
   * undefined when no source claims it: then the packet is still decoded (templates learnt, counters kept) and
   * its records are counted as `unclaimed`, not stored. With the server's Router: (a) => router.ingestorFor('ipfix', a).
   */
  ingestorFor: (exporter: string) => Ingestor | undefined;
  /** natEvent numbering: one profile for every exporter, or per exporter address (others: 'rfc8158'). */
  profile?: Profile | Record<string, Profile> | ((exporter: string) => Profile);
  /** Socket receive buffer (default 8 MiB: a burst of NAT events must not overflow it). */
  recvBufferSize?: number;
  /** How often expired templates and held data sets are swept, ms (default 10 000). */
  sweepMs?: number;
  /**
   * Decode in a worker thread (default: yes, unless `profile` is a function, which cannot cross threads).
   * The socket's thread then only copies datagrams into batches and appends finished rows to the store.
   */
  worker?: boolean;
  /** Worker mode: datagrams queued for the worker at most; more are dropped and counted (default 65 536). */
  maxQueuedPackets?: number;
}

export interface IpfixCollectorStatus {
  address: string;
  port: number;
  /** Data records decoded for exporters no source claims (not stored). */
  unclaimed: number;
  /** Records the store refused (a failed write); the last error message. */
  storeErrors: number;
  lastStoreError?: string;
  /** Datagrams from more exporters than the decoder tracks. */
  refused: number;
  /** Datagrams dropped because the decode worker fell too far behind (worker mode). */
  overload: number;
  totals: ExporterCounters;
  exporters: Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }>;
}

export interface IpfixCollector {
  readonly socket: Socket;
  address(): AddressInfo;
  status(): IpfixCollectorStatus;
  close(): Promise<void>;
}

/** Turns the `profile` option into the decoder's per-exporter lookup; throws on an unknown profile name. */
export function profileLookup(p: IpfixCollectorOptions['profile']): (exporter: string) => Profile {
  const check = (v: string, where: string): Profile => {
    if (!PROFILES.includes(v as Profile)) throw new Error(`ipfix ${where}: unknown profile '${v}' (known: ${PROFILES.join(', ')})`);
    return v as Profile;
  };
  if (p === undefined) return () => 'rfc8158';
  if (typeof p === 'function') return p;
  if (typeof p === 'string') {
    const one = check(p, 'profile');
    return () => one;
  }
  const map = new Map(Object.entries(p).map(([k, v]) => [k, check(v, `profile for ${k}`)]));
  return (e) => map.get(e) ?? 'rfc8158';
}

export async function createIpfixCollector(opts: IpfixCollectorOptions): Promise<IpfixCollector> {
  if (opts.worker !== false && typeof opts.profile !== 'function') return workerCollector(opts);
  const dec = new IpfixDecoder({ ...opts, profileFor: profileLookup(opts.profile) });
  let unclaimed = 0;
  let storeErrors = 0;
  let lastStoreError: string | undefined;
  const onStoreError = (e: unknown) => {
    storeErrors++;
    lastStoreError = e instanceof Error ? e.message : String(e);
  };
  // One emit function per ingestor (no closure per packet).
  const emits = new WeakMap<Ingestor, Emit>();
  const emitFor = (ing: Ingestor): Emit => {
    let e = emits.get(ing);
    if (!e) {
      e = (raw, records, skip, received) => void ing.addDecoded(raw, received, records, skip)?.catch(onStoreError);
      emits.set(ing, e);
    }
    return e;
  };
  const drop: Emit = () => void unclaimed++;

  const sock = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: opts.recvBufferSize ?? 8 << 20 });
  sock.on('message', (msg, rinfo) => {
    const received: Micros = Date.now() * 1000;
    let ing: Ingestor | undefined;
    try {
      ing = opts.ingestorFor(rinfo.address);
    } catch (e) {
      onStoreError(e);
    }
    dec.packet(msg, rinfo.address, received, ing ? emitFor(ing) : drop);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port, opts.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', onStoreError); // a socket error after bind (rare on UDP) must not crash the server
  const timer = setInterval(() => dec.sweep(Date.now() * 1000), opts.sweepMs ?? 10_000);
  timer.unref();

  return {
    socket: sock,
    address: () => sock.address(),
    status: () => {
      const a = sock.address();
      const t = dec.totals();
      const { exporters: _e, refused, ...totals } = t;
      return { address: a.address, port: a.port, unclaimed, storeErrors, lastStoreError, refused, overload: 0, totals, exporters: dec.counters() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        sock.close(() => resolve());
      }),
  };
}

/** Datagrams per batch handed to the worker, and the longest a datagram waits for its batch. */
const BATCH_PACKETS = 256;
const BATCH_MS = 20;
const BATCH_BYTES = 1 << 20;

/**
 * Worker mode: this thread copies each datagram into the current batch (one buffer, transferred) and notes
 * which source claims its exporter; decode-worker.ts decodes, renders and encodes; finished day batches come
 * back and go to their ingestor (Ingestor.addEncoded). Measured on one exporter over loopback: see bench/ipfix.ts.
 */
async function workerCollector(opts: IpfixCollectorOptions): Promise<IpfixCollector> {
  const worker = new Worker(new URL('./decode-worker.mjs', import.meta.url));
  const { host: _h, port: _p, ingestorFor: _i, profile, recvBufferSize: _r, sweepMs: _s, worker: _w, maxQueuedPackets: _m, ...decoder } = opts;
  // Listening means decoding: wait for the worker to load (~0.5 s through tsx) before binding the socket.
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => (worker.off('error', reject), resolve()));
  });
  worker.postMessage({ type: 'init', init: { decoder, profile: profile as DecodeWorkerInit['profile'] } } satisfies ToWorker);
  await ready;
  const maxQueued = opts.maxQueuedPackets ?? 65_536;
  let unclaimed = 0, storeErrors = 0, overload = 0, queued = 0;
  let lastStoreError: string | undefined;
  let totals: DecodeResult['totals'] = { ...newCounters(), exporters: 0, refused: 0 };
  let exporters: DecodeResult['exporters'] = {};
  const onStoreError = (e: unknown) => {
    storeErrors++;
    lastStoreError = e instanceof Error ? e.message : String(e);
  };
  // Claimants (ingestors) by number, so a batch names them with an Int32Array.
  const ids = new Map<Ingestor, number>();
  const byId: Ingestor[] = [];
  let newClaims: { id: number; source: string }[] = [];
  const idOf = (ing: Ingestor): number => {
    let id = ids.get(ing);
    if (id === undefined) {
      id = byId.length;
      ids.set(ing, id);
      byId.push(ing);
      newClaims.push({ id, source: ing.source });
    }
    return id;
  };

  let data = new Uint8Array(BATCH_BYTES);
  let used = 0;
  let meta: { off: number; received: number; claim: number; exporter: string }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const waiters: (() => void)[] = [];
  const send = () => {
    if (timer) (clearTimeout(timer), (timer = undefined));
    if (!meta.length) return;
    const n = meta.length;
    const offsets = new Uint32Array(n + 1);
    const received = new Float64Array(n);
    const claim = new Int32Array(n);
    const exps: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const m = meta[i]!;
      offsets[i] = m.off;
      received[i] = m.received;
      claim[i] = m.claim;
      exps[i] = m.exporter;
    }
    offsets[n] = used;
    const buf = data.buffer.slice(0, used) as ArrayBuffer; // a copy: `data` is refilled at once
    const msg: ToWorker = { type: 'packets', data: buf, offsets, received, claim, exporters: exps, claims: newClaims };
    worker.postMessage(msg, [buf]);
    queued += n;
    newClaims = [];
    meta = [];
    used = 0;
  };
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result') return;
    const r = m;
    queued -= r.packets;
    unclaimed += r.unclaimed;
    totals = r.totals;
    exporters = r.exporters;
    if (r.error) onStoreError(new Error(`ipfix decode worker: ${r.error}`));
    for (const o of r.out) {
      try {
        byId[o.id]?.addEncoded(o.batches, o.stats)?.catch(onStoreError);
      } catch (e) {
        onStoreError(e);
      }
    }
    if (queued === 0) for (const w of waiters.splice(0)) w();
  });
  worker.on('error', onStoreError);

  const sock = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: opts.recvBufferSize ?? 8 << 20 });
  sock.on('message', (msg, rinfo) => {
    if (queued + meta.length >= maxQueued) return void overload++;
    let claim = -1;
    try {
      const ing = opts.ingestorFor(rinfo.address);
      if (ing) claim = idOf(ing);
    } catch (e) {
      onStoreError(e);
    }
    if (used + msg.length > data.length) {
      send();
      if (msg.length > data.length) data = new Uint8Array(msg.length);
    }
    data.set(msg, used);
    meta.push({ off: used, received: Date.now() * 1000, claim, exporter: rinfo.address });
    used += msg.length;
    if (meta.length >= BATCH_PACKETS) send();
    else timer ??= setTimeout(send, BATCH_MS);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port, opts.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', onStoreError);
  const sweep = setInterval(() => worker.postMessage({ type: 'sweep', now: Date.now() * 1000 } satisfies ToWorker), opts.sweepMs ?? 10_000);
  sweep.unref();
  worker.unref();

  return {
    socket: sock,
    address: () => sock.address(),
    status: () => {
      const a = sock.address();
      const { exporters: _e, refused, ...t } = totals;
      return { address: a.address, port: a.port, unclaimed, storeErrors, lastStoreError, refused, overload, totals: t, exporters };
    },
    close: async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      send();
      if (queued > 0) await new Promise<void>((r) => waiters.push(r));
      await worker.terminate();
    },
  };
}

// IPFIX / NetFlow v9 over UDP: a socket, the decoder (./decoder.ts), and each data record handed to the
// ingestor of the source the exporter belongs to (Ingestor.addDecoded: the records plus their text rendering,
// kept as evidence). UDP cannot push back: what the kernel drops under overload is lost; the counters and the
// exporters' sequence numbers make it visible.
import { createSocket, type Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { workerModule } from '../../runtime/worker-bundle.ts';
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
   * Receive and decode in a worker thread (default: yes, unless `profile` is a function, which cannot cross
   * threads). This thread then only appends finished rows to the store.
   */
  worker?: boolean;
  /** Worker mode: datagrams of a new exporter held while the source claiming it is looked up (default 1024). */
  maxHeldPackets?: number;
  /**
   * Worker mode: the nice value the receiving thread asks for (default -10; 0 leaves it). UDP cannot push
   * back, so the thread that drains the socket must not wait behind the store's compression: at 500 k
   * events/s on two cores it lost 0.3–3.7% of them at equal priority, none at -10 (measured). Lowering a
   * nice value needs root or CAP_SYS_NICE; without, the thread keeps its priority (status says which).
   */
  receiveNice?: number;
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
  /** Datagrams of a new exporter dropped while the source claiming it was looked up (worker mode). */
  overload: number;
  /** The receiving thread's nice value (worker mode; see receiveNice), or null on the socket thread. */
  receiveNice: number | null;
  totals: ExporterCounters;
  exporters: Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }>;
}

export interface IpfixCollector {
  /** The socket, when it lives on this thread (worker mode keeps it in the worker). */
  readonly socket?: Socket;
  address(): AddressInfo;
  status(): IpfixCollectorStatus;
  /**
   * Datagrams read off the socket so far. In worker mode a counter in shared memory, current even while this
   * thread is busy (status() follows the worker's reports, every 256 datagrams or 20 ms when this thread is free).
   */
  datagramsRead(): number;
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
  let read = 0;
  sock.on('message', (msg, rinfo) => {
    read++;
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
    datagramsRead: () => read,
    status: () => {
      const a = sock.address();
      const t = dec.totals();
      const { exporters: _e, refused, ...totals } = t;
      return { address: a.address, port: a.port, unclaimed, storeErrors, lastStoreError, refused, overload: 0, receiveNice: null, totals, exporters: dec.counters() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        sock.close(() => resolve());
      }),
  };
}

/**
 * Worker mode: the socket and the decoder live in a worker thread (decode-worker.ts), which asks this thread
 * once per exporter which source claims it and hands back encoded day batches for their ingestors
 * (Ingestor.addEncoded). Appending a large commit here therefore never stops the socket being read.
 */
async function workerCollector(opts: IpfixCollectorOptions): Promise<IpfixCollector> {
  const worker = new Worker(await workerModule(new URL('./decode-worker.ts', import.meta.url), new URL('./decode-worker.mjs', import.meta.url)));
  const { host, port, ingestorFor, profile, recvBufferSize, sweepMs, worker: _w, maxHeldPackets, receiveNice, ...decoder } = opts;
  let nice = 0;
  let unclaimed = 0, storeErrors = 0, overload = 0;
  let lastStoreError: string | undefined;
  let totals: DecodeResult['totals'] = { ...newCounters(), exporters: 0, refused: 0 };
  let exporters: DecodeResult['exporters'] = {};
  let bound: AddressInfo = { address: host, port, family: host.includes(':') ? 'IPv6' : 'IPv4' };
  const onStoreError = (e: unknown) => {
    storeErrors++;
    lastStoreError = e instanceof Error ? e.message : String(e);
  };
  // Claimants (ingestors) by number: the worker tags its batches with them.
  const ids = new Map<Ingestor, number>();
  const byId: Ingestor[] = [];
  let closed: (() => void) | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'ready':
          bound = { address: m.address, port: m.port, family: m.family };
          nice = m.nice;
          worker.off('error', reject);
          worker.on('error', onStoreError);
          return resolve();
        case 'error':
          return reject(new Error(`ipfix: cannot listen on ${host}:${port}: ${m.message}`));
        case 'claim': {
          let ing: Ingestor | undefined;
          try {
            ing = ingestorFor(m.exporter); // counts this datagram for the source
          } catch (e) {
            onStoreError(e);
          }
          let id = -1;
          if (ing) {
            id = ids.get(ing) ?? byId.length;
            if (id === byId.length) (ids.set(ing, id), byId.push(ing));
          }
          worker.postMessage({ type: 'claimed', exporter: m.exporter, id, source: ing?.source } satisfies ToWorker);
          return;
        }
        case 'result':
          unclaimed += m.unclaimed;
          overload += m.overload;
          totals = m.totals;
          exporters = m.exporters;
          if (m.error) onStoreError(new Error(`ipfix decode worker: ${m.error}`));
          for (const o of m.out) {
            try {
              byId[o.id]?.addEncoded(o.batches, o.stats)?.catch(onStoreError);
            } catch (e) {
              onStoreError(e);
            }
          }
          // The sources' received counters, one per datagram (the claim already counted one of the first).
          for (const [exporter, n] of m.datagrams) {
            for (let i = firstSeen.has(exporter) ? 0 : 1; i < n; i++) ingestorFor(exporter);
            firstSeen.add(exporter);
          }
          return;
        case 'closed':
          return closed?.();
      }
    });
  });
  const firstSeen = new Set<string>();
  const read = new Int32Array(new SharedArrayBuffer(4));
  const init: DecodeWorkerInit = {
    decoder, profile: profile as DecodeWorkerInit['profile'], host, port, read,
    recvBufferSize: recvBufferSize ?? 8 << 20, sweepMs: sweepMs ?? 10_000, maxHeld: maxHeldPackets ?? 1024, nice: receiveNice ?? -10,
  };
  worker.postMessage({ type: 'init', init } satisfies ToWorker);
  try {
    await ready; // listening means decoding: the worker has loaded and bound the socket
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.unref();

  return {
    address: () => bound,
    datagramsRead: () => Atomics.load(read, 0),
    status: () => {
      const { exporters: _e, refused, ...t } = totals;
      return { address: bound.address, port: bound.port, unclaimed, storeErrors, lastStoreError, refused, overload, receiveNice: nice, totals: t, exporters };
    },
    close: async () => {
      const done = new Promise<void>((r) => (closed = r));
      worker.ref(); // the last result must arrive even when nothing else keeps the process running
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      await done;
      await worker.terminate();
    },
  };
}

// nfdump: nfcapd receives the events as IPFIX NAT event records over UDP on loopback; nfdump answers
// each query as a new process (process start included in every figure).
//
// File layout: a live nfcapd rotates its file every 5 minutes (Debian's default), so a site looks up T in
// the one or two files around it (`nfdump -R nfcapd.A:nfcapd.B`, as NfSen does). A replay at full speed would
// put everything in one file. So each 5-minute slice of events is sent from its own loopback exporter address
// (127.1.x.y), nfcapd -M files each exporter in its own folder, and the runner renames every folder's file to
// nfcapd.YYYYMMDDhhmm of its slice: the layout a live 5-minute rotation gives, reached at replay speed.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildMessage, recordsPerMessage } from '../ipfix.ts';
import type { HostHour, Lookup, NatEventRow, Workload } from '../workload.ts';
import { readRows } from '../workload.ts';
import { aptInstall, duBytes, run, runAsync, which, type HourAnswer, type LoadResult, type LookupAnswer, type Peer } from './peer.ts';

const SLICE_US = 300e6;
const COMPRESS: Record<string, string[]> = { none: [], lzo: ['-z'], lz4: ['-y'], bz2: ['-j'] };

/** Receive queue (bytes) and drop count of the UDP socket bound to this port, from /proc/net/udp. */
function udpSocket(port: number): { queued: number; drops: number } | null {
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(local)) {
      return { queued: parseInt(f[4]!.split(':')[1]!, 16), drops: Number(f[12] ?? 0) };
    }
  }
  return null;
}

function sliceName(slice: number): string {
  const d = new Date((slice * SLICE_US) / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `nfcapd.${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/** "2026-11-02 00:00:03.122" (nfdump %tevt, TZ=UTC) → epoch ms. */
function evtMs(s: string): number {
  return Date.parse(`${s.trim().replace(' ', 'T')}Z`);
}

export interface NfdumpOptions {
  /** Events per second sent to nfcapd. */
  rate: number;
  compress: keyof typeof COMPRESS;
}

export class NfdumpPeer implements Peer {
  readonly name = 'nfdump';
  private version = '';
  private readonly capture: string;
  private readonly files: string;
  private nfcapd: ChildProcess | null = null;
  /** Slices sent, and slices with a capture file. */
  private slices = new Set<number>();
  private stored = new Set<number>();
  private readonly env = { ...process.env, TZ: 'UTC' };
  private sent = 0;

  constructor(
    base: string,
    private readonly port: number,
    private readonly allowInstall: boolean,
    private readonly opts: NfdumpOptions,
  ) {
    this.capture = join(base, 'capture');
    this.files = join(base, 'files');
  }

  describe(): string {
    return `${this.version || 'nfdump'}: nfcapd ${COMPRESS[this.opts.compress]!.join(' ') || '(no compression)'}${this.opts.compress !== 'none' ? ` (${this.opts.compress})` : ''}, IPFIX NAT events over loopback UDP as fast as nfcapd reads them (its socket queue kept under 1 MB, at most ${this.opts.rate.toLocaleString('en')} events/s), 5-minute files; one nfdump process per query`;
  }

  async prepare(): Promise<string | null> {
    if (!which('nfcapd') || !which('nfdump')) {
      const why = aptInstall(['nfdump'], this.allowInstall);
      if (why) return why;
    }
    this.version = `nfdump ${run('nfdump', ['-V']).trim().replace(/^nfdump:\s*Version:\s*/, '')}`;
    mkdirSync(this.capture, { recursive: true });
    mkdirSync(this.files, { recursive: true });
    return null;
  }

  private async startCollector(): Promise<void> {
    const args = ['-M', this.capture, '-b', '127.0.0.1', '-p', String(this.port), '-t', '86400', '-B', String(4 << 20), '-C', 'none', ...COMPRESS[this.opts.compress]!];
    const p = spawn('nfcapd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.nfcapd = p;
    let log = '';
    p.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    // Ready once its socket is bound (the port shows up in /proc/net/udp).
    for (let i = 0; i < 100; i++) {
      if (p.exitCode !== null) throw new Error(`nfcapd exited ${p.exitCode}: ${log.trim()}`);
      if (udpSocket(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nfcapd did not bind port ${this.port}: ${log.trim()}`);
  }

  private async stopCollector(): Promise<void> {
    const p = this.nfcapd;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGTERM');
    });
    this.nfcapd = null;
  }

  async load(w: Workload): Promise<LoadResult> {
    await this.startCollector();
    const per = recordsPerMessage(1400, true);
    const t0 = performance.now();
    let first = -1;
    let cur = -1;
    let sock: dgram.Socket | null = null;
    let seq = 0;
    let msgs = 0;
    let pend: NatEventRow[] = [];
    const rate = this.opts.rate;
    const send = (s: dgram.Socket, b: Buffer) => new Promise<void>((res, rej) => s.send(b, this.port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    const flush = async () => {
      if (!pend.length || !sock) return;
      const b = buildMessage(pend, { sequence: seq, exportTimeS: Math.floor(pend[pend.length - 1]!.ts / 1e6), withTemplate: seq === 0 || msgs % 50 === 0 });
      seq += pend.length;
      this.sent += pend.length;
      msgs++;
      pend = [];
      await send(sock, b);
      const ahead = (this.sent / rate) * 1000 - (performance.now() - t0);
      if (ahead > 2) await new Promise((r) => setTimeout(r, ahead));
      // Backpressure: never let nfcapd's socket queue pass 1 MB (it drops what does not fit).
      if (msgs % 16 === 0) while ((udpSocket(this.port)?.queued ?? 0) > 1 << 20) await new Promise((r) => setTimeout(r, 2));
    };
    for await (const batch of readRows(w.rowsPath)) {
      for (const r of batch) {
        const slice = Math.floor(r.ts / SLICE_US);
        if (slice !== cur) {
          await flush();
          sock?.close();
          if (first < 0) first = slice;
          const k = slice - first;
          if (k > 65_000) throw new Error('more than 65,000 five-minute slices (225 days): too many exporter addresses');
          cur = slice;
          seq = 0;
          this.slices.add(slice);
          sock = dgram.createSocket('udp4');
          await new Promise<void>((res) => sock!.bind({ address: `127.1.${k >> 8}.${k & 255}` }, () => res()));
        }
        pend.push(r);
        if (pend.length === per) await flush();
      }
    }
    await flush();
    sock?.close();
    // nfcapd drops what is still queued when it stops: wait until it has read everything, then TERM
    // (it flushes and closes its files).
    for (let i = 0; (udpSocket(this.port)?.queued ?? 0) > 0 && i < 6000; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    const drops = udpSocket(this.port)?.drops ?? 0;
    await this.stopCollector();
    const seconds = (performance.now() - t0) / 1000;

    // Name every exporter folder's file after its slice (untimed: the layout a live 5-minute rotation gives).
    for (const d of readdirSync(this.capture)) {
      const m = /^127-1-(\d+)-(\d+)$/.exec(d);
      if (!m) continue;
      const slice = first + Number(m[1]) * 256 + Number(m[2]);
      const dir = join(this.capture, d);
      const got = readdirSync(dir).filter((f) => f.startsWith('nfcapd.'));
      const target = join(this.files, sliceName(slice));
      if (got.length === 1) renameSync(join(dir, got[0]!), target);
      else if (got.length > 1) await runAsync('nfdump', ['-R', dir, '-w', target, ...COMPRESS[this.opts.compress]!], { env: this.env });
      if (got.length) this.stored.add(slice);
      rmSync(dir, { recursive: true, force: true });
    }
    const info = await runAsync('nfdump', ['-R', this.files, '-I'], { env: this.env });
    const stored = Number(/^Flows:\s*(\d+)/m.exec(info)?.[1] ?? NaN);
    const seqFail = Number(/^Sequence failures:\s*(\d+)/m.exec(info)?.[1] ?? 0);
    const notes = [`nfdump: sent ${this.sent.toLocaleString('en')} records in ${msgs.toLocaleString('en')} IPFIX messages from ${this.slices.size} exporter addresses; nfcapd stored ${stored.toLocaleString('en')} (sequence failures ${seqFail}, datagrams the kernel dropped ${drops})`];
    return { seconds, stored, notes };
  }

  async bytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: duBytes(this.files), what: `${readdirSync(this.files).length} capture files (5-minute slices${this.opts.compress !== 'none' ? `, ${this.opts.compress}` : ', uncompressed'})` };
  }

  /** -r for one file, -R first:last for a range; null when no file covers the window. */
  private fileArgs(fromUs: number, toUs: number): string[] | null {
    const names: string[] = [];
    for (let s = Math.floor(fromUs / SLICE_US); s <= Math.floor(toUs / SLICE_US); s++) if (this.stored.has(s)) names.push(sliceName(s));
    if (!names.length) return null;
    if (names.length === 1) return ['-r', join(this.files, names[0]!)];
    return ['-R', `${join(this.files, names[0]!)}:${names[names.length - 1]}`];
  }

  private async query(files: string[], filter: string): Promise<{ ms: number; event: string; ip: string; port: string }[]> {
    const out = await runAsync('nfdump', [...files, '-q', '-o', 'fmt:%tevt|%nevt|%sa|%sp', filter], { env: this.env });
    const rows: { ms: number; event: string; ip: string; port: string }[] = [];
    for (const line of out.split('\n')) {
      const f = line.split('|');
      if (f.length < 4) continue;
      rows.push({ ms: evtMs(f[0]!), event: f[1]!.trim(), ip: f[2]!.trim(), port: f[3]!.trim() });
    }
    return rows;
  }

  async lookup(l: Lookup, toleranceS: number): Promise<LookupAnswer> {
    const files = this.fileArgs(l.at - toleranceS * 1e6, l.at + toleranceS * 1e6);
    if (!files) return { inside: [], rows: 0 };
    const rows = await this.query(files, `src xip ${l.pubIp} and src xport ${l.pubPort}`);
    const t = l.at / 1e6;
    const inside = new Set<string>();
    for (const r of rows) {
      const s = Math.floor(r.ms / 1000);
      if (r.event === 'ADD' && s >= t - toleranceS && s <= t + toleranceS) inside.add(`${r.ip}:${r.port}`);
    }
    return { inside: [...inside], rows: rows.length };
  }

  async hostHour(h: HostHour): Promise<HourAnswer> {
    const files = this.fileArgs(h.from, h.to - 1);
    if (!files) return { rows: 0, connections: 0 };
    const rows = await this.query(files, `src ip ${h.inIp}`);
    const from = h.from / 1000, to = h.to / 1000;
    return { rows: rows.length, connections: rows.filter((r) => r.event === 'ADD' && r.ms >= from && r.ms < to).length };
  }

  async close(): Promise<void> {
    await this.stopCollector();
  }
}

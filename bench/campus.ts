// A synthetic campus for benchmarks: H hosts on DHCP behind a masquerading NAT with a small public pool,
// talking to a Zipf-like set of destinations. Written as the real programs write it: dnsmasq's log file
// (RFC 3164 stamps, no hostname) and `conntrack -E -o timestamp,extended` lines (NEW + DESTROY per
// connection, epoch µs stamps). Port reuse is realistic: masquerade keeps the inside source port unless
// the same public ip:port is already in use towards the same destination, then picks another.
import { createWriteStream, type WriteStream } from 'node:fs';

export interface CampusOptions {
  hosts: number;
  publicIps: number;
  destinations: number;
  /** Conntrack lines to write (NEW and DESTROY each count as one event). */
  events: number;
  start: number; // epoch seconds
  /** Seconds the events span. */
  span: number;
  seed?: number;
}

export interface Connection {
  ts: number; // µs
  proto: 'tcp' | 'udp';
  host: number;
  inIp: string;
  inPort: number;
  pubIp: string;
  pubPort: number;
  dstIp: string;
  dstPort: number;
}

/** Small deterministic PRNG (mulberry32), so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Host h's address: 254 hosts per /24 (.1–.254), so no two hosts share one (h & 255 || 1 did, for 16 of 4,000). */
export const hostIp = (h: number) => {
  const net = Math.floor(h / 254);
  return `10.${1 + (net >> 8)}.${net & 255}.${(h % 254) + 1}`;
};
export const hostMac = (h: number) => `02:00:${((h >> 24) & 255).toString(16).padStart(2, '0')}:${((h >> 16) & 255).toString(16).padStart(2, '0')}:${((h >> 8) & 255).toString(16).padStart(2, '0')}:${(h & 255).toString(16).padStart(2, '0')}`;
export const publicIp = (i: number) => `203.0.113.${1 + i}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function syslogStamp(epochS: number): string {
  const d = new Date(epochS * 1000);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const hms = d.toISOString().slice(11, 19);
  return `${MONTHS[d.getUTCMonth()]} ${day} ${hms}`;
}

async function write(ws: WriteStream, s: string): Promise<void> {
  if (!ws.write(s)) await new Promise<void>((r) => ws.once('drain', () => r()));
}

/**
 * Writes the dnsmasq log (every host gets a lease at the start and renews it every half hour) and the
 * conntrack log; returns a sample of connections (every k-th) to trace, with their true inside host.
 */
export async function generateCampus(
  o: CampusOptions,
  dnsmasqPath: string,
  conntrackPath: string,
  sampleEvery = 1000,
): Promise<{ sample: Connection[]; connections: number; leaseLines: number; conntrackLines: number }> {
  const rand = rng(o.seed ?? 42);
  const dns = createWriteStream(dnsmasqPath);
  let leaseLines = 0;
  // The first round ends as traffic starts (the previous 15 minutes): every connection has a lease to find.
  for (let t = o.start - 900; t <= o.start + o.span; t += 1800) {
    let buf = '';
    for (let h = 0; h < o.hosts; h++) {
      buf += `${syslogStamp(t + (h % 1800) / 2)} dnsmasq-dhcp[812]: ${1000000 + h} DHCPACK(br-lan) ${hostIp(h)} ${hostMac(h)} pc-${h}\n`;
      leaseLines++;
    }
    await write(dns, buf);
  }
  await new Promise<void>((r) => dns.end(() => r()));

  const dsts = Array.from({ length: o.destinations }, () => {
    const v = (rand() * 0xdfffffff) >>> 0;
    return `${(v >>> 24) % 223 || 1}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  });
  const ct = createWriteStream(conntrackPath);
  const connections = Math.floor(o.events / 2);
  const gapUs = (o.span * 1e6) / connections;
  // Public ip:port → destination it is bound to, with the time it frees up (for realistic reuse).
  const inUse = new Map<string, number>();
  const pending: { at: number; line: string }[] = [];
  const sample: Connection[] = [];
  let ts = o.start * 1e6;
  let buf = '';
  let lines = 0;
  const flushDestroys = (upTo: number) => {
    while (pending.length && pending[0]!.at <= upTo) {
      buf += pending.shift()!.line;
      lines++;
    }
  };
  for (let i = 0; i < connections; i++) {
    ts += Math.floor(rand() * 2 * gapUs);
    const h = Math.floor(rand() * o.hosts);
    const inIp = hostIp(h);
    const pubIp = publicIp(h % o.publicIps);
    const dstIp = dsts[Math.floor(Math.pow(rand(), 3) * o.destinations)]!;
    const tcp = rand() < 0.85;
    const dstPort = tcp ? (rand() < 0.8 ? 443 : 80) : rand() < 0.7 ? 53 : 443;
    const inPort = 32768 + Math.floor(rand() * 28232);
    let pubPort = inPort;
    const key = () => `${pubIp}:${pubPort}>${dstIp}:${dstPort}`;
    while ((inUse.get(key()) ?? 0) > ts) pubPort = 1024 + Math.floor(rand() * 64511);
    const life = tcp ? 2e6 + rand() * 120e6 : 30e6;
    inUse.set(key(), ts + life);
    if (inUse.size > 200_000) for (const [k, until] of inUse) if (until < ts) inUse.delete(k);
    const stamp = (us: number) => `[${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}]`;
    const p = tcp ? 'tcp      6' : 'udp      17';
    const orig = `src=${inIp} dst=${dstIp} sport=${inPort} dport=${dstPort}`;
    const reply = `src=${dstIp} dst=${pubIp} sport=${dstPort} dport=${pubPort}`;
    flushDestroys(ts);
    buf += `${stamp(ts)}\t    [NEW] ipv4     2 ${p} ${tcp ? '120 SYN_SENT ' : '30 '}${orig} [UNREPLIED] ${reply}\n`;
    lines++;
    const end = Math.round(ts + life);
    const destroy = `${stamp(end)}\t [DESTROY] ipv4     2 ${p} ${orig} ${reply} ${tcp ? '[ASSURED] ' : ''}mark=0 use=1\n`;
    // Keep DESTROY lines in time order, as conntrack prints them.
    let lo = 0, hi = pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pending[mid]!.at <= end) lo = mid + 1;
      else hi = mid;
    }
    pending.splice(lo, 0, { at: end, line: destroy });
    if (i % sampleEvery === 0) sample.push({ ts, proto: tcp ? 'tcp' : 'udp', host: h, inIp, inPort, pubIp, pubPort, dstIp, dstPort });
    if (buf.length > 1 << 20) {
      await write(ct, buf);
      buf = '';
    }
  }
  flushDestroys(Infinity);
  await write(ct, buf);
  await new Promise<void>((r) => ct.end(() => r()));
  return { sample, connections, leaseLines, conntrackLines: lines };
}

// The outside view of the NAT lab: what a CERT / abuse desk would report. Parses the text that
// `tcpdump -n -tt -l` printed on the outside host, and pairs the observed packets with the connections the
// lab scenario made (test/lab/lab.sh writes those to expected.json).

export type LabProto = 'tcp' | 'udp';

export interface OutsidePacket {
  /** Epoch seconds exactly as tcpdump printed them ("1795961840.113169"): what goes to `trace --at`. */
  at: string;
  /** The same as a number (seconds). */
  ts: number;
  proto: LabProto;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** TCP flags as tcpdump prints them inside `Flags [...]` ("S", "S.", "P.", "R.", …); undefined for UDP. */
  flags?: string;
  /** The line as captured. */
  line: string;
}

/** "203.0.113.5.40010" → ["203.0.113.5", 40010]; "2001:db8::1.443" → ["2001:db8::1", 443]. */
export function splitAddrPort(s: string): [string, number] | null {
  const i = s.lastIndexOf('.');
  if (i <= 0) return null;
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535 || s.slice(i + 1) === '') return null;
  return [s.slice(0, i), port];
}

const LINE = /^(\d+\.\d+) IP6? (\S+) > (\S+?): (.*)$/;

/**
 * One line of `tcpdump -n -tt -l` output (no -v, no -e). Returns null for anything that is not an IPv4/IPv6
 * TCP or UDP packet line with ports (blank lines, "listening on …", ICMP, ARP, …).
 */
export function parseTcpdumpLine(line: string): OutsidePacket | null {
  const m = LINE.exec(line.trimEnd());
  if (!m) return null;
  const [, at, src, dst, rest] = m as unknown as [string, string, string, string, string];
  const s = splitAddrPort(src);
  const d = splitAddrPort(dst);
  if (!s || !d) return null;
  let proto: LabProto;
  let flags: string | undefined;
  const f = /^Flags \[([^\]]*)\]/.exec(rest);
  if (f) {
    proto = 'tcp';
    flags = f[1];
  } else if (/^UDP\b/.test(rest)) {
    proto = 'udp';
  } else {
    return null;
  }
  return { at, ts: Number(at), proto, srcIp: s[0], srcPort: s[1], dstIp: d[0], dstPort: d[1], flags, line };
}

/** A new flow as seen from outside: a pure SYN (flags exactly "S") or a UDP datagram. */
export function isFlowStart(p: OutsidePacket): boolean {
  return p.proto === 'udp' || p.flags === 'S';
}

/** Every flow start in a capture, in capture order. */
export function parseOutsideCapture(text: string): OutsidePacket[] {
  const out: OutsidePacket[] = [];
  for (const line of text.split('\n')) {
    const p = parseTcpdumpLine(line);
    if (p && isFlowStart(p)) out.push(p);
  }
  return out;
}

/** What lab.sh records about one connection it made (expected.json → connections[]). */
export interface LabClient {
  name: string;
  ns: string;
  mac: string;
  hostname: string | null;
  user: string | null;
  ip: string;
  static: boolean;
}

export interface LabConnection {
  id: string;
  step: string;
  client: LabClient;
  insideIp: string;
  insidePort: number;
  dstIp: string;
  dstPort: number;
  proto: LabProto;
  closed: boolean;
  result?: string;
  startedAt?: number;
  connectedAt?: number;
  finishedAt?: number;
}

export interface LabExpected {
  version: number;
  startedAt: number;
  finishedAt: number;
  gateway: { lan: string; public: string };
  outsideHost: string;
  closedPort: number;
  zones: { dnsmasq: string; freeradius: string; conntrack: string };
  files: { dnsmasq: string; conntrack: string; outside: string; responder: string; radius: string[] };
  connections: LabConnection[];
}

export interface Observed<C> {
  conn: C;
  seen: OutsidePacket;
}

/**
 * Pairs each expected connection with the packet the outside host saw: within one (proto, dst ip, dst port)
 * the n-th expected connection (in the order the scenario made them) is the n-th observed flow start (in
 * time order). Throws when a group's counts differ: then the capture does not show what the scenario did.
 */
export function matchOutside<C extends { id: string; proto: LabProto; dstIp: string; dstPort: number }>(
  expected: readonly C[],
  observed: readonly OutsidePacket[],
): Observed<C>[] {
  const key = (proto: string, ip: string, port: number) => `${proto} ${ip}:${port}`;
  const groups = new Map<string, OutsidePacket[]>();
  for (const p of [...observed].sort((a, b) => a.ts - b.ts)) {
    const k = key(p.proto, p.dstIp, p.dstPort);
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  const wanted = new Map<string, number>();
  for (const c of expected) {
    const k = key(c.proto, c.dstIp, c.dstPort);
    wanted.set(k, (wanted.get(k) ?? 0) + 1);
  }
  for (const [k, n] of wanted) {
    const got = groups.get(k)?.length ?? 0;
    if (got !== n) throw new Error(`outside view: expected ${n} flow start(s) towards ${k}, the capture shows ${got}`);
  }
  for (const [k, g] of groups) {
    if (!wanted.has(k)) throw new Error(`outside view: ${g.length} unexpected flow start(s) towards ${k}: ${g[0]!.line}`);
  }
  const taken = new Map<string, number>();
  return expected.map((conn) => {
    const k = key(conn.proto, conn.dstIp, conn.dstPort);
    const i = taken.get(k) ?? 0;
    taken.set(k, i + 1);
    return { conn, seen: groups.get(k)![i]! };
  });
}

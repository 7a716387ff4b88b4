// cisco-asa: NAT translations from Cisco ASA / PIX / FTD syslog messages (302013/302015 connections with
// their mapped addresses, 305011/305012 xlates, 305009/305010 address-only xlates, 305014/305015/305017 port
// blocks). Forward scanner with indexOf; see README.md for what each message id becomes and why.
import type { NatEvent, NatRecord, PortBlockRecord, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { findStamp, ip, natRecord, notOurs, num, port, portBlock, protoName } from '../families/nat-common.ts';
import { isDigit } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const ciscoAsa: Parser = {
  name: 'cisco-asa',
  description: 'Cisco ASA / PIX / FTD syslog: connection and translation messages with mapped addresses (302013, 305011, 305014 …)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default ciscoAsa;

const PREFIXES = ['%ASA-', '%FTD-', '%PIX-', '%FWSM-'];

/** Position of the "%ASA-" (PIX, FTD, FWSM) tag, or -1. */
function findTag(s: string): number {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    for (const pre of PREFIXES) if (s.startsWith(pre, i)) return i;
  }
  return -1;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  // The message tag: "%ASA-6-302013:" (also "ASA-6-302013:" at the start, as some collectors store it). When
  // the tag follows the stamp and host directly, the syslog header reader took it for the program name:
  // then read the raw line.
  let s = msg.body;
  let tag = findTag(s);
  if (tag < 0 && msg.header) {
    s = msg.raw;
    tag = findTag(s);
  }
  let p: number;
  if (tag >= 0) p = s.indexOf('-', tag + 1) + 1;
  else if (s.startsWith('ASA-') || s.startsWith('FTD-') || s.startsWith('PIX-')) {
    tag = 0;
    p = 4;
  } else return notOurs(s, 'not a Cisco ASA message (no %ASA-n-nnnnnn tag)');
  // "<severity>-<id>:"
  if (s.charCodeAt(p + 1) !== 45) return { unparsed: 'malformed ASA message tag' };
  const idStart = p + 2;
  const colon = s.indexOf(':', idStart);
  const id = colon > idStart && colon - idStart <= 7 ? num(s, idStart, colon) : -1;
  if (id < 0) return { unparsed: 'malformed ASA message tag' };
  let t = colon + 1;
  if (s.charCodeAt(t) === 32) t++;

  const kind = classify(id);
  if (typeof kind === 'string') return { skip: kind };
  const r = kind(s, t, id);
  if (r === null) return { unparsed: `ASA ${id}: message text not in the documented form` };
  if ('skip' in r) return r;

  // Time: the ASA's own stamp in front of the tag ("logging timestamp": "Oct 10 2018 12:34:56" or RFC 5424
  // style), else the syslog header's, else none.
  let time: ResolvedTime | undefined;
  const found = findStamp(s, 0, tag, ctx.clock, true);
  if (found === 'invalid') return { unparsed: 'invalid time stamp' };
  if (found) time = found.time;
  else if (msg.header?.stamp) time = msg.header.stamp;
  if (!time) return { unparsed: 'no time stamp (enable "logging timestamp" on the ASA or keep the syslog header)' };
  return { records: [build(r, msg, ctx, time)] };
}

/** What a handled message says, before its time is known (plain data: no closure per line). */
type NatFacts = Pick<NatRecord, 'kind' | 'event' | 'proto' | 'inIp' | 'inPort' | 'pubIp' | 'pubPort' | 'dstIp' | 'dstPort' | 'flowId'>;
type BlockFacts = Pick<PortBlockRecord, 'kind' | 'event' | 'inIp' | 'pubIp' | 'portLo' | 'portHi'>;
type Handler = (s: string, p: number, id: number) => NatFacts | BlockFacts | { skip: string } | null;

function build(f: NatFacts | BlockFacts, msg: Message, ctx: ParseContext, time: ResolvedTime): NatRecord | PortBlockRecord {
  if (f.kind === 'portblock') return portBlock(msg, ctx, time, f.event, f.inIp, f.pubIp, f.portLo, f.portHi);
  const r = natRecord(msg, ctx, time, f.event, f.proto, f.inIp, f.inPort, f.pubIp, f.pubPort, f.dstIp, f.dstPort);
  if (f.flowId !== undefined) r.flowId = f.flowId;
  return r;
}

/** What a message id becomes: a handler, or a fixed skip reason. */
function classify(id: number): Handler | string {
  switch (id) {
    case 302013: case 302015: case 302035: return connBuilt;
    case 302020: case 302021: return icmpConn;
    case 302014: case 302016: case 302036:
      return 'connection teardown: names no mapped address (the Built message of the same connection holds the translation)';
    case 305011: case 305012: return xlatePort;
    case 305009: case 305010: return xlateAddr;
    case 305014: case 305015: case 305017: return block;
    case 202010: case 305005: case 305006: case 305013: case 305016: case 305023:
      return 'translation failed or refused: nothing was translated';
    case 710003: case 710005: case 733100:
      return 'denied before translation';
  }
  if (id >= 106000 && id < 107000) return 'denied before translation'; // 106001 … 106023, 106100 access lists
  return 'ASA message that carries no translation';
}

interface Side {
  ip: string;
  port: number; // -1 when none was written
  portHi: number; // for "lo-hi" ranges, else -1
  mappedIp?: string;
  mappedPort: number;
  end: number;
}

/**
 * "iface:addr[/port[-port]] [(mapped/port)] [(user)]…" at p. The interface may hold spaces ("NP Identity Ifc"),
 * never ':'; an IPv6 address runs to '/' or a space.
 */
function side(s: string, p: number, limit: number): Side | null {
  const c = s.indexOf(':', p);
  if (c < 0 || c >= limit || c - p > 80) return null;
  let a = c + 1;
  if (s.charCodeAt(a) === 32) a++; // "NP Identity Ifc: 10.0.0.2/22" in older PIX output
  let e = a;
  while (e < limit) {
    const ch = s.charCodeAt(e);
    if (ch === 47 || ch === 32 || ch === 40 || ch === 44) break; // / space ( ,
    e++;
  }
  const addr = ip(s.slice(a, e));
  if (!addr) return null;
  const out: Side = { ip: addr, port: -1, portHi: -1, mappedPort: -1, end: e };
  if (s.charCodeAt(e) === 47) {
    let q = e + 1;
    while (q < limit && isDigit(s.charCodeAt(q))) q++;
    out.port = port(s, e + 1, q);
    if (out.port < 0) return null;
    if (s.charCodeAt(q) === 45) { // "/1024-1535"
      const h = q + 1;
      q = h;
      while (q < limit && isDigit(s.charCodeAt(q))) q++;
      out.portHi = port(s, h, q);
      if (out.portHi < 0) return null;
    }
    out.end = q;
  }
  // " (mapped/port)" directly after: the mapped socket of 302013-style messages.
  if (s.charCodeAt(out.end) === 32 && s.charCodeAt(out.end + 1) === 40) {
    const close = s.indexOf(')', out.end + 2);
    if (close > 0 && close < limit) {
      const inner = s.slice(out.end + 2, close);
      const slash = inner.lastIndexOf('/');
      const m = slash > 0 ? ip(inner.slice(0, slash)) : null;
      const mp = slash > 0 ? port(inner, slash + 1, inner.length) : -1;
      if (m && mp >= 0) {
        out.mappedIp = m;
        out.mappedPort = mp;
        out.end = close + 1;
      }
    }
  }
  return out;
}

/** 302013/302015/302035: "Built {inbound|outbound} TCP connection <id> for F (Fmapped) to T (Tmapped)". */
const connBuilt: Handler = (s, p) => {
  const built = s.startsWith('Built ', p);
  if (!built) return null;
  let q = p + 6;
  const sp1 = s.indexOf(' ', q);
  if (sp1 < 0) return null;
  q = sp1 + 1; // direction word
  const sp2 = s.indexOf(' ', q);
  if (sp2 < 0) return null;
  const proto = protoName(s.slice(q, sp2));
  q = sp2 + 1;
  if (!s.startsWith('connection ', q)) return null;
  q += 11;
  const sp3 = s.indexOf(' ', q);
  const connId = sp3 > q ? num(s, q, sp3) : -1;
  if (connId < 0 || !s.startsWith(' for ', sp3)) return null;
  const n = s.length;
  const f = side(s, sp3 + 5, n);
  if (!f || f.port < 0) return null;
  const to = s.indexOf(' to ', f.end);
  if (to < 0) return null;
  const t = side(s, to + 4, n);
  if (!t || t.port < 0) return null;
  // The "for" side is on the lower-security interface, the "to" side on the higher one; "inbound" or
  // "outbound" only says who opened. A side whose mapped socket differs from its real one was translated.
  if (t.mappedIp === undefined || f.mappedIp === undefined) return null;
  let inIp: string, inPort: number, pubIp: string, pubPort: number, dstIp: string, dstPort: number;
  if (t.mappedIp !== t.ip || t.mappedPort !== t.port) {
    inIp = t.ip; inPort = t.port; pubIp = t.mappedIp; pubPort = t.mappedPort; dstIp = f.ip; dstPort = f.port;
  } else if (f.mappedIp !== f.ip || f.mappedPort !== f.port) {
    inIp = f.ip; inPort = f.port; pubIp = f.mappedIp; pubPort = f.mappedPort; dstIp = t.ip; dstPort = t.port;
  } else return { skip: 'no translation (mapped addresses equal the real ones)' };
  return { kind: 'nat', event: 'new', proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort, flowId: connId };
};

/** 302020/302021: "{Built {inbound|outbound}|Teardown} ICMP connection for faddr F/id gaddr G/id laddr L/id …". */
const icmpConn: Handler = (s, p, id) => {
  const fa = s.indexOf('faddr ', p), ga = s.indexOf(' gaddr ', p), la = s.indexOf(' laddr ', p);
  if (fa < 0 || ga < fa || la < ga) return null;
  const f = addrSlashPort(s, fa + 6), g = addrSlashPort(s, ga + 7), l = addrSlashPort(s, la + 7);
  if (!f || !g || !l) return null;
  if (g.ip === l.ip && g.port === l.port) return { skip: 'no translation (global address equals the local one)' };
  const proto: Proto = g.ip.includes(':') ? 'icmpv6' : 'icmp';
  const event: NatEvent = id === 302020 ? 'new' : 'destroy';
  return { kind: 'nat', event, proto, inIp: l.ip, inPort: l.port, pubIp: g.ip, pubPort: g.port, dstIp: f.ip, dstPort: f.port };
};

function addrSlashPort(s: string, a: number): { ip: string; port: number } | null {
  let e = a;
  while (e < s.length && s.charCodeAt(e) !== 47 && s.charCodeAt(e) !== 32) e++;
  const addr = ip(s.slice(a, e));
  if (!addr || s.charCodeAt(e) !== 47) return null;
  let q = e + 1;
  while (q < s.length && isDigit(s.charCodeAt(q))) q++;
  const pt = port(s, e + 1, q);
  return pt >= 0 ? { ip: addr, port: pt } : null;
}

/** 305011/305012: "{Built|Teardown} {dynamic|static} {TCP|UDP|ICMP} translation from IF:real/port to IF:mapped/port". */
const xlatePort: Handler = (s, p, id) => {
  const w = words(s, p, 4);
  if (!w || w[3] !== 'translation' || (w[0] !== 'Built' && w[0] !== 'Teardown')) return null;
  const proto = protoName(w[2]!);
  const from = s.indexOf(' from ', p);
  if (from < 0) return null;
  const a = side(s, from + 6, s.length);
  if (!a || a.port < 0) return null;
  const to = s.indexOf(' to ', a.end);
  const b = to < 0 ? null : side(s, to + 4, s.length);
  if (!b || b.port < 0) return null;
  if (a.ip === b.ip && a.port === b.port) return { skip: 'identity translation (real and mapped socket are equal)' };
  const event: NatEvent = id === 305011 ? 'new' : 'destroy';
  return { kind: 'nat', event, proto, inIp: a.ip, inPort: a.port, pubIp: b.ip, pubPort: b.port };
};

/**
 * 305009/305010: "{Built|Teardown} {dynamic|static} translation from IF:real to IF:mapped" — a whole address
 * translated without ports (one-to-one NAT): every port of the mapped address belongs to the real one, which
 * is what a port block 0-65535 says.
 */
const xlateAddr: Handler = (s, p, id) => {
  const w = words(s, p, 3);
  if (!w || w[2] !== 'translation' || (w[0] !== 'Built' && w[0] !== 'Teardown')) return null;
  const from = s.indexOf(' from ', p);
  if (from < 0) return null;
  const a = side(s, from + 6, s.length);
  if (!a) return null;
  const to = s.indexOf(' to ', a.end);
  const b = to < 0 ? null : side(s, to + 4, s.length);
  if (!b) return null;
  if (a.ip === b.ip) return { skip: 'identity translation (real and mapped address are equal)' };
  return { kind: 'portblock', event: id === 305009 ? 'alloc' : 'release', inIp: a.ip, pubIp: b.ip, portLo: 0, portHi: 65535 };
};

/**
 * 305014 "Allocated <n|proto> block of ports for translation from IF:real to IF:mapped/lo-hi", 305015 "Released …",
 * 305017 "Pba-interim-logging: Active <proto> block of ports for translation from … to IF:mapped/lo-hi".
 */
const BLOCK = ' block of ports for translation from ';
const block: Handler = (s, p, id) => {
  const k = s.indexOf(BLOCK, p);
  if (k < 0) return null;
  const a = side(s, k + BLOCK.length, s.length);
  if (!a) return null;
  const to = s.indexOf(' to ', a.end);
  const b = to < 0 ? null : side(s, to + 4, s.length);
  if (!b || b.port < 0 || b.portHi < b.port) return null;
  const event = id === 305014 ? 'alloc' : id === 305015 ? 'release' : 'interim';
  return { kind: 'portblock', event, inIp: a.ip, pubIp: b.ip, portLo: b.port, portHi: b.portHi };
};

/** The first n space-separated words from p, or null. */
function words(s: string, p: number, n: number): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = s.indexOf(' ', p);
    if (e < 0) return null;
    out.push(s.slice(p, e));
    p = e + 1;
  }
  return out;
}


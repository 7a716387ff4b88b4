// ulogd2: NAT translations from ulogd2's JSON output plugin fed by its NFCT (conntrack) input plugin,
// stack `ct1:NFCT,ip2str1:IP2STR,json1:JSON`. One flat JSON object per line. A hand-written scanner reads
// only the keys it needs (no JSON.parse, no regex); see README.md for the mapping and its reasons.
import type { NatEvent, NatRecord, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { ip, natRecord, notOurs, num, parseIso, port, protoNumber } from '../families/nat-common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const ulogd2: Parser = {
  name: 'ulogd2',
  description: 'Linux netfilter NAT events from ulogd2 (NFCT input, IP2STR, JSON output plugin)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default ulogd2;

// Keys we read, by id. Values are kept as [start, end) positions into the line (strings without quotes).
const K_EVENT = 0, K_ID = 1, K_PROTO = 2, K_OSPORT = 3, K_ODPORT = 4, K_RSPORT = 5, K_RDPORT = 6, K_OSADDR = 7,
  K_ODADDR = 8, K_RSADDR = 9, K_RDADDR = 10, K_START = 11, K_START_US = 12, K_END = 13, K_END_US = 14, K_STAMP = 15,
  K_OPKTS = 16, K_RPKTS = 17, K_DVC = 18, NKEYS = 19;
const VA = new Int32Array(NKEYS), VB = new Int32Array(NKEYS), KA = new Int32Array(NKEYS);

/** Id of the key s[a, a+len), or -1. Keys are compared in place: no string is made for keys we skip. */
function keyId(s: string, a: number, len: number): number {
  switch (len) {
    case 3: return s.startsWith('dvc', a) ? K_DVC : -1;
    case 5: return s.startsWith('ct.id', a) ? K_ID : -1;
    case 6: return s.startsWith('src_ip', a) ? K_OSADDR : -1;
    case 7: return s.startsWith('dest_ip', a) ? K_ODADDR : -1;
    case 8: return s.startsWith('ct.event', a) ? K_EVENT : -1;
    case 9: return s.startsWith('timestamp', a) ? K_STAMP : -1;
    case 10: return s.startsWith('@timestamp', a) ? K_STAMP : -1;
    case 12: return s.startsWith('flow.end.sec', a) ? K_END : -1;
    case 13:
      if (s.startsWith('orig.l4.sport', a)) return K_OSPORT;
      if (s.startsWith('orig.l4.dport', a)) return K_ODPORT;
      return s.startsWith('flow.end.usec', a) ? K_END_US : -1;
    case 14:
      if (s.startsWith('reply.l4.sport', a)) return K_RSPORT;
      if (s.startsWith('reply.l4.dport', a)) return K_RDPORT;
      return s.startsWith('flow.start.sec', a) ? K_START : -1;
    case 15: return s.startsWith('flow.start.usec', a) ? K_START_US : -1;
    case 16: return s.startsWith('orig.ip.protocol', a) ? K_PROTO : -1;
    case 17:
      if (s.startsWith('orig.ip.saddr.str', a)) return K_OSADDR;
      if (s.startsWith('orig.ip.daddr.str', a)) return K_ODADDR;
      return s.startsWith('orig.raw.pktcount', a) ? K_OPKTS : -1;
    case 18:
      if (s.startsWith('reply.ip.saddr.str', a)) return K_RSADDR;
      if (s.startsWith('reply.ip.daddr.str', a)) return K_RDADDR;
      return s.startsWith('reply.raw.pktcount', a) ? K_RPKTS : -1;
    default: return -1;
  }
}

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Scan one flat JSON object starting at s[p] === '{'. Returns false when it is not one. */
function scan(s: string, p: number): boolean {
  VA.fill(-1);
  const n = s.length;
  p++;
  for (;;) {
    while (p < n && isWs(s.charCodeAt(p))) p++;
    let c = s.charCodeAt(p);
    if (c === 125) return true; // }
    if (c !== 34) return false; // "
    const ka = p + 1;
    let ke = ka;
    while (ke < n && (c = s.charCodeAt(ke)) !== 34) ke += c === 92 ? 2 : 1;
    if (ke >= n) return false;
    const id = keyId(s, ka, ke - ka);
    p = ke + 1;
    while (p < n && isWs(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) !== 58) return false; // :
    p++;
    while (p < n && isWs(s.charCodeAt(p))) p++;
    let va: number, vb: number;
    if (s.charCodeAt(p) === 34) {
      va = p + 1;
      vb = va;
      while (vb < n && (c = s.charCodeAt(vb)) !== 34) vb += c === 92 ? 2 : 1;
      if (vb >= n) return false;
      p = vb + 1;
    } else {
      va = p;
      while (p < n && (c = s.charCodeAt(p)) !== 44 && c !== 125 && !isWs(c)) {
        if (c === 123 || c === 91) return false; // nested objects/arrays: not ulogd's flat output
        p++;
      }
      vb = p;
      if (vb === va) return false;
    }
    if (id >= 0) {
      VA[id] = va;
      VB[id] = vb;
      KA[id] = ka - 1;
    }
    while (p < n && isWs(s.charCodeAt(p))) p++;
    c = s.charCodeAt(p);
    if (c === 44) p++;
    else if (c === 125) return true;
    else return false;
  }
}

const has = (k: number) => VA[k]! >= 0;
const val = (s: string, k: number) => (VA[k]! >= 0 ? num(s, VA[k]!, VB[k]!) : -1);
const str = (s: string, k: number) => s.slice(VA[k]!, VB[k]!);

function parse(msg: Message, ctx: ParseContext): ParseResult {
  // A bare JSON line looks to the syslog header reader like a tag ('{"timestamp":'): read from the raw line then.
  let s = msg.body;
  let p = 0;
  while (p < s.length && isWs(s.charCodeAt(p))) p++;
  if (s.charCodeAt(p) !== 123) {
    s = msg.raw;
    p = s.indexOf('{');
    if (p < 0) return notOurs(s, 'not a ulogd2 JSON line');
  }
  if (!scan(s, p)) return notOurs(s, 'not a flat JSON object (truncated or not ulogd2 JSON output)');

  if (!has(K_EVENT)) {
    return has(K_DVC) || has(K_STAMP) ? { skip: 'ulogd2 packet or accounting log, not a conntrack event' } : { unparsed: 'JSON without ct.event: not a ulogd2 NFCT event' };
  }
  const ev = val(s, K_EVENT);
  // libnetfilter_conntrack message types: NFCT_T_NEW = 1, NFCT_T_UPDATE = 2, NFCT_T_DESTROY = 4.
  const event: NatEvent | undefined = ev === 1 ? 'new' : ev === 2 ? 'update' : ev === 4 ? 'destroy' : undefined;
  if (!event) return { unparsed: 'unknown ct.event value (not 1, 2 or 4)' };

  const protoNum = val(s, K_PROTO);
  if (protoNum < 0) return { unparsed: 'conntrack event without orig.ip.protocol' };
  const proto: Proto = protoNumber(protoNum);
  if (proto === 'icmp' || proto === 'icmpv6') return { skip: 'ICMP flow: ulogd2 logs no echo id, so the translation has no port' };

  if (!has(K_OSADDR) || !has(K_ODADDR) || !has(K_RSADDR) || !has(K_RDADDR)) {
    return { unparsed: 'conntrack event without address strings (add IP2STR to the ulogd stack)' };
  }
  const oSrc = ip(str(s, K_OSADDR)), oDst = ip(str(s, K_ODADDR)), rSrc = ip(str(s, K_RSADDR)), rDst = ip(str(s, K_RDADDR));
  if (!oSrc || !oDst || !rSrc || !rDst) return { unparsed: 'conntrack address missing or invalid' };
  const op = portOf(s, K_OSPORT), od = portOf(s, K_ODPORT), rs = portOf(s, K_RSPORT), rd = portOf(s, K_RDPORT);
  if (op < 0 || od < 0 || rs < 0 || rd < 0) {
    if (proto === 'tcp' || proto === 'udp') return { unparsed: `conntrack ${proto} event without ports` };
    return { skip: 'flow without ports (not TCP, UDP, SCTP, DCCP): nothing to trace by port' };
  }

  // Which side was translated? Same reading as the conntrack parser: source NAT when the reply goes back
  // to another address/port than the original source; destination NAT when the reply comes from another.
  let inIp: string, inPort: number, pubIp: string, pubPort: number, dstIp: string, dstPort: number;
  if (rDst !== oSrc || rd !== op) {
    inIp = oSrc; inPort = op; pubIp = rDst; pubPort = rd; dstIp = oDst; dstPort = od;
  } else if (rSrc !== oDst || rs !== od) {
    inIp = rSrc; inPort = rs; pubIp = oDst; pubPort = od; dstIp = oSrc; dstPort = op;
  } else return { skip: 'no translation (reply tuple mirrors the original)' };

  // Times: the flow's own start/end (epoch, µs) when present; the writer's "timestamp" otherwise.
  const start = flowTime(s, ctx, K_START, K_START_US);
  const end = flowTime(s, ctx, K_END, K_END_US);
  if (start === 'bad' || end === 'bad') return { unparsed: 'flow.start/flow.end is not epoch seconds' };
  let stamp: ResolvedTime | undefined | 'bad';
  const need = event === 'new' ? start : event === 'destroy' ? end : (end ?? start);
  if (!need) {
    stamp = writerStamp(s, ctx);
    if (stamp === 'bad') return { unparsed: 'timestamp is not an ISO 8601 time' };
    if (!stamp) return { unparsed: 'no time stamp (no flow.start/flow.end and JSON timestamp=0)' };
  }

  const make = (e: NatEvent, t: ResolvedTime): NatRecord => {
    const r = natRecord(msg, ctx, t, e, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort);
    const id = val(s, K_ID);
    if (id >= 0) r.flowId = id;
    return r;
  };
  const out: NatRecord[] = [];
  if (event === 'destroy') {
    // With the hash table (ulogd's default) only DESTROY lines are written, carrying the flow's start:
    // the start becomes a `new` record so the translation is known over its whole life (README).
    if (start) out.push(make('new', start));
    const d = make('destroy', end ?? (stamp as ResolvedTime));
    // Never answered: packets went out, none came back (needs net.netfilter.nf_conntrack_acct=1).
    if (val(s, K_OPKTS) > 0 && val(s, K_RPKTS) === 0) d.failed = true;
    out.push(d);
  } else out.push(make(event, need ?? (stamp as ResolvedTime)));
  return { records: out };
}

function portOf(s: string, k: number): number {
  return VA[k]! >= 0 ? port(s, VA[k]!, VB[k]!) : -1;
}

/** flow.{start,end}.{sec,usec} → exact time; rawStamp is the two key/value pairs as written. */
function flowTime(s: string, ctx: ParseContext, kSec: number, kUs: number): ResolvedTime | undefined | 'bad' {
  if (!has(kSec)) return undefined;
  const sec = s.slice(VA[kSec]!, VB[kSec]!);
  const us = has(kUs) ? val(s, kUs) : 0;
  if (us < 0 || us > 999_999 || sec === '0') return 'bad';
  // The pair as it stands in the line when usec follows sec directly (ulogd writes them so), else sec alone.
  const gap = has(kUs) ? KA[kUs]! - VB[kSec]! : -1;
  const raw = gap >= 0 && gap <= 4 ? s.slice(KA[kSec]!, VB[kUs]!) : sec;
  try {
    return ctx.clock.epoch(`${sec}.${String(us).padStart(6, '0')}`, raw);
  } catch {
    return 'bad';
  }
}

/**
 * The JSON plugin's own "timestamp": the time it wrote the line, whole seconds, local time of the ulogd
 * process with its offset ("+0100"). ulogd 2.0.8 omits the offset exactly when it is zero (a bug in its
 * cached-zone test), so a stamp without offset is UTC, not a zone-less local time.
 */
function writerStamp(s: string, ctx: ParseContext): ResolvedTime | undefined | 'bad' {
  if (!has(K_STAMP)) return undefined;
  const a = VA[K_STAMP]!, b = VB[K_STAMP]!;
  const iso = parseIso(s, a);
  if (!iso || iso.end !== b) return 'bad';
  try {
    return ctx.clock.withOffset(iso.fields, Number.isNaN(iso.offset) ? 0 : iso.offset, s.slice(a, b));
  } catch {
    return 'bad';
  }
}

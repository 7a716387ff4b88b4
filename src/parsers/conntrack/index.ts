// conntrack: NAT translations from `conntrack -E` event lines (Linux netfilter connection tracking).
// The hot path of a busy gateway, so this is a hand-written forward scanner: charCode tests and indexOf,
// one slice per value kept, no regex, no split. See README.md for the mapping and its reasons.
import type { NatEvent, NatRecord, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { canonIp as ip, isDigit, looksBinary, num, port } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';
import { conntrackRow } from './row.ts';

const SP = 32, TAB = 9, LBR = 91, EQ = 61;

export const conntrack: Parser = {
  name: 'conntrack',
  description: 'Linux netfilter NAT events from `conntrack -E -o timestamp,extended[,id]`',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
  natRow: conntrackRow,
};
export default conntrack;

/** One direction of a connection, as the scanner fills it. */
class Tuple {
  src = '';
  dst = '';
  sport = -1;
  dport = -1;
  icmpId = -1;
  hasType = false;
  reset(): void {
    this.src = this.dst = '';
    this.sport = this.dport = this.icmpId = -1;
    this.hasType = false;
  }
}
// Reused across calls: parse() is synchronous and never re-entered.
const orig = new Tuple();
const reply = new Tuple();

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const s = msg.body;
  const n = s.length;
  let p = skipBlank(s, 0);

  // "[1764425581.123456]\t" from -o timestamp: exact epoch, µs.
  let epochText: string | undefined;
  if (s.charCodeAt(p) === LBR && isDigit(s.charCodeAt(p + 1))) {
    const close = s.indexOf(']', p);
    if (close < 0 || close - p > 32) return { unparsed: 'unterminated time stamp' };
    epochText = s.slice(p + 1, close);
    p = skipBlank(s, close + 1);
  }

  // "[NEW]" / "[UPDATE]" / "[DESTROY]"
  if (s.charCodeAt(p) !== LBR) return notAnEvent(msg.raw);
  let event: NatEvent;
  if (s.startsWith('[NEW]', p)) { event = 'new'; p += 5; }
  else if (s.startsWith('[UPDATE]', p)) { event = 'update'; p += 8; }
  else if (s.startsWith('[DESTROY]', p)) { event = 'destroy'; p += 9; }
  else return { unparsed: 'unknown conntrack event type (not NEW, UPDATE or DESTROY)' };

  // "[ipv4 2 ]tcp 6 [timeout] [STATE] ": the layer-4 name is the first token unless -o extended put the
  // layer-3 name and number first. Everything up to the first "src=" is this header.
  const first = s.indexOf('src=', p);
  if (first < 0) return { unparsed: 'truncated conntrack event: no tuple' };
  p = skipBlank(s, p);
  let protoStart = p;
  if (s.startsWith('ipv4 ', p) || s.startsWith('ipv6 ', p)) {
    protoStart = skipBlank(s, tokenEnd(s, skipBlank(s, tokenEnd(s, p))));
  }
  const proto = protoOf(s, protoStart, tokenEnd(s, protoStart));

  // key=value tokens and [FLAG]s. The first src= opens the original tuple, the second the reply tuple;
  // an id= inside an ICMP tuple is the echo id, any other id= is the conntrack id.
  orig.reset();
  reply.reset();
  let t: Tuple | null = null;
  let unreplied = false;
  let flowId = -1;
  p = first;
  scan: while (p < n) {
    const c = s.charCodeAt(p);
    if (c === SP || c === TAB) { p++; continue; }
    // conntrack separates these tokens with single spaces: native indexOf beats a char loop here.
    let e = s.indexOf(' ', p);
    if (e < 0) e = n;
    if (c === LBR) {
      if (s.charCodeAt(p + 1) === 85 && s.startsWith('[UNREPLIED]', p)) unreplied = true;
      p = e;
      continue;
    }
    let eq = p + 1;
    while (eq < e && s.charCodeAt(eq) !== EQ) eq++;
    if (eq === e) { p = e; continue; } // a bare word: not ours to judge
    switch (eq - p) {
      case 3:
        if (c === 115 && s.charCodeAt(p + 1) === 114) { // src
          if (t === null) t = orig;
          else if (t === orig) t = reply;
          else break scan; // a third tuple (an expectation's master): stop here
          t.src = s.slice(eq + 1, e);
        } else if (t !== null && c === 100 && s.charCodeAt(p + 1) === 115) t.dst = s.slice(eq + 1, e); // dst
        break;
      case 5:
        if (t !== null && s.charCodeAt(p + 1) === 112) { // sport / dport
          if (c === 115) t.sport = port(s, eq + 1, e);
          else if (c === 100) t.dport = port(s, eq + 1, e);
        }
        break;
      case 4:
        if (t !== null && c === 116 && s.charCodeAt(p + 1) === 121) t.hasType = true; // type
        break;
      case 2:
        if (t !== null && c === 105 && s.charCodeAt(p + 1) === 100) { // id
          const v = num(s, eq + 1, e);
          if (t.hasType && t.icmpId < 0) t.icmpId = v;
          else flowId = v;
        }
        break;
    }
    p = e;
  }
  if (t !== reply) return { unparsed: t === null ? 'truncated conntrack event: no tuple' : 'truncated conntrack event: no reply tuple' };

  const oSrc = ip(orig.src), oDst = ip(orig.dst), rSrc = ip(reply.src), rDst = ip(reply.dst);
  if (!oSrc || !oDst || !rSrc || !rDst) return { unparsed: 'conntrack tuple address missing or invalid' };
  const icmp = proto === 'icmp' || proto === 'icmpv6';
  // ICMP has no ports; its echo id is rewritten by NAT like a port, so it stands in for the ports (README).
  const oSport = icmp ? orig.icmpId : orig.sport, oDport = icmp ? 0 : orig.dport;
  const rSport = icmp ? 0 : reply.sport, rDport = icmp ? reply.icmpId : reply.dport;
  if (oSport < 0 || rDport < 0 || oDport < 0 || rSport < 0) {
    if (proto === 'tcp' || proto === 'udp' || icmp) return { unparsed: `conntrack ${proto} tuple without ports` };
  }
  const op = oSport < 0 ? 0 : oSport, od = oDport < 0 ? 0 : oDport, rs = rSport < 0 ? 0 : rSport, rd = rDport < 0 ? 0 : rDport;

  // Which side was translated? Source NAT (masquerade): the reply goes back to the public address.
  // Destination NAT (port forward): the reply comes from the inside host. Neither: no translation.
  let inIp: string, inPort: number, pubIp: string, pubPort: number, dstIp: string, dstPort: number;
  if (rDst !== oSrc || rd !== op) {
    inIp = oSrc; inPort = op; pubIp = rDst; pubPort = rd; dstIp = oDst; dstPort = od;
  } else if (rSrc !== oDst || rs !== od) {
    inIp = rSrc; inPort = rs; pubIp = oDst; pubPort = od; dstIp = oSrc; dstPort = op;
  } else return { skip: 'no translation (reply tuple mirrors the original)' };

  let time: ResolvedTime;
  if (epochText !== undefined) {
    try {
      time = ctx.clock.epoch(epochText);
    } catch {
      return { unparsed: 'time stamp is not epoch seconds' };
    }
  } else if (msg.header?.stamp) time = msg.header.stamp;
  else return { unparsed: 'no time stamp (run conntrack with -o timestamp)' };

  const r: NatRecord = {
    kind: 'nat', ts: time.ts, received: ctx.received, source: ctx.source, raw: msg.raw, rawStamp: time.rawStamp,
    event, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort,
  };
  if (time.flags) r.flags = { ...time.flags };
  if (time.tsAlt !== undefined) r.tsAlt = time.tsAlt;
  // A DESTROY still [UNREPLIED] was never answered. A NEW is always unreplied, so it says nothing yet.
  if (event === 'destroy' && unreplied) r.failed = true;
  if (flowId >= 0) r.flowId = flowId;
  return { records: [r] };
}

/** Not an event line: conntrack's own stderr (when captured with the events), or something else. */
function notAnEvent(raw: string): ParseResult {
  const s = raw.trim();
  if (s.startsWith('conntrack v') && s.includes('flow events have been shown')) return { skip: 'conntrack exit summary' };
  if (s.startsWith('NOTICE: ')) return { skip: 'conntrack notice' };
  if (s.startsWith('WARNING: We have hit ENOBUFS')) return { unparsed: 'conntrack lost events (ENOBUFS): raise -b/--buffer-size' };
  if (s === '') return { unparsed: 'empty message' };
  if (looksBinary(s)) return { unparsed: 'binary data, not a log line' };
  return { unparsed: 'not a conntrack event' };
}

function protoOf(s: string, a: number, b: number): Proto {
  const len = b - a;
  if (len === 3) {
    if (s.startsWith('tcp', a)) return 'tcp';
    if (s.startsWith('udp', a)) return 'udp';
  } else if (len === 4 && s.startsWith('icmp', a)) return 'icmp';
  else if (len === 6 && s.startsWith('icmpv6', a)) return 'icmpv6';
  return 'other'; // udplite, sctp, dccp, gre, unknown
}

function skipBlank(s: string, p: number): number {
  let c;
  while ((c = s.charCodeAt(p)) === SP || c === TAB) p++;
  return p;
}

function tokenEnd(s: string, p: number): number {
  let c;
  const n = s.length;
  while (p < n && (c = s.charCodeAt(p)) !== SP && c !== TAB) p++;
  return p;
}

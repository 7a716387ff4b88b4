// mikrotik: RouterOS firewall log lines (a rule with action=log or log=yes), e.g.
//   forward: in:bridge out:ether1, connection-state:new,snat src-mac aa:bb:cc:dd:ee:ff, proto TCP (SYN),
//     10.1.1.1:1234->198.51.100.7:443, NAT (10.1.1.1:1234->203.0.113.5:40000)->198.51.100.7:443, len 60
// The NAT part gives a translation; src-mac gives an ip ↔ mac sighting of a LAN host. See README.md.
import type { NatEvent, NatRecord, Proto, SightingRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, canonMac } from '../common.ts';
import { ip, natRecord, notOurs, num, port, protoName } from '../families/nat-common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const mikrotik: Parser = {
  name: 'mikrotik',
  description: 'MikroTik RouterOS firewall log lines: NAT (…) translations and src-mac sightings',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default mikrotik;

interface Ep {
  ip: string;
  port: number; // -1 when the protocol has no ports
}

/** "a.b.c.d:port", "a.b.c.d", "[v6]:port" or a bare IPv6 address, in s[a, b). */
function ep(s: string, a: number, b: number): Ep | null {
  if (b <= a) return null;
  if (s.charCodeAt(a) === 91) {
    const close = s.indexOf(']', a);
    if (close < 0 || close >= b) return null;
    const addr = ip(s.slice(a + 1, close));
    if (!addr) return null;
    if (close + 1 === b) return { ip: addr, port: -1 };
    if (s.charCodeAt(close + 1) !== 58) return null;
    const p = port(s, close + 2, b);
    return p >= 0 ? { ip: addr, port: p } : null;
  }
  const c1 = s.indexOf(':', a);
  if (c1 < 0 || c1 >= b) {
    const addr = ip(s.slice(a, b));
    return addr ? { ip: addr, port: -1 } : null;
  }
  let c2 = c1 + 1; // a second ':' before b? (looked for in [c1, b) only, not to the end of the line)
  while (c2 < b && s.charCodeAt(c2) !== 58) c2++;
  if (c2 < b) {
    const addr = ip(s.slice(a, b)); // a bare IPv6 address (no port can be told apart)
    return addr ? { ip: addr, port: -1 } : null;
  }
  const addr = ip(s.slice(a, c1));
  const p = port(s, c1 + 1, b);
  return addr && p >= 0 ? { ip: addr, port: p } : null;
}

/** "X->Y" in s[a, b). */
function arrow(s: string, a: number, b: number): [Ep, Ep] | null {
  const m = s.indexOf('->', a);
  if (m < 0 || m >= b) return null;
  const x = ep(s, a, m), y = ep(s, m + 2, b);
  return x && y ? [x, y] : null;
}

/** Index of "in:" at a token start, from p on. */
function findIn(s: string, p: number): number {
  for (;;) {
    const i = s.indexOf('in:', p);
    if (i < 0) return -1;
    if (i === 0 || s.charCodeAt(i - 1) === 32) return i;
    p = i + 3;
  }
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  // The chain name may have been taken for the program name ("srcnat: in:…"): "in:" is searched in the raw line too.
  let s = msg.body;
  let pin = findIn(s, 0);
  if (pin < 0) {
    s = msg.raw;
    pin = findIn(s, 0);
  }
  const pproto = pin < 0 ? -1 : s.indexOf(' proto ', pin);
  if (pin < 0 || pproto < 0) return notOurs(s, 'not a RouterOS firewall log line (no "in:" … "proto")');
  const outAt = s.indexOf(' out:', pin);
  const inIface = s.slice(pin + 3, outAt > pin && outAt < pproto ? outAt : s.indexOf(',', pin));

  // proto NAME[ (FLAGS or type/code)], SRC->DST, [NAT …,] len N
  let p = pproto + 7;
  let e = p;
  while (e < s.length && s.charCodeAt(e) !== 32 && s.charCodeAt(e) !== 44) e++;
  const pname = s.slice(p, e);
  const pn = num(pname, 0, pname.length);
  const proto: Proto = pn >= 0 ? (pn === 6 ? 'tcp' : pn === 17 ? 'udp' : pn === 1 ? 'icmp' : pn === 58 ? 'icmpv6' : 'other') : protoName(pname);
  let flags = '';
  p = e;
  if (s.charCodeAt(p) === 32 && s.charCodeAt(p + 1) === 40) {
    const close = s.indexOf(')', p);
    if (close < 0) return { unparsed: 'truncated protocol flags' };
    flags = s.slice(p + 2, close);
    p = close + 1;
  }
  if (s.charCodeAt(p) !== 44) return { unparsed: 'firewall line without its address pair' };
  p += 2;
  let te = s.indexOf(',', p);
  if (te < 0) te = s.length;
  const tuple = arrow(s, p, te);
  if (!tuple) return { unparsed: 'firewall line address pair is not src->dst' };
  const [src] = tuple;

  // NAT part: "NAT (A->B)->C" source NAT, "NAT A->(B->C)" destination NAT, "NAT (A->B)->(C->D)" both.
  let snat: [Ep, Ep] | undefined, dnat: [Ep, Ep] | undefined, nsrc: Ep | undefined, ndst: Ep | undefined;
  if (s.startsWith(', NAT ', te)) {
    let q = te + 6;
    if (s.charCodeAt(q) === 40) {
      const close = s.indexOf(')', q);
      const x = close > 0 ? arrow(s, q + 1, close) : null;
      if (!x || !s.startsWith('->', close + 1)) return { unparsed: 'NAT part not in the form (a->b)->c' };
      snat = x;
      q = close + 3;
    } else {
      const m = s.indexOf('->', q);
      const x = m > 0 ? ep(s, q, m) : null;
      if (!x) return { unparsed: 'NAT part not in the form a->(b->c)' };
      nsrc = x;
      q = m + 2;
    }
    if (s.charCodeAt(q) === 40) {
      const close = s.indexOf(')', q);
      const x = close > 0 ? arrow(s, q + 1, close) : null;
      if (!x) return { unparsed: 'NAT part destination not in the form (c->d)' };
      dnat = x;
    } else {
      let ce = s.indexOf(',', q);
      if (ce < 0) ce = s.length;
      const x = ep(s, q, ce);
      if (!x) return { unparsed: 'NAT part destination is not an address' };
      ndst = x;
    }
    if (!snat && !dnat) return { unparsed: 'NAT part names no translation' };
  }

  const time = msg.header?.stamp;
  const macAt = s.indexOf('src-mac ', pin);
  let mac: string | null = null;
  if (macAt >= 0 && macAt < pproto) {
    let me = s.indexOf(',', macAt);
    if (me < 0 || me > pproto) me = pproto;
    mac = canonMac(s.slice(macAt + 8, me).trim());
    if (!mac) return { unparsed: 'src-mac is not a MAC address' };
  }

  const out: (NatRecord | SightingRecord)[] = [];
  let portless = false;
  if (snat || dnat) {
    if (!time) return { unparsed: 'no time stamp (RouterOS remote logging without bsd-syslog sends none)' };
    const st = stateOf(s, pin, pproto);
    const event: NatEvent = st.includes('new') || flags === 'SYN' ? 'new' : 'update';
    let r: NatRecord | undefined;
    if (snat && (snat[0].ip !== snat[1].ip || snat[0].port !== snat[1].port)) {
      const [a, b] = snat;
      const d = dnat ? dnat[1] : ndst!;
      if (a.port < 0 || b.port < 0) portless = true;
      else r = natRecord(msg, ctx, time, event, proto, a.ip, a.port, b.ip, b.port, d.ip, d.port >= 0 ? d.port : undefined);
    } else if (dnat) {
      const [b, c] = dnat;
      const peer = snat ? snat[1] : nsrc!;
      if (b.port < 0 || c.port < 0) portless = true;
      else r = natRecord(msg, ctx, time, event, proto, c.ip, c.port, b.ip, b.port, peer.ip, peer.port >= 0 ? peer.port : undefined);
    }
    if (r) out.push(r);
  }
  // src-mac is the frame's source: the host itself only when it is on a directly attached segment. Sightings are
  // kept for sources that were source-translated or logged in the srcnat chain (inside hosts), and otherwise for
  // private/ULA/CGN sources; a public source elsewhere is an outside host seen through the upstream router's MAC.
  const chain = chainOf(s, pin, msg);
  const lanSource = snat !== undefined || chain === 'srcnat' || (!dnat && chain !== 'dstnat' && isLocalAddress(src.ip));
  if (mac && lanSource && mac !== '00:00:00:00:00:00') {
    if (!time) return { unparsed: 'no time stamp (RouterOS remote logging without bsd-syslog sends none)' };
    const sg: SightingRecord = { kind: 'sighting', ...base(msg, ctx, time), ip: src.ip, mac, how: 'mikrotik-firewall' };
    if (inIface.length > 0 && inIface !== '(unknown 0)') sg.iface = inIface;
    out.push(sg);
  }
  if (out.length === 0) {
    if (portless) return { skip: 'translation without ports (ICMP, GRE …): nothing to trace by port' };
    if (snat || dnat) return { skip: 'no translation (NAT part maps an address to itself)' };
    return { skip: mac ? 'firewall log line of an outside source: no translation, its src-mac is a router\'s' : 'firewall log line without translation or MAC' };
  }
  return { records: out };
}

/** The chain ("forward", "srcnat", …): the word before "in:", or the tag the syslog header reader took it for. */
function chainOf(s: string, pin: number, msg: Message): string {
  if (pin >= 2 && s.charCodeAt(pin - 2) === 58) {
    const b = s.lastIndexOf(' ', pin - 3) + 1;
    return s.slice(b, pin - 2);
  }
  return pin === 0 && msg.header?.app ? msg.header.app : '';
}

/** "connection-state:new,snat" between in: and proto, or ''. */
function stateOf(s: string, a: number, b: number): string {
  const i = s.indexOf('connection-state:', a);
  if (i < 0 || i > b) return '';
  let e = i + 17;
  while (e < b && s.charCodeAt(e) !== 32) e++;
  return s.slice(i + 17, e);
}

/** RFC 1918, RFC 6598 (CGN), link-local, loopback, IPv6 ULA and link-local. */
function isLocalAddress(a: string): boolean {
  if (a.indexOf(':') >= 0) {
    const c = a.charCodeAt(0) | 32;
    return (c === 102 && ((a.charCodeAt(1) | 32) === 99 || (a.charCodeAt(1) | 32) === 100)) || a.startsWith('fe8') || a.startsWith('fe9') || a.startsWith('fea') || a.startsWith('feb');
  }
  const d1 = a.indexOf('.'), d2 = a.indexOf('.', d1 + 1);
  const o1 = num(a, 0, d1), o2 = num(a, d1 + 1, d2);
  return o1 === 10 || (o1 === 172 && o2 >= 16 && o2 <= 31) || (o1 === 192 && o2 === 168) || (o1 === 100 && o2 >= 64 && o2 <= 127) || (o1 === 169 && o2 === 254) || o1 === 127;
}

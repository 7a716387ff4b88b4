// cisco-ios-nat: NAT translations logged by Cisco IOS / IOS-XE routers with `ip nat log translations syslog`:
//   IOS-XE  %NAT-6-LOG_TRANSLATION: Created Translation UDP 10.1.1.1:1234 203.0.113.5:40000 198.51.100.7:53 198.51.100.7:53 0
//   IOS     %IPNAT-6-CREATED: tcp 10.1.1.1:1234 203.0.113.5:1234 198.51.100.7:80 198.51.100.7:80
//           %IPNAT-6-NAT_CREATED: Created tcp 10.0.0.1:43800 10.17.3.32:1024 192.168.0.1:80 10.17.3.2:80
// The four endpoints are inside local, inside global, outside local, outside global. See README.md.
import type { NatEvent } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { endpoint, findStamp, natRecord, notOurs, protoName, type Endpoint } from '../families/nat-common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const ciscoIosNat: Parser = {
  name: 'cisco-ios-nat',
  description: 'Cisco IOS / IOS-XE NAT translation logging (%NAT-6-LOG_TRANSLATION, %IPNAT-6-CREATED/DELETED)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default ciscoIosNat;

/** Token positions of the line being parsed. */
const TA = new Int32Array(5), TB = new Int32Array(5);

/** Position of the NAT message tag, or -1. */
function findTag(s: string): number {
  const a = s.indexOf('%NAT-');
  const b = s.indexOf('%IPNAT-');
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  // The syslog header reader may take "%NAT-6-LOG_TRANSLATION:" for a program name: read the raw line then.
  let s = msg.body;
  let tag = findTag(s);
  if (tag < 0 && msg.header) {
    s = msg.raw;
    tag = findTag(s);
  }
  if (tag < 0) return notOurs(s, 'not a Cisco NAT message (no %NAT- or %IPNAT- tag)');
  const colon = s.indexOf(': ', tag);
  if (colon < 0) return { unparsed: 'malformed Cisco message tag' };
  const mnemonic = s.slice(s.indexOf('-', s.indexOf('-', tag + 1) + 1) + 1, colon);

  let event: NatEvent;
  let p = colon + 2;
  if (mnemonic === 'LOG_TRANSLATION') {
    if (s.startsWith('Created Translation ', p)) event = 'new';
    else if (s.startsWith('Deleted Translation ', p)) event = 'destroy';
    else return { unparsed: 'LOG_TRANSLATION: neither "Created Translation" nor "Deleted Translation"' };
    p += 20;
  } else if (mnemonic === 'CREATED' || mnemonic === 'NAT_CREATED') event = 'new';
  else if (mnemonic === 'DELETED' || mnemonic === 'NAT_DELETED') event = 'destroy';
  else return { skip: 'Cisco NAT message that carries no translation' };
  if (event === 'new' && s.startsWith('Created ', p)) p += 8;
  else if (event === 'destroy' && s.startsWith('Deleted ', p)) p += 8;

  // PROTO insideLocal insideGlobal outsideLocal outsideGlobal [number]: token k is s[TA[k], TB[k]).
  let nt = 0;
  while (nt < 5 && p < s.length) {
    let e = s.indexOf(' ', p);
    if (e < 0) e = s.length;
    if (e > p) {
      TA[nt] = p;
      TB[nt++] = e;
    }
    p = e + 1;
  }
  if (nt < 5) return { unparsed: 'translation message with fewer than four endpoints' };
  const proto = protoName(s.slice(TA[0]!, TB[0]!));
  let il!: Endpoint, ig!: Endpoint, og!: Endpoint; // all four are read below, or the line is unparsed
  for (let k = 1; k <= 4; k++) {
    const a = TA[k]!, b = TB[k]!;
    // "ip:port"; an address without a port (a protocol without ports) has no colon after the address.
    const colon = s.indexOf(':', a);
    const ep = colon >= 0 && colon < b ? endpoint(s, a, b, 58) : null;
    if (!ep) return { unparsed: 'translation endpoint is not address:port' };
    if (k === 1) il = ep;
    else if (k === 2) ig = ep;
    else if (k === 4) og = ep;
  }
  if (il.ip === ig.ip && il.port === ig.port) return { skip: 'no inside translation (inside local equals inside global)' };

  // Time: the router's own stamp in front of the tag (service timestamps log datetime …), else the syslog header's.
  const found = findStamp(s, 0, tag, ctx.clock, true);
  if (found === 'invalid') return { unparsed: 'invalid time stamp' };
  let time: ResolvedTime | undefined;
  if (found && !found.unsynced) time = found.time;
  else if (msg.header?.stamp) time = msg.header.stamp; // '*': the router clock was not set; the receiver's is better
  else if (found) time = { ...found.time, flags: { ...found.time.flags, clockUnsynced: true } }; // the only time there is, flagged
  if (!time) return { unparsed: 'no time stamp (service timestamps log datetime msec)' };
  return { records: [natRecord(msg, ctx, time, event, proto, il.ip, il.port, ig.ip, ig.port, og.ip, og.port)] };
}

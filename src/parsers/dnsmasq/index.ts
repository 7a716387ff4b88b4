// dnsmasq: DHCPv4/DHCPv6 bindings and DNS queries from dnsmasq's log (syslog or its own --log-facility file).
// Line shapes are those of dnsmasq 2.90's log_packet()/log6_packet() (rfc2131.c, rfc3315.c), slaac.c and
// cache.c log_query(); see README.md for what each one becomes.
import { ipToBigInt, normIp, normMac } from '../../records/addr.ts';
import type { DnsQueryRecord, LeaseHow, LeaseRecord, SightingRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/** `TYPE(iface) rest`: the shape of every DHCP packet line. Anchored, no nested quantifiers: linear on any input. */
const PACKET = /^([A-Z][A-Z0-9-]{2,30})\(([^()\s]{0,64})\)(?: +(.*))?$/;

const V4_TYPES = new Set(['DHCPDISCOVER', 'DHCPOFFER', 'DHCPREQUEST', 'DHCPDECLINE', 'DHCPACK', 'DHCPNAK', 'DHCPRELEASE', 'DHCPINFORM', 'BOOTP']);
const V6_TYPES = new Set([
  'DHCPSOLICIT', 'DHCPADVERTISE', 'DHCPREQUEST', 'DHCPCONFIRM', 'DHCPRENEW', 'DHCPREBIND', 'DHCPREPLY', 'DHCPRELEASE',
  'DHCPDECLINE', 'DHCPRECONFIGURE', 'DHCPINFORMATION-REQUEST', 'DHCPRELAY-FORW', 'DHCPRELAY-REPL',
]);

/** DHCPv4 messages that are part of an exchange but bind nothing themselves. */
const V4_NO_BINDING: Record<string, string> = {
  DHCPDISCOVER: 'a client looking for an address, nothing bound yet',
  DHCPOFFER: 'an offer, not a binding (the DHCPACK is)',
  DHCPREQUEST: 'a request, not a binding (the DHCPACK is)',
  DHCPNAK: 'the server refused the address',
};

/** Status and option-detail lines (startup, --log-dhcp extras): understood, carry no binding. */
const INFO_PREFIXES = [
  'started, version', 'compile time options', 'exiting on receipt of', 'read ', 'reading ', 'using nameserver',
  'using local addresses only', 'using only locally-known addresses', 'using standard nameservers', 'cleared cache',
  'warning:', 'DHCP, ', 'DHCPv6, ', 'DHCPv4-derived IPv6 names', 'router advertisement on', 'IPv6 router advertisement enabled',
  'not giving name', 'Ignoring domain', 'tags:', 'requested options:', 'vendor class:', 'user class:',
  'client provides name:', 'sent size:', 'nest size:', 'available DHCP range:', 'available DHCP subnet:', 'next server:',
  'broadcast response', 'bootfile name:', 'server name:', 'client MAC address:', 'DHCP relay', 'lease time',
  'no address range available', 'time ', 'cache size', 'queries forwarded', 'queries answered locally',
  'pool memory in use', 'server ', 'abandoning lease', 'duplicate IP address', 'no servers found in',
  'DNS service limited to local subnets', 'DNSSEC validation enabled', 'asynchronous logging enabled',
  'ignoring nameserver', 'DHCP packet received on', 'DHCP range', 'TFTP',
];

/** First word of a DNS log line that is an answer, a forward or a cache event rather than a client's query. */
const DNS_NOT_QUERY = new Set([
  'forwarded', 'reply', 'cached', 'cached-stale', 'config', 'validation', 'auth', 'DHCP', 'ipset', 'nftset',
  'gravity', 'regex', 'exactly', 'special', 'blacklisted', 'whitelisted', // Pi-hole FTL's extra sources
]);

export const dnsmasq: Parser = {
  name: 'dnsmasq',
  description: 'dnsmasq DHCPv4/DHCPv6 leases (DHCPACK, DHCPRELEASE, …) and DNS queries (log-queries)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default dnsmasq;

type Result = ParseResult | Built;
/** A record still needing its time (lines are classified before the stamp is required). */
type Built = { build: (msg: Message, ctx: ParseContext) => LeaseRecord | SightingRecord | DnsQueryRecord };

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const body = msg.body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const r = classify(body);
  if (!('build' in r)) {
    if ('unparsed' in r && msg.header?.app && !msg.header.app.toLowerCase().includes('dnsmasq')) {
      return { unparsed: 'not a dnsmasq message (another program\'s syslog tag)' };
    }
    return r;
  }
  if (!msg.header?.stamp) return { unparsed: 'no time stamp' };
  return { records: [r.build(msg, ctx)] };
}

function classify(body: string): Result {
  let p = 0;
  // Pi-hole FTL writes "TCP " before the query id of TCP queries.
  if (body.startsWith('TCP ') || body.startsWith('UDP ')) p = 4;
  // --log-dhcp puts the transaction id first; --log-queries=extra puts "<id> <addr>/<port> " first.
  let srcAddr: string | undefined;
  let srcPort: number | undefined;
  const q = digitsEnd(body, p);
  if (q > p && body.charCodeAt(q) === 32) {
    p = q + 1;
    const e = tokenEnd(body, p);
    const slash = body.lastIndexOf('/', e);
    if (slash > p) {
      const ip = normIp(body.slice(p, slash));
      const port = Number(body.slice(slash + 1, e));
      if (ip && Number.isInteger(port) && port >= 0 && port <= 65535 && digitsEnd(body, slash + 1) === e) {
        srcAddr = ip;
        srcPort = port;
        p = e + 1;
      }
    }
  }
  const rest = p === 0 ? body : body.slice(p);

  const m = PACKET.exec(rest);
  if (m) {
    const r = packet(m[1]!, m[2]!, m[3] ?? '');
    if (r) return r;
  }
  if (rest.startsWith('query[')) return query(rest, srcAddr, srcPort);
  // Skip reasons are fixed texts (no line content) so they can be counted per reason.
  for (const prefix of INFO_PREFIXES) if (rest.startsWith(prefix)) return { skip: `status line '${prefix.trim()}'` };
  const word = rest.slice(0, tokenEnd(rest, 0));
  if (DNS_NOT_QUERY.has(word) || word.startsWith('dnssec-') || (word.startsWith('/') && rest.includes(' is '))) {
    return { skip: `DNS ${word.startsWith('/') ? 'answer from a hosts file' : word} line, not a client query` };
  }
  return { unparsed: 'unknown dnsmasq message' };
}

/** A DHCP packet line; undefined when TYPE is not a packet type (then other rules get a chance). */
function packet(type: string, iface: string, rest: string): Result | undefined {
  if (type === 'SLAAC-CONFIRM') return slaac(iface, rest);
  if (type === 'RTR-ADVERT' || type === 'RTR-SOLICIT') return { skip: `${type}: router advertisement, no client binding` };
  if (!V4_TYPES.has(type) && !V6_TYPES.has(type)) return undefined;
  const tok = rest.split(' ').filter((t) => t !== '');
  const first = tok[0] ?? '';
  const firstIp = first.includes('.') || first.includes(':') ? normIp(first) : null;

  // v4 lines: "[ip ]mac[ text]"; v6 lines: "[ip6 ]client-DUID[ text]". Tell them apart by the tokens.
  if (firstIp && !firstIp.includes(':')) return v4(type, iface, firstIp, tok[1], tok.slice(2));
  if (!firstIp && V4_TYPES.has(type) && normMac(first)) {
    return { skip: `${type}: ${V4_NO_BINDING[type] ?? 'no address in the message'}` };
  }
  if (V6_TYPES.has(type)) return v6(type, iface, firstIp, firstIp ? tok[1] : first, tok.slice(firstIp ? 2 : 1));
  return { unparsed: `${type} line without a usable address` };
}

function v4(type: string, iface: string, ip: string, macText: string | undefined, more: string[]): Result {
  if (V4_NO_BINDING[type]) return { skip: `${type}: ${V4_NO_BINDING[type]}` };
  if (!macText) return { unparsed: `${type} without a client address` };
  const mac = normMac(macText);
  if (!mac) {
    // Longer colon-hex is a non-Ethernet hardware address (InfiniBand, client-id); anything else is damage.
    if (macText === '<null>' || /^[0-9a-f]{2}(?::[0-9a-f]{2}){6,}$/i.test(macText)) return { skip: `${type}: client has no Ethernet MAC` };
    return { unparsed: `${type}: malformed client MAC` };
  }
  let how: LeaseHow;
  let hostname: string | undefined;
  switch (type) {
    case 'DHCPACK':
    case 'BOOTP': // a BOOTP reply binds the address like an ACK (for a configured host)
      how = 'ack';
      hostname = more[0];
      break;
    case 'DHCPRELEASE':
      // dnsmasq appends "unknown lease" when it held no such lease: nothing was released.
      if (more.length) return { skip: 'DHCPRELEASE for a lease the server did not hold' };
      how = 'release';
      break;
    case 'DHCPDECLINE':
      how = 'decline';
      break;
    case 'DHCPINFORM':
      how = 'inform';
      break;
    default:
      return { unparsed: `unexpected DHCP message ${type}` };
  }
  return lease(ip, mac, how, iface, hostname);
}

function v6(type: string, iface: string, ip: string | null, duidText: string | undefined, more: string[]): Result {
  if (!ip) return { skip: `${type}: DHCPv6 message without an address` };
  if (!duidText) return { unparsed: `${type} without a client DUID` };
  let how: LeaseHow;
  if (type === 'DHCPREPLY') how = 'ack';
  else if (type === 'DHCPRELEASE') how = 'release';
  else if (type === 'DHCPDECLINE') how = 'decline';
  else return { skip: `${type}: DHCPv6 exchange step, not a binding` };
  const duid = parseDuid(duidText);
  if (!duid) return { unparsed: `${type}: client id is not a DUID` };
  const mac = macFromDuid(duid);
  if (!mac) return { skip: `${type}: DHCPv6 client known only by ${duidKind(duid)}, no MAC to record (see README)` };
  return lease(ip, mac, how, iface, type === 'DHCPREPLY' ? more[0] : undefined);
}

function lease(ip: string, mac: string, how: LeaseHow, iface: string, hostname: string | undefined): Built {
  return {
    build(msg, ctx) {
      const r: LeaseRecord = { kind: 'lease', ...base(msg, ctx, msg.header!.stamp!), ip, mac, how };
      if (hostname) r.hostname = hostname;
      if (iface) r.via = iface;
      return r;
    },
  };
}

/**
 * SLAAC-CONFIRM: dnsmasq pinged the EUI-64 address it built from a DHCPv4 client's MAC and got an answer,
 * so the MAC is read back from the interface id: a sighting of that address at that MAC.
 */
function slaac(iface: string, rest: string): Result {
  const text = rest.slice(0, tokenEnd(rest, 0));
  const ip = normIp(text);
  if (!ip || !ip.includes(':')) return { unparsed: 'SLAAC-CONFIRM without an IPv6 address' };
  const v = ipToBigInt(ip);
  const b = (i: number) => Number((v >> BigInt((15 - i) * 8)) & 0xffn);
  if (b(11) !== 0xff || b(12) !== 0xfe) return { skip: 'SLAAC-CONFIRM: not an EUI-64 address, no MAC' };
  const mac = [b(8) ^ 0x02, b(9), b(10), b(13), b(14), b(15)].map((x) => x.toString(16).padStart(2, '0')).join(':');
  return {
    build(msg, ctx) {
      const r: SightingRecord = { kind: 'sighting', ...base(msg, ctx, msg.header!.stamp!), ip, mac, how: 'slaac-confirm' };
      if (iface) r.iface = iface;
      return r;
    },
  };
}

/** "query[TYPE] name from client" (cache.c log_query). */
function query(rest: string, srcAddr: string | undefined, srcPort: number | undefined): Result {
  const close = rest.indexOf('] ', 6);
  if (close < 0) return { unparsed: 'malformed query line' };
  const from = rest.lastIndexOf(' from ');
  if (from <= close) return { unparsed: "query line without ' from <client>' (truncated?)" };
  const qname = rest.slice(close + 2, from);
  const clientText = rest.slice(from + 6);
  const client = normIp(clientText);
  if (!client) return { unparsed: 'query client is not an IP address' };
  if (qname === '') return { unparsed: 'query without a name' };
  let qtype = rest.slice(6, close);
  if (qtype.startsWith('type=')) qtype = `TYPE${qtype.slice(5)}`; // RFC 3597 spelling for unnamed types
  return {
    build(msg, ctx) {
      const r: DnsQueryRecord = { kind: 'dnsquery', ...base(msg, ctx, msg.header!.stamp!), client, qname, qtype };
      if (srcPort !== undefined && srcAddr === client) r.clientPort = srcPort;
      return r;
    },
  };
}

function parseDuid(text: string): number[] | null {
  const parts = text.split(':');
  if (parts.length < 3 || parts.length > 130) return null;
  const out: number[] = [];
  for (const h of parts) {
    if (h.length !== 2) return null;
    const v = parseInt(h, 16);
    if (Number.isNaN(v) || !/^[0-9a-fA-F]{2}$/.test(h)) return null;
    out.push(v);
  }
  return out;
}

/**
 * Only DUID-LL (type 3) over Ethernet names the client's MAC outright. DUID-LLT (type 1) also embeds a
 * link-layer address, but from whichever interface existed when the DUID was made, and cloned system
 * images share it: recording it as the MAC could point an analyst at the wrong machine.
 */
function macFromDuid(d: number[]): string | null {
  const type = (d[0]! << 8) | d[1]!;
  const hw = (d[2]! << 8) | d[3]!;
  if (type === 3 && hw === 1 && d.length === 10) return d.slice(4).map((x) => x.toString(16).padStart(2, '0')).join(':');
  return null;
}

function duidKind(d: number[]): string {
  const type = (d[0]! << 8) | d[1]!;
  const names: Record<number, string> = { 1: 'DUID-LLT', 2: 'DUID-EN', 3: 'DUID-LL', 4: 'DUID-UUID' };
  return names[type] ?? 'an unknown DUID type';
}

function digitsEnd(s: string, p: number): number {
  let i = p;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  return i;
}

function tokenEnd(s: string, p: number): number {
  const e = s.indexOf(' ', p);
  return e < 0 ? s.length : e;
}

// isc-dhcpd: DHCPv4 and DHCPv6 bindings from ISC dhcpd's syslog lines (ISC DHCP 3.x–4.4, also the dhcpd of
// pfSense, OPNsense and Infoblox NIOS). Line shapes follow the log_info() format strings of server/dhcp.c,
// bootp.c and dhcpv6.c of ISC DHCP 4.4.3; see README.md for what each one becomes.
import type { LeaseHow, LeaseRecord } from '../../records/record.ts';
import { parseSyslog } from '../../syslog/header.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { looksBinary } from '../common.ts';
import { ethernetMac, leaseRecord, leaseSeconds, macFromDuid, noMacReason, parseDuid, normIpCached, type LeaseFields } from '../dhcp-common/index.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const iscDhcpd: Parser = {
  name: 'isc-dhcpd',
  description: 'ISC dhcpd leases (DHCPACK, DHCPRELEASE, DHCPDECLINE, DHCPv6 Reply NA, …) from its syslog lines',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default iscDhcpd;

/** Lines that are part of an exchange but bind nothing themselves. Reasons are fixed texts. */
const NO_BINDING: Record<string, string> = {
  DHCPDISCOVER: 'DHCPDISCOVER: a client looking for an address, nothing bound yet',
  DHCPOFFER: 'DHCPOFFER: an offer, not a binding (the DHCPACK is)',
  DHCPREQUEST: 'DHCPREQUEST: a request, not a binding (the DHCPACK is)',
  DHCPNAK: 'DHCPNAK: the server refused the address',
  DHCPINFORM: "DHCPINFORM: the client's MAC is on the 'DHCPACK to' line that follows",
  DHCPLEASEQUERY: 'DHCPLEASEQUERY: a lease query from a relay or access concentrator',
  BOOTREQUEST: 'BOOTREQUEST: a BOOTP request, not a binding (the BOOTREPLY is)',
};
const NO_FREE_LEASES = 'DHCPDISCOVER: no free leases (pool exhausted; worth counting as a warning)';
const PEER_HOLDS_ALL = 'DHCPDISCOVER: failover peer holds all free leases (pool exhausted here; worth counting as a warning)';

/** Start-up, status and housekeeping lines: understood, no binding. */
const STATUS_PREFIXES = [
  'Internet Systems Consortium DHCP Server', 'Copyright ', 'All rights reserved.', 'For info, please visit',
  'Config file:', 'Database file:', 'PID file:', 'Wrote ', 'Listening on ', 'Sending on ', 'Server starting service.',
  'Bound to ', 'Received signal ', 'Source compiled to use binary-leases', 'reuse_lease:', 'Reusing lease for:',
  'reusing infinite lease for:', 'Picking pool address', 'Picking pool prefix', 'Abandoning IP address ', 'Reclaiming ',
  'ICMP Echo ', 'uid lease ', 'Dynamic and static leases present', 'Lease conflict at', 'failover peer ', 'peer ',
  'balancing pool', 'balanced pool', 'pool ', 'Failover CONNECT', 'Sent update ', 'Added new forward map', 'Added reverse map',
  'Removed forward map', 'Removed reverse map', 'Unable to add forward map', 'Unable to add reverse map',
  'Forward map from', 'Reverse map from', 'DDNS: ', 'Infinite-leasetime reservation', 'execute_statement',
  'No subnet declaration for', 'No subnet6 declaration for', 'No subnet found for link-address',
  'Server-ID changed', 'Server identifier ', 'If this DHCP server is authoritative', "please write an `authoritative;'",
  'subnet declaration or in some scope', 'subnet declaration - for example', 'of the dhcpd.conf file.',
  'Discarding ', 'Error processing ', 'Sending ', 'Unable to pick client address', 'Client: ',
];

/** DHCPv6 client messages ("Solicit message from fe80::… port 546, transaction ID 0x…"). */
const V6_MESSAGES = new Set([
  'Solicit', 'Request', 'Confirm', 'Renew', 'Rebind', 'Release', 'Decline', 'Information-request', 'Relay-forward',
  'Relay-reply', 'Leasequery', 'Reconfigure', 'Advertise', 'Reply',
]);

type Built = { fields: LeaseFields };
type Result = ParseResult | Built;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let body = msg.body;
  let stamp = msg.header?.stamp;
  let app = msg.header?.app;
  let logHost: string | undefined;
  if (!msg.header && body.length > 2) {
    const c = body.charCodeAt(0);
    if (c === 64) {
      // daemontools multilog: "@4000000046387cf7233fac8c DHCPACK on …" (TAI64N label)
      const t = tai64n(body);
      if (t) {
        try {
          stamp = ctx.clock.epoch(t.epoch, body.slice(0, 25));
        } catch {
          return { unparsed: 'TAI64N label out of range' };
        }
        body = body.slice(26);
      }
    } else if (c === 45 && body.charCodeAt(1) === 32) {
      // loghub's dataset prefix: "- <epoch> <yyyy.mm.dd> <node> <the original syslog line>"
      const inner = loghub(body);
      if (inner) {
        const m = parseSyslog(inner.line, ctx.clock);
        if (!m.header) return { unparsed: 'loghub line without a syslog line inside' };
        stamp = ctx.clock.epoch(inner.epoch, inner.epoch);
        app = m.header.app;
        logHost = m.header.hostname;
        body = m.body;
      }
    }
  }
  body = body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const r = classify(body);
  if (!('fields' in r)) {
    // Under another program's syslog tag, a line this parser would only skip is not dhcpd's ("Sending …").
    if (app && !app.toLowerCase().includes('dhcp')) return { unparsed: "not a dhcpd message (another program's syslog tag)" };
    return r;
  }
  if (!stamp) return { unparsed: 'no time stamp' };
  return { records: [build(msg, ctx, stamp, r.fields, logHost)] };
}

function build(msg: Message, ctx: ParseContext, t: ResolvedTime, f: LeaseFields, logHost: string | undefined): LeaseRecord {
  return leaseRecord(msg, ctx, t, f, logHost);
}

function classify(body: string): Result {
  const sp = body.indexOf(' ');
  const word = sp < 0 ? body : body.slice(0, sp);
  const rest = sp < 0 ? '' : body.slice(sp + 1);
  switch (word) {
    case 'DHCPACK':
      if (rest.startsWith('on ')) return onTo(rest, 3, 'DHCPACK');
      if (rest.startsWith('to ')) return informAck(rest);
      break;
    case 'BOOTREPLY':
      if (rest.startsWith('on ')) return onTo(rest, 3, 'BOOTREPLY');
      if (rest.startsWith('for ')) return bootReplyFor(rest);
      break;
    case 'DHCPRELEASE':
      if (rest.startsWith('of ')) return release(rest);
      if (rest.startsWith('from ')) return { skip: 'DHCPRELEASE without the address (ignored by dhcpd)' };
      break;
    case 'DHCPDECLINE':
      if (rest.startsWith('of ')) return decline(rest);
      break;
    case 'DHCPDISCOVER':
      if (rest.endsWith(': no free leases')) return { skip: NO_FREE_LEASES };
      if (rest.endsWith(': peer holds all free leases')) return { skip: PEER_HOLDS_ALL };
      return { skip: NO_BINDING[word]! };
    case 'DHCPOFFER':
    case 'DHCPREQUEST':
    case 'DHCPNAK':
    case 'DHCPINFORM':
    case 'DHCPLEASEQUERY':
    case 'BOOTREQUEST':
      return { skip: NO_BINDING[word]! };
    case 'Client':
      if (rest.includes(' releases address ')) return v6Release(rest);
      if (rest.includes(' releases prefix ')) return { skip: 'DHCPv6 prefix release: a delegated prefix, not an address' };
      break;
  }
  if (V6_MESSAGES.has(word)) {
    if (rest.startsWith('NA: ') || rest.startsWith('TA: ')) return v6Binding(word, rest);
    if (rest.startsWith('PD: ')) return { skip: `${word === 'Reply' ? 'Reply' : 'Advertise'} PD: a delegated prefix, not an address` };
    if (rest.startsWith('message from ')) return { skip: 'DHCPv6 client message, not a binding (the Reply NA line is)' };
  }
  for (const p of STATUS_PREFIXES) if (body.startsWith(p)) return { skip: `status line '${p.trim()}'` };
  return { unparsed: 'unknown dhcpd message' };
}

/** Parts of "IP to|from HW [(host) ]via X[ tail]" after the keyword; null when the shape does not hold. */
interface Client {
  ip: string;
  hw: string;
  host?: string;
  via: string;
  tail: string;
}

function client(s: string, p: number, sep: string): Client | null {
  const ipEnd = s.indexOf(' ', p);
  if (ipEnd < 0) return null;
  const ip = normIpCached(s.slice(p, ipEnd));
  if (!ip || !s.startsWith(sep, ipEnd)) return null;
  p = ipEnd + sep.length;
  const hwEnd = s.indexOf(' ', p);
  if (hwEnd < 0) return null;
  const hw = s.slice(p, hwEnd);
  p = hwEnd + 1;
  let host: string | undefined;
  if (s.charCodeAt(p) === 40) {
    const close = s.indexOf(') via ', p);
    if (close < 0) return null;
    host = s.slice(p + 1, close);
    p = close + 2;
  }
  if (!s.startsWith('via ', p)) return null;
  p += 4;
  let viaEnd = s.indexOf(' ', p);
  if (viaEnd < 0) viaEnd = s.length;
  let via = s.slice(p, viaEnd);
  if (via.endsWith(':')) via = via.slice(0, -1);
  const c: Client = { ip, hw, via, tail: s.slice(viaEnd) };
  if (host) c.host = host;
  return c;
}

/** An Ethernet MAC, or the skip / unparsed outcome explaining why there is none. */
function macOf(hw: string, what: string): string | ParseResult {
  const mac = ethernetMac(hw);
  if (mac) return mac;
  if (hw === '<null>' || hw === '<no' || /^[0-9a-f]{1,2}(?::[0-9a-f]{1,2})*$/i.test(hw)) {
    return { skip: `${what}: client has no Ethernet MAC (client-id or other hardware type)` };
  }
  return { unparsed: `${what}: malformed client hardware address` };
}

/** "DHCPACK on IP to HW [(host) ]via X" (ack_lease); Infoblox appends "relay … lease-duration N (RENEW) uid …". */
function onTo(rest: string, p: number, what: string): Result {
  const c = client(rest, p, ' to ');
  if (!c) return { unparsed: `${what} line of an unknown shape` };
  const mac = macOf(c.hw, what);
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip: c.ip, mac, how: 'ack', via: c.via };
  if (c.host) f.hostname = c.host;
  if (c.tail) {
    const ld = c.tail.indexOf(' lease-duration ');
    if (ld >= 0) {
      const e = c.tail.indexOf(' ', ld + 16);
      const secs = leaseSeconds(c.tail.slice(ld + 16, e < 0 ? undefined : e));
      if (secs !== null) f.seconds = secs;
    }
    if (c.tail.includes(' (RENEW)')) f.how = 'renew';
  }
  return { fields: f };
}

/** "DHCPACK to IP (HW) via X": the answer to a DHCPINFORM from a client that configured IP itself. */
function informAck(rest: string): Result {
  const ipEnd = rest.indexOf(' ', 3);
  const ip = normIpCached(rest.slice(3, ipEnd < 0 ? undefined : ipEnd));
  if (!ip) return { unparsed: 'DHCPACK to: no address' };
  if (ipEnd < 0) return { skip: 'DHCPACK to (old dhcpd): answer to a DHCPINFORM without the client MAC' };
  if (rest.charCodeAt(ipEnd + 1) !== 40) return { unparsed: 'DHCPACK to: line of an unknown shape' };
  const close = rest.indexOf(') via ', ipEnd);
  if (close < 0) return { unparsed: 'DHCPACK to: line of an unknown shape' };
  const hw = rest.slice(ipEnd + 2, close);
  if (hw === '<no client hardware address>') return { skip: 'DHCPACK to: answer to a DHCPINFORM without the client MAC' };
  const mac = macOf(hw, 'DHCPACK to');
  if (typeof mac !== 'string') return mac;
  const via = rest.slice(close + 6).trim();
  const f: LeaseFields = { ip, mac, how: 'inform' };
  if (via) f.via = via;
  return { fields: f };
}

/** "BOOTREPLY for IP to HOST (HW) via X" (bootp.c, a BOOTP client with a host declaration). */
function bootReplyFor(rest: string): Result {
  const ipEnd = rest.indexOf(' to ', 4);
  if (ipEnd < 0) return { unparsed: 'BOOTREPLY line of an unknown shape' };
  const ip = normIpCached(rest.slice(4, ipEnd));
  const open = rest.indexOf(' (', ipEnd + 4);
  const close = open < 0 ? -1 : rest.indexOf(') via ', open);
  if (!ip || close < 0) return { unparsed: 'BOOTREPLY line of an unknown shape' };
  const mac = macOf(rest.slice(open + 2, close), 'BOOTREPLY');
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip, mac, how: 'ack', via: rest.slice(close + 6).trim() };
  const host = rest.slice(ipEnd + 4, open);
  if (host) f.hostname = host;
  return { fields: f };
}

/** "DHCPRELEASE of IP from HW [(host) ]via X (found|not found)". */
function release(rest: string): Result {
  const c = client(rest, 3, ' from ');
  if (!c) return { unparsed: 'DHCPRELEASE line of an unknown shape' };
  if (c.tail.startsWith(' (not found)')) return { skip: 'DHCPRELEASE for a lease the server did not hold' };
  const mac = macOf(c.hw, 'DHCPRELEASE');
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip: c.ip, mac, how: 'release', via: c.via };
  if (c.host) f.hostname = c.host;
  return { fields: f };
}

/** "DHCPDECLINE of IP from HW [(host) ]via X: abandoned|not found|ignored". */
function decline(rest: string): Result {
  const c = client(rest, 3, ' from ');
  if (!c) return { unparsed: 'DHCPDECLINE line of an unknown shape' };
  const status = c.tail.trim();
  if (status !== 'abandoned' && status !== '') return { skip: 'DHCPDECLINE for an address the server did not abandon (not found or ignored)' };
  const mac = macOf(c.hw, 'DHCPDECLINE');
  if (typeof mac !== 'string') return mac;
  return { fields: { ip: c.ip, mac, how: 'decline', via: c.via } };
}

/**
 * DHCPv6 (dhcpd -6): "Reply NA: address IP to client with duid DUID iaid = N valid for S seconds"
 * (or "… iaid = N static"). Only a Reply binds; the MAC comes from a DUID-LL only.
 */
function v6Binding(word: string, rest: string): Result {
  const kind = rest.slice(0, 2);
  if (word !== 'Reply') return { skip: `${word} ${kind}: an offer, not a binding (the Reply is)` };
  if (!rest.startsWith('address ', 4)) return { unparsed: 'Reply NA line of an unknown shape' };
  const ipEnd = rest.indexOf(' to client with duid ', 12);
  if (ipEnd < 0) return { unparsed: 'Reply NA line of an unknown shape' };
  const ip = normIpCached(rest.slice(12, ipEnd));
  const dStart = ipEnd + 21;
  const dEnd = rest.indexOf(' iaid = ', dStart);
  if (!ip || dEnd < 0) return { unparsed: 'Reply NA line of an unknown shape' };
  const duid = parseDuid(rest.slice(dStart, dEnd));
  if (!duid) return { unparsed: 'Reply NA: client id is not a DUID' };
  const mac = macFromDuid(duid);
  if (!mac) return { skip: noMacReason(`Reply ${kind}`, duid) };
  const f: LeaseFields = { ip, mac, how: 'ack' };
  const valid = rest.indexOf(' valid for ', dEnd);
  if (valid >= 0) {
    const e = rest.indexOf(' ', valid + 11);
    const secs = leaseSeconds(rest.slice(valid + 11, e < 0 ? undefined : e));
    if (secs !== null) f.seconds = secs;
  }
  return { fields: f };
}

/** "Client DUID releases address IP" (dhcpv6.c). */
function v6Release(rest: string): Result {
  const at = rest.indexOf(' releases address ');
  const duid = parseDuid(rest.slice(0, at));
  if (rest.endsWith(', which is not leased to it.')) return { skip: 'DHCPv6 release of an address not leased to that client' };
  const ipText = rest.slice(at + 18);
  const ip = normIpCached(ipText);
  if (!duid || !ip) return { unparsed: 'DHCPv6 release line of an unknown shape' };
  const mac = macFromDuid(duid);
  if (!mac) return { skip: noMacReason('DHCPv6 release', duid) };
  return { fields: { ip, mac, how: 'release' as LeaseHow } };
}

/** "@" + 24 hex digits (TAI64N) → epoch seconds text "s.nnnnnnnnn". TAI64 label = 2^62 + 10 + Unix time (libtai). */
function tai64n(s: string): { epoch: string } | null {
  if (s.length < 26 || s.charCodeAt(25) !== 32) return null;
  const hex = s.slice(1, 25);
  if (!/^[0-9a-f]{24}$/i.test(hex)) return null;
  if (parseInt(hex.slice(0, 8), 16) !== 0x40000000) return null;
  const secs = parseInt(hex.slice(8, 16), 16) - 10;
  const nanos = parseInt(hex.slice(16, 24), 16);
  if (secs < 0 || nanos > 999_999_999) return null;
  return { epoch: `${secs}.${String(nanos).padStart(9, '0')}` };
}

/** loghub's line prefix "- 1131566501 2005.11.09 aadmin1 " → the epoch and the original line after it. */
function loghub(s: string): { epoch: string; line: string } | null {
  let p = 2;
  const e1 = s.indexOf(' ', p);
  if (e1 < 0 || e1 - p < 9 || e1 - p > 11 || !/^\d+$/.test(s.slice(p, e1))) return null;
  const epoch = s.slice(p, e1);
  p = e1 + 1;
  if (!/^\d{4}\.\d\d\.\d\d $/.test(s.slice(p, p + 11))) return null;
  p += 11;
  const e3 = s.indexOf(' ', p);
  if (e3 < 0) return null;
  return { epoch, line: s.slice(e3 + 1) };
}

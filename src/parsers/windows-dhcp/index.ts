// windows-dhcp: Windows Server DHCP audit logs (DhcpSrvLog-<Day>.log for IPv4, DhcpV6SrvLog-<Day>.log for
// IPv6): a preamble (title, event-ID legend, QResult note), a CSV header line, then one CSV row per event.
// Event IDs are those of the log's own legend (Microsoft's documentation); see README.md.
import type { LeaseHow } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { looksBinary } from '../common.ts';
import { ethernetMac, leaseRecord, macFromDuid, noMacReason, parseDuid, normIpCached, type LeaseFields } from '../dhcp-common/index.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const windowsDhcp: Parser = {
  name: 'windows-dhcp',
  description: 'Windows Server DHCP audit logs (DhcpSrvLog-*.log, DhcpV6SrvLog-*.log): assign, renew, release, expire',
  framing: 'line',
  syslogHeader: 'none',
  parse,
};
export default windowsDhcp;

/** IPv4 event IDs that bind (or end the binding of) an address to a MAC. */
const V4_LEASE: Record<string, LeaseHow> = {
  '10': 'ack', // A new IP address was leased to a client.
  '11': 'renew', // A lease was renewed by a client.
  '12': 'release', // A lease was released by a client.
  '16': 'release', // A lease was deleted (by an administrator or a scope change): the binding ends.
  '17': 'expire', // A lease was expired and DNS records for an expired leases have not been deleted.
  '18': 'expire', // A lease was expired and DNS records were deleted.
  '20': 'ack', // A BOOTP address was leased to a client.
  '21': 'ack', // A dynamic BOOTP address was leased to a client.
};

/** IPv4 event IDs without a binding, with the fixed reason they are skipped. */
const V4_SKIP: Record<string, string> = {
  '00': 'event 00: the log was started',
  '01': 'event 01: the log was stopped',
  '02': 'event 02: the log was paused (low disk space)',
  '13': 'event 13: address found in use on the network (conflict), not leased',
  '14': 'event 14: scope pool exhausted (worth counting as a warning)',
  '15': 'event 15: lease denied (NACK)',
  '22': 'event 22: BOOTP pool exhausted (worth counting as a warning)',
  '23': 'event 23: BOOTP address deleted after a check',
  '24': 'event 24: database cleanup started',
  '25': 'event 25: database cleanup statistics',
  '30': 'event 30: DNS update request',
  '31': 'event 31: DNS update failed',
  '32': 'event 32: DNS update successful',
  '33': 'event 33: packet dropped by NAP policy',
  '34': 'event 34: DNS update request failed (queue limit)',
  '35': 'event 35: DNS update request failed',
  '36': 'event 36: packet dropped (failover standby or client-id hash)',
};

/** DhcpV6SrvLog event IDs that bind (or end) an address. The rows carry the client's DUID, not a MAC. */
const V6_LEASE: Record<string, LeaseHow> = {
  '11002': 'ack', // DHCPV6 Request
  '11004': 'renew', // DHCPV6 Renew
  '11005': 'renew', // DHCPV6 Rebind
  '11006': 'decline', // DHCPV6 Decline
  '11007': 'release', // DHCPV6 Release
  '11016': 'release', // DHCPV6 client deleted
  '11018': 'expire', // DHCPV6 lease expired
  '11019': 'expire', // DHCPV6 lease expired and deleted
};

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body.trimEnd();
  if (line.trim() === '') return { unparsed: 'empty line' };
  if (looksBinary(line)) return { unparsed: 'binary data, not a log line' };
  const c0 = line.charCodeAt(0);
  if (c0 === 9 || c0 === 32) {
    const t = line.trim();
    if (t === 'Microsoft DHCP Service Activity Log' || t === 'Microsoft DHCPv6 Service Activity Log') return { skip: 'preamble: log title' };
    return { unparsed: 'not a DHCP audit log line' };
  }
  if (line.startsWith('ID,Date,Time,Description,')) return { skip: 'CSV header line' };
  if (line.startsWith('Event ID')) return { skip: 'preamble: event ID legend heading' };
  if (line.startsWith('QResult:')) return { skip: 'preamble: QResult legend' };
  const comma = line.indexOf(',');
  const tab = line.indexOf('\t');
  if (tab > 0 && (comma < 0 || tab < comma) && /^\d{2,5}\+?$/.test(line.slice(0, tab))) return { skip: 'preamble: event ID legend line' };
  if (comma < 2 || comma > 5 || !digits(line, 0, comma)) return { unparsed: 'not a DHCP audit log line' };
  const id = line.slice(0, comma);
  // The first nine columns are all a row needs (the rest: user, transaction id, quarantine, DHCID, classes …).
  const cols = fields(line, 9);
  if (cols.length < 7) return { unparsed: 'audit row with fewer than 7 columns' };
  if (id.length >= 4) return v6Row(msg, ctx, id, cols);
  return v4Row(msg, ctx, id, cols);
}

function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return to > from;
}

/** The first n comma-separated fields (fewer when the line has fewer). */
function fields(s: string, n: number): string[] {
  const out: string[] = [];
  let p = 0;
  while (out.length < n) {
    const e = s.indexOf(',', p);
    if (e < 0) {
      out.push(s.slice(p));
      break;
    }
    out.push(s.slice(p, e));
    p = e + 1;
  }
  return out;
}

function v4Row(msg: Message, ctx: ParseContext, id: string, c: string[]): ParseResult {
  const how = V4_LEASE[id];
  if (!how) {
    const skip = V4_SKIP[id];
    if (skip) return { skip };
    const n = Number(id);
    if (n >= 50 && n <= 99) return { skip: 'events 50+: rogue server detection / authorization' };
    return { unparsed: 'unknown event ID' };
  }
  const ip = normIpCached(c[4]!);
  if (!ip) return { unparsed: `event ${id}: no IP address` };
  const macText = c[6]!;
  const hostname = c[5]!;
  if (macText === '') return { skip: `event ${id}: no MAC address in the row` };
  const mac = ethernetMac(macText);
  if (!mac) return /^[0-9A-Fa-f]{1,64}$/.test(macText) ? { skip: `event ${id}: client has no Ethernet MAC` } : { unparsed: `event ${id}: malformed MAC address` };
  if (mac === '00:00:00:00:00:00') return { skip: `event ${id}: all-zero MAC (a placeholder, not a client)` };
  return row(msg, ctx, c, hostname ? { ip, mac, how, hostname } : { ip, mac, how });
}

function v6Row(msg: Message, ctx: ParseContext, id: string, c: string[]): ParseResult {
  // ID,Date,Time,Description,IPv6 Address,Host Name,Error Code,Duid Length,Duid Bytes(Hex),User Name,Dhcid,Subnet Prefix
  const how = V6_LEASE[id];
  const n = Number(id);
  if (!how) {
    if (n >= 11000 && n <= 11099) return { skip: `DHCPv6 event ${id}: no binding (solicit/advertise/confirm/info/log/DNS/cleanup)` };
    if (n >= 1100 && n <= 1199) return { skip: 'DHCPv6 events 1100+: rogue server detection / authorization' };
    return { unparsed: 'unknown event ID' };
  }
  const ip = normIpCached(c[4]!);
  if (!ip) return { unparsed: `DHCPv6 event ${id}: no IP address` };
  const err = c[6]!;
  if (err !== '' && err !== '0') return { skip: `DHCPv6 event ${id}: the server reported an error code` };
  const duidText = c[8] ?? '';
  const duid = duidText === '' ? null : parseDuid(duidText);
  if (!duid) return duidText === '' ? { skip: `DHCPv6 event ${id}: no DUID in the row` } : { unparsed: `DHCPv6 event ${id}: malformed DUID` };
  const mac = macFromDuid(duid);
  if (!mac) return { skip: noMacReason(`DHCPv6 event ${id}`, duid) };
  const hostname = c[5]!;
  return row(msg, ctx, c, hostname ? { ip, mac, how, hostname } : { ip, mac, how });
}

/** The row's Date (MM/DD/YY) and Time (HH:MM:SS): the server's local time, read through the clock. */
function row(msg: Message, ctx: ParseContext, c: string[], f: LeaseFields): ParseResult {
  const date = c[1]!, time = c[2]!;
  const month = two(date, 0), day = two(date, 3), yy = two(date, 6);
  const hour = two(time, 0), minute = two(time, 3), second = two(time, 6);
  if (date.length !== 8 || time.length !== 8 || date.charCodeAt(2) !== 47 || date.charCodeAt(5) !== 47 || time.charCodeAt(2) !== 58 || time.charCodeAt(5) !== 58 ||
    (month | day | yy | hour | minute | second) < 0) {
    return { unparsed: 'date or time not in MM/DD/YY HH:MM:SS form' };
  }
  let t: ResolvedTime;
  try {
    // Two-digit years: the log exists since Windows 2000, so 00–99 are 2000–2099.
    t = ctx.clock.local({ year: 2000 + yy, month, day, hour, minute, second }, `${date},${time}`);
  } catch {
    return { unparsed: 'date or time is not a valid time' };
  }
  return { records: [leaseRecord(msg, ctx, t, f)] };
}

function two(s: string, p: number): number {
  const a = s.charCodeAt(p) - 48, b = s.charCodeAt(p + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

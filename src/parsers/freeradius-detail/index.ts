// freeradius-detail: RADIUS accounting from FreeRADIUS `detail` files (also GNU Radius / Livingston detail).
// One message is one block: a local date line, then indented "Attribute = value" lines, then a blank line.
import { normIp, normMac } from '../../records/addr.ts';
import type { LeaseRecord, SessionEvent, SessionRecord, WhowasRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const freeradiusDetail: Parser = {
  name: 'freeradius-detail',
  description: 'RADIUS accounting (Start / Interim-Update / Stop) from FreeRADIUS detail files',
  framing: 'block',
  syslogHeader: 'none',
  parse,
};
export default freeradiusDetail;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** ctime(3) as the detail module writes it ("%t"): "Tue Sep 13 16:24:27 2011", day space-padded. */
const HEADER_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;
/** FreeRADIUS prints date attributes as "Nov 29 2026 15:17:25 CET"; only a UTC/GMT one is unambiguous. */
const UTC_DATE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:UTC|GMT)$/;
const ATTR_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const EPOCH = /^\d{1,11}$/;

const STATUS: Record<string, SessionEvent | string> = {
  Start: 'start', '1': 'start',
  Stop: 'stop', '2': 'stop',
  'Interim-Update': 'interim', Alive: 'interim', '3': 'interim',
  // Not sessions: NAS reboot markers, failures and tunnel bookkeeping.
  'Accounting-On': 'NAS Accounting-On (the NAS started: its open sessions ended)', '7': 'NAS Accounting-On',
  'Accounting-Off': 'NAS Accounting-Off (the NAS is shutting down)', '8': 'NAS Accounting-Off',
  Failed: 'Acct-Status-Type Failed', '15': 'Acct-Status-Type Failed',
};

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const text = msg.body;
  if (looksBinary(text)) return { unparsed: 'binary data, not a detail record' };
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').trim();
  const hm = header.length <= 40 ? HEADER_DATE.exec(header) : null;
  if (!hm) return { unparsed: 'first line is not a detail header date' };

  const attrs = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const t = line.trimStart();
    const eq = t.indexOf(' = ');
    const name = eq > 0 ? t.slice(0, eq) : '';
    if (t.length === line.length || !ATTR_NAME.test(name)) {
      return { unparsed: `line ${i + 1} is not an indented 'Attribute = value'` };
    }
    if (!attrs.has(name)) attrs.set(name, value(t.slice(eq + 3)));
  }

  const packetType = attrs.get('Packet-Type');
  const status = attrs.get('Acct-Status-Type');
  if (packetType && packetType !== 'Accounting-Request') return { skip: `${packetType} (authentication detail), not accounting` };
  if (!status) {
    if (attrs.has('User-Password') || attrs.has('CHAP-Password') || attrs.has('EAP-Message')) {
      return { skip: 'authentication request (carries a password), not accounting' };
    }
    return { unparsed: 'block has no Acct-Status-Type' };
  }
  const ev = STATUS[status];
  if (ev === undefined) {
    if (status.startsWith('Tunnel-')) return { skip: `Acct-Status-Type ${status}: tunnel bookkeeping, no session` };
    return { unparsed: 'unknown Acct-Status-Type' };
  }
  if (ev !== 'start' && ev !== 'stop' && ev !== 'interim') return { skip: ev };
  const event = ev as SessionEvent;

  let time: ResolvedTime;
  try {
    time = resolveTime(attrs, header, hm, ctx);
  } catch {
    return { unparsed: 'time stamp is not a valid time' };
  }

  const user = attrs.get('User-Name') || undefined;
  const mac = callingMac(attrs.get('Calling-Station-Id'));
  const ip4 = ipOf(attrs.get('Framed-IP-Address'));
  const ip6 = ipOf(attrs.get('Framed-IPv6-Address'));
  const nas = ipOf(attrs.get('NAS-IP-Address')) ?? ipOf(attrs.get('NAS-IPv6-Address')) ?? (attrs.get('NAS-Identifier') || undefined);
  const sessionId = attrs.get('Acct-Session-Id') || attrs.get('Acct-Unique-Session-Id') || undefined;
  const dur = attrs.get('Acct-Session-Time');

  const records: WhowasRecord[] = [];
  if (user) {
    const r: SessionRecord = { kind: 'session', ...base(msg, ctx, time), user, event, how: 'radius' };
    if (mac) r.mac = mac;
    if (ip4 ?? ip6) r.ip = (ip4 ?? ip6)!;
    // Windows machine authentication names the computer, not a person: say so.
    if (user.toLowerCase().startsWith('host/') && user.length > 5) r.host = user.slice(5);
    if (sessionId) r.sessionId = sessionId;
    if (nas) r.nas = nas;
    if (dur !== undefined && EPOCH.test(dur)) r.durationS = Number(dur);
    records.push(r);
  }
  // The NAS handed this address to this MAC: the same binding a DHCP lease records.
  if (mac) {
    for (const ip of [ip4, ip6]) {
      if (!ip) continue;
      const l: LeaseRecord = { kind: 'lease', ...base(msg, ctx, time), ip, mac, how: 'radius' };
      if (event === 'stop') l.end = time.ts; // the binding ended with the session
      if (nas) l.via = nas;
      records.push(l);
    }
  }
  if (records.length === 0) return { skip: `accounting ${status} names no user and no MAC with an address` };
  return { records };
}

/** Timestamp (server receive time, epoch) first; then a numeric or UTC Event-Timestamp; else the header date. */
function resolveTime(attrs: Map<string, string>, header: string, hm: RegExpExecArray, ctx: ParseContext): ResolvedTime {
  const ts = attrs.get('Timestamp');
  if (ts && EPOCH.test(ts)) return ctx.clock.epoch(ts);
  const ev = attrs.get('Event-Timestamp');
  if (ev && EPOCH.test(ev)) return ctx.clock.epoch(ev);
  const um = ev ? UTC_DATE.exec(ev) : null;
  if (ev && um) {
    return ctx.clock.withOffset({ year: +um[3]!, month: month(um[1]!), day: +um[2]!, hour: +um[4]!, minute: +um[5]!, second: +um[6]! }, 0, ev);
  }
  return ctx.clock.local({ year: +hm[6]!, month: month(hm[1]!), day: +hm[2]!, hour: +hm[3]!, minute: +hm[4]!, second: +hm[5]! }, header);
}

function month(name: string): number {
  const m = MONTHS.indexOf(name) + 1;
  if (m === 0) throw new Error(`unknown month '${name}'`);
  return m;
}

/** Attribute value: quoted strings unescaped (\\ \" \n \r \t \ooo), v4 enum values ("::Start") stripped. */
function value(v: string): string {
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) {
    const inner = v.slice(1, -1);
    return inner.includes('\\') ? unescape(inner) : inner;
  }
  return v.startsWith('::') ? v.slice(2) : v;
}

function unescape(s: string): string {
  const bytes: number[] = [];
  const push = (str: string) => bytes.push(...Buffer.from(str, 'utf8'));
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) { push(c); continue; }
    const d = s[++i]!;
    if (d === 'n') bytes.push(10);
    else if (d === 'r') bytes.push(13);
    else if (d === 't') bytes.push(9);
    else if (/^[0-7]{3}$/.test(s.slice(i, i + 3))) { bytes.push(parseInt(s.slice(i, i + 3), 8) & 0xff); i += 2; }
    else push(d);
  }
  return Buffer.from(bytes).toString('utf8');
}

function ipOf(v: string | undefined): string | undefined {
  return v ? normIp(v) ?? undefined : undefined;
}

/**
 * Calling-Station-Id holds a MAC on Wi-Fi and wired 802.1X ("AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", …), but a
 * phone number on dial-up/mobile and a public IP on VPNs. A separator makes it a MAC; 12 bare characters only
 * count when one is a hex letter, since a 12-digit phone number is also valid hex.
 */
function callingMac(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = v.trim();
  if (t.length === 12 && !/[a-fA-F]/.test(t)) return undefined;
  return normMac(t) ?? undefined;
}

// accel-ppp: PPPoE / IPoE / PPTP / L2TP / SSTP sessions from accel-pppd's log. Two writers (accel-ppp
// logs/log_file.c and logs/log_syslog.c):
//   file:   "[2026-07-10 20:44:36]:  info: ppp1: MESSAGE"        (local time; level padded to 5)
//   syslog: "<header> accel-pppd: ppp1:user1: MESSAGE"           (interface:user: prefix for session messages)
// The one-line RADIUS accounting ("send [RADIUS(1) Accounting-Request … <Acct-Status-Type Start> …]", logged
// with [radius] verbose=1) names user, client MAC and assigned address together; "USER: authentication
// succeeded" and "disconnected" name the user only.
import { normIp, normMac } from '../../records/addr.ts';
import type { LeaseRecord, SessionEvent, SessionRecord, WhowasRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const accelPpp: Parser = {
  name: 'accel-ppp',
  description: 'accel-ppp BRAS log: RADIUS accounting Start/Stop lines (user, MAC, assigned IP), authentication and disconnects',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default accelPpp;

const MAX_LINE = 16384;
const LEVELS = new Set(['msg', 'error', 'warn', 'info', 'debug']);
const STATUS: Record<string, SessionEvent> = { Start: 'start', Stop: 'stop', 'Interim-Update': 'interim', Alive: 'interim' };

interface Line {
  time?: ResolvedTime;
  /** Interface of the session ("ppp1", "eth1.100"), when the line belongs to one. */
  ifname?: string;
  /** User from the syslog prefix "ifname:user:" (file-form lines do not carry it). */
  prefixUser?: string;
  text: string;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let body = msg.body;
  if (body.length > MAX_LINE) return { unparsed: 'line too long for an accel-ppp log line' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  if (body.charCodeAt(0) === 27) body = stripColor(body); // log_file "color=1"
  let line: Line | ParseResult;
  if (body.charCodeAt(0) === 91 /* [ */) line = fileForm(body, ctx);
  else if (msg.header?.app?.startsWith('accel')) line = syslogForm(body, msg);
  else return { unparsed: 'not an accel-ppp log line' };
  if (!('text' in line)) return line;
  return message(line, msg, ctx);
}

/** "[YYYY-MM-DD HH:MM:SS]: LEVEL: rest" (log_file) or "[YYYY-MM-DD HH:MM:SS.mmm] rest" (log-debug). */
function fileForm(s: string, ctx: ParseContext): Line | ParseResult {
  const close = s.indexOf(']');
  if (close !== 20 && close !== 24) return { unparsed: 'not an accel-ppp log line' };
  const stamp = s.slice(1, close);
  const f = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?$/.exec(stamp);
  if (!f) return { unparsed: 'not an accel-ppp time stamp' };
  let rest: string;
  if (s.startsWith(']: ', close)) {
    const lv = s.indexOf(': ', close + 3);
    if (lv < 0 || lv - close > 10 || !LEVELS.has(s.slice(close + 3, lv).trim())) return { unparsed: 'not an accel-ppp log line' };
    rest = s.slice(lv + 2);
  } else if (s.startsWith('] ', close)) rest = s.slice(close + 2);
  else return { unparsed: 'not an accel-ppp log line' };
  let time: ResolvedTime;
  try {
    time = ctx.clock.local({ year: +f[1]!, month: +f[2]!, day: +f[3]!, hour: +f[4]!, minute: +f[5]!, second: +f[6]!, micros: f[7] ? +f[7] * 1000 : 0 }, stamp);
  } catch {
    return { unparsed: 'time stamp is not a valid time' };
  }
  // "ppp1: message" belongs to a session; global lines ("failed to load vlan_mon module") have no prefix.
  const c = rest.indexOf(': ');
  const head = c > 0 ? rest.slice(0, c) : '';
  if (c > 0 && c <= 32 && !head.includes(' ') && !head.includes('[')) return { time, ifname: head, text: rest.slice(c + 2) };
  return { time, text: rest };
}

/** syslog: "ifname:user: message" for session messages (user may be empty), plain text otherwise. */
function syslogForm(s: string, msg: Message): Line | ParseResult {
  const time = msg.header?.stamp;
  const c1 = s.indexOf(':');
  if (c1 > 0 && c1 <= 32 && s.charCodeAt(c1 + 1) !== 32) {
    const c2 = s.indexOf(': ', c1 + 1);
    const ifname = s.slice(0, c1);
    if (c2 > c1 && c2 - c1 <= 256 && !ifname.includes(' ')) {
      const user = s.slice(c1 + 1, c2);
      if (!user.includes(':')) return { time, ifname, prefixUser: user || undefined, text: s.slice(c2 + 2) };
    }
  }
  return { time, text: s };
}

function message(l: Line, msg: Message, ctx: ParseContext): ParseResult {
  const t = l.text;
  if (t.startsWith('send [RADIUS(') || t.startsWith('recv [RADIUS(')) return radius(l, msg, ctx);
  const ok = t.endsWith(': authentication succeeded');
  if (ok || t === 'disconnected' || t === 'ipoe: session started') {
    const user = ok ? t.slice(0, -26) : l.prefixUser;
    if (!user) return { skip: 'session line without a user name (file log form: see the RADIUS accounting lines)' };
    if (!ok && (user === l.ifname || normMac(user))) return { skip: 'IPoE session named after its interface or MAC (no user)' };
    if (!l.time) return { unparsed: 'no time stamp' };
    const event: SessionEvent = ok ? 'auth' : t === 'disconnected' ? 'stop' : 'start';
    const r: SessionRecord = { kind: 'session', ...base(msg, ctx, l.time), user, event, how: 'accel-ppp' };
    if (l.ifname) r.nas = l.ifname;
    return { records: [r] };
  }
  if (t.startsWith('connect: ')) return { skip: 'connect: the client before authentication, no user yet' };
  if (t.endsWith(': authentication failed') || t.includes('authentication failed') || t.endsWith('second session denied')) {
    return { skip: 'failed authentication (not a binding)' };
  }
  return { skip: 'accel-ppp protocol or status message' };
}

/** "send [RADIUS(1) Accounting-Request id=1 <User-Name "user1"> <Acct-Status-Type Start> …]" (radius/packet.c rad_packet_print). */
function radius(l: Line, msg: Message, ctx: ParseContext): ParseResult {
  const t = l.text;
  const sp = t.indexOf(') ', 12);
  if (sp < 0) return { unparsed: 'malformed RADIUS packet line' };
  const end = t.indexOf(' ', sp + 2);
  const code = t.slice(sp + 2, end < 0 ? t.length - 1 : end);
  if (code !== 'Accounting-Request') {
    if (code === 'Access-Request' || code === 'Access-Accept' || code === 'Access-Reject' || code === 'Access-Challenge') {
      return { skip: 'RADIUS authentication packet (the Accounting Start is the binding)' };
    }
    return { skip: 'RADIUS packet that is not an accounting request' };
  }
  const attrs = attributes(t);
  if (!attrs) return { unparsed: 'malformed RADIUS attribute list' };
  const status = attrs.get('Acct-Status-Type');
  if (!status) return { unparsed: 'Accounting-Request without Acct-Status-Type' };
  const event = STATUS[status];
  if (!event) return { skip: 'accounting of the NAS itself (Accounting-On/Off), no session' };
  if (!l.time) return { unparsed: 'no time stamp' };
  const time = l.time;
  const user = attrs.get('User-Name');
  const calling = attrs.get('Calling-Station-Id');
  const mac = calling ? normMac(calling) ?? undefined : undefined;
  const ip = ipOf(attrs.get('Framed-IP-Address'));
  const nas = attrs.get('NAS-Identifier') || ipOf(attrs.get('NAS-IP-Address'));
  const sessionId = attrs.get('Acct-Session-Id');
  const dur = attrs.get('Acct-Session-Time');
  const records: WhowasRecord[] = [];
  if (user) {
    const r: SessionRecord = { kind: 'session', ...base(msg, ctx, time), user, event, how: 'radius' };
    if (mac) r.mac = mac;
    if (ip) r.ip = ip;
    if (sessionId) r.sessionId = sessionId;
    if (nas) r.nas = nas;
    if (event === 'stop' && dur !== undefined && /^\d{1,10}$/.test(dur)) r.durationS = Number(dur);
    records.push(r);
  }
  // The BRAS gave this address to this client MAC: the binding a DHCP lease records (as freeradius-detail does).
  if (mac && ip) {
    const lease: LeaseRecord = { kind: 'lease', ...base(msg, ctx, time), ip, mac, how: 'radius' };
    if (event === 'stop') lease.end = time.ts;
    if (nas) lease.via = nas;
    records.push(lease);
  }
  if (records.length === 0) return { skip: 'accounting request without user and without MAC and address' };
  return { records };
}

/** The "<Name value>" attributes of a packet line; quoted values unquoted. null when the list is damaged. */
function attributes(t: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = t.indexOf('<');
  while (i >= 0) {
    const sp = t.indexOf(' ', i);
    const close = t.indexOf('>', i);
    if (close < 0) return null;
    if (sp > 0 && sp < close) {
      const name = t.slice(i + 1, sp);
      let v = t.slice(sp + 1, close);
      if (v.length >= 2 && v.startsWith('"')) {
        // A quoted value may itself contain '>': take it up to the closing quote.
        const q = t.indexOf('"', sp + 2);
        if (q < 0) return null;
        v = t.slice(sp + 2, q);
        const c2 = t.indexOf('>', q);
        if (c2 < 0) return null;
        if (!out.has(name)) out.set(name, v);
        i = t.indexOf('<', c2);
        continue;
      }
      if (!out.has(name)) out.set(name, v);
    }
    i = t.indexOf('<', close);
  }
  return out;
}

function ipOf(v: string | undefined): string | undefined {
  return v ? normIp(v) ?? undefined : undefined;
}

/** Drops ANSI colour sequences (ESC [ … m) that log_file writes with color=1. */
function stripColor(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const e = s.indexOf('\u001b[', i);
    if (e < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, e);
    const m = s.indexOf('m', e);
    if (m < 0 || m - e > 8) return s;
    i = m + 1;
  }
  return out;
}

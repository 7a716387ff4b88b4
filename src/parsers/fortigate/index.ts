// fortigate: NAT translations from FortiGate (FortiOS) traffic logs, key=value syslog
//   date=… time=… eventtime=… tz="+0100" type="traffic" srcip= srcport= dstip= dstport= proto= action=
//   sessionid= trandisp="snat" transip= transport= [tranip= tranport=] duration= rcvdpkt= …
// A session log is written when the session ends and says how long it lasted: it gives the translation's start
// and end (README.md). Forward scanner over key=value tokens, no regex.
import type { Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { ip, natRecord, notOurs, num, numOf, port, protoNumber } from '../families/nat-common.ts';
import { CodeUnits, LITTLE_ENDIAN } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const fortigate: Parser = {
  name: 'fortigate',
  description: 'FortiGate traffic logs (key=value): source NAT (transip/transport) and port forwards (tranip/tranport)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default fortigate;

const F_DATE = 0, F_TIME = 1, F_TZ = 2, F_EVENTTIME = 3, F_TYPE = 4, F_ACTION = 5, F_SRCIP = 6, F_SRCPORT = 7, F_DSTIP = 8,
  F_DSTPORT = 9, F_PROTO = 10, F_TRANSIP = 11, F_TRANSPORT = 12, F_TRANIP = 13, F_TRANPORT = 14, F_TRANDISP = 15,
  F_SESSIONID = 16, F_DURATION = 17, F_RCVDPKT = 18, NF = 19;
export const VA = new Int32Array(NF), VB = new Int32Array(NF);

// The field names, by id.
const NAMES = ['date', 'time', 'tz', 'eventtime', 'type', 'action', 'srcip', 'srcport', 'dstip', 'dstport', 'proto', 'transip',
  'transport', 'tranip', 'tranport', 'trandisp', 'sessionid', 'duration', 'rcvdpkt'];
// Candidates by key length and first letter: CAND1 the first, CAND2 a second one or -1 (time/type, tranport/trandisp).
const CAND1 = new Int8Array(32 * 128).fill(-1), CAND2 = new Int8Array(32 * 128).fill(-1);
NAMES.forEach((name, id) => {
  const k = name.length * 128 + name.charCodeAt(0);
  if (CAND1[k] === -1) CAND1[k] = id;
  else CAND2[k] = id;
});

/** Id of the key s[a, a+len), or -1: length and first letter pick the candidates, one startsWith confirms it. */
function fieldId(s: string, a: number, len: number): number {
  if (len === 0 || len >= 32) return -1;
  const c = s.charCodeAt(a);
  if (c >= 128) return -1;
  const k = len * 128 + c;
  const id = CAND1[k]!;
  if (id < 0) return -1;
  if (s.startsWith(NAMES[id]!, a)) return id;
  const id2 = CAND2[k]!;
  return id2 >= 0 && s.startsWith(NAMES[id2]!, a) ? id2 : -1;
}

// The names as code units (id * 16 …) for fieldIdAt, which reads the line's code units.
const NAME_UNITS = new Uint16Array(NF * 16);
NAMES.forEach((name, id) => {
  for (let i = 0; i < name.length; i++) NAME_UNITS[id * 16 + i] = name.charCodeAt(i);
});

/** fieldId over the code units u[a, a+len): the same candidates, compared unit by unit. */
function fieldIdAt(u: Uint16Array, a: number, len: number): number {
  if (len === 0 || len >= 32) return -1;
  const c = u[a]!;
  if (c >= 128) return -1;
  const k = len * 128 + c;
  const id = CAND1[k]!;
  if (id < 0) return -1;
  if (same(u, a, len, id)) return id;
  const id2 = CAND2[k]!;
  return id2 >= 0 && same(u, a, len, id2) ? id2 : -1;
}
/** u[a, a+len) is name `id` (of that length). */
function same(u: Uint16Array, a: number, len: number, id: number): boolean {
  for (let i = 1, o = id * 16; i < len; i++) if (u[a + i] !== NAME_UNITS[o + i]) return false;
  return true;
}

/** Set by token(): the text at the position it was given was a bare word (no '='), not a token. */
let bare = false;

/**
 * Reads the token at p (spaces before it skipped): a wanted key's value positions go to VA/VB (the first
 * occurrence wins). Returns where the next token starts, or -1 when the line ends before a '='.
 */
function token(s: string, p: number, n: number): number {
  bare = false;
  while (p < n && s.charCodeAt(p) === 32) p++;
  const ka = p;
  let c = 0;
  while (p < n && (c = s.charCodeAt(p)) !== 61 && c !== 32) p++;
  if (p >= n) return -1;
  if (c === 32) {
    bare = true; // a bare word (a syslog relay's text): not ours
    return p;
  }
  const id = fieldId(s, ka, p - ka);
  p++;
  let va: number, vb: number;
  if (s.charCodeAt(p) === 34) {
    va = p + 1;
    vb = s.indexOf('"', va);
    while (vb > 0 && s.charCodeAt(vb - 1) === 92) vb = s.indexOf('"', vb + 1); // \" inside a value
    if (vb < 0) vb = n;
    p = vb + 1;
  } else {
    va = p;
    p = s.indexOf(' ', p);
    if (p < 0) p = n;
    vb = p;
  }
  if (id >= 0 && VA[id]! < 0) {
    VA[id] = va;
    VB[id] = vb;
  }
  return p;
}

/** key=value / key="value" tokens separated by spaces. Returns the number of tokens seen. The reference scan() is held to. */
export function scanSlowly(s: string): number {
  VA.fill(-1);
  const n = s.length;
  let p = 0, count = 0;
  while (p < n) {
    p = token(s, p, n);
    if (p < 0) break;
    if (!bare) count++;
  }
  return count;
}

// The line as UTF-16 code units in a reused buffer: reading a typed array is several times cheaper than
// charCodeAt on the sliced string a syslog body is (profile: the character reads were most of the cost).
const UNITS = new CodeUnits();

/**
 * scanSlowly over the line's code units: the same tokens, field positions and count (a test holds it to that).
 * A quoted value ends at the first '"' not preceded by a backslash, or at the end of the line.
 */
export function scan(s: string): number {
  VA.fill(-1);
  const n = s.length;
  if (!LITTLE_ENDIAN) return scanSlowly(s);
  const u = UNITS.of(s, 2);
  u[n] = 32; // a space after the end stops the key and bare-value loops; p < n is tested after them
  let p = 0, count = 0;
  let c = u[0]!;
  for (;;) {
    while (c === 32 && p < n) c = u[++p]!;
    if (p >= n) break;
    const ka = p;
    while (c !== 61 && c !== 32) c = u[++p]!;
    if (p >= n) break; // no '=' before the end
    if (c === 32) continue; // a bare word
    const id = fieldIdAt(u, ka, p - ka);
    let va: number, vb: number;
    c = u[++p]!;
    if (c === 34 && p < n) {
      va = p + 1;
      c = u[++p]!;
      while (p < n && (c !== 34 || u[p - 1] === 92)) c = u[++p]!;
      vb = p; // the closing quote, or n
      c = u[++p]!; // past n: p >= n ends the loop above before c is used
    } else {
      va = p;
      while (c !== 32) c = u[++p]!;
      vb = p;
    }
    count++;
    if (id >= 0 && VA[id]! < 0) {
      VA[id] = va;
      VB[id] = vb;
    }
  }
  return count;
}

const has = (k: number) => VA[k]! >= 0;
const str = (s: string, k: number) => (VA[k]! >= 0 ? s.slice(VA[k]!, VB[k]!) : undefined);
const portOf = (s: string, k: number) => (VA[k]! >= 0 ? port(s, VA[k]!, VB[k]!) : -1);

const START = new Set(['start']);
const END = new Set(['accept', 'close', 'timeout', 'server-rst', 'client-rst']);

/** Tests only: parse with scanSlowly (the reference reader) instead of scan, to compare whole results. */
let reference = false;
export function useReferenceScan(on: boolean): void {
  reference = on;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const s = msg.body;
  if ((reference ? scanSlowly(s) : scan(s)) < 3 || !has(F_TYPE)) return notOurs(s, 'not a FortiGate key=value log line');
  if (str(s, F_TYPE) !== 'traffic') return { skip: 'FortiGate log that is not a traffic log' };

  const srcIp = ip(str(s, F_SRCIP) ?? ''), dstIp = ip(str(s, F_DSTIP) ?? '');
  if (!srcIp || !dstIp) return { unparsed: 'traffic log without valid srcip/dstip' };
  const protoNum = has(F_PROTO) ? num(s, VA[F_PROTO]!, VB[F_PROTO]!) : -1;
  if (protoNum < 0) return { unparsed: 'traffic log without proto' };
  const proto: Proto = protoNumber(protoNum);
  const sp = portOf(s, F_SRCPORT), dp = portOf(s, F_DSTPORT);

  // Which translation: trandisp names it (snat, dnat, snat+dnat, noop …); transip/transport is the translated
  // source, tranip/tranport the translated destination.
  const disp = str(s, F_TRANDISP) ?? (has(F_TRANSIP) ? 'snat' : has(F_TRANIP) ? 'dnat' : 'noop');
  let inIp: string, inPort: number, pubIp: string, pubPort: number, peerIp: string, peerPort: number;
  if (disp.includes('snat') && has(F_TRANSIP)) {
    const t = ip(str(s, F_TRANSIP)!), tp = portOf(s, F_TRANSPORT);
    if (!t || tp < 0 || sp < 0) return { unparsed: 'source NAT without valid transip/transport/srcport' };
    const td = disp.includes('dnat') && has(F_TRANIP) ? ip(str(s, F_TRANIP)!) : null;
    const tdp = td ? portOf(s, F_TRANPORT) : -1;
    inIp = srcIp; inPort = sp; pubIp = t; pubPort = tp;
    peerIp = td && tdp >= 0 ? td : dstIp; peerPort = td && tdp >= 0 ? tdp : dp;
  } else if (disp.includes('dnat') && has(F_TRANIP)) {
    const t = ip(str(s, F_TRANIP)!), tp = portOf(s, F_TRANPORT);
    if (!t || tp < 0 || dp < 0) return { unparsed: 'destination NAT without valid tranip/tranport/dstport' };
    inIp = t; inPort = tp; pubIp = dstIp; pubPort = dp; peerIp = srcIp; peerPort = sp;
  } else return { skip: 'no translation (trandisp noop or no translated address)' };

  const action = str(s, F_ACTION) ?? '';
  const isEnd = END.has(action), isStart = START.has(action), isDeny = action === 'deny';
  if (!isEnd && !isStart && !isDeny) return { skip: 'traffic log that is neither a session start, a session end nor a deny' };

  const t = logTime(s, msg, ctx);
  if (typeof t === 'string') return { unparsed: t };
  const dur = has(F_DURATION) ? num(s, VA[F_DURATION]!, VB[F_DURATION]!) : -1;
  // The session began `duration` seconds before a session-end (or deny) log: whole seconds, so ±1 s.
  const began = dur > 0 ? shifted(t, -dur * 1_000_000) : t;
  const sid = has(F_SESSIONID) ? num(s, VA[F_SESSIONID]!, VB[F_SESSIONID]!) : -1;
  const pp = peerPort >= 0 ? peerPort : undefined;
  const event = isStart ? 'new' : isDeny ? 'deny' : 'destroy';
  const r = natRecord(msg, ctx, isDeny ? began : t, event, proto, inIp, inPort, pubIp, pubPort, peerIp, pp);
  if (sid >= 0) r.flowId = sid;
  if (isDeny) r.failed = true;
  if (isStart || isDeny) return { records: [r] };
  if (has(F_RCVDPKT) && VB[F_RCVDPKT]! - VA[F_RCVDPKT]! === 1 && s.charCodeAt(VA[F_RCVDPKT]!) === 48) r.failed = true; // rcvdpkt=0: nothing came back
  if (dur < 0) return { records: [r] };
  const n = natRecord(msg, ctx, began, 'new', proto, inIp, inPort, pubIp, pubPort, peerIp, pp);
  if (sid >= 0) n.flowId = sid;
  return { records: [n, r] };
}

function shifted(t: ResolvedTime, us: number): ResolvedTime {
  const r: ResolvedTime = { ts: t.ts + us, rawStamp: t.rawStamp };
  if (t.flags) r.flags = { ...t.flags };
  if (t.tsAlt !== undefined) r.tsAlt = t.tsAlt + us;
  return r;
}

/**
 * eventtime (epoch in s, ms, µs or ns; FortiOS 6.2+) is exact and zone-free; else date= time= with tz= (FortiOS 6.2+
 * writes "+0100"), else date= time= in the configured zone; else the syslog header's stamp.
 */
function logTime(s: string, msg: Message, ctx: ParseContext): ResolvedTime | string {
  const et = str(s, F_EVENTTIME);
  if (et !== undefined) {
    const d = et.length;
    if ((d !== 10 && d !== 13 && d !== 16 && d !== 19) || num(et, 0, 10) < 0 || (d > 10 && num(et, 10, d) < 0)) return 'eventtime is not epoch time';
    return ctx.clock.epoch(d === 10 ? et : `${et.slice(0, 10)}.${et.slice(10)}`, et);
  }
  const date = str(s, F_DATE), time = str(s, F_TIME);
  if (date !== undefined && time !== undefined) {
    const y = numOf(date.slice(0, 4)), mo = numOf(date.slice(5, 7)), dd = numOf(date.slice(8, 10));
    const h = numOf(time.slice(0, 2)), mi = numOf(time.slice(3, 5)), se = numOf(time.slice(6, 8));
    if (date.length !== 10 || time.length !== 8 || y < 0 || mo < 0 || dd < 0 || h < 0 || mi < 0 || se < 0) return 'date/time not in the form yyyy-mm-dd hh:mm:ss';
    const fields = { year: y, month: mo, day: dd, hour: h, minute: mi, second: se };
    // rawStamp: "date=… time=…" as written when they are adjacent, else the time value.
    const a = VA[F_DATE]! - 5, b = VB[F_TIME]!;
    const raw = b > a && b - a <= 40 ? s.slice(a, b) : time;
    const tz = str(s, F_TZ);
    try {
      if (tz !== undefined) {
        const sign = tz.charCodeAt(0) === 45 ? -1 : tz.charCodeAt(0) === 43 ? 1 : 0;
        const oh = numOf(tz.slice(1, 3)), om = numOf(tz.slice(3, 5));
        if (sign === 0 || tz.length !== 5 || oh < 0 || om < 0) return 'tz is not ±hhmm';
        return ctx.clock.withOffset(fields, sign * (oh * 60 + om), raw);
      }
      return ctx.clock.local(fields, raw);
    } catch {
      return 'invalid date/time';
    }
  }
  if (msg.header?.stamp) return msg.header.stamp;
  return 'no time stamp';
}


// ulogd2: NAT translations from ulogd2's JSON output plugin fed by its NFCT (conntrack) input plugin,
// stack `ct1:NFCT,ip2str1:IP2STR,json1:JSON`. One flat JSON object per line. A hand-written scanner reads
// only the keys it needs (no JSON.parse, no regex); see README.md for the mapping and its reasons.
import type { NatEvent, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { ip, natRecord, notOurs, num, parseIso, port, protoNumber } from '../families/nat-common.ts';
import { CodeUnits, LITTLE_ENDIAN } from '../common.ts';
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
export const VA = new Int32Array(NKEYS), VB = new Int32Array(NKEYS), KA = new Int32Array(NKEYS);

// The keys we read and their ids (src_ip/dest_ip and @timestamp are the other spellings ulogd versions use).
const KEYS: [string, number][] = [
  ['ct.event', K_EVENT], ['ct.id', K_ID], ['orig.ip.protocol', K_PROTO], ['orig.l4.sport', K_OSPORT], ['orig.l4.dport', K_ODPORT],
  ['reply.l4.sport', K_RSPORT], ['reply.l4.dport', K_RDPORT], ['orig.ip.saddr.str', K_OSADDR], ['src_ip', K_OSADDR],
  ['orig.ip.daddr.str', K_ODADDR], ['dest_ip', K_ODADDR], ['reply.ip.saddr.str', K_RSADDR], ['reply.ip.daddr.str', K_RDADDR],
  ['flow.start.sec', K_START], ['flow.start.usec', K_START_US], ['flow.end.sec', K_END], ['flow.end.usec', K_END_US],
  ['timestamp', K_STAMP], ['@timestamp', K_STAMP], ['orig.raw.pktcount', K_OPKTS], ['reply.raw.pktcount', K_RPKTS], ['dvc', K_DVC],
];
/** A hash of the key s[a, a+len) that is different for every name in KEYS (length and two characters from the end). */
function keyHash(s: string, a: number, len: number): number {
  return (len * 3 + (len >= 9 ? s.charCodeAt(a + len - 9) * 5 : 0) + (len >= 5 ? s.charCodeAt(a + len - 5) : 0)) & 63;
}
const HASH_NAME: (string | undefined)[] = new Array<string | undefined>(64);
const HASH_ID = new Int8Array(64).fill(-1);
for (const [name, id] of KEYS) {
  const h = keyHash(name, 0, name.length);
  if (HASH_NAME[h] !== undefined) throw new Error(`ulogd2: key hash collision ${name} / ${HASH_NAME[h]}`);
  HASH_NAME[h] = name;
  HASH_ID[h] = id;
}

// The same table as code units (name at h * 32, length HASH_LEN[h]) for keyIdAt, which reads the line's code units.
const HASH_UNITS = new Uint16Array(64 * 32), HASH_LEN = new Int8Array(64).fill(-1);
HASH_NAME.forEach((name, h) => {
  if (name === undefined) return;
  if (name.length > 32) throw new Error(`ulogd2: key ${name} longer than 32`);
  HASH_LEN[h] = name.length;
  for (let i = 0; i < name.length; i++) HASH_UNITS[h * 32 + i] = name.charCodeAt(i);
});

/** keyId over the code units u[a, a+len): the same hash, the same answer. */
function keyIdAt(u: Uint16Array, a: number, len: number): number {
  const h = (len * 3 + (len >= 9 ? u[a + len - 9]! * 5 : 0) + (len >= 5 ? u[a + len - 5]! : 0)) & 63;
  if (HASH_LEN[h] !== len) return -1;
  for (let i = 0, o = h * 32; i < len; i++) if (u[a + i] !== HASH_UNITS[o + i]) return -1;
  return HASH_ID[h]!;
}

/** Id of the key s[a, a+len), or -1: compared in place (no string per key skipped), the hash picks the only candidate. */
function keyId(s: string, a: number, len: number): number {
  const h = keyHash(s, a, len);
  const name = HASH_NAME[h];
  return name !== undefined && name.length === len && s.startsWith(name, a) ? HASH_ID[h]! : -1;
}

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

// The line as UTF-16 code units in a reused buffer: reading a typed array is several times cheaper than
// charCodeAt on the sliced string a syslog body is, and than an indexOf call per key (profile: most of the cost).
const UNITS = new CodeUnits();

/**
 * scanSlowly over the line's code units, each read once: the same answer and field positions (a test holds it
 * to that). A '"' is written after the end: the quote searches need no bound, every other test checks p < n.
 */
export function scan(s: string, p: number): boolean {
  if (!LITTLE_ENDIAN) return scanSlowly(s, p);
  VA.fill(-1);
  const n = s.length;
  const u = UNITS.of(s, 1);
  u[n] = 34;
  let c = u[++p]!; // p <= n from here on: every loop stops at the '"' at n
  for (;;) {
    while (c === 32 || c === 9 || c === 10 || c === 13) c = u[++p]!;
    if (p >= n) return false;
    if (c === 125) return true; // }
    if (c !== 34) return false; // "
    const ka = p + 1;
    const ke = quoteAt(u, ka, n);
    if (ke < 0) return false;
    const id = keyIdAt(u, ka, ke - ka);
    p = ke + 1;
    c = u[p]!;
    while (c === 32 || c === 9 || c === 10 || c === 13) c = u[++p]!;
    if (c !== 58 || p >= n) return false; // :
    c = u[++p]!;
    while (c === 32 || c === 9 || c === 10 || c === 13) c = u[++p]!;
    if (p >= n) return false; // an empty value at the end
    let va: number, vb: number;
    if (c === 34) {
      va = p + 1;
      vb = quoteAt(u, va, n);
      if (vb < 0) return false;
      p = vb + 1;
      c = u[p]!;
    } else {
      va = p;
      // Up to , } or whitespace (or the end); nested objects/arrays are not ulogd's flat output.
      for (;;) {
        if (c >= 48 && c <= 57) {
          c = u[++p]!; // digits, most values: one test each
          continue;
        }
        if (p >= n || c === 44 || c === 125 || c === 32 || c === 9 || c === 10 || c === 13) break;
        if (c === 123 || c === 91) return false;
        c = u[++p]!;
      }
      vb = p;
      if (vb === va) return false;
    }
    if (id >= 0) {
      VA[id] = va;
      VB[id] = vb;
      KA[id] = ka - 1;
    }
    while (c === 32 || c === 9 || c === 10 || c === 13) c = u[++p]!;
    if (p >= n) return false;
    if (c === 44) c = u[++p]!;
    else return c === 125;
  }
}

/** closingQuote over u (u[n] is '"'): index of the '"' closing a JSON string that starts at a, or -1. */
function quoteAt(u: Uint16Array, a: number, n: number): number {
  let q = a;
  for (;;) {
    while (u[q] !== 34) q++;
    if (q >= n) return -1;
    if (u[q - 1] !== 92) return q;
    let k = q - 1, bs = 0;
    while (k >= a && u[k] === 92) { bs++; k--; }
    if (bs % 2 === 0) return q; // an escaped backslash before the quote: the quote closes the string
    q++;
  }
}

/** Scan one flat JSON object starting at s[p] === '{'. Returns false when it is not one. (The reference scan() is held to.) */
export function scanSlowly(s: string, p: number): boolean {
  VA.fill(-1);
  const n = s.length;
  p++;
  for (;;) {
    while (p < n && isWs(s.charCodeAt(p))) p++;
    let c = s.charCodeAt(p);
    if (c === 125) return true; // }
    if (c !== 34) return false; // "
    const ka = p + 1;
    const ke = closingQuote(s, ka);
    if (ke < 0) return false;
    const id = keyId(s, ka, ke - ka);
    p = ke + 1;
    while (p < n && isWs(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) !== 58) return false; // :
    p++;
    while (p < n && isWs(s.charCodeAt(p))) p++;
    let va: number, vb: number;
    if (s.charCodeAt(p) === 34) {
      va = p + 1;
      vb = closingQuote(s, va);
      if (vb < 0) return false;
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

/** Index of the '"' closing a JSON string that starts at a, or -1 (escapes skipped; ulogd rarely writes any). */
function closingQuote(s: string, a: number): number {
  let q = s.indexOf('"', a);
  while (q > 0 && s.charCodeAt(q - 1) === 92) {
    let k = q - 1, bs = 0;
    while (k >= a && s.charCodeAt(k) === 92) { bs++; k--; }
    if (bs % 2 === 0) break; // an escaped backslash before the quote: the quote closes the string
    q = s.indexOf('"', q + 1);
  }
  return q;
}

const has = (k: number) => VA[k]! >= 0;
const val = (s: string, k: number) => (VA[k]! >= 0 ? num(s, VA[k]!, VB[k]!) : -1);
const str = (s: string, k: number) => s.slice(VA[k]!, VB[k]!);

/** Tests only: parse with scanSlowly (the reference reader) instead of scan, to compare whole results. */
let reference = false;
export function useReferenceScan(on: boolean): void {
  reference = on;
}

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
  if (!(reference ? scanSlowly(s, p) : scan(s, p))) return notOurs(s, 'not a flat JSON object (truncated or not ulogd2 JSON output)');

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

  const id = val(s, K_ID);
  if (event === 'destroy') {
    const d = natRecord(msg, ctx, end ?? (stamp as ResolvedTime), 'destroy', proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort);
    if (id >= 0) d.flowId = id;
    // Never answered: packets went out, none came back (needs net.netfilter.nf_conntrack_acct=1).
    if (val(s, K_OPKTS) > 0 && val(s, K_RPKTS) === 0) d.failed = true;
    if (!start) return { records: [d] };
    // With the hash table (ulogd's default) only DESTROY lines are written, carrying the flow's start:
    // the start becomes a `new` record so the translation is known over its whole life (README).
    const n = natRecord(msg, ctx, start, 'new', proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort);
    if (id >= 0) n.flowId = id;
    return { records: [n, d] };
  }
  const r = natRecord(msg, ctx, need ?? (stamp as ResolvedTime), event, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort);
  if (id >= 0) r.flowId = id;
  return { records: [r] };
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

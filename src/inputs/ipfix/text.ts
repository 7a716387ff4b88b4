// Format `ipfix`: the text renderings the IPFIX / NetFlow v9 collector stores as evidence, read back into the
// same records (`whowas ingest --format ipfix` re-ingests them; a live source of format `ipfix` is how the
// server configuration names an IPFIX exporter). One line per data record, e.g.
//   ipfix exporter=192.0.2.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10.1.2.3:51234
//   xsrc=203.0.113.5:40123 dst=198.51.100.7:443 xdst=198.51.100.7:443 observationTimeMilliseconds=… time=…
// (one line). The mapping is ./nat.ts, shared with the decoder, so a line yields what the packet yielded.
import { normIp } from '../../records/addr.ts';
import { canonIp } from '../../parsers/common.ts';
import type { WhowasRecord } from '../../records/record.ts';
import type { ParseContext, ParseResult, Parser } from '../../parsers/parser.ts';
import type { Message } from '../../syslog/types.ts';
import { parseIsoMicros } from './format.ts';
import { ieByName, TY } from './ie.ts';
import { A_DST, A_SRC, A_XDST, A_XSRC, Fields, mapRecord, PROFILES, SKIP, type MapContext, type MapResult, type Profile } from './nat.ts';

/** Splits `k=v k="json string" …` into pairs; null when the line is not made of such tokens. */
export function tokens(s: string, from: number): [string, string][] | null {
  const out: [string, string][] = [];
  let i = from;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return null;
    const key = s.slice(i, eq);
    if (key.length === 0 || key.includes(' ')) return null;
    let j = eq + 1;
    let val: string;
    if (s.charCodeAt(j) === 34) {
      const k = closingQuote(s, j + 1, n);
      if (k >= n) return null;
      try {
        val = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        return null;
      }
      j = k + 1;
    } else {
      const sp = s.indexOf(' ', j);
      const e = sp < 0 ? n : sp;
      val = s.slice(j, e);
      j = e;
    }
    out.push([key, val]);
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The hot path reads a line in place: token positions instead of [key, value] pairs, numbers and endpoints
// from positions, keys told apart by length and startsWith. Same grammar and results as tokens() and the
// string helpers it replaced (the tests compare them on every testdata line).

// Token positions of the line being parsed (one line at a time): key [KA, KB), value [VA, VB) in the line,
// or VQ: the decoded value of a "json string" token.
export const KA: number[] = [], KB: number[] = [], VA: number[] = [], VB: number[] = [];
export const VQ: (string | undefined)[] = [];

/** tokens() without the pairs: fills the position arrays, returns the token count, or -1 (not k=v tokens). Exported for tests. */
export function scan(s: string, from: number): number {
  let t = 0;
  let i = from;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    if (eq < 0 || eq === i) return -1;
    const sp = s.indexOf(' ', i);
    if (sp >= 0 && sp < eq) return -1; // a key holding a space
    let j = eq + 1;
    KA[t] = i;
    KB[t] = eq;
    if (s.charCodeAt(j) === 34) {
      const k = closingQuote(s, j + 1, n);
      if (k >= n) return -1;
      try {
        VQ[t] = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        return -1;
      }
      j = k + 1;
    } else {
      const e = sp < 0 ? n : sp; // the first space after the key is the first after '='
      VA[t] = j;
      VB[t] = e;
      VQ[t] = undefined;
      j = e;
    }
    t++;
    i = j;
  }
  return t;
}

// Keys the parser handles itself (0: look the name up as an information element).
const K_SKIP = 1, K_OPTIONS = 2, K_PROFILE = 3, K_NATEVENT = 4, K_FWEVENT = 5, K_PROTO = 6, K_SRC = 7, K_XSRC = 8,
  K_DST = 9, K_XDST = 10, K_TIME = 11, K_START = 12, K_END = 13;

function keyId(s: string, a: number, b: number): number {
  switch (b - a) {
    case 3:
      return s.startsWith('src', a) ? K_SRC : s.startsWith('dst', a) ? K_DST : s.startsWith('end', a) ? K_END : 0;
    case 4:
      return s.startsWith('xsrc', a) ? K_XSRC : s.startsWith('xdst', a) ? K_XDST : s.startsWith('time', a) ? K_TIME : 0;
    case 5:
      return s.startsWith('proto', a) ? K_PROTO : s.startsWith('start', a) ? K_START : 0;
    case 6:
      return s.startsWith('domain', a) ? K_SKIP : 0;
    case 7:
      return s.startsWith('profile', a) ? K_PROFILE : s.startsWith('fwEvent', a) ? K_FWEVENT : 0;
    case 8:
      return s.startsWith('exporter', a) || s.startsWith('template', a) ? K_SKIP : s.startsWith('natEvent', a) ? K_NATEVENT : 0;
    case 15:
      return s.startsWith('optionsTemplate', a) ? K_OPTIONS : 0;
    default:
      return 0;
  }
}

type Ie = ReturnType<typeof ieByName>;
// ieByName answers, remembered by a cheap hash of the key text and checked in place (no key string per token).
const IE_NAMES: (string | undefined)[] = new Array<string | undefined>(256);
const IE_VALUES: Ie[] = new Array<Ie>(256);

function ieAt(s: string, a: number, b: number): Ie {
  const len = b - a;
  const h = (len * 31 + s.charCodeAt(a) * 7 + s.charCodeAt(b - 1) * 3 + s.charCodeAt(a + (len >> 1))) & 255;
  const name = IE_NAMES[h];
  if (name !== undefined && name.length === len && s.startsWith(name, a)) return IE_VALUES[h];
  const key = s.slice(a, b);
  const ie = ieByName(key);
  IE_NAMES[h] = key;
  IE_VALUES[h] = ie;
  return ie;
}

/** Canonical address text: normIp's answer (canonIp is normIp with an IPv4 fast path and an IPv6 memo). */
export function addr(v: string): string | null {
  return v.length <= 45 ? canonIp(v) : normIp(v);
}

/** /^\d{1,20}$/ → its value, else -1 (num() on v[a, b)). */
export function numAt(v: string, a: number, b: number): number {
  const len = b - a;
  if (len < 1 || len > 20) return -1;
  let x = 0;
  for (let i = a; i < b; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return len <= 15 ? x : Number(v.slice(a, b)); // beyond 15 digits: the same rounding as Number(text)
}

/** port() on v[a, b): 0-65535, else -2. */
export function portAt(v: string, a: number, b: number): number {
  if (b - a < 1 || b - a > 5) return -2;
  let x = 0;
  for (let i = a; i < b; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -2;
    x = x * 10 + d;
  }
  return x <= 65535 ? x : -2;
}

// endpointAt's answer.
let epIp: string | null = null;
let epPort = -1;

/** endpointAt's last answer (for tests). */
export const lastEndpoint = (): [string | null, number] => [epIp, epPort];

/** endpoint() on v[a, b): the address into epIp, the port into epPort. Exported for tests. */
export function endpointAt(v: string, a: number, b: number): void {
  if (v.charCodeAt(a) === 91 && b > a) {
    const close = v.indexOf(']', a);
    epPort = -1;
    if (close < 0 || close >= b) {
      epIp = null;
      return;
    }
    epIp = addr(v.slice(a + 1, close));
    if (close + 1 === b) return;
    if (v.charCodeAt(close + 1) !== 58) {
      epIp = null;
      return;
    }
    epPort = portAt(v, close + 2, b);
    return;
  }
  let c = v.indexOf(':', a);
  if (c >= b) c = -1;
  if (c < 0 || (v.indexOf(':', c + 1) >= 0 && v.indexOf(':', c + 1) < b)) { // no port, or a bare IPv6
    epIp = addr(v.slice(a, b));
    epPort = -1;
    return;
  }
  epIp = addr(v.slice(a, c));
  epPort = portAt(v, c + 1, b);
}

// The last time text read and its value: a rendering carries the same stamp in time= and its time field.
let isoText = '';
let isoValue = NaN;

function isoAt(v: string, a: number, b: number): number {
  if (b - a === isoText.length && v.startsWith(isoText, a)) return isoValue;
  isoText = v.slice(a, b);
  return (isoValue = isoMicros(v, a, b));
}

function d2(v: string, i: number): number {
  const x = v.charCodeAt(i) - 48, y = v.charCodeAt(i + 1) - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/**
 * parseIsoMicros(v[a, b)) without its slices: when every field is plain digits the numbers are read in place
 * (what +slice gives for them); anything else goes to parseIsoMicros itself.
 */
export function isoMicros(v: string, a: number, b: number): number {
  const len = b - a;
  const y1 = d2(v, a), y2 = d2(v, a + 2), mo = d2(v, a + 5), d = d2(v, a + 8), h = d2(v, a + 11), mi = d2(v, a + 14), sec = d2(v, a + 17);
  if (len < 20 || v.charCodeAt(a + 4) !== 45 || v.charCodeAt(a + 10) !== 84 || v.charCodeAt(b - 1) !== 90 ||
      (y1 | y2 | mo | d | h | mi | sec) < 0) return parseIsoMicros(v.slice(a, b));
  const ms = Date.UTC(y1 * 100 + y2, mo - 1, d, h, mi, sec);
  let frac = 0;
  if (v.charCodeAt(a + 19) === 46) {
    const fl = len - 21;
    if (fl !== 3 && fl !== 6) return NaN;
    for (let i = a + 20; i < b - 1; i++) {
      const x = v.charCodeAt(i) - 48;
      if (x < 0 || x > 9) return NaN;
      frac = frac * 10 + x;
    }
    if (fl === 3) frac *= 1000;
  } else if (len !== 20) return NaN;
  return ms * 1000 + frac;
}

const f = new Fields();
const res: MapResult = { ts: 0, end: -1, skip: undefined, row: false };

export const ipfixText: Parser = {
  name: 'ipfix',
  description: "whowas's IPFIX / NetFlow v9 collector's text renderings of NAT events, port blocks and flows",
  framing: 'line',
  syslogHeader: 'none',
  parse(msg: Message, ctx: ParseContext): ParseResult {
    const s = msg.body;
    const how = s.startsWith('ipfix ') ? 'ipfix' : s.startsWith('nfv9 ') ? 'nfv9' : '';
    if (!how) return { unparsed: 'not an IPFIX / NetFlow v9 rendering' };
    const count = scan(s, how.length + 1);
    if (count < 0) return { unparsed: 'not an IPFIX / NetFlow v9 rendering' };
    f.reset();
    let profile: Profile = 'rfc8158';
    let time = NaN;
    let options = false;
    let fw84 = -1;
    for (let t = 0; t < count; t++) {
      // The value: v[va, vb), in the line or in the decoded JSON string.
      const q = VQ[t];
      const v = q ?? s;
      const va = q === undefined ? VA[t]! : 0;
      const vb = q === undefined ? VB[t]! : q.length;
      const ka = KA[t]!, kb = KB[t]!;
      switch (keyId(s, ka, kb)) {
        case K_SKIP:
          continue;
        case K_OPTIONS:
          options = true;
          continue;
        case K_PROFILE: {
          const pv = v.slice(va, vb);
          if (!PROFILES.includes(pv as Profile)) return { unparsed: 'unknown natEvent profile' };
          profile = pv as Profile;
          continue;
        }
        case K_NATEVENT:
          f.natEvent = numAt(v, va, vb);
          continue;
        case K_FWEVENT:
          f.fwEvent = numAt(v, va, vb);
          continue;
        case K_PROTO:
          f.proto = numAt(v, va, vb);
          continue;
        case K_SRC:
          endpointAt(v, va, vb);
          f.setAddr(A_SRC, epIp, -1);
          f.sport = epPort;
          continue;
        case K_XSRC:
          endpointAt(v, va, vb);
          f.setAddr(A_XSRC, epIp, -1);
          f.xsport = epPort;
          continue;
        case K_DST:
          endpointAt(v, va, vb);
          f.setAddr(A_DST, epIp, -1);
          f.dport = epPort;
          continue;
        case K_XDST:
          endpointAt(v, va, vb);
          f.setAddr(A_XDST, epIp, -1);
          f.xdport = epPort;
          continue;
        case K_TIME:
          time = isoAt(v, va, vb);
          continue;
        case K_START:
          f.tStart = isoAt(v, va, vb);
          continue;
        case K_END:
          f.tEnd = isoAt(v, va, vb);
          continue;
      }
      const ie = ieAt(s, ka, kb);
      if (!ie) continue; // rendered for the reader; the mapping does not use it
      const n = ie.type === TY.U ? numAt(v, va, vb) : -1;
      const t2 = ie.type === TY.MS || ie.type === TY.SEC || ie.type === TY.US || ie.type === TY.NS ? isoAt(v, va, vb) : NaN;
      if (ie.ent === 0) {
        switch (ie.id) {
          case 322: case 323: case 324: case 325:
            if (!Number.isNaN(t2) && f.tObs < 0) f.tObs = t2;
            break;
          case 150: case 152: case 154: case 156:
            if (!Number.isNaN(t2) && f.tStart < 0) f.tStart = t2;
            break;
          case 151: case 153: case 155: case 157:
            if (!Number.isNaN(t2) && f.tEnd < 0) f.tEnd = t2;
            break;
          // Ports rendered under their own name (their address is absent from the template).
          case 7: if (f.sport === -1) f.sport = n; break;
          case 11: if (f.dport === -1) f.dport = n; break;
          case 227: case 40003: if (f.xsport === -1) f.xsport = n; break;
          case 228: case 40004: if (f.xdport === -1) f.xdport = n; break;
          case 361: f.prStart = n; break;
          case 362: f.prEnd = n; break;
          case 363: f.prStep = n; break;
          case 364: f.prNum = n; break;
          case 148: f.flowId = n; break;
          case 1: f.octets = n; break;
          case 231: f.iniOctets = n; break;
          case 232: f.respOctets = n; break;
          case 136: f.endReason = n; break;
          case 40005: fw84 = n; break;
        }
      } else if (ie.ent === 637 && ie.id === 93) f.natSub = v.slice(va, vb);
      else if (ie.ent === 29305 && ie.id === 1) f.revOctets = n;
    }
    if (f.fwEvent < 0 && fw84 >= 0) f.fwEvent = fw84;
    if (Number.isNaN(time)) return { unparsed: 'IPFIX rendering without time=' };
    if (options) return { skip: SKIP.options };
    if (f.sport === -2 || f.xsport === -2 || f.dport === -2 || f.xdport === -2) return { unparsed: 'bad port in an IPFIX rendering' };
    const c: MapContext = { profile, how, exportUs: time, received: ctx.received, flows: true };
    const out: WhowasRecord[] = [];
    mapRecord(f, c, out, res);
    if (out.length === 0) return { skip: res.skip ?? 'no binding' };
    const bad = out.find((r) => r.kind === 'unparsed');
    if (bad) return { unparsed: (bad as { reason: string }).reason };
    for (const r of out) r.source = ctx.source;
    return { records: out };
  },
};

/** Position of the quote that closes a JSON string whose text starts at k (n when it is never closed). */
function closingQuote(s: string, k: number, n: number): number {
  while (k < n) {
    const c = s.charCodeAt(k);
    if (c === 92) k += 2;
    else if (c === 34) return k;
    else k++;
  }
  return n;
}

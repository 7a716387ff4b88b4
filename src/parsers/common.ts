// Small helpers every parser uses, so records are built the same way everywhere.
//
// Skip and unparsed reasons are fixed texts, never line content: ingest counts them per reason, and the
// raw line (kept with every unparsed record) already carries the specifics.
import { normIp } from '../records/addr.ts';
import type { RecordBase } from '../records/record.ts';
import type { Message } from '../syslog/types.ts';
import type { ResolvedTime } from '../time/types.ts';
import type { ParseContext } from './parser.ts';

/** The base fields of a record from the message, the context and a resolved time (flags copied, never shared). */
export function base(msg: Message, ctx: ParseContext, t: ResolvedTime): Omit<RecordBase, 'kind'> {
  const b: Omit<RecordBase, 'kind'> = { ts: t.ts, received: ctx.received, source: ctx.source, raw: msg.raw, rawStamp: t.rawStamp };
  if (t.flags && Object.keys(t.flags).length) b.flags = { ...t.flags };
  if (t.tsAlt !== undefined) b.tsAlt = t.tsAlt;
  return b;
}

/** Does s look like binary junk rather than text a program logged? */
export function looksBinary(s: string): boolean {
  let bad = 0;
  const n = Math.min(s.length, 512);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 0x7f || c === 0xfffd) bad++;
  }
  return bad > 0 && bad * 20 >= n; // ≥5% control or replacement characters
}

/** Only whitespace (or nothing)? */
export function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 32) return false;
  return true;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** One or more ASCII digits and nothing else. */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

// IPv6 canonicalisation goes through BigInt; the same few addresses recur, so remember them.
const v6Memo = new Map<string, string | null>();

/**
 * Canonical address or null, for hot paths: IPv4 is checked by hand (the common case, no allocation: the
 * text itself comes back), IPv6 goes through normIp with a small memo.
 */
export function canonIp(v: string): string | null {
  const n = v.length;
  if (n === 0 || n > 45) return null; // longer than any address text: never memoised
  if (v.indexOf(':') >= 0) {
    let c = v6Memo.get(v);
    if (c === undefined) {
      if (v6Memo.size >= 4096) v6Memo.clear();
      v6Memo.set(v, (c = normIp(v)));
    }
    return c;
  }
  if (n < 7 || n > 15) return null;
  let octets = 0, val = 0, digits = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return null;
      octets++;
      val = digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return null; // leading zero: not canonical
      val = val * 10 + (c - 48);
      if (val > 255) return null;
      digits++;
    } else return null;
  }
  return octets === 3 && digits > 0 ? v : null;
}

/** normIp's answer for any text (canonIp's fast paths up to 45 characters; longer texts, e.g. long zone ids, via normIp). */
export function fastNormIp(v: string): string | null {
  return v.length <= 45 ? canonIp(v) : normIp(v);
}

/** Decimal digits in s[a, b) → number, or -1. */
export function num(s: string, a: number, b: number): number {
  if (b <= a || b - a > 15) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A port number in s[a, b), or -1. */
export function port(s: string, a: number, b: number): number {
  const v = num(s, a, b);
  return v > 65535 ? -1 : v;
}

// MAC canonicalisation, hand-written: normMac's three regexes, slices and join cost more than the rest of some
// parsers. The same answers (src/parsers/common.test.ts holds it to normMac).
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[i.toString(16).charCodeAt(0)] = i;
  HEX_VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}
const HEX_PAIR = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const macBytes = new Int32Array(6);

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? HEX_VALUE[c]! : -1; // NaN (past the end) < 128 is false: -1
}

/** Six groups of one or two hex digits, each but the last followed by ':' or '-' (normMac's first form) → macBytes. */
function macGroups(t: string, n: number): boolean {
  if (n < 11 || n > 17) return false;
  let i = 0;
  for (let g = 0; g < 6; g++) {
    const a = hexAt(t, i);
    if (a < 0) return false;
    const b = hexAt(t, i + 1);
    if (b >= 0) {
      macBytes[g] = a * 16 + b;
      i += 2;
    } else {
      macBytes[g] = a;
      i += 1;
    }
    if (g < 5) {
      const c = t.charCodeAt(i);
      if (c !== 58 && c !== 45) return false;
      i++;
    }
  }
  return i === n;
}

/** Hex digit pairs of t at the given offsets → macBytes. */
function macPairs(t: string, offsets: readonly number[]): boolean {
  for (let g = 0; g < 6; g++) {
    const a = hexAt(t, offsets[g]!), b = hexAt(t, offsets[g]! + 1);
    if (a < 0 || b < 0) return false;
    macBytes[g] = a * 16 + b;
  }
  return true;
}
const DOTTED = [0, 2, 5, 7, 10, 12], BARE = [0, 2, 4, 6, 8, 10];

/** Is t exactly "aa:bb:cc:dd:ee:ff" in lower case? */
function isCanonicalMac(t: string): boolean {
  for (let i = 0; i < 17; i++) {
    const c = t.charCodeAt(i);
    if (i % 3 === 2 ? c !== 58 : !((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * normMac, faster: canonical "aa:bb:cc:dd:ee:ff" from 1-2 hex digits per byte with ':' or '-' between,
 * Cisco dotted "aabb.ccdd.eeff" or 12 bare hex digits (any case); null when it is none of these.
 */
export function canonMac(t: string): string | null {
  const n = t.length;
  if (n === 17 && isCanonicalMac(t)) return t;
  if (!macGroups(t, n)) {
    if (n === 14 && t.charCodeAt(4) === 46 && t.charCodeAt(9) === 46) {
      if (!macPairs(t, DOTTED)) return null;
    } else if (n !== 12 || !macPairs(t, BARE)) return null;
  }
  return `${HEX_PAIR[macBytes[0]!]}:${HEX_PAIR[macBytes[1]!]}:${HEX_PAIR[macBytes[2]!]}:${HEX_PAIR[macBytes[3]!]}:${HEX_PAIR[macBytes[4]!]}:${HEX_PAIR[macBytes[5]!]}`;
}

/** Whether a Uint16Array reads UTF-16LE bytes as code units (the platform is little-endian). */
export const LITTLE_ENDIAN = new Uint16Array(Uint8Array.of(97, 0).buffer)[0] === 97;

/**
 * A string's UTF-16 code units in a reused buffer, for hand-written scanners: reading a Uint16Array costs
 * ~0.6 ns a unit where charCodeAt on the sliced string a syslog body is costs ~4 (measured on fortigate,
 * ulogd2 and juniper-srx lines). Only where LITTLE_ENDIAN (the buffer holds UTF-16LE). The buffer keeps its
 * largest size.
 */
export class CodeUnits {
  private buf = Buffer.alloc(2 * 4096);
  private units = new Uint16Array(this.buf.buffer, this.buf.byteOffset, 4096);

  /** `s` at [0, s.length), with at least `spare` writable units after it (for end markers). */
  of(s: string, spare: number): Uint16Array {
    const n = s.length;
    if (n + spare > this.units.length) {
      this.buf = Buffer.alloc(2 * (n + spare + 1024));
      this.units = new Uint16Array(this.buf.buffer, this.buf.byteOffset, n + spare + 1024);
    }
    this.buf.write(s, 0, 'utf16le');
    return this.units;
  }
}

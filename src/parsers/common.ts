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

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

const ipMemo = new Map<string, string | null>();

/**
 * normIp with a small memo, for parsers that meet the same clients over and over (resolvers, probes):
 * IPv6 canonicalisation is costly.
 */
export function canonIp(s: string): string | null {
  if (s.length > 45) return null; // longer than any address text: never memoised
  let v = ipMemo.get(s);
  if (v === undefined) {
    v = normIp(s);
    if (ipMemo.size >= 4096) ipMemo.clear();
    ipMemo.set(s, v);
  }
  return v;
}

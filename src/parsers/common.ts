// Small helpers every parser uses, so records are built the same way everywhere.
//
// Skip and unparsed reasons are fixed texts, never line content: ingest counts them per reason, and the
// raw line (kept with every unparsed record) already carries the specifics.
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

// The one way a raw message becomes records: framing, syslog header, parser, and the fields every
// record must carry. Shared by the ingest pipeline and the parser tests, so both see the same output.
import type { UnparsedRecord, WhowasRecord } from '../records/record.ts';
import { parseSyslog } from '../syslog/header.ts';
import type { Message } from '../syslog/types.ts';
import type { ParseContext, Parser } from './parser.ts';

/** What became of one message. `records` is what to store: the parser's records, or one `unparsed` record. */
export interface Outcome {
  status: 'records' | 'skip' | 'unparsed';
  records: WhowasRecord[];
  /** Why the message was skipped or not understood. */
  reason?: string;
}

/** Build the Message a parser sees: strip the syslog header when the format may carry one. */
export function toMessage(parser: Parser, raw: string, ctx: ParseContext): Message {
  return parser.syslogHeader === 'none' ? { raw, body: raw } : parseSyslog(raw, ctx.clock);
}

/**
 * Parse one raw message (a line, or a block for block-framed formats). Never throws: a parser that
 * throws, or returns records without a usable time, yields an `unparsed` record with the reason.
 */
export function parseMessage(parser: Parser, raw: string, ctx: ParseContext): Outcome {
  let msg: Message;
  try {
    msg = toMessage(parser, raw, ctx);
  } catch (e) {
    msg = { raw, body: raw };
    return unparsed(parser, msg, ctx, `syslog header error: ${errText(e)}`);
  }
  if (parser.syslogHeader === 'required' && !msg.header) return unparsed(parser, msg, ctx, 'no syslog header');

  let result;
  try {
    result = parser.parse(msg, ctx);
  } catch (e) {
    return unparsed(parser, msg, ctx, `parser error: ${errText(e)}`);
  }
  if ('skip' in result) return { status: 'skip', records: [], reason: result.skip };
  if ('unparsed' in result) return unparsed(parser, msg, ctx, result.unparsed);

  const records = result.records;
  if (records.length === 0) return unparsed(parser, msg, ctx, 'parser produced no records');
  const logHost = msg.header?.hostname;
  for (const r of records) {
    // A bad time would put the record where no query finds it: refuse it loudly instead.
    if (!Number.isSafeInteger(r.ts)) return unparsed(parser, msg, ctx, `parser produced an invalid time (${String(r.ts)})`);
    r.raw = raw;
    r.received = ctx.received;
    r.source = ctx.source;
    if (logHost) r.logHost = logHost;
  }
  return { status: 'records', records };
}

function unparsed(parser: Parser, msg: Message, ctx: ParseContext, reason: string): Outcome {
  const stamp = msg.header?.stamp;
  const r: UnparsedRecord = {
    kind: 'unparsed',
    ts: stamp && Number.isSafeInteger(stamp.ts) ? stamp.ts : ctx.received,
    received: ctx.received,
    source: ctx.source,
    raw: msg.raw,
    reason,
    format: parser.name,
  };
  if (stamp && r.ts === stamp.ts) {
    r.rawStamp = stamp.rawStamp;
    if (stamp.flags) r.flags = stamp.flags;
    if (stamp.tsAlt !== undefined) r.tsAlt = stamp.tsAlt;
  }
  if (msg.header?.hostname) r.logHost = msg.header.hostname;
  return { status: 'unparsed', records: [r], reason };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Split a file's text into messages by the parser's framing: 'line' drops a trailing CR and empty lines;
 * 'block' groups non-empty lines between blank lines (FreeRADIUS detail files), joined by LF.
 */
export function splitMessages(text: string, framing: Parser['framing']): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  if (framing === 'line') {
    for (let line of lines) {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length > 0) out.push(line);
    }
    return out;
  }
  let block: string[] = [];
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      if (block.length) out.push(block.join('\n'));
      block = [];
    } else block.push(line);
  }
  if (block.length) out.push(block.join('\n'));
  return out;
}

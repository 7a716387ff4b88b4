// Unbound: client queries from `log-queries` ("info: 10.1.2.3 www.example.com. A IN") and `log-replies`
// ("info: 10.1.2.3 www.example.com. A IN NOERROR 0.000000 0 61"), in unbound's own log file
// ("[1700000000] unbound[1234:0] info: …", epoch stamp), with `log-time-ascii`, or through syslog.
// Line shapes are those of unbound 1.17 (daemon/worker.c log_query_in, util/data/msgreply.c log_reply_info);
// see README.md for what each line becomes.
import type { DnsQueryRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonIp, isBlank, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

const LEVELS = new Set(['info', 'notice', 'warning', 'error', 'debug', 'query', 'reply', 'fatal error', 'assertion failure']);
const CLASSES = new Set(['IN', 'CH', 'HS', 'NONE', 'ANY']);
const STATUS = 'unbound status message (start-up, statistics, SERVFAIL detail …)';

export const unbound: Parser = {
  name: 'unbound',
  description: 'Unbound resolver log-queries / log-replies lines ("info: 10.1.2.3 www.example.com. A IN") → dnsquery',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default unbound;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let text = msg.body;
  if (isBlank(text)) return { unparsed: 'empty message' };
  if (looksBinary(text)) return { unparsed: 'binary data, not a log line' };
  const h = msg.header;
  let t: ResolvedTime | undefined = h?.stamp;
  let known = false;
  if (h) {
    if (h.app !== undefined && h.app.startsWith('unbound')) known = true;
    else if (t && h.format === 'rfc3164') {
      // log-time-ascii writes "Nov 29 15:48:19 unbound[14277:0] info: …" (no colon after the tag): the header
      // reader takes the tag for a host name. Read what follows the stamp ourselves.
      const at = msg.raw.indexOf(t.rawStamp);
      if (at >= 0) text = msg.raw.slice(at + t.rawStamp.length).trimStart();
    }
  } else if (text.charCodeAt(0) === 91 /* [ */) {
    // unbound's own file: "[1795963687] unbound[14128:0] info: …" — epoch seconds.
    const close = text.indexOf('] ');
    if (close > 1 && close < 22 && isEpoch(text, 1, close)) {
      t = ctx.clock.epoch(text.slice(1, close), text.slice(0, close + 1));
      text = text.slice(close + 2);
      known = true;
    }
  }
  const p = programEnd(text);
  if (p > 0) {
    text = text.slice(p);
    known = true;
  }
  if (!known) return { unparsed: 'not an unbound log line' };
  // "[pid:thread] " of syslog lines.
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf('] ');
    if (close > 0 && close < 24) text = text.slice(close + 2);
  }
  const colon = text.indexOf(': ');
  if (colon <= 0 || colon > 20 || !LEVELS.has(text.slice(0, colon))) return { skip: STATUS };
  const level = text.slice(0, colon);
  if (level !== 'info' && level !== 'query' && level !== 'reply') return { skip: STATUS };
  return queryOrReply(msg, ctx, text.slice(colon + 2), t);
}

/**
 * "CLIENT QNAME. TYPE CLASS" (log-queries) or "CLIENT QNAME. TYPE CLASS RCODE SECS CACHED SIZE" (log-replies);
 * anything else logged at info level is a status line.
 */
function queryOrReply(msg: Message, ctx: ParseContext, m: string, t: ResolvedTime | undefined): ParseResult {
  const tok = m.split(' ', 12);
  if (tok.length < 4) return { skip: STATUS };
  let clientText = tok[0]!;
  let clientPort: number | undefined;
  const atSign = clientText.lastIndexOf('@');
  if (atSign > 0) {
    const port = Number(clientText.slice(atSign + 1));
    if (Number.isInteger(port) && port >= 0 && port <= 65535) clientPort = port;
    clientText = clientText.slice(0, atSign);
  }
  const client = clientText.length <= 45 ? canonIp(clientText) : null;
  if (!client) {
    // log-local-actions: "example.lan. static 127.0.0.1@54158 www.example.lan. A IN" (the query line records it).
    if (tok.length === 6 && tok[2]!.includes('@')) return { skip: 'log-local-actions line: the lookup is recorded by its query line' };
    return { skip: STATUS };
  }
  const name = tok[1]!;
  if (name === '-') return { skip: 'reply to a malformed query (FORMERR): no name was asked' };
  const qtype = tok[2]!, cls = tok[3]!;
  if (!name.endsWith('.') || qtype === '' || !(CLASSES.has(cls) || cls.startsWith('CLASS'))) return { skip: STATUS };
  const isReply = tok.length >= 8 && tok[4] !== '' && isUpperWord(tok[4]!);
  if (tok.length !== 4 && !isReply) return { unparsed: 'malformed query or reply line' };
  if (cls !== 'IN') return { skip: 'query of a class other than IN (CHAOS/HESIOD server queries, not name lookups)' };
  if (!t) return { unparsed: 'no time stamp' };
  const r: DnsQueryRecord = { kind: 'dnsquery', ...base(msg, ctx, t), client, qname: qname(name), qtype };
  if (clientPort !== undefined) r.clientPort = clientPort;
  if (isReply && tok.length >= 9) {
    // log-destaddr (unbound ≥ 1.20) appends the address the query arrived on as "addr@port".
    const d = tok[8]!, a = d.lastIndexOf('@');
    const resolver = a > 0 ? canonIp(d.slice(0, a)) : null;
    if (resolver) r.resolver = resolver;
  }
  return { records: [r] };
}

/** Lower-case, without the trailing dot (the root stays "."). */
function qname(name: string): string {
  const n = name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** End of a leading "[host ]unbound[pid:tid] " / "unbound: " / "unbound[pid]: " prefix, or 0. */
function programEnd(s: string): number {
  let p = 0;
  if (!s.startsWith('unbound')) {
    const sp = s.indexOf(' ');
    if (sp <= 0 || sp > 64 || !s.startsWith('unbound', sp + 1)) return 0;
    p = sp + 1;
  }
  const sp = s.indexOf(' ', p);
  if (sp < 0 || sp - p > 40) return 0;
  let tag = s.slice(p, sp);
  if (tag.endsWith(':')) tag = tag.slice(0, -1);
  if (tag !== 'unbound' && !(tag.startsWith('unbound[') && tag.endsWith(']'))) return 0;
  return sp + 1;
}

function isEpoch(s: string, from: number, to: number): boolean {
  let dot = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dot++;
    else if (c < 48 || c > 57) return false;
  }
  return dot <= 1 && to - from >= 9;
}

function isUpperWord(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}



// BIND 9 (named) query log: `querylog yes` lines of the `queries` category, in syslog or in BIND's own file
// channel (`print-time yes` / `iso8601` / `iso8601-utc`, with or without print-category / print-severity).
// Line shapes are those of BIND 9.3 … 9.18 (lib/ns/query.c log_query(), lib/ns/client.c ns_client_log());
// see README.md for what each message becomes.
import type { DnsQueryRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonIp, isBlank, isDigit, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/** BIND's logging categories (ARM "The category Phrase"); with print-category they lead the message. */
const CATEGORIES = new Set([
  'client', 'cname', 'config', 'database', 'default', 'delegation-only', 'dispatch', 'dnssec', 'dnstap', 'edns-disabled',
  'general', 'lame-servers', 'network', 'notify', 'nsid', 'queries', 'query-errors', 'rate-limit', 'resolver', 'rpz',
  'rpz-passthru', 'security', 'serve-stale', 'spill', 'sslkeylog', 'trust-anchor-telemetry', 'unmatched', 'update',
  'update-security', 'xfer-in', 'xfer-out', 'zoneload', 'unknown',
]);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'notice', 'info', 'debug', 'dynamic']);
/** DNS classes as BIND prints them; only IN queries are name lookups a user made. */
const CLASSES = new Set(['IN', 'CH', 'HS', 'NONE', 'ANY']);
const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

const NOT_A_QUERY = 'named message other than a client query (start-up, zone, resolver, transfer …)';
const CLIENT_EVENT = 'client event other than a query (query failed, transfer, update, notify …)';
const DENIED = "query refused by an ACL: the lookup itself is recorded by its 'query:' line (querylog), see README";

export const bind: Parser = {
  name: 'bind',
  description: 'BIND 9 named query log (querylog: "client … query: name IN A +" lines), syslog or file channel',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default bind;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let text = msg.body;
  if (isBlank(text)) return { unparsed: 'empty message' };
  if (looksBinary(text)) return { unparsed: 'binary data, not a log line' };
  const h = msg.header;
  let t: ResolvedTime | undefined = h?.stamp;
  let known = false; // the line is certainly named's (tag, own stamp or category)

  if (h) {
    const app = h.app;
    if (app !== undefined && h.pid === undefined && h.hostname === undefined && CATEGORIES.has(app)) {
      // "2026-11-29T15:47:31.666 queries: info: client …" (iso8601 file channel) or a bare "queries: client …":
      // the header reader took BIND's category for a syslog tag.
      known = true;
    } else if (app !== undefined && app.startsWith('named')) {
      known = true;
    } else if (h.format === 'rfc3164' && t) {
      // A 3164 header read wrongly (no hostname, odd tag): look at what follows the stamp ourselves.
      const at = msg.raw.indexOf(t.rawStamp);
      if (at >= 0) text = msg.raw.slice(at + t.rawStamp.length).trimStart();
    }
  } else {
    const s = bindStamp(text, ctx);
    if (s) {
      t = s.t;
      text = text.slice(s.end).trimStart();
      known = true;
    }
  }
  if (!known) {
    // "host named[pid]: …" or "named[pid]: …" without (or after) a stamp.
    const p = programEnd(text);
    if (p > 0) {
      text = text.slice(p);
      known = true;
    }
  }

  // Optional "category: " and "severity: " (print-category / print-severity).
  let c = text.indexOf(': ');
  if (c > 0 && c < 32 && CATEGORIES.has(text.slice(0, c))) {
    text = text.slice(c + 2);
    known = true;
    c = text.indexOf(': ');
  }
  if (c > 0 && c < 12 && (SEVERITIES.has(text.slice(0, c)) || text.startsWith('debug '))) text = text.slice(c + 2);

  if (!text.startsWith('client ')) {
    if (known) return { skip: NOT_A_QUERY };
    return { unparsed: 'not a BIND named log line' };
  }
  return client(msg, ctx, text, t);
}

/** "client [@0x…] addr#port[ (name)]: [view v: ]event". */
function client(msg: Message, ctx: ParseContext, text: string, t: ResolvedTime | undefined): ParseResult {
  let p = 7;
  if (text.charCodeAt(p) === 64 /* @ */) {
    const sp = text.indexOf(' ', p);
    if (sp < 0) return { unparsed: 'truncated client line' };
    p = sp + 1;
  }
  const hash = text.indexOf('#', p);
  if (hash < 0 || hash - p > 45) return { unparsed: 'client line without addr#port' };
  const addr = canonIp(text.slice(p, hash));
  if (!addr) return { unparsed: 'client address is not an IP address' };
  let e = hash + 1;
  while (e < text.length && isDigit(text.charCodeAt(e))) e++;
  if (e === hash + 1 || e - hash > 6) return { unparsed: 'client line without a port' };
  const port = Number(text.slice(hash + 1, e));
  if (port > 65535) return { unparsed: 'client port out of range' };
  if (text.startsWith(' (', e)) {
    // BIND escapes '(' and ')' inside names, so the first "): " closes the name.
    const close = text.indexOf('): ', e);
    if (close < 0) return { unparsed: 'truncated client line' };
    e = close + 1;
  }
  if (!text.startsWith(': ', e)) return { unparsed: 'truncated client line' };
  let rest = text.slice(e + 2);
  if (rest.startsWith('view ')) {
    const v = rest.indexOf(': ');
    if (v < 0) return { unparsed: 'truncated client line' };
    rest = rest.slice(v + 2);
  }

  if (rest.startsWith('query: ')) return query(msg, ctx, rest, addr, port, t);
  if ((rest.startsWith('query') || rest.startsWith('zone transfer') || rest.startsWith('update')) && rest.includes(' denied')) {
    return { skip: DENIED };
  }
  if (rest.includes('query: ')) return { unparsed: 'malformed query line' };
  return { skip: CLIENT_EVENT };
}

/** "query: NAME CLASS TYPE FLAGS[ (DEST)][ [ECS …]]" (lib/ns/query.c log_query). */
function query(msg: Message, ctx: ParseContext, rest: string, client: string, clientPort: number, t: ResolvedTime | undefined): ParseResult {
  const s1 = rest.indexOf(' ', 7);
  const s2 = s1 < 0 ? -1 : rest.indexOf(' ', s1 + 1);
  const s3 = s2 < 0 ? -1 : rest.indexOf(' ', s2 + 1);
  if (s3 < 0) return { unparsed: 'malformed query line' };
  const s4 = rest.indexOf(' ', s3 + 1);
  const name = rest.slice(7, s1);
  const cls = rest.slice(s1 + 1, s2);
  const qtype = rest.slice(s2 + 1, s3);
  const flags = s4 < 0 ? rest.slice(s3 + 1) : rest.slice(s3 + 1, s4);
  const f0 = flags.charCodeAt(0);
  if (name === '' || qtype === '' || (f0 !== 43 && f0 !== 45) /* + - */) return { unparsed: 'malformed query line' };
  if (!CLASSES.has(cls) && !cls.startsWith('CLASS')) return { unparsed: 'malformed query line' };
  if (cls !== 'IN') return { skip: 'query of a class other than IN (CHAOS/HESIOD server queries, not name lookups)' };
  let resolver: string | null = null;
  if (s4 > 0 && rest.charCodeAt(s4 + 1) === 40 /* ( */) {
    const close = rest.indexOf(')', s4 + 2);
    if (close > 0) resolver = canonIp(rest.slice(s4 + 2, close));
  }
  if (!t) return { unparsed: 'no time stamp' };
  const r: DnsQueryRecord = { kind: 'dnsquery', ...base(msg, ctx, t), client, clientPort, qname: qname(name), qtype };
  if (resolver) r.resolver = resolver;
  return { records: [r] };
}

/** Lower-case, without the trailing dot (the root stays "."). */
export function qname(name: string): string {
  const n = name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** BIND's own "29-Nov-2026 14:20:01.123" stamp (print-time yes; local time) at the start of s. */
function bindStamp(s: string, ctx: ParseContext): { t: ResolvedTime; end: number } | null {
  if (s.charCodeAt(2) !== 45 || s.charCodeAt(6) !== 45 || s.charCodeAt(11) !== 32) return null;
  const day = num(s, 0, 2), month = MONTHS[s.slice(3, 6)], year = num(s, 7, 4);
  const hour = num(s, 12, 2), minute = num(s, 15, 2), second = num(s, 18, 2);
  if (day < 1 || day > 31 || !month || year < 0 || hour < 0 || minute < 0 || second < 0) return null;
  if (s.charCodeAt(14) !== 58 || s.charCodeAt(17) !== 58) return null;
  let end = 20, micros = 0;
  if (s.charCodeAt(20) === 46) {
    let k = 0;
    end = 21;
    while (end < s.length && isDigit(s.charCodeAt(end))) {
      if (k < 6) micros = micros * 10 + (s.charCodeAt(end) - 48);
      k++;
      end++;
    }
    for (; k < 6; k++) micros *= 10;
  }
  const rawStamp = s.slice(0, end);
  return { t: ctx.clock.local({ year, month, day, hour, minute, second, micros }, rawStamp), end };
}

/** End of a leading "[host ]named[pid]: " / "named: " prefix, or 0. */
function programEnd(s: string): number {
  let p = 0;
  if (!s.startsWith('named')) {
    const sp = s.indexOf(' ');
    if (sp <= 0 || sp > 64 || !s.startsWith('named', sp + 1)) return 0;
    p = sp + 1;
  }
  const colon = s.indexOf(': ', p);
  if (colon < 0 || colon - p > 24) return 0;
  const tag = s.slice(p, colon);
  if (tag !== 'named' && !(tag.startsWith('named[') && tag.endsWith(']'))) return 0;
  return colon + 2;
}

function num(s: string, p: number, n: number): number {
  let v = 0;
  for (let i = p; i < p + n; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}




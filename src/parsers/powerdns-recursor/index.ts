// PowerDNS Recursor: the per-query lines of `quiet=no` (`logging.quiet: false` in Recursor 5), both the
// structured form (4.6+, the default since 4.8: msg="Question" … qname="…" qtype="…" remote="ip:port") and the
// classic one (structured-logging=no: "<tid> [<mtid>/<n>] question for 'name|TYPE' from ip:port"), on stderr
// (--daemon=no, with or without --log-timestamp) or through syslog. See README.md.
import type { DnsQueryRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonIp, isBlank, isDigit, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

const STATUS = 'PowerDNS Recursor status message (start-up, housekeeping, answer statistics …)';
const ANSWER = 'answer line: the lookup is recorded by its question line';

export const powerdnsRecursor: Parser = {
  name: 'powerdns-recursor',
  description: 'PowerDNS Recursor quiet=no query lines (structured msg="Question" and classic "question for \'name|A\'") → dnsquery',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default powerdnsRecursor;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let text = msg.body;
  if (isBlank(text)) return { unparsed: 'empty message' };
  if (looksBinary(text)) return { unparsed: 'binary data, not a log line' };
  const h = msg.header;
  const t: ResolvedTime | undefined = h?.stamp;
  let known = false;
  if (h) {
    if (h.app !== undefined && h.app.startsWith('pdns')) known = true;
    else if (t && h.format === 'rfc3164') {
      // stderr with --log-timestamp: "Nov 29 15:49:03 2 [1/1] question for …" / "Jul 09 08:06:11 msg=…": the header
      // reader takes the first word for a host name. Read what follows the stamp ourselves.
      const at = msg.raw.indexOf(t.rawStamp);
      if (at >= 0) text = msg.raw.slice(at + t.rawStamp.length).trimStart();
    }
  }
  if (!known) {
    const p = programEnd(text);
    if (p > 0) {
      text = text.slice(p);
      known = true;
    }
  }
  if (text.startsWith('msg="')) return structured(msg, ctx, text, t);
  return classic(msg, ctx, text, t, known);
}

/** msg="…" key="value" … (Recursor structured logging). */
function structured(msg: Message, ctx: ParseContext, text: string, t: ResolvedTime | undefined): ParseResult {
  const kv = readPairs(text);
  if (!kv) return { unparsed: 'malformed structured log line' };
  const m = kv.get('msg')!;
  const cacheHit = m === 'Question answered from packet cache' || m === 'TCP question answered from packet cache';
  if (m !== 'Question' && !cacheHit) return { skip: m === 'Answer' ? ANSWER : STATUS };
  const name = kv.get('qname'), qtype = kv.get('qtype'), remote = kv.get('remote');
  if (!name || !qtype || !remote) return { unparsed: 'question line without qname, qtype or remote' };
  const addr = hostPort(remote);
  if (!addr) return { unparsed: 'question remote is not an address' };
  // ts="1795963732.650" is the recursor's own clock, epoch (zone-free, ms): better than any header stamp.
  let time = t;
  const ts = kv.get('ts');
  if (ts && isEpoch(ts)) time = ctx.clock.epoch(ts);
  if (!time) return { unparsed: 'no time stamp' };
  return { records: [record(msg, ctx, time, addr, name, qtype)] };
}

/** "<tid> [<mtid>/<n>] [TCP ]question for 'name|TYPE' from ip:port". */
function classic(msg: Message, ctx: ParseContext, text: string, t: ResolvedTime | undefined, known: boolean): ParseResult {
  let p = 0;
  while (p < text.length && isDigit(text.charCodeAt(p))) p++;
  const numbered = p > 0 && text.charCodeAt(p) === 32;
  if (numbered) {
    p++;
    if (text.charCodeAt(p) === 91 /* [ */) {
      const close = text.indexOf('] ', p);
      if (close < 0 || close - p > 24) return known ? { skip: STATUS } : { unparsed: 'not a PowerDNS Recursor log line' };
      p = close + 2;
    }
    if (text.startsWith('TCP ', p)) p += 4;
  } else p = 0;
  if (numbered && text.startsWith("question for '", p)) {
    const q = p + 14;
    const end = text.indexOf("' from ", q);
    if (end < 0) return { unparsed: 'malformed question line' };
    const bar = text.lastIndexOf('|', end);
    if (bar < q) return { unparsed: 'malformed question line' };
    let from = text.slice(end + 7);
    const sp = from.indexOf(' ');
    if (sp >= 0) from = from.slice(0, sp);
    const addr = hostPort(from);
    if (!addr) return { unparsed: 'question source is not an address' };
    if (!t) return { unparsed: 'no time stamp' };
    return { records: [record(msg, ctx, t, addr, text.slice(q, bar), text.slice(bar + 1, end))] };
  }
  if (numbered && text.startsWith("answer to question '", p)) return { skip: ANSWER };
  if (numbered && text.startsWith('question answered from packet cache', p)) {
    return { skip: 'packet-cache hit: classic logging does not name the query (use structured logging)' };
  }
  return known ? { skip: STATUS } : { unparsed: 'not a PowerDNS Recursor log line' };
}

function record(msg: Message, ctx: ParseContext, t: ResolvedTime, addr: { ip: string; port?: number }, name: string, qtype: string): DnsQueryRecord {
  const r: DnsQueryRecord = { kind: 'dnsquery', ...base(msg, ctx, t), client: addr.ip, qname: qname(name), qtype };
  if (addr.port !== undefined) r.clientPort = addr.port;
  return r;
}

/** Lower-case, without the trailing dot (the root stays "."). */
function qname(name: string): string {
  const n = name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** "1.2.3.4:53", "[::1]:53", "1.2.3.4" or "::1" → address and port. */
function hostPort(s: string): { ip: string; port?: number } | null {
  if (s.length > 60) return null;
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    const ip = close > 0 ? canonIp(s.slice(1, close)) : null;
    if (!ip) return null;
    if (s.charCodeAt(close + 1) !== 58) return { ip };
    const port = portOf(s.slice(close + 2));
    return port === null ? null : { ip, port };
  }
  const whole = canonIp(s);
  if (whole) return { ip: whole };
  const c = s.lastIndexOf(':');
  if (c <= 0) return null;
  const ip = canonIp(s.slice(0, c));
  const port = portOf(s.slice(c + 1));
  return ip && !ip.includes(':') && port !== null ? { ip, port } : null;
}

function portOf(s: string): number | null {
  if (s.length === 0 || s.length > 5) return null;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** key="value" pairs separated by spaces, backslash escapes inside values; null when malformed. */
function readPairs(s: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    while (s.charCodeAt(i) === 32) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('="', i);
    if (eq <= i || eq - i > 40) return null;
    const key = s.slice(i, eq);
    let j = eq + 2, v = '', from = j;
    for (;;) {
      const q = s.indexOf('"', j), b = s.indexOf('\\', j);
      if (q < 0) return null;
      if (b >= 0 && b < q) {
        v += s.slice(from, b) + s.charAt(b + 1);
        j = b + 2;
        from = j;
        continue;
      }
      v += s.slice(from, q);
      j = q + 1;
      break;
    }
    out.set(key, v);
    i = j;
    if (i < s.length && s.charCodeAt(i) !== 32) return null;
  }
  return out.has('msg') ? out : null;
}

/** End of a leading "[host ]pdns_recursor[pid]: " / "pdns-recursor: " prefix, or 0. */
function programEnd(s: string): number {
  let p = 0;
  if (!s.startsWith('pdns')) {
    const sp = s.indexOf(' ');
    if (sp <= 0 || sp > 64 || !s.startsWith('pdns', sp + 1)) return 0;
    p = sp + 1;
  }
  const colon = s.indexOf(': ', p);
  if (colon < 0 || colon - p > 32) return 0;
  const tag = s.slice(p, colon);
  const name = tag.endsWith(']') ? tag.slice(0, tag.indexOf('[')) : tag;
  return name === 'pdns_recursor' || name === 'pdns-recursor' ? colon + 2 : 0;
}

function isEpoch(s: string): boolean {
  let dot = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dot++;
    else if (!isDigit(c)) return false;
  }
  return dot <= 1 && s.length >= 9 && s.charCodeAt(0) !== 46;
}




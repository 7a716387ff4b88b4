// Zeek (formerly Bro) logs: conn.log → flow, dns.log → dnsquery, dhcp.log → lease, in Zeek's TSV form
// (#separator / #fields / #types header lines, then one row per line) or as JSON (one object per line,
// LogAscii::use_json=T). The TSV header is remembered per source; JSON rows say what they are by their fields.
// See README.md for the decisions (which rows are skipped and why).
import { normMac } from '../../records/addr.ts';
import type { DnsQueryRecord, FlowRecord, LeaseHow, LeaseRecord, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonIp, isBlank, isDigits, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

type Kind = 'conn' | 'dns' | 'dhcp' | 'other';

/** Zeek's conn_state values (base/protocols/conn/main.zeek). */
const CONN_STATES = new Set(['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']);
const DHCP_TYPES = new Set(['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM']);
const TRANSPORTS = new Set(['tcp', 'udp', 'icmp', 'unknown_transport']);
const MASKED = 'Zeek btest baseline row: time stamp masked (XXXXXXXXXX.XXXXXX), nothing to place in time';
const HEADER = 'Zeek log header line (#separator, #fields, #path …: sets the column layout for this source)';
const OTHER_LOG = 'Zeek log other than conn, dns or dhcp';

/** One TSV log's layout, from its header lines. */
interface Layout {
  sep: string;
  setSep: string;
  empty: string;
  unset: string;
  path?: string;
  fields?: string[];
  kind?: Kind;
  /** Column of each field name. */
  col?: Map<string, number>;
}

/** Per source, the layout of the TSV header last seen (Zeek writes it at the top of every log file). */
const layouts = new Map<string, Layout>();

export const zeek: Parser = {
  name: 'zeek',
  description: 'Zeek conn.log → flow, dns.log → dnsquery, dhcp.log → lease (TSV with #fields header, or JSON lines)',
  framing: 'line',
  syslogHeader: 'none',
  /** The TSV #fields header names the columns: a file is read in order on one thread. */
  stateful: true,
  parse,
};
export default zeek;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body;
  if (isBlank(line)) return { unparsed: 'empty message' };
  if (looksBinary(line)) return { unparsed: 'binary data, not a log line' };
  const c0 = line.charCodeAt(0);
  if (c0 === 35 /* # */) return header(line, ctx.source);
  if (c0 === 123 /* { */) return json(msg, ctx, line);
  return tsv(msg, ctx, line);
}

// ------------------------------------------------------------------------------------------------ TSV

function header(line: string, source: string): ParseResult {
  if (line.startsWith('#separator ')) {
    const sep = unescape(line.slice(11).trim());
    if (sep.length !== 1) return { unparsed: 'Zeek #separator line without a one-character separator' };
    if (layouts.size >= 1024 && !layouts.has(source)) layouts.clear();
    layouts.set(source, { sep, setSep: ',', empty: '(empty)', unset: '-' });
    return { skip: HEADER };
  }
  let l = layouts.get(source);
  if (!l) {
    l = { sep: '\t', setSep: ',', empty: '(empty)', unset: '-' };
    layouts.set(source, l);
  }
  const sep = line.indexOf(l.sep);
  const key = sep < 0 ? line.slice(1).split(' ', 1)[0]! : line.slice(1, sep);
  const value = sep < 0 ? '' : line.slice(sep + 1);
  switch (key) {
    case 'set_separator': l.setSep = unescape(value); break;
    case 'empty_field': l.empty = value; break;
    case 'unset_field': l.unset = value; break;
    case 'path': l.path = value; l.kind = kindOfPath(value); break;
    case 'fields':
      l.fields = value.split(l.sep);
      l.col = new Map(l.fields.map((f, i) => [f, i]));
      l.kind = (l.path !== undefined ? kindOfPath(l.path) : undefined) ?? kindOfFields(l.fields);
      break;
    case 'types': case 'open': case 'close': break;
    default: return { unparsed: 'not a Zeek log header line' };
  }
  return { skip: HEADER };
}

function tsv(msg: Message, ctx: ParseContext, line: string): ParseResult {
  const l = layouts.get(ctx.source);
  const sep = l?.sep ?? '\t';
  if (line.indexOf(sep) < 0) return { unparsed: 'not a Zeek log line (no field separator)' };
  const f = line.split(sep);
  if (f[0] === 'XXXXXXXXXX.XXXXXX') return { skip: MASKED };
  let r: Row | null = null;
  let kind: Kind | undefined;
  if (l?.fields && l.col && l.fields.length === f.length && l.kind) {
    r = { f, col: l.col, unset: l.unset, empty: l.empty, setSep: l.setSep };
    kind = l.kind;
    // A row of another log interleaved into this source (one source should carry one log): check its shape.
    if (kind === 'conn' && !shapeOk(r)) r = null;
  }
  if (!r) {
    const guess = guessLayout(f);
    if (!guess) return { unparsed: 'Zeek TSV row without a #fields header: unknown column layout' };
    kind = guess.kind;
    r = { f, col: guess.col, unset: '-', empty: '(empty)', setSep: l?.setSep ?? ',' };
  }
  return row(msg, ctx, kind!, r);
}

/** One log row, TSV (fields by column) or JSON (an object). */
interface Row {
  f?: string[];
  col?: Map<string, number>;
  unset?: string;
  empty?: string;
  setSep?: string;
  o?: Record<string, unknown>;
  /** Nested "id" object of some shippers' JSON. */
  id?: Record<string, unknown>;
  /** The JSON line (to read ts as written). */
  line?: string;
}

/** A field's value as text; undefined when unset, empty or absent. */
function val(r: Row, name: string): string | undefined {
  if (r.f) {
    const i = r.col!.get(name);
    if (i === undefined) return undefined;
    const v = r.f[i];
    return v === undefined || v === r.unset || v === r.empty || v === '' ? undefined : v;
  }
  let v = r.o![name];
  if (v === undefined && r.id && name.startsWith('id.')) v = r.id[name.slice(3)];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function list(r: Row, name: string): string[] | undefined {
  if (r.f) return val(r, name)?.split(r.setSep!);
  const v = r.o![name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? v.split(',') : undefined;
}

function timeOf(ctx: ParseContext, r: Row): ResolvedTime | string {
  if (r.o) return jsonTime(ctx, r.line!, r.o.ts);
  return tsvTime(ctx, val(r, 'ts'));
}



function tsvTime(ctx: ParseContext, ts: string | undefined): ResolvedTime | string {
  if (!ts) return 'row without a ts';
  if (!isEpoch(ts)) return 'ts is not epoch seconds';
  return ctx.clock.epoch(ts);
}

/** Column sets of headerless rows, recognised by their shape (the current and the older Bro/Zeek defaults). */
const colMap = (cols: string[]) => new Map(cols.map((c, i) => [c, i]));
const CONN_COLS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state'];
const DNS_COLS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name'];
const DNS_OLD_COLS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name'];
const DHCP_COLS = ['ts', 'uids', 'client_addr', 'server_addr', 'mac', 'host_name', 'client_fqdn', 'domain', 'requested_addr', 'assigned_addr', 'lease_time', 'client_message', 'server_message', 'msg_types', 'duration'];

const CONN_COL = colMap(CONN_COLS), DNS_COL = colMap(DNS_COLS), DNS_OLD_COL = colMap(DNS_OLD_COLS), DHCP_COL = colMap(DHCP_COLS);

function guessLayout(f: string[]): { kind: Kind; col: Map<string, number> } | null {
  if (f.length < 12 || !(isEpoch(f[0]!) || f[0] === 'XXXXXXXXXX.XXXXXX')) return null;
  if (f.length >= 15 && (f[4] === '-' || normMac(f[4]!)) && hasDhcpType(f[13]!)) {
    return { kind: 'dhcp', col: DHCP_COL };
  }
  if (!TRANSPORTS.has(f[6]!)) return null;
  if (CONN_STATES.has(f[11]!)) return { kind: 'conn', col: CONN_COL };
  if (f.length >= 23) {
    if (f[10]!.startsWith('C_')) return { kind: 'dns', col: DNS_OLD_COL };
    if (f[11]!.startsWith('C_')) return { kind: 'dns', col: DNS_COL };
    if (f[8] === '-' && f[9] === '-') return { kind: 'dns', col: DNS_OLD_COL }; // no query at all: skipped below
  }
  return null;
}

function hasDhcpType(s: string): boolean {
  for (const m of s.split(',')) if (DHCP_TYPES.has(m)) return true;
  return false;
}

function shapeOk(r: Row): boolean {
  const s = val(r, 'conn_state');
  const d = val(r, 'duration');
  return s !== undefined && CONN_STATES.has(s) && (d === undefined || isNumber(d));
}

// ------------------------------------------------------------------------------------------------ JSON

function json(msg: Message, ctx: ParseContext, line: string): ParseResult {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { unparsed: 'JSON value is not an object' };
    o = v as Record<string, unknown>;
  } catch {
    return { unparsed: 'not one complete JSON object (Zeek writes one object per line; pretty-printed or truncated JSON is not read)' };
  }
  const id = typeof o.id === 'object' && o.id !== null ? (o.id as Record<string, unknown>) : undefined; // nested "id" (some shippers)
  const path = typeof o._path === 'string' ? o._path : undefined;
  const kind = path !== undefined ? kindOfPath(path) : kindOfObject(o, id !== undefined);
  if (!('ts' in o)) return { unparsed: 'JSON object without a ts: not a Zeek log record' };
  const r: Row = { o, line };
  if (id) r.id = id;
  return row(msg, ctx, kind, r);
}

/** ts as Zeek wrote it: epoch seconds (default; read from the text, no float rounding) or ISO 8601 (JSON::TS_ISO8601). */
function jsonTime(ctx: ParseContext, line: string, ts: unknown): ResolvedTime | string {
  if (typeof ts === 'number') {
    const at = line.indexOf('"ts":');
    if (at < 0) return 'ts not found';
    let i = at + 5;
    while (line.charCodeAt(i) === 32) i++;
    let e = i;
    while (e < line.length && ((line.charCodeAt(e) >= 48 && line.charCodeAt(e) <= 57) || line.charCodeAt(e) === 46)) e++;
    const text = line.slice(i, e);
    return isEpoch(text) ? ctx.clock.epoch(text) : 'ts is not epoch seconds';
  }
  if (typeof ts === 'string') {
    if (ts === 'XXXXXXXXXX.XXXXXX') return MASKED;
    if (isEpoch(ts)) return ctx.clock.epoch(ts);
    return iso(ctx, ts);
  }
  return 'ts is neither a number nor a string';
}

/** "2020-10-02T04:14:39.135304Z" (or with ±hh:mm). */
function iso(ctx: ParseContext, s: string): ResolvedTime | string {
  const year = num(s, 0, 4), month = num(s, 5, 2), day = num(s, 8, 2), hour = num(s, 11, 2), minute = num(s, 14, 2), second = num(s, 17, 2);
  if (year < 1970 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0 || s.charCodeAt(10) !== 84) return 'ts is not an ISO 8601 time';
  let i = 19, micros = 0, k = 0;
  if (s.charCodeAt(i) === 46) {
    for (i++; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++, k++) if (k < 6) micros = micros * 10 + (s.charCodeAt(i) - 48);
    for (; k < 6; k++) micros *= 10;
  }
  let offset: number;
  if (s.charCodeAt(i) === 90 && i === s.length - 1) offset = 0;
  else if ((s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) && s.length - i === 6 && s.charCodeAt(i + 3) === 58) {
    const h = num(s, i + 1, 2), m = num(s, i + 4, 2);
    if (h < 0 || m < 0) return 'ts is not an ISO 8601 time';
    offset = (s.charCodeAt(i) === 45 ? -1 : 1) * (h * 60 + m);
  } else return 'ts is not an ISO 8601 time with a zone';
  return ctx.clock.withOffset({ year, month, day, hour, minute, second, micros }, offset, s);
}

// ------------------------------------------------------------------------------------------------ rows

function row(msg: Message, ctx: ParseContext, kind: Kind, r: Row): ParseResult {
  if (kind === 'other') return { skip: OTHER_LOG };
  if (kind === 'conn') return conn(msg, ctx, r);
  if (kind === 'dns') return dns(msg, ctx, r);
  return dhcp(msg, ctx, r);
}

function conn(msg: Message, ctx: ParseContext, row: Row): ParseResult {
  const srcIp = ip(val(row, 'id.orig_h')), dstIp = ip(val(row, 'id.resp_h'));
  if (!srcIp || !dstIp) return { unparsed: 'conn row without valid id.orig_h / id.resp_h' };
  const t = timeOf(ctx, row);
  if (typeof t === 'string') return t === MASKED ? { skip: t } : { unparsed: t };
  const p = val(row, 'proto');
  const proto: Proto = p === 'tcp' || p === 'udp' ? p : p === 'icmp' ? (srcIp.includes(':') ? 'icmpv6' : 'icmp') : 'other';
  const r: FlowRecord = { kind: 'flow', ...base(msg, ctx, t), proto, srcIp, dstIp, how: 'zeek-conn' };
  if (proto === 'tcp' || proto === 'udp') {
    const sp = port(val(row, 'id.orig_p')), dp = port(val(row, 'id.resp_p'));
    if (sp !== undefined) r.srcPort = sp;
    if (dp !== undefined) r.dstPort = dp;
  }
  const dur = micros(val(row, 'duration'));
  if (dur !== undefined) r.end = t.ts + dur;
  const state = val(row, 'conn_state');
  if (state) r.state = state;
  const bo = count(val(row, 'orig_bytes')), bi = count(val(row, 'resp_bytes'));
  if (bo !== undefined) r.bytesOut = bo;
  if (bi !== undefined) r.bytesIn = bi;
  return { records: [r] };
}

function dns(msg: Message, ctx: ParseContext, row: Row): ParseResult {
  const query = val(row, 'query');
  if (!query) return { skip: 'DNS transaction without a query name' };
  const rp = val(row, 'id.resp_p');
  if (rp === '5353') return { skip: 'multicast DNS (mDNS, port 5353): not a lookup through a resolver' };
  if (rp === '5355') return { skip: 'LLMNR (port 5355): not a lookup through a resolver' };
  if (rp === '137') return { skip: 'NetBIOS name service (port 137): not a lookup through a resolver' };
  const cls = val(row, 'qclass_name');
  if (cls !== undefined && cls !== 'C_INTERNET') return { skip: 'query of a class other than IN (CHAOS/HESIOD server queries, not name lookups)' };
  let qtype = val(row, 'qtype_name');
  if (qtype === '*') qtype = 'ANY';
  if (!qtype) {
    const n = val(row, 'qtype');
    if (!n || !isDigits(n)) return { skip: 'DNS transaction without a query type' };
    qtype = `TYPE${n}`;
  }
  const client = ip(val(row, 'id.orig_h'));
  if (!client) return { unparsed: 'dns row without a valid id.orig_h' };
  const t = timeOf(ctx, row);
  if (typeof t === 'string') return t === MASKED ? { skip: t } : { unparsed: t };
  const name = query.length > 1 && query.endsWith('.') ? query.slice(0, -1) : query;
  const r: DnsQueryRecord = { kind: 'dnsquery', ...base(msg, ctx, t), client, qname: name.toLowerCase(), qtype };
  const cp = port(val(row, 'id.orig_p'));
  if (cp !== undefined) r.clientPort = cp;
  const resolver = ip(val(row, 'id.resp_h'));
  if (resolver) r.resolver = resolver;
  return { records: [r] };
}

/**
 * One dhcp.log row sums up a whole exchange (msg_types lists its messages). The last decisive message
 * says what happened: ACK → lease bound (assigned_addr), DECLINE → the client refused it, RELEASE → given back,
 * NAK → refused by the server; without any of them nothing was bound.
 */
function dhcp(msg: Message, ctx: ParseContext, row: Row): ParseResult {
  const types = list(row, 'msg_types') ?? [];
  let last = '';
  for (const m of types) if (m === 'ACK' || m === 'NAK' || m === 'DECLINE' || m === 'RELEASE') last = m;
  let how: LeaseHow;
  let addr: string | undefined;
  if (last === 'ACK') {
    addr = val(row, 'assigned_addr');
    how = 'ack';
    if (!addr && types.includes('INFORM')) { addr = val(row, 'client_addr'); how = 'inform'; }
    if (!addr) return { skip: 'DHCP ACK without an assigned address' };
  } else if (last === 'DECLINE') {
    addr = val(row, 'requested_addr') ?? val(row, 'assigned_addr');
    how = 'decline';
    if (!addr) return { skip: 'DHCP DECLINE without the declined address' };
  } else if (last === 'RELEASE') {
    addr = val(row, 'client_addr');
    how = 'release';
    if (!addr) return { skip: 'DHCP RELEASE without the client address' };
  } else if (last === 'NAK') {
    return { skip: 'DHCP NAK: the server refused the address, nothing bound' };
  } else if (types.includes('INFORM') && val(row, 'client_addr')) {
    addr = val(row, 'client_addr');
    how = 'inform';
  } else {
    return { skip: 'DHCP exchange without ACK, DECLINE or RELEASE: nothing bound' };
  }
  const mac = val(row, 'mac') ? normMac(val(row, 'mac')!) : null;
  if (!mac) return { skip: 'DHCP exchange without a client MAC' };
  const a = ip(addr);
  if (!a) return { unparsed: 'dhcp row with an invalid address' };
  const t = timeOf(ctx, row);
  if (typeof t === 'string') return t === MASKED ? { skip: t } : { unparsed: t };
  const r: LeaseRecord = { kind: 'lease', ...base(msg, ctx, t), ip: a, mac, how };
  const host = val(row, 'host_name');
  if (host) r.hostname = host;
  const lt = how === 'ack' ? micros(val(row, 'lease_time')) : undefined;
  if (lt !== undefined) r.end = t.ts + lt;
  const server = val(row, 'server_addr');
  if (server) r.via = server;
  return { records: [r] };
}

// ------------------------------------------------------------------------------------------------ helpers

/** The log named by #path / _path: conn, dns, dhcp, or another log (http, ssl, files …). */
function kindOfPath(path: string): Kind {
  return path === 'conn' || path === 'dns' || path === 'dhcp' ? path : 'other';
}

/** Which log a field set belongs to (JSON rows have no #path; some TSV writers drop it). */
function kindOfFields(fields: string[]): Kind {
  const o: Record<string, true> = {};
  for (const f of fields) o[f] = true;
  return kindOfObject(o, false);
}

function kindOfObject(o: Record<string, unknown>, nestedId: boolean): Kind {
  if ('msg_types' in o || 'assigned_addr' in o || ('uids' in o && 'mac' in o && 'lease_time' in o)) return 'dhcp';
  const conn5 = ('id.orig_h' in o || nestedId) && 'proto' in o;
  if (conn5 && 'query' in o && ('qtype' in o || 'qtype_name' in o || 'trans_id' in o)) return 'dns';
  if (conn5 && ('conn_state' in o || 'history' in o || 'orig_bytes' in o || 'orig_pkts' in o)) return 'conn';
  return 'other';
}

/** Zeek's \xHH escapes in header values (#separator \x09). */
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Seconds with fraction ("7.246461", or JSON's 0.0007538795471191406) → µs, rounded. */
function micros(s: string | undefined): number | undefined {
  if (!s || !isNumber(s)) return undefined;
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot);
  if (int.length > 10) return undefined;
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  return Number(int) * 1_000_000 + Math.round(Number(`0.${frac || '0'}`) * 1_000_000);
}

function port(s: string | undefined): number | undefined {
  if (!s || s.length > 5 || !isDigits(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function count(s: string | undefined): number | undefined {
  if (!s || s.length > 15 || !isDigits(s)) return undefined;
  return Number(s);
}

function isEpoch(s: string): boolean {
  const dot = s.indexOf('.');
  return dot < 0 ? s.length >= 9 && isDigits(s) : dot >= 9 && isDigits(s.slice(0, dot)) && (dot === s.length - 1 || isDigits(s.slice(dot + 1)));
}

function isNumber(s: string): boolean {
  const dot = s.indexOf('.');
  return dot < 0 ? isDigits(s) : isDigits(s.slice(0, dot)) && isDigits(s.slice(dot + 1));
}


function num(s: string, p: number, n: number): number {
  let v = 0;
  for (let i = p; i < p + n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}


function ip(s: string | undefined): string | null {
  return s === undefined ? null : canonIp(s);
}

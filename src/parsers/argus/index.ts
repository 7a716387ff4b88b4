// Argus flow records as printed by `ra` (argus-clients): the columnar text output and the CSV output
// (`ra -c ,`), with the column layout taken from ra's header line where one was seen for the source, and ra's
// default layout otherwise. Each flow becomes a `flow` record (context for a trace, never a binding).
// See README.md for the ra options that give usable time stamps.
import type { FlowRecord, Micros, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonIp, isBlank, isDigits, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/** ra's direction indicators (argus-clients ArgusPrintDir): the column that splits source from destination. */
const DIRS = new Set(['->', '<-', '<->', '?>', '<?', '<?>', 'who', '|>', '<|', '<|>', 'o>', '<o', '<o>', '-', '?']);
const TIME_OF_DAY = 'ra printed only the time of day (no date): run ra with -u or a RA_TIME_FORMAT with the date (see README)';
const TRUNCATED = "ra truncated the time stamp to fit its column ('*'): widen it (-s stime:26 …) or use -c ,";

/** Column layout of one ra output, from its header line. */
interface Layout {
  /** Field separator for CSV output (ra -c X); undefined for the columnar text output. */
  sep?: string;
  labels: string[];
  /** Text output: the leading time/duration columns, in order (they come before the flags column). */
  lead: string[];
  /** Text output: the labels after Dir, minus DstAddr/Dport (ra joins the port to the address), right-aligned. */
  tail: string[];
}

/** Per source, the layout of the last header line seen (ra prints it once, at the top of its output). */
const layouts = new Map<string, Layout>();

export const argus: Parser = {
  name: 'argus',
  description: 'Argus ra output (columnar or CSV, header-driven) → flow records (proto, addresses, ports, state, bytes)',
  framing: 'line',
  syslogHeader: 'none',
  /** ra's header line names the columns: a file is read in order on one thread. */
  stateful: true,
  parse,
};
export default argus;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body;
  if (isBlank(line)) return { unparsed: 'empty message' };
  if (looksBinary(line)) return { unparsed: 'binary data, not a log line' };
  if (line.length > 4096) return { unparsed: 'line too long for an ra record' };
  if (isHeader(line)) {
    rememberHeader(ctx.source, line);
    return { skip: 'ra column header line (sets the column layout for this source)' };
  }
  const layout = layouts.get(ctx.source);
  const sep = csvSeparator(line, layout);
  return sep === undefined ? text(msg, ctx, line, layout?.sep === undefined ? layout : undefined) : csv(msg, ctx, line, sep, layout?.sep === sep ? layout : undefined);
}

// ---------------------------------------------------------------------------------------------- header

function isHeader(line: string): boolean {
  return (line.includes('SrcAddr') && line.includes('DstAddr')) || line.trimStart().startsWith('StartTime');
}

function rememberHeader(source: string, line: string): void {
  let sep: string | undefined;
  const start = line.trimStart();
  for (const c of [',', ';', '|', '\t']) if (start.includes(c)) { sep = c; break; }
  const labels = (sep === undefined ? start.trim().split(/ +/) : start.split(sep).map((s) => s.trim()));
  const lead: string[] = [];
  for (const l of labels) {
    if (l === 'StartTime' || l === 'LastTime' || l === 'Dur') lead.push(l);
    else break;
  }
  const d = labels.indexOf('Dir');
  const tail = d < 0 ? [] : labels.slice(d + 1).filter((l) => l !== 'DstAddr' && l !== 'Dport');
  if (layouts.size >= 1024 && !layouts.has(source)) layouts.clear();
  layouts.set(source, { sep, labels, lead, tail });
}

/** The CSV separator of a data line, or undefined for columnar text. */
function csvSeparator(line: string, layout: Layout | undefined): string | undefined {
  if (layout?.sep !== undefined && line.includes(layout.sep)) return layout.sep;
  return line.includes(',') ? ',' : undefined;
}

// ---------------------------------------------------------------------------------------------- CSV

function csv(msg: Message, ctx: ParseContext, line: string, sep: string, layout: Layout | undefined): ParseResult {
  const f = line.split(sep);
  let stime: string | undefined, ltime: string | undefined, dur: string | undefined, proto: string | undefined;
  let src: string | undefined, sport: string | undefined, dir: string | undefined, dst: string | undefined, dport: string | undefined;
  let state: string | undefined, sbytes: string | undefined, dbytes: string | undefined, tbytes: string | undefined;
  if (layout && f.length === layout.labels.length) {
    stime = field(f, layout, 'StartTime'); ltime = field(f, layout, 'LastTime'); dur = field(f, layout, 'Dur'); proto = field(f, layout, 'Proto');
    src = field(f, layout, 'SrcAddr'); sport = field(f, layout, 'Sport'); dir = field(f, layout, 'Dir'); dst = field(f, layout, 'DstAddr'); dport = field(f, layout, 'Dport');
    state = field(f, layout, 'State'); sbytes = field(f, layout, 'SrcBytes'); dbytes = field(f, layout, 'DstBytes'); tbytes = field(f, layout, 'TotBytes');
    if (stime === undefined) return { unparsed: 'ra output without a StartTime column: nothing places the flow in time' };
  } else {
    // No header for this source (or not this one): find the direction column and read around it, as in ra's
    // default (…,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,…) and Stratosphere binetflow layouts.
    let d = -1;
    for (let i = 3; i < f.length && i < 12; i++) if (DIRS.has(f[i]!.trim())) { d = i; break; }
    if (d < 0) {
      if (f.some((x) => x.trim() === 'man')) return { skip: 'argus management record (start/stop of the monitor), not a flow' };
      return { unparsed: 'CSV row without a header line and without a direction column: unknown column layout' };
    }
    stime = f[0]!.trim();
    proto = f[d - 3]!.trim(); src = f[d - 2]!.trim(); sport = f[d - 1]!.trim(); dir = f[d]!.trim();
    dst = f[d + 1]?.trim(); dport = f[d + 2]?.trim();
    const next = f[d + 3]?.trim() ?? '';
    if (next !== '' && !isNumber(next)) state = next;
    else {
      const last = f[f.length - 1]!.trim();
      if (last !== '' && !isNumber(last)) state = last;
    }
  }
  return build(msg, ctx, { stime, ltime, dur, proto, src, sport, dir, dst, dport, state, sbytes, dbytes, tbytes }, true);
}

/** A CSV field by its header label, trimmed (ra pads some, e.g. Dir). */
function field(f: string[], layout: Layout, label: string): string | undefined {
  const i = layout.labels.indexOf(label);
  return i < 0 ? undefined : f[i]?.trim();
}

// ---------------------------------------------------------------------------------------------- text

function text(msg: Message, ctx: ParseContext, line: string, layout: Layout | undefined): ParseResult {
  const tok = line.trim().split(/ +/);
  let p = 0;
  let stime: string | undefined, ltime: string | undefined, dur: string | undefined;
  const lead = layout && layout.lead.length ? layout.lead : ['StartTime'];
  for (const l of lead) {
    let v = tok[p++];
    if (v === undefined) return { unparsed: 'truncated ra line' };
    if (l !== 'Dur' && isDate(v) && tok[p] !== undefined) v = `${v} ${tok[p++]}`;
    if (l === 'StartTime') stime = v;
    else if (l === 'LastTime') ltime = v;
    else dur = v;
  }
  let d = -1;
  for (let i = p + 1; i < tok.length; i++) if (DIRS.has(tok[i]!)) { d = i; break; }
  if (d < 0) {
    if (tok.includes('man')) return { skip: 'argus management record (start/stop of the monitor), not a flow' };
    return { unparsed: 'ra line without a direction column' };
  }
  if (d - 2 < p || d + 1 >= tok.length) return { unparsed: 'ra line without a direction column' };
  const proto = tok[d - 2];
  const [src, sport] = splitAddrPort(tok[d - 1]!);
  const [dst, dport] = splitAddrPort(tok[d + 1]!);
  let state: string | undefined, sbytes: string | undefined, dbytes: string | undefined, tbytes: string | undefined;
  const rest = tok.slice(d + 2);
  const names = layout?.tail.length ? layout.tail : ['TotPkts', 'TotBytes', 'State'];
  const last = rest[rest.length - 1];
  if (last !== undefined && !isNumber(last) && names[names.length - 1] === 'State') {
    state = last;
    // Align the remaining columns from the right (blank columns, such as Dport, have no token).
    for (let k = 1; k <= names.length && k <= rest.length; k++) {
      const v = rest[rest.length - k]!, n = names[names.length - k];
      if (n === 'SrcBytes') sbytes = v;
      else if (n === 'DstBytes') dbytes = v;
      else if (n === 'TotBytes') tbytes = v;
    }
  }
  return build(msg, ctx, { stime, ltime, dur, proto, src, sport, dir: tok[d], dst, dport, state, sbytes, dbytes, tbytes }, false);
}

/** "10.99.0.1.51380" → ["10.99.0.1", "51380"]; "fd99::1.52198" → ["fd99::1", "52198"]; a bare address → [addr]. */
function splitAddrPort(s: string): [string, string | undefined] {
  if (canonIp(s)) return [s, undefined];
  const dot = s.lastIndexOf('.');
  if (dot <= 0) return [s, undefined];
  return [s.slice(0, dot), s.slice(dot + 1)];
}

// ---------------------------------------------------------------------------------------------- record

interface Fields {
  stime?: string; ltime?: string; dur?: string; proto?: string; src?: string; sport?: string; dir?: string;
  dst?: string; dport?: string; state?: string; sbytes?: string; dbytes?: string; tbytes?: string;
}

function build(msg: Message, ctx: ParseContext, f: Fields, isCsv: boolean): ParseResult {
  const protoName = (f.proto ?? '').toLowerCase();
  if (protoName === 'man') return { skip: 'argus management record (start/stop of the monitor), not a flow' };
  if (protoName === 'arp' || protoName === 'rarp' || f.dir === 'who') return { skip: 'ARP exchange, not an IP flow' };
  if (!f.stime) return { unparsed: 'ra line without a start time' };
  const t = stamp(ctx, f.stime);
  if (typeof t === 'string') return t === TIME_OF_DAY || t === TRUNCATED ? { skip: t } : { unparsed: t };
  const srcIp = f.src ? canonIp(f.src) : null;
  const dstIp = f.dst ? canonIp(f.dst) : null;
  if (!srcIp || !dstIp) return { unparsed: isCsv ? 'flow addresses are not IP addresses' : 'flow addresses are not IP addresses (ra -n missing?)' };
  const proto = protoOf(protoName);
  const r: FlowRecord = { kind: 'flow', ...base(msg, ctx, t), proto, srcIp, dstIp, how: 'argus' };
  if (proto === 'tcp' || proto === 'udp') {
    const sp = port(f.sport), dp = port(f.dport);
    if (sp !== undefined) r.srcPort = sp;
    if (dp !== undefined) r.dstPort = dp;
  }
  const end = endOf(ctx, t.ts, f.ltime, f.dur);
  if (end !== undefined) r.end = end;
  if (f.state) r.state = f.state;
  const sb = count(f.sbytes), db = count(f.dbytes), tb = count(f.tbytes);
  if (sb !== undefined) r.bytesOut = sb;
  if (db !== undefined) r.bytesIn = db;
  else if (sb !== undefined && tb !== undefined && tb >= sb) r.bytesIn = tb - sb; // TotBytes = SrcBytes + DstBytes
  return { records: [r] };
}

function protoOf(p: string): Proto {
  if (p === 'tcp' || p === 'udp' || p === 'icmp') return p;
  if (p === 'ipv6-icmp' || p === 'icmp6' || p === 'icmpv6') return 'icmpv6';
  return 'other';
}

/** A port as ra printed it with -n; service names (without -n) and ICMP type/code (0x0303) give none. */
function port(s: string | undefined): number | undefined {
  if (!s || s.length > 5 || !isDigits(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

function count(s: string | undefined): number | undefined {
  if (!s || s.length > 15 || !isDigits(s)) return undefined;
  return Number(s);
}

/** LastTime when printed, else StartTime + Dur (unless ra truncated the duration: then no end). */
function endOf(ctx: ParseContext, ts: Micros, ltime: string | undefined, dur: string | undefined): Micros | undefined {
  if (ltime) {
    const e = stamp(ctx, ltime);
    if (typeof e !== 'string' && e.ts >= ts) return e.ts;
    return undefined;
  }
  if (dur && !dur.endsWith('*')) {
    const us = secondsMicros(dur);
    if (us !== undefined) return ts + us;
  }
  return undefined;
}

/**
 * ra's time stamp forms: epoch seconds (-u), "2026-11-29 15:50:22.015569" / "2026/11/29 …" (RA_TIME_FORMAT with
 * a date; local time), "11/29.15:50:22.015569" (month/day: year inferred), or the time of day only (ra's
 * default): the last cannot be placed on a day. Returns the reason text when unusable.
 */
function stamp(ctx: ParseContext, s: string): ResolvedTime | string {
  if (s.includes('*')) return TRUNCATED;
  const c0 = s.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return 'unrecognised ra time stamp';
  if (s.length >= 9 && isEpoch(s)) return ctx.clock.epoch(s);
  let year: number | undefined, month: number, day: number, p: number;
  if (isDate(s)) {
    year = num(s, 0, 4); month = num(s, 5, 2); day = num(s, 8, 2); p = 11;
    const sep = s.charCodeAt(10);
    if (sep !== 32 && sep !== 84 /* T */ && sep !== 46) return 'unrecognised ra time stamp';
  } else if (s.charCodeAt(2) === 47 /* / */ && s.charCodeAt(5) === 46 /* . */) {
    month = num(s, 0, 2); day = num(s, 3, 2); p = 6;
  } else if (s.charCodeAt(2) === 58 /* : */) {
    return TIME_OF_DAY;
  } else return 'unrecognised ra time stamp';
  const hour = num(s, p, 2), minute = num(s, p + 3, 2), second = num(s, p + 6, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || second < 0 || (year !== undefined && year < 1970)) {
    return 'unrecognised ra time stamp';
  }
  if (s.charCodeAt(p + 2) !== 58 || s.charCodeAt(p + 5) !== 58) return 'unrecognised ra time stamp';
  let micros = 0, k = 0, i = p + 9;
  if (s.length > p + 8) {
    if (s.charCodeAt(p + 8) !== 46) return 'unrecognised ra time stamp';
    for (; i < s.length; i++, k++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return 'unrecognised ra time stamp';
      if (k < 6) micros = micros * 10 + (c - 48);
    }
    for (; k < 6; k++) micros *= 10;
  }
  const fields = { month, day, hour, minute, second, micros };
  return ctx.clock.local(year === undefined ? fields : { year, ...fields }, s);
}

function isDate(s: string): boolean {
  const a = s.charCodeAt(4), b = s.charCodeAt(7);
  return s.length >= 10 && ((a === 45 && b === 45) || (a === 47 && b === 47)) && isDigits(s.slice(0, 4));
}

function secondsMicros(s: string): number | undefined {
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot), frac = dot < 0 ? '' : s.slice(dot + 1);
  if (!isDigits(int) || (dot >= 0 && frac !== '' && !isDigits(frac)) || int.length > 10) return undefined;
  return Number(int) * 1_000_000 + Number(frac.slice(0, 6).padEnd(6, '0'));
}

function isEpoch(s: string): boolean {
  const dot = s.indexOf('.');
  return dot < 0 ? isDigits(s) : dot >= 9 && isDigits(s.slice(0, dot)) && isDigits(s.slice(dot + 1));
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



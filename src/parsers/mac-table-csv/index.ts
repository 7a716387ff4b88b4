// MAC address tables polled by SNMP (BRIDGE-MIB / Q-BRIDGE-MIB dot1qTpFdbTable, …) and exported as CSV:
// header `switch,port,vlan,mac,seen_at` (any column order, extra columns ignored), one `place` per row.
// See README.md for the export format and the column-order caveat.
import type { PlaceRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonMac, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

const COLUMNS = ['switch', 'port', 'vlan', 'mac', 'seen_at'] as const;
type Column = (typeof COLUMNS)[number];
type Layout = Record<Column, number> & { width: number };

const DEFAULT: Layout = { switch: 0, port: 1, vlan: 2, mac: 3, seen_at: 4, width: 5 };
/** Spellings accepted in a header for each column (lower-case, spaces and dashes read as underscores). */
const ALIASES: Record<string, Column> = {
  switch: 'switch', device: 'switch', host: 'switch', hostname: 'switch', sysname: 'switch',
  port: 'port', interface: 'port', ifname: 'port', if_name: 'port',
  vlan: 'vlan', vlan_id: 'vlan', vid: 'vlan',
  mac: 'mac', mac_address: 'mac', macaddress: 'mac',
  seen_at: 'seen_at', seen: 'seen_at', time: 'seen_at', timestamp: 'seen_at', polled_at: 'seen_at',
};

/**
 * The column layout of the last header line seen, per source. A parser sees one line at a time, so this is the
 * only way a header can steer the rows after it; bulk ingest splits large files over worker threads, and a worker
 * that never saw the header reads the default order (see README.md).
 */
const bySource = new Map<string, Layout>();
/** …and per clock: one per file (or worker slice) in bulk ingest, so two files of one source do not mix. */
const byClock = new WeakMap<object, Layout>();

export const macTableCsv: Parser = {
  name: 'mac-table-csv',
  description: 'CSV export of switch MAC address tables (switch,port,vlan,mac,seen_at) as MAC places',
  framing: 'line',
  syslogHeader: 'none',
  stateful: true, // the header line names the columns of the lines after it
  parse,
};
export default macTableCsv;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body.trim();
  if (line === '') return { unparsed: 'empty line' };
  if (line.length > 4096) return { unparsed: 'line too long for a MAC table row' };
  if (looksBinary(line)) return { unparsed: 'binary data, not a CSV row' };
  const f = splitCsv(line);
  if (!f) return { unparsed: 'malformed CSV (unbalanced quotes)' };

  const header = headerLayout(f);
  if (header) {
    bySource.set(ctx.source, header);
    byClock.set(ctx.clock, header);
    return { skip: 'CSV header line (column names)' };
  }
  if (f.length < 2) return { unparsed: 'not a MAC table CSV row' };
  const L = byClock.get(ctx.clock) ?? bySource.get(ctx.source) ?? DEFAULT;
  if (f.length < L.width) return { unparsed: 'CSV row has fewer columns than the header' };

  const macText = col(f, L.mac);
  const mac = canonMac(macText);
  if (!mac) return { unparsed: 'mac column is not a MAC address' };
  const stampText = col(f, L.seen_at);
  if (stampText === '') return { unparsed: 'seen_at column is empty' };
  const t = readTime(stampText, ctx);
  if (!t) return { unparsed: 'seen_at is neither ISO-8601 nor epoch seconds' };
  let vlan: number | undefined;
  const vlanText = col(f, L.vlan);
  if (vlanText !== '') {
    if (!/^\d{1,4}$/.test(vlanText) || Number(vlanText) < 1 || Number(vlanText) > 4094) return { unparsed: 'vlan column is not a VLAN id' };
    vlan = Number(vlanText);
  }
  const r: PlaceRecord = { kind: 'place', ...base(msg, ctx, t), mac, how: 'mac table' };
  const sw = col(f, L.switch);
  const port = col(f, L.port);
  if (sw) r.switch = sw;
  if (port) r.port = port;
  if (vlan !== undefined) r.vlan = vlan;
  return { records: [r] };
}

const col = (f: string[], i: number): string => (f[i] ?? '').trim();

/** A header names at least mac and seen_at (and holds no MAC value); returns its layout. */
function headerLayout(f: string[]): Layout | undefined {
  const pos: Partial<Record<Column, number>> = {};
  for (let i = 0; i < f.length; i++) {
    if (!couldBeName(f[i]!)) continue;
    const k = f[i]!.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const c = ALIASES[k];
    if (c && pos[c] === undefined) pos[c] = i;
  }
  if (pos.mac === undefined || pos.seen_at === undefined) return undefined;
  // Columns a header leaves out read as empty: point them past the end and widen nothing.
  const width = Math.max(...Object.values(pos)) + 1;
  const none = f.length + 1_000;
  return { switch: pos.switch ?? none, port: pos.port ?? none, vlan: pos.vlan ?? none, mac: pos.mac, seen_at: pos.seen_at, width };
}

/**
 * Can this field be a column name (an ALIASES key once trimmed, lower-cased, spaces and dashes made '_')? Not when
 * it holds an ASCII character other than a letter, whitespace, '-' or '_': a digit, ':', '/', '.' … — which every
 * field of a data row holds, so rows are told from headers without building a key per field.
 */
function couldBeName(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 45 || c === 32 || (c >= 9 && c <= 13)) continue;
    return false;
  }
  return true;
}

/** RFC 4180 fields of one line; null when a quote is left open. */
function splitCsv(line: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        v += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      if (i >= n) return out;
      if (line.charCodeAt(i) !== 44) return null;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** ISO-8601 (offset or Z; zone-less reads in the source's zone) or epoch seconds with an optional fraction. */
function readTime(s: string, ctx: ParseContext): ResolvedTime | undefined {
  if (/^\d{9,11}(?:\.\d{1,9})?$/.test(s)) return ctx.clock.epoch(s);
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?(?:(Z|z)|([+-])(\d\d):?(\d\d))?$/.exec(s);
  if (!m) return undefined;
  const f = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]),
    second: m[6] ? Number(m[6]) : 0, micros: m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0,
  };
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || f.second > 60) return undefined;
  try {
    if (m[8]) return ctx.clock.withOffset(f, 0, s);
    if (m[9]) return ctx.clock.withOffset(f, (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])), s);
    return ctx.clock.local(f, s);
  } catch {
    return undefined;
  }
}

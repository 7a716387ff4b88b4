// owner-csv: an administrator's owner registry, "mac,owner,note" CSV (header first; column order from the
// header; more columns ignored). Each row is a weak hint — this machine is registered to this person — never
// evidence that the person used it at a given time. The registry has no times: rows get the file's reference time.
import { normMac } from '../../records/addr.ts';
import type { SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const ownerCsv: Parser = {
  name: 'owner-csv',
  description: 'owner registry CSV (mac,owner[,note]): a weak hint of whose machine a MAC is, not evidence of use',
  framing: 'line',
  syslogHeader: 'none',
  stateful: true, // the header line names the columns of the lines after it
  parse,
};
export default ownerCsv;

const MAX_LINE = 4096;

interface Columns { sep: string; mac: number; owner: number }

/** The documented order, used until (or unless) this file's header has been seen. */
const DEFAULT: Columns = { sep: ',', mac: 0, owner: 1 };
/**
 * The header seen in this parse context (one file or source). Parsing is otherwise line by line; when a
 * file is split across ingest workers, later chunks have not seen the header and use the documented
 * order — and refuse rows whose MAC column is not a MAC (see README).
 */
const HEADERS = new WeakMap<ParseContext, Columns>();

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body.endsWith('\r') ? msg.body.slice(0, -1) : msg.body;
  if (line.length > MAX_LINE) return { unparsed: 'line too long for a registry row' };
  if (line.trim() === '') return { unparsed: 'empty line' };
  if (line.startsWith('#')) return { skip: 'comment line' };
  const semi = line.indexOf(';') >= 0 && line.indexOf(',') < 0;
  const cells = split(line, semi ? ';' : ',');
  if (!cells) return { unparsed: 'malformed CSV (unbalanced quotes)' };
  const names = cells.map((c) => c.trim().toLowerCase());
  const mi = names.indexOf('mac'), oi = names.indexOf('owner');
  if (mi >= 0 && oi >= 0) {
    HEADERS.set(ctx, { sep: semi ? ';' : ',', mac: mi, owner: oi });
    return { skip: 'CSV header line' };
  }
  const cols = HEADERS.get(ctx) ?? DEFAULT;
  const macText = cells[cols.mac]?.trim() ?? '';
  const owner = cells[cols.owner]?.trim() ?? '';
  if (cells.length < 2) return { unparsed: 'not a registry row (fewer than two columns)' };
  const mac = normMac(macText);
  if (!mac) return { unparsed: 'MAC column is not a MAC address' };
  if (owner === '') return { skip: 'row without an owner' };
  // No time in the registry: the file's reference time (when it was read), without rawStamp.
  const rec: SessionRecord = {
    kind: 'session', ts: ctx.received, received: ctx.received, source: ctx.source, raw: msg.raw,
    user: owner, event: 'owner', how: 'owner registry', mac,
  };
  return { records: [rec] };
}

/** One CSV line into cells: RFC 4180 quoting ("Doe, Anna", "say ""hi"""), no line breaks inside cells. */
function split(s: string, sep: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (s.charCodeAt(i) === 34) {
      let cell = '';
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) return null;
        cell += s.slice(i, q);
        if (s.charCodeAt(q + 1) === 34) {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const next = s.indexOf(sep, i);
      out.push(cell + (next < 0 ? s.slice(i) : s.slice(i, next)));
      if (next < 0) return out;
      i = next + 1;
    } else {
      const next = s.indexOf(sep, i);
      if (next < 0) {
        out.push(s.slice(i));
        return out;
      }
      out.push(s.slice(i, next));
      i = next + 1;
    }
  }
}

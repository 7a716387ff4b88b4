// The JSON reading of the windows-security parser as it was before the scan in index.ts replaced it, kept as
// the reference of the differential test (index.test.ts); nothing else imports it. It parses the line with
// JSON.parse (after cutting out the message text): a full validation of the JSON. The line checks before and
// the mapping of the event to a record after are index.ts's own, so the test compares the two readings.
//
// windows-security: Windows Security log logons (4624) and logoffs (4634, 4647), one JSON event per line, as
// Winlogbeat / Elastic Agent (ECS: winlog.event_id, winlog.event_data.*), NXLog im_msvistalog + to_json()
// (flat: EventID, TargetUserName, EventTime, Hostname) and the Wazuh agent (win.system / win.eventdata, or the
// older EventChannel.System / EventData) send them. Field names are Microsoft's (4624 schema, version 0-3).
import type { Message } from '../../syslog/types.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';
// The line checks, the value reader and the event → record mapping are shared: the reference is about reading
// the JSON.
import { DATA_FIELDS, eventRecord, jsonSpan, str } from './index.ts';

export const referenceParser: Parser = {
  name: 'windows-security',
  description: 'Windows Security logons/logoffs (4624, 4634, 4647) as JSON lines from Winlogbeat, NXLog or the Wazuh agent',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};

type Obj = Record<string, unknown>;

interface Event {
  id: string;
  data: Obj;
  host?: string;
  /** ISO 8601 with a zone, or NXLog's default EventTime "YYYY-MM-DD hh:mm:ss" (local time, no zone). */
  stamp?: string;
}

/** Each data field by Microsoft's name and the camelCase one the Wazuh agent uses. */
const NAMES = new Map(DATA_FIELDS.map(([name, f]) => [f, [name, name[0]!.toLowerCase() + name.slice(1)] as const]));

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const span = jsonSpan(msg.body);
  if (!Array.isArray(span)) return span;
  const [a, b] = span;
  let obj: unknown;
  try {
    obj = JSON.parse(withoutMessage(a === 0 && b === msg.body.length ? msg.body : msg.body.slice(a, b)));
  } catch {
    return { unparsed: 'malformed JSON' };
  }
  if (!isObj(obj)) return { unparsed: 'not a JSON object' };
  const ev = dialect(obj);
  if (!ev) return { unparsed: 'JSON without a Windows event id' };
  return eventRecord(ev, (f) => field(ev.data, ...NAMES.get(f)!), msg, ctx);
}

/**
 * The event's rendered text ("message" in Winlogbeat and Wazuh, "Message" in NXLog) is two thirds of a line
 * and nothing here reads it: its value is cut out before JSON.parse, which then parses a third of the line
 * (JSON.parse of the whole line was ~75% of the parser's time). The cut is exact: `essage":"` can only be a
 * key and the start of its string (a quote inside a JSON string is always escaped), and the string ends at
 * the first quote preceded by an even number of backslashes. The text itself is not validated: a line whose
 * only fault is inside the message (an invalid escape, a raw control character) still gives its record.
 */
export function withoutMessage(s: string): string {
  const k = s.indexOf('essage":"');
  if (k < 2 || s.charCodeAt(k - 2) !== 34 || (s.charCodeAt(k - 1) | 32) !== 109) return s; // '"' then m or M
  const start = k + 9;
  let q = start;
  for (;;) {
    q = s.indexOf('"', q);
    if (q < 0) return s; // unterminated: JSON.parse says so
    let bs = 0;
    while (q - bs - 1 >= start && s.charCodeAt(q - bs - 1) === 92) bs++;
    if ((bs & 1) === 0) break;
    q++;
  }
  return q - start < 256 ? s : s.slice(0, start) + s.slice(q);
}

/** Which shipper wrote the line, and where its event id, data, computer and time are. */
function dialect(o: Obj): Event | undefined {
  const winlog = o.winlog;
  if (isObj(winlog)) { // Winlogbeat / Elastic Agent (ECS)
    const evt = isObj(o.event) ? o.event : {};
    const host = isObj(o.host) ? o.host : {};
    const id = str(winlog.event_id) ?? str(evt.code);
    if (!id) return undefined;
    return { id, data: isObj(winlog.event_data) ? winlog.event_data : {}, host: str(winlog.computer_name) ?? str(host.name), stamp: str(o['@timestamp']) };
  }
  const win = o.win;
  if (isObj(win) && isObj(win.system)) { // Wazuh agent, 4.x
    const id = str(win.system.eventID);
    if (!id) return undefined;
    return { id, data: isObj(win.eventdata) ? win.eventdata : {}, host: str(win.system.computer), stamp: str(win.system.systemTime) };
  }
  const ec = o.EventChannel;
  if (isObj(ec) && isObj(ec.System)) { // Wazuh agent, 3.x
    const id = str(ec.System.EventID);
    if (!id) return undefined;
    return { id, data: isObj(ec.EventData) ? ec.EventData : {}, host: str(ec.System.Computer), stamp: str(ec.System.SystemTime) };
  }
  const id = str(o.EventID); // NXLog im_msvistalog + to_json(): flat
  if (!id) return undefined;
  return { id, data: o, host: str(o.Hostname), stamp: str(o.EventTime) };
}

/** A field by Microsoft's name, or the camelCase spelling the Wazuh agent uses (given: no string built per call). */
function field(d: Obj, name: string, camel: string): unknown {
  const v = d[name];
  if (v !== undefined) return v;
  return d[camel];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

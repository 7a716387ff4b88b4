// The windows-security parser as it was before its JSON reading was replaced by a scan (index.ts), kept
// unchanged as the reference of the differential test (index.test.ts); nothing else imports it.
// It parsed the line with JSON.parse (after cutting out the message text): a full validation of the JSON.
//
// windows-security: Windows Security log logons (4624) and logoffs (4634, 4647), one JSON event per line, as
// Winlogbeat / Elastic Agent (ECS: winlog.event_id, winlog.event_data.*), NXLog im_msvistalog + to_json()
// (flat: EventID, TargetUserName, EventTime, Hostname) and the Wazuh agent (win.system / win.eventdata, or the
// older EventChannel.System / EventData) send them. Field names are Microsoft's (4624 schema, version 0-3).
import { normIp } from '../../records/addr.ts';
import type { SessionEvent, SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';
// The stamp reader and the logon-type and account tables are shared: the reference is about reading the JSON.
import { LOGON_TYPES, parseIso, SYSTEM_DOMAINS, SYSTEM_USERS } from './index.ts';

export const referenceParser: Parser = {
  name: 'windows-security',
  description: 'Windows Security logons/logoffs (4624, 4634, 4647) as JSON lines from Winlogbeat, NXLog or the Wazuh agent',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};

/** A Security event with its message text is a few KiB; far longer lines are not one event. */
const MAX_LINE = 256 * 1024;

type Obj = Record<string, unknown>;


interface Event {
  id: string;
  data: Obj;
  host?: string;
  /** ISO 8601 with a zone, or NXLog's default EventTime "YYYY-MM-DD hh:mm:ss" (local time, no zone). */
  stamp?: string;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const body = msg.body;
  if (body.length > MAX_LINE) return { unparsed: 'line too long for one Windows event' };
  let a = 0, b = body.length;
  while (a < b && body.charCodeAt(a) <= 32) a++;
  while (b > a && body.charCodeAt(b - 1) <= 32) b--;
  if (body.charCodeAt(a) !== 123 || body.charCodeAt(b - 1) !== 125) return { unparsed: 'not a JSON object' };
  // Most of a Security channel is other events (4688, 5156 …): skip them without parsing the JSON.
  if (body.indexOf('4624') < 0 && body.indexOf('4634') < 0 && body.indexOf('4647') < 0) {
    return { skip: 'Windows event that is not a logon or logoff (4624/4634/4647)' };
  }
  let obj: unknown;
  try {
    obj = JSON.parse(withoutMessage(a === 0 && b === body.length ? body : body.slice(a, b)));
  } catch {
    return { unparsed: 'malformed JSON' };
  }
  if (!isObj(obj)) return { unparsed: 'not a JSON object' };
  const ev = dialect(obj);
  if (!ev) return { unparsed: 'JSON without a Windows event id' };
  if (ev.id !== '4624' && ev.id !== '4634' && ev.id !== '4647') return { skip: 'Windows event that is not a logon or logoff (4624/4634/4647)' };

  const name = str(field(ev.data, 'TargetUserName', 'targetUserName'));
  if (!name || name === '-') return { skip: 'logon event without a user name' };
  const domain = str(field(ev.data, 'TargetDomainName', 'targetDomainName'));
  if (name.endsWith('$')) return { skip: 'machine account logon (a computer, not a person)' };
  const lname = name.toLowerCase();
  if (SYSTEM_USERS.has(lname) || (domain && SYSTEM_DOMAINS.has(domain.toLowerCase())) || /^(dwm|umfd)-\d+$/.test(lname)) {
    return { skip: 'system or service account logon (not a person)' };
  }

  let event: SessionEvent;
  let how: string;
  if (ev.id === '4647') {
    event = 'logout';
    how = 'windows user logoff';
  } else {
    const type = str(field(ev.data, 'LogonType', 'logonType'));
    if (!type) return { unparsed: 'logon event without a LogonType' };
    const t = LOGON_TYPES[type];
    if (t === undefined) return { skip: 'unknown logon type' };
    if (typeof t === 'string') return { skip: t };
    if (ev.id === '4634') {
      if (t.event !== 'login') return { skip: 'logoff of a network or unlock logon (the logon record stands alone)' };
      event = 'logout';
    } else event = t.event;
    how = t.how;
  }

  const time = resolve(ev, msg, ctx);
  if (!time) return { unparsed: 'no usable time stamp' };
  const user = domain && domain !== '-' && !name.includes('@') ? `${domain}\\${name}` : name;
  const rec: SessionRecord = { kind: 'session', ...base(msg, ctx, time), user, event, how };
  const ipText = str(field(ev.data, 'IpAddress', 'ipAddress'));
  if (ipText && ipText !== '-') {
    const ip = normIp(ipText);
    if (ip && ip !== '127.0.0.1' && ip !== '::1') rec.ip = ip;
  }
  const host = ev.host ?? msg.header?.hostname;
  if (host) rec.host = host;
  const logonId = str(field(ev.data, 'TargetLogonId', 'targetLogonId'));
  if (logonId && logonId !== '0x0') rec.sessionId = `${host ? `${host} ` : ''}${logonId.toLowerCase()}`;
  return { records: [rec] };
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

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The event's own stamp (ISO 8601, with zone or NXLog's local "YYYY-MM-DD hh:mm:ss"), else the syslog header's. */
function resolve(ev: Event, msg: Message, ctx: ParseContext): ResolvedTime | undefined {
  if (ev.stamp) {
    const p = parseIso(ev.stamp);
    if (!p) return undefined;
    try {
      if (p.offset === undefined) return ctx.clock.local(p.fields, ev.stamp);
      return ctx.clock.withOffset(p.fields, p.offset, ev.stamp);
    } catch {
      return undefined;
    }
  }
  return msg.header?.stamp;
}

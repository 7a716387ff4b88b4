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

export const windowsSecurity: Parser = {
  name: 'windows-security',
  description: 'Windows Security logons/logoffs (4624, 4634, 4647) as JSON lines from Winlogbeat, NXLog or the Wazuh agent',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default windowsSecurity;

/** A Security event with its message text is a few KiB; far longer lines are not one event. */
const MAX_LINE = 256 * 1024;

/** Logon types (4624 LogonType): what each means for "who was at which machine". */
export const LOGON_TYPES: Record<string, { event: SessionEvent; how: string } | string> = {
  '2': { event: 'login', how: 'windows interactive' },
  '10': { event: 'login', how: 'windows remote-interactive' },
  '11': { event: 'login', how: 'windows cached-interactive' },
  '12': { event: 'login', how: 'windows cached-remote-interactive' },
  '3': { event: 'auth', how: 'windows network' },
  '8': { event: 'auth', how: 'windows network-cleartext' },
  '7': { event: 'auth', how: 'windows unlock' },
  '13': { event: 'auth', how: 'windows cached-unlock' },
  '0': 'system logon (logon type 0)',
  '4': 'batch or service logon (not a person at a machine)',
  '5': 'batch or service logon (not a person at a machine)',
  '9': 'NewCredentials logon (runas /netonly: the same user with other credentials)',
};

/** Accounts that are the system itself, never a person. */
export const SYSTEM_USERS = new Set(['system', 'local service', 'network service', 'anonymous logon', 'iusr']);
export const SYSTEM_DOMAINS = new Set(['nt authority', 'nt service', 'window manager', 'font driver host', 'nt virtual machine']);

interface Event {
  id: string;
  /** First slot of the event-data block (see the slots below). */
  data: number;
  host?: string;
  /** ISO 8601 with a zone, or NXLog's default EventTime "YYYY-MM-DD hh:mm:ss" (local time, no zone). */
  stamp?: string;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const span = jsonSpan(msg.body);
  if (!Array.isArray(span)) return span;
  if (!scan(msg.body, span[0], span[1])) return { unparsed: 'malformed JSON' };
  const ev = dialect();
  if (!ev) return { unparsed: 'JSON without a Windows event id' };
  return eventRecord(ev, (f) => field(ev.data, f), msg, ctx);
}

/**
 * A line's checks before its JSON is read: the object's bounds [a, b) (whitespace trimmed), or the outcome
 * when the line is not one for this parser.
 */
export function jsonSpan(body: string): [number, number] | ParseResult {
  if (body.length > MAX_LINE) return { unparsed: 'line too long for one Windows event' };
  let a = 0, b = body.length;
  while (a < b && body.charCodeAt(a) <= 32) a++;
  while (b > a && body.charCodeAt(b - 1) <= 32) b--;
  if (body.charCodeAt(a) !== 123 || body.charCodeAt(b - 1) !== 125) return { unparsed: 'not a JSON object' };
  // Most of a Security channel is other events (4688, 5156 …): skip them without reading the JSON.
  if (body.indexOf('4624') < 0 && body.indexOf('4634') < 0 && body.indexOf('4647') < 0) {
    return { skip: 'Windows event that is not a logon or logoff (4624/4634/4647)' };
  }
  return [a, b];
}

/**
 * A read event → its session record, or why none. `get` gives a data field (F_USER, F_DOMAIN, F_TYPE, F_IP,
 * F_LOGON_ID) as the JSON holds it: however the line was read, the mapping is this one.
 */
export function eventRecord(ev: { id: string; host?: string; stamp?: string }, get: (f: number) => unknown, msg: Message, ctx: ParseContext): ParseResult {
  if (ev.id !== '4624' && ev.id !== '4634' && ev.id !== '4647') return { skip: 'Windows event that is not a logon or logoff (4624/4634/4647)' };

  const name = str(get(F_USER));
  if (!name || name === '-') return { skip: 'logon event without a user name' };
  const domain = str(get(F_DOMAIN));
  if (name.endsWith('$')) return { skip: 'machine account logon (a computer, not a person)' };
  const lname = name.toLowerCase();
  const c0 = lname.charCodeAt(0); // the regex only when the name starts like dwm- / umfd-
  if (SYSTEM_USERS.has(lname) || (domain && SYSTEM_DOMAINS.has(domain.toLowerCase())) || ((c0 === 100 || c0 === 117) && /^(dwm|umfd)-\d+$/.test(lname))) {
    return { skip: 'system or service account logon (not a person)' };
  }

  let event: SessionEvent;
  let how: string;
  if (ev.id === '4647') {
    event = 'logout';
    how = 'windows user logoff';
  } else {
    const type = str(get(F_TYPE));
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
  const ipText = str(get(F_IP));
  if (ipText && ipText !== '-') {
    const ip = normIp(ipText);
    if (ip && ip !== '127.0.0.1' && ip !== '::1') rec.ip = ip;
  }
  const host = ev.host ?? msg.header?.hostname;
  if (host) rec.host = host;
  const logonId = str(get(F_LOGON_ID));
  if (logonId && logonId !== '0x0') rec.sessionId = `${host ? `${host} ` : ''}${logonId.toLowerCase()}`;
  return { records: [rec] };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the JSON without building it.
//
// JSON.parse of a line (even without its message text) was ~70% of the parser's time, and the parser reads
// about ten of its 40-60 fields. scan() walks the line once instead: every string token is jumped over with
// indexOf('"') (its end is the first quote preceded by an even number of backslashes), and only the short
// gaps between strings are read character by character, with the full JSON grammar for what can be there
// (whitespace, : , { } [ ], numbers, true/false/null). It keeps a stack of the objects it is in, so a key
// is taken only at its place (win.eventdata.targetUserName, not a targetUserName nested anywhere else), and
// a repeated key replaces the earlier value (as JSON.parse does), a repeated container its whole content.
// The strings it keeps are decoded and checked exactly (JSON.parse of the token when it has a backslash;
// else no raw control character). Not checked: the inside of the strings it does not keep (an invalid
// escape or a raw control character there) — see README.
// ---------------------------------------------------------------------------------------------------------

/** Where the scan is: the object whose keys it reads, or one it ignores (OTHER), or an array. */
const OTHER = 0, ROOT = 1, WINLOG = 2, WINLOG_DATA = 3, EVENT = 4, HOST = 5, WIN = 6, WIN_SYSTEM = 7, WIN_DATA = 8,
  EC = 9, EC_SYSTEM = 10, EC_DATA = 11, ARRAY = 12;

/** Event-data fields within a data block: Microsoft's name at +F, the Wazuh camelCase one at +F+1. */
export const F_USER = 0, F_DOMAIN = 2, F_TYPE = 4, F_IP = 6, F_LOGON_ID = 8;

/** Slots: one per key the parser reads, a container's slots right after its own. */
const S_WINLOG = 0, S_WL_ID = 1, S_WL_COMPUTER = 2, S_WL_DATA = 3, S_EVENT = 14, S_EVENT_CODE = 15, S_HOST = 16, S_HOST_NAME = 17,
  S_TIMESTAMP = 18, S_WIN = 19, S_WIN_SYSTEM = 20, S_WIN_ID = 21, S_WIN_COMPUTER = 22, S_WIN_TIME = 23, S_WIN_DATA = 24,
  S_EC = 35, S_EC_SYSTEM = 36, S_EC_ID = 37, S_EC_COMPUTER = 38, S_EC_TIME = 39, S_EC_DATA = 40,
  S_ID = 51, S_HOSTNAME = 52, S_EVENTTIME = 53, S_FLAT = 54, SLOTS = 64;

/** A container slot → the context of its object (0: not a container) and the end of its own slots. */
const CHILD = new Uint8Array(SLOTS);
const END = new Uint8Array(SLOTS);
for (const [slot, child, end] of [[S_WINLOG, WINLOG, S_EVENT], [S_WL_DATA, WINLOG_DATA, S_EVENT], [S_EVENT, EVENT, S_HOST], [S_HOST, HOST, S_TIMESTAMP],
  [S_WIN, WIN, S_EC], [S_WIN_SYSTEM, WIN_SYSTEM, S_WIN_DATA], [S_WIN_DATA, WIN_DATA, S_EC],
  [S_EC, EC, S_ID], [S_EC_SYSTEM, EC_SYSTEM, S_EC_DATA], [S_EC_DATA, EC_DATA, S_ID]] as const) {
  CHILD[slot] = child;
  END[slot] = end;
}

/** The value of an object in a slot (its keys are in the slots after it). */
const OBJ: object = Object.freeze({});
/**
 * What the last scanned line holds per slot: undefined (no such key), a string (decoded), a number, OBJ, or
 * null (an array, true, false or null: what neither str() nor an object test accepts).
 */
const vals: unknown[] = new Array<unknown>(SLOTS).fill(undefined);
/** Context per nesting depth (a line of MAX_LINE characters cannot nest deeper). */
const stack = new Uint8Array(MAX_LINE + 2);

const KEY_OR_END = 0, KEY = 1, VALUE_OR_END = 2, VALUE = 3, AFTER = 4;

/**
 * Is s[a, b) — which starts with { and ends with } — one JSON object? Fills `vals` on the way. False for
 * anything JSON.parse rejects, except a fault inside a string that is not kept (see above).
 */
function scan(s: string, a: number, b: number): boolean {
  for (let k = 0; k < SLOTS; k++) vals[k] = undefined;
  let nb = -1; // the first backslash at or after the current string (s.length: none left)
  let depth = 0;
  let ctx = ROOT;
  stack[0] = ROOT;
  let state = KEY_OR_END;
  let slot = -1;
  let i = a + 1;
  for (;;) {
    let c = s.charCodeAt(i);
    while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++i);
    if (state <= KEY) {
      if (c !== 34) {
        if (c !== 125 || state !== KEY_OR_END) return false;
      } else {
        // The common run of "key":"value", pairs of one object, without going round the outer loop.
        for (;;) {
          let st = i + 1;
          let q = s.indexOf('"', st);
          if (q < 0) return false;
          if (nb < st) nb = backslash(s, st);
          let escaped = nb < q;
          if (escaped && (q = stringEnd(s, st, q)) < 0) return false;
          slot = -1;
          if (ctx !== OTHER) {
            if (escaped) {
              const key = decode(s, st, q);
              if (key === undefined) return false;
              slot = matchKey(ctx, key, 0, key.length);
            } else slot = matchKey(ctx, s, st, q - st);
          }
          c = s.charCodeAt(i = q + 1);
          while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++i);
          if (c !== 58) return false; // :
          c = s.charCodeAt(++i);
          while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++i);
          if (c !== 34) {
            state = VALUE;
            break;
          }
          st = i + 1;
          q = s.indexOf('"', st);
          if (q < 0) return false;
          if (nb < st) nb = backslash(s, st);
          escaped = nb < q;
          if (escaped && (q = stringEnd(s, st, q)) < 0) return false;
          if (slot >= 0 && !keepString(s, st, q, escaped, slot)) return false;
          slot = -1;
          c = s.charCodeAt(i = q + 1);
          while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++i);
          if (c !== 44) { // not ,: the object must end here
            state = AFTER;
            break;
          }
          c = s.charCodeAt(++i);
          while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = s.charCodeAt(++i);
          if (c !== 34) return false;
        }
        continue;
      }
    } else if (state === AFTER) {
      if (c === 44) { // ,
        i++;
        state = ctx === ARRAY ? VALUE : KEY;
        continue;
      }
      if (c !== (ctx === ARRAY ? 93 : 125)) return false;
    } else { // a value
      const sl = slot;
      slot = -1;
      if (c === 34) {
        const st = i + 1;
        let q = s.indexOf('"', st);
        if (q < 0) return false;
        if (nb < st) nb = backslash(s, st);
        const escaped = nb < q;
        if (escaped && (q = stringEnd(s, st, q)) < 0) return false;
        if (sl >= 0 && !keepString(s, st, q, escaped, sl)) return false;
        i = q + 1;
        state = AFTER;
        continue;
      }
      if (c === 123) { // {
        let child = OTHER;
        if (sl >= 0) {
          child = CHILD[sl]!;
          if (child !== 0) {
            for (let k = sl + 1, e = END[sl]!; k < e; k++) vals[k] = undefined;
            vals[sl] = OBJ;
          } else vals[sl] = null;
        }
        stack[++depth] = ctx = child;
        i++;
        state = KEY_OR_END;
        continue;
      }
      if (c === 91) { // [
        if (sl >= 0) setNonObject(sl);
        stack[++depth] = ctx = ARRAY;
        i++;
        state = VALUE_OR_END;
        continue;
      }
      if (c === 45 || (c >= 48 && c <= 57)) {
        const e = numberEnd(s, i);
        if (e < 0) return false;
        if (sl >= 0) {
          if (CHILD[sl] !== 0) setNonObject(sl);
          else vals[sl] = Number(s.slice(i, e));
        }
        i = e;
        state = AFTER;
        continue;
      }
      const lit = c === 116 ? 'true' : c === 102 ? 'false' : c === 110 ? 'null' : undefined;
      if (lit !== undefined) {
        if (!s.startsWith(lit, i)) return false;
        if (sl >= 0) setNonObject(sl);
        i += lit.length;
        state = AFTER;
        continue;
      }
      if (c !== 93 || state !== VALUE_OR_END) return false;
    }
    // c closes the current object or array
    if (depth === 0) return i === b - 1;
    ctx = stack[--depth]!;
    i++;
    state = AFTER;
  }
}

/** A string value s[st, q) of a slot: decoded and checked (a container given a string is a non-object). */
function keepString(s: string, st: number, q: number, escaped: boolean, slot: number): boolean {
  if (CHILD[slot] !== 0) setNonObject(slot);
  else if (escaped) {
    const v = decode(s, st, q);
    if (v === undefined) return false;
    vals[slot] = v;
  } else {
    const v = s.slice(st, q);
    for (let k = v.length - 1; k >= 0; k--) if (v.charCodeAt(k) < 32) return false;
    vals[slot] = v;
  }
  return true;
}

/** A slot whose value is not an object (or not a string/number for a leaf): null, its container's slots cleared. */
function setNonObject(slot: number): void {
  for (let k = slot + 1, e = END[slot]!; k < e; k++) vals[k] = undefined;
  vals[slot] = null;
}

function backslash(s: string, from: number): number {
  const k = s.indexOf('\\', from);
  return k < 0 ? s.length : k;
}

/** The end of the string starting at st whose first quote is at q: the first quote after an even number of backslashes. */
function stringEnd(s: string, st: number, q: number): number {
  for (;;) {
    let k = q - 1;
    while (k >= st && s.charCodeAt(k) === 92) k--;
    if (((q - 1 - k) & 1) === 0) return q;
    q = s.indexOf('"', q + 1);
    if (q < 0) return -1;
  }
}

/** The string token s[st - 1, q + 1] decoded by JSON.parse (exact for escapes), or undefined when invalid. */
function decode(s: string, st: number, q: number): string | undefined {
  try {
    return JSON.parse(s.slice(st - 1, q + 1)) as string;
  } catch {
    return undefined;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The end of the JSON number at i (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), or -1. */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  let c = s.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) while (isDigit(s.charCodeAt(++i)));
  else return -1;
  if (s.charCodeAt(i) === 46) {
    if (!isDigit(s.charCodeAt(++i))) return -1;
    while (isDigit(s.charCodeAt(++i)));
  }
  c = s.charCodeAt(i);
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    while (isDigit(s.charCodeAt(++i)));
  }
  return i;
}

/** The keys read, per context: [context, key, slot]. Within a context no two share their length and first character. */
const KEYS: [number, string, number][] = [
  [ROOT, 'win', S_WIN], [ROOT, 'host', S_HOST], [ROOT, 'event', S_EVENT], [ROOT, 'winlog', S_WINLOG], [ROOT, 'EventID', S_ID],
  [ROOT, 'Hostname', S_HOSTNAME], [ROOT, 'EventTime', S_EVENTTIME], [ROOT, '@timestamp', S_TIMESTAMP], [ROOT, 'EventChannel', S_EC],
  [WINLOG, 'event_id', S_WL_ID], [WINLOG, 'computer_name', S_WL_COMPUTER], [WINLOG, 'event_data', S_WL_DATA],
  [EVENT, 'code', S_EVENT_CODE], [HOST, 'name', S_HOST_NAME],
  [WIN, 'system', S_WIN_SYSTEM], [WIN, 'eventdata', S_WIN_DATA],
  [WIN_SYSTEM, 'eventID', S_WIN_ID], [WIN_SYSTEM, 'computer', S_WIN_COMPUTER], [WIN_SYSTEM, 'systemTime', S_WIN_TIME],
  [EC, 'System', S_EC_SYSTEM], [EC, 'EventData', S_EC_DATA],
  [EC_SYSTEM, 'EventID', S_EC_ID], [EC_SYSTEM, 'Computer', S_EC_COMPUTER], [EC_SYSTEM, 'SystemTime', S_EC_TIME],
];
export const DATA_FIELDS: [string, number][] = [['TargetUserName', F_USER], ['TargetDomainName', F_DOMAIN], ['LogonType', F_TYPE], ['IpAddress', F_IP], ['TargetLogonId', F_LOGON_ID]];
for (const [c, first] of [[ROOT, S_FLAT], [WINLOG_DATA, S_WL_DATA + 1], [WIN_DATA, S_WIN_DATA + 1], [EC_DATA, S_EC_DATA + 1]] as const) {
  for (const [name, f] of DATA_FIELDS) {
    KEYS.push([c, name, first + f], [c, name[0]!.toLowerCase() + name.slice(1), first + f + 1]);
  }
}
/** (context, key length < 32, first character < 128) → slot + 1 of the only key it can be, 0: none. */
const KEY_INDEX = new Uint8Array(13 * 32 * 128);
const KEY_NAME: string[] = new Array<string>(SLOTS).fill('');
const KEY_LAST = new Uint8Array(SLOTS);
/** Per context, bit n set when a key of length n is read there. */
const KEY_LENGTHS = new Uint32Array(13);
for (const [c, name, slot] of KEYS) {
  const x = (c * 32 + name.length) * 128 + name.charCodeAt(0);
  if (KEY_INDEX[x] !== 0) throw new Error(`windows-security: keys ${name} and ${KEY_NAME[KEY_INDEX[x]! - 1]} collide`);
  KEY_INDEX[x] = slot + 1;
  KEY_NAME[slot] = name;
  KEY_LAST[slot] = name.charCodeAt(name.length - 1);
  KEY_LENGTHS[c] = KEY_LENGTHS[c]! | (1 << name.length);
}

/** The slot of key s[k, k + n) in an object of context ctx, or -1. */
function matchKey(ctx: number, s: string, k: number, n: number): number {
  if (((KEY_LENGTHS[ctx]! >>> n) & 1) === 0 || n >= 32) return -1;
  const c = s.charCodeAt(k);
  if (c >= 128) return -1;
  const slot = KEY_INDEX[(ctx * 32 + n) * 128 + c]! - 1;
  if (slot < 0 || s.charCodeAt(k + n - 1) !== KEY_LAST[slot]) return -1;
  return s.slice(k, k + n) === KEY_NAME[slot] ? slot : -1;
}

/** Which shipper wrote the line (from the containers present), and where its event id, data, computer and time are. */
function dialect(): Event | undefined {
  if (vals[S_WINLOG] === OBJ) { // Winlogbeat / Elastic Agent (ECS)
    const id = str(vals[S_WL_ID]) ?? str(vals[S_EVENT_CODE]);
    if (!id) return undefined;
    return { id, data: S_WL_DATA + 1, host: str(vals[S_WL_COMPUTER]) ?? str(vals[S_HOST_NAME]), stamp: str(vals[S_TIMESTAMP]) };
  }
  if (vals[S_WIN] === OBJ && vals[S_WIN_SYSTEM] === OBJ) { // Wazuh agent, 4.x
    const id = str(vals[S_WIN_ID]);
    if (!id) return undefined;
    return { id, data: S_WIN_DATA + 1, host: str(vals[S_WIN_COMPUTER]), stamp: str(vals[S_WIN_TIME]) };
  }
  if (vals[S_EC] === OBJ && vals[S_EC_SYSTEM] === OBJ) { // Wazuh agent, 3.x
    const id = str(vals[S_EC_ID]);
    if (!id) return undefined;
    return { id, data: S_EC_DATA + 1, host: str(vals[S_EC_COMPUTER]), stamp: str(vals[S_EC_TIME]) };
  }
  const id = str(vals[S_ID]); // NXLog im_msvistalog + to_json(): flat
  if (!id) return undefined;
  return { id, data: S_FLAT, host: str(vals[S_HOSTNAME]), stamp: str(vals[S_EVENTTIME]) };
}

/** A data field: Microsoft's name when the key is there (whatever its value), else the camelCase one. */
function field(data: number, f: number): unknown {
  const v = vals[data + f];
  return v !== undefined ? v : vals[data + f + 1];
}

/** A JSON value as a non-empty string (numbers as their text). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The event's own stamp (ISO 8601, with zone or NXLog's local "YYYY-MM-DD hh:mm:ss"), else the syslog header's. */
export function resolve(ev: { stamp?: string }, msg: Message, ctx: ParseContext): ResolvedTime | undefined {
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

/** Two ASCII digits at i → their value, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

type IsoFields = { year: number; month: number; day: number; hour: number; minute: number; second: number; micros: number };

/**
 * "2021-05-07T21:36:19.887424400Z", "2016-10-06 01:50:49.420927 UTC", "2024-01-01 10:00:00", "…+01:00": exactly
 * /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ?(Z|UTC|[+-]\d{2}:?\d{2}))?$/, read by hand.
 */
export function parseIso(s: string): { fields: IsoFields; offset?: number } | undefined {
  const n = s.length;
  if (n > 40 || n < 19) return undefined;
  const y1 = d2(s, 0), y2 = d2(s, 2), month = d2(s, 5), day = d2(s, 8), hour = d2(s, 11), minute = d2(s, 14), second = d2(s, 17);
  const sep = s.charCodeAt(10);
  if ((y1 | y2 | month | day | hour | minute | second) < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 ||
      (sep !== 84 && sep !== 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  let i = 19;
  let micros = 0;
  if (s.charCodeAt(i) === 46) { // fraction: 1-9 digits, ns digits truncated (still that µs)
    let k = 0;
    i++;
    for (let d: number; k < 9 && (d = s.charCodeAt(i) - 48) >= 0 && d <= 9; i++, k++) if (k < 6) micros = micros * 10 + d;
    if (k === 0) return undefined;
    for (let m = k; m < 6; m++) micros *= 10;
  }
  const fields = { year: y1 * 100 + y2, month, day, hour, minute, second, micros };
  if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.day > 31 || fields.hour > 23 || fields.minute > 59 || fields.second > 60) return undefined;
  if (i === n) return { fields };
  // Zone: optional space, then Z, UTC or ±hh[:]mm, then the end.
  if (s.charCodeAt(i) === 32) i++;
  const c = s.charCodeAt(i);
  if (c === 90 && i + 1 === n) return { fields, offset: 0 };
  if (c === 85 && i + 3 === n && s.charCodeAt(i + 1) === 84 && s.charCodeAt(i + 2) === 67) return { fields, offset: 0 };
  if (c !== 43 && c !== 45) return undefined;
  const oh = d2(s, i + 1);
  const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
  const om = d2(s, i + 3 + colon);
  if (oh < 0 || om < 0 || i + 5 + colon !== n) return undefined;
  return { fields, offset: (c === 45 ? -1 : 1) * (oh * 60 + om) };
}

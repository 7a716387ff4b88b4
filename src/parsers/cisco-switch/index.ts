// Cisco IOS / IOS-XE switch messages that put a MAC on a port: MAC flaps and moves, port-security violations,
// 802.1X / MAB / authentication-manager (session manager) events. Each becomes a `place` record; an 802.1X success
// that names the user also becomes a `session` record. See README.md for the message list and the time stamps.
import type { PlaceRecord, SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { inferYear } from '../../time/year.ts';
import { base, canonMac, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/** "%FACILITY[-SUB]-SEVERITY-MNEMONIC: " at the position given by lastIndex. */
const MSG_ID = /%([A-Z][A-Z0-9_]*(?:-[A-Z][A-Z0-9_]*)*)-([0-7])-([A-Z][A-Z0-9_]*): ?/y;
/** Device stamp at the end of the prefix: "[*.]Mmm dd [yyyy ]hh:mm:ss[.fff][ ZONE]: ". */
const STAMP =
  /([*.]?)(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?: ([A-Za-z][A-Za-z0-9]{0,5}))?: *$/;
/** Uptime stamps ("04:23:21: ", "1w0d: ", "2d03h: ", "00:01:02.123: "): no date, no time of day. */
const UPTIME = /(?:^|\s)(?:\d{1,2}:\d\d:\d\d(?:\.\d{1,3})?|\d{1,3}[wdyh]\d{1,2}[dhm]?):\s*$/;
/** IOS-XE (Catalyst 9k, 9800): "Switch 1 R0/0: sessmgrd: " / "Chassis 2 R0/0: wncd: " before the text. */
const XE_PREFIX = /^(?:Switch|Chassis) \d{1,2} [A-Z]{1,2}\d{0,2}\/\d{1,2}: [a-z_]{1,20}: +/;

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

/**
 * Zone names as IOS prints them (`clock timezone NAME h m`, `clock summer-time NAME …`): the operator chooses the
 * name, so only the usual spellings are read as offsets (minutes east of UTC). CST is read as US Central.
 * Any other name falls back to the source's configured zone.
 */
const ZONES: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  MSK: 180, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, AKST: -540,
  AKDT: -480, HST: -600, JST: 540, KST: 540, SGT: 480, HKT: 480, AWST: 480, ACST: 570, ACDT: 630, AEST: 600,
  AEDT: 660, NZST: 720, NZDT: 780,
};

export const ciscoSwitch: Parser = {
  name: 'cisco-switch',
  description: 'Cisco IOS/IOS-XE switch MAC places: SW_MATM MAC flap/move, port-security violations, 802.1X/MAB/AUTHMGR events',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default ciscoSwitch;

interface Found {
  mac: string;
  port?: string;
  vlan?: number;
  user?: string;
  sessionId?: string;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const body = msg.body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };

  // The message id: the first '%' (within a short prefix) that starts "%FAC-N-MNEMONIC: ".
  let pct = -1;
  let m: RegExpExecArray | null = null;
  for (let p = body.indexOf('%'); p >= 0 && p < 320; p = body.indexOf('%', p + 1)) {
    MSG_ID.lastIndex = p;
    if ((m = MSG_ID.exec(body))) {
      pct = p;
      break;
    }
  }
  const app = msg.header?.app;
  let text: string;
  if (m) text = body.slice(MSG_ID.lastIndex);
  else {
    // A relay that read "%FAC-N-MNEMONIC:" as the syslog tag ("Nov 29 14:20:01 sw1 %LINK-3-UPDOWN: …").
    if (app?.startsWith('%')) {
      MSG_ID.lastIndex = 0;
      m = MSG_ID.exec(`${app}: `);
    }
    if (!m) return { unparsed: 'not a Cisco IOS message (no %FACILITY-SEVERITY-MNEMONIC)' };
    pct = 0;
    text = body;
  }
  const facility = m[1]!;
  const mnemonic = m[3]!;
  const xe = XE_PREFIX.exec(text);
  if (xe) text = text.slice(xe[0].length);

  const found = classify(facility, mnemonic, text);
  if (!('mac' in found)) return found;

  // Time and device name from the prefix: "[seq: ][host: ][seq: ][*.]Mmm dd hh:mm:ss.fff[ ZONE]: ".
  const prefix = body.slice(0, pct);
  const sm = STAMP.exec(prefix);
  let t: ResolvedTime | undefined;
  let before = prefix;
  if (sm) {
    before = prefix.slice(0, sm.index);
    const unsynced = sm[1] === '*';
    // An unsynchronised device clock ('*') is worth less than the relay's stamp when there is one.
    t = unsynced && msg.header?.stamp ? msg.header.stamp : deviceStamp(sm, ctx);
    if (!t) return { unparsed: 'invalid Cisco time stamp' };
  } else {
    // An uptime stamp may sit in the prefix, or be taken for the syslog tag ("1w0d: %…" → app '1w0d').
    const uptime = UPTIME.test(prefix) || (app !== undefined && UPTIME.test(`${app}:`));
    if (UPTIME.test(prefix)) before = prefix.replace(UPTIME, '');
    t = msg.header?.stamp;
    if (!t) return { unparsed: uptime ? 'no time stamp (the device logs uptime, and no syslog header)' : 'no time stamp' };
  }
  // The device name: a "name:" in the prefix, else the syslog host, else a tag that is a name ("<189>sw1: …").
  let sw = deviceName(before) ?? msg.header?.hostname;
  if (sw === undefined && app !== undefined && !msg.header?.stamp && !/^\d+$/.test(app) && !UPTIME.test(`${app}:`) && /^[A-Za-z][A-Za-z0-9._-]{0,62}$/.test(app)) sw = app;

  const how = `cisco ${facility}-${mnemonic}`;
  const place: PlaceRecord = { kind: 'place', ...base(msg, ctx, t), mac: found.mac, how };
  if (sw) place.switch = sw;
  if (found.port) place.port = found.port;
  if (found.vlan !== undefined) place.vlan = found.vlan;
  const records: (PlaceRecord | SessionRecord)[] = [place];
  if (found.user) {
    const s: SessionRecord = { kind: 'session', ...base(msg, ctx, t), user: found.user, event: 'auth', how: '802.1x', mac: found.mac };
    if (found.sessionId) s.sessionId = found.sessionId;
    if (sw) s.nas = sw;
    records.push(s);
  }
  return { records };
}

function classify(facility: string, mnemonic: string, text: string): Found | { skip: string } | { unparsed: string } {
  // MAC flaps: SW_MATM-4-MACFLAP_NOTIF, MAC_MOVE-SP-4-NOTIF, C4K_EBM-4-HOSTFLAPPING …
  if (text.startsWith('Host ') && text.includes(' is flapping between port ')) {
    const f = /^Host (\S{12,17}) in (vlan|VLAN|bd|BD) (\d{1,5}) is flapping between port (\S{1,64}) and port (\S{1,64})$/.exec(text);
    if (!f) return { unparsed: 'malformed MAC flap message' };
    // A bridge-domain number (IOS-XE EVPN) is no VLAN id: then only the port is kept.
    return withMac(f[1]!, { port: f[5]!, vlan: f[2]!.toLowerCase() === 'vlan' ? Number(f[3]) : undefined });
  }
  // MAC moves: "<Host|Mac|MAC address> <mac> in vlan N [has] moved from [port] A to [port] B".
  if (/^(?:Host|Mac|MAC|MAC address) \S{12,17} in (?:vlan|VLAN) \d{1,4} (?:has )?moved from /.test(text)) {
    const f = /^(?:Host|Mac|MAC|MAC address) (\S{12,17}) in (?:vlan|VLAN) (\d{1,4}) (?:has )?moved from (?:port |Interface )?(\S{1,64}) to (?:port |Interface )?([^\s,]{1,64})/.exec(text);
    if (!f) return { unparsed: 'malformed MAC move message' };
    return withMac(f[1]!, { port: f[4]!, vlan: Number(f[2]) });
  }
  if (facility === 'PORT_SECURITY') {
    // "Security violation occurred, caused by MAC address 0013.1986.0a20 on port Gi0/2."
    let f = /^Security violation occurred, caused by MAC address (\S{12,17}) on port ([^\s.]+(?:\.\d+)?)\.?$/.exec(text);
    if (f) return withMac(f[1]!, { port: f[2]! });
    // PSECURE_VIOLATION_VLAN: "Security violation on port Gi1/0/1 due to MAC address 0000.1111.2222 on VLAN 10"
    f = /^Security violation on port (\S{1,64}) due to MAC address (\S{12,17}) on VLAN (\d{1,4})\.?$/.exec(text);
    if (f) return withMac(f[2]!, { port: f[1]!, vlan: Number(f[3]) });
    return { skip: 'Cisco port-security message without a MAC binding' };
  }
  if (facility === 'AUTHMGR' || facility === 'SESSION_MGR' || facility === 'DOT1X' || facility === 'MAB' || facility === 'EPM') {
    return auth(facility, mnemonic, text);
  }
  return { skip: 'Cisco message without a MAC binding' };
}

/** Authentication-manager family: "… for client (<mac>) on Interface <if> AuditSessionID <id>[ …]". */
function auth(facility: string, mnemonic: string, text: string): Found | { skip: string } | { unparsed: string } {
  const sid = /AuditSessionID ?([0-9A-Fa-f]{8,40})\b/.exec(text)?.[1];
  // "Security violation on the interface Fa0/5, new MAC address (<mac>) is seen.AuditSessionID …"
  let f = /^Security violation on the interface ([^\s,]{1,64}), new MAC address \(([^)]{1,20})\) is seen/.exec(text);
  if (f) return withMac(f[2]!, { port: f[1]!, sessionId: sid });
  // "MAC address (<mac>) moved from Interface A to Interface B …"
  f = /^MAC address \(([^)]{1,20})\) moved from Interface (\S{1,64}) to Interface (\S{1,64})/.exec(text);
  if (f) return withMac(f[1]!, { port: f[3]!, sessionId: sid });
  // "MAC address (<old>) on Interface A is replaced by MAC (<new>) …"
  f = /^MAC address \([^)]{1,20}\) on Interface (\S{1,64}) is replaced by MAC \(([^)]{1,20})\)/.exec(text);
  if (f) return withMac(f[2]!, { port: f[1]!, sessionId: sid });
  f = /for client \(([^)]{1,20})\) on Interface (\S{1,64})/.exec(text);
  if (!f) return { skip: 'Cisco authentication message without a client MAC' };
  const found = withMac(f[1]!, { port: f[2]!, sessionId: sid });
  if (!('mac' in found)) return found;
  // A user name appears only where the release appends it ("… Username: alice"): see README.
  if (facility === 'DOT1X' && mnemonic === 'SUCCESS' && /^Authentication successful/.test(text)) {
    const u = /\bUser(?:name|-Name):? ([^\s,]{1,253})/.exec(text.slice(f.index + f[0].length));
    if (u && canonMac(u[1]!) === null) found.user = u[1]!;
  }
  return found;
}

function withMac(macText: string, rest: Omit<Found, 'mac'>): Found | { skip: string } | { unparsed: string } {
  const mac = canonMac(macText);
  if (!mac) {
    if (/^[0-9a-fA-F.:-]{12,17}$/.test(macText)) return { unparsed: 'malformed MAC address' };
    return { skip: 'no usable client MAC (unknown or redacted)' };
  }
  const out: Found = { mac };
  if (rest.port) out.port = rest.port;
  if (rest.vlan !== undefined && rest.vlan >= 1 && rest.vlan <= 4094) out.vlan = rest.vlan;
  if (rest.sessionId) out.sessionId = rest.sessionId;
  return out;
}

/** Year inference is the same for every line of a second-long burst: remember the last answer. */
let lastYearKey = -1;
let lastYearRef = -1;
let lastYear = 0;

/** The device's own stamp → UTC: offset from a known zone name, else the source's configured zone. */
function deviceStamp(sm: RegExpExecArray, ctx: ParseContext): ResolvedTime | undefined {
  const month = MONTHS[sm[2]!]!;
  const day = Number(sm[3]);
  const hour = Number(sm[5]), minute = Number(sm[6]), second = Number(sm[7]);
  const micros = sm[8] ? Number(sm[8].padEnd(6, '0')) : 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const whole = sm[0];
  const raw = whole.slice(0, whole.lastIndexOf(':'));
  const zone = sm[9];
  const offset = zone !== undefined ? ZONES[zone] ?? ZONES[zone.toUpperCase()] : undefined;
  try {
    if (offset === undefined) {
      return ctx.clock.local({ year: sm[4] ? Number(sm[4]) : undefined, month, day, hour, minute, second, micros }, raw);
    }
    let year = sm[4] ? Number(sm[4]) : ctx.clock.year;
    let inferred = false;
    if (year === undefined) {
      const key = (((month * 32 + day) * 24 + hour) * 60 + minute) * 61 + second;
      if (key !== lastYearKey || ctx.clock.reference !== lastYearRef) {
        lastYear = inferYear(month, day, hour, minute, second, ctx.clock.reference, undefined);
        lastYearKey = key;
        lastYearRef = ctx.clock.reference;
      }
      year = lastYear;
      inferred = true;
    }
    const t = ctx.clock.withOffset({ year, month, day, hour, minute, second, micros }, offset, raw);
    if (inferred) t.flags = { yearInferred: true };
    return t;
  } catch {
    return undefined;
  }
}

/** The device name in the prefix: the last "name:" token that is not a sequence number. */
function deviceName(before: string): string | undefined {
  const toks = before.trim().split(/\s+/);
  for (let i = toks.length - 1; i >= 0; i--) {
    const tk = toks[i]!;
    if (tk.length < 2 || !tk.endsWith(':')) continue;
    const name = tk.slice(0, -1);
    if (/^\d+$/.test(name)) continue;
    if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) return name;
  }
  return undefined;
}

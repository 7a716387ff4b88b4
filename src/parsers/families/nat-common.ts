// Helpers shared by the NAT-family parsers (ulogd2, cisco-asa, cisco-ios-nat, juniper-srx, fortigate, mikrotik):
// canonical addresses without regexes, small number scanners, protocol names, record building and the
// device stamps Cisco writes in front of its messages. Hot-path code: charCode tests and indexOf only.
import type { NatEvent, NatRecord, PortBlockRecord, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime, SourceClock } from '../../time/types.ts';
import { inferYear } from '../../time/year.ts';
import { base, canonIp as ip, looksBinary, num, port } from '../common.ts';
import type { ParseContext, ParseResult } from '../parser.ts';

export { canonIp as ip, num, port } from '../common.ts';

/** The number in a whole string, or -1. */
export const numOf = (s: string | undefined): number => (s === undefined ? -1 : num(s, 0, s.length));

/** Protocol from a name as devices write it (TCP, tcp, UDP, ICMP, ipv6-icmp, …). */
export function protoName(name: string): Proto {
  switch (name.toLowerCase()) {
    case 'tcp': return 'tcp';
    case 'udp': return 'udp';
    case 'icmp': return 'icmp';
    case 'icmpv6': case 'ipv6-icmp': case 'icmp6': return 'icmpv6';
    default: return 'other';
  }
}

/** Protocol from its IANA number. */
export function protoNumber(n: number): Proto {
  return n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 1 ? 'icmp' : n === 58 ? 'icmpv6' : 'other';
}

/** An endpoint as devices print it: "a.b.c.d<sep>port" or "[v6]:port" / "v6<sep>port" (split at the last sep). */
export interface Endpoint {
  ip: string;
  port: number;
}

export function endpoint(s: string, a: number, b: number, sep: number): Endpoint | null {
  if (b <= a) return null;
  if (s.charCodeAt(a) === 91) { // [v6]:port
    const close = s.indexOf(']', a);
    if (close < 0 || close >= b || s.charCodeAt(close + 1) !== sep) return null;
    const addr = ip(s.slice(a + 1, close));
    const p = port(s, close + 2, b);
    return addr && p >= 0 ? { ip: addr, port: p } : null;
  }
  const at = s.lastIndexOf(String.fromCharCode(sep), b - 1);
  if (at <= a) return null;
  const addr = ip(s.slice(a, at));
  const p = port(s, at + 1, b);
  return addr && p >= 0 ? { ip: addr, port: p } : null;
}

/** Build a NAT record; destination only when both parts are known. (An object literal: spreads cost on this path.) */
export function natRecord(
  msg: Message, ctx: ParseContext, t: ResolvedTime, event: NatEvent, proto: Proto,
  inIp: string, inPort: number, pubIp: string, pubPort: number, dstIp?: string, dstPort?: number,
): NatRecord {
  const r: NatRecord = {
    kind: 'nat', ts: t.ts, received: ctx.received, source: ctx.source, raw: msg.raw, rawStamp: t.rawStamp,
    event, proto, inIp, inPort, pubIp, pubPort,
  };
  if (t.flags !== undefined) r.flags = { ...t.flags };
  if (t.tsAlt !== undefined) r.tsAlt = t.tsAlt;
  if (dstIp !== undefined && dstPort !== undefined && dstPort >= 0) {
    r.dstIp = dstIp;
    r.dstPort = dstPort;
  }
  return r;
}

export function portBlock(
  msg: Message, ctx: ParseContext, t: ResolvedTime, event: PortBlockRecord['event'], inIp: string, pubIp: string, portLo: number, portHi: number,
): PortBlockRecord {
  return { kind: 'portblock', ...base(msg, ctx, t), event, inIp, pubIp, portLo, portHi };
}

/** Generic reason for a message nothing here understood (binary junk is told apart). */
export function notOurs(s: string, what: string): ParseResult {
  if (s.trim() === '') return { unparsed: 'empty message' };
  if (looksBinary(s)) return { unparsed: 'binary data, not a log line' };
  return { unparsed: what };
}

// ---------------------------------------------------------------------------------------------------------
// Wall-clock stamps devices write themselves (Cisco IOS / ASA, ISO 8601).

/** Month number of the 3-letter English name at p (any case), or 0. */
function monthAt(s: string, p: number): number {
  const a = s.charCodeAt(p) | 32, b = s.charCodeAt(p + 1) | 32, c = s.charCodeAt(p + 2) | 32;
  switch (a) {
    case 106: return b === 97 && c === 110 ? 1 : b === 117 ? (c === 110 ? 6 : c === 108 ? 7 : 0) : 0; // jan jun jul
    case 102: return b === 101 && c === 98 ? 2 : 0; // feb
    case 109: return b === 97 ? (c === 114 ? 3 : c === 121 ? 5 : 0) : 0; // mar may
    case 97: return b === 112 && c === 114 ? 4 : b === 117 && c === 103 ? 8 : 0; // apr aug
    case 115: return b === 101 && c === 112 ? 9 : 0; // sep
    case 111: return b === 99 && c === 116 ? 10 : 0; // oct
    case 110: return b === 111 && c === 118 ? 11 : 0; // nov
    case 100: return b === 101 && c === 99 ? 12 : 0; // dec
    default: return 0;
  }
}

/** "hh:mm:ss[.fraction]" at i → its fields (fraction kept to µs) and where it ends, or null. */
function wallClock(s: string, i: number): { hour: number; minute: number; second: number; micros: number; end: number } | null {
  const hour = d2(s, i), minute = d2(s, i + 3), second = d2(s, i + 6);
  if (hour < 0 || minute < 0 || second < 0 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return null;
  i += 8;
  let micros = 0;
  if (s.charCodeAt(i) === 46) {
    let k = 0;
    i++;
    for (let d; (d = s.charCodeAt(i) - 48) >= 0 && d <= 9; i++, k++) if (k < 6) micros = micros * 10 + d;
    if (k === 0) return null;
    for (; k < 6; k++) micros *= 10;
  }
  return { hour, minute, second, micros, end: i };
}

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48, b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** A device stamp found in a message, resolved through the source's clock. */
export interface FoundStamp {
  time: ResolvedTime;
  /** Cisco's leading '*': the device clock was not synchronised when it wrote the stamp. */
  unsynced: boolean;
  /** Index just past the stamp (and its zone word). */
  end: number;
}

/**
 * Look for a device stamp at token starts within s[from, to):
 *  - "[*|.]Mmm dd [yyyy] hh:mm:ss[.fff] [ZONE]" (Cisco IOS `service timestamps`, ASA `logging timestamp`);
 *  - "yyyy-mm-ddThh:mm:ss[.fff](Z|±hh:mm)" (ASA `logging timestamp rfc5424`, Junos).
 * A zone word UTC/GMT/Z gives offset 0; any other zone word (CET, EST …) or none: the source's configured
 * zone. Returns null when there is none, 'invalid' for a stamp the calendar rejects. With `last`, the last
 * stamp wins (a relay's header stamp followed by the device's own: the device's is the event time).
 */
export function findStamp(s: string, from: number, to: number, clock: SourceClock, last = false): FoundStamp | null | 'invalid' {
  let found: FoundStamp | null | 'invalid' = null;
  for (let p = from; p < to; p++) {
    if (p > from && s.charCodeAt(p - 1) !== 32) continue;
    const r = stampAt(s, p, to, clock);
    if (r) {
      if (!last || r === 'invalid') return r;
      found = r;
      p = r.end;
    }
  }
  return found;
}

function stampAt(s: string, p0: number, to: number, clock: SourceClock): FoundStamp | 'invalid' | null {
  let p = p0;
  let unsynced = false;
  const c0 = s.charCodeAt(p);
  if (c0 === 42 || c0 === 46) { // '*' unsynchronised, '.' synchronised once but not now (still a usable clock)
    unsynced = c0 === 42;
    p++;
  }
  const c = s.charCodeAt(p);
  if (c >= 48 && c <= 57) return isoAt(s, p0, p, to, clock);
  const month = monthAt(s, p);
  if (month === 0 || s.charCodeAt(p + 3) !== 32) return null;
  let i = p + 4;
  if (s.charCodeAt(i) === 32) i++;
  let day = d2(s, i);
  if (day >= 0) i += 2;
  else {
    day = s.charCodeAt(i) - 48;
    if (day < 1 || day > 9) return null;
    i += 1;
  }
  if (s.charCodeAt(i) !== 32) return null;
  i++;
  let year: number | undefined;
  const y1 = d2(s, i), y2 = d2(s, i + 2);
  if (y1 >= 0 && y2 >= 0 && s.charCodeAt(i + 4) === 32) {
    year = y1 * 100 + y2;
    i += 5;
  }
  const clk = wallClock(s, i);
  if (!clk) return null;
  const { hour, minute, second, micros } = clk;
  i = clk.end;
  const stampEnd = i;
  // Optional zone word: letters only, then ':' / ' ' / end.
  let utc = false;
  let end = i;
  if (s.charCodeAt(i) === 32) {
    let j = i + 1;
    while (j < to && isLetter(s.charCodeAt(j))) j++;
    const len = j - (i + 1);
    if (len >= 1 && len <= 5 && (j >= s.length || s.charCodeAt(j) === 58 || s.charCodeAt(j) === 32)) {
      const z = s.slice(i + 1, j).toUpperCase();
      if (z === 'UTC' || z === 'GMT' || z === 'Z') utc = true;
      end = j;
    }
  }
  if (end < s.length && end === stampEnd && s.charCodeAt(end) !== 58 && s.charCodeAt(end) !== 32) return null;
  const raw = s.slice(p0, end);
  const fields = { month, day, hour, minute, second, micros };
  try {
    const time = utc && year !== undefined
      ? clock.withOffset({ ...fields, year }, 0, raw)
      : utc
        ? utcWithoutYear(clock, fields, raw)
        : clock.local(year !== undefined ? { ...fields, year } : fields, raw);
    return { time, unsynced, end };
  } catch {
    return 'invalid';
  }
}

// The year inferred for the last stamp: consecutive lines share their second, and inferYear was 12.5% of
// cisco-ios-nat's time (measured). Valid for one clock (its reference is fixed).
let lastClock: SourceClock | undefined;
let lastKey = -1;
let lastYear = 0;

/**
 * A UTC wall time without a year: the year is inferred like any RFC 3164 stamp, then the time is read
 * at offset 0 (the configured zone does not apply: the device said UTC).
 */
function utcWithoutYear(clock: SourceClock, f: { month: number; day: number; hour: number; minute: number; second: number; micros: number }, raw: string): ResolvedTime {
  let year = clock.year;
  if (year === undefined) {
    const key = (((f.month * 32 + f.day) * 24 + f.hour) * 60 + f.minute) * 61 + f.second;
    if (clock !== lastClock || key !== lastKey) {
      lastYear = inferYear(f.month, f.day, f.hour, f.minute, f.second, clock.reference, undefined);
      lastClock = clock;
      lastKey = key;
    }
    year = lastYear;
  }
  const t = clock.withOffset({ ...f, year }, 0, raw);
  if (clock.year === undefined) t.flags = { yearInferred: true };
  return t;
}

/** Fields of an ISO 8601 stamp "yyyy-mm-dd(T| )hh:mm:ss[.frac][Z|±hh[:]mm]" at p; offset NaN when it has none. */
export interface IsoStamp {
  fields: { year: number; month: number; day: number; hour: number; minute: number; second: number; micros: number };
  offset: number;
  end: number;
}

export function parseIso(s: string, p: number): IsoStamp | null {
  const y1 = d2(s, p), y2 = d2(s, p + 2), month = d2(s, p + 5), day = d2(s, p + 8);
  if (y1 < 0 || y2 < 0 || month < 0 || day < 0 || s.charCodeAt(p + 4) !== 45 || s.charCodeAt(p + 7) !== 45) return null;
  const sep = s.charCodeAt(p + 10);
  if (sep !== 84 && sep !== 32) return null;
  let i = p + 11;
  const clk = wallClock(s, i);
  if (!clk) return null;
  const { hour, minute, second, micros } = clk;
  i = clk.end;
  let offset = NaN;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    offset = 0;
    i++;
  } else if (z === 43 || z === 45) {
    const oh = d2(s, i + 1);
    const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
    const om = d2(s, i + 3 + colon);
    if (oh < 0 || om < 0) return null;
    offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
    i += 5 + colon;
  }
  return { fields: { year: y1 * 100 + y2, month, day, hour, minute, second, micros }, offset, end: i };
}

function isoAt(s: string, p0: number, p: number, to: number, clock: SourceClock): FoundStamp | 'invalid' | null {
  const iso = parseIso(s, p);
  if (!iso) return null;
  const i = iso.end;
  if (i < to && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 58) return null;
  const raw = s.slice(p0, i);
  try {
    const time = Number.isNaN(iso.offset) ? clock.local(iso.fields, raw) : clock.withOffset(iso.fields, iso.offset, raw);
    return { time, unsynced: false, end: i };
  } catch {
    return 'invalid';
  }
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

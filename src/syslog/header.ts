// Syslog header recognition (RFC 5424, RFC 3164 and the variants real devices and daemons write).
// Runs on every line, so it is a hand-written forward scanner: no regex, no backtracking, a few
// slices for the fields it returns. Stamps go through the source's clock, which owns zone/year/DST rules.
import type { ResolvedTime, SourceClock } from '../time/types.ts';
import type { Message, SyslogHeader } from './types.ts';

const SP = 32, QUOTE = 34, DOT = 46, COLON = 58, LT = 60, GT = 62, LBR = 91, BSL = 92, RBR = 93;
const BOM = 0xfeff;

function key3(s: string, p: number): number {
  // Lower-cased 3-letter key; non-letters simply never match a table entry.
  return ((s.charCodeAt(p) | 32) << 16) | ((s.charCodeAt(p + 1) | 32) << 8) | (s.charCodeAt(p + 2) | 32);
}
const table = (names: string[], first = 1) => new Map(names.map((n, i) => [key3(n, 0), i + first]));
const MONTHS = table(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);
const WEEKDAYS = table(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

// Names used by logread / busybox syslogd for "facility.severity" (RFC 5424 §6.2.1 codes).
const FACILITIES = new Map<string, number>([
  ['kern', 0], ['user', 1], ['mail', 2], ['daemon', 3], ['auth', 4], ['syslog', 5], ['lpr', 6], ['news', 7],
  ['uucp', 8], ['cron', 9], ['authpriv', 10], ['ftp', 11], ['ntp', 12], ['security', 13], ['console', 14],
  ['local0', 16], ['local1', 17], ['local2', 18], ['local3', 19], ['local4', 20], ['local5', 21], ['local6', 22], ['local7', 23],
]);
const SEVERITIES = new Map<string, number>([
  ['emerg', 0], ['panic', 0], ['alert', 1], ['crit', 2], ['err', 3], ['error', 3], ['warn', 4], ['warning', 4],
  ['notice', 5], ['info', 6], ['debug', 7],
]);

// Stamp fields, written by the readers below (one parse at a time: no allocation per line).
let fYear = 0, fMonth = 0, fDay = 0, fHour = 0, fMinute = 0, fSecond = 0, fMicros = 0;
let fOffset = NaN; // minutes east of UTC; NaN when the stamp carried none

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48; // NaN past the end, which fails both tests
  return c >= 0 && c <= 9 ? c : -1;
}

function two(s: string, i: number): number {
  const a = digit(s, i), b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** hh:mm:ss[.frac] at i → end, or -1. */
function readTime(s: string, i: number): number {
  fHour = two(s, i);
  fMinute = two(s, i + 3);
  fSecond = two(s, i + 6);
  if (fHour < 0 || fMinute < 0 || fSecond < 0 || s.charCodeAt(i + 2) !== COLON || s.charCodeAt(i + 5) !== COLON) return -1;
  i += 8;
  fMicros = 0;
  if (s.charCodeAt(i) === DOT) {
    // Up to 6 digits are µs; further digits (ns) are truncated: the stamp still names that µs.
    let k = 0, d: number;
    i++;
    while ((d = digit(s, i)) >= 0) {
      if (k < 6) fMicros = fMicros * 10 + d;
      k++;
      i++;
    }
    if (k === 0) return -1;
    for (; k < 6; k++) fMicros *= 10;
  }
  return i;
}

/** RFC 3339 / ISO 8601 "YYYY-MM-DD(T| )hh:mm:ss[.frac][Z|±hh:mm|±hhmm]" at p → end, or -1. */
function readIso(s: string, p: number): number {
  const y1 = two(s, p), y2 = two(s, p + 2);
  fMonth = two(s, p + 5);
  fDay = two(s, p + 8);
  if (y1 < 0 || y2 < 0 || fMonth < 0 || fDay < 0 || s.charCodeAt(p + 4) !== 45 || s.charCodeAt(p + 7) !== 45) return -1;
  const sep = s.charCodeAt(p + 10);
  if (sep !== 84 && sep !== 116 && sep !== SP) return -1; // T t or space
  fYear = y1 * 100 + y2;
  let i = readTime(s, p + 11);
  if (i < 0) return -1;
  const c = s.charCodeAt(i);
  fOffset = NaN;
  if (c === 90 || c === 122) { // Z z
    fOffset = 0;
    i++;
  } else if (c === 43 || c === 45) { // + -
    const oh = two(s, i + 1);
    const colon = s.charCodeAt(i + 3) === COLON ? 1 : 0;
    const om = two(s, i + 3 + colon);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return -1;
    fOffset = (c === 45 ? -1 : 1) * (oh * 60 + om);
    i += 5 + colon;
  }
  return i;
}

/** BSD "Mmm dd hh:mm:ss[.frac]" (day space-padded, zero-padded or bare) at p → end, or -1. */
function readBsd(s: string, p: number): number {
  const m = MONTHS.get(key3(s, p));
  if (m === undefined || s.charCodeAt(p + 3) !== SP) return -1;
  fMonth = m;
  let i = p + 4;
  if (s.charCodeAt(i) === SP) i++; // "Nov  2"
  const d1 = digit(s, i);
  if (d1 < 0) return -1;
  const d2 = digit(s, i + 1);
  if (d2 >= 0) {
    fDay = d1 * 10 + d2;
    i += 2;
  } else {
    fDay = d1;
    i += 1;
  }
  if (s.charCodeAt(i) !== SP) return -1;
  return readTime(s, i + 1);
}

// Tag fields, written by readTag.
let tApp = '';
let tPid: string | undefined;

/** Is s[p, e) a tag "name:" or "name[pid]:"? The name may not hold ':' '[' ']' (so an IPv6 host is no tag). */
function readTag(s: string, p: number, e: number): boolean {
  if (e - p < 2 || s.charCodeAt(e - 1) !== COLON) return false;
  let nameEnd = e - 1;
  tPid = undefined;
  if (s.charCodeAt(e - 2) === RBR) {
    const br = s.lastIndexOf('[', e - 3);
    if (br <= p) return false;
    nameEnd = br;
    if (e - 2 > br + 1) tPid = s.slice(br + 1, e - 2);
  }
  for (let i = p; i < nameEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === COLON || c === LBR || c === RBR) return false;
  }
  tApp = s.slice(p, nameEnd);
  return true;
}

function tokenEnd(s: string, p: number): number {
  const e = s.indexOf(' ', p);
  return e < 0 ? s.length : e;
}

function localStamp(clock: SourceClock, year: number | undefined, raw: string): ResolvedTime {
  return clock.local({ year, month: fMonth, day: fDay, hour: fHour, minute: fMinute, second: fSecond, micros: fMicros }, raw);
}

/** RFC 5424 after "<PRI>1 " → message, or undefined when it does not hold together. */
function rfc5424(line: string, p: number, facility: number, severity: number, clock: SourceClock): Message | undefined {
  const n = line.length;
  const h: SyslogHeader = { format: 'rfc5424', facility, severity };
  if (line.charCodeAt(p) === 45 && line.charCodeAt(p + 1) === SP) {
    p += 2; // NILVALUE stamp
  } else {
    const e = readIso(line, p);
    if (e < 0 || line.charCodeAt(e) !== SP) return undefined;
    const raw = line.slice(p, e);
    h.stamp = Number.isNaN(fOffset)
      ? localStamp(clock, fYear, raw) // not RFC-conformant, but some senders omit the offset
      : clock.withOffset({ year: fYear, month: fMonth, day: fDay, hour: fHour, minute: fMinute, second: fSecond, micros: fMicros }, fOffset, raw);
    p = e + 1;
  }
  // HOSTNAME APP-NAME PROCID MSGID, each "-" when absent.
  const fields: (string | undefined)[] = [];
  for (let k = 0; k < 4; k++) {
    const e = p > n ? p : tokenEnd(line, p);
    if (e === p) return undefined;
    fields.push(e - p === 1 && line.charCodeAt(p) === 45 ? undefined : line.slice(p, e));
    p = e + 1;
  }
  if (fields[0] !== undefined) h.hostname = fields[0];
  if (fields[1] !== undefined) h.app = fields[1];
  if (fields[2] !== undefined) h.pid = fields[2];
  if (fields[3] !== undefined) h.msgId = fields[3];
  if (p > n) return { raw: line, body: '', header: h }; // header ended at MSGID: no SD, no MSG

  const c = line.charCodeAt(p);
  if (c === 45 && (p + 1 === n || line.charCodeAt(p + 1) === SP)) {
    h.structuredData = '-';
    p += 2;
  } else if (c === LBR) {
    const e = scanStructuredData(line, p);
    if (e >= 0) {
      h.structuredData = line.slice(p, e);
      p = line.charCodeAt(e) === SP ? e + 1 : e; // the SP before MSG (RFC 5424 §6)
    }
    // Unterminated SD: leave it in the body rather than drop it.
  }
  if (p > n) p = n;
  if (line.charCodeAt(p) === BOM) p++; // RFC 5424 §6.4: MSG may start with a UTF-8 BOM
  return { raw: line, body: line.slice(p), header: h };
}

// One SD-ELEMENT, natively: outside quotes anything but '"' and ']'; inside, a backslash takes the next character.
// Unrolled (no nested quantifier over the same characters), so a failing match backtracks linearly.
const SD_ELEMENT = /\[[^"\]]*(?:"[^"\\]*(?:\\[\s\S][^"\\]*)*"[^"\]]*)*\]/y;

/** One or more SD-ELEMENTs "[id k="v" …]" at p → end, or -1. Inside quotes \" \\ \] are escapes. (Exported for tests.) */
export function scanStructuredData(s: string, p: number): number {
  // The regex reads a 700-character Junos SD at native speed; the loop below is the same grammar one
  // character at a time, kept for a regex that gives up (backtrack stack on a pathological line).
  try {
    let i = p;
    while (s.charCodeAt(i) === LBR) {
      SD_ELEMENT.lastIndex = i;
      if (!SD_ELEMENT.test(s)) return -1;
      i = SD_ELEMENT.lastIndex;
    }
    return i;
  } catch {
    return scanStructuredDataSlowly(s, p);
  }
}

/** scanStructuredData one character at a time (the reference the tests hold the regex to). */
export function scanStructuredDataSlowly(s: string, p: number): number {
  const n = s.length;
  let i = p;
  while (i < n && s.charCodeAt(i) === LBR) {
    i++;
    let quoted = false;
    for (;;) {
      if (i >= n) return -1;
      const c = s.charCodeAt(i++);
      if (quoted) {
        if (c === BSL) i++;
        else if (c === QUOTE) quoted = false;
      } else if (c === QUOTE) {
        quoted = true;
      } else if (c === RBR) {
        break;
      }
    }
  }
  return i;
}

/** RFC 3164 and relatives from p (after any PRI) → message, or undefined when nothing was recognised. */
function rfc3164(line: string, p0: number, facility: number | undefined, severity: number | undefined, clock: SourceClock): Message | undefined {
  const n = line.length;
  let stamp: ResolvedTime | undefined;
  let p = p0;
  let logread = false;
  const c = line.charCodeAt(p0);
  if (c >= 48 && c <= 57) {
    // rsyslog RFC 3339 stamp: "2026-11-29T14:43:01.123456+01:00 host tag: msg"
    const e = readIso(line, p0);
    if (e > 0 && (e === n || line.charCodeAt(e) === SP)) {
      const raw = line.slice(p0, e);
      stamp = Number.isNaN(fOffset)
        ? localStamp(clock, fYear, raw)
        : clock.withOffset({ year: fYear, month: fMonth, day: fDay, hour: fHour, minute: fMinute, second: fSecond, micros: fMicros }, fOffset, raw);
      p = e;
    }
  } else if (MONTHS.has(key3(line, p0))) {
    const e = readBsd(line, p0);
    if (e > 0 && (e === n || line.charCodeAt(e) === SP)) {
      stamp = localStamp(clock, undefined, line.slice(p0, e));
      p = e;
    }
  } else if (WEEKDAYS.has(key3(line, p0)) && line.charCodeAt(p0 + 3) === SP) {
    // OpenWrt logread: "Fri Dec 22 21:48:25 2023 daemon.info dnsmasq-dhcp[1]: msg"
    const e = readBsd(line, p0 + 4);
    const y1 = e > 0 && line.charCodeAt(e) === SP ? two(line, e + 1) : -1;
    const y2 = y1 >= 0 ? two(line, e + 3) : -1;
    if (y2 >= 0 && (e + 5 === n || line.charCodeAt(e + 5) === SP)) {
      stamp = localStamp(clock, y1 * 100 + y2, line.slice(p0, e + 5));
      p = e + 5;
      logread = true;
    }
  }

  const h: SyslogHeader = { format: 'rfc3164' };
  if (facility !== undefined) {
    h.facility = facility;
    h.severity = severity!;
  }

  if (stamp === undefined) {
    // No stamp: a bare tag ("dnsmasq-dhcp: msg"), or just the PRI.
    const e = tokenEnd(line, p0);
    if (readTag(line, p0, e)) {
      h.app = tApp;
      if (tPid !== undefined) h.pid = tPid;
      return { raw: line, body: line.slice(Math.min(e + 1, n)), header: h };
    }
    return facility === undefined ? undefined : { raw: line, body: line.slice(p0), header: h };
  }

  h.stamp = stamp;
  while (line.charCodeAt(p) === SP) p++;
  let e = tokenEnd(line, p);

  if (logread && e > p) {
    const dot = line.indexOf('.', p);
    if (dot > p && dot < e) {
      const fac = FACILITIES.get(line.slice(p, dot));
      const sev = SEVERITIES.get(line.slice(dot + 1, e));
      if (fac !== undefined && sev !== undefined) {
        if (facility === undefined) {
          h.facility = fac;
          h.severity = sev;
        }
        p = e + 1;
        e = tokenEnd(line, p);
      }
    }
  }

  // Right after the stamp: a tag means the writer omitted the host (programs writing their own files).
  if (e > p) {
    let isTag = readTag(line, p, e);
    if (!isTag && plausibleHost(line, p, e)) {
      h.hostname = line.slice(p, e);
      p = e + 1;
      e = p > n ? p : tokenEnd(line, p);
      isTag = e > p && readTag(line, p, e);
    }
    if (isTag) {
      h.app = tApp;
      if (tPid !== undefined) h.pid = tPid;
      p = e + 1;
    }
  }
  return { raw: line, body: p >= n ? '' : line.slice(p), header: h };
}

/**
 * Split a syslog header off a line. Never throws: an unrecognised header (or a stamp the clock
 * rejects, such as Feb 30) gives { raw, body: raw } without header, for parsers to report.
 */
export function parseSyslog(line: string, clock: SourceClock): Message {
  try {
    let p = 0;
    let facility: number | undefined, severity: number | undefined;
    if (line.charCodeAt(0) === LT) {
      let pri = 0, i = 1, d: number;
      while (i <= 3 && (d = digit(line, i)) >= 0) {
        pri = pri * 10 + d;
        i++;
      }
      if (i > 1 && line.charCodeAt(i) === GT && pri <= 191) {
        facility = pri >> 3;
        severity = pri & 7;
        p = i + 1;
      }
    }
    if (facility !== undefined && line.charCodeAt(p) === 49 && line.charCodeAt(p + 1) === SP) {
      const m = rfc5424(line, p + 2, facility, severity!, clock);
      if (m) return m;
    }
    return rfc3164(line, p, facility, severity, clock) ?? { raw: line, body: line };
  } catch {
    return { raw: line, body: line };
  }
}

/**
 * Could this token be a HOSTNAME (name, IPv4, IPv6)? Rejects what programs writing their own files put
 * after the stamp instead ("unbound[14277:0]", 'msg="Question"', a bare number).
 */
function plausibleHost(line: string, p: number, e: number): boolean {
  let digitsOnly = true;
  for (let i = p; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c === 91 || c === 93 || c === 34 || c === 61) return false; // [ ] " =
    if (c < 48 || c > 57) digitsOnly = false;
  }
  return !digitsOnly;
}

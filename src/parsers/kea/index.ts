// kea: DHCPv4/DHCPv6 bindings from ISC Kea's log (its own log file, stdout or syslog output) and from the
// forensic "legal" log of libdhcp_legal_log.so. Message ids and texts are those of Kea 2.2's
// dhcp4_messages.mes / dhcp6_messages.mes (the ids are stable across 1.6 … 2.6); see README.md.
import type { LeaseHow, LeaseRecord } from '../../records/record.ts';
import { parseSyslog } from '../../syslog/header.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { looksBinary } from '../common.ts';
import {
  ethernetMac, INFINITE_LEASE, leaseRecord, leaseSeconds, macFromDuid, macInsideDuidLlt, noMacReason, normIpCached, parseDuid,
  type LeaseFields,
} from '../dhcp-common/index.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const kea: Parser = {
  name: 'kea',
  description: 'ISC Kea DHCPv4/DHCPv6 leases from its log (DHCP4_LEASE_ALLOC, DHCP4_RELEASE, DHCP6_LEASE_ALLOC, …) and forensic log',
  framing: 'line',
  // Kea's own log lines start "2024-05-03 10:22:31.123 INFO  [kea-dhcp4.leases/…]": read as a syslog header,
  // "INFO" would become the log host. The parser recognises both shapes itself and reads syslog headers
  // with the same parseSyslog() the pipeline uses.
  syslogHeader: 'none',
  parse,
};
export default kea;

type Built = { fields: LeaseFields };
type Result = ParseResult | Built;

/** Severities of Kea's "%-5p" pattern field. */
const SEVERITIES = new Set(['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG']);

/** Message ids (families) that never bind a lease, with the reason they are skipped. */
const SKIP_IDS: Record<string, string> = {
  DHCP4_LEASE_ADVERT: 'DHCP4_LEASE_ADVERT: an offer, not a binding (DHCP4_LEASE_ALLOC is)',
  DHCP4_LEASE_OFFER: 'DHCP4_LEASE_OFFER: an offer, not a binding (DHCP4_LEASE_ALLOC is)',
  DHCP6_LEASE_ADVERT: 'DHCP6_LEASE_ADVERT: an offer, not a binding (DHCP6_LEASE_ALLOC is)',
  DHCP6_PD_LEASE_ADVERT: 'DHCP6_PD_LEASE_ADVERT: an offer of a prefix, not a binding',
  DHCP6_PD_LEASE_ALLOC: 'DHCP6_PD_LEASE_ALLOC: a delegated prefix, not an address',
  DHCP6_PD_LEASE_REUSE: 'DHCP6_PD_LEASE_REUSE: a delegated prefix, not an address',
  DHCP6_RELEASE_PD: 'DHCP6_RELEASE_PD: a delegated prefix released, not an address',
  DHCP4_INIT_REBOOT: 'DHCP4_INIT_REBOOT: a request, not a binding (DHCP4_LEASE_ALLOC is)',
  DHCP4_NO_LEASE_INIT_REBOOT: 'DHCP4_NO_LEASE_INIT_REBOOT: request for an address the server does not know',
  DHCP4_INVALID_ADDRESS_INIT_REBOOT: 'DHCP4_INVALID_ADDRESS_INIT_REBOOT: request for an address not in the subnet',
  DHCP4_RESPONSE_DATA: 'DHCP4_RESPONSE_DATA: packet details, the binding is DHCP4_LEASE_ALLOC',
  DHCP4_RESPONSE_HOSTNAME_DATA: 'DHCP4_RESPONSE_HOSTNAME_DATA: response details, the binding is DHCP4_LEASE_ALLOC',
  DHCP4_RESPONSE_FQDN_DATA: 'DHCP4_RESPONSE_FQDN_DATA: response details, the binding is DHCP4_LEASE_ALLOC',
  DHCP4_RESPONSE_HOSTNAME_GENERATE: 'DHCP4_RESPONSE_HOSTNAME_GENERATE: response details, the binding is DHCP4_LEASE_ALLOC',
};
const ALLOC_FAIL = 'allocation failed (pool exhausted or no address for the client; worth counting as a warning)';

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const raw = msg.raw;
  if (raw.trim() === '') return { unparsed: 'empty message' };
  if (looksBinary(raw)) return { unparsed: 'binary data, not a log line' };
  let body: string;
  let stamp: ResolvedTime | undefined;
  let logHost: string | undefined;
  let app: string | undefined;
  const own = isoStamp(raw);
  if (own) {
    // Kea's own file / stdout: "YYYY-MM-DD HH:MM:SS.mmm SEV [logger/pid.tid] ID text" (local time, no zone),
    // or a legal log line "YYYY-MM-DD HH:MM:SS ZONE Address: …".
    try {
      stamp = own.stamp(ctx);
    } catch {
      return { unparsed: 'time stamp is not a valid time' };
    }
    body = raw.slice(own.end);
  } else if (legalStart(raw, 0)) {
    body = raw; // a forensic entry without its time stamp (ISC's documentation examples): no time
  } else {
    let m = parseSyslog(raw, ctx.clock);
    // Tolerate a doubled space after an RFC 5424 stamp (seen in a pasted OPNsense line): read the header as
    // if it were single; raw stays as received.
    if (m.header && !m.header.stamp && raw.charCodeAt(0) === 60 && raw.indexOf('  ') > 0) {
      const m2 = parseSyslog(raw.replace('  ', ' '), ctx.clock);
      if (m2.header?.stamp) m = m2;
    }
    body = m.body;
    stamp = m.header?.stamp;
    logHost = m.header?.hostname;
    app = m.header?.app;
    // Kea's file pattern on stdout, relayed by journald/rsyslog: prefer Kea's own stamp (it has the year and ms).
    const inner = m.header ? isoStamp(body) : null;
    if (inner) {
      try {
        stamp = inner.stamp(ctx);
      } catch {
        return { unparsed: 'time stamp is not a valid time' };
      }
      body = body.slice(inner.end);
    }
  }
  body = body.trim();
  const r = classify(body);
  if (!('fields' in r)) {
    if ('unparsed' in r && app && !app.toLowerCase().includes('kea')) return { unparsed: "not a Kea message (another program's syslog tag)" };
    return r;
  }
  if (!stamp) return { unparsed: 'no time stamp' };
  const rec: LeaseRecord = leaseRecord(msg, ctx, stamp, r.fields, logHost);
  return { records: [rec] };
}

/**
 * "YYYY-MM-DD HH:MM:SS" at the start of the line, then either ".fff " (Kea's %D{…%q} stamp: local, no zone)
 * or " ZONE " (the legal log's "%Y-%m-%d %H:%M:%S %Z").
 */
function isoStamp(s: string): { end: number; stamp: (ctx: ParseContext) => ResolvedTime } | null {
  if (s.length < 21 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const year = num(s, 0, 4), month = num(s, 5, 2), day = num(s, 8, 2), hour = num(s, 11, 2), minute = num(s, 14, 2), second = num(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  const f = { year, month, day, hour, minute, second, micros: 0 };
  if (s.charCodeAt(19) === 46) {
    let i = 20, micros = 0, k = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (k < 6) micros = micros * 10 + c;
      k++;
    }
    if (k === 0 || s.charCodeAt(i) !== 32) return null;
    for (; k < 6; k++) micros *= 10;
    f.micros = micros;
    const rawStamp = s.slice(0, i);
    return { end: i + 1, stamp: (ctx) => ctx.clock.local(f, rawStamp) };
  }
  if (s.charCodeAt(19) !== 32) return null;
  const zEnd = s.indexOf(' ', 20);
  if (zEnd < 0 || zEnd - 20 > 6) return null;
  const zone = s.slice(20, zEnd);
  // Only the legal log writes a zone here; anything else (an rsyslog stamp, a host name) is read as syslog.
  if (!legalStart(s, zEnd + 1)) return null;
  const rawStamp = s.slice(0, zEnd);
  const offset = zoneOffset(zone);
  return {
    end: zEnd + 1,
    stamp: (ctx) => (offset === undefined ? ctx.clock.local(f, rawStamp) : ctx.clock.withOffset(f, offset, rawStamp)),
  };
}

/**
 * UTC offset (minutes) of a strftime %Z text when it names one offset only: numeric (+0530, -03) or an
 * unambiguous abbreviation. Ambiguous ones (CST, IST, AST …) are read in the configured zone instead.
 */
const ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, Z: 0, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180, MSK: 180,
  EST: -300, EDT: -240, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, AKST: -540, AKDT: -480, HST: -600,
  JST: 540, KST: 540, AEST: 600, AEDT: 660, ACST: 570, ACDT: 630, AWST: 480, NZST: 720, NZDT: 780, SAST: 120,
};

function zoneOffset(z: string): number | undefined {
  const c = z.charCodeAt(0);
  if ((c === 43 || c === 45) && (z.length === 3 || z.length === 5)) {
    const h = num(z, 1, 2), m = z.length === 5 ? num(z, 3, 2) : 0;
    if (h < 0 || m < 0 || h > 23 || m > 59) return undefined;
    return (c === 45 ? -1 : 1) * (h * 60 + m);
  }
  return ABBREVIATIONS[z];
}

function num(s: string, p: number, n: number): number {
  let v = 0;
  for (let i = p; i < p + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** How a forensic (legal) log entry starts, after its time stamp. */
const LEGAL_START = ['Address:', 'Address ', 'Prefix:', 'Prefix ', 'Administrator ', 'HA partner '];

function legalStart(s: string, p: number): boolean {
  const c = s.charCodeAt(p);
  if (c !== 65 && c !== 80 && c !== 72) return false; // A P H
  for (const w of LEGAL_START) if (s.startsWith(w, p)) return true;
  return false;
}

function classify(body: string): Result {
  if (legalStart(body, 0)) return legal(body);
  // "SEV  [logger…] ID text" (file, stdout, syslog patterns); the severity may be absent in custom patterns.
  let p = 0;
  const sp = body.indexOf(' ');
  if (sp > 0 && SEVERITIES.has(body.slice(0, sp))) {
    p = sp;
    while (body.charCodeAt(p) === 32) p++;
  }
  if (body.charCodeAt(p) === 91) {
    const close = body.indexOf('] ', p);
    if (close < 0) return { unparsed: 'Kea line with an unterminated [logger] field' };
    p = close + 2;
  }
  const idEnd = body.indexOf(' ', p);
  const id = body.slice(p, idEnd < 0 ? undefined : idEnd);
  if (!isMessageId(id)) {
    if (p === 0) return { unparsed: 'not a Kea log line' };
    return { unparsed: 'Kea line without a message id' };
  }
  const text = idEnd < 0 ? '' : body.slice(idEnd + 1);
  return message(id, text);
}

/** Kea message ids: upper-case words joined by underscores, e.g. DHCP4_LEASE_ALLOC, ALLOC_ENGINE_V4_ALLOC_FAIL. */
function isMessageId(id: string): boolean {
  if (id.length < 4 || id.length > 80 || id.indexOf('_') < 0) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

function message(id: string, text: string): Result {
  switch (id) {
    case 'DHCP4_LEASE_ALLOC': // "%1: lease %2 has been allocated for %3 seconds"
      return v4Lease(id, text, ' has been allocated for ', 'ack');
    case 'DHCP4_LEASE_REUSE': // "%1: lease %2 has been reused for %3 seconds"
      return v4Lease(id, text, ' has been reused for ', 'ack');
    case 'DHCP4_RELEASE': // "%1: address %2 was released properly."
    case 'DHCP4_RELEASE_DELETED': // (Kea ≥ 2.4) "%1: address %2 was deleted on release"
    case 'DHCP4_RELEASE_EXPIRED': // (Kea ≥ 2.4) "%1: address %2 expired on release"
      return v4Release(id, text);
    case 'DHCP4_DECLINE_LEASE': // "Received DHCPDECLINE for addr %1 from client %2. The lease will be unavailable for %3 seconds."
      return v4Decline(text);
    case 'DHCP4_INFORM_DIRECT_REPLY': // "%1: DHCPACK in reply to the DHCPINFORM will be sent directly to %2 over %3"
      return v4Inform(text);
    case 'DHCP6_LEASE_ALLOC': // "%1: lease for address %2 and iaid=%3 has been allocated for %4 seconds"
      return v6Lease(id, text, ' has been allocated', 'ack');
    case 'DHCP6_LEASE_REUSE': // "%1: lease for address %2 and iaid=%3 has been reused for %4 seconds"
      return v6Lease(id, text, ' has been reused', 'ack');
    case 'DHCP6_RELEASE_NA': // "%1: binding for address %2 and iaid=%3 was released properly"
    case 'DHCP6_RELEASE_NA_DELETED':
    case 'DHCP6_RELEASE_NA_EXPIRED':
      return v6Release(id, text);
    case 'DHCP6_DECLINE_LEASE': // "Client %1 sent DECLINE for address %2 and the server marked it as declined. …"
      return v6Decline(text);
  }
  const fixed = SKIP_IDS[id];
  if (fixed) return { skip: fixed };
  if (id.startsWith('ALLOC_ENGINE_V4_ALLOC_FAIL') || id.startsWith('ALLOC_ENGINE_V6_ALLOC_FAIL')) {
    return { skip: `${id.slice(0, 26)}: ${ALLOC_FAIL}` };
  }
  if (id.startsWith('DHCP4_PACKET_NAK') || id.startsWith('DHCP4_DECLINE_') || id.startsWith('DHCP4_RELEASE_') || id.startsWith('DHCP6_RELEASE_') || id.startsWith('DHCP6_DECLINE_')) {
    return { skip: 'Kea refused or ignored the client (NAK, failed release or decline): no binding' };
  }
  return { skip: 'Kea message that records no binding' };
}

/** The v4 client label "[hwtype=1 aa:bb:…], cid=[…], tid=0x…" (Pkt4::makeLabel) → MAC or the reason there is none. */
function v4LabelMac(label: string, what: string): string | ParseResult {
  if (label.startsWith('[no hwaddr info]')) return { skip: `${what}: client without a hardware address` };
  if (!label.startsWith('[hwtype=')) return { unparsed: `${what}: client label of an unknown shape` };
  const sp = label.indexOf(' ', 8);
  const close = label.indexOf(']', 8);
  if (sp < 0 || close < sp) return { unparsed: `${what}: client label of an unknown shape` };
  const mac = ethernetMac(label.slice(sp + 1, close));
  return mac ?? { skip: `${what}: client has no Ethernet MAC` };
}

/** "LABEL: lease IP <verb> N seconds" */
function v4Lease(id: string, text: string, verb: string, how: LeaseHow): Result {
  const colon = text.indexOf(': lease ');
  if (colon < 0) return { unparsed: `${id} line of an unknown shape` };
  const v = text.indexOf(verb, colon + 8);
  if (v < 0) return { unparsed: `${id} line of an unknown shape` };
  const ip = normIpCached(text.slice(colon + 8, v));
  if (!ip) return { unparsed: `${id}: no address` };
  const mac = v4LabelMac(text.slice(0, colon), id);
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip, mac, how };
  const secs = leaseSeconds(wordAt(text, v + verb.length));
  if (secs !== null) f.seconds = secs;
  return { fields: f };
}

function v4Release(id: string, text: string): Result {
  const colon = text.indexOf(': address ');
  if (colon < 0) return { unparsed: `${id} line of an unknown shape` };
  const ip = normIpCached(wordAt(text, colon + 10));
  if (!ip) return { unparsed: `${id}: no address` };
  const mac = v4LabelMac(text.slice(0, colon), id);
  if (typeof mac !== 'string') return mac;
  return { fields: { ip, mac, how: 'release' } };
}

function v4Decline(text: string): Result {
  const a = text.indexOf('for addr ');
  const from = text.indexOf(' from client ');
  if (a < 0 || from < a) return { unparsed: 'DHCP4_DECLINE_LEASE line of an unknown shape' };
  const ip = normIpCached(text.slice(a + 9, from));
  if (!ip) return { unparsed: 'DHCP4_DECLINE_LEASE: no address' };
  const mac = v4LabelMac(text.slice(from + 13), 'DHCP4_DECLINE_LEASE');
  if (typeof mac !== 'string') return mac;
  return { fields: { ip, mac, how: 'decline' } };
}

function v4Inform(text: string): Result {
  const colon = text.indexOf(': DHCPACK in reply to the DHCPINFORM will be sent directly to ');
  if (colon < 0) return { unparsed: 'DHCP4_INFORM_DIRECT_REPLY line of an unknown shape' };
  const p = colon + 62;
  const ip = normIpCached(wordAt(text, p));
  if (!ip) return { unparsed: 'DHCP4_INFORM_DIRECT_REPLY: no address' };
  const mac = v4LabelMac(text.slice(0, colon), 'DHCP4_INFORM_DIRECT_REPLY');
  if (typeof mac !== 'string') return mac;
  const over = text.indexOf(' over ', p);
  const f: LeaseFields = { ip, mac, how: 'inform' };
  if (over >= 0) f.via = wordAt(text, over + 6);
  return { fields: f };
}

/**
 * The v6 client label "duid=[…], [hwtype=1 aa:bb:…], tid=0x…" (Pkt6::makeLabel). The hardware address is
 * Kea's guess (mac-sources: the DUID first, then the link-local address, relay options …): taken unless it is
 * just the MAC inside a DUID-LLT, which is not trusted (see README).
 */
function v6LabelMac(label: string, what: string): string | ParseResult {
  if (!label.startsWith('duid=[')) return { unparsed: `${what}: client label of an unknown shape` };
  const close = label.indexOf(']', 6);
  if (close < 0) return { unparsed: `${what}: client label of an unknown shape` };
  const duidText = label.slice(6, close);
  const duid = duidText === 'no info' ? null : parseDuid(duidText);
  const fromDuid = duid ? macFromDuid(duid) : null;
  if (fromDuid) return fromDuid;
  let hw: string | null = null;
  const h = label.indexOf(', [hwtype=', close);
  if (h >= 0) {
    const sp = label.indexOf(' ', h + 10);
    const end = label.indexOf(']', h + 10);
    if (sp > 0 && end > sp) hw = ethernetMac(label.slice(sp + 1, end));
  }
  if (hw && !(duid && macInsideDuidLlt(duid) === hw)) return hw;
  if (duid) return { skip: noMacReason(what, duid) };
  return { skip: `${what}: DHCPv6 client without DUID or MAC` };
}

/** "LABEL: lease for address IP and iaid=N has been allocated[ for S seconds]" */
function v6Lease(id: string, text: string, verb: string, how: LeaseHow): Result {
  const colon = text.indexOf(': lease for address ');
  if (colon < 0) return { unparsed: `${id} line of an unknown shape` };
  const p = colon + 20;
  const and = text.indexOf(' and iaid=', p);
  if (and < 0) return { unparsed: `${id} line of an unknown shape` };
  const ip = normIpCached(text.slice(p, and));
  if (!ip) return { unparsed: `${id}: no address` };
  const mac = v6LabelMac(text.slice(0, colon), id);
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip, mac, how };
  const v = text.indexOf(verb, and);
  if (v >= 0 && text.startsWith(' for ', v + verb.length)) {
    const secs = leaseSeconds(wordAt(text, v + verb.length + 5));
    if (secs !== null) f.seconds = secs;
  }
  return { fields: f };
}

function v6Release(id: string, text: string): Result {
  const colon = text.indexOf(': binding for address ');
  if (colon < 0) return { unparsed: `${id} line of an unknown shape` };
  const p = colon + 22;
  const and = text.indexOf(' and iaid=', p);
  const ip = normIpCached(text.slice(p, and < 0 ? undefined : and));
  if (!ip) return { unparsed: `${id}: no address` };
  const mac = v6LabelMac(text.slice(0, colon), id);
  if (typeof mac !== 'string') return mac;
  return { fields: { ip, mac, how: 'release' } };
}

function v6Decline(text: string): Result {
  const sent = text.indexOf(' sent DECLINE for address ');
  if (!text.startsWith('Client ') || sent < 0) return { unparsed: 'DHCP6_DECLINE_LEASE line of an unknown shape' };
  const p = sent + 26;
  const ip = normIpCached(wordAt(text, p));
  if (!ip) return { unparsed: 'DHCP6_DECLINE_LEASE: no address' };
  const mac = v6LabelMac(text.slice(7, sent), 'DHCP6_DECLINE_LEASE');
  if (typeof mac !== 'string') return mac;
  return { fields: { ip, mac, how: 'decline' } };
}

/** The word at p, without a trailing '.' or ','. */
function wordAt(s: string, p: number): string {
  let e = s.indexOf(' ', p);
  if (e < 0) e = s.length;
  let w = s.slice(p, e);
  while (w.endsWith('.') || w.endsWith(',')) w = w.slice(0, -1);
  return w;
}

// ---------------------------------------------------------------------------------------------------------
// Forensic (legal) log of libdhcp_legal_log.so, default format (lease4_callouts.cc / lease6_callouts.cc):
//   Address: IP has been assigned|renewed for DURATION to a device with hardware address: hwtype=1 MAC[, client-id: …][ connected via relay at address: R…]
//   Address: IP has been released from a device with hardware address: hwtype=1 MAC …
//   Address:IP6 has been assigned for DURATION to a device with DUID: D and hardware address: hwtype=1 MAC (from SOURCE) …
//   Administrator|HA partner added a lease of address: IP to a device with hardware address: MAC[ for DURATION]
// DURATION is "[N days ]H hrs M mins S secs", "infinite duration", or "N seconds" in ISC's custom-format example.

function legal(body: string): Result {
  if (body.startsWith('Prefix')) return { skip: 'forensic log: a delegated prefix, not an address' };
  if (!body.startsWith('Address')) return legalCommand(body);
  let p = 7;
  if (body.charCodeAt(p) === 58) p++;
  else return { unparsed: 'forensic log line of an unknown shape' };
  while (body.charCodeAt(p) === 32) p++;
  const ipEnd = body.indexOf(' has been ', p);
  if (ipEnd < 0) return { unparsed: 'forensic log line of an unknown shape' };
  const ip = normIpCached(body.slice(p, ipEnd));
  if (!ip) return { unparsed: 'forensic log: no address' };
  p = ipEnd + 10;
  const verbEnd = body.indexOf(' ', p);
  const verb = body.slice(p, verbEnd);
  let how: LeaseHow;
  if (verb === 'assigned') how = 'ack';
  else if (verb === 'renewed') how = 'renew';
  else if (verb === 'released') how = 'release';
  else return { unparsed: 'forensic log: unknown lease action' };
  const f: LeaseFields = { ip, mac: '', how };
  if (how !== 'release') {
    if (!body.startsWith(' for ', verbEnd)) return { unparsed: 'forensic log line of an unknown shape' };
    const to = body.indexOf(' to a device with ', verbEnd);
    if (to < 0) return { unparsed: 'forensic log line of an unknown shape' };
    const secs = duration(body.slice(verbEnd + 5, to));
    if (secs === null) return { unparsed: 'forensic log: unreadable lease duration' };
    f.seconds = secs;
  }
  const mac = legalMac(body, p, 'forensic log');
  if (typeof mac !== 'string') return mac;
  f.mac = mac;
  const relay = body.indexOf(' connected via relay at address: ', p);
  if (relay >= 0) {
    const r = normIpCached(wordAt(body, relay + 33));
    if (r) f.via = r;
  }
  return { fields: f };
}

/** The device of a forensic entry: v4 "hardware address: hwtype=1 MAC", v6 "DUID: D and hardware address: hwtype=1 MAC (from SOURCE)". */
function legalMac(body: string, p: number, what: string): string | ParseResult {
  const dIdx = body.indexOf('with DUID: ', p);
  let duid: number[] | null = null;
  if (dIdx >= 0) {
    duid = parseDuid(wordAt(body, dIdx + 11));
    const fromDuid = duid ? macFromDuid(duid) : null;
    if (fromDuid) return fromDuid;
  }
  const h = body.indexOf('hardware address: ', p);
  if (h < 0) return duid ? { skip: noMacReason(what, duid) } : { unparsed: `${what}: no device address` };
  let q = h + 18;
  if (body.startsWith('hwtype=', q)) {
    const sp = body.indexOf(' ', q);
    if (sp < 0) return { unparsed: `${what}: no device address` };
    q = sp + 1;
  }
  const mac = ethernetMac(wordAt(body, q));
  if (!mac) return { skip: `${what}: device has no Ethernet MAC` };
  // The v6 entry says where Kea took the MAC from; one read out of a DUID-LLT is not trusted.
  if (duid && macInsideDuidLlt(duid) === mac && body.includes('(from DUID)', q)) return { skip: noMacReason(what, duid) };
  return mac;
}

/** "Administrator added a lease of address: IP to a device with hardware address: MAC[ for DURATION]" and kin. */
function legalCommand(body: string): Result {
  const ADDED = ' added a lease of address: ', UPDATED = ' updated information on the lease of address: ';
  const added = body.indexOf(ADDED);
  const updated = body.indexOf(UPDATED);
  if (added < 0 && updated < 0) {
    if (body.includes(' deleted ')) return { skip: 'forensic log: lease deleted by a command, no MAC named' };
    return { unparsed: 'forensic log line of an unknown shape' };
  }
  const p = added >= 0 ? added + ADDED.length : updated + UPDATED.length;
  const ip = normIpCached(wordAt(body, p));
  if (!ip) return { unparsed: 'forensic log: no address' };
  let mac: string | ParseResult;
  const hw = body.indexOf('hardware address: ', p);
  if (hw >= 0) {
    const m = ethernetMac(wordAt(body, hw + 18));
    mac = m ?? { skip: 'forensic log: device has no Ethernet MAC' };
  } else {
    mac = legalMac(body, p, 'forensic log');
  }
  if (typeof mac !== 'string') return mac;
  const f: LeaseFields = { ip, mac, how: 'ack' };
  const forIdx = body.lastIndexOf(' for ');
  if (forIdx > p) {
    const secs = duration(body.slice(forIdx + 5));
    if (secs !== null) f.seconds = secs;
  }
  return { fields: f };
}

/** "[N days ]H hrs M mins S secs" / "infinite duration" / "N seconds" → seconds, or null. */
function duration(s: string): number | null {
  if (s === 'infinite duration') return INFINITE_LEASE;
  const parts = s.split(' ');
  if (parts.length % 2 !== 0 || parts.length > 8) return null;
  let secs = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const n = leaseSeconds(parts[i]!);
    if (n === null) return null;
    const unit = parts[i + 1]!;
    if (unit === 'days' || unit === 'day') secs += n * 86400;
    else if (unit === 'hrs') secs += n * 3600;
    else if (unit === 'mins' || unit === 'min') secs += n * 60;
    else if (unit === 'secs' || unit === 'seconds') secs += n;
    else return null;
  }
  return secs <= INFINITE_LEASE ? secs : null;
}

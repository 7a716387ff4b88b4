// Helpers shared by the DHCP server parsers of the 'dhcp' family (isc-dhcpd, kea, kea-leases, windows-dhcp).
// Not a parser itself: nothing here is registered.
import { normIp, normMac } from '../../records/addr.ts';
import type { LeaseHow, LeaseRecord, Micros } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import type { ParseContext } from '../parser.ts';

/** DHCP lease time meaning "infinite" (RFC 2131 §3.3, RFC 8415 §7.7): no end is recorded. */
export const INFINITE_LEASE = 0xffffffff;

/** A DUID in bytes from "00:03:00:01:aa:…" (any case) or bare hex "00030001AA…"; null when it is not one. */
export function parseDuid(text: string): number[] | null {
  const colon = text.indexOf(':') >= 0;
  const n = colon ? (text.length + 1) / 3 : text.length / 2;
  if (!Number.isInteger(n) || n < 3 || n > 130) return null;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = colon ? i * 3 : i * 2;
    if (colon && i > 0 && text.charCodeAt(p - 1) !== 58) return null;
    const hi = hexVal(text.charCodeAt(p)), lo = hexVal(text.charCodeAt(p + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = hi * 16 + lo;
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export const DUID_LLT = 1, DUID_EN = 2, DUID_LL = 3, DUID_UUID = 4;

export function duidType(d: number[]): number {
  return (d[0]! << 8) | d[1]!;
}

/**
 * The client's MAC when the DUID names it outright: a DUID-LL (type 3) over Ethernet (hardware type 1).
 * A DUID-LLT (type 1) also embeds a link-layer address, but of whichever interface existed when the DUID was
 * made, and cloned system images share it: recording it as the client's MAC could point at the wrong
 * machine, so it is not used (same rule as the dnsmasq parser).
 */
export function macFromDuid(d: number[]): string | null {
  if (duidType(d) === DUID_LL && ((d[2]! << 8) | d[3]!) === 1 && d.length === 10) return hexMac(d, 4);
  return null;
}

/** The link-layer address inside a DUID-LLT over Ethernet (only to recognise it, never recorded as the MAC). */
export function macInsideDuidLlt(d: number[]): string | null {
  if (duidType(d) === DUID_LLT && ((d[2]! << 8) | d[3]!) === 1 && d.length === 14) return hexMac(d, 8);
  return null;
}

function hexMac(d: number[], from: number): string {
  let s = '';
  for (let i = from; i < from + 6; i++) s += (i > from ? ':' : '') + d[i]!.toString(16).padStart(2, '0');
  return s;
}

export function duidKind(d: number[]): string {
  switch (duidType(d)) {
    case DUID_LLT: return 'DUID-LLT';
    case DUID_EN: return 'DUID-EN';
    case DUID_LL: return 'DUID-LL';
    case DUID_UUID: return 'DUID-UUID';
    default: return 'an unknown DUID type';
  }
}

/** Fixed skip reason for a DHCPv6 client whose DUID gives no MAC we may record. */
export function noMacReason(what: string, d: number[]): string {
  return `${what}: DHCPv6 client known only by ${duidKind(d)}, no MAC to record (see README)`;
}

/** Canonical MAC of an Ethernet hardware address text; null for other lengths (InfiniBand, client ids …). */
export function ethernetMac(text: string): string | null {
  if (text.length === 17 && isCanonicalMac(text)) return text; // the usual case: nothing to rewrite
  return text.length >= 11 && text.length <= 17 ? normMac(text) : null;
}

/** "aa:bb:cc:dd:ee:ff" in lower case, exactly. */
function isCanonicalMac(s: string): boolean {
  for (let i = 0; i < 17; i++) {
    const c = s.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 58) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * normIp with a small cache for IPv6: canonicalising an IPv6 address takes a BigInt round trip, and DHCP logs
 * name the same addresses again and again. IPv4 goes straight through (node's isIPv4 is cheap).
 */
const V6_CACHE = new Map<string, string | null>();
export function normIpCached(text: string): string | null {
  if (text.indexOf(':') < 0) return normIp(text);
  let v = V6_CACHE.get(text);
  if (v === undefined) {
    if (text.length > 64) return null;
    v = normIp(text);
    if (V6_CACHE.size >= 4096) V6_CACHE.clear();
    V6_CACHE.set(text, v);
  }
  return v;
}

/** Lease time in whole seconds (decimal text) → µs, or null when it is not one. INFINITE_LEASE stays as is. */
export function leaseSeconds(text: string): number | null {
  if (text.length === 0 || text.length > 10) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n <= INFINITE_LEASE ? n : null;
}

/** lease end = ts + seconds, unless the lease is infinite or the end would leave the valid range. */
export function leaseEnd(ts: Micros, seconds: number | undefined): Micros | undefined {
  if (seconds === undefined || seconds === INFINITE_LEASE) return undefined;
  const end = ts + seconds * 1_000_000;
  return end < Date.UTC(2100, 0, 1) * 1000 ? end : undefined;
}

export interface LeaseFields {
  ip: string;
  mac: string;
  how: LeaseHow;
  hostname?: string;
  via?: string;
  /** Lease time in seconds, when stated (end = ts + seconds). */
  seconds?: number;
}

/**
 * A lease record from its fields and a resolved time; optional fields only when present. Built as one literal
 * (the same fields, in the same order, as common.ts base() would give: this runs once per binding line).
 */
export function leaseRecord(msg: Message, ctx: ParseContext, t: ResolvedTime, f: LeaseFields, logHost?: string): LeaseRecord {
  const r = { kind: 'lease', ts: t.ts, received: ctx.received, source: ctx.source, raw: msg.raw, rawStamp: t.rawStamp } as LeaseRecord;
  if (t.flags) {
    for (const _ in t.flags) {
      r.flags = { ...t.flags };
      break;
    }
  }
  if (t.tsAlt !== undefined) r.tsAlt = t.tsAlt;
  r.ip = f.ip;
  r.mac = f.mac;
  r.how = f.how;
  if (f.hostname) r.hostname = f.hostname;
  const end = leaseEnd(t.ts, f.seconds);
  if (end !== undefined) r.end = end;
  if (f.via) r.via = f.via;
  if (logHost) r.logHost = logHost;
  return r;
}

/** Is `ts` inside the range records may carry (1990 … 2100)? */
export function plausibleTime(ts: Micros): boolean {
  return ts >= Date.UTC(1990, 0, 1) * 1000 && ts < Date.UTC(2100, 0, 1) * 1000;
}

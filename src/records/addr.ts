// Address canonicalisation and the numeric encoding stores use.
// IPv4 is encoded as an IPv4-mapped IPv6 number (::ffff:a.b.c.d) so one 128-bit column holds both families;
// frame-of-reference compression removes the constant high bits, so IPv4 costs no more than a 32-bit column.
import { isIPv4, isIPv6 } from 'node:net';

const V4_MAPPED = 0xffff00000000n;

/** Canonical text of an IP address (IPv4 dotted quad, IPv6 RFC 5952), or null when it is not one. */
export function normIp(text: string): string | null {
  if (isIPv4(text)) return text; // node's isIPv4 already refuses leading zeros and out-of-range octets
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  return bigIntToIp(ipToBigInt(s));
}

export function ipv4ToNumber(ip: string): number {
  let n = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

export function numberToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** IP text → 128-bit number (IPv4 as ::ffff:a.b.c.d). The text must already be a valid address. */
export function ipToBigInt(ip: string): bigint {
  if (ip.indexOf(':') < 0) return V4_MAPPED + BigInt(ipv4ToNumber(ip));
  let s = ip;
  // Embedded IPv4 tail (::ffff:1.2.3.4)
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let tailGroups: number[] = [];
  if (tail.includes('.')) {
    const v = ipv4ToNumber(tail);
    tailGroups = [(v >>> 16) & 0xffff, v & 0xffff];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups =
    rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  let v = 0n;
  for (const g of groups) v = (v << 16n) + BigInt(parseInt(g, 16));
  if (tailGroups.length) v = (v & ~0xffffffffn) | (BigInt(tailGroups[0]!) << 16n) | BigInt(tailGroups[1]!);
  return v;
}

/** 128-bit number → canonical text; ::ffff:a.b.c.d comes back as plain IPv4. */
export function bigIntToIp(v: bigint): string {
  if (v >> 32n === 0xffffn) return numberToIpv4(Number(v & 0xffffffffn));
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (≥2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function isV4(ip: string): boolean {
  return ip.indexOf(':') < 0;
}

const MAC_RE = /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/i;
const MAC_DOTTED = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;
const MAC_BARE = /^[0-9a-f]{12}$/i;

/**
 * Canonical MAC (aa:bb:cc:dd:ee:ff) from the usual spellings: colons, dashes, Cisco dotted (aabb.ccdd.eeff),
 * bare hex; or null when it is not a MAC.
 */
export function normMac(text: string): string | null {
  let m = MAC_RE.exec(text);
  if (m) return m.slice(1, 7).map((p) => p.toLowerCase().padStart(2, '0')).join(':');
  let hex: string | undefined;
  if ((m = MAC_DOTTED.exec(text))) hex = m[1]! + m[2]! + m[3]!;
  else if (MAC_BARE.test(text)) hex = text;
  if (!hex) return null;
  hex = hex.toLowerCase();
  return hex.match(/../g)!.join(':');
}

export function macToNumber(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}

export function numberToMac(n: number): string {
  return n.toString(16).padStart(12, '0').match(/../g)!.join(':');
}

/**
 * Writes a canonical IP's 128-bit value as four little-endian 32-bit words at out[off..off+3] (word 0 is
 * the least significant; IPv4 as ::ffff:a.b.c.d). The column form of addresses: no BigInt per row.
 */
export function ipWords(ip: string, out: Uint32Array, off: number): void {
  if (ip.indexOf(':') < 0) {
    out[off] = ipv4ToNumber(ip);
    out[off + 1] = 0xffff;
    out[off + 2] = 0;
    out[off + 3] = 0;
    return;
  }
  const v = ipToBigInt(ip);
  out[off] = Number(v & 0xffffffffn);
  out[off + 1] = Number((v >> 32n) & 0xffffffffn);
  out[off + 2] = Number((v >> 64n) & 0xffffffffn);
  out[off + 3] = Number(v >> 96n);
}

/** The canonical text of the address held in four words (see ipWords). */
export function wordsToIp(w: Uint32Array, off: number): string {
  if (w[off + 1] === 0xffff && w[off + 2] === 0 && w[off + 3] === 0) return numberToIpv4(w[off]!);
  return bigIntToIp((BigInt(w[off + 3]!) << 96n) | (BigInt(w[off + 2]!) << 64n) | (BigInt(w[off + 1]!) << 32n) | BigInt(w[off]!));
}

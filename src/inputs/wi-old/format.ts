// Fast text forms of binary values (addresses, times) for the decoder's hot loop. Same canonical forms as
// src/records/addr.ts (IPv4 dotted quad, IPv6 RFC 5952, ::ffff:a.b.c.d as plain IPv4, MAC lower case).

// IPv4 → text through a small direct-mapped cache: NAT logs repeat the same public and destination addresses.
const V4_SLOTS = 8192;
const v4Keys = new Float64Array(V4_SLOTS).fill(-1);
const v4Text: string[] = new Array<string>(V4_SLOTS).fill('');

export function ipv4Text(n: number): string {
  const i = (n ^ (n >>> 13) ^ (n >>> 26)) & (V4_SLOTS - 1);
  if (v4Keys[i] === n) return v4Text[i]!;
  const s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  v4Keys[i] = n;
  v4Text[i] = s;
  return s;
}

/** 16 bytes at `p` → canonical IPv6 text (RFC 5952); an IPv4-mapped address comes back as plain IPv4. */
export function ipv6Text(b: Uint8Array, p: number): string {
  let mapped = b[p + 10] === 0xff && b[p + 11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (b[p + i] !== 0) mapped = false;
  if (mapped) return ipv4Text(((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0);
  // Longest run (≥ 2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 0, run = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && b[p + 2 * g] === 0 && b[p + 2 * g + 1] === 0;
    if (zero) {
      if (run < 0) run = g;
    } else if (run >= 0) {
      if (g - run > bestLen && g - run >= 2) {
        best = run;
        bestLen = g - run;
      }
      run = -1;
    }
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === best) {
      s += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    s += ((b[p + 2 * g]! << 8) | b[p + 2 * g + 1]!).toString(16);
    if (g < 7) s += ':';
  }
  return s;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macText(b: Uint8Array, p: number): string {
  return `${HEX[b[p]!]}:${HEX[b[p + 1]!]}:${HEX[b[p + 2]!]}:${HEX[b[p + 3]!]}:${HEX[b[p + 4]!]}:${HEX[b[p + 5]!]}`;
}

export function hexText(b: Uint8Array, p: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += HEX[b[p + i]!];
  return s;
}

// ISO-8601 UTC with milliseconds (or microseconds when the value has them), cached per second.
let isoSec = NaN;
let isoHead = '';

export function isoMicros(us: number): string {
  const sec = Math.floor(us / 1e6);
  if (sec !== isoSec) {
    isoSec = sec;
    isoHead = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  const frac = us - sec * 1e6;
  if (frac % 1000 === 0) return `${isoHead}.${String(frac / 1000).padStart(3, '0')}Z`;
  return `${isoHead}.${String(frac).padStart(6, '0')}Z`;
}

/** ISO text (as isoMicros writes it) → µs, or NaN. */
export function parseIsoMicros(s: string): number {
  // YYYY-MM-DDTHH:MM:SS(.fff|.ffffff)Z
  if (s.length < 20 || s[4] !== '-' || s[10] !== 'T' || s[s.length - 1] !== 'Z') return NaN;
  const ms = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19));
  if (!Number.isFinite(ms)) return NaN;
  let frac = 0;
  if (s[19] === '.') {
    const f = s.slice(20, -1);
    if (!/^\d{3}$|^\d{6}$/.test(f)) return NaN;
    frac = f.length === 3 ? +f * 1000 : +f;
  } else if (s.length !== 20) return NaN;
  return ms * 1000 + frac;
}

/** Seconds between 1900-01-01 (NTP era 0) and 1970-01-01. */
export const NTP_UNIX = 2_208_988_800;

// Format `ipfix`: the text renderings the IPFIX / NetFlow v9 collector stores as evidence, read back into the
// same records (`whowas ingest --format ipfix` re-ingests them; a live source of format `ipfix` is how the
// server configuration names an IPFIX exporter). One line per data record, e.g.
//   ipfix exporter=192.0.2.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10.1.2.3:51234
//   xsrc=203.0.113.5:40123 dst=198.51.100.7:443 xdst=198.51.100.7:443 observationTimeMilliseconds=… time=…
// (one line). The mapping is ./nat.ts, shared with the decoder, so a line yields what the packet yielded.
import { normIp } from '../../records/addr.ts';
import type { WhowasRecord } from '../../records/record.ts';
import type { ParseContext, ParseResult, Parser } from '../../parsers/parser.ts';
import type { Message } from '../../syslog/types.ts';
import { parseIsoMicros } from './format.ts';
import { ieByName, TY } from './ie.ts';
import { Fields, mapRecord, PROFILES, SKIP, type MapContext, type MapResult, type Profile } from './nat.ts';

/** Splits `k=v k="json string" …` into pairs; null when the line is not made of such tokens. */
export function tokens(s: string, from: number): [string, string][] | null {
  const out: [string, string][] = [];
  let i = from;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const eq = s.indexOf('=', i);
    if (eq < 0) return null;
    const key = s.slice(i, eq);
    if (key.length === 0 || key.includes(' ')) return null;
    let j = eq + 1;
    let val: string;
    if (s.charCodeAt(j) === 34) {
      // JSON string: find the closing quote not escaped.
      let k = j + 1;
      while (k < n) {
        const c = s.charCodeAt(k);
        if (c === 92) k += 2;
        else if (c === 34) break;
        else k++;
      }
      if (k >= n) return null;
      try {
        val = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        return null;
      }
      j = k + 1;
    } else {
      const sp = s.indexOf(' ', j);
      const e = sp < 0 ? n : sp;
      val = s.slice(j, e);
      j = e;
    }
    out.push([key, val]);
    i = j;
  }
  return out;
}

/** "10.1.2.3:51234", "[2001:db8::1]:443", "10.1.2.3", "2001:db8::1" → [address, port (-1 = none)]. */
function endpoint(v: string): [string | null, number] {
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0) return [null, -1];
    const ip = normIp(v.slice(1, close));
    const rest = v.slice(close + 1);
    if (rest === '') return [ip, -1];
    if (!rest.startsWith(':')) return [null, -1];
    return [ip, port(rest.slice(1))];
  }
  const c = v.indexOf(':');
  if (c >= 0 && v.indexOf(':', c + 1) >= 0) return [normIp(v), -1]; // bare IPv6
  if (c < 0) return [normIp(v), -1];
  return [normIp(v.slice(0, c)), port(v.slice(c + 1))];
}

function port(s: string): number {
  return /^\d{1,5}$/.test(s) && +s <= 65535 ? +s : -2;
}

function num(s: string): number {
  return /^\d{1,20}$/.test(s) ? Number(s) : -1;
}

const f = new Fields();
const res: MapResult = { ts: 0, end: -1, skip: undefined };

export const ipfixText: Parser = {
  name: 'ipfix',
  description: "whowas's IPFIX / NetFlow v9 collector's text renderings of NAT events, port blocks and flows",
  framing: 'line',
  syslogHeader: 'none',
  parse(msg: Message, ctx: ParseContext): ParseResult {
    const s = msg.body;
    const how = s.startsWith('ipfix ') ? 'ipfix' : s.startsWith('nfv9 ') ? 'nfv9' : '';
    if (!how) return { unparsed: 'not an IPFIX / NetFlow v9 rendering' };
    const toks = tokens(s, how.length + 1);
    if (!toks) return { unparsed: 'not an IPFIX / NetFlow v9 rendering' };
    f.reset();
    let profile: Profile = 'rfc8158';
    let time = NaN;
    let options = false;
    let fw84 = -1;
    for (const [k, v] of toks) {
      switch (k) {
        case 'exporter':
        case 'domain':
        case 'template':
          continue;
        case 'optionsTemplate':
          options = true;
          continue;
        case 'profile':
          if (!PROFILES.includes(v as Profile)) return { unparsed: 'unknown natEvent profile' };
          profile = v as Profile;
          continue;
        case 'natEvent':
          f.natEvent = num(v);
          continue;
        case 'fwEvent':
          f.fwEvent = num(v);
          continue;
        case 'proto':
          f.proto = num(v);
          continue;
        case 'src':
          [f.src, f.sport] = endpoint(v);
          continue;
        case 'xsrc':
          [f.xsrc, f.xsport] = endpoint(v);
          continue;
        case 'dst':
          [f.dst, f.dport] = endpoint(v);
          continue;
        case 'xdst':
          [f.xdst, f.xdport] = endpoint(v);
          continue;
        case 'time':
          time = parseIsoMicros(v);
          continue;
        case 'start':
          f.tStart = parseIsoMicros(v);
          continue;
        case 'end':
          f.tEnd = parseIsoMicros(v);
          continue;
      }
      const ie = ieByName(k);
      if (!ie) continue; // rendered for the reader; the mapping does not use it
      const n = ie.type === TY.U ? num(v) : -1;
      const t = ie.type === TY.MS || ie.type === TY.SEC || ie.type === TY.US || ie.type === TY.NS ? parseIsoMicros(v) : NaN;
      if (ie.ent === 0) {
        switch (ie.id) {
          case 322: case 323: case 324: case 325:
            if (!Number.isNaN(t) && f.tObs < 0) f.tObs = t;
            break;
          case 150: case 152: case 154: case 156:
            if (!Number.isNaN(t) && f.tStart < 0) f.tStart = t;
            break;
          case 151: case 153: case 155: case 157:
            if (!Number.isNaN(t) && f.tEnd < 0) f.tEnd = t;
            break;
          // Ports rendered under their own name (their address is absent from the template).
          case 7: if (f.sport === -1) f.sport = n; break;
          case 11: if (f.dport === -1) f.dport = n; break;
          case 227: case 40003: if (f.xsport === -1) f.xsport = n; break;
          case 228: case 40004: if (f.xdport === -1) f.xdport = n; break;
          case 361: f.prStart = n; break;
          case 362: f.prEnd = n; break;
          case 363: f.prStep = n; break;
          case 364: f.prNum = n; break;
          case 148: f.flowId = n; break;
          case 1: f.octets = n; break;
          case 231: f.iniOctets = n; break;
          case 232: f.respOctets = n; break;
          case 136: f.endReason = n; break;
          case 40005: fw84 = n; break;
        }
      } else if (ie.ent === 637 && ie.id === 93) f.natSub = v;
      else if (ie.ent === 29305 && ie.id === 1) f.revOctets = n;
    }
    if (f.fwEvent < 0 && fw84 >= 0) f.fwEvent = fw84;
    if (Number.isNaN(time)) return { unparsed: 'IPFIX rendering without time=' };
    if (options) return { skip: SKIP.options };
    if (f.sport === -2 || f.xsport === -2 || f.dport === -2 || f.xdport === -2) return { unparsed: 'bad port in an IPFIX rendering' };
    const c: MapContext = { profile, how, exportUs: time, received: ctx.received, flows: true };
    const out: WhowasRecord[] = [];
    mapRecord(f, c, out, res);
    if (out.length === 0) return { skip: res.skip ?? 'no binding' };
    const bad = out.find((r) => r.kind === 'unparsed');
    if (bad) return { unparsed: (bad as { reason: string }).reason };
    for (const r of out) r.source = ctx.source;
    return { records: out };
  },
};

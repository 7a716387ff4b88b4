// juniper-srx: NAT translations from Junos SRX security flow logs (RT_FLOW_SESSION_CREATE / _CLOSE / _DENY) and
// source-NAT port-block allocations (RT_SRC_NAT_PBA_ALLOC / _RELEASE / _INTERIM), in both the structured-data
// form (`set security log format sd-syslog`: [junos@2636.… key="value" …]) and the plain form. See README.md.
import type { NatEvent, Proto } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { endpoint, findStamp, ip, natRecord, notOurs, num, numOf, portBlock, protoNumber, type Endpoint } from '../families/nat-common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const juniperSrx: Parser = {
  name: 'juniper-srx',
  description: 'Juniper SRX flow session logs (RT_FLOW_SESSION_*) and NAT port-block logs (RT_SRC_NAT_PBA_*), structured or plain',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default juniperSrx;

type Kind = 'create' | 'close' | 'deny' | 'alloc' | 'release' | 'interim';

function kindOf(name: string): Kind | undefined {
  if (name.startsWith('RT_FLOW_SESSION_CREATE')) return 'create';
  if (name.startsWith('RT_FLOW_SESSION_CLOSE')) return 'close';
  if (name.startsWith('RT_FLOW_SESSION_DENY')) return 'deny';
  if (name.startsWith('RT_SRC_NAT_PBA_ALLOC')) return 'alloc';
  if (name.startsWith('RT_SRC_NAT_PBA_RELEASE')) return 'release';
  if (name.startsWith('RT_SRC_NAT_PBA_INTERIM')) return 'interim';
  return undefined;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  // The event name: RFC 5424 MSGID, or a token in the text (plain form "RT_FLOW_SESSION_CREATE: session created …",
  // or an RFC 5424-shaped message behind a relay's RFC 3164 header).
  let s = msg.body;
  let namePos = -1;
  let name: string | undefined;
  const msgId = msg.header?.format === 'rfc5424' ? msg.header.msgId : undefined;
  if (msgId && (msgId.startsWith('RT_FLOW_SESSION_') || msgId.startsWith('RT_SRC_NAT_PBA_'))) name = msgId;
  else {
    namePos = firstOf(s, 'RT_FLOW_SESSION_', 'RT_SRC_NAT_PBA_');
    if (namePos < 0 && msg.header) {
      s = msg.raw; // "RT_FLOW:"-less lines where the header reader took the event name for the program name
      namePos = firstOf(s, 'RT_FLOW_SESSION_', 'RT_SRC_NAT_PBA_');
    }
    if (namePos < 0) {
      if (s.indexOf('RT_FLOW') >= 0 || s.indexOf('RT_NAT') >= 0) return { skip: 'Junos flow or NAT message that carries no translation' };
      return notOurs(s, 'not a Junos RT_FLOW / RT_NAT message');
    }
    let e = namePos;
    while (e < s.length && s.charCodeAt(e) !== 32 && s.charCodeAt(e) !== 58) e++;
    name = s.slice(namePos, e);
  }
  const kind = kindOf(name);
  if (!kind) return { skip: 'Junos flow or NAT message that carries no translation' };
  if (kind === 'deny') return { skip: 'denied before translation' };

  // Structured data: the header's, or "[junos@…" in the text after the name (possibly cut short by a relay).
  let sd: string | undefined;
  if (msgId && msg.header?.structuredData?.startsWith('[')) sd = msg.header.structuredData;
  else {
    const b = s.indexOf('[junos@', namePos >= 0 ? namePos : 0);
    const b2 = b >= 0 ? b : s.indexOf(' [', namePos >= 0 ? namePos : 0) + 1;
    if (b2 > 0 && s.indexOf('="', b2) > 0) sd = s.slice(b2);
  }

  const f = sd !== undefined ? sdFields(sd, kind) : plainFields(s, namePos, kind);
  if (typeof f === 'string') return { unparsed: f };

  // Time: an RFC 5424 header is the device's; else the device's own stamp in the text before the name (a relay
  // put its header in front); else any syslog header; else (port blocks) the epoch-time-64 field.
  let time: ResolvedTime | undefined;
  if (msg.header?.format === 'rfc5424' && msg.header.stamp) time = msg.header.stamp;
  else {
    const found = namePos > 0 ? findStamp(s, 0, namePos, ctx.clock, true) : null;
    if (found === 'invalid') return { unparsed: 'invalid time stamp' };
    if (found) time = found.time;
    else if (msg.header?.stamp) time = msg.header.stamp;
    else if (f.epochHex !== undefined) {
      const secs = parseInt(f.epochHex, 16);
      if (/^[0-9a-f]{1,12}$/i.test(f.epochHex) && secs > 0) time = ctx.clock.epoch(String(secs), f.epochHex);
    }
  }
  if (!time) return { unparsed: 'no time stamp' };

  if (kind === 'alloc' || kind === 'release' || kind === 'interim') {
    const inIp = ip(f.internal ?? ''), pubIp = ip(f.reflexive ?? '');
    const lo = numOf(f.blockLo), hi = numOf(f.blockHi);
    if (!inIp || !pubIp || lo < 0 || hi < lo || hi > 65535) return { unparsed: 'port-block message without internal-ip, reflexive-ip or block ports' };
    return { records: [portBlock(msg, ctx, time, kind, inIp, pubIp, lo, hi)] };
  }

  const src = f.src, dst = f.dst, nsrc = f.nsrc, ndst = f.ndst;
  if (!src || !dst || !nsrc || !ndst) return { unparsed: 'session message without source, destination and their NAT translations' };
  const protoId = numOf(f.proto);
  if (protoId < 0) return { unparsed: 'session message without protocol-id' };
  const proto: Proto = protoNumber(protoId);
  let inn: Endpoint, pub: Endpoint, peer: Endpoint;
  if (nsrc.ip !== src.ip || nsrc.port !== src.port) { inn = src; pub = nsrc; peer = ndst; } // source NAT
  else if (ndst.ip !== dst.ip || ndst.port !== dst.port) { inn = ndst; pub = dst; peer = src; } // destination NAT
  else return { skip: 'no translation (NAT addresses equal the original ones)' };
  const event: NatEvent = kind === 'create' ? 'new' : 'destroy';
  const r = natRecord(msg, ctx, time, event, proto, inn.ip, inn.port, pub.ip, pub.port, peer.ip, peer.port);
  const sid = numOf(f.session);
  if (sid >= 0) r.flowId = sid;
  if (kind === 'close' && f.serverPackets === '0') r.failed = true; // nothing ever came back
  return { records: [r] };
}

interface Fields {
  src?: Endpoint;
  dst?: Endpoint;
  nsrc?: Endpoint;
  ndst?: Endpoint;
  proto?: string;
  session?: string;
  serverPackets?: string;
  internal?: string;
  reflexive?: string;
  blockLo?: string;
  blockHi?: string;
  epochHex?: string;
}

function firstOf(s: string, a: string, b: string): number {
  const i = s.indexOf(a), j = s.indexOf(b);
  return i < 0 ? j : j < 0 ? i : Math.min(i, j);
}

// Structured-data keys we keep, by id; compared in place (no string per key we skip).
const SD_KEYS = [
  'source-address', 'source-port', 'destination-address', 'destination-port', 'nat-source-address', 'nat-source-port',
  'nat-destination-address', 'nat-destination-port', 'protocol-id', 'session-id-32', 'session-id', 'packets-from-server',
  'internal-ip', 'reflexive-ip', 'block-port-low', 'block-port-high', 'epoch-time-64',
];
/** Key indexes by key length (the array index). */
const BY_LEN: (number[] | undefined)[] = [];
SD_KEYS.forEach((k, i) => (BY_LEN[k.length] ??= []).push(i));
const V: (string | undefined)[] = new Array<string | undefined>(SD_KEYS.length);
/**
 * Keys after which a session message holds nothing more we read (bits of SD_KEYS indexes): the four endpoints,
 * protocol-id and session-id-32, plus packets-from-server for a close. Junos writes ~30 keys and these come in
 * its first ~20, so the rest is not scanned (this loop was a quarter of the parser's profile; +4–7% lines/s). A message with only the
 * older `session-id` never completes the set and is read to its end.
 */
const CREATE_KEYS = 0x3ff;
const CLOSE_KEYS = CREATE_KEYS | (1 << 11);

function sdKey(sd: string, a: number, len: number): number {
  const cands = BY_LEN[len];
  if (cands === undefined) return -1;
  for (let j = 0; j < cands.length; j++) {
    const i = cands[j]!;
    if (sd.startsWith(SD_KEYS[i]!, a)) return i;
  }
  return -1;
}

/** key="value" pairs of an SD-ELEMENT (values may hold \" \\ \]); only the keys we use are kept. */
function sdFields(sd: string, kind: Kind): Fields | string {
  for (let i = 0; i < V.length; i++) V[i] = undefined;
  const want = kind === 'create' ? CREATE_KEYS : kind === 'close' ? CLOSE_KEYS : -1;
  let got = 0;
  const n = sd.length;
  // "[junos@2636.1.1.1.2.39 key=…": skip the SD-ID; some copies lack it ("[internal-ip=…").
  const sp = sd.indexOf(' '), eq0 = sd.indexOf('="');
  if (eq0 < 0) return 'empty structured data';
  let p = sp > 0 && sp < eq0 ? sp : 1;
  let bsl = sd.indexOf('\\', p); // the next backslash (escapes are rare: one search, moved on only when passed)
  while (p < n) {
    while (p < n && sd.charCodeAt(p) === 32) p++;
    const eq = sd.indexOf('="', p);
    if (eq < 0) break;
    const id = sdKey(sd, p, eq - p);
    const va = eq + 2;
    let q = sd.indexOf('"', va);
    while (q > 0 && sd.charCodeAt(q - 1) === 92) { // \" inside the value; \\" is an escaped backslash, then the end
      let k = q - 1, bs = 0;
      while (k >= va && sd.charCodeAt(k) === 92) { bs++; k--; }
      if (bs % 2 === 0) break;
      q = sd.indexOf('"', q + 1);
    }
    if (q < 0) return 'structured data value without closing quote';
    if (id >= 0) {
      if (bsl >= 0 && bsl < va) bsl = sd.indexOf('\\', va);
      V[id] = bsl >= 0 && bsl < q ? unescape(sd.slice(va, q)) : sd.slice(va, q);
      if (((got |= 1 << id) & want) === want) break;
    }
    p = q + 1;
    if (sd.charCodeAt(p) === 93) break; // ]
  }
  return {
    src: sdEp(0, 1),
    dst: sdEp(2, 3),
    nsrc: sdEp(4, 5),
    ndst: sdEp(6, 7),
    proto: V[8],
    session: V[9] ?? V[10],
    serverPackets: V[11],
    internal: V[12],
    reflexive: V[13],
    blockLo: V[14],
    blockHi: V[15],
    epochHex: V[16],
  };
}

function sdEp(a: number, b: number): Endpoint | undefined {
  const addr = V[a] !== undefined ? ip(V[a]!) : null;
  const pt = numOf(V[b]);
  return addr && pt >= 0 && pt <= 65535 ? { ip: addr, port: pt } : undefined;
}

/** RFC 5424 PARAM-VALUE escapes: \" \\ \] stand for the character after the backslash. */
function unescape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) out += v.charCodeAt(i) === 92 && i + 1 < v.length ? v[++i] : v[i];
  return out;
}

/**
 * Plain form, after "NAME: ":
 *   session created S/sp->D/dp [0xTAG] SERVICE NS/nsp->ND/ndp [0xTAG] <nat rule fields> PROTO POLICY FROMZONE TOZONE SESSIONID …
 *   session closed REASON: S/sp->D/dp … SESSIONID CLIENTPKTS(BYTES) SERVERPKTS(BYTES) ELAPSED …
 *   Subscriber IP used/maximum [u/m] blocks, allocates|releases port block [LO-HI] from NATIP in source pool P lsys_id: N
 */
function plainFields(s: string, namePos: number, kind: Kind): Fields | string {
  let p = s.indexOf(': ', namePos);
  if (p < 0) return 'plain Junos message without text';
  p += 2;
  if (kind === 'alloc' || kind === 'release' || kind === 'interim') {
    const sub = s.indexOf('Subscriber ', p);
    const blk = s.indexOf('port block [', p);
    const from = blk < 0 ? -1 : s.indexOf(' from ', blk);
    if (sub < 0 || blk < 0 || from < 0) return 'port-block message not in the documented form';
    const a = sub + 11, ae = s.indexOf(' ', a);
    const dash = s.indexOf('-', blk + 12), close = s.indexOf(']', blk + 12);
    const fe = s.indexOf(' ', from + 6);
    if (ae < 0 || dash < 0 || close < dash) return 'port-block message not in the documented form';
    return {
      internal: s.slice(a, ae),
      blockLo: s.slice(blk + 12, dash),
      blockHi: s.slice(dash + 1, close),
      reflexive: s.slice(from + 6, fe < 0 ? s.length : fe),
    };
  }
  if (kind === 'close') {
    const c = s.indexOf(': ', p); // "session closed TCP FIN: …"
    if (c < 0) return 'session closed without reason';
    p = c + 2;
  } else if (s.startsWith('session created ', p)) p += 16;
  else return 'session created message not in the documented form';
  const tok = s.slice(p).split(' ');
  let i = 0;
  const t1 = pair(tok[i++]);
  if (!t1) return 'session message without its address pair';
  if (tok[i]?.startsWith('0x')) i++; // connection tag
  i++; // service name
  const t2 = pair(tok[i++]);
  if (!t2) return 'session message without its NAT address pair';
  if (tok[i]?.startsWith('0x')) i++;
  // NAT rule type/name fields vary by release ("None None", "source rule R N/A N/A", "N/A N/A N/A N/A"): the protocol
  // id is the first number after them; the session id comes four tokens later (policy, from-zone, to-zone).
  while (i < tok.length && num(tok[i]!, 0, tok[i]!.length) < 0) i++;
  if (i >= tok.length) return 'session message without protocol id';
  const out: Fields = { src: t1[0], dst: t1[1], nsrc: t2[0], ndst: t2[1], proto: tok[i], session: tok[i + 4] };
  if (kind === 'close') {
    const srv = tok[i + 6];
    const par = srv?.indexOf('(') ?? -1;
    if (par > 0) out.serverPackets = srv!.slice(0, par);
  }
  return out;
}

function pair(t: string | undefined): [Endpoint, Endpoint] | null {
  if (!t) return null;
  const arrow = t.indexOf('->');
  if (arrow < 0) return null;
  const a = endpoint(t, 0, arrow, 47), b = endpoint(t, arrow + 2, t.length, 47);
  return a && b ? [a, b] : null;
}

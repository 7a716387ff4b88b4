// From the decoded fields of one IPFIX / NetFlow v9 data record to whowas records: `nat` (translation
// events), `portblock` (port-block allocation), `flow` (plain flows), a counted skip (events that bind
// nothing: exhaustion, quota, threshold) or `unparsed` (an event we cannot read, kept with its text).
// Shared by the UDP decoder (./decoder.ts) and the text parser of the renderings (./text.ts), so a stored
// evidence line re-parses to the very records it was stored with.
import { normIp } from '../../records/addr.ts';
import { ipv4Text } from './format.ts';
import { NAT_EVENTS, PROTOS, type Micros, type NatEvent, type NatRecord, type NatRow, type Proto, type WhowasRecord } from '../../records/record.ts';

/**
 * How natEvent values are read (they differ between RFC 8158 and the draft Juniper implemented):
 * - rfc8158: the IANA "NAT Event Type" registry (RFC 8158 §4.3; also Cisco IOS-XE NEL, VPP, and the default);
 * - juniper-draft: draft-ietf-behave-ipfix-nat-logging-02 numbering (Junos MS-MPC / MX-SPC3);
 * - nsel: Cisco ASA NSEL: the firewall event (NF_F_FW_EVENT) decides even when a natEvent is present;
 * - nokia: Nokia SR OS (no natEvent: a create template carries flowStartMilliseconds, a delete template
 *   flowEndMilliseconds; the inside address is in aluNatSubString). Nokia's enterprise fields are recognised
 *   in every profile, so this reads like rfc8158.
 */
export type Profile = 'rfc8158' | 'juniper-draft' | 'nsel' | 'nokia';
export const PROFILES: readonly Profile[] = ['rfc8158', 'juniper-draft', 'nsel', 'nokia'];

/** The addresses of Fields by index; A_NONE: none (absent, or the zero address where that means absent). */
export const A_SRC = 0, A_XSRC = 1, A_DST = 2, A_XDST = 3, A_INSIDE = 4, A_NONE = 5;

/** The fields of one data record the mapping reads (one instance reused for every record: no allocation). */
export class Fields {
  /**
   * Each address (A_SRC … A_INSIDE, Nokia's inside address set by the mapping): an IPv4 address (IPv4-mapped
   * IPv6 included) as its number, its text made only when asked (a NAT event stored as a row never needs
   * it: making the text was a tenth of the decode worker's time); any other address as canonical text, its
   * number -1. The text parser sets text only. Index A_NONE always reads -1 / null.
   */
  readonly v4 = new Float64Array(6).fill(-1);
  private readonly text: (string | null)[] = [null, null, null, null, null, null];

  setAddr(a: number, text: string | null, v4: number): void {
    this.text[a] = text;
    this.v4[a] = v4;
  }

  addr(a: number): string | null {
    const t = this.text[a]!;
    if (t !== null) return t;
    const n = this.v4[a]!;
    return n >= 0 ? (this.text[a] = ipv4Text(n)) : null;
  }

  sport = -1;
  xsport = -1;
  dport = -1;
  xdport = -1;
  proto = -1;
  natEvent = -1;
  fwEvent = -1;
  /** Times in µs since the epoch; -1 = absent. */
  tObs = -1;
  tStart = -1;
  tEnd = -1;
  /** flowStartSysUpTime / flowEndSysUpTime (NetFlow v9 FIRST/LAST_SWITCHED): ms since the exporter booted. */
  upStart = -1;
  upEnd = -1;
  /** systemInitTimeMilliseconds carried in the record itself (µs since the epoch). */
  sysInit = -1;
  /** tStart / tEnd were derived (from uptime or delta fields), not read from an absolute time field. */
  startDerived = false;
  endDerived = false;
  prStart = -1;
  prEnd = -1;
  prStep = -1;
  prNum = -1;
  flowId = -1;
  /** Nokia aluNatSubString ("LSN-Host@10.10.10.101"). */
  natSub: string | null = null;
  octets = -1;
  revOctets = -1;
  iniOctets = -1;
  respOctets = -1;
  endReason = -1;

  reset(): void {
    this.natSub = null;
    // Element by element: fill() is a runtime call, 6% of the decode worker's profile once a record.
    const v4 = this.v4, text = this.text;
    v4[0] = v4[1] = v4[2] = v4[3] = v4[4] = -1;
    text[0] = text[1] = text[2] = text[3] = text[4] = null;
    this.sport = this.xsport = this.dport = this.xdport = this.proto = this.natEvent = this.fwEvent = -1;
    this.tObs = this.tStart = this.tEnd = this.upStart = this.upEnd = this.sysInit = -1;
    this.prStart = this.prEnd = this.prStep = this.prNum = this.flowId = -1;
    this.octets = this.revOctets = this.iniOctets = this.respOctets = this.endReason = -1;
    this.startDerived = this.endDerived = false;
  }
}

export interface MapContext {
  profile: Profile;
  /** 'ipfix' or 'nfv9': the flow records' `how`. */
  how: string;
  /** Message export time (IPFIX Export Time / v9 UNIX Secs), µs. */
  exportUs: Micros;
  received: Micros;
  /** Keep plain flows (records with no NAT information) as `flow` records. */
  flows: boolean;
  /**
   * When set, a record that maps to exactly one NAT event with IPv4 addresses and a destination is written
   * here instead of as a record (res.row says so): what the ingest worker stores, without strings.
   */
  row?: NatRow;
}

/** What the mapping decided besides the records: the time shown in the rendering, and a skip reason. */
export interface MapResult {
  ts: Micros;
  end: Micros;
  skip: string | undefined;
  /** The event went to MapContext.row. */
  row: boolean;
}

// Event classes.
const E_NONE = 0, E_SESS_NEW = 1, E_SESS_DEL = 2, E_BIB_NEW = 3, E_BIB_DEL = 4, E_ADDR_NEW = 5, E_ADDR_DEL = 6,
  E_PB_ALLOC = 7, E_PB_FREE = 8, E_ADDR_EXH = 9, E_PORT_EXH = 10, E_QUOTA = 11, E_THRESH = 12, E_UNKNOWN = 13,
  E_FW_NEW = 14, E_FW_DEL = 15, E_FW_DENY = 16, E_FW_ALERT = 17, E_FW_UPDATE = 18;

/** RFC 8158 §4.3 / IANA NAT Event Type registry (1 and 2 are the historic "NAT translation create/delete"). */
const RFC8158 = [E_UNKNOWN, E_SESS_NEW, E_SESS_DEL, E_ADDR_EXH, E_SESS_NEW, E_SESS_DEL, E_SESS_NEW, E_SESS_DEL, E_BIB_NEW,
  E_BIB_DEL, E_BIB_NEW, E_BIB_DEL, E_PORT_EXH, E_QUOTA, E_ADDR_NEW, E_ADDR_DEL, E_PB_ALLOC, E_PB_FREE, E_THRESH];
/** draft-ietf-behave-ipfix-nat-logging-02 as Junos documents it ("Mapping Between Field Values for IPFIX Flow Templates …"). */
const JUNIPER = [E_UNKNOWN, E_SESS_NEW, E_SESS_DEL, E_ADDR_EXH, E_SESS_NEW, E_SESS_DEL, E_BIB_NEW, E_BIB_DEL, E_BIB_NEW,
  E_BIB_DEL, E_PORT_EXH, E_QUOTA, E_ADDR_NEW, E_ADDR_DEL, E_PB_ALLOC, E_PB_FREE];
/** firewallEvent (IANA 233) = NSEL NF_F_FW_EVENT: 0 ignore, 1 created, 2 deleted, 3 denied, 4 alert, 5 update. */
const FIREWALL = [E_NONE, E_FW_NEW, E_FW_DEL, E_FW_DENY, E_FW_ALERT, E_FW_UPDATE];
const FW_STATE = ['', 'created', 'deleted', 'denied', 'alert', 'updated'];
const END_REASON = ['', 'idle timeout', 'active timeout', 'end of flow', 'forced end', 'lack of resources'];

export const SKIP = {
  addrExhausted: 'NAT addresses exhausted (no binding)',
  portsExhausted: 'NAT ports exhausted (no binding)',
  quota: 'NAT quota exceeded (no binding)',
  threshold: 'NAT threshold reached (no binding)',
  addressBinding: 'NAT address binding without ports (no port binding)',
  flowsOff: 'plain flow (flows are not kept for this input)',
  noAddresses: 'record without addresses',
  nokiaFormat1: 'Nokia template format1 names no translated port (configure template-format format2)',
  options: 'options record (exporter metadata)',
  fwIgnore: 'firewall event without addresses',
} as const;

export const UNPARSED = {
  unknownEvent: 'unknown natEvent value',
  noPublic: 'NAT event without a post-NAT address',
  noInside: 'NAT event without an inside address',
  noPorts: 'NAT event without ports',
  portBlock: 'port block event without addresses or a valid port range',
  natSub: 'Nokia aluNatSubString without an address',
} as const;

const MIN_US = Date.UTC(1990, 0, 1) * 1000;
const MAX_US = Date.UTC(2100, 0, 1) * 1000;
const ok = (t: number): boolean => t >= MIN_US && t < MAX_US;

export function protoName(p: number): Proto {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : p === 58 ? 'icmpv6' : 'other';
}

const isZero = (ip: string | null): boolean => ip === '0.0.0.0' || ip === '::';

/** Inside address from Nokia's aluNatSubString: the text after the last '@' (e.g. "LSN-Host@10.10.10.101"). */
export function natSubAddress(s: string): string | null {
  const at = s.lastIndexOf('@');
  let t = at >= 0 ? s.slice(at + 1) : s;
  const slash = t.indexOf('/');
  if (slash >= 0) t = t.slice(0, slash);
  return normIp(t.trim());
}

/** First valid time among the candidates, else the export time, else the receive time. */
function pick(c: MapContext, a: number, b = -1, d = -1): Micros {
  if (ok(a)) return a;
  if (ok(b)) return b;
  if (ok(d)) return d;
  return ok(c.exportUs) ? c.exportUs : c.received;
}

/**
 * Maps one record. Records (nat / portblock / flow / unparsed) are appended to `out` with empty raw/source
 * (the caller sets them); `res` receives the time to render and, when nothing is kept, the skip reason.
 */
export function mapRecord(f: Fields, c: MapContext, out: WhowasRecord[], res: MapResult): void {
  res.ts = -1;
  res.end = -1;
  res.skip = undefined;
  res.row = false;
  let ev = E_NONE;
  if (f.natEvent >= 0 && !(c.profile === 'nsel' && f.fwEvent >= 0)) {
    const table = c.profile === 'juniper-draft' ? JUNIPER : RFC8158;
    ev = table[f.natEvent] ?? E_UNKNOWN;
  } else if (f.fwEvent >= 0) ev = FIREWALL[f.fwEvent] ?? E_FW_ALERT;

  const start = ok(f.tStart) ? f.tStart : -1;
  const end = ok(f.tEnd) ? f.tEnd : -1;

  switch (ev) {
    case E_ADDR_EXH:
      return skip(res, c, f, SKIP.addrExhausted);
    case E_PORT_EXH:
      return skip(res, c, f, SKIP.portsExhausted);
    case E_QUOTA:
      return skip(res, c, f, SKIP.quota);
    case E_THRESH:
      return skip(res, c, f, SKIP.threshold);
    case E_ADDR_NEW:
    case E_ADDR_DEL:
      return skip(res, c, f, SKIP.addressBinding);
    case E_UNKNOWN:
      return unparsed(out, res, c, pick(c, f.tObs), UNPARSED.unknownEvent);
    case E_PB_ALLOC:
    case E_PB_FREE:
      return portBlock(f, c, out, res, ev === E_PB_ALLOC ? pick(c, f.tObs, start) : pick(c, f.tObs, end), ev === E_PB_ALLOC);
  }

  // Inside address: Nokia puts it in aluNatSubString (and, in format1, the outside address in sourceIPv4Address).
  let src = A_SRC;
  const xsrc = given(f, A_XSRC);
  if (f.natSub !== null) {
    const inside = natSubAddress(f.natSub);
    if (!inside) return unparsed(out, res, c, pick(c, f.tObs, start, end), UNPARSED.natSub);
    if (xsrc === A_NONE) return skip(res, c, f, SKIP.nokiaFormat1, start);
    f.setAddr(A_INSIDE, inside, -1);
    src = A_INSIDE;
  }
  const xdst = given(f, A_XDST);
  const xsport = f.xsport > 0 ? f.xsport : -1;
  const xdport = f.xdport > 0 ? f.xdport : -1;
  const srcT = xsrc !== A_NONE && (!same(f, xsrc, src) || (xsport >= 0 && xsport !== f.sport));
  const dstT = xdst !== A_NONE && (!same(f, xdst, A_DST) || (xdport >= 0 && xdport !== f.dport));
  const explicit = ev === E_SESS_NEW || ev === E_SESS_DEL || ev === E_BIB_NEW || ev === E_BIB_DEL;

  // Which reading: source NAT (inside = pre-NAT source), destination NAT (inside = post-NAT destination, the
  // public side is the pre-NAT destination, the peer is the source), or none (a plain flow).
  let reading = 0; // 0 none, 1 snat, 2 dnat
  if (srcT) reading = 1;
  else if (dstT) reading = 2;
  else if (explicit && xsrc !== A_NONE) reading = 1; // an identity translation the device still logged
  if (reading === 0) {
    if (explicit) return unparsed(out, res, c, pick(c, f.tObs, start, end), present(f, src) ? UNPARSED.noPublic : UNPARSED.noInside);
    return flow(f, c, out, res, ev, start, end);
  }

  // The three addresses as references into Fields (their text is made only for a record).
  let inA: number, inPort: number, pubA: number, pubPort: number, dstA: number, dstPort: number;
  if (reading === 1) {
    inA = src;
    inPort = f.sport;
    pubA = xsrc;
    pubPort = xsport >= 0 ? xsport : f.sport;
    dstA = xdst !== A_NONE ? xdst : given(f, A_DST);
    dstPort = xdport >= 0 ? xdport : f.dport;
  } else {
    inA = xdst;
    inPort = xdport >= 0 ? xdport : f.dport;
    pubA = A_DST;
    pubPort = f.dport;
    dstA = given(f, src);
    dstPort = f.sport;
  }
  if (!present(f, inA)) return unparsed(out, res, c, pick(c, f.tObs, start, end), UNPARSED.noInside);
  if (!present(f, pubA)) return unparsed(out, res, c, pick(c, f.tObs, start, end), UNPARSED.noPublic);
  const proto = protoName(f.proto);
  const portless = proto !== 'tcp' && proto !== 'udp';
  if (inPort < 0 || pubPort < 0) {
    if (!portless) return unparsed(out, res, c, pick(c, f.tObs, start, end), UNPARSED.noPorts);
    inPort = inPort < 0 ? 0 : inPort;
    pubPort = pubPort < 0 ? inPort : pubPort;
  }
  if (ev === E_BIB_NEW || ev === E_BIB_DEL) dstA = A_NONE; // a BIB entry binds the endpoint, whatever the peer
  if (dstA !== A_NONE && dstPort < 0) {
    if (portless) dstPort = 0;
    else dstA = A_NONE;
  }
  const flowId = Number.isSafeInteger(f.flowId) && f.flowId >= 0 ? f.flowId : -1;

  let event: NatEvent;
  let ts: Micros;
  switch (ev) {
    case E_SESS_NEW:
    case E_BIB_NEW:
    case E_FW_NEW:
      event = 'new';
      ts = pick(c, f.tObs, start);
      break;
    case E_SESS_DEL:
    case E_BIB_DEL:
    case E_FW_DEL:
      event = 'destroy';
      ts = pick(c, f.tObs, end);
      break;
    case E_FW_DENY:
      event = 'deny';
      ts = pick(c, f.tObs, start);
      break;
    case E_FW_ALERT:
    case E_FW_UPDATE:
      event = 'update';
      ts = pick(c, f.tObs, end, start);
      break;
    default: {
      // No event field (Nokia, or flows carrying post-NAT fields): the record's own times say what it is.
      // A start time: the translation was created then; an end time: it was deleted then; neither: seen.
      const s = start, e = end;
      if (s >= 0 && e >= 0 && e >= s) {
        const inIp = text(f, inA)!, pubIp = text(f, pubA)!, dstIp = text(f, dstA);
        out.push(natRec('new', s, c, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort, false, flowId));
        out.push(natRec('destroy', e, c, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort, false, flowId));
        res.ts = s;
        res.end = e;
        return;
      }
      if (s >= 0) {
        event = 'new';
        ts = s;
      } else if (e >= 0) {
        event = 'destroy';
        ts = e;
      } else {
        event = 'update';
        ts = pick(c, f.tObs);
      }
    }
  }
  const row = c.row;
  const in4 = v4(f, inA), pub4 = v4(f, pubA), dst4 = v4(f, dstA);
  if (row && in4 >= 0 && pub4 >= 0 && dst4 >= 0) {
    row.ts = ts;
    row.event = NAT_EVENTS.indexOf(event);
    row.proto = PROTOS.indexOf(proto);
    row.failed = ev === E_FW_DENY;
    row.inIp = in4;
    row.inPort = inPort;
    row.pubIp = pub4;
    row.pubPort = pubPort;
    row.dstIp = dst4;
    row.dstPort = dstPort;
    res.row = true;
  } else out.push(natRec(event, ts, c, proto, text(f, inA)!, inPort, text(f, pubA)!, pubPort, text(f, dstA), dstPort, ev === E_FW_DENY, flowId));
  res.ts = ts;
}

/** An address's IPv4 number, or -1 (not IPv4, absent, or Nokia's inside text: those take the record path). */
const v4 = (f: Fields, a: number): number => f.v4[a]!;
const text = (f: Fields, a: number): string | null => f.addr(a);

function present(f: Fields, a: number): boolean {
  return v4(f, a) >= 0 || text(f, a) !== null;
}

/** `a` when present and not the zero address (which exporters send for "none"), else A_NONE. */
function given(f: Fields, a: number): number {
  const n = v4(f, a);
  if (n >= 0) return n === 0 ? A_NONE : a;
  const t = text(f, a);
  return t === null || isZero(t) ? A_NONE : a;
}

/** The same address (both absent counts as the same): by number when both are IPv4 numbers, else by text. */
function same(f: Fields, a: number, b: number): boolean {
  const x = v4(f, a), y = v4(f, b);
  return x >= 0 && y >= 0 ? x === y : text(f, a) === text(f, b);
}

function natRec(event: NatEvent, ts: Micros, c: MapContext, proto: Proto, inIp: string, inPort: number, pubIp: string,
  pubPort: number, dstIp: string | null, dstPort: number, failed: boolean, flowId: number): WhowasRecord {
  // One literal per shape (no properties added afterwards): cheaper to build and to keep in a batch.
  const r: NatRecord =
    dstIp !== null
      ? { kind: 'nat', ts, received: c.received, source: '', raw: '', event, proto, inIp, inPort, pubIp, pubPort, dstIp, dstPort }
      : { kind: 'nat', ts, received: c.received, source: '', raw: '', event, proto, inIp, inPort, pubIp, pubPort };
  if (failed) r.failed = true;
  if (flowId >= 0) r.flowId = flowId;
  return r;
}

function portBlock(f: Fields, c: MapContext, out: WhowasRecord[], res: MapResult, ts: Micros, alloc: boolean): void {
  const inIp = f.natSub !== null ? natSubAddress(f.natSub) : f.addr(A_SRC);
  const pubIp = given(f, A_XSRC) === A_NONE ? null : f.addr(A_XSRC);
  const lo = f.prStart;
  let hi = f.prEnd;
  if (hi < 0 && lo >= 0 && f.prNum > 0) hi = lo + (f.prNum - 1) * Math.max(f.prStep, 1);
  if (inIp === null || pubIp === null || lo < 0 || hi < lo || hi > 65535) return unparsed(out, res, c, ts, UNPARSED.portBlock);
  out.push({ kind: 'portblock', ts, received: c.received, source: '', raw: '', event: alloc ? 'alloc' : 'release', inIp, pubIp, portLo: lo, portHi: hi });
  res.ts = ts;
}

function flow(f: Fields, c: MapContext, out: WhowasRecord[], res: MapResult, ev: number, start: number, end: number): void {
  const ts = pick(c, start, f.tObs, end);
  const srcIp = f.addr(A_SRC), dstIp = f.addr(A_DST);
  if (srcIp === null || dstIp === null) return skip(res, c, f, ev === E_NONE ? SKIP.noAddresses : SKIP.fwIgnore, start);
  if (!c.flows) return skip(res, c, f, SKIP.flowsOff, start);
  const r: WhowasRecord = { kind: 'flow', ts, received: c.received, source: '', raw: '', proto: protoName(f.proto), srcIp, dstIp, how: c.how };
  if (f.sport >= 0) r.srcPort = f.sport;
  if (f.dport >= 0) r.dstPort = f.dport;
  if (end >= 0 && end >= ts) {
    r.end = end;
    res.end = end;
  }
  const state = ev >= E_FW_NEW ? FW_STATE[ev - E_FW_NEW + 1] : f.endReason > 0 ? END_REASON[f.endReason] : undefined;
  if (state) r.state = state;
  const out1 = f.octets >= 0 ? f.octets : f.iniOctets;
  const in1 = f.revOctets >= 0 ? f.revOctets : f.respOctets;
  if (Number.isSafeInteger(out1) && out1 >= 0) r.bytesOut = out1;
  if (Number.isSafeInteger(in1) && in1 >= 0) r.bytesIn = in1;
  out.push(r);
  res.ts = ts;
}

function skip(res: MapResult, c: MapContext, f: Fields, why: string, alt = -1): void {
  res.ts = pick(c, f.tObs, alt);
  res.skip = why;
}

function unparsed(out: WhowasRecord[], res: MapResult, c: MapContext, ts: Micros, reason: string): void {
  out.push({ kind: 'unparsed', ts, received: c.received, source: '', raw: '', reason, format: 'ipfix' });
  res.ts = ts;
}

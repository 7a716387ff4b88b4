// IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) decoder: datagrams in, one text rendering plus records out per
// data record. No socket here (see ./collector.ts): this is pure and deterministic, so tests feed it bytes.
//
// Templates are kept per (exporter address, protocol version + observation domain / source id, template id)
// and expire when not refreshed within `templateLifetimeS` (RFC 7011 §8.4 for UDP; NetFlow v9 likewise).
// A template that arrives again with other fields replaces the old one (counted). Data sets whose template
// is unknown are counted and held briefly (per exporter: `pendingSets` sets for `pendingAgeS` seconds) and
// decoded when the template arrives; what is still held after that is dropped, counted.
//
// Hot path: each template is compiled once into per-field opcode / length / slot tables; a record is decoded
// by one loop over those tables into a reused Fields object (no per-field allocation), then mapped (./nat.ts).
import type { Micros, NatRow, WhowasRecord } from '../../records/record.ts';
import { normIp } from '../../records/addr.ts';
import { ENT_NOKIA, ENT_REVERSE, TY, ieInfo, lengthFits, type Ty } from './ie.ts';
import { NTP_UNIX, TextOut, ipv4Text, ipv6Text, macText } from './format.ts';
import { A_DST, A_SRC, A_XDST, A_XSRC, Fields, mapRecord, SKIP, type MapContext, type MapResult, type Profile } from './nat.ts';

export interface DecoderOptions {
  /** Seconds a template stays valid without being refreshed (default 1800 = 30 min). */
  templateLifetimeS?: number;
  /** Data sets with an unknown template held per exporter until the template arrives (default 256; 0 = none). */
  pendingSets?: number;
  /** Seconds such a set is held (default 120). */
  pendingAgeS?: number;
  /** Keep records without NAT information as `flow` records (default true). */
  flows?: boolean;
  /** natEvent numbering per exporter address (default 'rfc8158'). */
  profileFor?: (exporter: string) => Profile;
  /** Exporters tracked at most (templates and counters); packets from more are counted and dropped (default 10000). */
  maxExporters?: number;
  /**
   * What a data record's evidence is: its text rendering (default), or its own bytes with what it takes to
   * render them later (`RecordBytes`, passed to emit; raw is then ''): the ingest path stores the exporter's
   * original octets and renders them when a trace reads them (renderEvidence), which halves its CPU.
   */
  evidence?: 'text' | 'bytes';
  /**
   * With bytes evidence: a record that is one IPv4 NAT event with a destination reaches emit as a NatRow
   * (its sixth argument, valid during the call) and no record object, for a consumer that puts rows
   * straight into columns (the ingest worker's DayBatcher.addRow).
   */
  rows?: boolean;
}

/** Everything besides its own octets that a data record's rendering depends on, per chunk of evidence. */
export interface EvidenceHeader {
  exporter: string;
  profile: Profile;
  flows: boolean;
  v9: boolean;
  domain: number;
  tid: number;
  options: boolean;
  fields: [number, number, number][];
}

/** A data record's octets, valid during the emit call only, and the context its rendering needs. */
export interface RecordBytes {
  data: Buffer;
  start: number;
  end: number;
  /** Identifies the EvidenceHeader (same key, same header). */
  key: string;
  header: EvidenceHeader;
  exportUs: Micros;
  upBaseMs: number;
}

/** Receives each data record: its text rendering, the records made from it, and the skip reason if none. */
export type Emit = (raw: string, records: WhowasRecord[], skip: string | undefined, received: Micros, bytes?: RecordBytes, row?: NatRow) => void;

export interface ExporterCounters {
  packets: number;
  bytes: number;
  /** Data records decoded (options records included). */
  records: number;
  optionsRecords: number;
  nat: number;
  portblock: number;
  flow: number;
  skipped: number;
  unparsed: number;
  /** Data records by event field value: "natEvent=4", "firewallEvent=1", or "none". */
  events: Record<string, number>;
  /** Template records received (refreshes included), changed definitions, withdrawals, expiries, refused ones. */
  templates: number;
  templateChanges: number;
  templateWithdrawals: number;
  templatesExpired: number;
  templatesRejected: number;
  /** Data sets whose template was unknown on arrival; of those, decoded later, and dropped (too old / too many). */
  unknownTemplateSets: number;
  replayedSets: number;
  droppedSets: number;
  /** Datagrams or sets shorter than their headers or length fields say. */
  truncated: number;
  /** Impossible values: set length < 4, template id < 256, bad options scope count, zero-length template, extra bytes. */
  malformed: number;
  /** Datagrams whose version is neither 9 nor 10 (garbage on the port, NetFlow v5 …). */
  badVersion: number;
  /**
   * Loss seen in the exporters' sequence numbers: IPFIX counts data records (RFC 7011 §3.1), NetFlow v9 counts
   * packets (RFC 3954 §5.1). A step back or a jump of more than a million is a restart or reordering, not loss.
   */
  lostRecords: number;
  lostPackets: number;
  sequenceResets: number;
}

export function newCounters(): ExporterCounters {
  return {
    packets: 0, bytes: 0, records: 0, optionsRecords: 0, nat: 0, portblock: 0, flow: 0, skipped: 0, unparsed: 0, events: {},
    templates: 0, templateChanges: 0, templateWithdrawals: 0, templatesExpired: 0, templatesRejected: 0,
    unknownTemplateSets: 0, replayedSets: 0, droppedSets: 0, truncated: 0, malformed: 0, badVersion: 0,
    lostRecords: 0, lostPackets: 0, sequenceResets: 0,
  };
}

// Opcodes: how a field's bytes are read and rendered.
const OP_PAD = 0, OP_U = 1, OP_IPV4 = 2, OP_IPV6 = 3, OP_MAC = 4, OP_STR = 5, OP_OCT = 6, OP_SEC = 7, OP_MS = 8,
  OP_US = 9, OP_NS = 10, OP_FLOAT = 11, OP_I = 12;
const OP_OF: Record<Ty, number> = {
  [TY.U]: OP_U, [TY.IPV4]: OP_IPV4, [TY.IPV6]: OP_IPV6, [TY.MAC]: OP_MAC, [TY.STR]: OP_STR, [TY.OCT]: OP_OCT,
  [TY.SEC]: OP_SEC, [TY.MS]: OP_MS, [TY.US]: OP_US, [TY.NS]: OP_NS, [TY.FLOAT]: OP_FLOAT, [TY.I]: OP_I, [TY.BOOL]: OP_U,
};

// Slots: where a decoded value goes in Fields.
const SL_NONE = 0, SL_SRC = 1, SL_XSRC = 2, SL_DST = 3, SL_XDST = 4, SL_SPORT = 5, SL_XSPORT = 6, SL_DPORT = 7,
  SL_XDPORT = 8, SL_PROTO = 9, SL_NAT = 10, SL_FW = 11, SL_OBS = 12, SL_START = 13, SL_END = 14, SL_UPSTART = 15,
  SL_UPEND = 16, SL_SYSINIT = 17, SL_PRSTART = 18, SL_PREND = 19, SL_PRSTEP = 20, SL_PRNUM = 21, SL_FLOWID = 22,
  SL_NATSUB = 23, SL_OCT = 24, SL_REVOCT = 25, SL_INIOCT = 26, SL_RESPOCT = 27, SL_ENDREASON = 28, SL_DSTART = 29,
  SL_DEND = 30;

/** Slot of an IANA element (or v9 field type) when its encoding fits; core endpoint slots are settled per template. */
const IANA_SLOT: Record<number, number> = {
  4: SL_PROTO, 230: SL_NAT, 233: SL_FW, 322: SL_OBS, 323: SL_OBS, 324: SL_OBS, 325: SL_OBS,
  150: SL_START, 152: SL_START, 154: SL_START, 156: SL_START, 151: SL_END, 153: SL_END, 155: SL_END, 157: SL_END,
  22: SL_UPSTART, 21: SL_UPEND, 160: SL_SYSINIT, 158: SL_DSTART, 159: SL_DEND,
  361: SL_PRSTART, 362: SL_PREND, 363: SL_PRSTEP, 364: SL_PRNUM, 148: SL_FLOWID,
  1: SL_OCT, 231: SL_INIOCT, 232: SL_RESPOCT, 136: SL_ENDREASON,
};

interface FieldSpec {
  /** Enterprise number; -1 marks a NetFlow v9 options scope field (its type is a scope type, not an element). */
  ent: number;
  id: number;
  /** Octets; 65535 = variable length. */
  len: number;
}

const VAR = 65535;

/** A compiled template. */
interface Tpl {
  id: number;
  v9: boolean;
  options: boolean;
  sig: string;
  expires: Micros;
  n: number;
  op: Uint8Array;
  /** Field length, -1 = variable. */
  len: Int32Array;
  slot: Uint8Array;
  /** Inline token (" name=") per field; '' = rendered as a core token or not at all. */
  tok: string[];
  /** The same, as bytes (null = none). */
  tokB: (Uint8Array | null)[];
  minLen: number;
  // Core tokens present: address field kind (0 none, 4, 6) and whether the port is there.
  cSrc: number; cSport: boolean; cXsrc: number; cXsport: boolean;
  cDst: number; cDport: boolean; cXdst: number; cXdport: boolean;
  cProto: boolean; cNat: boolean; cFw: boolean;
  prefix: string;
  prefixB: Uint8Array;
  /** The template as received, and the evidence key/header built from it on first use. */
  fields: FieldSpec[];
  evKey?: string;
  evHeader?: EvidenceHeader;
}

interface Pending {
  domKey: number;
  tid: number;
  data: Buffer;
  exportUs: Micros;
  upBaseMs: number;
  received: Micros;
  v9: boolean;
}

class Domain {
  readonly templates = new Map<number, Tpl>();
  /** IPFIX: systemInitTimeMilliseconds learnt from an options record (for flowStart/EndSysUpTime), or -1. */
  sysInitMs = -1;
  /** Sequence number the next message should carry (IPFIX: data records so far; v9: packets), or -1 = unknown. */
  nextSeq = -1;
  constructor(readonly id: number, readonly v9: boolean) {}
}

class Exporter {
  readonly c = newCounters();
  readonly nat = new Float64Array(257);
  readonly fw = new Float64Array(257);
  none = 0;
  readonly domains = new Map<number, Domain>();
  pending: Pending[] = [];
  constructor(readonly name: string, readonly profile: Profile) {}
}

const MAX_DOMAINS = 1024;
const MAX_TEMPLATES = 4096;

const POW32 = 4294967296;

export class IpfixDecoder {
  private readonly exporters = new Map<string, Exporter>();
  private readonly lifetimeUs: number;
  private readonly pendingMax: number;
  private readonly pendingAgeUs: number;
  private readonly flows: boolean;
  private readonly profileFor: (e: string) => Profile;
  private readonly maxExporters: number;
  private readonly bytesEvidence: boolean;
  private readonly rb: RecordBytes = { data: Buffer.alloc(0), start: 0, end: 0, key: '', header: {} as EvidenceHeader, exportUs: 0, upBaseMs: -1 };
  /** Datagrams from exporters beyond maxExporters. */
  refused = 0;

  // Per-message context (no allocation per packet).
  private readonly f = new Fields();
  private readonly mapped: WhowasRecord[] = [];
  private readonly text = new TextOut();
  private off = new Int32Array(64);
  private lens = new Int32Array(64);
  private readonly res: MapResult = { ts: 0, end: -1, skip: undefined, row: false };
  private readonly ctx: MapContext = { profile: 'rfc8158', how: 'ipfix', exportUs: 0, received: 0, flows: true };
  /** Epoch ms at which the exporter's uptime clock read 0 (v9: unixSecs·1000 − sysUptime; IPFIX: systemInitTimeMilliseconds), or -1. */
  private upBaseMs = -1;
  /** Data records of the current IPFIX message, and whether some could not be counted (unknown template). */
  private msgRecords = 0;
  private msgUnsure = false;

  constructor(opts: DecoderOptions = {}) {
    this.lifetimeUs = (opts.templateLifetimeS ?? 1800) * 1e6;
    this.pendingMax = opts.pendingSets ?? 256;
    this.pendingAgeUs = (opts.pendingAgeS ?? 120) * 1e6;
    this.flows = opts.flows ?? true;
    this.profileFor = opts.profileFor ?? (() => 'rfc8158');
    this.maxExporters = opts.maxExporters ?? 10_000;
    this.bytesEvidence = opts.evidence === 'bytes';
    if (this.bytesEvidence && opts.rows) this.ctx.row = { ts: 0, event: 0, proto: 0, failed: false, inIp: 0, inPort: 0, pubIp: 0, pubPort: 0, dstIp: 0, dstPort: 0 };
    this.ctx.flows = this.flows;
  }

  /**
   * Renders stored data records (bytes evidence) exactly as text evidence would have been rendered when they
   * arrived: the template and exporter from the header, each record's export time and uptime base.
   */
  static render(h: EvidenceHeader, recs: { data: Buffer; exportUs: Micros; upBaseMs: number; received: Micros }[]): string[] {
    const dec = new IpfixDecoder({ flows: h.flows, profileFor: () => h.profile });
    const ex = new Exporter(h.exporter, h.profile);
    const dom = new Domain(h.domain, h.v9);
    const fields = h.fields.map(([ent, id, len]) => ({ ent, id, len }));
    let sig = `${h.options ? 'o' : 't'}`;
    for (const f of fields) sig += `,${f.ent}.${f.id}/${f.len}`;
    const t = compile(h.tid, h.v9, h.options, fields, sig);
    if (!t) throw new Error('stored IPFIX evidence: template does not compile');
    t.prefix = templatePrefix(ex, dom, h.options, h.tid);
    t.prefixB = Buffer.from(t.prefix, 'utf8');
    const out: string[] = [];
    const ctx = dec.ctx;
    ctx.how = h.v9 ? 'nfv9' : 'ipfix';
    ctx.profile = h.profile;
    for (const r of recs) {
      ctx.exportUs = r.exportUs;
      ctx.received = r.received;
      dec.upBaseMs = r.upBaseMs;
      const before = out.length;
      dec.records(r.data, 0, r.data.length, ex, dom, t, (raw) => void out.push(raw));
      if (out.length !== before + 1) throw new Error('stored IPFIX evidence: a record did not render as one line');
    }
    return out;
  }

  /** Decodes one datagram from `sender` (its source address), received at `received` (µs). Never throws. */
  packet(b: Buffer, sender: string, received: Micros, emit: Emit): void {
    let ex = this.exporters.get(sender);
    if (!ex) {
      if (this.exporters.size >= this.maxExporters) {
        this.refused++;
        return;
      }
      const name = normIp(sender) ?? sender;
      ex = new Exporter(name, this.profileFor(name));
      this.exporters.set(sender, ex);
    }
    const c = ex.c;
    c.packets++;
    c.bytes += b.length;
    if (b.length < 4) {
      c.truncated++;
      return;
    }
    const version = (b[0]! << 8) | b[1]!;
    if (version === 10) this.ipfix(b, ex, received, emit);
    else if (version === 9) this.v9(b, ex, received, emit);
    else c.badVersion++;
  }

  private ipfix(b: Buffer, ex: Exporter, received: Micros, emit: Emit): void {
    const c = ex.c;
    if (b.length < 16) {
      c.truncated++;
      return;
    }
    const msgLen = (b[2]! << 8) | b[3]!;
    let end = b.length;
    if (msgLen < 16) {
      c.malformed++;
      return;
    }
    if (msgLen > b.length) c.truncated++;
    else {
      if (msgLen < b.length) c.malformed++;
      end = msgLen;
    }
    const exportS = b.readUInt32BE(4);
    const domainId = b.readUInt32BE(12);
    const dom = this.domain(ex, domainId, false);
    if (!dom) return;
    this.ctx.exportUs = exportS * 1e6;
    this.upBaseMs = dom.sysInitMs;
    this.ctx.received = received;
    this.ctx.how = 'ipfix';
    this.ctx.profile = ex.profile;
    const seq = b.readUInt32BE(8);
    this.checkSeq(ex, dom, seq);
    this.msgRecords = 0;
    this.msgUnsure = false;
    const trouble = c.truncated + c.malformed;
    this.sets(b, 16, end, ex, dom, received, emit);
    // The next message's number is this one's plus the data records in it, when we could count them all.
    dom.nextSeq = this.msgUnsure || c.truncated + c.malformed !== trouble ? -1 : (seq + this.msgRecords) >>> 0;
  }

  private checkSeq(ex: Exporter, dom: Domain, seq: number): void {
    if (dom.nextSeq < 0) return;
    const d = (seq - dom.nextSeq) >>> 0;
    if (d === 0) return;
    if (d <= 1_000_000) {
      if (dom.v9) ex.c.lostPackets += d;
      else ex.c.lostRecords += d;
    } else ex.c.sequenceResets++;
  }

  private v9(b: Buffer, ex: Exporter, received: Micros, emit: Emit): void {
    const c = ex.c;
    if (b.length < 20) {
      c.truncated++;
      return;
    }
    const uptime = b.readUInt32BE(4);
    const unixSecs = b.readUInt32BE(8);
    const sourceId = b.readUInt32BE(16);
    const dom = this.domain(ex, sourceId, true);
    if (!dom) return;
    this.ctx.exportUs = unixSecs * 1e6;
    this.upBaseMs = unixSecs * 1000 - uptime;
    this.ctx.received = received;
    this.ctx.how = 'nfv9';
    this.ctx.profile = ex.profile;
    const seq = b.readUInt32BE(12);
    this.checkSeq(ex, dom, seq);
    dom.nextSeq = (seq + 1) >>> 0;
    this.sets(b, 20, b.length, ex, dom, received, emit);
  }

  private domain(ex: Exporter, id: number, v9: boolean): Domain | undefined {
    const key = v9 ? id + POW32 : id;
    let d = ex.domains.get(key);
    if (!d) {
      if (ex.domains.size >= MAX_DOMAINS) {
        ex.c.malformed++;
        return undefined;
      }
      d = new Domain(id, v9);
      ex.domains.set(key, d);
    }
    return d;
  }

  private sets(b: Buffer, p: number, end: number, ex: Exporter, dom: Domain, received: Micros, emit: Emit): void {
    const c = ex.c;
    const v9 = dom.v9;
    while (p + 4 <= end) {
      const setId = (b[p]! << 8) | b[p + 1]!;
      const setLen = (b[p + 2]! << 8) | b[p + 3]!;
      if (setLen < 4) {
        // v9 exporters pad the datagram with zeros; anything else is a lie.
        if (!(v9 && setId === 0 && setLen === 0)) c.malformed++;
        return;
      }
      if (p + setLen > end) {
        c.truncated++;
        return;
      }
      const body = p + 4, setEnd = p + setLen;
      if (v9 ? setId === 0 : setId === 2) this.templateSet(b, body, setEnd, ex, dom, false, received, emit);
      else if (v9 ? setId === 1 : setId === 3) this.templateSet(b, body, setEnd, ex, dom, true, received, emit);
      else if (setId >= 256) this.dataSet(b, body, setEnd, ex, dom, setId, received, emit);
      else c.malformed++;
      p = setEnd;
    }
    if (p < end && !v9) c.malformed++;
  }

  private templateSet(b: Buffer, p: number, end: number, ex: Exporter, dom: Domain, options: boolean, received: Micros, emit: Emit): void {
    const c = ex.c;
    const v9 = dom.v9;
    while (p + 4 <= end) {
      const tid = (b[p]! << 8) | b[p + 1]!;
      const count = (b[p + 2]! << 8) | b[p + 3]!;
      if (tid === 0 && count === 0) return; // padding
      if (!v9 && count === 0) {
        // IPFIX withdrawal (RFC 7011 §8.1): one template, or all of this kind when tid is the set id.
        c.templateWithdrawals++;
        if (tid === (options ? 3 : 2)) {
          for (const [id, t] of dom.templates) if (t.options === options) dom.templates.delete(id);
        } else dom.templates.delete(tid);
        p += 4;
        continue;
      }
      if (tid < 256) {
        c.malformed++;
        return;
      }
      let fields: FieldSpec[] = [];
      let scope = 0;
      let q: number;
      if (options && v9) {
        // v9 options template: scope length and option length in octets, 4 octets per field.
        if (p + 6 > end) return void c.truncated++;
        const scopeLen = count; // the second word is the option scope length here
        const optLen = (b[p + 4]! << 8) | b[p + 5]!;
        q = p + 6;
        if (scopeLen % 4 !== 0 || optLen % 4 !== 0 || scopeLen + optLen === 0) return void c.malformed++;
        if (q + scopeLen + optLen > end) return void c.truncated++;
        scope = scopeLen / 4;
        for (let i = 0; i < (scopeLen + optLen) / 4; i++, q += 4) {
          fields.push({ ent: i < scope ? -1 : 0, id: (b[q]! << 8) | b[q + 1]!, len: (b[q + 2]! << 8) | b[q + 3]! });
        }
      } else {
        q = p + 4;
        if (options) {
          if (q + 2 > end) return void c.truncated++;
          scope = (b[q]! << 8) | b[q + 1]!;
          q += 2;
          if (scope === 0 || scope > count) return void c.malformed++;
        }
        for (let i = 0; i < count; i++) {
          if (q + 4 > end) return void c.truncated++;
          let id = (b[q]! << 8) | b[q + 1]!;
          const len = (b[q + 2]! << 8) | b[q + 3]!;
          q += 4;
          let ent = 0;
          if (!v9 && id & 0x8000) {
            if (q + 4 > end) return void c.truncated++;
            ent = b.readUInt32BE(q);
            q += 4;
            id &= 0x7fff;
          }
          fields.push({ ent, id, len });
        }
      }
      p = q;
      c.templates++;
      this.learn(ex, dom, tid, options, scope, fields, received, emit);
      fields = [];
    }
  }

  private learn(ex: Exporter, dom: Domain, tid: number, options: boolean, scope: number, fields: FieldSpec[], received: Micros, emit: Emit): void {
    const c = ex.c;
    let sig = `${options ? 'o' : 't'}${scope}`;
    for (const f of fields) sig += `,${f.ent}.${f.id}/${f.len}`;
    const old = dom.templates.get(tid);
    if (old && old.sig === sig) {
      old.expires = received + this.lifetimeUs;
      return;
    }
    const t = compile(tid, dom.v9, options, fields, sig);
    if (!t) {
      c.templatesRejected++;
      c.malformed++;
      return;
    }
    if (!old && dom.templates.size >= MAX_TEMPLATES) {
      c.templatesRejected++;
      return;
    }
    if (old) c.templateChanges++;
    t.expires = received + this.lifetimeUs;
    t.prefix = templatePrefix(ex, dom, options, tid);
    t.prefixB = Buffer.from(t.prefix, 'utf8');
    dom.templates.set(tid, t);
    if (ex.pending.length) this.replay(ex, dom, t, emit);
  }

  /** Decodes the held data sets of this domain that waited for template `t`, in arrival order. */
  private replay(ex: Exporter, dom: Domain, t: Tpl, emit: Emit): void {
    const key = dom.v9 ? dom.id + POW32 : dom.id;
    const ready = ex.pending.filter((s) => s.domKey === key && s.tid === t.id);
    if (!ready.length) return;
    ex.pending = ex.pending.filter((s) => !(s.domKey === key && s.tid === t.id));
    const ctx = this.ctx;
    const saved = { exportUs: ctx.exportUs, received: ctx.received, how: ctx.how };
    const savedBase = this.upBaseMs;
    const savedCount = this.msgRecords; // replayed records belong to earlier messages
    for (const s of ready) {
      if (ctx.received - s.received > this.pendingAgeUs) {
        ex.c.droppedSets++;
        continue;
      }
      ex.c.replayedSets++;
      ctx.exportUs = s.exportUs;
      this.upBaseMs = s.upBaseMs;
      ctx.received = s.received;
      ctx.how = s.v9 ? 'nfv9' : 'ipfix';
      this.records(s.data, 0, s.data.length, ex, dom, t, emit);
    }
    Object.assign(ctx, saved);
    this.upBaseMs = savedBase;
    this.msgRecords = savedCount;
  }

  private dataSet(b: Buffer, p: number, end: number, ex: Exporter, dom: Domain, tid: number, received: Micros, emit: Emit): void {
    let t = dom.templates.get(tid);
    if (t && received > t.expires) {
      dom.templates.delete(tid);
      ex.c.templatesExpired++;
      t = undefined;
    }
    if (!t) {
      ex.c.unknownTemplateSets++;
      this.msgUnsure = true;
      if (this.pendingMax > 0) {
        if (ex.pending.length >= this.pendingMax) {
          ex.pending.shift();
          ex.c.droppedSets++;
        }
        ex.pending.push({
          domKey: dom.v9 ? dom.id + POW32 : dom.id, tid, data: Buffer.from(b.subarray(p, end)),
          exportUs: this.ctx.exportUs, upBaseMs: this.upBaseMs, received, v9: dom.v9,
        });
      }
      return;
    }
    this.records(b, p, end, ex, dom, t, emit);
  }

  private records(b: Buffer, p: number, end: number, ex: Exporter, dom: Domain, t: Tpl, emit: Emit): void {
    const c = ex.c;
    const f = this.f;
    const res = this.res;
    const ctx = this.ctx;
    const min = t.minLen;
    const n = t.n;
    const off = this.off.length >= n ? this.off : (this.off = new Int32Array(n * 2));
    const lens = this.lens.length >= n ? this.lens : (this.lens = new Int32Array(n * 2));
    const o = this.text;
    while (end - p >= min) {
      const start = p;
      // ---- pass 1: field offsets, and the values the mapping reads ----
      f.reset();
      for (let i = 0; i < n; i++) {
        let len = t.len[i]!;
        if (len < 0) {
          if (p >= end) return void c.truncated++;
          len = b[p++]!;
          if (len === 255) {
            if (p + 2 > end) return void c.truncated++;
            len = (b[p]! << 8) | b[p + 1]!;
            p += 2;
          }
        }
        if (p + len > end) return void c.truncated++;
        off[i] = p;
        lens[i] = len;
        const sl = t.slot[i]!;
        if (sl !== SL_NONE) this.slot(sl, t.op[i]!, b, p, len);
        p += len;
      }
      c.records++;
      this.msgRecords++;
      if (f.natEvent >= 0) ex.nat[f.natEvent > 255 ? 256 : f.natEvent]++;
      else if (f.fwEvent >= 0) ex.fw[f.fwEvent > 255 ? 256 : f.fwEvent]++;
      else ex.none++;
      // ---- times, mapping ----
      let records: WhowasRecord[] = NONE;
      if (t.options) {
        c.optionsRecords++;
        if (f.sysInit >= 0) {
          dom.sysInitMs = f.sysInit / 1000;
          if (!dom.v9) this.upBaseMs = dom.sysInitMs;
        }
        res.ts = ok(f.tObs) ? f.tObs : ok(ctx.exportUs) ? ctx.exportUs : ctx.received;
        res.skip = SKIP.options;
        res.row = false;
      } else {
        // Uptime-relative times (v9 FIRST/LAST_SWITCHED, IPFIX flowStart/EndSysUpTime) → absolute; rendered
        // as start= / end= below so the text stays self-contained.
        const base = f.sysInit >= 0 ? f.sysInit / 1000 : this.upBaseMs;
        if (base >= 0) {
          if (!ok(f.tStart) && f.upStart >= 0) (f.tStart = (base + f.upStart) * 1000), (f.startDerived = true);
          if (!ok(f.tEnd) && f.upEnd >= 0) (f.tEnd = (base + f.upEnd) * 1000), (f.endDerived = true);
        }
        // Into a reused array: most events become a row and no record (copied out when there are records).
        const out = this.mapped;
        mapRecord(f, ctx, out, res);
        if (out.length) (records = out.slice()), (out.length = 0);
      }
      if (this.bytesEvidence && !t.options) {
        if (res.row) c.nat++;
        else if (records.length === 0) c.skipped++;
        else for (const r of records) this.count(c, r);
        const rb = this.rb;
        if (t.evKey === undefined) evidenceOf(t, ex, dom, this.flows);
        rb.data = b;
        rb.start = start;
        rb.end = p;
        rb.key = t.evKey!;
        rb.header = t.evHeader!;
        rb.exportUs = ctx.exportUs;
        rb.upBaseMs = this.upBaseMs;
        emit('', records, res.skip, ctx.received, rb, res.row ? ctx.row : undefined);
        continue;
      }
      // ---- pass 2: the rendering ----
      o.reset();
      o.bytes(t.prefixB);
      if (t.cNat) (o.bytes(B_NAT), o.uint(f.natEvent));
      if (t.cFw) (o.bytes(B_FW), o.uint(f.fwEvent));
      if (t.cProto) (o.bytes(B_PROTO), o.uint(f.proto));
      if (t.cSrc) (o.bytes(B_SRC), endpoint(o, f.addr(A_SRC)!, t.cSrc, t.cSport ? f.sport : -1));
      if (t.cXsrc) (o.bytes(B_XSRC), endpoint(o, f.addr(A_XSRC)!, t.cXsrc, t.cXsport ? f.xsport : -1));
      if (t.cDst) (o.bytes(B_DST), endpoint(o, f.addr(A_DST)!, t.cDst, t.cDport ? f.dport : -1));
      if (t.cXdst) (o.bytes(B_XDST), endpoint(o, f.addr(A_XDST)!, t.cXdst, t.cXdport ? f.xdport : -1));
      for (let i = 0; i < n; i++) {
        const tok = t.tokB[i];
        if (tok) {
          o.bytes(tok);
          renderValue(o, t.op[i]!, b, off[i]!, lens[i]!);
        }
      }
      if (f.startDerived && ok(f.tStart)) (o.bytes(B_START), o.iso(f.tStart));
      if (f.endDerived && ok(f.tEnd)) (o.bytes(B_END), o.iso(f.tEnd));
      o.bytes(B_TIME);
      o.iso(res.ts);
      const raw = o.string();
      if (records.length === 0) c.skipped++;
      else
        for (const r of records) {
          this.count(c, r);
          r.raw = raw;
        }
      emit(raw, records, res.skip, ctx.received);
    }
  }

  private count(c: ExporterCounters, r: WhowasRecord): void {
    if (r.kind === 'nat') c.nat++;
    else if (r.kind === 'portblock') c.portblock++;
    else if (r.kind === 'flow') c.flow++;
    else c.unparsed++;
  }

  /** Reads a field the mapping needs into Fields. */
  private slot(sl: number, op: number, b: Buffer, p: number, len: number): void {
    switch (op) {
      case OP_U: {
        let v: number;
        if (len === 1) v = b[p]!;
        else if (len === 2) v = (b[p]! << 8) | b[p + 1]!;
        else if (len === 4) v = b.readUInt32BE(p);
        else {
          v = 0;
          for (let k = 0; k < len; k++) v = v * 256 + b[p + k]!;
        }
        return this.put(sl, v);
      }
      case OP_IPV4: {
        const n = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        return this.putAddr(sl, null, n); // its text is made if something asks for it (Fields)
      }
      case OP_IPV6: {
        const text = ipv6Text(b, p); // an IPv4-mapped address comes back as IPv4: keep its number too
        return this.putAddr(sl, text, text.indexOf(':') < 0 ? ((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0 : -1);
      }
      case OP_MS:
        return this.put(sl, (b.readUInt32BE(p) * POW32 + b.readUInt32BE(p + 4)) * 1000);
      case OP_SEC:
        return this.put(sl, b.readUInt32BE(p) * 1e6);
      case OP_US:
      case OP_NS:
        return this.put(sl, ntpMicros(b, p));
      case OP_STR:
        if (sl === SL_NATSUB) this.f.natSub = strValue(b, p, len);
        return;
    }
  }

  private put(sl: number, v: number): void {
    const f = this.f;
    switch (sl) {
      case SL_SPORT: f.sport = v; break;
      case SL_XSPORT: f.xsport = v; break;
      case SL_DPORT: f.dport = v; break;
      case SL_XDPORT: f.xdport = v; break;
      case SL_PROTO: f.proto = v; break;
      case SL_NAT: f.natEvent = v; break;
      case SL_FW: f.fwEvent = v; break;
      case SL_OBS: f.tObs = v; break;
      case SL_START: f.tStart = v; break;
      case SL_END: f.tEnd = v; break;
      case SL_UPSTART: f.upStart = v; break;
      case SL_UPEND: f.upEnd = v; break;
      case SL_SYSINIT: f.sysInit = v; break;
      case SL_DSTART: f.tStart = this.ctx.exportUs - v; f.startDerived = true; break;
      case SL_DEND: f.tEnd = this.ctx.exportUs - v; f.endDerived = true; break;
      case SL_PRSTART: f.prStart = v; break;
      case SL_PREND: f.prEnd = v; break;
      case SL_PRSTEP: f.prStep = v; break;
      case SL_PRNUM: f.prNum = v; break;
      case SL_FLOWID: f.flowId = v; break;
      case SL_OCT: f.octets = v; break;
      case SL_REVOCT: f.revOctets = v; break;
      case SL_INIOCT: f.iniOctets = v; break;
      case SL_RESPOCT: f.respOctets = v; break;
      case SL_ENDREASON: f.endReason = v; break;
    }
  }

  /** An address slot (SL_SRC … SL_XDST, in Fields' order): its number when IPv4 (else -1), and its text (null: made from the number when asked). */
  private putAddr(sl: number, s: string | null, v4: number): void {
    if (sl >= SL_SRC && sl <= SL_XDST) this.f.setAddr(A_SRC + sl - SL_SRC, s, v4);
  }

  /** Expires templates not refreshed in time and held data sets that waited too long. Call now and then. */
  sweep(now: Micros): void {
    for (const ex of this.exporters.values()) {
      for (const d of ex.domains.values()) {
        for (const [id, t] of d.templates) {
          if (now > t.expires) {
            d.templates.delete(id);
            ex.c.templatesExpired++;
          }
        }
      }
      if (ex.pending.length) {
        const keep = ex.pending.filter((s) => now - s.received <= this.pendingAgeUs);
        ex.c.droppedSets += ex.pending.length - keep.length;
        ex.pending = keep;
      }
    }
  }

  /** Counters per exporter address (a fresh copy). */
  counters(): Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }> {
    const out: Record<string, ExporterCounters & { pendingSets: number; templatesKnown: number; profile: Profile }> = {};
    for (const ex of this.exporters.values()) {
      const events: Record<string, number> = {};
      for (let i = 0; i <= 256; i++) {
        if (ex.nat[i]) events[i === 256 ? 'natEvent>255' : `natEvent=${i}`] = ex.nat[i]!;
        if (ex.fw[i]) events[i === 256 ? 'firewallEvent>255' : `firewallEvent=${i}`] = ex.fw[i]!;
      }
      if (ex.none) events.none = ex.none;
      let known = 0;
      for (const d of ex.domains.values()) known += d.templates.size;
      out[ex.name] = { ...ex.c, events, pendingSets: ex.pending.length, templatesKnown: known, profile: ex.profile };
    }
    return out;
  }

  /** Sum over all exporters. */
  totals(): ExporterCounters & { exporters: number; refused: number } {
    const t = { ...newCounters(), exporters: this.exporters.size, refused: this.refused };
    for (const ex of Object.values(this.counters())) {
      for (const k of Object.keys(t) as (keyof typeof t)[]) {
        if (k === 'events' || k === 'exporters' || k === 'refused') continue;
        (t[k] as number) += ex[k as keyof ExporterCounters] as number;
      }
      for (const [k, v] of Object.entries(ex.events)) t.events[k] = (t.events[k] ?? 0) + v;
    }
    return t;
  }
}

const MIN_US = Date.UTC(1990, 0, 1) * 1000;
const MAX_US = Date.UTC(2100, 0, 1) * 1000;
const ok = (t: number): boolean => t >= MIN_US && t < MAX_US;

function bigText(b: Buffer, p: number, len: number): string {
  let v = 0n;
  for (let k = 0; k < len; k++) v = (v << 8n) | BigInt(b[p + k]!);
  return v.toString();
}

function endpoint(o: TextOut, addr: string, kind: number, port: number): void {
  if (port < 0) return o.ascii(addr);
  if (kind === 6) {
    o.byte(91); // [
    o.ascii(addr);
    o.byte(93); // ]
  } else o.ascii(addr);
  o.byte(58); // :
  o.uint(port);
}

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const B_NAT = ascii(' natEvent='), B_FW = ascii(' fwEvent='), B_PROTO = ascii(' proto='), B_SRC = ascii(' src='),
  B_XSRC = ascii(' xsrc='), B_DST = ascii(' dst='), B_XDST = ascii(' xdst='), B_START = ascii(' start='), B_END = ascii(' end='),
  B_TIME = ascii(' time=');
const NONE: WhowasRecord[] = [];

function ntpMicros(b: Buffer, p: number): number {
  // NTP format (RFC 7011 §6.1.9/6.1.10): seconds since 1900, then a binary fraction of a second.
  return (b.readUInt32BE(p) - NTP_UNIX) * 1e6 + Math.floor((b.readUInt32BE(p + 4) / POW32) * 1e6);
}

function strValue(b: Buffer, p: number, len: number): string {
  let z = p + len;
  while (z > p && b[z - 1] === 0) z--; // NUL padding (Nokia pads strings to 8 octets)
  return b.toString('utf8', p, z);
}

/** Writes one field's value as rendered: decimal, address, ISO time, JSON string, hex. */
function renderValue(o: TextOut, op: number, b: Buffer, p: number, len: number): void {
  switch (op) {
    case OP_U: {
      if (len <= 6) {
        let v = 0;
        for (let k = 0; k < len; k++) v = v * 256 + b[p + k]!;
        return o.uint(v);
      }
      let v = 0;
      for (let k = 0; k < len; k++) v = v * 256 + b[p + k]!;
      return v > Number.MAX_SAFE_INTEGER ? o.ascii(bigText(b, p, len)) : o.uint(v);
    }
    case OP_IPV4:
      return o.ip4(((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0);
    case OP_IPV6:
      return o.ascii(ipv6Text(b, p));
    case OP_MS:
      return timeOut(o, (b.readUInt32BE(p) * POW32 + b.readUInt32BE(p + 4)) * 1000);
    case OP_SEC:
      return timeOut(o, b.readUInt32BE(p) * 1e6);
    case OP_US:
    case OP_NS:
      return timeOut(o, ntpMicros(b, p));
    case OP_STR:
      return o.text(JSON.stringify(strValue(b, p, len)));
    case OP_MAC:
      return o.ascii(macText(b, p));
    case OP_OCT:
      return o.hex(b, p, len);
    case OP_FLOAT:
      return o.ascii(String(len === 4 ? b.readFloatBE(p) : b.readDoubleBE(p)));
    case OP_I: {
      let v = 0;
      for (let k = 0; k < len; k++) v = v * 256 + b[p + k]!;
      if (len > 0 && b[p]! & 0x80) v -= 2 ** (8 * len);
      return o.ascii(String(v));
    }
  }
}

/** A time value as rendered: ISO when plausible, else the raw µs count (a garbage stamp stays visible). */
function timeOut(o: TextOut, us: number): void {
  if (ok(us)) o.iso(us);
  else o.ascii(`${us}us`);
}

/** Compiles a template; undefined when it can never describe a record (zero length). */
function templatePrefix(ex: Exporter, dom: Domain, options: boolean, tid: number): string {
  return `${dom.v9 ? 'nfv9' : 'ipfix'} exporter=${ex.name} domain=${dom.id} ${options ? 'optionsTemplate' : 'template'}=${tid} profile=${ex.profile}`;
}

function compile(id: number, v9: boolean, options: boolean, fields: FieldSpec[], sig: string): Tpl | undefined {
  const n = fields.length;
  const t: Tpl = {
    id, v9, options, sig, expires: 0, n,
    op: new Uint8Array(n), len: new Int32Array(n), slot: new Uint8Array(n), tok: new Array<string>(n).fill(''),
    minLen: 0, cSrc: 0, cSport: false, cXsrc: 0, cXsport: false, cDst: 0, cDport: false, cXdst: 0, cXdport: false,
    cProto: false, cNat: false, cFw: false, prefix: '', prefixB: new Uint8Array(0), tokB: [], fields,
  };
  // Core endpoints: the IPv4 element when present, else the IPv6 one (NAT64 logs an IPv6 inside address).
  const has = (ent: number, fid: number, len: number): number =>
    fields.findIndex((f) => f.ent === ent && f.id === fid && f.len === len);
  const pickAddr = (v4: number[], v6: number[]): [number, number] => {
    for (const a of v4) {
      const i = has(0, a, 4);
      if (i >= 0 && (a < 32768 || v9)) return [i, 4];
    }
    for (const a of v6) {
      const i = has(0, a, 16);
      if (i >= 0) return [i, 6];
    }
    return [-1, 0];
  };
  const portOf = (ids: number[]): number => {
    for (const a of ids) {
      const i = fields.findIndex((f) => f.ent === 0 && f.id === a && f.len >= 1 && f.len <= 2);
      if (i >= 0 && (a < 32768 || v9)) return i;
    }
    return -1;
  };
  const core = new Map<number, number>(); // field index → slot, rendered as a core token
  const inline = new Map<number, number>(); // field index → slot, rendered under its own name
  const [src, srcK] = pickAddr([8], [27]);
  const [xsrc, xsrcK] = pickAddr([225, 40001], [281]);
  const [dst, dstK] = pickAddr([12], [28]);
  const [xdst, xdstK] = pickAddr([226, 40002], [282]);
  if (!options) {
    // An endpoint: its address (core token "src=" …) and its port, in the same token when both are there.
    const endpointOf = (addr: number, kind: number, aSlot: number, ports: number[], pSlot: number): [number, boolean] => {
      const pi = portOf(ports);
      if (addr >= 0) core.set(addr, aSlot);
      if (pi >= 0) (addr >= 0 ? core : inline).set(pi, pSlot);
      return [addr >= 0 ? kind : 0, addr >= 0 && pi >= 0];
    };
    [t.cSrc, t.cSport] = endpointOf(src, srcK, SL_SRC, [7], SL_SPORT);
    [t.cXsrc, t.cXsport] = endpointOf(xsrc, xsrcK, SL_XSRC, [227, 40003], SL_XSPORT);
    [t.cDst, t.cDport] = endpointOf(dst, dstK, SL_DST, [11], SL_DPORT);
    [t.cXdst, t.cXdport] = endpointOf(xdst, xdstK, SL_XDST, [228, 40004], SL_XDPORT);
    for (const [fid, flag] of [[4, 'cProto'], [230, 'cNat'], [233, 'cFw']] as const) {
      const i = fields.findIndex((f) => f.ent === 0 && f.id === fid && f.len >= 1 && f.len <= 8);
      if (i >= 0) {
        core.set(i, fid === 4 ? SL_PROTO : fid === 230 ? SL_NAT : SL_FW);
        t[flag] = true;
      }
    }
  }
  const hasFw233 = t.cFw;
  const seen = new Set<number>();
  let min = 0;
  let variable = false;
  for (let i = 0; i < n; i++) {
    const fs = fields[i]!;
    const isVar = fs.len === VAR;
    t.len[i] = isVar ? -1 : fs.len;
    if (isVar) {
      variable = true;
      min += 1;
    } else min += fs.len;
    if (fs.ent === -1) {
      // NetFlow v9 options scope field (1 system, 2 interface, 3 line card, 4 cache, 5 template).
      t.op[i] = !isVar && fs.len >= 1 && fs.len <= 8 ? OP_U : OP_OCT;
      t.tok[i] = ` scope${fs.id}=`;
      continue;
    }
    const info = ieInfo(fs.ent, fs.id, v9);
    const name = info?.name ?? `e${fs.ent}.${fs.id}`;
    if (info?.name === 'paddingOctets') {
      t.op[i] = OP_PAD;
      continue;
    }
    const fits = info !== undefined && (isVar ? info.type === TY.STR || info.type === TY.OCT : lengthFits(info.type, fs.len));
    t.op[i] = fits ? OP_OF[info.type] : OP_OCT;
    const cs = core.get(i);
    if (cs !== undefined && fits) {
      t.slot[i] = cs;
      continue; // rendered as a core token
    }
    t.tok[i] = ` ${name}=`;
    if (!fits) continue;
    const il = inline.get(i);
    if (il !== undefined) {
      t.slot[i] = il;
      continue;
    }
    // Other slots (first occurrence only; a repeated element is rendered, not read).
    let sl = SL_NONE;
    if (fs.ent === 0) {
      sl = IANA_SLOT[fs.id] ?? SL_NONE;
      if (v9 && fs.id === 40005 && !hasFw233) sl = SL_FW;
      if (sl === SL_PROTO || sl === SL_NAT || sl === SL_FW) sl = fs.id === 40005 ? SL_FW : SL_NONE; // core ones handled above
      if (options && fs.id !== 160 && fs.id !== 322 && fs.id !== 323 && fs.id !== 324 && fs.id !== 325) sl = SL_NONE;
    } else if (fs.ent === ENT_NOKIA && fs.id === 93) sl = SL_NATSUB;
    else if (fs.ent === ENT_REVERSE && fs.id === 1) sl = SL_REVOCT;
    if (sl !== SL_NONE && !seen.has(sl)) {
      seen.add(sl);
      t.slot[i] = sl;
    }
  }
  if (min === 0 && !variable) return undefined;
  t.minLen = Math.max(min, 1);
  t.tokB = t.tok.map((x) => (x ? Buffer.from(x, 'utf8') : null));
  return t;
}

/** The evidence header of a template (computed once per template: a template changes by being replaced). */
function evidenceOf(t: Tpl, ex: Exporter, dom: Domain, flows: boolean): void {
  t.evHeader = {
    exporter: ex.name, profile: ex.profile, flows, v9: dom.v9, domain: dom.id, tid: t.id, options: t.options,
    fields: t.fields.map((f) => [f.ent, f.id, f.len]),
  };
  t.evKey = JSON.stringify(t.evHeader);
}

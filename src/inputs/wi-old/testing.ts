// Test helpers: IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) packets built from the RFC field numbers, so tests
// state exactly which bytes an exporter would send. Also used by bench/ipfix.ts.
import { ipToBigInt } from '../../records/addr.ts';
import type { Micros, WhowasRecord } from '../../records/record.ts';
import { IpfixDecoder, type DecoderOptions } from './decoder.ts';

export const VAR = 65535;

/** A field specifier: element id, length (65535 = variable) and enterprise number (IPFIX only). */
export interface FieldDef {
  id: number;
  len: number;
  ent?: number;
}

const f = (id: number, len: number, ent?: number): FieldDef => (ent === undefined ? { id, len } : { id, len, ent });

/** Field specifiers by name (IANA numbers; v9 NSEL aliases below). */
export const IE = {
  octetDeltaCount: f(1, 8),
  packetDeltaCount: f(2, 8),
  protocolIdentifier: f(4, 1),
  sourceTransportPort: f(7, 2),
  sourceIPv4Address: f(8, 4),
  destinationTransportPort: f(11, 2),
  destinationIPv4Address: f(12, 4),
  flowEndSysUpTime: f(21, 4),
  flowStartSysUpTime: f(22, 4),
  sourceIPv6Address: f(27, 16),
  destinationIPv6Address: f(28, 16),
  flowEndReason: f(136, 1),
  flowId: f(148, 8),
  flowStartSeconds: f(150, 4),
  flowEndSeconds: f(151, 4),
  flowStartMilliseconds: f(152, 8),
  flowEndMilliseconds: f(153, 8),
  flowStartMicroseconds: f(154, 8),
  systemInitTimeMilliseconds: f(160, 8),
  paddingOctets: f(210, 1),
  postNATSourceIPv4Address: f(225, 4),
  postNATDestinationIPv4Address: f(226, 4),
  postNAPTSourceTransportPort: f(227, 2),
  postNAPTDestinationTransportPort: f(228, 2),
  natOriginatingAddressRealm: f(229, 1),
  natEvent: f(230, 1),
  firewallEvent: f(233, 1),
  ingressVRFID: f(234, 4),
  egressVRFID: f(235, 4),
  postNATSourceIPv6Address: f(281, 16),
  postNATDestinationIPv6Address: f(282, 16),
  natPoolId: f(283, 4),
  natPoolName: f(284, VAR),
  observationTimeSeconds: f(322, 4),
  observationTimeMilliseconds: f(323, 8),
  observationTimeMicroseconds: f(324, 8),
  portRangeStart: f(361, 2),
  portRangeEnd: f(362, 2),
  portRangeStepSize: f(363, 2),
  portRangeNumPorts: f(364, 2),
  natInstanceID: f(463, 4),
  internalAddressRealm: f(464, VAR),
  externalAddressRealm: f(465, VAR),
  natQuotaExceededEvent: f(466, 4),
  natThresholdEvent: f(467, 4),
  maxEntriesPerUser: f(473, 4),
  // NetFlow v9 / Cisco NSEL (ASA NetFlow Implementation Guide)
  NF_F_CONN_ID: f(148, 4),
  NF_F_FW_EVENT: f(233, 1),
  NF_F_EVENT_TIME_MSEC: f(323, 8),
  NF_F_XLATE_SRC_ADDR_IPV4: f(225, 4),
  NF_F_XLATE_DST_ADDR_IPV4: f(226, 4),
  NF_F_XLATE_SRC_PORT: f(227, 2),
  NF_F_XLATE_DST_PORT: f(228, 2),
  NF_F_FW_EXT_EVENT: f(33002, 2),
  NF_F_INGRESS_ACL_ID: f(33000, 12),
  NF_F_USERNAME: f(40000, 20),
  NF_F_FW_EVENT_84: f(40005, 1),
  // Nokia SR OS (enterprise 637)
  aluInsideServiceID: f(91, 2, 637),
  aluOutsideServiceID: f(92, 2, 637),
  aluNatSubString: f(93, VAR, 637),
  // RFC 5103 reverse element
  reverseOctetDeltaCount: f(1, 8, 29305),
} as const;

export type Value = number | bigint | string | Buffer;

/** Encodes one value for a field: numbers big-endian in `len` octets, IP text as 4/16 octets, strings UTF-8. */
export function encodeValue(def: FieldDef, v: Value): Buffer {
  let body: Buffer;
  if (Buffer.isBuffer(v)) body = v;
  else if (typeof v === 'string' && (def.len === 4 || def.len === 16) && (v.includes('.') || v.includes(':')) && /^[0-9a-f.:]+$/i.test(v)) {
    const n = ipToBigInt(v);
    body = Buffer.alloc(def.len);
    if (def.len === 4) body.writeUInt32BE(Number(n & 0xffffffffn));
    else for (let i = 0; i < 16; i++) body[15 - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  } else if (typeof v === 'string') {
    body = Buffer.from(v, 'utf8');
    if (def.len !== VAR) {
      const fixed = Buffer.alloc(def.len);
      body.copy(fixed, 0, 0, def.len);
      body = fixed;
    }
  } else {
    let n = BigInt(v);
    const len = def.len === VAR ? 8 : def.len;
    body = Buffer.alloc(len);
    for (let i = len - 1; i >= 0; i--, n >>= 8n) body[i] = Number(n & 0xffn);
  }
  if (def.len !== VAR) return body;
  if (body.length < 255) return Buffer.concat([Buffer.from([body.length]), body]);
  const h = Buffer.alloc(3);
  h[0] = 255;
  h.writeUInt16BE(body.length, 1);
  return Buffer.concat([h, body]);
}

export function encodeRecord(fields: readonly FieldDef[], values: readonly Value[]): Buffer {
  if (fields.length !== values.length) throw new Error(`record has ${values.length} values for ${fields.length} fields`);
  return Buffer.concat(fields.map((d, i) => encodeValue(d, values[i]!)));
}

function set(id: number, body: Buffer, pad4 = false): Buffer {
  const padded = pad4 && body.length % 4 ? Buffer.concat([body, Buffer.alloc(4 - (body.length % 4))]) : body;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(padded.length + 4, 2);
  return Buffer.concat([h, padded]);
}

function specs(fields: readonly FieldDef[], ipfix: boolean): Buffer {
  return Buffer.concat(
    fields.map((d) => {
      const e = ipfix && d.ent !== undefined && d.ent !== 0;
      const b = Buffer.alloc(e ? 8 : 4);
      b.writeUInt16BE(e ? d.id | 0x8000 : d.id, 0);
      b.writeUInt16BE(d.len, 2);
      if (e) b.writeUInt32BE(d.ent!, 4);
      return b;
    }),
  );
}

export interface TemplateDef {
  id: number;
  fields: readonly FieldDef[];
}

// ---- IPFIX ----

export function ipfixTemplateSet(...templates: TemplateDef[]): Buffer {
  return set(2, Buffer.concat(templates.map((t) => Buffer.concat([u16s(t.id, t.fields.length), specs(t.fields, true)]))));
}

export function ipfixOptionsTemplateSet(id: number, scope: readonly FieldDef[], fields: readonly FieldDef[]): Buffer {
  return set(3, Buffer.concat([u16s(id, scope.length + fields.length, scope.length), specs([...scope, ...fields], true)]));
}

/** Template withdrawal (RFC 7011 §8.1): field count 0. */
export function ipfixWithdrawal(id: number, options = false): Buffer {
  return set(options ? 3 : 2, u16s(id, 0));
}

export function dataSet(templateId: number, records: Buffer[], pad4 = false): Buffer {
  return set(templateId, Buffer.concat(records), pad4);
}

export function ipfixMessage(h: { exportTime: number; seq?: number; domain?: number }, ...sets: Buffer[]): Buffer {
  const body = Buffer.concat(sets);
  const b = Buffer.alloc(16);
  b.writeUInt16BE(10, 0);
  b.writeUInt16BE(16 + body.length, 2);
  b.writeUInt32BE(h.exportTime >>> 0, 4);
  b.writeUInt32BE((h.seq ?? 0) >>> 0, 8);
  b.writeUInt32BE((h.domain ?? 0) >>> 0, 12);
  return Buffer.concat([b, body]);
}

// ---- NetFlow v9 ----

export function v9TemplateFlowSet(...templates: TemplateDef[]): Buffer {
  return set(0, Buffer.concat(templates.map((t) => Buffer.concat([u16s(t.id, t.fields.length), specs(t.fields, false)]))));
}

/** v9 options template: scope fields are (scope type, length): 1 system, 2 interface, 3 line card, 4 cache, 5 template. */
export function v9OptionsTemplateFlowSet(id: number, scope: readonly FieldDef[], fields: readonly FieldDef[]): Buffer {
  return set(1, Buffer.concat([u16s(id, scope.length * 4, fields.length * 4), specs([...scope, ...fields], false)]), true);
}

export function v9Packet(h: { uptime: number; unixSecs: number; seq?: number; sourceId?: number; count?: number }, ...flowsets: Buffer[]): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(9, 0);
  b.writeUInt16BE(h.count ?? flowsets.length, 2);
  b.writeUInt32BE(h.uptime >>> 0, 4);
  b.writeUInt32BE(h.unixSecs >>> 0, 8);
  b.writeUInt32BE((h.seq ?? 0) >>> 0, 12);
  b.writeUInt32BE((h.sourceId ?? 0) >>> 0, 16);
  return Buffer.concat([b, ...flowsets]);
}

function u16s(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => b.writeUInt16BE(x, i * 2));
  return b;
}

// ---- Decoding for tests ----

export interface Decoded {
  raw: string;
  records: WhowasRecord[];
  skip?: string;
  received: Micros;
}

/** A decoder that collects what it emits. */
export function collecting(opts?: DecoderOptions): { dec: IpfixDecoder; out: Decoded[]; feed: (b: Buffer, sender?: string, received?: Micros) => Decoded[] } {
  const dec = new IpfixDecoder(opts);
  const out: Decoded[] = [];
  const feed = (b: Buffer, sender = '192.0.2.1', received = Date.UTC(2026, 10, 29, 22, 13, 6) * 1000): Decoded[] => {
    const start = out.length;
    dec.packet(b, sender, received, (raw, records, skip, rcv) => out.push(skip === undefined ? { raw, records, received: rcv } : { raw, records, skip, received: rcv }));
    return out.slice(start);
  };
  return { dec, out, feed };
}

/** A NAT44 session template per RFC 8158 §4.4.1 (with the time first, as exporters send it). */
export const NAT44_SESSION: readonly FieldDef[] = [
  IE.observationTimeMilliseconds,
  IE.natEvent,
  IE.sourceIPv4Address,
  IE.postNATSourceIPv4Address,
  IE.protocolIdentifier,
  IE.sourceTransportPort,
  IE.postNAPTSourceTransportPort,
  IE.destinationIPv4Address,
  IE.postNATDestinationIPv4Address,
  IE.destinationTransportPort,
  IE.postNAPTDestinationTransportPort,
];

/** Port block allocation / de-allocation per RFC 8158 §4.4.8/4.4.9. */
export const NAT44_PORT_BLOCK: readonly FieldDef[] = [
  IE.observationTimeMilliseconds,
  IE.natEvent,
  IE.sourceIPv4Address,
  IE.postNATSourceIPv4Address,
  IE.portRangeStart,
  IE.portRangeEnd,
  IE.portRangeStepSize,
  IE.portRangeNumPorts,
];

// IPFIX (RFC 7011) NAT event records, as a NAT44 device exporting NEL-style events would send them:
// one template, then data sets of fixed-size records, each message under a typical 1,400-byte MTU budget.
import type { NatEventRow } from './workload.ts';

export const TEMPLATE_ID = 256;

/** Information elements of the template, in record order: [IANA id, length in bytes, name]. */
export const FIELDS: readonly (readonly [number, number, string])[] = [
  [230, 1, 'natEvent'],
  [225, 4, 'postNATSourceIPv4Address'],
  [227, 2, 'postNAPTSourceTransportPort'],
  [8, 4, 'sourceIPv4Address'],
  [7, 2, 'sourceTransportPort'],
  [12, 4, 'destinationIPv4Address'],
  [11, 2, 'destinationTransportPort'],
  [4, 1, 'protocolIdentifier'],
  [323, 8, 'observationTimeMilliseconds'],
];
export const RECORD_BYTES = FIELDS.reduce((n, f) => n + f[1], 0); // 28
const HEADER = 16;
const SET_HEADER = 4;
const TEMPLATE_SET = SET_HEADER + 4 + FIELDS.length * 4;

/** IPFIX natEvent values (IANA): 1 NAT translation create, 2 NAT translation delete. */
export const NAT_CREATE = 1;
export const NAT_DELETE = 2;

/** Records that fit in one message of at most `mtu` bytes (with the template set when asked). */
export function recordsPerMessage(mtu = 1400, withTemplate = false): number {
  return Math.floor((mtu - HEADER - SET_HEADER - (withTemplate ? TEMPLATE_SET : 0)) / RECORD_BYTES);
}

/**
 * One IPFIX message: header, optionally the template set, then one data set with the given rows.
 * `sequence` is the count of data records sent before this message (RFC 7011 §3.1).
 */
export function buildMessage(rows: readonly NatEventRow[], opts: { sequence: number; exportTimeS: number; domain?: number; withTemplate?: boolean }): Buffer {
  const len = HEADER + (opts.withTemplate ? TEMPLATE_SET : 0) + (rows.length ? SET_HEADER + rows.length * RECORD_BYTES : 0);
  const b = Buffer.alloc(len);
  b.writeUInt16BE(10, 0);
  b.writeUInt16BE(len, 2);
  b.writeUInt32BE(opts.exportTimeS >>> 0, 4);
  b.writeUInt32BE(opts.sequence >>> 0, 8);
  b.writeUInt32BE(opts.domain ?? 1, 12);
  let p = HEADER;
  if (opts.withTemplate) {
    b.writeUInt16BE(2, p); // template set
    b.writeUInt16BE(TEMPLATE_SET, p + 2);
    b.writeUInt16BE(TEMPLATE_ID, p + 4);
    b.writeUInt16BE(FIELDS.length, p + 6);
    p += 8;
    for (const [id, size] of FIELDS) {
      b.writeUInt16BE(id, p);
      b.writeUInt16BE(size, p + 2);
      p += 4;
    }
  }
  if (rows.length) {
    b.writeUInt16BE(TEMPLATE_ID, p);
    b.writeUInt16BE(SET_HEADER + rows.length * RECORD_BYTES, p + 2);
    p += SET_HEADER;
    for (const r of rows) {
      b.writeUInt8(r.event === 'new' ? NAT_CREATE : NAT_DELETE, p);
      b.writeUInt32BE(r.pubIp, p + 1);
      b.writeUInt16BE(r.pubPort, p + 5);
      b.writeUInt32BE(r.inIp, p + 7);
      b.writeUInt16BE(r.inPort, p + 11);
      b.writeUInt32BE(r.dstIp, p + 13);
      b.writeUInt16BE(r.dstPort, p + 17);
      b.writeUInt8(r.proto, p + 19);
      b.writeBigUInt64BE(BigInt(Math.floor(r.ts / 1000)), p + 20);
      p += RECORD_BYTES;
    }
  }
  return b;
}

/** Decodes a message built by buildMessage (for tests): the data records as rows (ms resolution). */
export function parseMessage(b: Buffer): { sequence: number; template: number[] | null; rows: Omit<NatEventRow, 'start'>[] } {
  if (b.readUInt16BE(0) !== 10 || b.readUInt16BE(2) !== b.length) throw new Error('not an IPFIX message');
  let p = HEADER;
  let template: number[] | null = null;
  const rows: Omit<NatEventRow, 'start'>[] = [];
  while (p < b.length) {
    const id = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    if (id === 2) {
      const n = b.readUInt16BE(p + 6);
      template = [];
      for (let i = 0; i < n; i++) template.push(b.readUInt16BE(p + 8 + i * 4));
    } else if (id === TEMPLATE_ID) {
      for (let q = p + SET_HEADER; q + RECORD_BYTES <= p + len; q += RECORD_BYTES) {
        rows.push({
          event: b.readUInt8(q) === NAT_CREATE ? 'new' : 'destroy',
          pubIp: b.readUInt32BE(q + 1),
          pubPort: b.readUInt16BE(q + 5),
          inIp: b.readUInt32BE(q + 7),
          inPort: b.readUInt16BE(q + 11),
          dstIp: b.readUInt32BE(q + 13),
          dstPort: b.readUInt16BE(q + 17),
          proto: b.readUInt8(q + 19),
          ts: Number(b.readBigUInt64BE(q + 20)) * 1000,
        });
      }
    }
    p += len;
  }
  return { sequence: b.readUInt32BE(8), template, rows };
}

// The decoder's row path (DecoderOptions.rows: NAT events straight into NatRows, no record objects) against
// its record path: fed the same datagrams, the ingest worker's DayBatcher must build the same batches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DayBatcher, emptyStats } from '../../ingest/batch.ts';
import type { NatRow } from '../../records/record.ts';
import { decodeChunk } from '../../store/raw-archive.ts';
import { makeClock } from '../../time/clock.ts';
import { IpfixDecoder, type Emit } from './decoder.ts';
import type { Profile } from './nat.ts';
import { IE, NAT44_PORT_BLOCK, NAT44_SESSION, dataSet, encodeRecord, ipfixMessage, ipfixTemplateSet, type FieldDef } from './testing.ts';
import { ipfixText } from './text.ts';

const T0 = Date.UTC(2026, 10, 29, 22, 13, 5, 123);
const EXPORT = Math.floor(T0 / 1000) + 1;
const RECEIVED = (EXPORT + 1) * 1e6;

const V6_IN: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv6Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier,
  IE.sourceTransportPort, IE.postNAPTSourceTransportPort, IE.destinationIPv4Address, IE.destinationTransportPort];
const NSEL: FieldDef[] = [IE.observationTimeMilliseconds, IE.firewallEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier,
  IE.sourceTransportPort, IE.postNAPTSourceTransportPort, IE.destinationIPv4Address, IE.postNATDestinationIPv4Address, IE.destinationTransportPort,
  IE.postNAPTDestinationTransportPort];
const NOKIA: FieldDef[] = [IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.postNAPTSourceTransportPort,
  IE.destinationTransportPort, IE.flowStartMilliseconds, IE.protocolIdentifier, IE.aluNatSubString];

/** Every natEvent value under each numbering, DNAT and identity shapes, zero and mapped addresses, ICMP. */
function packets(): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  let k = 0;
  const sess = (ev: number, proto: number, over: Partial<Record<'src' | 'xsrc' | 'dst' | 'xdst', string>> = {}) => {
    k++;
    return encodeRecord(NAT44_SESSION, [T0 + k, ev, over.src ?? `10.1.${k & 255}.9`, over.xsrc ?? '203.0.113.5', proto, 40000 + k, 50000 + k,
      over.dst ?? `198.51.100.${k & 255}`, over.xdst ?? '0.0.0.0', 443, 0]);
  };
  for (const sender of ['192.0.2.1', '192.0.2.2']) { // rfc8158 and juniper-draft numbering
    const recs: Buffer[] = [];
    for (let ev = 0; ev <= 20; ev++) for (const proto of [6, 17, 1, 47]) recs.push(sess(ev, proto));
    recs.push(sess(4, 6, { dst: '0.0.0.0' }), sess(4, 6, { xsrc: '0.0.0.0' }), sess(4, 6, { xdst: '10.9.9.9' }), sess(4, 6, { xsrc: '10.1.1.1', src: '10.1.1.1' }));
    recs.push(sess(5, 6, { src: '203.0.113.5', xsrc: '0.0.0.0', dst: '203.0.113.5', xdst: '10.2.2.2' })); // DNAT
    out.push([sender, ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }, { id: 257, fields: NAT44_PORT_BLOCK }),
      dataSet(256, recs), dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512])]), dataSet(256, [sess(4, 6)]))]);
  }
  out.push(['192.0.2.3', ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 258, fields: V6_IN }),
    dataSet(258, [encodeRecord(V6_IN, [T0, 4, '::ffff:10.1.2.3', '203.0.113.9', 6, 5353, 62000, '198.51.100.53', 53]),
      encodeRecord(V6_IN, [T0, 4, '2001:db8::7', '203.0.113.9', 17, 5353, 62001, '198.51.100.53', 53])]))]);
  const nsel: Buffer[] = [];
  for (let fw = 0; fw <= 6; fw++) nsel.push(encodeRecord(NSEL, [T0 + fw, fw, '10.3.3.3', '203.0.113.7', 6, 1000 + fw, 2000 + fw, '198.51.100.9', '198.51.100.9', 443, 443]));
  out.push(['192.0.2.4', ipfixMessage({ exportTime: EXPORT, domain: 9 }, ipfixTemplateSet({ id: 259, fields: NSEL }), dataSet(259, nsel))]);
  out.push(['192.0.2.5', ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 260, fields: NOKIA }),
    dataSet(260, [encodeRecord(NOKIA, ['100.64.0.1', '203.0.113.8', '198.51.100.1', 1111, 2222, 443, T0, 6, 'LSN-Host@10.10.10.101'])]))]);
  return out;
}

const PROFILES: Record<string, Profile> = { '192.0.2.2': 'juniper-draft', '192.0.2.4': 'nsel', '192.0.2.5': 'nokia' };

function run(rows: boolean) {
  const dec = new IpfixDecoder({ evidence: 'bytes', rows, profileFor: (e) => PROFILES[e] ?? 'rfc8158' });
  const stats = emptyStats();
  const batcher = new DayBatcher(ipfixText, { source: 's', clock: (r) => makeClock({ reference: r }) }, stats);
  let viaRows = 0;
  const emit: Emit = (raw, records, skip, received, bytes, row?: NatRow) => {
    if (row) (viaRows++, batcher.addRow(row, received, bytes!));
    else if (bytes) batcher.addBytes(records, skip ?? 'no binding', received, bytes);
    else batcher.add({ raw, received, records, skipReason: skip ?? 'no binding' });
  };
  for (const [sender, p] of packets()) dec.packet(p, sender, RECEIVED, emit);
  return { batches: batcher.finish(), stats, viaRows, counters: dec.counters() };
}

test('IPFIX: NAT events decoded into rows build the batches their records build', () => {
  const a = run(true), b = run(false);
  assert.equal(b.viaRows, 0);
  assert.ok(a.viaRows >= 40, `rows taken: ${a.viaRows}`);
  assert.deepEqual(a.stats, b.stats);
  assert.ok((a.stats.records.nat ?? 0) > a.viaRows, 'some NAT events (IPv6 inside, Nokia text, no destination) stay records');
  assert.deepEqual(a.counters, b.counters);
  assert.equal(a.batches.length, b.batches.length);
  for (let i = 0; i < a.batches.length; i++) {
    const x = a.batches[i]!, y = b.batches[i]!;
    assert.equal(x.day, y.day);
    assert.deepEqual(x.chunks!.map((c) => decodeChunk(c.data)), y.chunks!.map((c) => decodeChunk(c.data)));
    assert.equal(x.nat?.length, y.nat?.length);
    if (x.nat) {
      const cx = x.nat[0]!, cy = y.nat![0]!;
      assert.equal(cx.n, cy.n);
      for (const k of Object.keys(cx) as (keyof typeof cx)[]) {
        if (k !== 'n') assert.deepEqual(Array.from(cx[k] as ArrayLike<number>), Array.from(cy[k] as ArrayLike<number>), `column ${k}`);
      }
    }
    assert.deepEqual(x.records.map((r) => ({ ...r.rec, raw: '' })), y.records.map((r) => ({ ...r.rec, raw: '' })));
    assert.deepEqual(x.records.map((r) => r.line), y.records.map((r) => r.line));
  }
});

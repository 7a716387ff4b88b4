// Bytes evidence: the ingest path keeps each data record's own octets (with its template and context) and
// renders them when read. The rendering must be the one the decoder gives on arrival, character for character.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { decodeChunk, RecordChunk } from '../../store/raw-archive.ts';
import { IpfixDecoder, type RecordBytes } from './decoder.ts';
import {
  IE, NAT44_PORT_BLOCK, NAT44_SESSION, dataSet, encodeRecord, ipfixMessage, ipfixOptionsTemplateSet, ipfixTemplateSet, v9Packet, v9TemplateFlowSet, type FieldDef,
} from './testing.ts';

const T0 = Date.UTC(2026, 10, 29, 22, 13, 5, 123);
const EXPORT = Math.floor(T0 / 1000) + 1;
const RECEIVED = (EXPORT + 1) * 1e6 + 250_000;

const plain: FieldDef[] = [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.destinationTransportPort, IE.protocolIdentifier,
  IE.flowStartSysUpTime, IE.flowEndSysUpTime, { id: 1, len: 4 }, IE.flowEndReason];
const up: FieldDef[] = [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.protocolIdentifier, IE.flowStartSysUpTime, IE.flowEndSysUpTime];
const v6: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv6Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier,
  IE.sourceTransportPort, IE.postNAPTSourceTransportPort, IE.destinationIPv4Address, IE.destinationTransportPort, IE.natPoolName];
const session = (ev: number, inside: string, port: number) =>
  encodeRecord(NAT44_SESSION, [T0 + port, ev, inside, '203.0.113.5', 6, 51234, port, '198.51.100.7', '198.51.100.7', 443, 443]);

/** Datagrams covering the shapes the renderer must reproduce: NAT44 sessions and port blocks, NAT64 with a
 * variable-length pool name, NetFlow v9 uptime-relative times, IPFIX uptime times through an options record. */
const PACKETS: [string, Buffer][] = [
  ['192.0.2.1', ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }, { id: 257, fields: NAT44_PORT_BLOCK }),
    dataSet(256, [session(4, '10.1.2.3', 40123), session(5, '10.1.2.3', 40123), session(4, '10.1.2.4', 40124)]),
    dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512])]))],
  ['192.0.2.1', ipfixMessage({ exportTime: EXPORT + 5, domain: 1 }, dataSet(256, [session(4, '10.1.2.9', 50000)]))],
  ['192.0.2.7', ipfixMessage({ exportTime: EXPORT, domain: 2 }, ipfixTemplateSet({ id: 260, fields: v6 }),
    dataSet(260, [encodeRecord(v6, [T0, 4, '2001:db8::1:2', '203.0.113.9', 17, 5353, 62000, '198.51.100.53', 53, 'pool-äöü'])]))],
  ['192.0.2.1', v9Packet({ uptime: 100_000, unixSecs: EXPORT }, v9TemplateFlowSet({ id: 300, fields: plain }),
    dataSet(300, [encodeRecord(plain, ['10.1.2.3', '198.51.100.7', 40000, 80, 6, 90_000, 98_000, 5000, 3])]))],
  ['192.0.2.1', ipfixMessage({ exportTime: EXPORT, domain: 3 },
    ipfixOptionsTemplateSet(400, [{ id: 144, len: 4 }], [IE.systemInitTimeMilliseconds]),
    dataSet(400, [encodeRecord([{ id: 144, len: 4 }, IE.systemInitTimeMilliseconds], [1, T0 - 3_600_000])]),
    ipfixTemplateSet({ id: 301, fields: up }), dataSet(301, [encodeRecord(up, ['10.1.2.3', '198.51.100.7', 17, 3_600_000, 3_601_000])]))],
];

test('records kept as octets render exactly as the decoder rendered them on arrival', () => {
  const text = new IpfixDecoder({ profileFor: (e) => (e === '192.0.2.7' ? 'nsel' : 'rfc8158') });
  const bytes = new IpfixDecoder({ profileFor: (e) => (e === '192.0.2.7' ? 'nsel' : 'rfc8158'), evidence: 'bytes' });
  const want: string[] = [];
  const chunks: RecordChunk[] = [];
  for (const [sender, p] of PACKETS) {
    text.packet(p, sender, RECEIVED, (raw) => void want.push(raw));
    bytes.packet(p, sender, RECEIVED, (raw, _records, _skip, received, rb?: RecordBytes) => {
      if (!rb) return void assert.match(raw, /optionsTemplate=/); // options records keep their text
      let c = chunks[chunks.length - 1];
      if (!c || c.key !== rb.key) chunks.push((c = new RecordChunk(rb.key, rb.header)));
      c.add(rb, received);
    });
  }
  const got = chunks.flatMap((c) => decodeChunk(c.encode()).lines);
  const dataLines = want.filter((l) => !/optionsTemplate=/.test(l));
  assert.equal(got.length, 8);
  assert.deepEqual(got, dataLines);
  assert.match(got[0]!, /^ipfix exporter=192\.0\.2\.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10\.1\.2\.3:51234 xsrc=203\.0\.113\.5:40123 /);
  assert.match(got.find((l) => l.includes('template=260'))!, /profile=nsel .*natPoolName="pool-äöü"/);
  assert.match(got.find((l) => l.startsWith('nfv9'))!, / start=\S+ end=\S+ time=/);
  assert.match(got[got.length - 1]!, / start=\S+ end=\S+ time=/);
  const back = decodeChunk(chunks[0]!.encode());
  assert.deepEqual(back.received, [RECEIVED, RECEIVED, RECEIVED]);
});

/** Feeds records (octets) to one chunk as the decoder would, and returns the octets read back. */
function roundTrip(records: Buffer[]): { octets: Buffer[]; size: number } {
  const chunk = new RecordChunk('k', { exporter: '192.0.2.1', profile: 'rfc8158', flows: true, v9: false, domain: 1, tid: 256, options: false, fields: [] });
  for (const data of records) chunk.add({ data, start: 0, end: data.length, key: 'k', header: {} as never, exportUs: EXPORT * 1e6, upBaseMs: -1 }, RECEIVED);
  assert.equal(chunk.size, records.length);
  const encoded = chunk.encode();
  // The document's octets, through the reader's own path (no template to render: read the planes back).
  const doc = brotliDecompressSync(encoded);
  const nl = doc.indexOf(10);
  const h = JSON.parse(doc.toString('utf8', 1, nl)) as { w?: number; n?: number[] };
  const body = doc.subarray(nl + 1);
  const octets: Buffer[] = [];
  if (h.w !== undefined) for (let i = 0; i < records.length; i++) octets.push(Buffer.from(Array.from({ length: h.w }, (_, j) => body[j * records.length + i]!)));
  else for (let i = 0, p = 0; i < h.n!.length; p += h.n![i]!, i++) octets.push(body.subarray(p, p + h.n![i]!));
  return { octets, size: encoded.length };
}

test('records of one length are kept in octet planes: ~4× smaller, and each record reads back whole', () => {
  const recs = Array.from({ length: 256 }, (_, k) => encodeRecord(NAT44_SESSION, [T0 + k * 3, k % 2 ? 5 : 4, `10.1.${k >> 4}.${k & 15}`, '203.0.113.5', 6,
    30000 + k, 40000 + ((k * 31) % 20000), `198.51.${k % 7}.${(k * 13) % 256}`, `198.51.${k % 7}.${(k * 13) % 256}`, 443, 443]));
  const { octets, size } = roundTrip(recs);
  assert.deepEqual(octets, recs);
  // Back to back the same records take 16 B each and more (measured); planes under 8.
  assert.ok(size / 256 < 8, `${(size / 256).toFixed(1)} B a record`);
});

test('a record of another length, or more records than a plane holds, turns the chunk into records back to back', () => {
  const a = encodeRecord(NAT44_SESSION, [T0, 4, '10.1.2.3', '203.0.113.5', 6, 51234, 40123, '198.51.100.7', '198.51.100.7', 443, 443]);
  const mixed = [a, a, Buffer.concat([a, Buffer.from([1, 2, 3])]), a];
  assert.deepEqual(roundTrip(mixed).octets, mixed);
  const many = Array.from({ length: 300 }, (_, k) => Buffer.from(a.map((x, j) => (j === 0 ? k & 255 : x))));
  assert.deepEqual(roundTrip(many).octets, many);
});

/**
 * One message's data records, kept in one chunk as the ingest path keeps them, and as the decoder renders them
 * on arrival; plus the chunk document's JSON header (to see its layout).
 */
function oneChunk(msg: Buffer, exporter: string): { want: string[]; lines: string[]; head: string } {
  const want: string[] = [];
  new IpfixDecoder().packet(msg, exporter, RECEIVED, (raw) => void want.push(raw));
  let chunk: RecordChunk | undefined;
  new IpfixDecoder({ evidence: 'bytes' }).packet(msg, exporter, RECEIVED, (_raw, _r, _s, received, rb) => {
    chunk ??= new RecordChunk(rb!.key, rb!.header);
    chunk.add(rb!, received);
  });
  const encoded = chunk!.encode();
  const doc = brotliDecompressSync(encoded);
  // Evidence for some records renders those only: the same lines, the others not made.
  const some = [want.length - 1, 1];
  const partial = decodeChunk(encoded, some);
  assert.deepEqual(some.map((i) => partial.lines[i]), some.map((i) => want[i]));
  assert.equal(partial.lines.filter((l) => l !== undefined).length, 2);
  return { want, lines: decodeChunk(encoded).lines, head: doc.toString('latin1', 0, doc.indexOf(10)) };
}

test('planar chunks render through decodeChunk like any other (IPFIX session records)', () => {
  const { want, lines, head } = oneChunk(ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }),
    dataSet(256, Array.from({ length: 40 }, (_, k) => session(k % 2 ? 5 : 4, `10.1.2.${k}`, 40000 + k)))), '192.0.2.1');
  assert.match(head, /"w":34/); // kept as planes
  assert.deepEqual(lines, want);
  assert.equal(want.length, 40);
});

test('records of a variable-length template (pool names of different lengths) render from records back to back', () => {
  const { want, lines, head } = oneChunk(ipfixMessage({ exportTime: EXPORT, domain: 2 }, ipfixTemplateSet({ id: 260, fields: v6 }),
    dataSet(260, ['pool-a', 'pool-a', 'pool-longer', 'p'].map((name, k) => encodeRecord(v6, [T0, 4, '2001:db8::1:2', '203.0.113.9', 17, 5353 + k, 62000, '198.51.100.53', 53, name])))), '192.0.2.7');
  assert.match(head, /"n":\[/); // back to back
  assert.deepEqual(lines, want);
  assert.equal(want.length, 4);
  assert.match(want[2]!, /natPoolName="pool-longer"/);
});

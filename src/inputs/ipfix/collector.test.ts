// The UDP collector end to end: datagrams on loopback → decoder → Ingestor.addDecoded → store, the rendering
// kept as the evidence line; exporters routed by address (Router.ingestorFor); garbage on the port counted.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SourceConfig } from '../../config/config.ts';
import { Ingestor } from '../../ingest/pipeline.ts';
import type { NatRecord, PortBlockRecord } from '../../records/record.ts';
import { DuckDbStore } from '../../store/duckdb/index.ts';
import type { DayBatch, Store } from '../../store/store.ts';
import { makeClock } from '../../time/clock.ts';
import { Router } from '../router.ts';
import { createIpfixCollector, profileLookup } from './collector.ts';
import { ipfixText } from './text.ts';
import {
  IE, NAT44_PORT_BLOCK, NAT44_SESSION, dataSet, encodeRecord, ipfixMessage, ipfixTemplateSet, v9Packet, v9TemplateFlowSet, type FieldDef,
} from './testing.ts';
import { unpackBatch } from '../../store/unpack.ts';

const T0 = Date.UTC(2026, 10, 29, 22, 13, 5, 123);
const EXPORT = Math.floor(T0 / 1000) + 1;

/** A store that only keeps what it is given. */
function memStore(): Store & { batches: DayBatch[] } {
  const batches: DayBatch[] = [];
  return { engine: 'mem', batches, writeDay: async (b: DayBatch) => void batches.push(b) } as unknown as Store & { batches: DayBatch[] };
}

function ingestor(store: Store, source: string): Ingestor {
  return new Ingestor(store, ipfixText, { source, clock: (r) => makeClock({ reference: r }), batchSize: 100_000 });
}

async function send(packets: Buffer[], port: number, from = '127.0.0.1'): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  for (const p of packets) await new Promise<void>((r, j) => s.send(p, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => s.close(() => r()));
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nat = (ev: number, inside: string) => encodeRecord(NAT44_SESSION, [T0, ev, inside, '203.0.113.5', 6, 51234, 40123, '198.51.100.7', '198.51.100.7', 443, 443]);

describe('IPFIX collector over UDP', () => {
  for (const worker of [true, false])
  test(`records reach the ingestor with the rendering as their line; unclaimed exporters and garbage are counted (decoded ${worker ? 'in a worker thread' : 'on the socket thread'})`, async () => {
    const store = memStore();
    const ing = ingestor(store, 'cgn1');
    const col = await createIpfixCollector({ host: '127.0.0.1', port: 0, worker, ingestorFor: (a) => (a === '127.0.0.1' ? ing : undefined) });
    const port = col.address().port;
    try {
      await send([
        ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }, { id: 257, fields: NAT44_PORT_BLOCK }),
          dataSet(256, [nat(4, '10.1.2.3'), nat(5, '10.1.2.3')]),
          dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512])])),
        Buffer.from('definitely not IPFIX'),
        Buffer.alloc(3),
      ], port);
      await send([ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }), dataSet(256, [nat(4, '10.9.9.9')]))], port, '127.0.0.2');
      await until(() => col.status().totals.records >= 4, '4 records');
      await ing.flush();
      const lines = store.batches.flatMap((b) => unpackBatch(b).lines);
      const recs = store.batches.flatMap((b) => unpackBatch(b).records.map((x) => x.rec));
      assert.equal(recs.length, 3);
      const [a, b, c] = recs as [NatRecord, NatRecord, PortBlockRecord];
      assert.deepEqual([a.kind, a.event, a.inIp, a.pubPort, a.source, b.event, c.kind, c.portHi], ['nat', 'new', '10.1.2.3', 40123, 'cgn1', 'destroy', 'portblock', 1535]);
      assert.ok(a.received > 0 && a.raw === lines[0]);
      assert.match(lines[0]!, /^ipfix exporter=127\.0\.0\.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10\.1\.2\.3:51234 xsrc=203\.0\.113\.5:40123 /);
      const st = col.status();
      assert.equal(st.unclaimed, 1);
      assert.equal(col.datagramsRead(), 4, 'every datagram off the socket, garbage included');
      // The receiving thread outranks the store's work when the process may say so (root here and in CI).
      if (!worker) assert.equal(st.receiveNice, null);
      else if (process.getuid?.() === 0) assert.equal(st.receiveNice, -10);
      else assert.equal(typeof st.receiveNice, 'number');
      assert.equal(st.exporters['127.0.0.1']!.packets, 3);
      assert.equal(st.exporters['127.0.0.1']!.badVersion, 1);
      assert.equal(st.exporters['127.0.0.1']!.truncated, 1);
      assert.equal(st.exporters['127.0.0.2']!.nat, 1);
      assert.equal(ing.stats.records.nat, 2);
      assert.equal(ing.stats.records.portblock, 1);
    } finally {
      await col.close();
    }
  });

  test('through a real DuckDB store: the NAT event is found by its public address and quotes the rendering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wi-ipfix-'));
    const store = await DuckDbStore.open(dir);
    const ing = ingestor(store, 'asa');
    const col = await createIpfixCollector({ host: '127.0.0.1', port: 0, ingestorFor: () => ing, profile: 'nsel' });
    try {
      const tpl: FieldDef[] = [IE.NF_F_CONN_ID, IE.sourceIPv4Address, IE.sourceTransportPort, IE.destinationIPv4Address, IE.destinationTransportPort, IE.protocolIdentifier,
        IE.NF_F_FW_EVENT, IE.NF_F_EVENT_TIME_MSEC, IE.NF_F_XLATE_SRC_ADDR_IPV4, IE.NF_F_XLATE_SRC_PORT];
      await send([v9Packet({ uptime: 10_000, unixSecs: EXPORT }, v9TemplateFlowSet({ id: 260, fields: tpl }),
        dataSet(260, [encodeRecord(tpl, [4242, '10.1.2.3', 51234, '198.51.100.7', 443, 6, 1, T0, '203.0.113.5', 40123])], true))], col.address().port);
      await until(() => col.status().totals.nat === 1, 'the NAT record');
      await ing.flush();
      const found = await store.nat({ from: T0 * 1000 - 60e6, to: T0 * 1000 + 60e6, pubIp: '203.0.113.5', pubPort: 40123 });
      assert.equal(found.length, 1);
      // (The DuckDB store does not keep flowId; the connection id stays in the evidence line.)
      assert.deepEqual([found[0]!.inIp, found[0]!.inPort, found[0]!.event, found[0]!.dstIp, found[0]!.ts], ['10.1.2.3', 51234, 'new', '198.51.100.7', T0 * 1000]);
      const ev = await store.evidence([found[0]!.ref]);
      const line = ev.get(found[0]!.ref)!.line;
      assert.match(line, /^nfv9 exporter=127\.0\.0\.1 domain=0 template=260 profile=nsel fwEvent=1 proto=6 src=10\.1\.2\.3:51234 xsrc=203\.0\.113\.5:40123 dst=198\.51\.100\.7:443 flowId=4242 /);
    } finally {
      await col.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Router.ingestorFor: by format and exporter address, a source without sender catches the rest', () => {
    // Any registered format shows the selection; a live configuration uses format 'ipfix'.
    const sources: SourceConfig[] = [
      { id: 'cgn-a', format: 'conntrack', match: { sender: '192.0.2.1' } },
      { id: 'syslog', format: 'dnsmasq' },
      { id: 'cgn-rest', format: 'conntrack' },
    ];
    const router = new Router(memStore(), sources);
    const a = router.ingestorFor('conntrack', '::ffff:192.0.2.1');
    const b = router.ingestorFor('conntrack', '192.0.2.77');
    assert.ok(a && b && a !== b);
    assert.equal(router.ingestorFor('ipfix', '192.0.2.1'), undefined);
    const st = router.status() as Record<string, { received: number }>;
    assert.deepEqual([st['cgn-a']!.received, st['cgn-rest']!.received, st.syslog!.received], [1, 1, 0]);
  });

  test('profile option: one name, per exporter, or refused when unknown', () => {
    assert.equal(profileLookup(undefined)('1.2.3.4'), 'rfc8158');
    assert.equal(profileLookup('nokia')('1.2.3.4'), 'nokia');
    const per = profileLookup({ '192.0.2.9': 'juniper-draft' });
    assert.deepEqual([per('192.0.2.9'), per('192.0.2.1')], ['juniper-draft', 'rfc8158']);
    assert.throws(() => profileLookup('cisco' as never), /unknown profile 'cisco'/);
  });
});

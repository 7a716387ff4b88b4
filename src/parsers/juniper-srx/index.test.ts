import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord, PortBlockRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { juniperSrx } from './index.ts';

const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2025, 5, 1) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers(juniperSrx, UTC);

const CORPUS = testdataFiles(juniperSrx).find((p) => p.endsWith('corpus.log'))!;
const lineOf = (needle: string) => readTestdata(juniperSrx, CORPUS).messages.find((m) => m.includes(needle))!;

describe('juniper-srx: expected output of every testdata file', () => {
  for (const path of testdataFiles(juniperSrx)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(juniperSrx, readTestdata(juniperSrx, path)));
  }
  test('corpus: every line parses or is knowingly skipped (no translation, or a deny)', () => {
    const file = readTestdata(juniperSrx, CORPUS);
    const outcomes = runFile(juniperSrx, file);
    assert.equal(outcomes.filter((o) => o.status === 'unparsed').length, 0);
    for (const o of outcomes.filter((x) => x.status === 'skip')) assert.match(o.reason!, /no translation|denied before translation/);
    assert.equal(outcomes.filter((o) => o.status === 'records').length, 9);
  });
});

describe('juniper-srx: structured data', () => {
  test('source NAT CLOSE (Elastic sample): inside = source, public = nat-source, destination = nat-destination; session id', () => {
    const r = rec<NatRecord>(lineOf('session-id-32="5" packets-from-client'));
    assert.deepEqual(
      [r.event, r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort, r.flowId, r.failed],
      ['destroy', 'tcp', '10.3.255.203', 47776, '10.3.136.49', 19162, '67.43.156.15', 80, 5, undefined],
    );
    assert.equal(r.ts, at(2019, 3, 12, 14, 29, 6) + 576_000);
    assert.equal(r.logHost, 'cixi');
  });

  test('no translation (nat-* equal to the originals) is skipped; DENY is skipped before translation', () => {
    assert.match(one(lineOf('RT_FLOW_SESSION_CREATE [junos@67.43.156.15 source-address="10.0.0.1"')).reason!, /no translation/);
    assert.match(one(lineOf('RT_FLOW_SESSION_DENY [junos@67.43.156.15')).reason!, /denied before translation/);
  });

  test('destination NAT (Elastic ICMP sample with nat-destination ≠ destination): inside = nat-destination, peer = source', () => {
    const r = rec<NatRecord>(lineOf('mrpp-srx550-dut01'));
    assert.deepEqual([r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort], ['icmp', '67.43.156.14', 46384, '192.168.100.12', 46384, '192.168.2.1', 1]);
    assert.equal(r.ts, at(2010, 8, 30, 6, 55, 7) + 188_000); // +08:00 offset honoured
  });

  test('behind a relay (Wazuh sample): the device\'s ISO stamp, a value cut short at the end is still read', () => {
    const r = rec<NatRecord>(lineOf('sis-srx-ABN-01'));
    assert.deepEqual([r.inIp, r.inPort, r.pubIp, r.pubPort], ['192.168.1.1', 1080, '192.168.0.1', 1008]);
    assert.equal(r.ts, at(2017, 8, 23, 18, 17, 8) + 717_000);
    assert.equal(r.flowId, undefined); // session-id-32="8xxx1" (redacted) is not a number
  });

  test('CLOSE with packets-from-server="0" is failed', () => {
    const line = lineOf('session-id-32="5" packets-from-client').replace('packets-from-server="4"', 'packets-from-server="0"');
    assert.equal(rec<NatRecord>(line).failed, true);
  });

  test('port blocks: ALLOC / INTERIM / RELEASE; epoch-time-64 when nothing else gives the time', () => {
    const blog = readTestdata(juniperSrx, testdataFiles(juniperSrx).find((p) => p.endsWith('blog-and-docs.log'))!).messages;
    const a = rec<PortBlockRecord>(blog.find((m) => m.includes('PBA_ALLOC ['))!);
    assert.deepEqual([a.kind, a.event, a.inIp, a.pubIp, a.portLo, a.portHi], ['portblock', 'alloc', '10.0.10.10', '1.2.84.172', 48640, 48895]);
    assert.equal(a.ts, 0x624b0492 * 1_000_000);
    assert.equal(a.rawStamp, '624b0492');
    assert.equal(rec<PortBlockRecord>(blog.find((m) => m.includes('PBA_RELEASE ['))!).event, 'release');
  });
});

describe('juniper-srx: plain form', () => {
  test('source NAT CREATE (napalm-logs sample): "source rule LAN N/A N/A 6 …" → protocol 6, session 123456', () => {
    const r = rec<NatRecord>(lineOf('session created 172.16.0.1/23456->8.8.8.8/443'));
    assert.deepEqual(
      [r.event, r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort, r.flowId],
      ['new', 'tcp', '172.16.0.1', 23456, '172.16.0.2', 12345, '8.8.8.8', 443, 123456],
    );
    assert.equal(r.logHost, 'srx-firewall');
    assert.deepEqual(r.flags, { yearInferred: true });
  });

  test('CLOSE with reason; server packets read from "122(13305)"', () => {
    const r = rec<NatRecord>(lineOf('session closed idle Timeout: 172.16.0.1/23456'));
    assert.equal(r.event, 'destroy');
    const mine = 'Dec 17 08:05:30 srx RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.10.10.2/53836->198.51.100.1/22 junos-ssh 203.0.113.2/40001->198.51.100.1/22 None None 6 p untrust trust 5 3(180) 0(0) 45 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 No ';
    const c = rec<NatRecord>(mine);
    assert.equal(c.failed, true);
    assert.equal(c.flowId, 5);
  });

  test('port blocks in the plain form (written from documentation)', () => {
    const b = rec<PortBlockRecord>('Nov 29 15:20:00 srx1 RT_NAT: RT_SRC_NAT_PBA_ALLOC: Subscriber 10.0.10.10 used/maximum [1/4] blocks, allocates port block [48640-48895] from 1.2.84.172 in source pool guest lsys_id: 0');
    assert.deepEqual([b.event, b.inIp, b.pubIp, b.portLo, b.portHi], ['alloc', '10.0.10.10', '1.2.84.172', 48640, 48895]);
  });
});

describe('juniper-srx: bad input is unparsed with a reason, never a throw', () => {
  const sd = '<14>1 2019-04-12T14:29:06.576Z cixi RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.39 source-address="10.3.255.203" source-port="47776" destination-address="67.43.156.15" destination-port="80" nat-source-address="10.3.136.49" nat-source-port="19162" nat-destination-address="67.43.156.15" nat-destination-port="80" protocol-id="6" session-id-32="5"]';
  const plain = '<14>Dec 13 13:12:00 srx-firewall RT_FLOW: RT_FLOW_SESSION_CREATE: session created 172.16.0.1/23456->8.8.8.8/443 junos-https 172.16.0.2/12345->8.8.8.8/443 source rule LAN N/A N/A 6 allow-any PRIVATE PUBLIC 123456 N/A(N/A) hu-1/0/0.0';
  const cases: Record<string, string> = {
    ...badInputs(),
    'SD without nat-source': sd.replace(/ nat-source-address="[^"]*"/, ''),
    'SD value without closing quote': sd.slice(0, sd.indexOf('protocol-id="') + 14),
    'SD address not an address': sd.replace('10.3.255.203', '10.3.255.2030'),
    'plain truncated in the first pair': plain.slice(0, plain.indexOf('->8.8.8.8/443 junos')),
    'plain without protocol id': plain.slice(0, plain.indexOf(' 6 allow-any')),
    'plain port out of range': plain.replace('/23456', '/234567'),
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
      assert.equal(o.records[0]!.raw, line);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord, PortBlockRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { ciscoAsa } from './index.ts';

const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers(ciscoAsa, UTC);

describe('cisco-asa: expected output of every testdata file', () => {
  for (const path of testdataFiles(ciscoAsa)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(ciscoAsa, readTestdata(ciscoAsa, path)));
  }

  test('corpus: every line accounted for; the unparsed ones are exactly the stamp-less bodies that would give records', () => {
    const file = readTestdata(ciscoAsa, testdataFiles(ciscoAsa).find((p) => p.endsWith('corpus.log'))!);
    const outcomes = runFile(ciscoAsa, file);
    const unparsed = outcomes.map((o, i) => [o, file.messages[i]!] as const).filter(([o]) => o.status === 'unparsed');
    assert.deepEqual(unparsed.map(([o]) => o.reason), [
      'no time stamp (enable "logging timestamp" on the ASA or keep the syslog header)', // wazuh 305012 body
      'no time stamp (enable "logging timestamp" on the ASA or keep the syslog header)', // wazuh 305011 body
      'not a Cisco ASA message (no %ASA-n-nnnnnn tag)', // logstash "302020: Built inbound ICMP …" (id without the ASA- tag)
      'not a Cisco ASA message (no %ASA-n-nnnnnn tag)', // logstash bare "Built dynamic TCP translation …"
    ]);
    const count = (s: string) => outcomes.filter((o) => o.status === s).length;
    assert.deepEqual([count('records'), count('skip'), count('unparsed')], [6, 18, 4]);
  });
});

describe('cisco-asa: connections (302013 / 302015)', () => {
  test('outbound: the inside ("to") side\'s mapped socket is the public one; destination = the "for" side', () => {
    const r = rec<NatRecord>('Apr 27 2014 11:31:23: %ASA-6-302013: Built outbound TCP connection 2921 for outside:198.51.100.100/80 (198.51.100.100/80) to inside:172.16.11.5/58799 (203.0.113.2/58799)');
    assert.deepEqual(
      [r.event, r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort, r.flowId],
      ['new', 'tcp', '172.16.11.5', 58799, '203.0.113.2', 58799, '198.51.100.100', 80, 2921],
    );
    assert.equal(r.ts, at(2014, 3, 27, 11, 31, 23));
    assert.equal(r.rawStamp, 'Apr 27 2014 11:31:23');
    assert.equal(r.flags, undefined); // the ASA wrote the year
  });

  test('inbound to a static-NAT server: inside = server real, public = its mapped socket, destination = the outside client', () => {
    const r = rec<NatRecord>('Nov 29 2026 15:20:00: %ASA-6-302013: Built inbound TCP connection 11 for outside:2.2.2.1/21647 (2.2.2.1/21647) to inside:1.1.1.2/22 (2.2.2.5/22)', BERLIN);
    assert.deepEqual([r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort], ['1.1.1.2', 22, '2.2.2.5', 22, '2.2.2.1', 21647]);
    assert.equal(r.ts, at(2026, 10, 29, 14, 20, 0)); // Berlin local → UTC
  });

  test('PIX UDP with a relay header: the device stamp (with year) wins over the relay\'s', () => {
    const r = rec<NatRecord>('Jan 14 16:10:24 10.1.2.13 Jan 14 2010 12:29:43 SymCiscoApp : %PIX-6-302015: Built outbound UDP connection 414128851 for outside:168.15.3.6/53 (168.15.3.6/53) to inside:192.168.10.5/53 (192.168.10.5/171)');
    assert.deepEqual([r.proto, r.inPort, r.pubIp, r.pubPort, r.dstIp], ['udp', 53, '192.168.10.5', 171, '168.15.3.6']);
    assert.equal(r.ts, at(2010, 0, 14, 12, 29, 43));
    assert.equal(r.logHost, '10.1.2.13');
  });

  test('no translation (mapped = real) is skipped; the teardown is skipped (it names no mapped socket)', () => {
    assert.match(one('%ASA-6-302013: Built outbound TCP connection 9 for outside:10.1.2.1/22 (10.1.2.1/22) to inside:10.1.1.2/53496 (10.1.1.2/53496)').reason!, /no translation/);
    assert.match(one('%ASA-6-302014: Teardown TCP connection 11753 for outside:100.66.35.162/80 to inside:172.31.98.44/1765 duration 0:00:30 bytes 0 SYN Timeout').reason!, /teardown/);
  });

  test('IPv6 sockets and RFC 3339 stamps', () => {
    const r = rec<NatRecord>('2021-04-01T10:06:26Z 10.126.11.254 : %ASA-6-302013: Built outbound TCP connection 77 for outside:2001:db8:5::7/443 (2001:db8:5::7/443) to inside:fd00::10/51000 (2001:db8:5::5/51000)');
    assert.deepEqual([r.inIp, r.pubIp, r.dstIp], ['fd00::10', '2001:db8:5::5', '2001:db8:5::7']);
    assert.equal(r.ts, at(2021, 3, 1, 10, 6, 26));
  });
});

describe('cisco-asa: translations and port blocks', () => {
  test('305011 → new without destination; 305012 → destroy', () => {
    const n = rec<NatRecord>('Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-305011: Built dynamic TCP translation from inside:172.31.98.44/1772 to outside:100.66.98.44/8256');
    assert.deepEqual([n.event, n.inIp, n.inPort, n.pubIp, n.pubPort, n.dstIp, n.dstPort], ['new', '172.31.98.44', 1772, '100.66.98.44', 8256, undefined, undefined]);
    const d = rec<NatRecord>('Oct 10 2018 12:37:28 asa %ASA-6-305012: Teardown dynamic UDP translation from WLC-LAN_inside:10.233.16.130/6890 to outside:193.17.108.1/6890 duration 0:02:32');
    assert.deepEqual([d.event, d.proto, d.inIp, d.pubIp], ['destroy', 'udp', '10.233.16.130', '193.17.108.1']);
  });

  test('305014/305017/305015 → port block alloc/interim/release', () => {
    const a = rec<PortBlockRecord>('Nov 29 2026 15:20:00: %ASA-6-305014: Allocated TCP block of ports for translation from inside:10.1.1.1 to outside:203.0.113.5/1024-1535', BERLIN);
    assert.deepEqual([a.kind, a.event, a.inIp, a.pubIp, a.portLo, a.portHi], ['portblock', 'alloc', '10.1.1.1', '203.0.113.5', 1024, 1535]);
    assert.equal(rec<PortBlockRecord>('Nov 29 2026 15:25:00: %ASA-3-305017: Pba-interim-logging: Active TCP block of ports for translation from inside:10.1.1.1 to outside:203.0.113.5/1024-1535').event, 'interim');
    assert.equal(rec<PortBlockRecord>('Nov 29 2026 15:35:00: %ASA-6-305015: Released TCP block of ports for translation from inside:10.1.1.1 to outside:203.0.113.5/1024-1535').event, 'release');
  });

  test('305009/305010 (address-only NAT) → a port block of the whole range; identity NAT skipped', () => {
    const b = rec<PortBlockRecord>('Nov 29 2026 15:20:00: %ASA-6-305009: Built dynamic translation from inside:10.1.1.7 to outside:203.0.113.9');
    assert.deepEqual([b.event, b.inIp, b.pubIp, b.portLo, b.portHi], ['alloc', '10.1.1.7', '203.0.113.9', 0, 65535]);
    assert.equal(one('Nov 29 2026 15:20:00: %ASA-6-305009: Built static translation from inside:10.1.1.8 to outside:10.1.1.8').status, 'skip');
  });

  test('302020 ICMP: local → global, echo ids as ports', () => {
    const r = rec<NatRecord>('Nov 29 2026 15:20:01: %ASA-6-302020: Built outbound ICMP connection for faddr 198.51.100.7/0 gaddr 203.0.113.5/33 laddr 10.1.1.1/1 type 8 code 0');
    assert.deepEqual([r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp], ['icmp', '10.1.1.1', 1, '203.0.113.5', 33, '198.51.100.7']);
  });
});

describe('cisco-asa: denies and other messages are skipped with reasons', () => {
  for (const [line, reason] of [
    ['<164>Aug 28 2022 19:34:14: %ASA-4-106023: Deny tcp src outside:123.93.187.190/63659 dst dmz-1:245.194.191.142/8827 by access-group "outside_access_in" [0x0, 0x0]', /denied before translation/],
    ['%ASA-6-106100: access-list inside_in denied tcp inside/10.1.1.1(1234) -> outside/198.51.100.7(443) hit-cnt 1 first hit [0x1, 0x0]', /denied before translation/],
    ['%ASA-4-710003: TCP access denied by ACL from 198.51.100.7/4451 to outside:203.0.113.5/22', /denied before translation/],
    ['%ASA-3-202010: PAT pool exhausted. Unable to create TCP connection from WLC-LAN_inside:10.237.52.235/40012 to outside:183.240.12.88/443', /translation failed/],
    ['%ASA-5-111008: User \'enable_15\' executed the \'write memory\' command.', /carries no translation/],
  ] as const) {
    test(line.slice(0, 60), () => {
      const o = one(line);
      assert.equal(o.status, 'skip');
      assert.match(o.reason!, reason);
    });
  }
});

describe('cisco-asa: bad input is unparsed with a reason, never a throw', () => {
  const good = 'Oct 10 2018 12:34:56 asa %ASA-6-302013: Built outbound TCP connection 11757 for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (100.66.98.44/8256)';
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside the mapped socket': good.slice(0, good.lastIndexOf('/')),
    'truncated after "for"': good.slice(0, good.indexOf(' for ') + 5),
    'address not an address': good.replace('172.31.98.44', '172.31.98.444'),
    'port out of range': good.replace('/1772', '/77772'),
    'tag without id': 'Oct 10 2018 12:34:56 asa %ASA-6-: Built',
    'Feb 30': good.replace('Oct 10 2018', 'Feb 30 2018'),
    'no stamp anywhere': good.slice(good.indexOf('%ASA')),
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

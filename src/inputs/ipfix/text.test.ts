// The `ipfix` text parser over its testdata (src/parsers/ipfix/testdata: renderings of real softflowd and
// nfdump exports, and of NAT event packets for every profile), the parser contract's bad inputs, and a few
// exact records. Registered in a parser family, it also passes src/parsers/contract.test.ts with this testdata.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowRecord, NatRecord, PortBlockRecord } from '../../records/record.ts';
import { validateRecord } from '../../records/validate.ts';
import { parseMessage } from '../../parsers/run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataFiles } from '../../parsers/testing.ts';
import { SKIP, UNPARSED } from './nat.ts';
import { ipfixText } from './text.ts';

const CTX = contextFor({ reference: Date.UTC(2026, 10, 29, 22, 14) * 1000 });

describe('ipfix text parser: testdata', () => {
  const files = testdataFiles(ipfixText);
  test('ships testdata', () => assert.deepEqual(files.map((f) => f.slice(f.lastIndexOf('/') + 1)), ['nat-events.log', 'real-exporters.log']));
  for (const path of files) {
    test(`${path.slice(path.lastIndexOf('/') + 1)}: expected output`, () => checkExpected(ipfixText, readTestdata(ipfixText, path)));
  }

  test('what each file becomes: records or a known skip; one unparsed on purpose (natEvent=99)', () => {
    const count = (name: string) => {
      const f = readTestdata(ipfixText, files.find((p) => p.endsWith(name))!);
      const out = runFile(ipfixText, f);
      const c = { records: 0, skip: 0, unparsed: 0, kinds: {} as Record<string, number>, reasons: {} as Record<string, number> };
      for (const [i, o] of out.entries()) {
        c[o.status === 'records' ? 'records' : o.status]++;
        if (o.reason) c.reasons[o.reason] = (c.reasons[o.reason] ?? 0) + 1;
        for (const r of o.records) {
          c.kinds[r.kind] = (c.kinds[r.kind] ?? 0) + 1;
          assert.deepEqual(validateRecord(r, f.messages[i]), [], f.messages[i]);
        }
      }
      return c;
    };
    const real = count('real-exporters.log');
    // softflowd's options records (its systemInitTimeMilliseconds) are skipped; everything else is a flow.
    assert.deepEqual([real.records, real.skip, real.unparsed, real.kinds, real.reasons], [19, 4, 0, { flow: 19 }, { [SKIP.options]: 4 }]);
    const nat = count('nat-events.log');
    assert.deepEqual(nat.kinds, { nat: 14, portblock: 4, flow: 1, unparsed: 1 }); // the flow: an NSEL deny without translation
    assert.deepEqual(nat.reasons, {
      [UNPARSED.unknownEvent]: 1,
      [SKIP.addressBinding]: 1,
      [SKIP.quota]: 1,
      [SKIP.addrExhausted]: 1,
      [SKIP.portsExhausted]: 2,
      [SKIP.threshold]: 1,
    });
  });
});

describe('ipfix text parser: lines', () => {
  const one = (line: string) => parseMessage(ipfixText, line, CTX);

  test('NAT44 session create: every field', () => {
    const line = 'ipfix exporter=192.0.2.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10.1.2.3:51234 xsrc=203.0.113.5:40123 ' +
      'dst=198.51.100.7:443 xdst=198.51.100.7:443 observationTimeMilliseconds=2026-11-29T22:13:05.123Z time=2026-11-29T22:13:05.123Z';
    const o = one(line);
    assert.equal(o.status, 'records');
    const r = o.records[0] as NatRecord;
    assert.deepEqual({ ...r }, { kind: 'nat', ts: Date.UTC(2026, 10, 29, 22, 13, 5, 123) * 1000, received: CTX.received, source: 'test', raw: line,
      event: 'new', proto: 'tcp', inIp: '10.1.2.3', inPort: 51234, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.7', dstPort: 443 });
  });

  test('port block, Juniper numbering, IPv6 flow', () => {
    const pb = one('nfv9 exporter=192.0.2.20 domain=0 template=280 profile=juniper-draft natEvent=14 proto=6 src=10.1.2.5:1111 xsrc=203.0.113.7:2222 portRangeStart=4096 portRangeEnd=4159 time=2026-11-29T22:13:05.123Z').records[0] as PortBlockRecord;
    assert.deepEqual([pb.kind, pb.event, pb.inIp, pb.pubIp, pb.portLo, pb.portHi], ['portblock', 'alloc', '10.1.2.5', '203.0.113.7', 4096, 4159]);
    const f = one('ipfix exporter=127.0.0.1 domain=0 template=2048 profile=rfc8158 proto=17 src=[2001:db8:77::10]:40000 dst=[2001:db8:99::7]:5000 flowStartMilliseconds=2026-11-29T22:13:07.000Z flowEndMilliseconds=2026-11-29T22:13:07.500Z octetDeltaCount=58 time=2026-11-29T22:13:07.000Z').records[0] as FlowRecord;
    assert.deepEqual([f.kind, f.srcIp, f.srcPort, f.dstIp, f.dstPort, f.proto, f.end, f.bytesOut, f.how], ['flow', '2001:db8:77::10', 40000, '2001:db8:99::7', 5000, 'udp', Date.UTC(2026, 10, 29, 22, 13, 7, 500) * 1000, 58, 'ipfix']);
  });

  test('not a rendering, a broken one, an unknown profile: unparsed with a reason; never throws', () => {
    assert.equal(one('Nov 29 22:13:05 gw conntrack: [NEW] tcp 6 120').reason, 'not an IPFIX / NetFlow v9 rendering');
    assert.equal(one('ipfix exporter=1.2.3.4 natEvent=4 src="unterminated').status, 'unparsed');
    assert.equal(one('ipfix exporter=1.2.3.4 natEvent=4 proto=6 src=10.1.2.3:1 xsrc=203.0.113.5:2').reason, 'IPFIX rendering without time=');
    assert.equal(one('ipfix profile=cisco natEvent=4 time=2026-11-29T22:13:05.123Z').reason, 'unknown natEvent profile');
    assert.equal(one('ipfix natEvent=4 proto=6 src=10.1.2.3:99999 xsrc=203.0.113.5:2 time=2026-11-29T22:13:05.123Z').reason, 'bad port in an IPFIX rendering');
    // The parser contract's bad inputs (src/parsers/contract.test.ts): unparsed with a reason.
    for (const [what, input] of Object.entries(badInputs('ipfix'))) {
      const o = one(input);
      assert.equal(o.status, 'unparsed', `${what}: ${o.status} ${o.reason ?? ''}`);
      assert.deepEqual(validateRecord(o.records[0], input), [], what);
    }
  });
});

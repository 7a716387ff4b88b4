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
import { normIp } from '../../records/addr.ts';
import { parseIsoMicros } from './format.ts';
import { addr, endpointAt, isoMicros, KA, KB, lastEndpoint, numAt, portAt, scan, tokens, VA, VB, VQ, ipfixText } from './text.ts';

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

// The parser reads lines in place (token positions, numbers and endpoints from positions); these are the
// string-based readers it replaced, and every in-place reader must agree with them on real and mangled text.
describe('ipfix text parser: in-place readers agree with the string readers', () => {
  const refPort = (v: string) => (/^\d{1,5}$/.test(v) && +v <= 65535 ? +v : -2);
  const refNum = (v: string) => (/^\d{1,20}$/.test(v) ? Number(v) : -1);
  const refEndpoint = (v: string): [string | null, number] => {
    if (v.startsWith('[')) {
      const close = v.indexOf(']');
      if (close < 0) return [null, -1];
      const ip = normIp(v.slice(1, close));
      const rest = v.slice(close + 1);
      if (rest === '') return [ip, -1];
      if (!rest.startsWith(':')) return [null, -1];
      return [ip, refPort(rest.slice(1))];
    }
    const c = v.indexOf(':');
    if (c >= 0 && v.indexOf(':', c + 1) >= 0) return [normIp(v), -1];
    if (c < 0) return [normIp(v), -1];
    return [normIp(v.slice(0, c)), refPort(v.slice(c + 1))];
  };
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const noise = '0123456789:.[]-TZ "\\=ax ';
  const mangle = (s: string) => {
    const a = [...s];
    for (let k = 1 + rnd(3); k > 0; k--) {
      const i = rnd(a.length + 1), c = noise[rnd(noise.length)]!;
      const op = rnd(3);
      if (op === 0) a.splice(i, 0, c);
      else if (op === 1) a.splice(i, 1);
      else a[i] = c;
    }
    return a.join('');
  };
  const lines = testdataFiles(ipfixText).flatMap((p) => readTestdata(ipfixText, p).messages);
  const values = new Set<string>();
  for (const l of lines) for (const [, v] of tokens(l, l.indexOf(' ') + 1) ?? []) values.add(v);
  const vals = [...values, '', '0', '00012', '65535', '65536', '123456789012345678', '99999999999999999999', '1e3', '[::1]', '[::1]:', '[::1]x',
    '[10.1.2.3]:80', '10.1.2.3:', '10.1.2.3:0', '::ffff:10.1.2.3', 'fe80::1%eth0', 'x'.repeat(50), `${'a:'.repeat(24)}1`,
    '2026-11-29T22:13:05Z', '2026-11-29T22:13:05.1Z', '2026-13-40T25:61:61.123456Z', '2026-1-29T22:13:05.123Z', ' 026-11-29T22:13:05.123Z'];
  const all = [...vals, ...vals.flatMap((v) => [mangle(v), mangle(v), mangle(v)])];

  test('numbers, ports, endpoints, addresses and stamps', () => {
    for (const v of all) {
      const w = `k=${v} `; // the value inside a longer text, as in a line
      assert.equal(numAt(w, 2, 2 + v.length), refNum(v), v);
      assert.equal(portAt(w, 2, 2 + v.length), refPort(v), v);
      endpointAt(w, 2, 2 + v.length);
      assert.deepEqual(lastEndpoint(), refEndpoint(v), v);
      assert.equal(addr(v), normIp(v), v);
      assert.ok(Object.is(isoMicros(w, 2, 2 + v.length), parseIsoMicros(v)), v);
    }
  });

  test('token positions: the same tokens as tokens(), on every testdata line and mangled copies', () => {
    const texts = [...lines, ...lines.flatMap((l) => [mangle(l), mangle(l), mangle(l), mangle(l)])];
    for (const l of texts) {
      const from = l.indexOf(' ') + 1;
      const ref = tokens(l, from);
      const n = scan(l, from);
      assert.equal(n, ref === null ? -1 : ref.length, l);
      for (let t = 0; t < n; t++) {
        assert.equal(l.slice(KA[t], KB[t]), ref![t]![0], l);
        assert.equal(VQ[t] ?? l.slice(VA[t], VB[t]), ref![t]![1], l);
      }
    }
  });
});

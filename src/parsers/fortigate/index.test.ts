import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, lineMangler, readTestdata, referenceOutcomes, runFile, testdataFiles } from '../testing.ts';
import { fortigate, scan, scanSlowly, useReferenceScan, VA, VB } from './index.ts';

const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2025, 5, 1) * 1000 });
const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(line: string, ctx = UTC): Outcome {
  return parseMessage(fortigate, line, ctx);
}
function nats(line: string, ctx = UTC): NatRecord[] {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  return o.records as NatRecord[];
}
const file = (name: string) => readTestdata(fortigate, testdataFiles(fortigate).find((p) => p.endsWith(name))!);
const lineOf = (name: string, needle: string) => file(name).messages.find((m) => m.includes(needle))!;

describe('fortigate: expected output of every testdata file', () => {
  for (const path of testdataFiles(fortigate)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(fortigate, readTestdata(fortigate, path)));
  }
  test('corpus: nothing unparsed; the four translated lines give records, the rest "no translation"', () => {
    const outcomes = runFile(fortigate, file('corpus.log'));
    assert.deepEqual(outcomes.map((o) => o.status), ['records', 'records', 'records', 'records', 'skip', 'skip', 'skip']);
    for (const o of outcomes.filter((x) => x.status === 'skip')) assert.match(o.reason!, /no translation/);
  });
});

describe('fortigate: mapping and time', () => {
  test('a session-end log gives the start (eventtime − duration) and the end; source NAT → inside = src, public = transip', () => {
    const [n, d] = nats(lineOf('corpus.log', 'eventtime=1557958129950003945'));
    assert.deepEqual(
      [n!.event, n!.proto, n!.inIp, n!.inPort, n!.pubIp, n!.pubPort, n!.dstIp, n!.dstPort, n!.flowId],
      ['new', 'udp', '10.1.100.22', 50002, '172.16.200.2', 50002, '172.16.100.100', 53, 6887],
    );
    assert.equal(d!.event, 'destroy');
    assert.equal(d!.ts, 1557958129950003); // eventtime in ns, truncated to µs
    assert.equal(d!.rawStamp, '1557958129950003945');
    assert.equal(n!.ts, d!.ts - 180 * 1_000_000); // duration=180
    assert.equal(d!.failed, undefined); // rcvdpkt=1
  });

  test('deny with a translation (UTM drop after the session began) → one deny record, failed, at the session start', () => {
    const rs = nats(lineOf('corpus.log', 'app="BitTorrent"'));
    assert.equal(rs.length, 1);
    assert.deepEqual([rs[0]!.event, rs[0]!.failed, rs[0]!.pubIp, rs[0]!.pubPort], ['deny', true, '160.242.8.82', 51082]);
    assert.equal(rs[0]!.ts, at(2016, 5, 16, 10, 49, 8) - 3_000_000); // date/time, no tz: configured zone (UTC), minus duration=3
  });

  test('destination NAT (port forward): inside = tranip:tranport, public = dstip:dstport, destination = the outside client', () => {
    const [n, d] = nats(lineOf('public.log', 'FortiWiFi-80F-2R'));
    assert.deepEqual([n!.inIp, n!.inPort, n!.pubIp, n!.pubPort, n!.dstIp, n!.dstPort], ['10.10.10.40', 80, '99.88.84.61', 80, '23.248.217.56', 4214]);
    assert.equal(d!.ts, 1749461827438416);
    assert.equal(d!.logHost, '192.168.10.21');
  });

  test('log-traffic-start gives new; date/time with tz is read with its offset when there is no eventtime', () => {
    const start = lineOf('public.log', 'action="start"');
    assert.deepEqual(nats(start, BERLIN).map((r) => r.event), ['new']);
    const noEt = start.replace(/eventtime=\d+ /, '');
    const [r] = nats(noEt, BERLIN);
    assert.equal(r!.ts, at(2026, 10, 29, 14, 20, 0));
    assert.equal(r!.rawStamp, 'date=2026-11-29 time=15:20:00');
  });

  test('rcvdpkt=0 at the end: never answered', () => {
    const [, d] = nats(lineOf('public.log', 'rcvdpkt=0'));
    assert.equal(d!.failed, true);
  });

  test('not traffic, no translation, other actions: skipped with reasons', () => {
    assert.match(one('date=2019-05-15 time=15:08:49 logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful"').reason!, /not a traffic log/);
    assert.match(one(lineOf('corpus.log', 'action="dns"')).reason!, /no translation/);
    const other = lineOf('public.log', 'action="close"').replace('action="close"', 'action="ip-conn"');
    assert.match(one(other).reason!, /neither a session start/);
  });
});

describe('fortigate: bad input is unparsed with a reason, never a throw', () => {
  const good = lineOf('public.log', 'action="close"');
  const cases: Record<string, string> = {
    ...badInputs(),
    'placeholders instead of addresses (a redacted blog line)': lineOf('public.log', 'MYWORKSTATIONIP'),
    'transip not an address': good.replace('transip=203.0.113.5', 'transip=203.0.113.555'),
    'transport out of range': good.replace('transport=40001', 'transport=400001'),
    'eventtime not a number': good.replace(/eventtime=\d+/, 'eventtime=17959621206543x1000'),
    'no proto': good.replace(' proto=6', ''),
    'no time at all': good.replace(/date=\S+ time=\S+ /, '').replace(/eventtime=\d+ /, '').replace('<189>', ''),
    'truncated before the translation': good.slice(0, good.indexOf(' trandisp')),
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      if (what === 'truncated before the translation') {
        assert.equal(o.status, 'skip'); // without trandisp/transip the line says there was no translation
        return;
      }
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
      assert.equal(o.records[0]!.raw, line);
    });
  }
});

describe('fortigate: the fast token scan reads what the slow one reads', () => {
  // Insertions and deletions of the characters that matter to the reader (and a few others), and flips.
  const { rnd, mangle, flip } = lineMangler(5, [' ', '=', '"', '\\', 'a', 'b', '  ', '\t', 'é', '\uD800', '\u013D', '\u0120', '\u0000'], ' ="', 4);
  const lines = testdataFiles(fortigate).flatMap((p) => readTestdata(fortigate, p).messages);
  const texts = [
    ...lines,
    ...lines.flatMap((l) => Array.from({ length: 40 }, () => mangle(l))),
    ...lines.flatMap((l) => Array.from({ length: 20 }, () => flip(flip(l)))),
    ...lines.flatMap((l) => Array.from({ length: l.length }, (_, i) => l.slice(0, i))), // every truncation
    ...lines.map((l) => l.replaceAll(' ', '   ')), ...lines.map((l) => l.replaceAll('"', '')), ...lines.map((l) => l.replaceAll('"', '\\"')),
    ...lines.map((l) => `${l} `), ...lines.map((l) => `${l}=`), ...lines.map((l) => `${l} x="`), ...lines.map((l) => `${l}"`),
    'a=1 b=2', 'x="unterminated srcip=1.2.3.4', 'srcip="a\\"b" type=traffic', 'bare word type=traffic =x', '', '   ', '=', '"', 'a="', 'a=" ',
    'type="traffic\\"', 'a=b'.repeat(3000), `x=${'y'.repeat(5000)} type=traffic srcip=1.2.3.4`, // longer than the first buffer
  ];
  test('same field positions and count, on testdata lines and mangled copies', () => {
    for (const l of texts) {
      const slow = scanSlowly(l);
      const want = [...VA, ...VB];
      const fast = scan(l);
      assert.deepEqual([...VA, ...VB], want, l);
      assert.equal(fast, slow, l);
    }
  });
  test('the same outcome through parseMessage as with the reference scan, on the same lines', () => {
    const { ref, fast } = referenceOutcomes(useReferenceScan, texts, one);
    for (let i = 0; i < texts.length; i++) assert.deepEqual(fast[i], ref[i], texts[i]);
    assert.ok(fast.filter((o) => o.status === 'records').length >= lines.length / 2); // not a comparison of nothing
  });
});

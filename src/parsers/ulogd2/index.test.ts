import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, lineMangler, readTestdata, referenceOutcomes, runFile, testdataFiles } from '../testing.ts';
import { KA, scan, scanSlowly, ulogd2, useReferenceScan, VA, VB } from './index.ts';

const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 14, 56) * 1000 });
const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 56) * 1000 });

function one(line: string, ctx = UTC): Outcome {
  return parseMessage(ulogd2, line, ctx);
}
function nats(line: string, ctx = UTC): NatRecord[] {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  return o.records as NatRecord[];
}

// Real lines from testdata/lab-nohash-berlin.log and lab-hash-utc.log (Debian ulogd2 2.0.8).
const NEW_TCP =
  '{"timestamp": "2026-11-29T15:55:29+0100", "dvc": "Netfilter", "orig.ip.protocol": 6, "orig.l4.sport": 40101, "orig.l4.dport": 443, "orig.raw.pktlen": 0, "orig.raw.pktcount": 0, "reply.ip.protocol": 6, "reply.l4.sport": 443, "reply.l4.dport": 61681, "reply.raw.pktlen": 0, "reply.raw.pktcount": 0, "ct.mark": 0, "ct.id": 326013498, "ct.event": 1, "flow.start.sec": 1795964129, "flow.start.usec": 654021, "oob.family": 2, "oob.protocol": 0, "src_ip": "10.66.0.2", "dest_ip": "198.51.100.66", "reply.ip.saddr.str": "198.51.100.66", "reply.ip.daddr.str": "203.0.113.66"}';
const NEW_V6 =
  '{"timestamp": "2026-11-29T15:55:31+0100", "dvc": "Netfilter", "orig.ip.protocol": 6, "orig.l4.sport": 40106, "orig.l4.dport": 443, "orig.raw.pktlen": 0, "orig.raw.pktcount": 0, "reply.ip.protocol": 6, "reply.l4.sport": 443, "reply.l4.dport": 61092, "reply.raw.pktlen": 0, "reply.raw.pktcount": 0, "ct.mark": 0, "ct.id": 2413248874, "ct.event": 1, "flow.start.sec": 1795964131, "flow.start.usec": 726025, "oob.family": 10, "oob.protocol": 0, "src_ip": "fd66::2", "dest_ip": "2001:db8:660::7", "reply.ip.saddr.str": "2001:db8:660::7", "reply.ip.daddr.str": "2001:db8:66::1"}';
const HASH_UDP_UNANSWERED =
  '{"timestamp": "2026-11-29T14:55:32", "dvc": "Netfilter", "orig.ip.protocol": 17, "orig.l4.sport": 40105, "orig.l4.dport": 5001, "orig.raw.pktlen": 31, "orig.raw.pktcount": 1, "reply.ip.protocol": 17, "reply.l4.sport": 5001, "reply.l4.dport": 61740, "reply.raw.pktlen": 0, "reply.raw.pktcount": 0, "ct.mark": 0, "ct.id": 3475495338, "ct.event": 4, "flow.start.sec": 1795964131, "flow.start.usec": 104178, "flow.end.sec": 1795964132, "flow.end.usec": 324675, "oob.family": 2, "oob.protocol": 0, "src_ip": "10.66.0.2", "dest_ip": "198.51.100.66", "reply.ip.saddr.str": "198.51.100.66", "reply.ip.daddr.str": "203.0.113.66"}';

describe('ulogd2: expected output of every testdata file', () => {
  for (const path of testdataFiles(ulogd2)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(ulogd2, readTestdata(ulogd2, path)));
  }
  test('lab files: nothing unparsed; only the gateway\'s own loopback probe is skipped', () => {
    for (const path of testdataFiles(ulogd2).filter((p) => p.includes('/lab-'))) {
      const file = readTestdata(ulogd2, path);
      const outcomes = runFile(ulogd2, file);
      const count = (s: string) => outcomes.filter((o) => o.status === s).length;
      assert.equal(count('unparsed'), 0, path);
      assert.equal(count('skip'), path.includes('nohash') ? 2 : 1, path); // probe NEW + DESTROY, or its one hash line
      assert.ok(outcomes.filter((o) => o.status === 'skip').every((o) => /no translation/.test(o.reason!)));
    }
  });
});

describe('ulogd2: mapping', () => {
  test('NEW (hash_enable=0): inside = orig src, public = reply dst, destination = orig dst; exact µs from flow.start', () => {
    const [r, more] = nats(NEW_TCP, BERLIN);
    assert.equal(more, undefined);
    assert.deepEqual(
      [r!.event, r!.proto, r!.inIp, r!.inPort, r!.pubIp, r!.pubPort, r!.dstIp, r!.dstPort, r!.flowId],
      ['new', 'tcp', '10.66.0.2', 40101, '203.0.113.66', 61681, '198.51.100.66', 443, 326013498],
    );
    assert.equal(r!.ts, 1795964129654021);
    assert.equal(r!.rawStamp, '"flow.start.sec": 1795964129, "flow.start.usec": 654021');
    assert.equal(r!.flags, undefined); // epoch: no zone, no year to guess
  });

  test('IPv6 masquerade', () => {
    const [r] = nats(NEW_V6);
    assert.deepEqual([r!.inIp, r!.pubIp, r!.pubPort, r!.dstIp], ['fd66::2', '2001:db8:66::1', 61092, '2001:db8:660::7']);
  });

  test('a DESTROY line from the hash table gives the start (new) and the end (destroy); unanswered → failed', () => {
    const [n, d] = nats(HASH_UDP_UNANSWERED);
    assert.equal(n!.event, 'new');
    assert.equal(n!.ts, 1795964131104178);
    assert.equal(d!.event, 'destroy');
    assert.equal(d!.ts, 1795964132324675);
    assert.equal(d!.failed, true); // orig.raw.pktcount 1, reply.raw.pktcount 0
    assert.equal(n!.failed, undefined);
    assert.equal(n!.flowId, d!.flowId);
  });

  test('a DESTROY without flow.start (hash_enable=0, no kernel timestamps) gives only the destroy', () => {
    const line = HASH_UDP_UNANSWERED.replace('"flow.start.sec": 1795964131, "flow.start.usec": 104178, ', '');
    const rs = nats(line);
    assert.deepEqual(rs.map((r) => r.event), ['destroy']);
  });

  test('without packet counters (nf_conntrack_acct=0) nothing is said about the outcome', () => {
    const line = HASH_UDP_UNANSWERED.replace('"orig.raw.pktcount": 1', '"orig.raw.pktcount": 0');
    assert.equal(nats(line)[1]!.failed, undefined);
  });

  test('DNAT (port forward): inside = reply src, public = orig dst, peer = orig src', () => {
    // Derived from NEW_TCP: the shape conntrack gives a port forward 203.0.113.66:8080 -> 10.66.0.2:80.
    const line = NEW_TCP.replace('"orig.l4.sport": 40101, "orig.l4.dport": 443', '"orig.l4.sport": 38094, "orig.l4.dport": 8080')
      .replace('"reply.l4.sport": 443, "reply.l4.dport": 61681', '"reply.l4.sport": 80, "reply.l4.dport": 38094')
      .replace('"src_ip": "10.66.0.2", "dest_ip": "198.51.100.66", "reply.ip.saddr.str": "198.51.100.66", "reply.ip.daddr.str": "203.0.113.66"',
        '"src_ip": "198.51.100.66", "dest_ip": "203.0.113.66", "reply.ip.saddr.str": "10.66.0.2", "reply.ip.daddr.str": "198.51.100.66"');
    const [r] = nats(line);
    assert.deepEqual([r!.inIp, r!.inPort, r!.pubIp, r!.pubPort, r!.dstIp, r!.dstPort], ['10.66.0.2', 80, '203.0.113.66', 8080, '198.51.100.66', 38094]);
  });

  test('the writer stamp is used only without flow times: "+0100" is read with its offset, none means UTC', () => {
    const noFlow = NEW_TCP.replace('"flow.start.sec": 1795964129, "flow.start.usec": 654021, ', '');
    const [r] = nats(noFlow, BERLIN);
    assert.equal(r!.ts, Date.UTC(2026, 10, 29, 14, 55, 29) * 1000);
    assert.equal(r!.rawStamp, '2026-11-29T15:55:29+0100');
    const [u] = nats(noFlow.replace('15:55:29+0100', '14:55:29'), BERLIN); // ulogd in UTC writes no offset
    assert.equal(u!.ts, Date.UTC(2026, 10, 29, 14, 55, 29) * 1000);
    const v1 = noFlow.replace('{"timestamp"', '{"@version": 1, "@timestamp"'); // eventv1=1
    assert.equal(nats(v1, BERLIN)[0]!.ts, Date.UTC(2026, 10, 29, 14, 55, 29) * 1000);
    const none = one(noFlow.replace('"timestamp": "2026-11-29T15:55:29+0100", ', ''));
    assert.equal(none.status, 'unparsed');
    assert.match(none.reason!, /no time stamp/);
  });

  test('through syslog (rsyslog imfile / omfwd): the header is stripped, logHost kept', () => {
    const [r] = nats(`Nov 29 15:55:29 gw ulogd[812]: ${NEW_TCP}`, BERLIN);
    assert.equal(r!.logHost, 'gw');
    assert.equal(r!.ts, 1795964129654021);
  });

  test('ICMP (no echo id in ulogd output), no translation, packet logs: skipped with reasons', () => {
    const icmp = NEW_TCP.replace('"orig.ip.protocol": 6, "orig.l4.sport": 40101, "orig.l4.dport": 443,', '"orig.ip.protocol": 1,')
      .replace('"reply.l4.sport": 443, "reply.l4.dport": 61681,', '"icmp.code": 0, "icmp.type": 8,');
    assert.match(one(icmp).reason!, /ICMP/);
    const mirror = NEW_TCP.replace('"reply.l4.dport": 61681', '"reply.l4.dport": 40101').replace('"reply.ip.daddr.str": "203.0.113.66"', '"reply.ip.daddr.str": "10.66.0.2"');
    assert.equal(one(mirror).status, 'skip');
    // Shape of the NFLOG → JSON stack in Debian's ulogd.conf (packet log: no ct.event).
    const pkt = '{"timestamp": "2026-11-29T15:55:29+0100", "dvc": "Netfilter", "raw.pktlen": 60, "raw.pktcount": 1, "oob.prefix": "drop ", "oob.time.sec": 1795964129, "src_ip": "10.66.0.2", "dest_ip": "198.51.100.66"}';
    assert.equal(one(pkt).status, 'skip');
  });
});

describe('ulogd2: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated JSON': NEW_TCP.slice(0, 200),
    'truncated inside a string': NEW_TCP.slice(0, NEW_TCP.indexOf('203.0.113.66"}') + 5),
    'nested JSON': '{"a": {"b": 1}, "ct.event": 1}',
    'a JSON array': '[1, 2, 3]',
    'no IP2STR in the stack': NEW_TCP.replace(/, "src_ip".*\}$/, '}'),
    'address not an address': NEW_TCP.replace('"src_ip": "10.66.0.2"', '"src_ip": "10.66.0.300"'),
    'port out of range': NEW_TCP.replace('"orig.l4.sport": 40101', '"orig.l4.sport": 70000'),
    'unknown event': NEW_TCP.replace('"ct.event": 1', '"ct.event": 8'),
    'bad usec': NEW_TCP.replace('"flow.start.usec": 654021', '"flow.start.usec": 6540210'),
    'a conntrack -E line': '[1795962131.655770]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443',
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

describe('ulogd2: the fast scan reads what the reference scan reads', () => {
  // Insertions and deletions of the characters that matter to the reader (and a few others), and flips.
  const { rnd, mangle, flip } = lineMangler(9, [' ', ',', ':', '{', '}', '[', ']', '"', '\\', '\t', '1', 'a', '\n', 'é', '\uD800', '\u0122', '\u0000'], '",} :\\', 3);
  const positions = () => [...VA, ...VB, ...KA.map((k, i) => (VA[i]! >= 0 ? k : -1))];
  const lines = testdataFiles(ulogd2).flatMap((p) => readTestdata(ulogd2, p).messages).filter((l) => l.includes('{'));
  const texts = [
    ...lines,
    ...lines.flatMap((l) => Array.from({ length: 60 }, () => mangle(l))),
    ...lines.flatMap((l) => Array.from({ length: 20 }, () => flip(flip(l)))),
    ...lines.flatMap((l) => Array.from({ length: l.length - l.indexOf('{') }, (_, i) => l.slice(0, l.indexOf('{') + 1 + i))), // every truncation
    ...lines.map((l) => l.replaceAll(': ', ' :\t ').replaceAll(', ', ' ,\n')), ...lines.map((l) => l.replaceAll(' ', '')),
    ...lines.map((l) => l.replaceAll('"', '\\"')), ...lines.map((l) => l.replace(/"([^"]*)": "/g, '"$1\\\\": "')), ...lines.map((l) => `${l} `),
    '{}', '{ }', '{"a": 1,}', '{,}', '{"a": "x\\"y", "ct.id": 7 }', '{"ct.id": 7 , "ct.id" : 8}', '{"ct.id": 1"2}', '{"a": }', '{"a": [1]}',
    '{"ct.id": 7', '{"ct.id"', '{"ct.id": "x', '{', '{"', '{"a":', '{"a": "\\\\"}', '{"a\\\\\\"": 1}', `{"x": "${'y'.repeat(5000)}", "ct.id": 7}`,
  ];
  test('same answer and field positions on testdata lines and mangled copies', () => {
    let read = 0;
    for (const l of texts) {
      const p = l.indexOf('{');
      const slow = scanSlowly(l, p);
      const want = positions();
      assert.equal(scan(l, p), slow, l);
      assert.deepEqual(positions(), want, l);
      if (slow) read++;
    }
    assert.ok(read > lines.length, `${read} objects read`);
  });
  test('the same outcome through parseMessage as with the reference scan, on the same lines', () => {
    const { ref, fast } = referenceOutcomes(useReferenceScan, texts, one);
    for (let i = 0; i < texts.length; i++) assert.deepEqual(fast[i], ref[i], texts[i]);
    assert.ok(fast.filter((o) => o.status === 'records').length >= lines.length / 2); // not a comparison of nothing
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsQueryRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { powerdnsRecursor as pdns } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 50) * 1000 });
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms) * 1000;

const { one, rec } = lineHelpers<DnsQueryRecord>(pdns, BERLIN);
function run(name: string) {
  const path = testdataFiles(pdns).find((p) => p.endsWith(`/${name}`))!;
  const f = readTestdata(pdns, path);
  const out = runFile(pdns, f);
  const c = { records: 0, skip: 0, unparsed: 0 };
  for (const o of out) c[o.status]++;
  const unparsed = out.flatMap((o, i) => (o.status === 'unparsed' ? [[o.reason, f.messages[i]!.slice(0, 60)]] : []));
  return { c, unparsed };
}

describe('powerdns-recursor: expected output of every testdata file', () => {
  for (const path of testdataFiles(pdns)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(pdns, readTestdata(pdns, path)));
  }
});

describe('powerdns-recursor: every testdata line is accounted for', () => {
  test('corpus.log: the Question line is a record, the Answer line skipped', () => {
    assert.deepEqual(run('corpus.log').c, { records: 1, skip: 1, unparsed: 0 });
  });
  test('stderr-classic.log: 6 questions, 6 answers skipped', () => {
    assert.deepEqual(run('stderr-classic.log').c, { records: 6, skip: 6, unparsed: 0 });
  });
  test('stderr-structured.log: 5 questions; the 3 banner lines (no msg=, no program name) unparsed on purpose', () => {
    const r = run('stderr-structured.log');
    assert.deepEqual(r.c, { records: 5, skip: 24, unparsed: 3 });
    assert.deepEqual(r.unparsed.map(([why]) => why), Array(3).fill('not a PowerDNS Recursor log line'));
    assert.match(r.unparsed[0]![1]!, /PowerDNS Recursor 4\.8\.8 \(C\)/);
  });
  test('syslog.log: questions and structured cache hits are records; 2 lines with an empty syslog tag unparsed on purpose', () => {
    const r = run('syslog.log');
    assert.deepEqual(r.c, { records: 10, skip: 62, unparsed: 2 });
    // "<28>Nov 29 15:49:16 [15276]: Asked to run with …": logged before the recursor set its syslog ident,
    // so nothing in the line says which program wrote it.
    for (const [why, line] of r.unparsed) {
      assert.equal(why, 'not a PowerDNS Recursor log line');
      assert.match(line!, /\[\d+\]: Asked to run/);
    }
  });
});

describe('powerdns-recursor: structured logging', () => {
  test('msg="Question": time from ts="…" (epoch), client and port from remote, every field', () => {
    const line = '<30>Nov 29 15:49:15 pdns_recursor[15188]: msg="Question" subsystem="syncres" level="0" prio="Info" tid="2" ts="1795963755.274" ecs="" mtid="1" proto="udp" qname="PC-1.Example.LAN" qtype="AAAA" remote="[::1]:55496"';
    const r = rec(line);
    assert.equal(r.kind, 'dnsquery');
    assert.equal(r.ts, at(2026, 11, 29, 14, 49, 15, 274));
    assert.equal(r.rawStamp, '1795963755.274');
    assert.equal(r.flags, undefined); // the epoch needs no zone and no year
    assert.equal(r.client, '::1');
    assert.equal(r.clientPort, 55496);
    assert.equal(r.qname, 'pc-1.example.lan');
    assert.equal(r.qtype, 'AAAA');
    assert.equal(r.resolver, undefined);
  });

  test('a packet-cache hit is a lookup (no separate Question line is written for it)', () => {
    const r = rec('<29>Nov 29 15:49:18 pdns_recursor[15188]: msg="TCP question answered from packet cache" subsystem="in" level="0" prio="Notice" tid="1" ts="1795963758.614" proto="tcp" qname="www.example.lan" qtype="MX" remote="127.0.0.1:38613" source="127.0.0.1:38613" tag="0"');
    assert.deepEqual([r.client, r.clientPort, r.qname, r.qtype], ['127.0.0.1', 38613, 'www.example.lan', 'MX']);
  });

  test('Recursor 5.1 via syslog (corpus) and escaped quotes in values', () => {
    const r = rec('Dec  7 17:25:04 <VM-HOSTNAME> pdns_recursor[1506403]: msg="Question" subsystem="syncres" level="0" prio="Info" tid="2" ts="1733579704.098" ecs="" mtid="2" proto="udp" qname="google.com" qtype="A" remote="192.168.0.1:51800"');
    assert.equal(r.ts, at(2024, 12, 7, 13, 55, 4, 98));
    assert.deepEqual([r.client, r.clientPort], ['192.168.0.1', 51800]);
    assert.equal(rec('msg="Question" ts="1795963755.274" qname="a\\"b.example" qtype="A" remote="10.1.2.3:5"').qname, 'a"b.example');
  });

  test('Answer and status lines are skipped', () => {
    assert.equal(one('Jul 09 08:06:11 msg="Answer" subsystem="syncres" level="0" prio="Info" tid="1" ts="1720505171.667" qname="example.com" qtype="A" rcode="0" remote="127.0.0.1:58786"').status, 'skip');
    assert.equal(one('<30>Nov 29 15:49:13 pdns_recursor[15188]: msg="Listening for queries" subsystem="config" level="0" prio="Info" tid="0" ts="1795963753.672" address="127.0.0.1:5303" proto="UDP"').status, 'skip');
  });
});

describe('powerdns-recursor: classic logging', () => {
  test('question line with --log-timestamp on stderr: local Berlin time', () => {
    const r = rec("Nov 29 15:49:03 1 [1/1] TCP question for 'www.example.lan|A' from 127.0.0.1:41801");
    assert.equal(r.ts, at(2026, 11, 29, 14, 49, 3));
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.deepEqual([r.client, r.clientPort, r.qname, r.qtype], ['127.0.0.1', 41801, 'www.example.lan', 'A']);
  });

  test('through syslog, IPv6 client, unnamed type', () => {
    const r = rec("<28>Nov 29 15:49:26 pdns_recursor[15478]: 2 [1/1] question for 'pc-1.example.lan|AAAA' from [::1]:56892");
    assert.deepEqual([r.client, r.clientPort], ['::1', 56892]);
    assert.equal(rec("Nov 29 15:49:04 2 [3/1] question for 'www.example.lan|TYPE65280' from 127.0.0.1:58568").qtype, 'TYPE65280');
  });

  test('older form without [mtid/n] and without a port', () => {
    const r = rec("Nov 29 14:20:01 ns1 pdns_recursor[12]: 1 question for 'www.example.com|A' from 10.1.2.3");
    assert.deepEqual([r.client, r.clientPort, r.logHost], ['10.1.2.3', undefined, 'ns1']);
  });

  test('answers and cache hits without a name are skipped', () => {
    assert.equal(one("<27>Nov 29 15:49:26 pdns_recursor[15478]: 3 [1/1] answer to question 'www.example.lan|A': 1 answers, 1 additional, took 0 packets, 0 netw ms, 0 tot ms, 0 throttled, 0 timeouts, 0/0 tcp/dot connections, rcode=0").status, 'skip');
    const o = one('<29>Nov 29 15:49:26 pdns_recursor[15478]: 3 question answered from packet cache tag=0 from 127.0.0.1:55317');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /structured/);
  });
});

describe('powerdns-recursor: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'a question without a stamp': "2 [1/1] question for 'www.example.lan|A' from 127.0.0.1:39066",
    'truncated question': "Nov 29 15:49:03 2 [1/1] question for 'www.example.l",
    'structured question without remote': 'msg="Question" ts="1795963755.274" qname="a.example" qtype="A"',
    'unterminated value': 'msg="Question" ts="1795963755.274" qname="a.example',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

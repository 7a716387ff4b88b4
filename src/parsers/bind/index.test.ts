import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsQueryRecord } from '../../records/record.ts';
import { type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { bind } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 50) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 14, 50) * 1000 });
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms) * 1000;

const { one, rec } = lineHelpers<DnsQueryRecord>(bind, UTC);
function file(name: string) {
  const path = testdataFiles(bind).find((p) => p.endsWith(`/${name}`));
  assert.ok(path, name);
  const f = readTestdata(bind, path);
  return { f, out: runFile(bind, f) };
}
function counts(out: Outcome[]) {
  const c = { records: 0, skip: 0, unparsed: 0 };
  for (const o of out) c[o.status]++;
  return c;
}

describe('bind: expected output of every testdata file', () => {
  for (const path of testdataFiles(bind)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(bind, readTestdata(bind, path)));
  }
});

describe('bind: every corpus line is accounted for', () => {
  test('corpus.log: 6 queries, 17 skipped (denied, transfer, status), 3 unparsed on purpose', () => {
    const { f, out } = file('corpus.log');
    assert.deepEqual(counts(out), { records: 6, skip: 17, unparsed: 3 });
    // The only unparsed lines are syslog-ng patterndb message bodies: a query without any time stamp
    // cannot be placed in time (the real lines carry a syslog or print-time stamp).
    const unparsed = out.map((o, i) => [o, f.messages[i]!] as const).filter(([o]) => o.status === 'unparsed');
    assert.deepEqual(unparsed.map(([o, m]) => [o.reason, m]), [
      ['no time stamp', 'client 213.46.246.51#1890: query: tumtali.fegade.com IN A - (103.5.198.211)'],
      ['no time stamp', 'queries: client 192.168.102.189#58454: query: maps.googleapis.com IN A + (192.168.102.2)'],
      ['no time stamp', 'queries: info: client 127.0.0.1#1024: view loopback: query: 1.0.0.127.in-addr.arpa IN PTR +'],
    ]);
    const skips = new Set(out.filter((o) => o.status === 'skip').map((o) => o.reason));
    assert.equal(skips.size, 3, [...skips].join(' | '));
  });

  test('generated files: every query line gives a record, nothing unparsed', () => {
    for (const [name, want] of [
      ['file-print-time.log', { records: 18, skip: 19, unparsed: 0 }],
      ['file-plain.log', { records: 13, skip: 0, unparsed: 0 }],
      ['file-iso8601.log', { records: 26, skip: 0, unparsed: 0 }],
      ['syslog.log', { records: 26, skip: 26, unparsed: 0 }],
    ] as const) {
      const { f, out } = file(name);
      assert.deepEqual(counts(out), want, name);
      f.messages.forEach((m, i) => {
        if (m.includes(': query: ')) assert.equal(out[i]!.status, 'records', m);
      });
    }
  });
});

describe('bind: query lines', () => {
  test('9.18 file channel with print-time/category/severity: local Berlin time, every field', () => {
    const line = '29-Nov-2026 15:47:31.710 queries: info: client @0x7f9007e97098 127.0.0.1#33224 (PC-1.Example.LAN): view internal: query: PC-1.Example.LAN IN AAAA +E(0)K (127.0.0.1)';
    const r = rec(line, BERLIN);
    assert.equal(r.kind, 'dnsquery');
    assert.equal(r.ts, at(2026, 11, 29, 14, 47, 31, 710)); // CET = UTC+1
    assert.equal(r.rawStamp, '29-Nov-2026 15:47:31.710');
    assert.equal(r.flags, undefined);
    assert.equal(r.client, '127.0.0.1');
    assert.equal(r.clientPort, 33224);
    assert.equal(r.qname, 'pc-1.example.lan'); // lower-cased
    assert.equal(r.qtype, 'AAAA');
    assert.equal(r.resolver, '127.0.0.1');
    assert.equal(r.raw, line);
  });

  test('IPv6 client and resolver, ECS suffix, unnamed type', () => {
    const r = rec('29-Nov-2026 15:47:31.982 client @0x7f9003745898 ::1#40948 (www.example.lan): view external: query: www.example.lan IN A +E(0)K (::1)', BERLIN);
    assert.deepEqual([r.client, r.clientPort, r.resolver], ['::1', 40948, '::1']);
    const ecs = rec('29-Nov-2026 15:47:32.166 client @0x7f9007e97098 127.0.0.1#34886 (www.example.lan): view internal: query: www.example.lan IN A +E(0)K (127.0.0.1) [ECS 10.77.0.0/24/0]', BERLIN);
    assert.equal(ecs.resolver, '127.0.0.1');
    assert.equal(rec('29-Nov-2026 15:47:31.934 client 127.0.0.1#51584 (www.example.lan): query: www.example.lan IN TYPE65280 +E(0)K (127.0.0.1)').qtype, 'TYPE65280');
  });

  test('older forms: no @0x, no (name), a view, no destination', () => {
    const a = rec('Apr 14 09:30:45 station7 named[5893]: client 127.0.0.1#54819: query: daisy.ubuntu.com IN AAAA + (127.0.0.1)');
    assert.deepEqual([a.client, a.qname, a.qtype, a.resolver, a.logHost], ['127.0.0.1', 'daisy.ubuntu.com', 'AAAA', '127.0.0.1', 'station7']);
    const b = rec('Nov 29 14:20:01 ns1 named[12]: client 10.1.2.3#53111: view internal: query: WWW.Example.COM. IN A +');
    assert.deepEqual([b.client, b.clientPort, b.qname, b.qtype, b.resolver], ['10.1.2.3', 53111, 'www.example.com', 'A', undefined]);
  });

  test('root query keeps "."; iso8601 (local) and iso8601-utc stamps', () => {
    assert.equal(rec('29-Nov-2026 15:46:55.938 queries: info: client @0x7fc996073098 127.0.0.1#57374 (.): view internal: query: . IN NS +E(0) (127.0.0.1)', BERLIN).qname, '.');
    const loc = rec('2026-11-29T15:47:31.666 queries: info: client @0x7f9003742098 127.0.0.1#43101 (www.example.lan): view internal: query: www.example.lan IN A +E(0)K (127.0.0.1)', BERLIN);
    const utc = rec('2026-11-29T14:47:31.666Z queries: info: client @0x7f9003742098 127.0.0.1#43101 (www.example.lan): view internal: query: www.example.lan IN A +E(0)K (127.0.0.1)', BERLIN);
    assert.equal(loc.ts, at(2026, 11, 29, 14, 47, 31, 666));
    assert.equal(utc.ts, loc.ts);
  });

  test('syslog channel, with and without print-category', () => {
    const a = rec('<134>Nov 29 15:47:31 named[13458]: client @0x7f9003742098 127.0.0.1#43101 (www.example.lan): view internal: query: www.example.lan IN A +E(0)K (127.0.0.1)', BERLIN);
    const b = rec('<30>Nov 29 15:47:31 named[13458]: queries: info: client @0x7f9003742098 127.0.0.1#43101 (www.example.lan): view internal: query: www.example.lan IN A +E(0)K (127.0.0.1)', BERLIN);
    assert.equal(a.ts, at(2026, 11, 29, 14, 47, 31));
    assert.deepEqual(a.flags, { yearInferred: true });
    assert.deepEqual([b.client, b.clientPort, b.qname], [a.client, a.clientPort, a.qname]);
  });

  test('CHAOS-class queries are skipped', () => {
    assert.equal(one('29-Nov-2026 15:47:31.666 client @0x1 127.0.0.1#1 (version.bind): query: version.bind CH TXT + (127.0.0.1)').status, 'skip');
  });
});

describe('bind: denied and other lines are skipped with a reason', () => {
  test('query (cache) denied / query denied / zone transfer denied', () => {
    for (const l of [
      '29-Nov-2026 15:47:32.026 security: info: client @0x7f9003745898 ::1#32932 (www.example.com): view external: query (cache) \'www.example.com/A/IN\' denied (allow-query-cache did not match)',
      '29-Nov-2026 15:47:32.118 security: info: client @0x7f9007e97098 127.0.0.1#32885 (www.secret.lan): view internal: query \'www.secret.lan/A/IN\' denied',
      '<27>Nov 29 15:47:32 named[13458]: security: error: client @0x7f9007e9a898 127.0.0.1#35581 (example.lan): view internal: zone transfer \'example.lan/AXFR/IN\' denied',
      'Aug 29 15:33:13 ns3 named[464]: client 217.148.39.4#32769: query (cache) denied ',
    ]) {
      const o = one(l);
      assert.equal(o.status, 'skip', l);
      assert.match(o.reason!, /denied|ACL/);
    }
  });

  test('status and other categories', () => {
    for (const l of [
      '29-Nov-2026 15:46:55.942 lame-servers: info: connection refused resolving \'./NS/IN\': 127.0.0.9#53',
      '29-Nov-2026 15:47:32.026 query-errors: info: client @0x7f9003745898 ::1#32932 (www.example.com): view external: query failed (REFUSED) for www.example.com/IN/A at query.c:5708',
      '<30>Nov 29 15:47:28 named[13458]: automatic empty zone: view internal: 10.IN-ADDR.ARPA',
      'resolver: clients-per-query decreased to 10',
    ]) assert.equal(one(l).status, 'skip', l);
  });
});

describe('bind: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside the address': '29-Nov-2026 15:47:31.666 client @0x7f9003742098 127.0.0.',
    'truncated inside the query': '29-Nov-2026 15:47:31.666 client 127.0.0.1#43101 (www.example.lan): query: www.exam',
    'a query line without a stamp': 'client 10.1.2.3#53111: query: www.example.com IN A +',
    'client address not an IP': '29-Nov-2026 15:47:31.666 client host.example#53: query: a IN A +',
    'a dnsmasq line': 'Nov 29 14:14:39 dnsmasq[5076]: query[A] pc-1.lan from 127.0.0.1',
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

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsQueryRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { unbound } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 50) * 1000 });
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms) * 1000;

const { one, rec } = lineHelpers<DnsQueryRecord>(unbound, BERLIN);
function counts(name: string) {
  const path = testdataFiles(unbound).find((p) => p.endsWith(`/${name}`))!;
  const f = readTestdata(unbound, path);
  const out = runFile(unbound, f);
  const c = { records: 0, skip: 0, unparsed: 0 };
  for (const o of out) c[o.status]++;
  return { c, f, out };
}

describe('unbound: expected output of every testdata file', () => {
  for (const path of testdataFiles(unbound)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(unbound, readTestdata(unbound, path)));
  }
});

describe('unbound: every testdata line is accounted for', () => {
  test('corpus.log: 7 queries, the statistics line skipped, nothing unparsed', () => {
    assert.deepEqual(counts('corpus.log').c, { records: 7, skip: 1, unparsed: 0 });
  });
  test('generated files: each query and each reply line is a record; local-action and status lines skipped', () => {
    assert.deepEqual(counts('own-file-epoch.log').c, { records: 23, skip: 23, unparsed: 0 });
    assert.deepEqual(counts('own-file-ascii.log').c, { records: 4, skip: 7, unparsed: 0 });
    assert.deepEqual(counts('syslog.log').c, { records: 4, skip: 7, unparsed: 0 });
    const { f, out } = counts('own-file-epoch.log');
    const skips = new Set(out.filter((o) => o.status === 'skip').map((o) => o.reason));
    assert.equal(skips.size, 2, [...skips].join(' | '));
    f.messages.forEach((m, i) => {
      if (/ info: (127\.0\.0\.1|::1) \S+\. \S+ IN/.test(m)) assert.equal(out[i]!.status, 'records', m);
    });
  });
});

describe('unbound: queries and replies', () => {
  test('own log file: epoch stamp, every field', () => {
    const line = '[1795963687] unbound[14128:0] info: 127.0.0.1 PC-1.Example.LAN. AAAA IN';
    const r = rec(line);
    assert.equal(r.kind, 'dnsquery');
    assert.equal(r.ts, at(2026, 11, 29, 14, 48, 7)); // 1795963687 s
    assert.equal(r.rawStamp, '[1795963687]');
    assert.equal(r.flags, undefined);
    assert.equal(r.client, '127.0.0.1');
    assert.equal(r.clientPort, undefined); // unbound does not log it
    assert.equal(r.qname, 'pc-1.example.lan');
    assert.equal(r.qtype, 'AAAA');
    assert.equal(r.resolver, undefined);
    assert.equal(r.raw, line);
  });

  test('a log-replies line is a lookup too (same client, name, type)', () => {
    const q = rec('[1795963688] unbound[14128:0] info: 127.0.0.1 x.blocked.lan. A IN');
    const r = rec('[1795963688] unbound[14128:0] info: 127.0.0.1 x.blocked.lan. A IN REFUSED 0.000000 1 42');
    assert.deepEqual([r.client, r.qname, r.qtype, r.ts], [q.client, q.qname, q.qtype, q.ts]);
  });

  test('log-tag-queryreply and log-time-ascii: local Berlin time, year inferred', () => {
    const r = rec('Nov 29 15:48:21 unbound[14277:0] reply: ::1 pc-1.example.lan. AAAA IN NOERROR 0.000000 1 73');
    assert.equal(r.ts, at(2026, 11, 29, 14, 48, 21));
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.deepEqual([r.client, r.qname, r.qtype], ['::1', 'pc-1.example.lan', 'AAAA']);
  });

  test('syslog forms (pfSense, rsyslog with RFC 3339 stamp)', () => {
    const a = rec('<30>Aug 15 16:19:02 unbound[26931]: [26931:0] info: 192.168.1.1 api.opensubtitles.org. A IN');
    assert.deepEqual([a.client, a.qname, a.qtype], ['192.168.1.1', 'api.opensubtitles.org', 'A']);
    const b = rec('2014-07-14T14:00:02.814490-04:00 arrakis unbound: [2541:0] info: 127.0.0.1 talkgadget.google.com. A IN');
    assert.equal(b.ts, at(2014, 7, 14, 18, 0, 2, 814) + 490);
    assert.equal(b.logHost, 'arrakis');
  });

  test('a client written as addr@port and a log-destaddr address are used when present', () => {
    const r = rec('[1795963688] unbound[1:0] reply: 10.1.2.3@53111 www.example.com. A IN NOERROR 0.000012 0 61 10.0.0.53@53 udp');
    assert.deepEqual([r.client, r.clientPort, r.resolver], ['10.1.2.3', 53111, '10.0.0.53']);
  });
});

describe('unbound: other lines are skipped with a reason', () => {
  for (const l of [
    '[1795963687] unbound[14128:0] info: example.lan. static 127.0.0.1@54158 www.example.lan. A IN',
    '[1795963799] unbound[15862:0] error: SERVFAIL <www.example.com. A IN>: all the configured stub or forward servers failed, at zone example.com. upstream server timeout',
    '[1795963807] unbound[15862:0] info: server stats for thread 0: 4 queries, 3 answers from cache, 1 recursions, 0 prefetch, 0 rejected by ip ratelimiting',
    '[1795963685] unbound[14128:0] notice: init module 0: iterator',
    '[1795963685] unbound[14128:0] info: 10.1.2.3 - - - FORMERR - - - ',
    '[1795963685] unbound[14128:0] info: 127.0.0.1 version.bind. TXT CH',
  ]) test(l.slice(0, 70), () => assert.equal(one(l).status, 'skip'));
});

describe('unbound: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'a query line without a stamp': 'info: 10.1.2.3 www.example.com. A IN',
    'truncated reply': '[1795963688] unbound[1:0] info: 127.0.0.1 x.blocked.lan. A IN REFUSED 0.0',
    'a BIND line': '29-Nov-2026 15:47:31.666 client 127.0.0.1#43101: query: www.example.lan IN A +',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { squid } from './index.ts';

const CTX = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const one = (line: string): Outcome => parseMessage(squid, line, CTX);
const file = (name: string) => readTestdata(squid, `${testdataDir(squid)}/${name}`);

describe('squid: expected output of every testdata file', () => {
  for (const path of testdataFiles(squid)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(squid, readTestdata(squid, path)));
  }
});

describe('squid: real lines (Debian squid 5.7 with basic auth)', () => {
  const lab = file('lab-squid57.log').messages;
  test('every lab line: 5 records, 3 skips (no user twice, one wrong password), nothing unparsed', () => {
    const outs = runFile(squid, file('lab-squid57.log'));
    assert.deepEqual(outs.map((o) => o.status), ['records', 'records', 'skip', 'skip', 'skip', 'records', 'records', 'records']);
    assert.deepEqual(outs.filter((o) => o.status === 'skip').map((o) => o.reason),
      ['no authenticated user', 'proxy authentication required or failed (user not verified)', 'no authenticated user']);
  });
  test('an authenticated GET → session auth: user, client ip, epoch time (ms), how squid', () => {
    const o = one(lab[0]!);
    assert.equal(o.status, 'records');
    const r = o.records[0] as SessionRecord;
    assert.deepEqual([r.kind, r.event, r.how, r.user, r.ip], ['session', 'auth', 'squid', 'anna', '10.89.0.11']);
    assert.equal(r.ts, 1795964462_750000);
    assert.equal(r.rawStamp, '1795964462.750');
    assert.equal(r.flags, undefined);
    assert.equal(r.host, undefined);
  });
  test('a wrong password: Squid logs the name tried with TCP_DENIED/407, which binds nothing', () => {
    const line = lab.find((l) => l.includes('TCP_DENIED/407') && l.includes(' anna '))!;
    assert.equal(one(line).status, 'skip');
  });
  test('a 403 for an authenticated user is still that user at that address (auth succeeded, access denied)', () => {
    const r = one('1795964462.750      0 10.89.0.11 TCP_DENIED/403 3514 GET http://blocked.example/ anna HIER_NONE/- text/html').records[0] as SessionRecord;
    assert.equal(r.user, 'anna');
  });
});

describe('squid: other forms', () => {
  test('corpus: public-user recorded, "-" and 407 skipped, the masked doc line unparsed', () => {
    const outs = runFile(squid, file('corpus.log'));
    assert.deepEqual(outs.map((o) => o.status), ['skip', 'records', 'skip', 'skip', 'skip', 'skip', 'skip', 'unparsed']);
    assert.equal((outs[1]!.records[0] as SessionRecord).user, 'public-user');
    assert.equal((outs[1]!.records[0] as SessionRecord).ip, '120.65.1.1');
  });
  test('through syslog (access_log syslog:…): the header is stripped, the epoch stamp used', () => {
    const o = one('Nov 29 16:01:02 proxy squid[812]: 1795964462.750    272 10.89.0.11 TCP_MISS/200 297 GET http://x/ anna HIER_DIRECT/10.89.0.1 text/html');
    const r = o.records[0] as SessionRecord;
    assert.equal(r.ts, 1795964462_750000);
    assert.equal(r.logHost, 'proxy');
  });
  test('URL-escaped user names are decoded; IPv6 clients canonical', () => {
    const r = one('1795964462.750 5 2001:DB8::0:7 TCP_MISS/200 297 GET http://x/ anna%40corp.example HIER_DIRECT/10.89.0.1 text/html').records[0] as SessionRecord;
    assert.deepEqual([r.user, r.ip], ['anna@corp.example', '2001:db8::7']);
  });
});

describe('squid: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated line': '1795964462.750    272 10.89.0.11 TCP_MISS/200 297 GET http://x/',
    'hostname as client (log_fqdn on)': '1795964462.750 272 pc7.lan TCP_MISS/200 297 GET http://x/ anna HIER_DIRECT/10.89.0.1 text/html',
    'common log format': '10.89.0.11 - anna [29/Nov/2026:16:01:02 +0100] "GET http://x/ HTTP/1.1" 200 297 "-" "curl/7.88.1" TCP_MISS:HIER_DIRECT',
    'broken escaping in the user': '1795964462.750 5 10.0.0.1 TCP_MISS/200 297 GET http://x/ anna%zz HIER_DIRECT/10.89.0.1 text/html',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

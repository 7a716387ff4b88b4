import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord, SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { accelPpp } from './index.ts';

const MOSCOW = contextFor({ zone: 'Europe/Moscow', reference: Date.UTC(2026, 6, 11) * 1000 });
const one = (line: string, ctx = MOSCOW): Outcome => parseMessage(accelPpp, line, ctx);
const file = (name: string) => readTestdata(accelPpp, `${testdataDir(accelPpp)}/${name}`);

describe('accel-ppp: expected output of every testdata file', () => {
  for (const path of testdataFiles(accelPpp)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(accelPpp, readTestdata(accelPpp, path)));
  }
});

describe('accel-ppp: RADIUS accounting lines (corpus, [radius] verbose=1)', () => {
  const lines = file('corpus.log').messages;
  test('every corpus line: Start and Stop are records, the Accounting-Response is skipped', () => {
    assert.deepEqual(runFile(accelPpp, file('corpus.log')).map((o) => o.status), ['records', 'skip', 'records']);
  });
  test('Start → session start (user, Calling-Station-Id MAC, Framed-IP, session id, NAS) + lease; local time in the configured zone', () => {
    const o = one(lines[0]!);
    assert.equal(o.status, 'records');
    const [s, l] = o.records as [SessionRecord, LeaseRecord];
    assert.deepEqual([s.kind, s.event, s.how, s.user, s.mac, s.ip, s.sessionId, s.nas],
      ['session', 'start', 'radius', 'user1', 'd4:01:c3:1c:3b:ec', '10.99.0.2', '4d469f0130004acd', 'accel-ppp']);
    assert.equal(s.rawStamp, '2026-07-10 20:44:36');
    assert.equal(s.ts, Date.UTC(2026, 6, 10, 17, 44, 36) * 1000); // 20:44:36 MSK (+03:00)
    assert.deepEqual([l.kind, l.ip, l.mac, l.how, l.via, l.end], ['lease', '10.99.0.2', 'd4:01:c3:1c:3b:ec', 'radius', 'accel-ppp', undefined]);
  });
  test('Stop → session stop with Acct-Session-Time; the lease ends with it', () => {
    const [s, l] = one(lines[2]!).records as [SessionRecord, LeaseRecord];
    assert.deepEqual([s.event, s.durationS, s.sessionId], ['stop', 47, '4d469f0130004acd']);
    assert.equal(l.end, s.ts);
  });
});

describe('accel-ppp: other lines (issue threads)', () => {
  test('issues.log: 2 records (authentication succeeded, file and syslog forms), everything else skipped', () => {
    const outs = runFile(accelPpp, file('issues.log'));
    assert.equal(outs.filter((o) => o.status === 'unparsed').length, 0);
    const recs = outs.flatMap((o) => o.records) as SessionRecord[];
    assert.deepEqual(recs.map((r) => [r.event, r.user, r.nas]), [['auth', 'bsr-elis@cubiespot.com', 'ppp79'], ['auth', 'test', 'ppp0']]);
  });
  test('syslog "ifname:user: disconnected" → stop for that user; file-form "disconnected" names no user → skip', () => {
    const r = one('Oct 23 01:25:02 bras accel-pppd: ppp0:test: disconnected').records[0] as SessionRecord;
    assert.deepEqual([r.event, r.user, r.nas, r.how], ['stop', 'test', 'ppp0', 'accel-ppp']);
    assert.equal(one('[2022-10-06 16:51:26]:  info: ppp79: disconnected').reason, 'session line without a user name (file log form: see the RADIUS accounting lines)');
  });
  test('connect lines, Access-Request, Accounting-On and IPoE sessions named after their interface are skipped', () => {
    assert.equal(one('[2026-07-10 20:44:35]:  info: ppp1: connect: ppp1 <--> pppoe(d4:01:c3:1c:3b:ec)').reason, 'connect: the client before authentication, no user yet');
    assert.equal(one('[2026-07-10 20:44:35]:  info: send [RADIUS(1) Accounting-Request id=9 <NAS-Identifier "accel-ppp"> <Acct-Status-Type Accounting-On>]').reason,
      'accounting of the NAS itself (Accounting-On/Off), no session');
    assert.equal(one('Feb 27 14:29:27 vyos accel-ipoe[2262]: eth1.100:0c:98:bd:b8:00:01: ipoe: session started').status, 'skip');
  });
  test('an IPoE session with a real user name → start', () => {
    const r = one('Feb 27 14:29:27 vyos accel-ipoe[2262]: ipoe0:anna: ipoe: session started').records[0] as SessionRecord;
    assert.deepEqual([r.event, r.user, r.nas], ['start', 'anna', 'ipoe0']);
  });
  test('log_file color=1 escape codes are stripped', () => {
    const r = one('\u001b[1;32m[2022-10-06 16:51:26]:  info: ppp79: \u001b[0;39mbsr-elis: authentication succeeded').records[0] as SessionRecord;
    assert.equal(r.user, 'bsr-elis');
  });
});

describe('accel-ppp: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated RADIUS attributes': '[2026-07-10 20:44:36]:  info: ppp1: send [RADIUS(1) Accounting-Request id=1 <User-Name "user1"> <Acct-Status-Type Sta',
    'Accounting-Request without status': '[2026-07-10 20:44:36]:  info: ppp1: send [RADIUS(1) Accounting-Request id=1 <User-Name "user1">]',
    'impossible date': '[2026-13-40 20:44:36]:  info: ppp1: user1: authentication succeeded',
    'pppd, not accel-ppp': 'Jun  1 10:51:02 2020 daemon.notice pppd[5863]: PAP authentication succeeded',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

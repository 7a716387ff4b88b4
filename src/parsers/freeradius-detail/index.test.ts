import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord, SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, testdataDir, testdataFiles } from '../testing.ts';
import { freeradiusDetail } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(block: string, ctx = BERLIN): Outcome {
  return parseMessage(freeradiusDetail, block, ctx);
}
const lab = readTestdata(freeradiusDetail, `${testdataDir(freeradiusDetail)}/lab-accounting.detail`).messages;
const find = (needle: string) => lab.find((b) => b.includes(needle))!;

describe('freeradius-detail: expected output of every testdata file', () => {
  for (const path of testdataFiles(freeradiusDetail)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(freeradiusDetail, readTestdata(freeradiusDetail, path)));
  }
});

describe('freeradius-detail: accounting', () => {
  test('Wi-Fi Start: session + lease, MAC normalised from dashes, time from Timestamp', () => {
    const block = find('Acct-Status-Type = Start\n\tUser-Name = "anna"');
    const o = one(block);
    assert.equal(o.status, 'records');
    const [s, l] = o.records as [SessionRecord, LeaseRecord];
    assert.equal(s.kind, 'session');
    assert.equal(s.event, 'start');
    assert.equal(s.user, 'anna');
    assert.equal(s.mac, '02:77:00:00:00:02'); // "02-77-00-00-00-02"
    assert.equal(s.ip, '10.77.0.179');
    assert.equal(s.nas, '10.77.0.2');
    assert.equal(s.sessionId, '5F3A00000001');
    assert.equal(s.how, 'radius');
    assert.equal(s.ts, 1795961845 * 1e6);
    assert.equal(s.ts, at(2026, 10, 29, 14, 17, 25)); // agrees with the header "Sun Nov 29 15:17:25 2026" in Berlin
    assert.equal(s.rawStamp, '1795961845');
    assert.equal(s.raw, block);
    assert.deepEqual([l.kind, l.ip, l.mac, l.how, l.via, l.end], ['lease', '10.77.0.179', '02:77:00:00:00:02', 'radius', '10.77.0.2', undefined]);
  });

  test('Stop: duration, and the lease ends with the session', () => {
    const [s, l] = one(find('Acct-Terminate-Cause = Lost-Carrier')).records as [SessionRecord, LeaseRecord];
    assert.equal(s.event, 'stop');
    assert.equal(s.durationS, 4);
    assert.equal(l.end, s.ts);
  });

  test('Interim-Update → interim', () => {
    assert.equal((one(find('Interim-Update')).records[0] as SessionRecord).event, 'interim');
  });

  test('VPN: Calling-Station-Id is an IP, not a MAC → session only, no lease', () => {
    const o = one(find('Acct-Status-Type = Start\n\tUser-Name = "bob@example.org"'));
    assert.equal(o.records.length, 1);
    const s = o.records[0] as SessionRecord;
    assert.equal(s.mac, undefined);
    assert.equal(s.ip, '10.99.0.2');
  });

  test('wired machine authentication: bare MAC accepted, host named', () => {
    const s = one(find('host/pc-7')).records[0] as SessionRecord;
    assert.equal(s.mac, '02:77:00:00:ab:cd');
    assert.equal(s.host, 'pc-7.example.org');
    assert.equal(s.user, 'host/pc-7.example.org');
  });

  test('Accounting-On / Accounting-Off and Access-Request are skipped', () => {
    assert.equal(one(find('Accounting-On')).status, 'skip');
    assert.equal(one(find('Accounting-Off')).status, 'skip');
    const auth = 'Sun Nov 29 15:17:33 2026\n\tUser-Name = "anna"\n\tUser-Password = "anna-secret"\n\tNAS-IP-Address = 10.77.0.2';
    const o = one(auth);
    assert.equal(o.status, 'skip');
    assert.equal(o.records.length, 0); // the password stays in the raw archive only
  });

  test('a 12-digit phone number is not taken for a MAC; a dial-up number of 10 digits neither', () => {
    const b = (csid: string) => `Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "x"\n\tCalling-Station-Id = "${csid}"\n\tTimestamp = 1795961845`;
    assert.equal((one(b('491701234567')).records[0] as SessionRecord).mac, undefined);
    assert.equal((one(b('0123456789')).records[0] as SessionRecord).mac, undefined);
    assert.equal((one(b('AABB.CCDD.EEFF')).records[0] as SessionRecord).mac, 'aa:bb:cc:dd:ee:ff');
  });

  test('quoted values are unescaped (\\" and octal UTF-8 bytes)', () => {
    const block = 'Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "J\\303\\274rgen \\"JJ\\""\n\tTimestamp = 1795961845';
    assert.equal((one(block).records[0] as SessionRecord).user, 'Jürgen "JJ"');
  });
});

describe('freeradius-detail: time', () => {
  test('no Timestamp: the header date is local time in the configured zone', () => {
    const block = 'Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "anna"';
    const s = one(block).records[0] as SessionRecord;
    assert.equal(s.ts, at(2026, 10, 29, 14, 17, 25));
    assert.equal(s.rawStamp, 'Sun Nov 29 15:17:25 2026');
    assert.equal(s.flags, undefined);
  });

  test('header date in the fall-back hour: ambiguous with both readings', () => {
    const s = one('Sun Oct 25 02:30:00 2026\n\tAcct-Status-Type = Stop\n\tUser-Name = "anna"').records[0] as SessionRecord;
    assert.equal(s.flags?.ambiguous, true);
    assert.equal(s.ts, at(2026, 9, 25, 0, 30, 0));
    assert.equal(s.tsAlt, at(2026, 9, 25, 1, 30, 0));
  });

  test('no zone configured: the header date is read as UTC and flagged', () => {
    const ctx = contextFor({ reference: Date.UTC(2026, 10, 29) * 1000 });
    const s = one('Tue Sep  3 16:24:27 2024\n\tAcct-Status-Type = Start\n\tUser-Name = "bob"', ctx).records[0] as SessionRecord;
    assert.equal(s.ts, at(2024, 8, 3, 16, 24, 27)); // day space-padded as ctime writes it
    assert.deepEqual(s.flags, { zoneAssumed: true });
  });

  test('Event-Timestamp when there is no Timestamp: epoch, or a UTC date', () => {
    const e = one('Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "a"\n\tEvent-Timestamp = 1795961800').records[0]!;
    assert.equal(e.ts, 1795961800 * 1e6);
    const u = one('Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "a"\n\tEvent-Timestamp = "Nov 29 2026 14:16:40 UTC"').records[0]!;
    assert.equal(u.ts, 1795961800 * 1e6);
    // A zone abbreviation (CET) is not trusted: the header date is used instead.
    const c = one('Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "a"\n\tEvent-Timestamp = "Nov 29 2026 15:16:40 CET"').records[0]!;
    assert.equal(c.rawStamp, 'Sun Nov 29 15:17:25 2026');
  });
});

describe('freeradius-detail: bad input is unparsed with a reason, never a throw', () => {
  const start = find('Acct-Status-Type = Start\n\tUser-Name = "anna"');
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside an attribute name': start.slice(0, start.indexOf('User-Name') + 6),
    'truncated header date': 'Sun Nov 29 15:1',
    'no Acct-Status-Type': 'Sun Nov 29 15:17:25 2026\n\tUser-Name = "anna"\n\tTimestamp = 1795961845',
    'unknown Acct-Status-Type': 'Sun Nov 29 15:17:25 2026\n\tAcct-Status-Type = Sideways\n\tUser-Name = "anna"',
    'impossible header date': 'Sun Feb 30 15:17:25 2026\n\tAcct-Status-Type = Start\n\tUser-Name = "anna"',
    'attribute lines not indented': 'Sun Nov 29 15:17:25 2026\nAcct-Status-Type = Start\nUser-Name = "anna"',
    // Real accel-ppp line (corpus 11-radius-accounting.txt, openwrt/luci PR #8817): another format.
    'an accel-ppp RADIUS log line':
      '[2026-07-10 20:44:36]:  info: ppp1: send [RADIUS(1) Accounting-Request id=1 <User-Name "user1"> <NAS-Identifier "accel-ppp"> <Acct-Status-Type Start> <Framed-IP-Address 10.99.0.2>]',
  };
  for (const [what, block] of Object.entries(cases)) {
    test(what, () => {
      const o = one(block);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
      assert.equal(o.records[0]!.raw, block);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { ciscoIosNat } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 30) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(line: string, ctx = BERLIN): Outcome {
  return parseMessage(ciscoIosNat, line, ctx);
}
function nat(line: string, ctx = BERLIN): NatRecord {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as NatRecord;
}

describe('cisco-ios-nat: expected output of every testdata file', () => {
  for (const path of testdataFiles(ciscoIosNat)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(ciscoIosNat, readTestdata(ciscoIosNat, path)));
  }
  test('public samples: the IOS-XE line parses; the blog lines have no date and are unparsed on purpose', () => {
    const file = readTestdata(ciscoIosNat, testdataFiles(ciscoIosNat).find((p) => p.endsWith('public.log'))!);
    assert.deepEqual(runFile(ciscoIosNat, file).map((o) => o.status), ['records', 'unparsed', 'unparsed']);
  });
});

describe('cisco-ios-nat: mapping and time', () => {
  test('IOS-XE LOG_TRANSLATION: inside local → inside global, destination = outside global; "gmt" stamp is UTC', () => {
    const may2017 = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2017, 4, 21, 13) * 1000 });
    const r = nat('<14>123456789: HOSTNAME: May 21 12:00:01.123 gmt: %IOSXE-6-PLATFORM: F0: cpp_cp: QFP:0.0 Thread:105 TS:00000000000000 %NAT-6-LOG_TRANSLATION: Created Translation UDP 192.168.0.11:44593 192.168.0.11:21129 192.168.0.11:53 192.168.0.11:53 0................', may2017);
    assert.deepEqual([r.event, r.proto, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort], ['new', 'udp', '192.168.0.11', 44593, '192.168.0.11', 21129, '192.168.0.11', 53]);
    assert.equal(r.ts, at(2017, 4, 21, 12, 0, 1) + 123_000); // "gmt": UTC despite the Berlin source zone
    assert.equal(r.rawStamp, 'May 21 12:00:01.123 gmt');
    assert.deepEqual(r.flags, { yearInferred: true });
  });

  test('Deleted Translation → destroy; ICMP ids as ports', () => {
    const d = nat('<190>4125: Nov 29 14:21:10.001 UTC: %NAT-6-LOG_TRANSLATION: Deleted Translation TCP 10.1.1.1:51000 203.0.113.5:51000 198.51.100.7:443 198.51.100.7:443 0');
    assert.equal(d.event, 'destroy');
    assert.equal(d.ts, at(2026, 10, 29, 14, 21, 10) + 1000);
    const i = nat('<190>4126: Nov 29 14:21:11.002 UTC: %NAT-6-LOG_TRANSLATION: Created Translation ICMP 10.1.1.3:7 203.0.113.5:7 198.51.100.7:7 198.51.100.7:7 0');
    assert.deepEqual([i.proto, i.inPort, i.pubPort], ['icmp', 7, 7]);
  });

  test('a local-time stamp with year and zone word (CET) is read in the configured zone; the device stamp beats the relay header', () => {
    const r = nat('Nov 29 15:20:02 rtr1 4127: Nov 29 2026 15:20:02.789 CET: %NAT-6-LOG_TRANSLATION: Created Translation TCP 10.1.1.4:40000 203.0.113.5:40000 198.51.100.8:22 198.51.100.8:22 0');
    assert.equal(r.ts, at(2026, 10, 29, 14, 20, 2) + 789_000);
    assert.equal(r.flags, undefined);
    assert.equal(r.logHost, 'rtr1');
  });

  test("'*' (router clock not set): the relay's header stamp is used, else the device stamp flagged clockUnsynced", () => {
    const r = nat('Nov 29 15:20:03 rtr1 4128: *Mar  1 00:03:12.345: %NAT-6-LOG_TRANSLATION: Created Translation TCP 10.1.1.5:40001 203.0.113.5:40001 198.51.100.8:22 198.51.100.8:22 0');
    assert.equal(r.ts, at(2026, 10, 29, 14, 20, 3));
    assert.equal(r.rawStamp, 'Nov 29 15:20:03');
    const u = nat('000456: *Mar  1 00:03:12.345: %IPNAT-6-CREATED: tcp 10.1.1.6:40002 203.0.113.5:40002 198.51.100.8:80 198.51.100.8:80');
    assert.deepEqual(u.flags, { yearInferred: true, clockUnsynced: true }); // the only time there is, flagged
    assert.equal(u.rawStamp, '*Mar  1 00:03:12.345');
  });

  test('classic IOS %IPNAT-6-CREATED / DELETED and %IPNAT-6-NAT_CREATED', () => {
    const c = nat('000457: Nov 29 15:20:05: %IPNAT-6-CREATED: tcp 10.1.1.6:40003 203.0.113.5:40003 198.51.100.8:80 198.51.100.8:80');
    assert.deepEqual([c.event, c.inIp, c.pubIp, c.dstIp, c.dstPort], ['new', '10.1.1.6', '203.0.113.5', '198.51.100.8', 80]);
    assert.equal(nat('000458: Nov 29 15:20:09: %IPNAT-6-DELETED: tcp 10.1.1.6:40003 203.0.113.5:40003 198.51.100.8:80 198.51.100.8:80').event, 'destroy');
    const n = nat('Nov 29 12:17:12.503: %IPNAT-6-NAT_CREATED: Created tcp 10.0.0.1:43800 10.17.3.32:1024 192.168.0.1:80 10.17.3.2:80');
    assert.deepEqual([n.inIp, n.inPort, n.pubIp, n.pubPort, n.dstIp, n.dstPort], ['10.0.0.1', 43800, '10.17.3.32', 1024, '10.17.3.2', 80]);
  });

  test('no inside translation is skipped', () => {
    assert.equal(one('000459: Nov 29 15:20:10: %IPNAT-6-CREATED: tcp 10.1.1.9:443 10.1.1.9:443 198.51.100.8:5555 198.51.100.8:5555').status, 'skip');
  });
});

describe('cisco-ios-nat: bad input is unparsed with a reason, never a throw', () => {
  const good = '<190>4123: Nov 29 14:20:00.123 UTC: %NAT-6-LOG_TRANSLATION: Created Translation TCP 10.1.1.1:51000 203.0.113.5:51000 198.51.100.7:443 198.51.100.7:443 0';
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated after three endpoints': good.slice(0, good.indexOf(' 198.51.100.7:443 0')),
    'port out of range': good.replace(':51000 203', ':99999 203'),
    'address not an address': good.replace('10.1.1.1:', '10.1.1.1.1:'),
    'neither Created nor Deleted': good.replace('Created Translation', 'Updated Translation'),
    'no stamp at all': good.slice(good.indexOf('%NAT')),
    'Feb 30': good.replace('Nov 29', 'Feb 30'),
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

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlaceRecord, SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { ciscoSwitch } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;
const one = (line: string, ctx = BERLIN): Outcome => parseMessage(ciscoSwitch, line, ctx);
function recs(line: string, ctx = BERLIN) {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  return o.records;
}
const place = (line: string, ctx = BERLIN) => {
  const r = recs(line, ctx);
  assert.equal(r.length, 1);
  return r[0] as PlaceRecord;
};
function outcomes(name: string) {
  return runFile(ciscoSwitch, readTestdata(ciscoSwitch, `${testdataDir(ciscoSwitch)}/${name}`)).map((o) => `${o.status}${o.reason ? `: ${o.reason}` : ''}`);
}

describe('cisco-switch: expected output of every testdata file', () => {
  for (const path of testdataFiles(ciscoSwitch)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(ciscoSwitch, readTestdata(ciscoSwitch, path)));
  }
});

describe('cisco-switch: MAC places', () => {
  test('MACFLAP_NOTIF through a relay: device stamp (lost sync "."), device name from the body, second port', () => {
    const ctx = contextFor({ zone: 'America/Sao_Paulo', reference: Date.UTC(2014, 11, 1) * 1000 });
    const r = place('Nov 21 13:01:59 192.168.170.90 92852: SwCisco3750Club: 73547048: .Nov 21 13:01:38: %SW_MATM-4-MACFLAP_NOTIF: Host 0050.56b2.42d4 in vlan 100 is flapping between port Po6 and port Po5', ctx);
    assert.equal(r.ts, at(2014, 10, 21, 15, 1, 38)); // 13:01:38 BRST (−02:00)
    assert.equal(r.rawStamp, '.Nov 21 13:01:38');
    assert.deepEqual([r.mac, r.switch, r.port, r.vlan, r.how, r.logHost], ['00:50:56:b2:42:d4', 'SwCisco3750Club', 'Po5', 100, 'cisco SW_MATM-MACFLAP_NOTIF', '192.168.170.90']);
  });

  test('unsynchronised "*" stamp without a relay stamp: the device time is used (rawStamp keeps the "*")', () => {
    const ctx = contextFor({ reference: Date.UTC(2013, 6, 1) * 1000 });
    const r = place('*Jun 23 04:58:11.888: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.8502 in vlan 1 is flapping between port Gi0/20 and port Po1', ctx);
    assert.equal(r.ts, at(2013, 5, 23, 4, 58, 11) + 888_000);
    assert.equal(r.rawStamp, '*Jun 23 04:58:11.888');
    assert.deepEqual(r.flags, { yearInferred: true, zoneAssumed: true });
    assert.deepEqual([r.mac, r.port, r.vlan, r.switch], ['00:15:5d:91:85:02', 'Po1', 1, undefined]);
  });

  test('zero-padded sequence number and PRI straight from the device; a bare name tag is the switch', () => {
    const a = place('<188>000123: *Nov 29 15:01:02.123: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.8502 in vlan 10 is flapping between port Gi1/0/1 and port Gi1/0/2');
    assert.deepEqual([a.ts, a.rawStamp, a.switch, a.port], [at(2026, 10, 29, 14, 1, 2) + 123_000, '*Nov 29 15:01:02.123', undefined, 'Gi1/0/2']);
    const b = place('<188>sw-lab: Nov 29 15:01:02 CET: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.8502 in vlan 10 is flapping between port Gi1/0/1 and port Gi1/0/2');
    assert.deepEqual([b.ts, b.switch], [at(2026, 10, 29, 14, 1, 2), 'sw-lab']);
  });

  test('unsynchronised "*" stamp with a relay stamp: the relay time wins', () => {
    const r = place('Nov 29 15:30:00 sw-floor2 119: *Mar  1 00:12:40.307: %PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0050.56aa.0005 on port Gi1/0/6.');
    assert.equal(r.ts, at(2026, 10, 29, 14, 30, 0));
    assert.equal(r.rawStamp, 'Nov 29 15:30:00');
  });

  test('zone names: CET and UTC are read as offsets; a year in the stamp is used', () => {
    const a = place('<189>117: sw-floor2: Nov 29 2026 15:21:07.001 CET: %MAB-5-SUCCESS: Authentication successful for client (0050.56aa.0002) on Interface Gi1/0/2 AuditSessionID 0A0A0A0B0000001B2B3C4D5F');
    assert.equal(a.ts, at(2026, 10, 29, 14, 21, 7) + 1000);
    assert.equal(a.flags, undefined);
    assert.deepEqual([a.mac, a.switch, a.port, a.how], ['00:50:56:aa:00:02', 'sw-floor2', 'Gi1/0/2', 'cisco MAB-SUCCESS']);
    const b = place('Nov 29 15:22:00 10.20.0.2 2041: Nov 29 14:21:59.880 UTC: %SESSION_MGR-5-START: Switch 1 R0/0: sessmgrd: Starting \'dot1x\' for client (0050.56aa.0003) on Interface GigabitEthernet1/0/3 AuditSessionID 0A14000200000C1D2E3F4A5B');
    assert.equal(b.ts, at(2026, 10, 29, 14, 21, 59) + 880_000);
    assert.deepEqual(b.flags, { yearInferred: true });
    assert.deepEqual([b.switch, b.port, b.how], ['10.20.0.2', 'GigabitEthernet1/0/3', 'cisco SESSION_MGR-START']);
  });

  test('DOT1X-5-SUCCESS naming the user: a place and a session (auth, 802.1x, nas = switch, AuditSessionID)', () => {
    const r = recs('<189>113: sw-floor2: Nov 29 15:20:01.456 CET: %DOT1X-5-SUCCESS: Authentication successful for client (0050.56aa.0001) on Interface Gi1/0/1 AuditSessionID 0A0A0A0B0000001A2B3C4D5E Username: alice');
    assert.equal(r.length, 2);
    const p = r[0] as PlaceRecord;
    const s = r[1] as SessionRecord;
    assert.deepEqual([p.kind, p.mac, p.port, p.switch], ['place', '00:50:56:aa:00:01', 'Gi1/0/1', 'sw-floor2']);
    assert.deepEqual([s.kind, s.user, s.event, s.how, s.mac, s.nas, s.sessionId], ['session', 'alice', 'auth', '802.1x', '00:50:56:aa:00:01', 'sw-floor2', '0A0A0A0B0000001A2B3C4D5E']);
    assert.equal(s.ts, at(2026, 10, 29, 14, 20, 1) + 456_000);
    // Without a user name: only the place.
    assert.equal(recs('<189>113: sw-floor2: Nov 29 15:20:01.456 CET: %DOT1X-5-SUCCESS: Authentication successful for client (0050.56aa.0001) on Interface Gi1/0/1 AuditSessionID 0A0A0A0B0000001A2B3C4D5E').length, 1);
  });

  test('MAC move (constructed SW_MATM-4-MAC_MOVE, AUTHMGR MACMOVE): the destination port', () => {
    const a = place('<188>118: sw-floor2: Nov 29 15:25:00.000 CET: %SW_MATM-4-MAC_MOVE: Host 0050.56aa.0004 in vlan 20 has moved from port Gi1/0/4 to port Gi1/0/5');
    assert.deepEqual([a.mac, a.port, a.vlan], ['00:50:56:aa:00:04', 'Gi1/0/5', 20]);
    const b = place('<189>121: sw-floor2: Nov 29 15:28:30.000 CET: %AUTHMGR-5-MACMOVE: MAC address (0050.56aa.0001) moved from Interface Gi1/0/1 to Interface Gi1/0/9 AuditSessionID 0A0A0A0B0000001C2B3C4D60');
    assert.deepEqual([b.port, b.how], ['Gi1/0/9', 'cisco AUTHMGR-MACMOVE']);
  });

  test('port security: port without the final dot; VLAN variant; uptime stamp behind a relay uses the relay time', () => {
    const a = place('Nov 29 15:26:30 sw-floor3 %PORT_SECURITY-2-PSECURE_VIOLATION_VLAN: Security violation on port Gi1/0/7 due to MAC address 0050.56aa.0006 on VLAN 30');
    assert.deepEqual([a.mac, a.port, a.vlan, a.switch], ['00:50:56:aa:00:06', 'Gi1/0/7', 30, 'sw-floor3']);
    const b = place('Nov 29 15:27:00 sw-floor3 201: 3d04h: %PORT_SECURITY-2-PSECURE_VIOLATION: Security violation occurred, caused by MAC address 0050.56aa.0007 on port Gi1/0/8.');
    assert.deepEqual([b.ts, b.port, b.switch], [at(2026, 10, 29, 14, 27, 0), 'Gi1/0/8', 'sw-floor3']);
  });

  test('every testdata line accounted for; what is unparsed or skipped on purpose, and why', () => {
    assert.deepEqual(outcomes('corpus.log'), [
      'records',
      'skip: no usable client MAC (unknown or redacted)',
      'skip: no usable client MAC (unknown or redacted)',
      'unparsed: not a Cisco IOS message (no %FACILITY-SEVERITY-MNEMONIC)',
      'unparsed: no time stamp (the device logs uptime, and no syslog header)',
      'unparsed: no time stamp (the device logs uptime, and no syslog header)',
      'unparsed: no time stamp',
    ]);
    assert.deepEqual(outcomes('public.log'), [
      'records',
      'skip: no usable client MAC (unknown or redacted)',
      'unparsed: no time stamp (the device logs uptime, and no syslog header)',
      'unparsed: no time stamp (the device logs uptime, and no syslog header)',
      'unparsed: no time stamp (the device logs uptime, and no syslog header)',
    ]);
    const c = outcomes('constructed.log');
    assert.equal(c.filter((s) => s === 'records').length, 12);
    assert.deepEqual(c.filter((s) => s !== 'records'), ['skip: Cisco authentication message without a client MAC', 'skip: Cisco message without a MAC binding']);
  });
});

describe('cisco-switch: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated flap': '*Jun 23 04:58:11.888: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.8502 in vlan 1 is flapping between port Gi0/20 and',
    'bad MAC in a flap': '*Jun 23 04:58:11.888: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.850 in vlan 1 is flapping between port Gi0/20 and port Po1',
    'percent in plain text': 'Nov 29 15:00:00 host app: load is 100% today',
    'invalid day in stamp': '*Jun 41 04:58:11.888: %SW_MATM-4-MACFLAP_NOTIF: Host 0015.5d91.8502 in vlan 1 is flapping between port Gi0/20 and port Po1',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

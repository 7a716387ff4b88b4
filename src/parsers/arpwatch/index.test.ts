import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SightingRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { arpwatch } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const one = (line: string, ctx = UTC): Outcome => parseMessage(arpwatch, line, ctx);
function sighting(line: string, ctx = UTC): SightingRecord {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as SightingRecord;
}
const file = (name: string) => readTestdata(arpwatch, `${testdataDir(arpwatch)}/${name}`);
function counts(name: string) {
  const out = runFile(arpwatch, file(name));
  return {
    records: out.filter((o) => o.status === 'records').length,
    skipped: out.filter((o) => o.status === 'skip').length,
    unparsed: out.filter((o) => o.status === 'unparsed').map((o) => o.records[0]!.raw),
    sightings: out.flatMap((o) => o.records).filter((r): r is SightingRecord => r.kind === 'sighting'),
  };
}

describe('arpwatch: expected output of every testdata file', () => {
  for (const path of testdataFiles(arpwatch)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(arpwatch, readTestdata(arpwatch, path)));
  }
});

describe('arpwatch: the real Debian lines (lab-debian.log)', () => {
  test('every line accounted for: 12 sightings, 2 status lines, nothing unparsed', () => {
    const c = counts('lab-debian.log');
    assert.deepEqual([c.records, c.skipped, c.unparsed], [12, 2, []]);
  });

  test('new station: Berlin local time → UTC, ip, mac, iface, event name in how', () => {
    const r = sighting('<29>Nov 29 15:51:41 arpwatch: new station 10.79.0.11 02:79:00:00:01:0a wa-br', BERLIN);
    assert.equal(r.ts, at(2026, 10, 29, 14, 51, 41));
    assert.equal(r.rawStamp, 'Nov 29 15:51:41');
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.deepEqual([r.ip, r.mac, r.how, r.iface], ['10.79.0.11', '02:79:00:00:01:0a', 'arpwatch new station', 'wa-br']);
  });

  test('changed ethernet address and flip flop: the NEW binding is the sighting, the old MAC stays in the raw line', () => {
    const ch = sighting('<29>Nov 29 15:51:42 arpwatch: changed ethernet address 10.79.0.11 02:79:00:00:01:0b (02:79:00:00:01:0a) wa-br', BERLIN);
    assert.deepEqual([ch.ip, ch.mac, ch.how, ch.iface], ['10.79.0.11', '02:79:00:00:01:0b', 'arpwatch changed ethernet address', 'wa-br']);
    assert.ok(ch.raw.includes('(02:79:00:00:01:0a)'));
    const ff = sighting('<29>Nov 29 15:51:43 arpwatch: flip flop 10.79.0.11 02:79:00:00:01:0a (02:79:00:00:01:0b) wa-br', BERLIN);
    assert.deepEqual([ff.mac, ff.how], ['02:79:00:00:01:0a', 'arpwatch flip flop']);
    const ro = sighting('<29>Nov 29 15:51:45 arpwatch: reused old ethernet address 10.79.0.11 02:79:00:00:01:0b (02:79:00:00:01:0c) wa-br', BERLIN);
    assert.deepEqual([ro.mac, ro.how], ['02:79:00:00:01:0b', 'arpwatch reused old ethernet address']);
  });

  test('bogon, ethernet mismatch (frame source MAC), ethernet broadcast with a real source MAC', () => {
    assert.equal(sighting('<30>Nov 29 15:51:46 arpwatch: bogon 10.80.0.9 02:79:00:00:03:0a wa-br').how, 'arpwatch bogon');
    const mm = sighting('<30>Nov 29 15:51:49 arpwatch: ethernet mismatch 10.79.0.33 02:79:00:00:03:0a (02:79:00:00:03:ee) wa-br');
    assert.deepEqual([mm.ip, mm.mac], ['10.79.0.33', '02:79:00:00:03:0a']);
    const eb = sighting('<30>Nov 29 15:51:49 arpwatch: ethernet broadcast 10.79.0.34 02:79:00:00:03:0a (00:00:00:00:00:00) wa-br');
    assert.deepEqual([eb.mac, eb.how], ['02:79:00:00:03:0a', 'arpwatch ethernet broadcast']);
  });

  test('ethernet broadcast whose MAC is all zeros / all ones is skipped: nothing to bind', () => {
    for (const l of [
      '<30>Nov 29 15:51:49 arpwatch: ethernet broadcast 10.79.0.34 0:0:0:0:0:0 (2:79:0:0:3:a) wa-br',
      '<30>Nov 29 15:51:49 arpwatch: ethernet broadcast 10.79.0.34 ff:ff:ff:ff:ff:ff wa-br',
    ]) assert.equal(one(l).status, 'skip', l);
  });

  test('status lines are skipped', () => {
    for (const l of [
      '<30>Nov 29 15:51:40 arpwatch: listening on wa-br',
      '<31>Nov 29 15:51:51 arpwatch: exiting',
      'Nov 29 15:51:51 gw arpwatch: 0:1:2:3:4:5 sent bad hardware format 0x6',
    ]) {
      assert.equal(one(l).status, 'skip', l);
    }
  });
});

describe('arpwatch: corpus lines', () => {
  test('flip flops with and without interface; unpadded MACs become canonical', () => {
    const a = sighting('Nov 1 01:03:23 zul arpwatch: flip flop 192.168.0.65 0:50:ba:85:85:ca (0:e0:81:3:d8:8e)');
    assert.deepEqual([a.ip, a.mac, a.how, a.iface, a.logHost], ['192.168.0.65', '00:50:ba:85:85:ca', 'arpwatch flip flop', undefined, 'zul']);
    const b = sighting('Jun 5 07:59:09 ubuntu arpwatch: flip flop 172.16.66.2 00:0c:29:21:81:97 (00:50:56:fe:f6:e8) ens33');
    assert.deepEqual([b.mac, b.iface], ['00:0c:29:21:81:97', 'ens33']);
  });

  test('accounted for: 3 records, 1 status line, the 3 stamp-less Wazuh examples unparsed on purpose', () => {
    const c = counts('corpus.log');
    assert.equal(c.records, 3);
    assert.equal(c.skipped, 1);
    // Wazuh's decoder examples are program+message only: without a time they cannot be placed.
    assert.deepEqual(c.unparsed, [
      'arpwatch: new station 192.168.1.103 0:11:43:5e:5d:80 eth0',
      'arpwatch: bogon 172.16.150.149 0:2:b3:d6:e5:68 eth0',
      'arpwatch: reused old ethernet address 192.168.17.248 0:e:3b:a:cb:67 (0:1e:8c:72:b0:d0)',
    ]);
    const o = one('arpwatch: new station 192.168.1.103 0:11:43:5e:5d:80 eth0');
    assert.equal(o.reason, 'no time stamp');
  });
});

describe('arpwatch: other shapes', () => {
  test('ip broadcast (arpwatch(8)) and new activity, hostname changed', () => {
    assert.equal(sighting('Nov 29 14:00:00 gw arpwatch: ip broadcast 10.0.0.255 0:1:2:3:4:5 eth0').how, 'arpwatch ip broadcast');
    assert.equal(sighting('Nov 29 14:00:00 gw arpwatch: new activity 10.0.0.7 0:1:2:3:4:5 eth0').how, 'arpwatch new activity');
    const h = sighting('Nov 29 14:00:00 gw arpwatch: hostname changed 10.0.0.7 0:1:2:3:4:5 old -> new');
    assert.deepEqual([h.ip, h.mac, h.how], ['10.0.0.7', '00:01:02:03:04:05', 'arpwatch hostname changed']);
  });

  test('RFC 5424 from rsyslog keeps its offset', () => {
    const r = sighting('<29>1 2026-11-29T15:51:41.123+01:00 gw arpwatch 812 - - new station 10.79.0.11 02:79:00:00:01:0a wa-br');
    assert.equal(r.ts, at(2026, 10, 29, 14, 51, 41) + 123_000);
    assert.equal(r.logHost, 'gw');
  });
});

describe('arpwatch: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside the MAC': 'Nov 29 14:00:00 gw arpwatch: new station 10.0.0.7 0:1:2:3',
    'truncated after the event': 'Nov 29 14:00:00 gw arpwatch: changed ethernet address 10.0',
    'IPv6 where arpwatch logs IPv4': 'Nov 29 14:00:00 gw arpwatch: new station fe80::1 0:1:2:3:4:5 eth0',
    'unclosed old MAC': 'Nov 29 14:00:00 gw arpwatch: flip flop 10.0.0.7 0:1:2:3:4:5 (0:1:2:3:4:6 eth0',
    'another program with an arpwatch-like text': 'Nov 29 14:00:00 gw cron[1]: new station 10.0.0.7 0:1:2:3:4:5 eth0',
    'unknown arpwatch text': 'Nov 29 14:00:00 gw arpwatch: something new happened',
    'free text with "sent"': 'Nov 29 14:00:00 gw arpwatch: the host sent hand-made frames',
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

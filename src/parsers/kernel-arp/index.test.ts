import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SightingRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { kernelArp } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;
const one = (line: string, ctx = BERLIN): Outcome => parseMessage(kernelArp, line, ctx);
function sighting(line: string): SightingRecord {
  const o = one(line);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as SightingRecord;
}
function statuses(name: string): string[] {
  return runFile(kernelArp, readTestdata(kernelArp, `${testdataDir(kernelArp)}/${name}`)).map((o) => o.status);
}

describe('kernel-arp: expected output of every testdata file', () => {
  for (const path of testdataFiles(kernelArp)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(kernelArp, readTestdata(kernelArp, path)));
  }
});

describe('kernel-arp: messages', () => {
  test('Linux dmesg --time-format=iso: IPv6 duplicate address → sighting of the other host (real lab line)', () => {
    const r = sighting('2026-11-29T14:51:50,073767+00:00 IPv6: wa-e3: IPv6 duplicate address fd79::12 used by 02:79:00:00:02:0a detected!');
    assert.equal(r.ts, at(2026, 10, 29, 14, 51, 50) + 73_767);
    assert.equal(r.rawStamp, '2026-11-29T14:51:50,073767+00:00');
    assert.equal(r.flags, undefined);
    assert.deepEqual([r.ip, r.mac, r.iface, r.how], ['fd79::12', '02:79:00:00:02:0a', 'wa-e3', 'kernel ipv6 duplicate address']);
  });

  test('FreeBSD arp moved: the new MAC is the sighting, Berlin local time → UTC', () => {
    const r = sighting('Nov 29 15:20:01 fw1 kernel: arp: 192.168.1.50 moved from c4:0c:5c:69:6c:05 to 62:1e:3e:43:04:0c on em1');
    assert.equal(r.ts, at(2026, 10, 29, 14, 20, 1));
    assert.deepEqual([r.ip, r.mac, r.iface, r.how, r.logHost], ['192.168.1.50', '62:1e:3e:43:04:0c', 'em1', 'kernel arp moved', 'fw1']);
  });

  test('FreeBSD conflicts: using my IP address, permanent entry, wrong interface', () => {
    const a = sighting('Nov 29 15:20:02 fw1 kernel: arp: 62:1e:3e:43:04:0c is using my IP address 192.168.1.1 on em1!');
    assert.deepEqual([a.ip, a.mac, a.iface, a.how], ['192.168.1.1', '62:1e:3e:43:04:0c', 'em1', 'kernel arp address conflict']);
    const p = sighting('Nov 29 15:20:03 fw1 kernel: arp: 62:1e:3e:43:04:0c attempts to modify permanent entry for 192.168.1.20 on em1');
    assert.deepEqual([p.ip, p.how], ['192.168.1.20', 'kernel arp permanent entry modify attempt']);
    const w = sighting('Nov 29 15:20:04 fw1 kernel: arp: 192.168.1.50 is on em0 but got reply from 62:1e:3e:43:04:0c on em1');
    assert.deepEqual([w.ip, w.mac, w.iface, w.how], ['192.168.1.50', '62:1e:3e:43:04:0c', 'em1', 'kernel arp wrong interface']);
  });

  test('a kernel level "<6>" left in the text is stepped over', () => {
    assert.equal(sighting('<6>1 2026-11-29T15:20:01+01:00 fw1 kernel - - - <6>arp: 192.168.1.50 moved from c4:0c:5c:69:6c:05 to 62:1e:3e:43:04:0c on em1').ts, at(2026, 10, 29, 14, 20, 1));
  });

  test('printk time prefix inside a syslog line is stepped over', () => {
    const r = sighting('Nov 29 15:51:50 lab kernel: [ 2431.078489] IPv6: wa-e3: IPv6 duplicate address fd79::12 used by 02:79:00:00:02:0a detected!');
    assert.equal(r.ts, at(2026, 10, 29, 14, 51, 50));
  });

  test('kernel lines without a binding are skipped, not unparsed', () => {
    for (const l of [
      'Nov 29 15:20:05 fw1 kernel: arp: link address is broadcast for IP address 192.168.1.77!',
      'Nov 29 15:51:51 lab kernel: IPv6: eth0: IPv6 duplicate address 2001:db8::5 detected!',
      'Nov 29 15:51:52 lab kernel: wa-br: port 1(wa-p1) entered forwarding state',
    ]) assert.equal(one(l).status, 'skip', l);
  });

  test('files accounted for; the stamp-less pfSense documentation line is unparsed on purpose', () => {
    assert.deepEqual(statuses('lab-linux-dmesg.log'), ['records']);
    assert.deepEqual(statuses('constructed.log'), ['records', 'records', 'records', 'records', 'skip', 'records', 'skip', 'skip']);
    assert.deepEqual(statuses('corpus.log'), ['unparsed']);
    assert.equal(one('pfsense kernel: arp: 192.168.1.50 moved from c4:0c:5c:69:6c:05 to 62:1e:3e:43:04:0c on em1').reason, 'no time stamp');
  });
});

describe('kernel-arp: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated move': 'Nov 29 15:20:01 fw1 kernel: arp: 192.168.1.50 moved from c4:0c:5c:69:6c:05 to 62:1e:3e',
    'bad IP in a move': 'Nov 29 15:20:01 fw1 kernel: arp: 192.168.1.500 moved from c4:0c:5c:69:6c:05 to 62:1e:3e:43:04:0c on em1',
    'another program': 'Nov 29 15:20:01 fw1 dhcpd[12]: arp: 192.168.1.50 moved from c4:0c:5c:69:6c:05 to 62:1e:3e:43:04:0c on em1',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, what === 'truncated move' ? 'skip' : 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

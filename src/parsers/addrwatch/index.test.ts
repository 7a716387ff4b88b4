import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SightingRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { addrwatch } from './index.ts';

const CTX = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2012, 5, 11, 12) * 1000 });
const one = (line: string): Outcome => parseMessage(addrwatch, line, CTX);
function sighting(line: string): SightingRecord {
  const o = one(line);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as SightingRecord;
}
const statuses = (name: string) => runFile(addrwatch, readTestdata(addrwatch, `${testdataDir(addrwatch)}/${name}`)).map((o) => o.status);

describe('addrwatch: expected output of every testdata file', () => {
  for (const path of testdataFiles(addrwatch)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(addrwatch, readTestdata(addrwatch, path)));
  }
});

describe('addrwatch: pairing lines', () => {
  test('ARP_REQ untagged: epoch time, no vlan field for tag 0', () => {
    const r = sighting('1329486485 eth0 0 00:aa:bb:cc:dd:ee 192.168.1.1 ARP_REQ');
    assert.equal(r.ts, 1329486485 * 1_000_000);
    assert.equal(r.rawStamp, '1329486485');
    assert.equal(r.flags, undefined);
    assert.deepEqual([r.ip, r.mac, r.iface, r.vlan, r.how], ['192.168.1.1', '00:aa:bb:cc:dd:ee', 'eth0', undefined, 'addrwatch ARP_REQ']);
  });

  test('IPv6 ND_DAD on VLAN 502: canonical IPv6, vlan kept', () => {
    const r = sighting('1339406018 eth0 502 58:1f:aa:d0:92:7d 2001:db8:200:4202:805d:b5ae:8374:436c ND_DAD');
    assert.deepEqual([r.ip, r.mac, r.vlan, r.how], ['2001:db8:200:4202:805d:b5ae:8374:436c', '58:1f:aa:d0:92:7d', 502, 'addrwatch ND_DAD']);
  });

  test('syslog forms: the pairing keeps its own epoch stamp, the host goes to logHost', () => {
    const a = sighting('Feb 17 14:48:05 sensor1 addrwatch: 1329486485 eth0 0 00:aa:bb:cc:dd:ee 192.168.1.1 ARP_REQ');
    assert.deepEqual([a.ts, a.rawStamp, a.logHost], [1329486485 * 1_000_000, '1329486485', 'sensor1']);
    const b = sighting('Feb 17 14:48:05 sensor1 addrwatch[2231]: INFO: 1329486485 eth0 0 00:aa:bb:ff:00:11 192.168.1.3 ARP_ACD');
    assert.deepEqual([b.ip, b.how], ['192.168.1.3', 'addrwatch ARP_ACD']);
    assert.equal(one("Feb 17 14:48:00 sensor1 addrwatch[2231]: INFO: Saving results to '/var/lib/addrwatch.dat' flat file").status, 'skip');
  });

  test('every testdata line accounted for', () => {
    assert.deepEqual(statuses('corpus.log'), Array(8).fill('records'));
    assert.deepEqual(statuses('docs-more.log'), Array(4).fill('records'));
    assert.deepEqual(statuses('syslog-constructed.log'), ['records', 'records', 'records', 'skip']);
  });
});

describe('addrwatch: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    truncated: '1329486485 eth0 0 00:aa:bb:cc:dd:ee 192.168.1',
    'unknown type': '1329486485 eth0 0 00:aa:bb:cc:dd:ee 192.168.1.1 ARP_XYZ',
    'IPv6 with an ARP type': '1329486485 eth0 0 00:aa:bb:cc:dd:ee fe80::1 ARP_REQ',
    'vlan out of range': '1329486485 eth0 5000 00:aa:bb:cc:dd:ee 192.168.1.1 ARP_REQ',
    'another program': 'Feb 17 14:48:05 sensor1 cron[1]: 1329486485 eth0 0 00:aa:bb:cc:dd:ee 192.168.1.1 ARP_REQ',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord, SightingRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { mikrotik } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(line: string, ctx = BERLIN): Outcome {
  return parseMessage(mikrotik, line, ctx);
}
const file = (name: string) => readTestdata(mikrotik, testdataFiles(mikrotik).find((p) => p.endsWith(name))!);
const doc = (needle: string) => file('documented.log').messages.find((m) => m.includes(needle))!;

describe('mikrotik: expected output of every testdata file', () => {
  for (const path of testdataFiles(mikrotik)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(mikrotik, readTestdata(mikrotik, path)));
  }
  test('public lines: sighting from the srcnat chain; the stamp-less NAT line unparsed on purpose; the input drop skipped', () => {
    assert.deepEqual(runFile(mikrotik, file('public.log')).map((o) => o.status), ['records', 'unparsed', 'skip']);
  });
});

describe('mikrotik: mapping', () => {
  test('source NAT with src-mac: a nat record (inside, public, destination) and a sighting of the inside host', () => {
    const o = one(doc('15:20:00'));
    assert.equal(o.status, 'records');
    const [n, s] = o.records as [NatRecord, SightingRecord];
    assert.deepEqual(
      [n.kind, n.event, n.proto, n.inIp, n.inPort, n.pubIp, n.pubPort, n.dstIp, n.dstPort],
      ['nat', 'new', 'tcp', '192.168.88.10', 51000, '203.0.113.5', 51000, '198.51.100.7', 443],
    );
    assert.equal(n.ts, at(2026, 10, 29, 14, 20, 0));
    assert.deepEqual([s.kind, s.ip, s.mac, s.how, s.iface], ['sighting', '192.168.88.10', '02:77:00:00:00:01', 'mikrotik-firewall', 'bridge']);
    assert.equal(s.ts, n.ts);
    assert.equal(n.logHost, 'gw');
  });

  test('destination NAT (port forward): inside = the server, public = the forwarded socket, destination = the outside client; no sighting', () => {
    const o = one(doc('dstnat'));
    assert.equal(o.records.length, 1);
    const n = o.records[0] as NatRecord;
    assert.deepEqual([n.inIp, n.inPort, n.pubIp, n.pubPort, n.dstIp, n.dstPort], ['192.168.88.20', 80, '203.0.113.5', 8080, '198.51.100.9', 40000]);
  });

  test('an established packet gives an update; a UDP translation without state gives … new because of connection-state', () => {
    assert.equal((one(doc('established')).records[0] as NatRecord).event, 'update');
    assert.equal((one(doc('proto UDP')).records[0] as NatRecord).event, 'new');
  });

  test('no NAT part: a sighting of a private source only; ICMP translations (no ports) skipped with the sighting kept', () => {
    const o = one(doc('15:20:04'));
    assert.deepEqual(o.records.map((r) => r.kind), ['sighting']);
    const icmp = one(doc('ICMP'));
    assert.deepEqual(icmp.records.map((r) => r.kind), ['sighting']);
    assert.equal(one(doc('ICMP').replace(' src-mac 02:77:00:00:00:03,', '')).reason, 'translation without ports (ICMP, GRE …): nothing to trace by port');
  });

  test('the srcnat chain (taken as the tag by a relay) marks an inside source, even with a public address', () => {
    const o = one(file('public.log').messages[0]!, contextFor({ zone: 'Europe/Istanbul', reference: Date.UTC(2025, 6, 25) * 1000 }));
    const s = o.records[0] as SightingRecord;
    assert.deepEqual([s.ip, s.mac, s.iface], ['172.67.0.212', '0e:26:ad:7f:01:9b', 'ZURICH_HOTEL']);
    assert.equal(s.ts, at(2025, 6, 21, 22, 37, 54)); // 01:37:54 Istanbul (+03:00)
  });

  test('an outside source (public, input chain) gives nothing: skipped', () => {
    const o = one('Nov 29 15:20:06 gw firewall,info input: in:ether1 out:(unknown 0), src-mac 00:00:5e:00:53:01, proto TCP (SYN), 198.51.100.66:41000->203.0.113.5:22, len 60');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /outside source/);
  });
});

describe('mikrotik: bad input is unparsed with a reason, never a throw', () => {
  const good = doc('15:20:00');
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside the address pair': good.slice(0, good.indexOf('->198.51.100.7:443, NAT')),
    'truncated inside the NAT part': good.slice(0, good.indexOf('203.0.113.5:51000)')),
    'port out of range': good.replace('192.168.88.10:51000->198', '192.168.88.10:510000->198'),
    'src-mac not a MAC': good.replace('02:77:00:00:00:01', '02:77:00:00:00'),
    'no stamp (RouterOS default remote logging)': good.slice(good.indexOf('firewall,info')),
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

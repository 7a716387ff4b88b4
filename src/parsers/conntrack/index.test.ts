import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, testdataFiles } from '../testing.ts';
import { conntrack } from './index.ts';

const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });

function one(line: string, ctx = UTC): Outcome {
  return parseMessage(conntrack, line, ctx);
}
function nat(line: string, ctx = UTC): NatRecord {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as NatRecord;
}

// Real lines from testdata/lab-portmap-timestamp-extended-id.log: the gateway rewrote source ports to 61000-61099.
const NEW_TCP =
  '[1795962131.655770]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443 [UNREPLIED] src=203.0.113.7 dst=203.0.113.5 sport=443 dport=61072 id=3933393030';
const DESTROY_CLOSED =
  '[1795962131.698228]\t[DESTROY] ipv4     2 tcp      6 120 CLOSE src=10.77.0.102 dst=203.0.113.7 sport=54324 dport=9 [UNREPLIED] src=203.0.113.7 dst=203.0.113.5 sport=9 dport=61086 delta-time=0 id=3032684424';
const DESTROY_OK =
  '[1795962135.704193]\t[DESTROY] ipv4     2 tcp      6 115 TIME_WAIT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443 src=203.0.113.7 dst=203.0.113.5 sport=443 dport=61072 [ASSURED] delta-time=4 id=3933393030 [USERSPACE] portid=14746';
const ICMP =
  '[1795962133.553341]\t    [NEW] ipv4     2 icmp     1 30 src=10.77.0.102 dst=203.0.113.7 type=8 code=0 id=4660 [UNREPLIED] src=203.0.113.7 dst=203.0.113.5 type=0 code=0 id=4660 id=3422019714';
const DNAT =
  '[1795962134.661619]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=203.0.113.7 dst=203.0.113.5 sport=38094 dport=8080 [UNREPLIED] src=10.77.0.102 dst=203.0.113.7 sport=80 dport=38094 id=3389642364';
const V6 =
  '[1795962134.616062]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd77::102 dst=2001:db8:5::7 sport=51376 dport=443 [UNREPLIED] src=2001:db8:5::7 dst=2001:db8:5::5 sport=443 dport=61068 id=2690442347';

describe('conntrack: expected output of every testdata file', () => {
  for (const path of testdataFiles(conntrack)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(conntrack, readTestdata(conntrack, path)));
  }
});

describe('conntrack: mapping', () => {
  test('masqueraded TCP: inside = original src:sport, public = reply dst:dport, destination = original dst:dport', () => {
    const r = nat(NEW_TCP);
    assert.deepEqual(
      [r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort],
      ['10.77.0.102', 51234, '203.0.113.5', 61072, '203.0.113.7', 443],
    );
    assert.equal(r.proto, 'tcp');
    assert.equal(r.event, 'new');
    assert.equal(r.flowId, 3933393030);
    assert.equal(r.ts, 1795962131655770); // exact µs from the epoch stamp
    assert.equal(r.rawStamp, '1795962131.655770');
    assert.equal(r.flags, undefined);
  });

  test('failed: only a DESTROY that is still [UNREPLIED]; a NEW is always unreplied and says nothing yet', () => {
    assert.equal(nat(NEW_TCP).failed, undefined);
    const closed = nat(DESTROY_CLOSED);
    assert.equal(closed.event, 'destroy');
    assert.equal(closed.failed, true);
    assert.equal(closed.pubPort, 61086);
    const ok = nat(DESTROY_OK);
    assert.equal(ok.failed, undefined);
    assert.equal(ok.flowId, 3933393030); // the id= after delta-time, before [USERSPACE]
  });

  test('ICMP: the echo id stands in for the ports; the trailing id= is the conntrack id', () => {
    const r = nat(ICMP);
    assert.equal(r.proto, 'icmp');
    assert.deepEqual([r.inPort, r.pubPort, r.dstPort], [4660, 4660, 0]);
    assert.equal(r.flowId, 3422019714);
  });

  test('DNAT (port forward): inside = reply src, public = original dst, peer = original src', () => {
    const r = nat(DNAT);
    assert.deepEqual(
      [r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort],
      ['10.77.0.102', 80, '203.0.113.5', 8080, '203.0.113.7', 38094],
    );
  });

  test('IPv6 masquerade', () => {
    const r = nat(V6);
    assert.deepEqual([r.inIp, r.pubIp, r.pubPort, r.dstIp], ['fd77::102', '2001:db8:5::5', 61068, '2001:db8:5::7']);
  });

  test('no translation → skip', () => {
    // Real line (weaveworks/scope sample): the reply tuple mirrors the original.
    const o = one(' [UPDATE] udp      17 29 src=192.168.2.100 dst=192.168.2.1 sport=57767 dport=53 src=192.168.2.1 dst=192.168.2.100 sport=53 dport=57767');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /no translation/);
  });

  test('without -o extended and with -o timestamp only', () => {
    const r = nat('[1795961798.407025]\t    [NEW] tcp      6 120 SYN_SENT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443 [UNREPLIED] src=203.0.113.7 dst=203.0.113.5 sport=443 dport=51234');
    assert.deepEqual([r.proto, r.inPort, r.pubPort, r.flowId], ['tcp', 51234, 51234, undefined]);
  });

  test('addresses come out canonical', () => {
    const r = nat('[1795962134.616062]\t[NEW] ipv6 10 tcp 6 120 SYN_SENT src=FD77:0:0::102 dst=2001:DB8:5::7 sport=1 dport=443 [UNREPLIED] src=2001:db8:5::7 dst=2001:db8:5:0:0:0:0:5 sport=443 dport=2');
    assert.deepEqual([r.inIp, r.dstIp, r.pubIp], ['fd77::102', '2001:db8:5::7', '2001:db8:5::5']);
  });

  test('no -o timestamp: the syslog header stamp is used, else unparsed', () => {
    const body = '[NEW] tcp      6 120 SYN_SENT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443 [UNREPLIED] src=203.0.113.7 dst=203.0.113.5 sport=443 dport=61072';
    const r = nat(`Nov 29 15:15:13 gw conntrack[77]: ${body}`, BERLIN);
    assert.equal(r.ts, Date.UTC(2026, 10, 29, 14, 15, 13) * 1000);
    assert.equal(r.logHost, 'gw');
    assert.deepEqual(r.flags, { yearInferred: true });
    const o = one(`    ${body}`);
    assert.equal(o.status, 'unparsed');
    assert.match(o.reason!, /no time stamp/);
  });

  test('the conntrack tool summary line is skipped', () => {
    assert.equal(one('conntrack v1.4.7 (conntrack-tools): 31 flow events have been shown.').status, 'skip');
  });
});

describe('conntrack: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated inside the reply tuple': NEW_TCP.slice(0, NEW_TCP.indexOf('dport=61072')),
    'truncated before the reply tuple': NEW_TCP.slice(0, NEW_TCP.indexOf('[UNREPLIED]')),
    'truncated inside the stamp': NEW_TCP.slice(0, 8),
    'truncated after the event': '[1795962131.655770]\t    [NEW] ipv4     2 tcp',
    'port out of range': NEW_TCP.replace('sport=51234', 'sport=70000'),
    'address not an address': NEW_TCP.replace('src=10.77.0.102', 'src=10.77.0.300'),
    'bad epoch': NEW_TCP.replace('[1795962131.655770]', '[1795962131.65x770]'),
    'unknown event': NEW_TCP.replace('[NEW]', '[PURGE]'),
    'a dnsmasq line': 'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1',
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

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsQueryRecord, LeaseRecord, SightingRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, testdataFiles } from '../testing.ts';
import { dnsmasq } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers(dnsmasq, UTC);

describe('dnsmasq: expected output of every testdata file', () => {
  for (const path of testdataFiles(dnsmasq)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(dnsmasq, readTestdata(dnsmasq, path)));
  }
});

describe('dnsmasq: DHCPv4', () => {
  // Real line from testdata/dhcp-berlin-logdhcp.log (dnsmasq with TZ=Europe/Berlin, --log-dhcp).
  test('DHCPACK with xid and hostname: local Berlin time → UTC, every field', () => {
    const line = 'Nov 29 15:15:13 dnsmasq-dhcp[5353]: 946374696 DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1';
    const r = rec<LeaseRecord>(line, BERLIN);
    assert.equal(r.kind, 'lease');
    assert.equal(r.ts, at(2026, 10, 29, 14, 15, 13)); // 15:15:13 CET = 14:15:13 UTC
    assert.equal(r.rawStamp, 'Nov 29 15:15:13');
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.equal(r.ip, '10.77.0.178');
    assert.equal(r.mac, '02:77:00:00:00:01');
    assert.equal(r.hostname, 'pc-1');
    assert.equal(r.how, 'ack');
    assert.equal(r.via, 'br-lan');
    assert.equal(r.raw, line);
    assert.equal(r.source, 'test');
  });

  test('DHCPACK without hostname (dnsmasq leaves a trailing space)', () => {
    const r = rec<LeaseRecord>('Apr 10 00:31:38 dnsmasq-dhcp[1]: 2794502840 DHCPACK(bond0) 10.4.50.108 d4:04:e6:4f:71:28 ');
    assert.equal(r.hostname, undefined);
    assert.equal(r.mac, 'd4:04:e6:4f:71:28');
  });

  test('DHCPRELEASE → release; "unknown lease" → skip', () => {
    assert.equal(rec<LeaseRecord>('Nov 29 14:16:01 dnsmasq-dhcp[5702]: DHCPRELEASE(br-lan) 10.77.0.178 02:77:00:00:00:01 ').how, 'release');
    // Shape from rfc2131.c: log_packet("DHCPRELEASE", …, message = "unknown lease").
    const o = one('Nov 29 14:16:01 dnsmasq-dhcp[5702]: DHCPRELEASE(br-lan) 10.77.0.178 02:77:00:00:00:01 unknown lease');
    assert.equal(o.status, 'skip');
  });

  test('DHCPDECLINE → decline, DHCPINFORM → inform (shapes from rfc2131.c log_packet)', () => {
    assert.equal(rec<LeaseRecord>('Nov 29 14:16:01 dnsmasq-dhcp[5702]: DHCPDECLINE(br-lan) 10.77.0.178 02:77:00:00:00:01 address in use').how, 'decline');
    assert.equal(rec<LeaseRecord>('Nov 29 14:16:01 dnsmasq-dhcp[5702]: DHCPINFORM(br-lan) 10.77.0.50 02:77:00:00:00:05 ').how, 'inform');
  });

  test('OpenWrt logread format carries the year', () => {
    const r = rec<LeaseRecord>('Fri Dec 22 21:50:30 2023 daemon.info dnsmasq-dhcp[1]: DHCPRELEASE(br-lan) 10.40.0.29 e4:5f:01:cb:45:db');
    assert.equal(r.ts, at(2023, 11, 22, 21, 50, 30));
    assert.equal(r.flags, undefined); // zone configured (UTC), year written: nothing to flag
  });

  test('DISCOVER / OFFER / REQUEST / NAK are skipped with a reason', () => {
    for (const l of [
      'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPDISCOVER(br-lan) 02:77:00:00:00:01 ',
      'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPOFFER(br-lan) 10.77.0.178 02:77:00:00:00:01 ',
      'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPREQUEST(br-lan) 10.77.0.178 02:77:00:00:00:01 ',
      'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPNAK(br-lan) 10.77.0.250 02:77:00:00:00:02 address not available',
    ]) {
      const o = one(l);
      assert.equal(o.status, 'skip', l);
      assert.match(o.reason!, /^DHCP(DISCOVER|OFFER|REQUEST|NAK): /);
    }
  });

  test('a local time in the DST fall-back hour carries ambiguous + tsAlt', () => {
    const r = rec<LeaseRecord>('Oct 25 02:30:00 dnsmasq-dhcp[1]: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1', BERLIN);
    assert.equal(r.flags?.ambiguous, true);
    assert.equal(r.ts, at(2026, 9, 25, 0, 30, 0)); // earlier reading: CEST
    assert.equal(r.tsAlt, at(2026, 9, 25, 1, 30, 0)); // later reading: CET
  });

  test('a line without any stamp is unparsed "no time stamp"', () => {
    const o = one('dnsmasq-dhcp: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1');
    assert.equal(o.status, 'unparsed');
    assert.equal(o.reason, 'no time stamp');
  });
});

describe('dnsmasq: DHCPv6 and SLAAC', () => {
  test('DHCPREPLY from a DUID-LLT client is skipped: its MAC is not trusted', () => {
    const o = one('Nov 29 14:15:51 dnsmasq-dhcp[5702]: DHCPREPLY(br-lan) fd77::18c 00:01:00:01:32:9e:f0:17:02:77:00:00:00:01 ');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /DUID-LLT/);
  });

  test('DHCPREPLY from a DUID-LL client gives a lease with the MAC inside the DUID', () => {
    // Shape from rfc3315.c log6_packet: "TYPE(iface) addr clid hostname".
    const r = rec<LeaseRecord>('Nov 29 14:15:51 dnsmasq-dhcp[5702]: DHCPREPLY(br-lan) fd77::18c 00:03:00:01:02:77:00:00:00:01 pc-1');
    assert.equal(r.ip, 'fd77::18c');
    assert.equal(r.mac, '02:77:00:00:00:01');
    assert.equal(r.hostname, 'pc-1');
    assert.equal(r.how, 'ack');
  });

  test('DHCPv6 steps without an address are skipped', () => {
    assert.equal(one('Nov 29 14:15:51 dnsmasq-dhcp[5702]: DHCPSOLICIT(br-lan) 00:01:00:01:32:9e:f0:17:02:77:00:00:00:01 ').status, 'skip');
    assert.equal(one('Nov 29 14:16:02 dnsmasq-dhcp[5702]: DHCPRELEASE(br-lan) 00:01:00:01:32:9e:f0:17:02:77:00:00:00:01 ').status, 'skip');
  });

  test('SLAAC-CONFIRM: the MAC is read back from the EUI-64 interface id', () => {
    // Real line: dnsmasq built fd78::77:ff:fe00:1 from the DHCPv4 lease of 02:77:00:00:00:01.
    const r = rec<SightingRecord>('Nov 29 14:15:46 dnsmasq-dhcp[5702]: SLAAC-CONFIRM(br-lan) fd78::77:ff:fe00:1 pc-1');
    assert.equal(r.kind, 'sighting');
    assert.equal(r.mac, '02:77:00:00:00:01'); // 00 → 02: the universal/local bit flipped back
    assert.equal(r.ip, 'fd78::77:ff:fe00:1');
    assert.equal(r.iface, 'br-lan');
    const corpus = rec<SightingRecord>('Jan  5 10:00:00 dnsmasq-dhcp[9]: SLAAC-CONFIRM(eth0) fd00:46e0:e3a2:0:66a2:f9ff:fe9a:a3f1 OnePlus_6_Lex');
    assert.equal(corpus.mac, '64:a2:f9:9a:a3:f1');
  });
});

describe('dnsmasq: DNS', () => {
  test('query[A] → dnsquery', () => {
    const r = rec<DnsQueryRecord>('Nov 29 14:14:39 dnsmasq[5076]: query[A] pc-1.lan from 127.0.0.1');
    assert.deepEqual([r.kind, r.qtype, r.qname, r.client, r.clientPort], ['dnsquery', 'A', 'pc-1.lan', '127.0.0.1', undefined]);
  });

  test('log-queries=extra gives the client port; IPv6 clients are canonical', () => {
    const r = rec<DnsQueryRecord>('Nov 29 14:14:42 dnsmasq[5092]: 113 ::1/36884 query[A] v6-client.lan from ::1');
    assert.equal(r.clientPort, 36884);
    assert.equal(r.client, '::1');
    const ftl = rec<DnsQueryRecord>('Aug  3 12:50:16 dnsmasq[898696]: TCP 5801 192.168.1.240/64520 query[AAAA] gitlab.yyy.zzz from 192.168.1.240');
    assert.deepEqual([ftl.qtype, ftl.clientPort], ['AAAA', 64520]);
  });

  test('unnamed query types use the RFC 3597 spelling', () => {
    assert.equal(rec<DnsQueryRecord>('Nov 29 14:14:39 dnsmasq[5076]: query[type=65280] example.com from 127.0.0.1').qtype, 'TYPE65280');
  });

  test('forwarded / reply / cached / config / hosts-file lines are skipped', () => {
    for (const l of [
      'Nov 29 15:14:52 dnsmasq[5202]: forwarded www.example.com to 127.0.0.1#5354',
      'Nov 29 15:14:52 dnsmasq[5202]: reply www.example.com is 203.0.113.80',
      'Dec  3 21:37:11 dnsmasq[17086]: cached d6wjo2hisqfy2.cloudfront.net is 143.204.106.118',
      'Nov 29 14:14:39 dnsmasq[5076]: config pc-1.lan is NODATA-IPv6',
      'Nov 29 14:14:39 dnsmasq[5076]: /tmp/pa/dns/hosts pc-1.lan is 10.77.0.102',
      'Nov 29 14:14:41 dnsmasq[5092]: started, version 2.90 cachesize 150',
    ]) assert.equal(one(l).status, 'skip', l);
  });

  test('an unknown dnsmasq message is unparsed with a fixed reason (the raw line keeps the text)', () => {
    const line = 'Jul  2 06:20:04 dnsmasq[300965]: Cache 1: 2761 api.individual.githubcopilot.com';
    const o = one(line);
    assert.equal(o.status, 'unparsed');
    assert.equal(o.reason, 'unknown dnsmasq message');
    assert.equal(o.records[0]!.raw, line);
    assert.equal(o.records[0]!.ts, Date.UTC(2026, 6, 2, 6, 20, 4) * 1000); // the header stamp, not the receive time
  });
});

describe('dnsmasq: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated DHCPACK (inside the address)': 'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPACK(br-lan) 10.77.0.',
    'truncated DHCPACK (inside the MAC)': 'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPACK(br-lan) 10.77.0.178 02:77:00:0',
    'truncated DHCPACK (inside the interface)': 'Nov 29 14:15:46 dnsmasq-dhcp[5702]: DHCPACK(br-',
    'truncated query': 'Nov 29 14:14:39 dnsmasq[5076]: query[A] pc-1.l',
    'a conntrack line': '[1795961798.407766]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.77.0.102 dst=203.0.113.7 sport=51234 dport=443',
    'a kea line': '2026-11-29 14:15:46.123 INFO  [kea-dhcp4.leases/1234] DHCP4_LEASE_ALLOC [hwtype=1 02:77:00:00:00:01], cid=[no info], tid=0x1: lease 10.77.0.178 has been allocated',
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

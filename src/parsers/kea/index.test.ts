import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { kea } from './index.ts';

const LA = contextFor({ zone: 'America/Los_Angeles', reference: Date.UTC(2026, 10, 29, 15, 5) * 1000 });
const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers<LeaseRecord>(kea, UTC);
function counts(name: string): { records: number; skip: number; unparsed: string[] } {
  const file = readTestdata(kea, `${testdataDir(kea)}/${name}`);
  const out = runFile(kea, file);
  return {
    records: out.filter((o) => o.status === 'records').length,
    skip: out.filter((o) => o.status === 'skip').length,
    unparsed: out.filter((o) => o.status === 'unparsed').map((o) => o.reason!),
  };
}

describe('kea: expected output of every testdata file', () => {
  for (const path of testdataFiles(kea)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(kea, readTestdata(kea, path)));
  }
});

describe('kea: testdata coverage', () => {
  test('corpus (Parts A and B of 02-kea-dhcp4.txt): the LEASE_ALLOC binds; the two stamp-less forensic examples are unparsed on purpose', () => {
    assert.deepEqual(counts('corpus.log'), { records: 1, skip: 3, unparsed: ['no time stamp', 'no time stamp'] });
  });
  test('lab v4 log file and syslog output: 4 allocations and 1 release each', () => {
    assert.deepEqual(counts('lab-file-los-angeles.log'), { records: 5, skip: 26, unparsed: [] });
    assert.deepEqual(counts('lab-syslog-los-angeles.log'), { records: 5, skip: 26, unparsed: [] });
  });
  test('lab v6 log file: the DUID-LL client allocated and released; the DUID-LLT client skipped', () => {
    assert.deepEqual(counts('lab-v6-file-los-angeles.log'), { records: 2, skip: 14, unparsed: [] });
  });
  test("lab v6 syslog output with Debian's default pattern (no logger field): the same two records", () => {
    assert.deepEqual(counts('lab-v6-syslog-debian-pattern.log'), { records: 2, skip: 14, unparsed: [] });
  });
  test('forensic log documentation examples: 7 bindings, the deletions and a DUID-only device skipped', () => {
    assert.deepEqual(counts('docs-legal-log.log'), { records: 7, skip: 5, unparsed: [] });
  });
});

describe('kea: DHCPv4 log lines', () => {
  // Real lines from testdata/lab-file-los-angeles.log (Debian kea-dhcp4 2.2.0, TZ=America/Los_Angeles).
  test('DHCP4_LEASE_ALLOC in the own log file: local time with ms → UTC, lease time → end', () => {
    const line = '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/12220.140285611774464] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x7d0d8f83: lease 10.78.2.10 has been allocated for 600 seconds';
    const r = rec(line, LA);
    assert.equal(r.ts, at(2026, 10, 29, 15, 3, 24) + 995_000); // 07:03:24.995 PST (−8)
    assert.equal(r.rawStamp, '2026-11-29 07:03:24.995');
    assert.equal(r.flags, undefined); // the year is written, the zone configured
    assert.deepEqual([r.ip, r.mac, r.how], ['10.78.2.10', '02:78:02:00:00:01', 'ack']);
    assert.equal(r.end, r.ts + 600_000_000);
    assert.equal(r.logHost, undefined); // "INFO" is a severity, not a host
    assert.equal(r.raw, line);
  });

  test('without a configured zone the own-file stamp is read as UTC and flagged', () => {
    const ctx = contextFor({ reference: Date.UTC(2026, 10, 29, 15, 5) * 1000 });
    const r = rec('2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds', ctx);
    assert.deepEqual(r.flags, { zoneAssumed: true });
    assert.equal(r.ts, at(2026, 10, 29, 7, 3, 24) + 995_000);
  });

  test("Kea's file pattern relayed by journald/rsyslog: Kea's own stamp (year, ms) wins; the host is the log host", () => {
    // Shape: an rsyslog line carrying what kea-dhcp4 printed on stdout with the default file pattern.
    const r = rec('Nov 29 07:03:25 dhcp-1 kea-dhcp4[812]: 2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/812.1] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds', LA);
    assert.equal(r.ts, at(2026, 10, 29, 15, 3, 24) + 995_000);
    assert.equal(r.rawStamp, '2026-11-29 07:03:24.995');
    assert.equal(r.logHost, 'dhcp-1');
  });

  test('DHCP4_RELEASE → release; syslog output (glibc datagram) keeps the header stamp', () => {
    const r = rec('<134>Nov 29 07:03:34 kea-dhcp4: INFO  [kea-dhcp4.leases.140285611774464] DHCP4_RELEASE [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x5a8c1f3a: address 10.78.2.10 was released properly.', LA);
    assert.deepEqual([r.how, r.ip, r.mac, r.ts], ['release', '10.78.2.10', '02:78:02:00:00:01', at(2026, 10, 29, 15, 3, 34)]);
  });

  test('OPNsense RFC 5424 (corpus, with the doubled space after the stamp as posted) → ack with end', () => {
    const r = rec('<134>1 2024-04-05T21:44:27+00:00  fw.something.com kea-dhcp4 91064 - [meta sequenceId="17351"] INFO  [kea-dhcp4.leases.0x834f58200] DHCP4_LEASE_ALLOC [hwtype=1 ab:cd:ef:12:34:56], cid=[12:34:45:ab:cd:ef:00], tid=0x387fef6: lease 172.2.1.100 has been allocated for 4000 seconds');
    assert.deepEqual([r.ip, r.mac, r.ts, r.end! - r.ts, r.logHost], ['172.2.1.100', 'ab:cd:ef:12:34:56', at(2024, 3, 5, 21, 44, 27), 4000_000_000, 'fw.something.com']);
  });

  test('DHCP4_LEASE_REUSE → ack; DHCP4_DECLINE_LEASE → decline; DHCP4_INFORM_DIRECT_REPLY → inform (texts of Kea 2.2 dhcp4_messages.mes)', () => {
    const reuse = rec('2026-11-29 07:10:00.001 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_REUSE [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been reused for 543 seconds', LA);
    assert.deepEqual([reuse.how, reuse.end! - reuse.ts], ['ack', 543_000_000]);
    const dec = rec('2026-11-29 07:10:00.001 INFO  [kea-dhcp4.leases/1.2] DHCP4_DECLINE_LEASE Received DHCPDECLINE for addr 10.78.2.11 from client [hwtype=1 02:78:02:00:00:02], cid=[no info], tid=0x2. The lease will be unavailable for 86400 seconds.', LA);
    assert.deepEqual([dec.how, dec.ip, dec.mac, dec.end], ['decline', '10.78.2.11', '02:78:02:00:00:02', undefined]);
    const inf = rec('2026-11-29 07:10:00.001 DEBUG [kea-dhcp4.bad-packets/1.2] DHCP4_INFORM_DIRECT_REPLY [hwtype=1 02:78:02:00:00:05], cid=[no info], tid=0x3: DHCPACK in reply to the DHCPINFORM will be sent directly to 10.78.2.50 over br0', LA);
    assert.deepEqual([inf.how, inf.ip, inf.mac, inf.via], ['inform', '10.78.2.50', '02:78:02:00:00:05', 'br0']);
  });

  test('offers, INIT-REBOOT requests, allocation failures and other messages are skipped with their reason', () => {
    assert.match(one('2026-11-29 07:03:24.993 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ADVERT [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 will be advertised', LA).reason!, /^DHCP4_LEASE_ADVERT: an offer/);
    assert.match(one('2024-03-20 10:52:20.069 INFO  [kea-dhcp4.leases/50033.140261252249344] DHCP4_LEASE_OFFER [hwtype=1 08:00:27:25:d3:f4], cid=[no info], tid=0xc288f9: lease 178.16.2.0 will be offered').reason!, /^DHCP4_LEASE_OFFER/);
    assert.match(one('2026-11-29 07:03:31.912 INFO  [kea-dhcp4.leases/1.2] DHCP4_INIT_REBOOT [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: client is in INIT-REBOOT state and requests address 10.78.2.10', LA).reason!, /^DHCP4_INIT_REBOOT: a request/);
    assert.match(one('2026-11-29 07:03:26.124 WARN  [kea-dhcp4.alloc-engine/1.2] ALLOC_ENGINE_V4_ALLOC_FAIL [hwtype=1 02:78:02:00:00:03], cid=[no info], tid=0x1: failed to allocate an IPv4 address after 2 attempt(s)', LA).reason!, /warning/);
    const o = one('2026-11-29 07:03:20.252 INFO  [kea-dhcp4.dhcp4/1.2] DHCP4_STARTED Kea DHCPv4 server version 2.2.0 started', LA);
    assert.deepEqual([o.status, o.reason], ['skip', 'Kea message that records no binding']);
  });

  test('a client without a hardware address is skipped', () => {
    assert.equal(one('2026-11-29 07:10:00.001 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [no hwaddr info], cid=[01:02:03], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds').status, 'skip');
  });
});

describe('kea: DHCPv6 log lines', () => {
  test('DHCP6_LEASE_ALLOC of a DUID-LL client: the MAC comes from the DUID (real lab line)', () => {
    const r = rec('2026-11-29 07:03:26.459 INFO  [kea-dhcp6.leases/12281.140188359840256] DHCP6_LEASE_ALLOC duid=[00:03:00:01:02:78:02:00:06:01], tid=0x34a7a0: lease for address fd78:2::100 and iaid=33555969 has been allocated for 600 seconds', LA);
    assert.deepEqual([r.ip, r.mac, r.how, r.end! - r.ts], ['fd78:2::100', '02:78:02:00:06:01', 'ack', 600_000_000]);
    assert.equal(r.ts, at(2026, 10, 29, 15, 3, 26) + 459_000);
  });

  test('DHCP6_LEASE_ALLOC of a DUID-LLT client is skipped (MAC not trusted), also when Kea prints that MAC', () => {
    const o = one('2026-11-29 07:03:28.999 INFO  [kea-dhcp6.leases/12281.1] DHCP6_LEASE_ALLOC duid=[00:01:00:01:32:9e:fb:3f:02:78:02:00:06:02], tid=0x1: lease for address fd78:2::101 and iaid=33555970 has been allocated for 600 seconds', LA);
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /DUID-LLT/);
    assert.equal(one('2026-11-29 07:03:28.999 INFO  [kea-dhcp6.leases/1.1] DHCP6_LEASE_ALLOC duid=[00:01:00:01:32:9e:fb:3f:02:78:02:00:06:02], [hwtype=1 02:78:02:00:06:02], tid=0x1: lease for address fd78:2::101 and iaid=33555970 has been allocated for 600 seconds', LA).status, 'skip');
  });

  test('a hardware address Kea found elsewhere (not the DUID-LLT one) is used', () => {
    // Pkt6::makeLabel prints ", [hwtype=… …]" when Kea has a MAC (e.g. from the link-local address or a relay option).
    const r = rec('2026-11-29 07:03:28.999 INFO  [kea-dhcp6.leases/1.1] DHCP6_LEASE_ALLOC duid=[00:02:00:00:09:bf:01:02], [hwtype=1 3c:22:fb:01:02:03], tid=0x1: lease for address fd78:2::102 and iaid=1 has been allocated for 600 seconds', LA);
    assert.equal(r.mac, '3c:22:fb:01:02:03');
  });

  test('DHCP6_RELEASE_NA → release; PD allocations are skipped', () => {
    const r = rec('2026-11-29 07:03:31.452 INFO  [kea-dhcp6.leases/12281.140188359840256] DHCP6_RELEASE_NA duid=[00:03:00:01:02:78:02:00:06:01], tid=0x91a3b5: binding for address fd78:2::100 and iaid=33555969 was released properly', LA);
    assert.deepEqual([r.how, r.ip, r.mac], ['release', 'fd78:2::100', '02:78:02:00:06:01']);
    assert.equal(one('2026-11-29 07:03:31.452 INFO  [kea-dhcp6.leases/1.1] DHCP6_PD_LEASE_ALLOC duid=[00:03:00:01:02:78:02:00:06:01], tid=0x1: lease for prefix 2001:db8:100::/56 and iaid=1 has been allocated for 600 seconds', LA).status, 'skip');
  });
});

describe('kea: forensic (legal) log', () => {
  test('default format: the zone abbreviation fixes the offset; duration → end; relay → via', () => {
    const r = rec('2018-01-06 01:02:03 CET Address: 192.2.1.100 has been renewed for 1 hrs 52 min 15 secs to a device with hardware address: hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54 connected via relay at address: 192.2.16.33, identified by circuit-id: 68:6f:77:64:79 (howdy) and remote-id: 87:f6:79:77:ef', LA);
    assert.equal(r.ts, at(2018, 0, 6, 0, 2, 3)); // CET = +01:00 whatever zone the source is configured with
    assert.equal(r.rawStamp, '2018-01-06 01:02:03 CET');
    assert.deepEqual([r.how, r.ip, r.mac, r.via, (r.end! - r.ts) / 1e6], ['renew', '192.2.1.100', '08:00:2b:02:3f:4e', '192.2.16.33', 6735]);
  });

  test('an ambiguous abbreviation is read in the configured zone', () => {
    const r = rec('2026-07-01 10:00:00 IST Address: 10.1.1.5 has been assigned for 0 hrs 10 mins 0 secs to a device with hardware address: hwtype=1 02:78:02:00:00:09', BERLIN);
    assert.equal(r.ts, at(2026, 6, 1, 8, 0, 0)); // Europe/Berlin summer time
    assert.equal(r.end! - r.ts, 600_000_000);
  });

  test('released, DHCPv6 and command entries', () => {
    assert.equal(rec('2018-01-06 01:02:03 CET Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54').how, 'release');
    const v6 = rec('2018-01-06 01:02:03 PST Address:2001:db8:1:: has been assigned for 0 hrs 11 mins 53 secs to a device with DUID: 17:34:e2:ff:09:92:54 and hardware address: hwtype=1 08:00:2b:02:3f:4e (from Raw Socket) connected via relay at address: fe80::abcd for client on link address: 3001::1, hop count: 1');
    assert.deepEqual([v6.ip, v6.mac, v6.ts, v6.via], ['2001:db8:1::', '08:00:2b:02:3f:4e', at(2018, 0, 6, 9, 2, 3), 'fe80::abcd']);
    const llt = one('2018-01-06 01:02:03 PST Address:2001:db8:1::5 has been assigned for 0 hrs 11 mins 53 secs to a device with DUID: 00:01:00:01:32:9e:fb:3f:02:78:02:00:06:02 and hardware address: hwtype=1 02:78:02:00:06:02 (from DUID)');
    assert.equal(llt.status, 'skip');
    const add = rec('2018-01-06 01:02:03 CET Administrator added a lease of address: 192.0.2.202 to a device with hardware address: 1a:1b:1c:1d:1e:1f for 1 days 0 hrs 0 mins 0 secs');
    assert.deepEqual([add.how, add.ip, add.mac, (add.end! - add.ts) / 1e6], ['ack', '192.0.2.202', '1a:1b:1c:1d:1e:1f', 86400]);
    assert.equal(one('2018-01-06 01:02:03 CET Administrator deleted the lease for address: 192.0.2.202').status, 'skip');
  });

  test('infinite duration: no end', () => {
    const r = rec('2026-11-29 10:00:00 UTC Address: 10.1.1.6 has been assigned for infinite duration to a device with hardware address: hwtype=1 02:78:02:00:00:0a');
    assert.equal(r.end, undefined);
  });
});

describe('kea: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated LEASE_ALLOC (inside the address)': '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.',
    'truncated LEASE_ALLOC (inside the label)': '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [hwtype=1 02:78:0',
    'truncated logger field': '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/1.2',
    'invalid date': '2026-02-30 07:03:24.995 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds',
    'forensic entry with a broken duration': '2018-01-06 01:02:03 CET Address: 192.2.1.100 has been assigned for many hrs to a device with hardware address: hwtype=1 08:00:2b:02:3f:4e',
    'an isc-dhcpd line': '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPACK on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1) via br0',
    'a dnsmasq line': 'Nov 29 15:15:13 dnsmasq-dhcp[5353]: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1',
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

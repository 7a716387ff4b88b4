import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { iscDhcpd } from './index.ts';

const KOLKATA = contextFor({ zone: 'Asia/Kolkata', reference: Date.UTC(2026, 10, 29, 15, 5) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers<LeaseRecord>(iscDhcpd, UTC);
function counts(name: string): { records: number; skip: number; unparsed: number; reasons: string[] } {
  const file = readTestdata(iscDhcpd, `${testdataDir(iscDhcpd)}/${name}`);
  const out = runFile(iscDhcpd, file);
  return {
    records: out.filter((o) => o.status === 'records').length,
    skip: out.filter((o) => o.status === 'skip').length,
    unparsed: out.filter((o) => o.status === 'unparsed').length,
    reasons: out.filter((o) => o.status === 'unparsed').map((o) => o.reason!),
  };
}

describe('isc-dhcpd: expected output of every testdata file', () => {
  for (const path of testdataFiles(iscDhcpd)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(iscDhcpd, readTestdata(iscDhcpd, path)));
  }
});

describe('isc-dhcpd: testdata coverage', () => {
  test('corpus (every line of 01-isc-dhcpd.txt): 8 bindings, the rest knowingly skipped, nothing unparsed', () => {
    assert.deepEqual(counts('corpus.log'), { records: 8, skip: 34, unparsed: 0, reasons: [] });
  });
  test('lab v4 syslog: 4 ACKs (one after INIT-REBOOT) and 1 release; DISCOVER/OFFER/REQUEST/no-free-leases skipped', () => {
    assert.deepEqual(counts('lab-syslog-kolkata.log'), { records: 5, skip: 29, unparsed: 0, reasons: [] });
  });
  test('lab v6 syslog: the DUID-LL client bound and released; the DUID-LLT client skipped', () => {
    assert.deepEqual(counts('lab-syslog-v6-kolkata.log'), { records: 2, skip: 31, unparsed: 0, reasons: [] });
  });
  test('lab stderr copy: the 5 binding lines are unparsed on purpose (no time stamp on stderr)', () => {
    const c = counts('lab-stderr-no-stamps.log');
    assert.equal(c.records, 0);
    assert.deepEqual(c.reasons, Array(5).fill('no time stamp'));
  });
});

describe('isc-dhcpd: DHCPv4', () => {
  // Real line from testdata/lab-syslog-kolkata.log (dhcpd 4.4.3, TZ=Asia/Kolkata, glibc syslog datagram).
  test('DHCPACK: local Kolkata time → UTC, every field', () => {
    const line = '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPACK on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1) via br0';
    const r = rec(line, KOLKATA);
    assert.equal(r.kind, 'lease');
    assert.equal(r.ts, at(2026, 10, 29, 15, 3, 24)); // 20:33:24 IST (+05:30)
    assert.equal(r.rawStamp, 'Nov 29 20:33:24');
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.deepEqual([r.ip, r.mac, r.hostname, r.how, r.via], ['10.78.1.10', '02:78:01:00:00:01', 'pc-i1', 'ack', 'br0']);
    assert.equal(r.end, undefined); // dhcpd does not log the lease time
    assert.equal(r.raw, line);
  });

  test('DHCPRELEASE (found) → release; (not found) → skip', () => {
    const r = rec('<30>Nov 29 20:33:33 dhcpd[12204]: DHCPRELEASE of 10.78.1.10 from 02:78:01:00:00:01 (pc-i1) via br0 (found)', KOLKATA);
    assert.deepEqual([r.how, r.ip, r.mac, r.hostname, r.ts], ['release', '10.78.1.10', '02:78:01:00:00:01', 'pc-i1', at(2026, 10, 29, 15, 3, 33)]);
    // Shape from dhcp.c dhcprelease(): "(%sfound)" with "not ".
    const o = one('<30>Nov 29 20:33:33 dhcpd[12204]: DHCPRELEASE of 10.78.1.99 from 02:78:01:00:00:09 via br0 (not found)');
    assert.deepEqual([o.status, o.reason], ['skip', 'DHCPRELEASE for a lease the server did not hold']);
  });

  test('relayed DHCPACK: via is the relay (giaddr)', () => {
    // Shape from dhcp.c ack_lease(): "%s on %s to %s %s%s%svia %s" with inet_ntoa(giaddr).
    const r = rec('<30>Nov 29 20:33:24 dhcpd[12204]: DHCPACK on 10.20.5.17 to 3c:22:fb:01:02:03 (lap-7) via 10.20.5.1');
    assert.equal(r.via, '10.20.5.1');
    assert.equal(r.hostname, 'lap-7');
  });

  test('Infoblox NIOS: lease-duration gives the end, (RENEW) the how', () => {
    const r = rec('<30>Sep 28 10:15:46 192.168.1.2 dhcpd[13613]: DHCPACK on 192.168.1.120 to 11:22:33:44:55:66 (dummyhostname123) via eth1 relay eth1 lease-duration 600 (RENEW) uid 99:88:77:66:55:44:33');
    assert.equal(r.how, 'renew');
    assert.equal(r.end! - r.ts, 600_000_000);
    assert.equal(r.logHost, '192.168.1.2');
    assert.equal(r.via, 'eth1');
  });

  test('DHCPDECLINE: abandoned → decline; not found → skip (shapes from dhcp.c dhcpdecline())', () => {
    const r = rec('<30>Nov 29 20:40:00 dhcpd[1]: DHCPDECLINE of 10.78.1.11 from 02:78:01:00:00:02 (pc-i2) via br0: abandoned');
    assert.deepEqual([r.how, r.ip, r.mac, r.via], ['decline', '10.78.1.11', '02:78:01:00:00:02', 'br0']);
    assert.equal(one('<30>Nov 29 20:40:00 dhcpd[1]: DHCPDECLINE of 10.78.1.11 from 02:78:01:00:00:02 via br0: not found').status, 'skip');
  });

  test('DHCPINFORM is skipped; its "DHCPACK to IP (MAC) via X" answer is an inform lease', () => {
    assert.equal(one('<30>Nov 29 20:40:00 dhcpd[1]: DHCPINFORM from 10.78.1.50 via br0').status, 'skip');
    // Shape from dhcp.c dhcpinform(): "DHCPACK to %s (%s) via" + " %s".
    const r = rec('<30>Nov 29 20:40:00 dhcpd[1]: DHCPACK to 10.78.1.50 (02:78:01:00:00:05) via br0');
    assert.deepEqual([r.how, r.ip, r.mac, r.via], ['inform', '10.78.1.50', '02:78:01:00:00:05', 'br0']);
    assert.equal(one('<30>Nov 29 20:40:00 dhcpd[1]: DHCPACK to 10.78.1.50 (<no client hardware address>) via br0').status, 'skip');
  });

  test('BOOTREPLY (both shapes) → ack', () => {
    assert.equal(rec('<30>Nov 29 20:40:00 dhcpd[1]: BOOTREPLY on 10.78.1.60 to 02:78:01:00:00:06 via br0').how, 'ack');
    const r = rec('<30>Nov 29 20:40:00 dhcpd[1]: BOOTREPLY for 10.78.1.61 to printer-3 (02:78:01:00:00:07) via br0');
    assert.deepEqual([r.ip, r.mac, r.hostname, r.via], ['10.78.1.61', '02:78:01:00:00:07', 'printer-3', 'br0']);
  });

  test('DISCOVER / OFFER / REQUEST / NAK are skipped; "no free leases" has its own reason to count', () => {
    for (const l of [
      '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPDISCOVER from 02:78:01:00:00:01 via br0',
      '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPOFFER on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1) via br0',
      '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPREQUEST for 10.78.1.10 (10.78.1.1) from 02:78:01:00:00:01 (pc-i1) via br0',
      '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPNAK on 10.78.1.99 to 02:78:01:00:00:01 via br0',
    ]) assert.equal(one(l).status, 'skip', l);
    const o = one('<27>Nov 29 20:33:26 dhcpd[12204]: DHCPDISCOVER from 02:78:01:00:00:03 via br0: network 10.78.1.0/24: no free leases');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /no free leases.*warning/);
  });

  test('a client known only by its client-id (no hardware address) is skipped', () => {
    // ack_lease() prints the uid with print_hex_1 when the lease has no hardware address.
    const o = one('<30>Nov 29 20:40:00 dhcpd[1]: DHCPACK on 10.78.1.70 to 01:02:78:01:00:00:08 via br0');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /no Ethernet MAC/);
  });
});

describe('isc-dhcpd: DHCPv6 (dhcpd -6)', () => {
  test('Reply NA with a DUID-LL: lease with the MAC from the DUID and end = valid lifetime (real lab line)', () => {
    const r = rec('<30>Nov 29 20:33:26 dhcpd[12244]: Reply NA: address fd78:1::16e to client with duid 00:03:00:01:02:78:01:00:06:01 iaid = 16778753 valid for 600 seconds', KOLKATA);
    assert.deepEqual([r.ip, r.mac, r.how], ['fd78:1::16e', '02:78:01:00:06:01', 'ack']);
    assert.equal(r.ts, at(2026, 10, 29, 15, 3, 26));
    assert.equal(r.end, at(2026, 10, 29, 15, 13, 26));
  });

  test('Reply NA with a DUID-LLT is skipped (MAC not trusted); Advertise NA and Reply PD are skipped', () => {
    const o = one('<30>Nov 29 20:33:28 dhcpd[12244]: Reply NA: address fd78:1::198 to client with duid 00:01:00:01:32:9e:fb:3f:02:78:01:00:06:02 iaid = 16778754 valid for 600 seconds');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /DUID-LLT/);
    assert.equal(one('<30>Nov 29 20:33:26 dhcpd[12244]: Advertise NA: address fd78:1::16e to client with duid 00:03:00:01:02:78:01:00:06:01 iaid = 16778753 valid for 600 seconds').status, 'skip');
    assert.equal(one('<30>Nov 29 20:33:26 dhcpd[1]: Reply PD: address 2001:db8:100::/56 to client with duid 00:03:00:01:02:78:01:00:06:01 iaid = 1 valid for 600 seconds').status, 'skip');
  });

  test('"Client DUID releases address" with a DUID-LL → release (real lab line)', () => {
    const r = rec('<30>Nov 29 20:33:31 dhcpd[12244]: Client 00:03:00:01:02:78:01:00:06:01 releases address fd78:1::16e', KOLKATA);
    assert.deepEqual([r.how, r.ip, r.mac], ['release', 'fd78:1::16e', '02:78:01:00:06:01']);
  });
});

describe('isc-dhcpd: other carriers of the same lines', () => {
  test('daemontools multilog TAI64N label → UTC (label = 2^62 + 10 + Unix seconds)', () => {
    const r = rec('@4000000046387cf7233fcbcc DHCPACK on 192.168.100.5 to 00:08:02:1e:ab:b5 via eth0');
    assert.equal(r.ts, Date.UTC(2007, 4, 2, 11, 58, 37) * 1000 + 591_383); // 0x46387cf7 − 10 s; 0x233fcbcc = 591383500 ns
    assert.equal(r.rawStamp, '@4000000046387cf7233fcbcc');
  });

  test("loghub's dataset prefix: the collector's epoch is the time, the inner syslog host the log host", () => {
    const r = rec('- 1131566525 2005.11.09 aadmin1 Nov 9 12:02:05 src@aadmin1 dhcpd: DHCPACK on 10.100.4.251 to 00:11:43:e3:ba:c3 via eth1');
    assert.equal(r.ts, 1131566525 * 1_000_000);
    assert.equal(r.logHost, 'src@aadmin1');
    assert.equal(r.rawStamp, '1131566525');
  });

  test('OPNsense RFC 5424: the stamp carries its offset', () => {
    const r = rec('<190>1 2022-08-12T12:01:17-05:00 IWNKGW01.nk.iwerx.org dhcpd 52501 - [meta sequenceId="2709"] DHCPRELEASE of 172.23.128.214 from 68:d7:9a:86:2c:f1 (IWNKD1WL01) via ixl0 (found)');
    assert.equal(r.ts, at(2022, 7, 12, 17, 1, 17));
    assert.equal(r.flags, undefined);
  });

  test('a binding line without any stamp (dhcpd -d stderr) is unparsed "no time stamp"', () => {
    const o = one('DHCPACK on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1) via br0');
    assert.deepEqual([o.status, o.reason], ['unparsed', 'no time stamp']);
  });
});

describe('isc-dhcpd: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated DHCPACK (inside the address)': '<30>Nov 29 20:33:24 dhcpd[1]: DHCPACK on 10.78.1.',
    'truncated DHCPACK (inside the MAC)': '<30>Nov 29 20:33:24 dhcpd[1]: DHCPACK on 10.78.1.10 to 02:78:01:0',
    'truncated DHCPACK (before via)': '<30>Nov 29 20:33:24 dhcpd[1]: DHCPACK on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1',
    'DHCPACK with a broken MAC': '<30>Nov 29 20:33:24 dhcpd[1]: DHCPACK on 10.78.1.10 to zz:78:01:00:00:01 via br0',
    'truncated Reply NA': '<30>Nov 29 20:33:26 dhcpd[1]: Reply NA: address fd78:1::16e to client with du',
    'a dnsmasq line': 'Nov 29 15:15:13 dnsmasq-dhcp[5353]: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1',
    'a kea line': '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/12220.1] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds',
    'a bad TAI64N label': '@40000000zz387cf7233fcbcc DHCPACK on 192.168.100.5 to 00:08:02:1e:ab:b5 via eth0',
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

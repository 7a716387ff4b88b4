import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { keaLeases } from './index.ts';

const CTX = contextFor({ zone: 'America/Los_Angeles', reference: Date.UTC(2026, 10, 29, 15, 5) * 1000 });

function one(line: string): Outcome {
  return parseMessage(keaLeases, line, CTX);
}
function rec(line: string): LeaseRecord {
  const o = one(line);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  return o.records[0] as LeaseRecord;
}
function counts(name: string): { records: number; skip: number; unparsed: string[] } {
  const out = runFile(keaLeases, readTestdata(keaLeases, `${testdataDir(keaLeases)}/${name}`));
  return {
    records: out.filter((o) => o.status === 'records').length,
    skip: out.filter((o) => o.status === 'skip').length,
    unparsed: out.filter((o) => o.status === 'unparsed').map((o) => o.reason!),
  };
}

describe('kea-leases: expected output of every testdata file', () => {
  for (const path of testdataFiles(keaLeases)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(keaLeases, readTestdata(keaLeases, path)));
  }
});

describe('kea-leases: testdata coverage', () => {
  test("corpus (Part C of 02-kea-dhcp4.txt, Kea's unit-test rows): headers and odd rows skipped; the two rows dated 1970 are unparsed on purpose", () => {
    const c = counts('corpus.csv');
    assert.equal(c.records, 0);
    assert.equal(c.skip, 6);
    assert.deepEqual(c.unparsed, Array(2).fill('kea-leases4: lease time before 1990 or after 2100 (test data or a broken clock)'));
  });
  test('lab kea-leases4.csv: 4 leases, 1 reclaimed expiry, the release row and the header skipped', () => {
    assert.deepEqual(counts('lab-leases4.csv'), { records: 5, skip: 2, unparsed: [] });
  });
  test('lab kea-leases6.csv: the DUID-LL lease; the DUID-LLT lease, the release row and the header skipped', () => {
    assert.deepEqual(counts('lab-leases6.csv'), { records: 1, skip: 3, unparsed: [] });
  });
});

describe('kea-leases: rows', () => {
  // Real rows from testdata/lab-leases4.csv (Debian Kea 2.2.0).
  test('a v4 lease: ts = expire − valid_lifetime, end = expire, hostname', () => {
    const line = '10.78.2.10,02:78:02:00:00:01,,600,1795965204,1,0,0,pc-k1,0,';
    const r = rec(line);
    assert.equal(r.ts, (1795965204 - 600) * 1_000_000);
    assert.equal(r.end, 1795965204 * 1_000_000);
    assert.equal(r.rawStamp, '1795965204');
    assert.deepEqual([r.ip, r.mac, r.hostname, r.how], ['10.78.2.10', '02:78:02:00:00:01', 'pc-k1', 'ack']);
    assert.equal(r.flags, undefined);
    assert.equal(r.raw, line);
  });

  test('state 2 (expired-reclaimed) → expire at the expiry time', () => {
    const r = rec('10.78.2.11,02:78:02:00:00:02,,8,1795964613,1,0,0,,2,');
    assert.deepEqual([r.how, r.ts, r.end, r.hostname], ['expire', 1795964613 * 1_000_000, undefined, undefined]);
  });

  test('valid_lifetime 0 (a deleted lease: its expire is the last renewal, not the deletion) is skipped', () => {
    const o = one('10.78.2.10,02:78:02:00:00:01,,0,1795964611,1,0,0,pc-k1,0,');
    assert.equal(o.status, 'skip');
    assert.match(o.reason!, /deleted lease/);
  });

  test('headers are skipped; declined rows (state 1) without a client are skipped', () => {
    assert.equal(one('address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id').reason, 'CSV header line (kea-leases4.csv)');
    assert.equal(one('address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,hwaddr_source').reason, 'CSV header line (kea-leases6.csv)');
    assert.match(one('10.78.2.12,,,86400,1796050000,1,0,0,,1,').reason!, /declined/);
  });

  test('escaped commas in the hostname (&#x2c) are restored; pool_id column accepted', () => {
    assert.equal(rec('10.78.2.13,02:78:02:00:00:04,,600,1795965204,1,0,0,a&#x2cb,0,,0').hostname, 'a,b');
  });

  test('v6: a DUID-LL lease names its MAC; a MAC taken from a DUID-LLT (hwaddr_source 2) is skipped; PD rows are skipped', () => {
    const r = rec('fd78:2::100,00:03:00:01:02:78:02:00:06:01,600,1795965206,1,300,0,33555969,128,0,0,,02:78:02:00:06:01,0,,1,2');
    assert.deepEqual([r.ip, r.mac, r.ts, r.end], ['fd78:2::100', '02:78:02:00:06:01', (1795965206 - 600) * 1e6, 1795965206 * 1e6]);
    assert.match(one('fd78:2::101,00:01:00:01:32:9e:fb:3f:02:78:02:00:06:02,600,1795965209,1,300,0,33555970,128,0,0,,02:78:02:00:06:02,0,,1,2').reason!, /DUID-LLT/);
    assert.match(one('2001:db8:100::,00:03:00:01:02:78:02:00:06:01,600,1795965206,1,300,2,1,56,0,0,,,0,,1,0').reason!, /IA_PD/);
    // A MAC from another source (4 = the client's link-local address) is used.
    assert.equal(rec('fd78:2::102,00:02:00:00:09:bf:01:02,600,1795965206,1,300,0,1,128,0,0,,3c:22:fb:01:02:03,0,,1,4').mac, '3c:22:fb:01:02:03');
    assert.match(one('fd78:2::103,00:02:00:00:09:bf:01:02,600,1795965206,1,300,0,1,128,0,0,,,0,,0,0').reason!, /no MAC/);
  });

  test('an infinite lease (valid_lifetime 4294967295) starts at expire − valid and has no end', () => {
    const expire = 1795965204 + 4294967295;
    const r = rec(`10.78.2.14,02:78:02:00:00:05,,4294967295,${expire},1,0,0,,0,`);
    assert.equal(r.ts, 1795965204 * 1e6);
    assert.equal(r.end, undefined);
  });
});

describe('kea-leases: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated row': '10.78.2.10,02:78:02:00:00:01,,600,17959',
    'non-numeric expire': '10.78.2.10,02:78:02:00:00:01,,600,soon,1,0,0,pc-k1,0,',
    'unknown state': '10.78.2.10,02:78:02:00:00:01,,600,1795965204,1,0,0,pc-k1,7,',
    'unknown header': 'address,foo,bar',
    'a kea log line': '2026-11-29 07:03:24.995 INFO  [kea-dhcp4.leases/1.2] DHCP4_LEASE_ALLOC [hwtype=1 02:78:02:00:00:01], cid=[no info], tid=0x1: lease 10.78.2.10 has been allocated for 600 seconds',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LeaseRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { windowsDhcp } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(line: string, ctx = BERLIN): Outcome {
  return parseMessage(windowsDhcp, line, ctx);
}
function rec(line: string, ctx = BERLIN): LeaseRecord {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  return o.records[0] as LeaseRecord;
}
function counts(name: string): { records: number; skip: number; unparsed: number } {
  const out = runFile(windowsDhcp, readTestdata(windowsDhcp, `${testdataDir(windowsDhcp)}/${name}`));
  return {
    records: out.filter((o) => o.status === 'records').length,
    skip: out.filter((o) => o.status === 'skip').length,
    unparsed: out.filter((o) => o.status === 'unparsed').length,
  };
}

describe('windows-dhcp: expected output of every testdata file', () => {
  for (const path of testdataFiles(windowsDhcp)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(windowsDhcp, readTestdata(windowsDhcp, path)));
  }
});

describe('windows-dhcp: testdata coverage', () => {
  test('corpus (every row of 04-windows-dhcp-audit.txt): all understood; the two Assign rows carry a placeholder MAC', () => {
    assert.deepEqual(counts('corpus.log'), { records: 0, skip: 18, unparsed: 0 });
    const out = runFile(windowsDhcp, readTestdata(windowsDhcp, `${testdataDir(windowsDhcp)}/corpus.log`));
    assert.equal(out.filter((o) => o.reason === 'event 10: all-zero MAC (a placeholder, not a client)').length, 2);
  });
  test('IPv4 file with preamble: every preamble line skipped with a reason, 5 bindings', () => {
    assert.deepEqual(counts('DhcpSrvLog-Sun.log'), { records: 5, skip: 37, unparsed: 0 });
  });
  test('IPv6 file with preamble: 3 bindings of the DUID-LL client, the DUID-LLT client skipped', () => {
    assert.deepEqual(counts('DhcpV6SrvLog-Sun.log'), { records: 3, skip: 28, unparsed: 0 });
  });
});

describe('windows-dhcp: IPv4 rows', () => {
  test('10 Assign: local server time (MM/DD/YY) → UTC, bare-hex MAC normalised, host name', () => {
    const line = '10,11/29/26,09:15:02,Assign,10.20.30.41,pc-17.corp.example,000C29A1B2C3,,2934857123,0,,,,0x4D53465420352E30,MSFT 5.0,,,,0';
    const r = rec(line);
    assert.equal(r.ts, at(2026, 10, 29, 8, 15, 2)); // 09:15:02 CET
    assert.equal(r.rawStamp, '11/29/26,09:15:02');
    assert.equal(r.flags, undefined);
    assert.deepEqual([r.ip, r.mac, r.hostname, r.how], ['10.20.30.41', '00:0c:29:a1:b2:c3', 'pc-17.corp.example', 'ack']);
    assert.equal(r.raw, line);
  });

  test('11 Renew, 12 Release, 16 Deleted, 17/18 Expired', () => {
    const b = ',11/29/26,13:15:04,X,10.20.30.41,pc-17,000C29A1B2C3,,0,6,,,,,,,,,0';
    assert.deepEqual(['11', '12', '16', '17', '18', '20', '21'].map((id) => rec(id + b).how), ['renew', 'release', 'release', 'expire', 'expire', 'ack', 'ack']);
  });

  test('no host name: the field is omitted; dashed MACs are accepted', () => {
    const r = rec('10,11/29/26,09:15:02,Assign,10.20.30.42,,00-0C-29-A1-B2-C4,,1,0,,,,,,,,,0');
    assert.equal(r.hostname, undefined);
    assert.equal(r.mac, '00:0c:29:a1:b2:c4');
  });

  test('a time in the autumn DST hour is ambiguous: both readings kept', () => {
    const r = rec('10,10/25/26,02:30:00,Assign,10.20.30.44,pc-21.corp.example,000C29D4E5F6,,1029384756,0,,,,0x4D53465420352E30,MSFT 5.0,,,,0');
    assert.equal(r.flags?.ambiguous, true);
    assert.equal(r.ts, at(2026, 9, 25, 0, 30, 0));
    assert.equal(r.tsAlt, at(2026, 9, 25, 1, 30, 0));
  });

  test('non-binding events, the preamble and the header are skipped with their reason', () => {
    assert.equal(one('15,11/29/26,14:05:12,NACK,10.20.30.99,,000C291AA6AF,,0,6,,,,,,,,,0').reason, 'event 15: lease denied (NACK)');
    assert.match(one('14,11/29/26,14:05:12,Scope Full,,,,,0,6,,,,,,,,,0').reason!, /pool exhausted/);
    assert.equal(one('\t\tMicrosoft DHCP Service Activity Log').reason, 'preamble: log title');
    assert.equal(one('10\tA new IP address was leased to a client.').reason, 'preamble: event ID legend line');
    assert.equal(one('50+\tCodes above 50 are used for Rogue Server Detection information.').reason, 'preamble: event ID legend line');
    assert.equal(one('ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult,Probationtime, CorrelationID,Dhcid,VendorClass(Hex),VendorClass(ASCII),UserClass(Hex),UserClass(ASCII),RelayAgentInformation,DnsRegError.').reason, 'CSV header line');
  });
});

describe('windows-dhcp: IPv6 rows (DhcpV6SrvLog)', () => {
  test('11002 Request with a DUID-LL (bare hex) → lease with the MAC from the DUID', () => {
    const r = rec('11002,11/29/26,09:20:11,DHCPV6 Request,2001:db8:20::41,pc-17.corp.example,,10,00030001000C29A1B2C3,,,2001:db8:20::,');
    assert.deepEqual([r.ip, r.mac, r.how, r.ts], ['2001:db8:20::41', '00:0c:29:a1:b2:c3', 'ack', at(2026, 10, 29, 8, 20, 11)]);
  });

  test('a DUID-LLT or DUID-UUID client is skipped (no trusted MAC)', () => {
    assert.match(one('11002,11/29/26,09:21:40,DHCPV6 Request,2001:db8:20::52,laptop-3.corp.example,,14,000100012C1F4A5B000C29D4E5F6,,,2001:db8:20::,').reason!, /DUID-LLT/);
    assert.match(one('11002,12/06/21,12:45:49,DHCPV6 Request,2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6,test-host,,18,0004A34473BFC27FC55B25E86AF0E1761DAA,,,,,').reason!, /DUID-UUID/);
  });
});

describe('windows-dhcp: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated row': '10,11/29/26,09:15',
    'bad date': '10,13/45/26,09:15:02,Assign,10.20.30.41,pc-17,000C29A1B2C3,,1,0,,,,,,,,,0',
    'date in another order': '10,2026-11-29,09:15:02,Assign,10.20.30.41,pc-17,000C29A1B2C3,,1,0,,,,,,,,,0',
    'no IP in an Assign row': '10,11/29/26,09:15:02,Assign,,pc-17,000C29A1B2C3,,1,0,,,,,,,,,0',
    'broken MAC': '10,11/29/26,09:15:02,Assign,10.20.30.41,pc-17,000C29A1B2ZZ,,1,0,,,,,,,,,0',
    'unknown event ID': '42,11/29/26,09:15:02,Something,10.20.30.41,pc-17,000C29A1B2C3,,1,0,,,,,,,,,0',
    'an isc-dhcpd line': '<30>Nov 29 20:33:24 dhcpd[12204]: DHCPACK on 10.78.1.10 to 02:78:01:00:00:01 (pc-i1) via br0',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

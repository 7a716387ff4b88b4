import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataFiles } from '../testing.ts';
import { argus } from './index.ts';

const REF = Date.UTC(2026, 10, 29, 14, 55) * 1000;
/** Unit tests use their own source ids: the column layout is remembered per source. */
const ctxFor = (source: string) => contextFor({ zone: 'Europe/Berlin', reference: REF }, source);
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, us = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;

function one(line: string, source = 'unit'): Outcome {
  return parseMessage(argus, line, ctxFor(source));
}
function flow(line: string, source = 'unit'): FlowRecord {
  const o = one(line, source);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as FlowRecord;
}
function run(name: string) {
  const path = testdataFiles(argus).find((p) => p.endsWith(`/${name}`))!;
  const f = readTestdata(argus, path);
  const out = runFile(argus, f);
  const c = { records: 0, skip: 0, unparsed: 0 };
  for (const o of out) c[o.status]++;
  return { c, f, out };
}

describe('argus: expected output of every testdata file', () => {
  for (const path of testdataFiles(argus)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(argus, readTestdata(argus, path)));
  }
});

describe('argus: every testdata line is accounted for', () => {
  test('corpus.log: 27 flows, 2 headers; the 4 rows of `ra -s saddr,daddr,proto,sport,dport` unparsed on purpose', () => {
    const { c, f, out } = run('corpus.log');
    assert.deepEqual(c, { records: 27, skip: 2, unparsed: 4 });
    // Those rows (openargus/clients issue #13) carry no time and no header: nothing places them in time.
    out.forEach((o, i) => {
      if (o.status === 'unparsed') {
        assert.match(f.messages[i]!, /^59\.166\.0\.\d,149\.171\.126\.\d,(tcp|udp),\d+,\w+$/);
        assert.match(o.reason!, /unknown column layout/);
      }
    });
  });
  test('generated files: every IP flow with a dated stamp is a record; time-of-day and truncated stamps skipped', () => {
    assert.deepEqual(run('text-epoch.log').c, { records: 8, skip: 4, unparsed: 0 });
    assert.deepEqual(run('text-date.log').c, { records: 8, skip: 16, unparsed: 0 });
    assert.deepEqual(run('text-default.log').c, { records: 0, skip: 24, unparsed: 0 });
    assert.deepEqual(run('csv.log').c, { records: 16, skip: 20, unparsed: 0 });
  });
});

describe('argus: flows', () => {
  test('ra -u -n with ltime, sbytes, dbytes: epoch stamps, every field', () => {
    const s = 'unit-epoch';
    assert.equal(one('         StartTime           LastTime        Dur  Proto            SrcAddr  Sport   Dir            DstAddr  Dport     SrcBytes     DstBytes State ', s).status, 'skip');
    const line = ' 1795963822.015592  1795963822.016562   0.000970    tcp          10.99.0.1.51380     ->          10.99.0.2.8080            356         3357   FIN';
    const r = flow(line, s);
    assert.equal(r.kind, 'flow');
    assert.equal(r.ts, at(2026, 11, 29, 14, 50, 22, 15592));
    assert.equal(r.rawStamp, '1795963822.015592');
    assert.equal(r.end, at(2026, 11, 29, 14, 50, 22, 16562));
    assert.deepEqual([r.proto, r.srcIp, r.srcPort, r.dstIp, r.dstPort], ['tcp', '10.99.0.1', 51380, '10.99.0.2', 8080]);
    assert.deepEqual([r.state, r.bytesOut, r.bytesIn, r.how], ['FIN', 356, 3357, 'argus']);
    assert.equal(r.raw, line);
  });

  test('CSV with a dated RA_TIME_FORMAT: local Berlin time; IPv6 addresses', () => {
    const s = 'unit-csv';
    one('StartTime,LastTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,SrcBytes,DstBytes,SrcPkts,DstPkts', s);
    const r = flow('2026-11-29 15:50:22.017226,2026-11-29 15:50:22.017543,0.000317,tcp,fd99::1,52198,   ->,fd99::2,8080,FIN,1238,3457,5,5', s);
    assert.equal(r.ts, at(2026, 11, 29, 14, 50, 22, 17226)); // CET
    assert.equal(r.flags, undefined);
    assert.deepEqual([r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.end], ['fd99::1', 52198, 'fd99::2', 8080, at(2026, 11, 29, 14, 50, 22, 17543)]);
  });

  test('binetflow CSV: end from Dur, bytesIn = TotBytes - SrcBytes, service names give no port', () => {
    const s = 'unit-binetflow';
    one('StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label', s);
    const r = flow('2019/04/04 16:23:00.355768,129.927856,tcp,10.8.0.69,48009,   ->,31.13.83.2,443,SPA_SRPA,0,164,26,5723,1621,13,', s);
    assert.equal(r.end, r.ts + 129_927_856);
    assert.deepEqual([r.state, r.bytesOut, r.bytesIn], ['SPA_SRPA', 1621, 5723 - 1621]);
    one('StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes', s);
    const named = flow('2026/11/29 15:50:22.015592,0.000970,tcp,10.99.0.1,51380,   ->,10.99.0.2,http-alt,FIN,0,0,10,3713,356', s);
    assert.equal(named.dstPort, undefined);
    assert.equal(named.srcPort, 51380);
  });

  test('columnar text without a header: default layout, address.port split, state', () => {
    const r = flow('2026-11-29 15:50:22.016660  e           udp          10.99.0.1.52644    <->          10.99.0.2.5353          2        150   CON', 'unit-nohdr');
    assert.deepEqual([r.proto, r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.state, r.bytesOut], ['udp', '10.99.0.1', 52644, '10.99.0.2', 5353, 'CON', undefined]);
  });

  test('month/day stamps (radns): year inferred; a truncated duration gives no end', () => {
    const s = 'unit-radns';
    one('            StartTime        Dur      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport  SrcPkts  DstPkts     SrcBytes     DstBytes State ', s);
    const r = flow('03/18.00:22:48.410243 4142.3872*  e           udp       192.168.0.78          <->       192.168.0.66.53          513      511        42985       185365   CON', s);
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.equal(r.ts, at(2027, 3, 17, 23, 22, 48, 410243)); // CET; the clock picks the year nearest the reference
    assert.equal(r.end, undefined);
    assert.deepEqual([r.dstPort, r.bytesOut, r.bytesIn], [53, 42985, 185365]);
    const ok = flow('03/24.00:51:31.090033   5.563560  e           udp       192.168.0.78          <->       192.168.0.66.53           20       20         1658         9712   CON', s);
    assert.equal(ok.end, ok.ts + 5_563_560);
  });

  test('the layout is kept per source: interleaved sources do not mix', () => {
    one('StartTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcBytes,DstBytes,State', 'unit-a');
    one('StartTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,DstBytes,SrcBytes,State', 'unit-b');
    const a = flow('1795963822.015592,tcp,10.99.0.1,51380,   ->,10.99.0.2,8080,1,2,FIN', 'unit-a');
    const b = flow('1795963822.015592,tcp,10.99.0.1,51380,   ->,10.99.0.2,8080,1,2,FIN', 'unit-b');
    assert.deepEqual([a.bytesOut, a.bytesIn, b.bytesOut, b.bytesIn], [1, 2, 2, 1]);
  });
});

describe('argus: lines without a usable time or flow are skipped with a reason', () => {
  test('time of day only, truncated stamp, management and ARP records', () => {
    for (const [l, re] of [
      ['   15:50:22.015592  e           tcp          10.99.0.1.51380     ->          10.99.0.2.http-*       10       3713   FIN', /time of day/],
      ['2026-11-29 15:50:*  e           tcp          10.99.0.1.51380     ->          10.99.0.2.8080         10       3713   FIN', /truncated/],
      ['   15:50:27.583354              man                  0      0                        0      0        0          0   STA', /management/],
      ['2026-11-29 15:50:22.015569  e           arp          10.99.0.1          who          10.99.0.2               2         84   CON', /ARP/],
    ] as const) {
      const o = one(l, 'unit-skip');
      assert.equal(o.status, 'skip', l);
      assert.match(o.reason!, re);
    }
  });
});

describe('argus: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated row': '1795963822.015592  1795963822.016562   0.000970    tcp          10.99.0.1.51380     ->',
    'no direction column': '1795963822.015592 tcp 10.99.0.1 10.99.0.2',
    'names instead of addresses': '1795963822.015592  e  tcp  host-a.51380  ->  host-b.http  10  3713  FIN',
    'a zeek row': '1646150638.631834\tCTy5Us4OUaTOcyrPvc\t192.168.20.12\t60679\t193.99.144.85\t443\ttcp',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line, 'unit-bad');
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

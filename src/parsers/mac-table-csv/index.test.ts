import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlaceRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { macTableCsv } from './index.ts';

const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;
const fresh = (source = 'csv-test') => contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 15) * 1000 }, source);
function place(line: string, ctx = fresh()): PlaceRecord {
  const o = parseMessage(macTableCsv, line, ctx);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as PlaceRecord;
}
const outcomes = (name: string): Outcome[] => runFile(macTableCsv, readTestdata(macTableCsv, `${testdataDir(macTableCsv)}/${name}`));

describe('mac-table-csv: expected output of every testdata file', () => {
  for (const path of testdataFiles(macTableCsv)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(macTableCsv, readTestdata(macTableCsv, path)));
  }
});

describe('mac-table-csv: rows', () => {
  test('default order: ISO with offset, every field', () => {
    const r = place('sw-floor2,Gi1/0/1,20,00:50:56:aa:00:01,2026-11-29T15:20:00+01:00');
    assert.equal(r.ts, at(2026, 10, 29, 14, 20, 0));
    assert.equal(r.rawStamp, '2026-11-29T15:20:00+01:00');
    assert.equal(r.flags, undefined);
    assert.deepEqual([r.kind, r.mac, r.switch, r.port, r.vlan, r.how], ['place', '00:50:56:aa:00:01', 'sw-floor2', 'Gi1/0/1', 20, 'mac table']);
  });

  test('epoch seconds with a fraction; empty vlan omitted; Cisco-dotted and bare MACs; quoted port with a comma', () => {
    const a = place('sw-floor2,"Port-channel1",,005056aa0004,1795962000.250');
    assert.deepEqual([a.ts, a.mac, a.port, a.vlan], [1795962000_250_000, '00:50:56:aa:00:04', 'Port-channel1', undefined]);
    const b = place('sw-floor3,"Gi1/0/7, uplink",30,0050.56aa.0005,2026-11-29 15:20:00');
    assert.deepEqual([b.port, b.mac, b.ts], ['Gi1/0/7, uplink', '00:50:56:aa:00:05', at(2026, 10, 29, 14, 20, 0)]);
  });

  test('the header sets the column order for the rows after it (same file); extra columns ignored', () => {
    const ctx = fresh('reordered');
    const h = parseMessage(macTableCsv, 'MAC Address,Seen,Device,Interface,VLAN,ifIndex', ctx);
    assert.deepEqual([h.status, h.reason], ['skip', 'CSV header line (column names)']);
    const r = place('00:50:56:aa:00:11,2026-11-29T15:30:00.5+01:00,sw-core,Te1/1/1,100,10101', ctx);
    assert.deepEqual([r.mac, r.switch, r.port, r.vlan, r.ts], ['00:50:56:aa:00:11', 'sw-core', 'Te1/1/1', 100, at(2026, 10, 29, 14, 30, 0) + 500_000]);
  });

  test('testdata files: header skipped, every row a place', () => {
    assert.deepEqual(outcomes('default-order.csv').map((o) => o.status), ['skip', 'records', 'records', 'records', 'records', 'records']);
    assert.deepEqual(outcomes('reordered.csv').map((o) => o.status), ['skip', 'records', 'records']);
  });
});

describe('mac-table-csv: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'not a MAC': 'sw1,Gi1/0/1,20,00:50:56:aa:00,2026-11-29T15:20:00+01:00',
    'bad time': 'sw1,Gi1/0/1,20,00:50:56:aa:00:01,yesterday',
    'VLAN 5000': 'sw1,Gi1/0/1,5000,00:50:56:aa:00:01,1795962000',
    'open quote': 'sw1,"Gi1/0/1,20,00:50:56:aa:00:01,1795962000',
    'too few columns': 'sw1,Gi1/0/1,20',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = parseMessage(macTableCsv, line, fresh(`bad-${what}`));
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

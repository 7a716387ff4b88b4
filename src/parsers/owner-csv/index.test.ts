import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { parseMessage } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { ownerCsv } from './index.ts';

const REF = Date.UTC(2026, 10, 29, 8) * 1000;
const file = (name: string) => readTestdata(ownerCsv, `${testdataDir(ownerCsv)}/${name}`);

describe('owner-csv: expected output of every testdata file', () => {
  for (const path of testdataFiles(ownerCsv)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(ownerCsv, readTestdata(ownerCsv, path)));
  }
});

describe('owner-csv', () => {
  test('each row → session owner: user = owner, canonical MAC, ts = the file reference time, no rawStamp', () => {
    const outs = runFile(ownerCsv, file('registry.csv'));
    assert.deepEqual(outs.map((o) => o.status), ['skip', 'records', 'records', 'records', 'records', 'skip', 'unparsed']);
    assert.equal(outs[0]!.reason, 'CSV header line');
    const recs = outs.flatMap((o) => o.records) as SessionRecord[];
    assert.deepEqual(recs.filter((r) => r.kind === 'session').map((r) => [r.user, r.mac]), [
      ['anna', '02:77:00:00:00:01'], ['ben', '02:77:00:00:00:02'], ['Doe, Carla', '02:77:00:00:00:03'], ['dave', '02:77:00:00:00:04'],
    ]);
    for (const r of recs.filter((x) => x.kind === 'session')) {
      assert.deepEqual([r.event, r.how, r.ts, r.rawStamp, r.flags, r.ip], ['owner', 'owner registry', REF, undefined, undefined, undefined]);
    }
    assert.equal(outs[5]!.reason, 'row without an owner');
    assert.equal(outs[6]!.reason, 'MAC column is not a MAC address');
  });

  test('the header decides the column order (owner first, ";" separated)', () => {
    const outs = runFile(ownerCsv, file('registry-owner-first.csv'));
    assert.deepEqual(outs.flatMap((o) => o.records).map((r) => [(r as SessionRecord).user, (r as SessionRecord).mac]),
      [['anna', '02:77:00:00:00:01'], ['ben', '02:77:00:00:00:02']]);
  });

  test('without a header seen (a later chunk of a split file): the documented order mac,owner; a non-MAC first column is refused', () => {
    const ctx = contextFor({ reference: REF });
    assert.equal((parseMessage(ownerCsv, '02:77:00:00:00:01,anna', ctx).records[0] as SessionRecord).user, 'anna');
    assert.equal(parseMessage(ownerCsv, 'anna,02:77:00:00:00:01', ctx).reason, 'MAC column is not a MAC address');
  });
});

describe('owner-csv: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'unbalanced quotes': '02:77:00:00:00:01,"anna',
    'one column': '02:77:00:00:00:01',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = parseMessage(ownerCsv, line, contextFor({ reference: REF }));
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
    });
  }
});

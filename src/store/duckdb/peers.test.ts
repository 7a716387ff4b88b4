// The destination side file (<day>.peers) is an index of the `peer` table: it must survive being lost,
// being left longer by a write that never committed, and a compaction.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WhowasRecord } from '../../records/record.ts';
import { dayOf, type DayBatch } from '../store.ts';
import { DuckDbStore } from './index.ts';

const T0 = Date.parse('2026-11-29T22:13:05Z') * 1000;
const S = 1_000_000;
const DAY = dayOf(T0);

function nat(i: number, dstIp: string): WhowasRecord {
  return { kind: 'nat', ts: T0 + i * S, received: T0 + i * S, source: 'gw', raw: `line ${i}`, event: 'new', proto: 'tcp', inIp: '10.0.0.9', inPort: 40000 + i, pubIp: '203.0.113.5', pubPort: 40000 + i, dstIp, dstPort: 443 };
}

function batch(recs: WhowasRecord[]): DayBatch {
  return { day: DAY, source: 'gw', lines: recs.map((r) => r.raw), received: recs.map((r) => r.received), records: recs.map((rec, line) => ({ rec, line })) };
}

const DSTS = ['198.51.100.7', '2001:db8::53', '192.0.2.200'];

async function dsts(store: DuckDbStore): Promise<(string | undefined)[]> {
  const rows = await store.nat({ from: T0 - S, to: T0 + 10 * S, pubIp: '203.0.113.5' });
  return rows.sort((a, b) => a.ts - b.ts).map((r) => r.dstIp);
}

test('destinations read back through the side file, which is rebuilt when lost or cut back when too long', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-peers-'));
  const side = join(dir, 'days', `${DAY}.peers`);
  try {
    let store = await DuckDbStore.open(dir);
    await store.writeDay(batch(DSTS.map((d, i) => nat(i, d))));
    assert.deepEqual(await dsts(store), DSTS);
    assert.equal(statSync(side).size, 3 * 16);
    await store.close();

    rmSync(side); // lost (or a store written before the side file existed)
    store = await DuckDbStore.open(dir);
    assert.deepEqual(await dsts(store), DSTS);
    assert.equal(statSync(side).size, 3 * 16);
    await store.close();

    appendFileSync(side, Buffer.alloc(32, 0xab)); // a write that never committed
    store = await DuckDbStore.open(dir);
    await store.writeDay(batch([nat(3, '198.51.100.99')])); // appends after the cut-back end
    assert.deepEqual(await dsts(store), [...DSTS, '198.51.100.99']);
    await store.compactDay(DAY);
    assert.deepEqual(await dsts(store), [...DSTS, '198.51.100.99']);
    assert.equal(statSync(side).size, 4 * 16);
    await store.dropDay(DAY);
    assert.throws(() => statSync(side), /ENOENT/);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

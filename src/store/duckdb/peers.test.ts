// The destination dictionary's read side is held in memory once a day has been read: it must follow the
// writes that come after a read, survive reopening (rebuilt from `peer`) and compaction.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

async function dsts(store: DuckDbStore): Promise<(string | undefined)[]> {
  const rows = await store.nat({ from: T0 - S, to: T0 + 3000 * S, pubIp: '203.0.113.5', limit: 10_000 });
  return rows.sort((a, b) => a.ts - b.ts).map((r) => r.dstIp);
}

test('destinations read back after writes that follow a read, a reopen and a compaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-peers-'));
  const first = ['198.51.100.7', '2001:db8::53', '192.0.2.200'];
  // Enough new destinations after the first read that the in-memory table has to grow.
  const more = Array.from({ length: 2000 }, (_, i) => `100.${64 + (i >> 8)}.${i & 255}.1`);
  try {
    let store = await DuckDbStore.open(dir);
    await store.writeDay(batch(first.map((d, i) => nat(i, d))));
    assert.deepEqual(await dsts(store), first);
    await store.writeDay(batch(more.map((d, i) => nat(first.length + i, d)).concat([nat(first.length + more.length, '198.51.100.7')])));
    const want = [...first, ...more, '198.51.100.7'];
    assert.deepEqual(await dsts(store), want);
    await store.close();
    store = await DuckDbStore.open(dir);
    assert.deepEqual(await dsts(store), want);
    await store.compactDay(DAY);
    assert.deepEqual(await dsts(store), want);
    await store.dropDay(DAY);
    assert.equal(existsSync(join(dir, 'days', `${DAY}.duckdb`)), false);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that fails after giving new destinations ids leaves the dictionary as the table has it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-peers-'));
  try {
    const store = await DuckDbStore.open(dir);
    await store.writeDay(batch([nat(0, '198.51.100.7'), nat(1, '2001:db8::53')]));
    // The next write fails inside its transaction, after its new destinations were numbered.
    const s = store as unknown as { appendPeers: (...a: unknown[]) => Promise<void> };
    const real = s.appendPeers;
    s.appendPeers = async () => {
      throw new Error('disk full (injected)');
    };
    const failing = batch([nat(2, '192.0.2.1'), nat(3, '192.0.2.2'), nat(4, '198.51.100.7')]);
    await assert.rejects(store.writeDay(failing), /injected/);
    s.appendPeers = real;
    assert.deepEqual(await dsts(store), ['198.51.100.7', '2001:db8::53'], 'nothing of the failed write is visible');
    // Written again, the same destinations get ids that read back right, beside new ones.
    await store.writeDay(failing);
    await store.writeDay(batch([nat(5, '192.0.2.3'), nat(6, '2001:db8::53'), nat(7, '192.0.2.1')]));
    assert.deepEqual(await dsts(store), ['198.51.100.7', '2001:db8::53', '192.0.2.1', '192.0.2.2', '198.51.100.7', '192.0.2.3', '2001:db8::53', '192.0.2.1']);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

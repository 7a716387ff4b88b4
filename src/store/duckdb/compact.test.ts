// Compaction rewrites a day into a fresh file without sorting: rows must come back the same, in line order,
// each still pointing at its own line, after interleaved commits from two sources.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WhowasRecord } from '../../records/record.ts';
import { dayOf, type DayBatch } from '../store.ts';
import { DuckDbStore } from './index.ts';

const T0 = Date.parse('2026-11-29T08:00:00Z') * 1000;
const S = 1_000_000;

function batch(source: string, from: number, n: number): DayBatch {
  const recs: WhowasRecord[] = [];
  for (let i = from; i < from + n; i++) {
    recs.push(i % 10 === 0
      ? { kind: 'lease', ts: T0 + i * S, received: T0 + i * S, source, raw: `${source} lease ${i}`, ip: `10.0.${i >> 8}.${i & 255}`, mac: '02:00:00:00:00:01', how: 'ack' }
      : { kind: 'nat', ts: T0 + i * S, received: T0 + i * S, source, raw: `${source} nat ${i}`, event: 'new', proto: 'udp', inIp: '10.0.0.1', inPort: 1000 + i, pubIp: '203.0.113.1', pubPort: 1000 + i, dstIp: '198.51.100.1', dstPort: 53 });
  }
  return { day: dayOf(T0), source, lines: recs.map((r) => r.raw), received: recs.map((r) => r.received), records: recs.map((rec, line) => ({ rec, line })) };
}

test('compaction keeps every row, in line order, with its evidence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-compact-'));
  try {
    const store = await DuckDbStore.open(dir);
    // Two sources take turns: lines are numbered in commit order, so the day's rows stay in line order.
    await store.writeDay(batch('gw-a', 0, 3000));
    await store.writeDay(batch('gw-b', 3000, 3000));
    await store.writeDay(batch('gw-a', 6000, 3000));
    const q = { from: T0 - S, to: T0 + 9000 * S, limit: 100_000 };
    const before = (await store.nat(q)).sort((a, b) => a.ts - b.ts);
    await store.compactDay(dayOf(T0));
    const after = (await store.nat(q)).sort((a, b) => a.ts - b.ts);
    assert.equal(after.length, 8100);
    assert.deepEqual(after, before);
    const lines = after.map((r) => Number(r.ref.split('#')[1]));
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i]! > lines[i - 1]!, `line order at row ${i}`);
    const ev = await store.evidence([after[0]!.ref, after[4000]!.ref, after[8099]!.ref]);
    assert.deepEqual([...ev.values()].map((e) => e.line), ['gw-a nat 1', 'gw-b nat 4445', 'gw-a nat 8999']);
    assert.deepEqual([...ev.values()].map((e) => e.source), ['gw-a', 'gw-b', 'gw-a']);
    const leases = await store.leases({ from: q.from, to: q.to, ip: '10.0.17.108' });
    assert.equal(leases.length, 1);
    assert.equal((await store.evidence([leases[0]!.ref])).get(leases[0]!.ref)!.line, 'gw-b lease 4460');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

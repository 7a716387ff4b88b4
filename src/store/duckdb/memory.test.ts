// Leases and destinations are held in memory for the last few days read only: reading more days lets the
// oldest go, and reading an evicted day again loads it again, with the same answers.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WhowasRecord } from '../../records/record.ts';
import { dayOf, type DayBatch } from '../store.ts';
import { DuckDbStore } from './index.ts';

const DAY0 = Date.parse('2026-11-01T12:00:00Z') * 1000;
const S = 1_000_000;

function dayBatch(k: number): DayBatch {
  const ts = DAY0 + k * 86_400 * S;
  const recs: WhowasRecord[] = [
    { kind: 'lease', ts, received: ts, source: 'dhcp', raw: `lease day ${k}`, ip: '10.5.5.5', mac: `02:00:00:00:00:${String(k).padStart(2, '0')}`, how: 'ack' },
    { kind: 'nat', ts: ts + S, received: ts + S, source: 'gw', raw: `nat day ${k}`, event: 'new', proto: 'tcp', inIp: '10.5.5.5', inPort: 5000, pubIp: '203.0.113.9', pubPort: 6000, dstIp: `198.51.100.${k}`, dstPort: 443 },
  ];
  return { day: dayOf(ts), source: 'mixed', lines: recs.map((r) => r.raw), received: recs.map((r) => r.received), records: recs.map((rec, line) => ({ rec, line })) };
}

test('the in-memory leases and destinations of at most 8 days; an evicted day reads the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-memory-'));
  try {
    const store = await DuckDbStore.open(dir);
    for (let k = 0; k < 10; k++) await store.writeDay(dayBatch(k));
    const read = async (k: number) => {
      const ts = DAY0 + k * 86_400 * S;
      const [l] = await store.leases({ from: ts - S, to: ts + S, ip: '10.5.5.5' });
      const [n] = await store.nat({ from: ts, to: ts + 2 * S, pubIp: '203.0.113.9' });
      return [l?.mac, n?.dstIp];
    };
    for (let k = 0; k < 10; k++) assert.deepEqual(await read(k), [`02:00:00:00:00:${String(k).padStart(2, '0')}`, `198.51.100.${k}`]);
    const held = (store as unknown as { inMemory: unknown[] }).inMemory;
    assert.equal(held.length, 8);
    assert.deepEqual(await read(0), ['02:00:00:00:00:00', '198.51.100.0']); // evicted, loaded again
    assert.equal(held.length, 8);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

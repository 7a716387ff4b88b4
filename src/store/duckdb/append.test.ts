// A large NAT commit appends synchronously through DuckDB's appender: it must hand the event loop back now
// and then (inputs' messages, timers and HTTP requests wait for it otherwise), and the rows must all be there.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NatRow } from '../../records/record.ts';
import { NatColumnBuilder } from '../nat-columns.ts';
import { LineChunk, MAX_CHUNK_LINES, RAW_CHUNK_LINES } from '../raw-archive.ts';
import { dayOf, type DayBatch } from '../store.ts';
import { DuckDbStore } from './index.ts';

const T0 = Date.parse('2026-11-29T08:00:00Z') * 1000;

test('a 600,000-row NAT commit lets timers run while it appends, and stores every row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-append-'));
  try {
    const store = await DuckDbStore.open(dir);
    const N = 600_000;
    const nat = new NatColumnBuilder(N);
    const row: NatRow = { ts: 0, event: 0, proto: 0, failed: false, inIp: 0x0a000001, inPort: 0, pubIp: 0xcb007105, pubPort: 0, dstIp: 0xc6336407, dstPort: 443 };
    // One compressed chunk of 256 lines stands for every chunk (the lines are not read here): no garbage
    // on the heap, so no collector pause is mistaken for the append.
    const one = new LineChunk();
    for (let i = 0; i < RAW_CHUNK_LINES; i++) one.add(`line ${i}`, T0);
    const data = one.encode();
    const chunks: DayBatch['chunks'] = [];
    for (let i = 0; i < N; i++) {
      row.ts = T0 + i * 1000;
      row.inPort = row.pubPort = 1024 + (i % 60000);
      if (i % RAW_CHUNK_LINES === 0) chunks.push({ data, lines: RAW_CHUNK_LINES });
      nat.addRow(row, (chunks.length - 1) * MAX_CHUNK_LINES + (i % RAW_CHUNK_LINES));
    }
    // The longest stretch without a timer turn, against the whole commit: the append is most of the commit,
    // so without yielding it is one stretch of most of it (measured 470 of 736 ms); with, slices of 10 ms but
    // for DuckDB compressing a full row group inside one append call (~110 of ~650 ms, measured).
    let last = performance.now(), longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const t0 = performance.now();
    await store.writeDay({ day: dayOf(T0), source: 'gw', lines: [], received: [], chunks, records: [], nat: [nat.finish()] });
    const took = performance.now() - t0;
    clearInterval(timer);
    longest = Math.max(longest, performance.now() - last);
    console.log(`commit ${took.toFixed(0)} ms, longest stretch without a timer ${longest.toFixed(0)} ms`);
    assert.ok(longest < took / 3, `the event loop waited ${longest.toFixed(0)} ms of a ${took.toFixed(0)} ms commit`);
    const rows = await store.nat({ from: T0 + 150_000 * 1000 - 1, to: T0 + 150_000 * 1000 + 1, pubIp: '203.0.113.5', limit: 10 });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.pubPort, 1024 + (150_000 % 60000));
    assert.equal(rows[0]!.dstIp, '198.51.100.7');
    const stats = await store.stats();
    assert.equal(stats.days[0]!.rows.nat, N);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

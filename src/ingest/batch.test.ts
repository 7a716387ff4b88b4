// Batches cross from the parse and decode workers to the main thread: what can move is moved, not copied.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { getParser } from '../parsers/registry.ts';
import { makeClock } from '../time/clock.ts';
import type { DayBatch } from '../store/store.ts';
import { DayBatcher, emptyStats, transferList } from './batch.ts';

test('transferList moves every NAT column and compressed chunk; the batch arrives whole on the other side', () => {
  const batcher = new DayBatcher(getParser('conntrack'), { source: 'gw', clock: (r) => makeClock({ reference: r }) }, emptyStats());
  for (let i = 0; i < 600; i++) {
    const line = Buffer.from(`[${1795962131 + i}.123456]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.0.0.${i % 200} dst=198.51.100.7 sport=${40000 + i} dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.5 sport=443 dport=${50000 + i}`);
    batcher.addLine(line, 0, line.length, (1795962131 + i) * 1e6, true);
  }
  const batches = batcher.finish();
  const chunks = batches.flatMap((b) => b.chunks ?? []);
  assert.equal(chunks.length, 3); // 600 lines: 256 + 256 + 88
  const copies = chunks.map((c) => Buffer.from(c.data));
  const rows = batches.reduce((n, b) => n + (b.nat ?? []).reduce((m, c) => m + c.n, 0), 0);
  assert.equal(rows, 600);
  const list = transferList(batches);
  assert.equal(new Set(list).size, list.length); // postMessage refuses a buffer listed twice
  assert.ok(chunks.every((c) => list.includes(c.data.buffer as ArrayBuffer)));

  const { port1, port2 } = new MessageChannel();
  port1.postMessage(batches, list);
  const got = receiveMessageOnPort(port2)!.message as DayBatch[];
  port1.close();
  assert.ok(chunks.every((c) => c.data.byteLength === 0), 'moved: detached on the sending side');
  assert.deepEqual(got.flatMap((b) => b.chunks ?? []).map((c) => Buffer.from(c.data)), copies);
  assert.equal(got.reduce((n, b) => n + (b.nat ?? []).reduce((m, c) => m + c.n, 0), 0), 600);
});

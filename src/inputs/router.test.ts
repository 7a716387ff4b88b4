// A live source with `format: "auto"`: its first messages are held, the format recognised, and every held
// message replayed through the right parser; a stream nothing recognises is kept as unparsed, never lost.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { DayBatch, Store } from '../store/store.ts';
import { Router } from './router.ts';
import { unpackBatch } from '../store/unpack.ts';

function memStore(): Store & { batches: DayBatch[] } {
  const batches: DayBatch[] = [];
  return { engine: 'mem', batches, writeDay: async (b: DayBatch) => void batches.push(b) } as unknown as Store & { batches: DayBatch[] };
}

const received = Date.UTC(2026, 10, 29, 14, 20) * 1000;
const kinds = (s: { batches: DayBatch[] }) => s.batches.flatMap((b) => unpackBatch(b).records.map((r) => r.rec.kind));

test('format auto: a dnsmasq stream is recognised after the sample and nothing held is lost', async () => {
  const store = memStore();
  const router = new Router(store, [{ id: 'gw', format: 'auto', zone: 'Europe/Berlin' }]);
  for (let i = 0; i < 60; i++) {
    const line = i % 2
      ? `<30>Nov 29 15:15:${String(i % 60).padStart(2, '0')} gw dnsmasq-dhcp[5353]: DHCPACK(br-lan) 10.77.0.${i} 02:77:00:00:00:${(i % 100).toString(16).padStart(2, '0')} pc-${i}`
      : `<30>Nov 29 15:15:${String(i % 60).padStart(2, '0')} gw dnsmasq[5353]: query[A] example.org from 10.77.0.${i}`;
    await router.add(line, '10.0.0.1', received);
    if (i === 10) assert.match(String((router.status().gw as { format: string }).format), /detecting: 11 message/);
  }
  await router.stop();
  assert.match(String((router.status().gw as { format: string }).format), /^format dnsmasq \(confidence/);
  const k = kinds(store);
  assert.equal(k.filter((x) => x === 'lease').length, 30);
  assert.equal(k.filter((x) => x === 'dnsquery').length, 30);
});

test('format auto: lines nothing recognises are kept as unparsed with the reason when the server stops', async () => {
  const store = memStore();
  const router = new Router(store, [{ id: 'odd', format: 'auto' }]);
  for (let i = 0; i < 5; i++) await router.add(`<30>Nov 29 15:15:0${i} box thing[1]: something happened ${i}`, '10.0.0.2', received);
  await router.stop();
  const recs = store.batches.flatMap((b) => unpackBatch(b).records.map((r) => r.rec));
  assert.equal(recs.length, 5);
  assert.ok(recs.every((r) => r.kind === 'unparsed' && /format not recognised/.test((r as { reason: string }).reason)));
});

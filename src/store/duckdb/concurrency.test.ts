// A live server reads while it commits: the trace's first lookups of a day (which load the day's row counts,
// lease index, destinations and chunk index) run while the inputs' commits land in the same day. Whatever
// the interleaving, once both are done every committed row must be found, with its destination, source and
// evidence: a cache loaded from a snapshot older than a commit must never be kept over it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WhowasRecord } from '../../records/record.ts';
import { dayOf, type DayBatch } from '../store.ts';
import { DuckDbStore } from './index.ts';

const DAY0 = Date.parse('2026-10-01T12:00:00Z') * 1000;
const S = 1_000_000;
const DAYS = 24;

/** Commit n (1: before the race, 2: during it, 3: after it) of day k. */
function batch(k: number, n: number): DayBatch {
  const ts = DAY0 + k * 86_400 * S + (n - 1) * 60 * S;
  const recs: WhowasRecord[] = [
    { kind: 'lease', ts, received: ts, source: 'dhcp', raw: `lease ${k}/${n}`, ip: `10.5.5.${n}`, mac: `02:00:00:00:${String(k).padStart(2, '0')}:0${n}`, how: 'ack' },
    { kind: 'nat', ts: ts + S, received: ts + S, source: 'gw', raw: `nat ${k}/${n}`, event: 'new', proto: 'tcp', inIp: `10.5.5.${n}`, inPort: 5000, pubIp: `203.0.113.${n}`, pubPort: 6000 + n, dstIp: `198.51.100.${n}`, dstPort: 443 },
  ];
  return { day: dayOf(ts), source: n === 2 ? 'live' : `commit ${n}`, lines: recs.map((r) => r.raw), received: recs.map((r) => r.received), records: recs.map((rec, line) => ({ rec, line })) };
}

/** Every kind of read a trace makes of a day: each one loads a cache on a day not read before. */
async function readAll(store: DuckDbStore, k: number) {
  const ts = DAY0 + k * 86_400 * S + 60 * S;
  const range = { from: ts - 120 * S, to: ts + 120 * S };
  const [lease] = await store.leases({ ...range, ip: '10.5.5.2' });
  const [nat] = await store.nat({ ...range, pubIp: '203.0.113.2', pubPort: 6002 });
  const lean = await store.nat({ ...range, pubIp: '203.0.113.2', lean: true });
  const pub = await store.isNatPublic('203.0.113.2', range);
  const ev = nat ? (await store.evidence([nat.ref])).get(nat.ref) : undefined;
  return { mac: lease?.mac, dst: nat?.dstIp, source: nat?.source, leanSource: lean[0]?.source, pub, line: ev?.line };
}

test('reads that load a day while a commit lands in it keep nothing stale: every committed row is found after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-race-'));
  try {
    let store = await DuckDbStore.open(dir);
    for (let k = 0; k < DAYS; k++) await store.writeDay(batch(k, 1));
    await store.close();
    // Reopened: no day attached, nothing cached, as after a restart.
    store = await DuckDbStore.open(dir);
    for (let k = 0; k < DAYS; k++) {
      // The reads start at a different point of the commit each day: before it, or after 1..n turns.
      const write = store.writeDay(batch(k, 2));
      const turns = k % 12;
      const read = (async () => {
        for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
        return readAll(store, k);
      })();
      const early = await read;
      await write;
      // What the early read saw may predate the commit; the read after it must see everything.
      if (early.mac) assert.equal(early.mac, `02:00:00:00:${String(k).padStart(2, '0')}:02`);
      assert.deepEqual(await readAll(store, k), {
        mac: `02:00:00:00:${String(k).padStart(2, '0')}:02`,
        dst: '198.51.100.2',
        source: 'live',
        leanSource: 'live',
        pub: true,
        line: `nat ${k}/2`,
      }, `day ${k}, reads started after ${turns} turns`);
    }
    // A commit after the race, then every commit's rows with their own lines: a day attached twice (once
    // by the reads, once by the commit) would number the third commit's lines over the second's.
    for (let k = 0; k < DAYS; k++) await store.writeDay(batch(k, 3));
    for (let k = 0; k < DAYS; k++) {
      const ts = DAY0 + k * 86_400 * S;
      const nat = await store.nat({ from: ts - S, to: ts + 200 * S });
      assert.deepEqual(nat.map((r) => `${r.pubIp}:${r.pubPort}`).sort(), ['203.0.113.1:6001', '203.0.113.2:6002', '203.0.113.3:6003']);
      const ev = await store.evidence(nat.map((r) => r.ref));
      assert.deepEqual(nat.map((r) => ev.get(r.ref)?.line), [1, 2, 3].map((n) => `nat ${k}/${n}`), `day ${k}`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache loaded from a snapshot a commit overtook is not kept: the load is made again after the commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whowas-race-'));
  try {
    const ts = DAY0;
    const nat = batch(0, 1);
    // The day holds no lease yet: a row count read now says 0 leases, which would hide the day's leases for good.
    nat.records = nat.records.filter((r) => r.rec.kind === 'nat');
    let store = await DuckDbStore.open(dir);
    await store.writeDay(nat);
    await store.close();
    store = await DuckDbStore.open(dir);
    // The row count query of the read below runs now, but its answer is held until the commit has ended.
    const r = (store as unknown as { r: { runAndReadAll: (sql: string) => Promise<unknown> } }).r;
    const real = r.runAndReadAll.bind(r);
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    let held = 0;
    r.runAndReadAll = async (sql: string) => {
      const res = await real(sql);
      if (/count\(\*\)/.test(sql) && held++ === 0) await gate;
      return res;
    };
    const read = store.leases({ from: ts - S, to: ts + 120 * S, ip: '10.5.5.2' });
    while (!held) await new Promise((res) => setImmediate(res));
    await store.writeDay(batch(0, 2)); // brings the day's first lease
    release();
    await read; // what it saw may predate the commit
    const [lease] = await store.leases({ from: ts - S, to: ts + 120 * S, ip: '10.5.5.2' });
    assert.equal(lease?.mac, '02:00:00:00:00:02', 'the lease committed while the count was loading is found');
    assert.equal(held, 2, 'the count was loaded again');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

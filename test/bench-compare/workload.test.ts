// The side-by-side benchmark (bench/compare) must feed every peer the same events. This checks it on a
// small workload: whowas's own conntrack parser reads the generated lines as the same events the rows
// hold; the IPFIX messages nfcapd receives decode back to those rows; the SQL rows carry them; SQLite,
// loaded through the benchmark's peer, holds them all and answers the lookups and the host hour right.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildMessage, parseMessage as parseIpfix, recordsPerMessage, RECORD_BYTES } from '../../bench/compare/ipfix.ts';
import { SqlitePeer } from '../../bench/compare/peers/sqlite.ts';
import { CT_DESTROY, CT_NEW, ctValues, ctValuesInt } from '../../bench/compare/peers/sql.ts';
import { ipToU32, lines, makeWorkload, readRows, u32ToIp, type NatEventRow, type Workload } from '../../bench/compare/workload.ts';
import { getParser } from '../../src/parsers/registry.ts';
import { parseMessage } from '../../src/parsers/run.ts';
import type { NatRecord } from '../../src/records/record.ts';
import { makeClock } from '../../src/time/clock.ts';

let dir = '';
let w: Workload;
let rows: NatEventRow[] = [];
let text: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'whowas-compare-test-'));
  w = await makeWorkload(dir, { events: 6000, days: 0.25, lookups: 50, seed: 11 });
  for await (const b of readRows(w.rowsPath, 1000)) rows.push(...b);
  for await (const l of lines(w.conntrackPath)) text.push(l);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the workload: every line is one row, NEW and DESTROY paired, time ordered', () => {
  assert.equal(w.events, 6000);
  assert.equal(rows.length, 6000);
  assert.equal(text.length, 6000);
  const news = rows.filter((r) => r.event === 'new');
  assert.equal(news.length, 3000);
  assert.equal(w.connections, 3000);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.ts >= rows[i - 1]!.ts, `row ${i} out of order`);
  // A DESTROY's start is the time of a NEW with the same tuple, before it.
  const starts = new Set(news.map((r) => `${r.ts}|${r.inIp}:${r.inPort}|${r.pubIp}:${r.pubPort}|${r.dstIp}:${r.dstPort}`));
  for (const r of rows.filter((x) => x.event === 'destroy')) {
    assert.ok(r.start < r.ts);
    assert.ok(starts.has(`${r.start}|${r.inIp}:${r.inPort}|${r.pubIp}:${r.pubPort}|${r.dstIp}:${r.dstPort}`));
  }
  // Spot row: the first line, field by field.
  assert.match(text[0]!, /^\[\d+\.\d{6}\]\t\s+\[NEW\] ipv4/);
  const first = rows[0]!;
  assert.equal(first.event, 'new');
  assert.equal(first.ts, first.start);
  assert.ok(text[0]!.includes(`src=${u32ToIp(first.inIp)} dst=${u32ToIp(first.dstIp)} sport=${first.inPort} dport=${first.dstPort}`));
  assert.ok(text[0]!.includes(`dst=${u32ToIp(first.pubIp)} sport=${first.dstPort} dport=${first.pubPort}`));
  assert.equal(text[0]!.slice(1, text[0]!.indexOf(']')), `${Math.floor(first.ts / 1e6)}.${String(first.ts % 1e6).padStart(6, '0')}`);
});

test("whowas's conntrack parser reads the lines as the same events the peers get", () => {
  const parser = getParser('conntrack');
  const ctx = { clock: makeClock({ reference: Date.now() * 1000 }), source: 'nat', received: Date.now() * 1000 };
  for (let i = 0; i < text.length; i++) {
    const out = parseMessage(parser, text[i]!, ctx);
    assert.equal(out.status, 'records', `line ${i}: ${out.reason}`);
    const rec = out.records[0] as NatRecord;
    const r = rows[i]!;
    assert.deepEqual(
      [rec.kind, rec.ts, rec.event, rec.proto, rec.inIp, rec.inPort, rec.pubIp, rec.pubPort, rec.dstIp, rec.dstPort],
      ['nat', r.ts, r.event, r.proto === 6 ? 'tcp' : 'udp', u32ToIp(r.inIp), r.inPort, u32ToIp(r.pubIp), r.pubPort, u32ToIp(r.dstIp), r.dstPort],
      `line ${i}`,
    );
  }
});

test('IPFIX messages decode back to the same rows (ms resolution), template first', () => {
  const per = recordsPerMessage(1400, true);
  assert.equal(RECORD_BYTES, 28);
  assert.equal(per, 47);
  const back: Omit<NatEventRow, 'start'>[] = [];
  let seq = 0;
  for (let i = 0; i < rows.length; i += per) {
    const batch = rows.slice(i, i + per);
    const msg = buildMessage(batch, { sequence: seq, exportTimeS: 1, withTemplate: i === 0 });
    assert.ok(msg.length <= 1400);
    const p = parseIpfix(msg);
    if (i === 0) assert.deepEqual(p.template, [230, 225, 227, 8, 7, 12, 11, 4, 323]);
    else assert.equal(p.template, null);
    assert.equal(p.sequence, seq);
    seq += batch.length;
    back.push(...p.rows);
  }
  assert.equal(back.length, rows.length);
  for (let i = 0; i < rows.length; i++) {
    const { start: _start, ...r } = rows[i]!;
    assert.deepEqual(back[i], { ...r, ts: Math.floor(r.ts / 1000) * 1000 }, `record ${i}`);
  }
});

test('SQL rows: ulogd2 columns for a NEW and a DESTROY', () => {
  const n = rows.find((r) => r.event === 'new')!;
  const d = rows.find((r) => r.event === 'destroy')!;
  const vn = ctValues(n);
  assert.deepEqual(vn.slice(0, 11), [2, u32ToIp(n.inIp), u32ToIp(n.dstIp), n.proto, n.inPort, n.dstPort, u32ToIp(n.dstIp), u32ToIp(n.pubIp), n.proto, n.dstPort, n.pubPort]);
  assert.deepEqual(vn.slice(11), [Math.floor(n.ts / 1e6), n.ts % 1e6, 0, 0, CT_NEW]);
  const vd = ctValues(d);
  assert.deepEqual(vd.slice(11), [Math.floor(d.start / 1e6), d.start % 1e6, Math.floor(d.ts / 1e6), d.ts % 1e6, CT_DESTROY]);
  assert.deepEqual(ctValuesInt(d).map(String), vd.map((v) => (typeof v === 'string' ? String(ipToU32(v)) : String(v))));
});

test('SQLite through the benchmark peer: every event stored, lookups and host hour agree with the workload', async () => {
  const peer = new SqlitePeer(join(dir, 'sqlite'));
  assert.equal(await peer.prepare(), null);
  try {
    const ld = await peer.load(w);
    assert.equal(ld.stored, 6000);
    for (const l of w.lookups) {
      const ans = await peer.lookup(l, 5);
      assert.ok(ans.inside.includes(`${l.inIp}:${l.inPort}`), `lookup ${l.pubIp}:${l.pubPort}`);
    }
    // The host hour, counted from the rows here independently of the generator's own count.
    const h = w.hostHour;
    const hostU32 = ipToU32(h.inIp);
    const expected = rows.filter((r) => r.event === 'new' && r.inIp === hostU32 && r.ts >= h.from && r.ts < h.to).length;
    assert.equal(h.expectedConnections, expected);
    assert.ok(expected > 0);
    const got = await peer.hostHour(h);
    assert.equal(got.connections, expected);
    assert.ok(got.rows >= expected);
  } finally {
    await peer.close();
  }
});

// The trace engine on hand-made records: each case is one of the hard situations a CERT request meets.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WhowasRecord } from '../records/record.ts';
import { DuckDbStore } from '../store/duckdb/index.ts';
import type { DayBatch } from '../store/store.ts';
import { dayOf } from '../store/store.ts';
import { renderTrace } from './render.ts';
import { trace } from './trace.ts';

const S = 1_000_000;
const T = Date.parse('2026-11-29T22:13:05Z') * 1000;
let n = 0;
const b = (ts: number) => ({ ts, received: ts, source: 'lab', raw: `line ${++n} at ${ts}` });
const nat = (ts: number, event: 'new' | 'destroy', inIp: string, inPort: number, pubPort: number, dstIp: string, dstPort: number, failed?: boolean): WhowasRecord => ({
  kind: 'nat', ...b(ts), event, proto: 'tcp', inIp, inPort, pubIp: '203.0.113.5', pubPort, dstIp, dstPort, ...(failed ? { failed } : {}),
});
const lease = (ts: number, ip: string, mac: string, how: 'ack' | 'release', hostname?: string): WhowasRecord => ({ kind: 'lease', ...b(ts), ip, mac, how, ...(hostname ? { hostname } : {}) });
const sess = (ts: number, user: string, mac: string, event: 'start' | 'stop', durationS?: number): WhowasRecord => ({
  kind: 'session', ...b(ts), user, mac, event, how: 'radius', sessionId: `${user}-1`, ...(durationS !== undefined ? { durationS } : {}),
});

const RECORDS: WhowasRecord[] = [
  lease(T - 3600 * S, '10.77.0.101', '02:77:00:00:00:01', 'ack', 'pc-1'),
  sess(T - 3500 * S, 'alice', '02:77:00:00:00:01', 'start'),
  lease(T - 3600 * S, '10.77.0.102', '02:77:00:00:00:02', 'ack', 'pc-2'),
  sess(T + 3500 * S, 'bob', '02:77:00:00:00:02', 'stop', 7200), // only a stop, whose duration reaches back over T
  // Case 1: two hosts share public port 40000 within one second, towards different destinations.
  nat(T, 'new', '10.77.0.101', 40000, 40000, '198.51.100.7', 443),
  nat(T + 300_000, 'new', '10.77.0.102', 40000, 40000, '198.51.100.7', 80),
  nat(T + 20 * S, 'destroy', '10.77.0.101', 40000, 40000, '198.51.100.7', 443),
  // Case 2: an address released by pc-1 and handed to pc-3.
  lease(T + 100 * S, '10.77.0.103', '02:77:00:00:00:01', 'ack', 'pc-1'),
  lease(T + 200 * S, '10.77.0.103', '02:77:00:00:00:01', 'release'),
  lease(T + 210 * S, '10.77.0.103', '02:77:00:00:00:03', 'ack', 'pc-3'),
  sess(T + 205 * S, 'carol', '02:77:00:00:00:03', 'start'),
  nat(T + 150 * S, 'new', '10.77.0.103', 41000, 41000, '198.51.100.7', 443),
  nat(T + 250 * S, 'new', '10.77.0.103', 41001, 41001, '198.51.100.7', 443),
  // Case 3: a static host, no lease; a failed attempt to a closed port.
  nat(T + 300 * S, 'new', '10.77.0.50', 42000, 42000, '198.51.100.7', 8081),
  nat(T + 330 * S, 'destroy', '10.77.0.50', 42000, 42000, '198.51.100.7', 8081, true),
  // Case 3b: someone logs on at the static host; the logoff names only the session (Windows 4634 style).
  { kind: 'session', ...b(T + 290 * S), user: 'erin', ip: '10.77.0.50', host: 'lab-pc-50', event: 'login', how: 'windows 4624', sessionId: 'lab-pc-50/0x3e7' },
  { kind: 'session', ...b(T + 320 * S), user: 'erin', event: 'logout', how: 'windows 4634', sessionId: 'lab-pc-50/0x3e7' },
  // Case 5: the owner registry names dave for pc-3's MAC (imported a month before): a hint only.
  { kind: 'session', ...b(T - 30 * 86_400 * S), user: 'dave', mac: '02:77:00:00:00:03', event: 'owner', how: 'owner registry' },
  // Case 6: a translation logged without its destination (Cisco ASA 305011).
  { kind: 'nat', ...b(T + 500 * S), event: 'new', proto: 'udp', inIp: '10.77.0.101', inPort: 5353, pubIp: '203.0.113.5', pubPort: 45000 },
  // Case 7: a carrier-grade NAT in port-block mode: 203.0.113.9:1024-1535 to 100.64.0.9, released, then
  // the same block to 100.64.0.10. No per-connection translation, so no destination, is ever logged.
  { kind: 'portblock', ...b(T - 3600 * S), event: 'alloc', inIp: '100.64.0.9', pubIp: '203.0.113.9', portLo: 1024, portHi: 1535 },
  { kind: 'portblock', ...b(T + 1800 * S), event: 'release', inIp: '100.64.0.9', pubIp: '203.0.113.9', portLo: 1024, portHi: 1535 },
  { kind: 'portblock', ...b(T + 1900 * S), event: 'alloc', inIp: '100.64.0.10', pubIp: '203.0.113.9', portLo: 1024, portHi: 1535 },
  // Case 4: a long-lived connection, reported an hour after it started.
  nat(T - 2 * 3600 * S, 'new', '10.77.0.101', 43000, 43000, '198.51.100.9', 22),
  nat(T + 3600 * S, 'destroy', '10.77.0.101', 43000, 43000, '198.51.100.9', 22),
  // Case 8: two translations that started 40 minutes before T: one whose end was never logged (8a), one
  // that ended 5 minutes after T (8b, inside the window the trace reads past T for a flow's outcome).
  nat(T - 2400 * S, 'new', '10.77.0.104', 44000, 44000, '198.51.100.10', 443),
  nat(T - 2400 * S, 'new', '10.77.0.105', 44001, 44001, '198.51.100.10', 443),
  nat(T + 300 * S, 'destroy', '10.77.0.105', 44001, 44001, '198.51.100.10', 443),
  // Case 9: a gateway's log received twice (imported twice, or forwarded by two relays): every event twice.
  ...[1, 2].flatMap(() => [nat(T - 10 * S, 'new', '10.77.0.106', 45000, 45000, '198.51.100.11', 443), nat(T + 10 * S, 'destroy', '10.77.0.106', 45000, 45000, '198.51.100.11', 443)]),
  ...[1, 2, 3].map(() => nat(T - 5 * S, 'destroy', '10.77.0.107', 45001, 45001, '198.51.100.11', 443)),
];

describe('trace', () => {
  let dir: string;
  let store: DuckDbStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whowas-trace-'));
    store = await DuckDbStore.open(dir);
    const byDay = new Map<string, DayBatch>();
    for (const r of RECORDS) {
      const day = dayOf(r.ts);
      let d = byDay.get(day);
      if (!d) byDay.set(day, (d = { day, source: 'lab', lines: [], received: [], records: [] }));
      d.records.push({ rec: r, line: d.lines.length });
      d.lines.push(r.raw);
      d.received.push(r.received);
    }
    for (const d of byDay.values()) await store.writeDay(d);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shared public port without destination: ambiguous, both hosts named', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 40000, at: T, proto: 'tcp' });
    assert.equal(a.ambiguous, true);
    assert.deepEqual(a.candidates.map((c) => c.inside).sort(), ['10.77.0.101:40000', '10.77.0.102:40000']);
    assert.ok(a.warnings.some((w) => /--dst/.test(w)));
    assert.ok(a.candidates.every((c) => c.confidence <= 0.5));
  });

  it('shared public port with destination: one answer, with MAC, hostname, user and evidence lines', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 40000, at: T + 300_000, proto: 'tcp', dstIp: '198.51.100.7', dstPort: 80 });
    assert.equal(a.ambiguous, false);
    assert.equal(a.candidates.length, 1);
    const c = a.candidates[0]!;
    assert.equal(c.inside, '10.77.0.102:40000');
    assert.equal(c.mac, '02:77:00:00:00:02');
    assert.equal(c.hostname, 'pc-2');
    assert.equal(c.user, 'bob'); // from a Stop whose Acct-Session-Time covers T
    assert.ok(c.confidence > 0.8);
    assert.ok(c.evidence.length >= 3);
    assert.ok(c.evidence.every((e) => e.line.startsWith('line ')));
    assert.match(renderTrace(a), /10\.77\.0\.102:40000/);
  });

  it('released address reassigned: each time names its own holder', async () => {
    const before = await trace(store, { ip: '203.0.113.5', port: 41000, at: T + 150 * S });
    assert.equal(before.candidates[0]!.mac, '02:77:00:00:00:01');
    assert.equal(before.candidates[0]!.hostname, 'pc-1');
    assert.equal(before.candidates[0]!.user, 'alice');
    const afterR = await trace(store, { ip: '203.0.113.5', port: 41001, at: T + 250 * S });
    assert.equal(afterR.candidates[0]!.mac, '02:77:00:00:00:03');
    assert.equal(afterR.candidates[0]!.hostname, 'pc-3');
    assert.equal(afterR.candidates[0]!.user, 'carol');
    // The registry's owner is shown, labelled as a hint, and never taken for the user.
    assert.equal(afterR.candidates[0]!.owner, 'dave');
    assert.ok(afterR.candidates[0]!.reasons.some((r) => /owner registry names dave .*a hint, not evidence/.test(r)));
    assert.match(renderTrace(afterR), /owner +dave +\(registry hint only/);
  });

  it('a logon at the static host covers the time until the logoff that names only its session', async () => {
    const during = await trace(store, { ip: '10.77.0.50', at: T + 300 * S });
    assert.equal(during.candidates[0]!.user, 'erin');
    assert.ok(during.candidates[0]!.evidence.some((e) => /session logout: erin/.test(e.role)), 'the logoff is cited');
    const afterOff = await trace(store, { ip: '10.77.0.50', at: T + 400 * S });
    assert.equal(afterOff.candidates[0]!.user, null);
  });

  it('a translation logged without destination is found, and says so', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 45000, at: T + 500 * S, proto: 'udp' });
    assert.equal(a.candidates.length, 1);
    assert.equal(a.candidates[0]!.inside, '10.77.0.101:5353');
    assert.equal(a.candidates[0]!.nat!.dst, null);
    assert.match(renderTrace(a), /destination not logged/);
  });

  it('static host: inside address with a "no lease" warning; failed attempt found', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 42000, at: T + 300.4 * S, dstIp: '198.51.100.7', dstPort: 8081 });
    const c = a.candidates[0]!;
    assert.equal(c.inside, '10.77.0.50:42000');
    assert.equal(c.mac, null);
    assert.equal(c.nat!.failed, true);
    assert.ok(a.warnings.some((w) => /no lease/.test(w)));
  });

  it('long-lived connection reported mid-life is found', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 43000, at: T });
    assert.equal(a.candidates.length, 1);
    assert.equal(a.candidates[0]!.inside, '10.77.0.101:43000');
    assert.equal(a.candidates[0]!.nat!.dst, '198.51.100.9:22');
  });

  it('a translation alive at T since long before: its end logged after T, or never (said so, and trusted less)', async () => {
    const open = await trace(store, { ip: '203.0.113.5', port: 44000, at: T });
    const ended = await trace(store, { ip: '203.0.113.5', port: 44001, at: T });
    assert.deepEqual(open.candidates.map((c) => c.inside), ['10.77.0.104:44000']);
    assert.deepEqual(ended.candidates.map((c) => c.inside), ['10.77.0.105:44001']);
    assert.ok(open.candidates[0]!.reasons.some((r) => /started 2400\.000 s before the reported time and its end was not logged/.test(r)));
    assert.ok(ended.candidates[0]!.reasons.some((r) => /started -2400\.000 s from the reported time, ended 300\.000 s from it/.test(r)));
    // Neither has a lease or a session: the NAT step alone makes the difference.
    assert.ok(open.candidates[0]!.confidence < ended.candidates[0]!.confidence, `${open.candidates[0]!.confidence} ${ended.candidates[0]!.confidence}`);
  });

  it('the same events received more than once make one candidate, with every line as evidence, and say so', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 45000, at: T });
    assert.deepEqual(a.candidates.map((c) => c.inside), ['10.77.0.106:45000']);
    assert.equal(a.candidates[0]!.evidence.filter((e) => e.kind === 'nat').length, 4);
    assert.ok(a.candidates[0]!.reasons.some((r) => /received more than once \(2 repeated/.test(r)), a.candidates[0]!.reasons.join('; '));
    assert.equal(a.ambiguous ?? false, false);
    const ends = await trace(store, { ip: '203.0.113.5', port: 45001, at: T - 5 * S });
    assert.deepEqual(ends.candidates.map((c) => c.inside), ['10.77.0.107:45001']); // three DESTROYs alike: one flow
  });

  it('port-block mode: the block holding the port at T names the inside address, and says no destination was recorded', async () => {
    const a = await trace(store, { ip: '203.0.113.9', port: 1300, at: T });
    assert.deepEqual(a.candidates.map((c) => c.insideIp), ['100.64.0.9']);
    assert.match(a.warnings.join('\n'), /port-block allocation: .*no destination was recorded/);
    assert.ok(a.candidates[0]!.evidence.some((e) => /port block alloc/.test(e.role)));
    const later = await trace(store, { ip: '203.0.113.9', port: 1300, at: T + 2000 * S });
    assert.deepEqual(later.candidates.map((c) => c.insideIp), ['100.64.0.10']);
    const outside = await trace(store, { ip: '203.0.113.9', port: 2000, at: T });
    assert.equal(outside.candidates.length, 0, 'a port outside every block');
  });

  it('nothing at that time: no candidate and a warning that says what to check', async () => {
    const a = await trace(store, { ip: '203.0.113.5', port: 40000, at: T - 3600 * S });
    assert.equal(a.candidates.length, 0);
    assert.match(a.warnings.join('\n'), /no NAT translation .* widen --tolerance/);
  });

  it('an inside address is traced directly (no NAT step)', async () => {
    const a = await trace(store, { ip: '10.77.0.101', at: T });
    assert.equal(a.candidates[0]!.mac, '02:77:00:00:00:01');
    assert.equal(a.candidates[0]!.user, 'alice');
  });
});

// The store conformance suite: every Store implementation runs the same cases. A store that cannot run a
// case must skip it with its reason.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, before, after } from 'node:test';
import type { WhowasRecord } from '../records/record.ts';
import { DuckDbStore } from './duckdb/index.ts';
import type { DayBatch, Store } from './store.ts';
import { dayOf } from './store.ts';

interface Impl {
  name: string;
  open: (dir: string) => Promise<Store>;
  skip?: string;
}

const IMPLS: Impl[] = [
  { name: 'duckdb', open: (dir) => DuckDbStore.open(dir) },
  { name: 'clickhouse', open: () => Promise.reject(new Error('n/a')), skip: 'ClickHouse store not built yet (scale-out is a later issue)' },
];

const T0 = Date.parse('2026-11-29T22:13:05Z') * 1000;
const S = 1_000_000;

function batch(records: WhowasRecord[], source = 'test'): DayBatch[] {
  const byDay = new Map<string, DayBatch>();
  for (const r of records) {
    const day = dayOf(r.ts);
    let b = byDay.get(day);
    if (!b) byDay.set(day, (b = { day, source, lines: [], received: [], records: [] }));
    b.records.push({ rec: r, line: b.lines.length });
    b.lines.push(r.raw);
    b.received.push(r.received);
  }
  return [...byDay.values()];
}

const base = (ts: number, raw: string) => ({ ts, received: ts + 250_000, source: 'test', raw });

const NAT: WhowasRecord[] = [
  { kind: 'nat', ...base(T0, 'nat new a'), event: 'new', proto: 'tcp', inIp: '10.1.2.3', inPort: 51234, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.7', dstPort: 443 },
  { kind: 'nat', ...base(T0 + 400_000, 'nat new b'), event: 'new', proto: 'tcp', inIp: '10.1.2.4', inPort: 40123, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.8', dstPort: 80 },
  { kind: 'nat', ...base(T0 + 30 * S, 'nat destroy a'), event: 'destroy', proto: 'tcp', inIp: '10.1.2.3', inPort: 51234, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.7', dstPort: 443, failed: true },
  { kind: 'nat', ...base(T0 + 5 * S, 'nat v6'), event: 'new', proto: 'udp', inIp: 'fd00::1:2', inPort: 5353, pubIp: '2001:db8::5', pubPort: 5353, dstIp: '2001:db8:ffff::53', dstPort: 53 },
];

for (const impl of IMPLS) {
  describe(`store contract: ${impl.name}`, { skip: impl.skip }, () => {
    let dir: string;
    let store: Store;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `whowas-store-${impl.name}-`));
      store = await impl.open(dir);
    });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('nat: finds translations by public ip:port and time, with destination and inside port', async () => {
      for (const b of batch(NAT)) await store.writeDay(b);
      const all = await store.nat({ from: T0 - S, to: T0 + 60 * S, pubIp: '203.0.113.5', pubPort: 40123 });
      assert.equal(all.length, 3);
      const a = all[0]!;
      assert.equal(a.inIp, '10.1.2.3');
      assert.equal(a.inPort, 51234);
      assert.equal(a.dstIp, '198.51.100.7');
      assert.equal(a.dstPort, 443);
      assert.equal(a.proto, 'tcp');
      assert.equal(a.event, 'new');
      assert.equal(a.ts, T0);
      assert.equal(all[2]!.failed, true);
      const byDst = await store.nat({ from: T0 - S, to: T0 + 60 * S, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.8', dstPort: 80 });
      assert.deepEqual(byDst.map((r) => r.inIp), ['10.1.2.4']);
      const outside = await store.nat({ from: T0 + 100 * S, to: T0 + 200 * S, pubIp: '203.0.113.5' });
      assert.equal(outside.length, 0);
      const byInside = await store.nat({ from: T0 - S, to: T0 + S, inIp: '10.1.2.4', inPort: 40123 });
      assert.equal(byInside.length, 1);
    });

    it('nat: IPv6 on both sides', async () => {
      const r = await store.nat({ from: T0, to: T0 + 10 * S, pubIp: '2001:db8::5', proto: 'udp' });
      assert.equal(r.length, 1);
      assert.equal(r[0]!.inIp, 'fd00::1:2');
      assert.equal(r[0]!.dstIp, '2001:db8:ffff::53');
    });

    it('isNatPublic: true for a public side, false otherwise', async () => {
      assert.equal(await store.isNatPublic('203.0.113.5', { from: T0 - S, to: T0 + S }), true);
      assert.equal(await store.isNatPublic('10.1.2.3', { from: T0 - S, to: T0 + S }), false);
    });

    it('evidence: the original line and its receive time come back', async () => {
      const [r] = await store.nat({ from: T0, to: T0, pubIp: '203.0.113.5', pubPort: 40123 });
      const ev = await store.evidence([r!.ref]);
      assert.equal(ev.get(r!.ref)?.line, 'nat new a');
      assert.equal(ev.get(r!.ref)?.received, T0 + 250_000);
      assert.equal(ev.get(r!.ref)?.source, 'test');
    });

    it('every kind round-trips with its fields, flags and the other DST reading', async () => {
      const t = T0 + 3600 * S;
      const recs: WhowasRecord[] = [
        { kind: 'lease', ...base(t, 'lease line'), ip: '10.77.0.102', mac: '02:77:00:00:00:01', how: 'ack', hostname: 'pc-1', end: t + 120 * S, via: 'br-lan', rawStamp: 'Nov 29 23:13:05', flags: { ambiguous: true, yearInferred: true }, tsAlt: t + 3600 * S },
        { kind: 'sighting', ...base(t, 'arp line'), ip: 'fe80::77:1', mac: '02:77:00:00:00:01', how: 'ndp', vlan: 12, iface: 'eth0' },
        { kind: 'place', ...base(t, 'switch line'), mac: '02:77:00:00:00:01', how: 'mac-table', switch: 'sw-1', port: 'Gi1/0/7', vlan: 12 },
        { kind: 'session', ...base(t, 'radius block\n\tUser-Name = "alice"'), user: 'alice', event: 'start', how: 'radius', mac: '02:77:00:00:00:01', ip: '10.77.0.102', sessionId: 's1', nas: '10.77.0.1', durationS: 0 },
        { kind: 'portblock', ...base(t, 'pba line'), event: 'alloc', inIp: '100.64.0.9', pubIp: '203.0.113.9', portLo: 1024, portHi: 1535 },
        { kind: 'dnsquery', ...base(t, 'query line'), client: '10.77.0.102', clientPort: 5353, qname: 'www.Example.org', qtype: 'A', resolver: 'gw' },
        { kind: 'unparsed', ...base(t, 'junk \u0000\u00ff line'), reason: 'not a dnsmasq line', format: 'dnsmasq' },
      ];
      for (const b of batch(recs)) await store.writeDay(b);
      const range = { from: t - S, to: t + S };
      const [lease] = await store.leases({ ...range, ip: '10.77.0.102' });
      assert.equal(lease!.mac, '02:77:00:00:00:01');
      assert.equal(lease!.hostname, 'pc-1');
      assert.equal(lease!.end, t + 120 * S);
      assert.deepEqual(lease!.flags, { ambiguous: true, yearInferred: true });
      assert.equal(lease!.tsAlt, t + 3600 * S);
      assert.equal(lease!.rawStamp, 'Nov 29 23:13:05');
      assert.equal((await store.sightings({ ...range, mac: '02:77:00:00:00:01' }))[0]!.ip, 'fe80::77:1');
      assert.equal((await store.places({ ...range, mac: '02:77:00:00:00:01' }))[0]!.port, 'Gi1/0/7');
      const [sess] = await store.sessions({ ...range, mac: '02:77:00:00:00:01' });
      assert.equal(sess!.user, 'alice');
      assert.equal(sess!.sessionId, 's1');
      assert.equal((await store.sessions({ ...range, user: 'alice' })).length, 1);
      assert.equal((await store.portblocks({ ...range, pubIp: '203.0.113.9', port: 1200 }))[0]!.inIp, '100.64.0.9');
      assert.equal((await store.portblocks({ ...range, pubIp: '203.0.113.9', port: 2000 })).length, 0);
      assert.equal((await store.dnsqueries({ ...range, qname: '*.example.org' })).length, 1);
      assert.equal((await store.dnsqueries({ ...range, qname: 'example.org' })).length, 0);
      const [u] = await store.unparsed(range);
      assert.equal(u!.reason, 'not a dnsmasq line');
      const ev = await store.evidence([sess!.ref, u!.ref]);
      assert.equal(ev.get(sess!.ref)!.line, 'radius block\n\tUser-Name = "alice"');
      assert.equal(ev.get(u!.ref)!.line, 'junk \u0000\u00ff line');
    });

    it('a batch with a bad record writes nothing', async () => {
      const t = T0 + 7200 * S;
      const good = { kind: 'lease', ...base(t, 'good'), ip: '10.9.9.9', mac: '02:00:00:00:00:09', how: 'ack' } as WhowasRecord;
      const bad = { kind: 'lease', ...base(t, 'bad'), ip: '10.9.9.8', how: 'ack' } as unknown as WhowasRecord;
      await assert.rejects(store.writeDay(batch([good, bad])[0]!));
      assert.equal((await store.leases({ from: t - S, to: t + S, ip: '10.9.9.9' })).length, 0);
      await store.writeDay(batch([good])[0]!);
      assert.equal((await store.leases({ from: t - S, to: t + S, ip: '10.9.9.9' })).length, 1);
    });

    it('partitions by UTC day; dropping a day gives its file back', async () => {
      const nextDay = T0 + 86_400 * S;
      await store.writeDay(batch([{ kind: 'lease', ...base(nextDay, 'tomorrow'), ip: '10.9.9.7', mac: '02:00:00:00:00:07', how: 'ack' }])[0]!);
      const days = await store.days();
      assert.deepEqual(days, ['2026-11-29', '2026-11-30']);
      await store.dropDay('2026-11-30');
      assert.deepEqual(await store.days(), ['2026-11-29']);
      assert.equal(existsSync(join(dir, 'days', '2026-11-30.duckdb')), false);
      assert.equal(existsSync(join(dir, 'days', '2026-11-30.raw')), false);
      assert.equal((await store.leases({ from: nextDay - S, to: nextDay + S, ip: '10.9.9.7' })).length, 0);
    });

    it('nat: thousands of rows in one batch, with and without destinations and ambiguous stamps, read back row for row', async () => {
      // Over two 2,048-row append slices, so that a slice following one with missing destinations is checked.
      const t1 = T0 + 3600 * S;
      const recs: WhowasRecord[] = Array.from({ length: 5000 }, (_, i) => ({
        kind: 'nat', ...base(t1 + i * 1000, `bulk ${i}`), event: i % 2 ? 'destroy' : 'new', proto: i % 5 ? 'tcp' : 'udp',
        inIp: `10.8.${i >> 8}.${i & 255}`, inPort: 20000 + i, pubIp: '203.0.113.77', pubPort: 1024 + i,
        ...(i % 3 === 1 ? {} : { dstIp: `198.51.100.${i % 200}`, dstPort: 443 }),
        ...(i % 1000 === 7 ? { tsAlt: t1 + i * 1000 - 3600 * S, flags: { ambiguous: true } } : {}),
      }) as WhowasRecord);
      await store.writeDay(batch(recs)[0]!);
      const got = await store.nat({ from: t1, to: t1 + 5000 * 1000, pubIp: '203.0.113.77', limit: 10_000 });
      assert.equal(got.length, 5000);
      got.sort((a, b) => a.ts - b.ts);
      for (let i = 0; i < 5000; i++) {
        const g = got[i]!;
        assert.equal(g.ts, t1 + i * 1000);
        assert.equal(g.inPort, 20000 + i);
        assert.equal(g.pubPort, 1024 + i);
        assert.equal(g.inIp, `10.8.${i >> 8}.${i & 255}`);
        assert.equal(g.dstIp, i % 3 === 1 ? undefined : `198.51.100.${i % 200}`, `row ${i}`);
        assert.equal(g.dstPort, i % 3 === 1 ? undefined : 443, `row ${i}`);
        assert.equal(g.tsAlt, i % 1000 === 7 ? t1 + i * 1000 - 3600 * S : undefined, `row ${i}`);
      }
      const ev = await store.evidence([got[4321]!.ref]);
      assert.equal(ev.get(got[4321]!.ref)!.line, 'bulk 4321');
    });

    it('leases: a lease written after a lookup is found by the next one, in time order, by address or by MAC alike', async () => {
      const t = T0 + 7200 * S;
      const lease = (ts: number, mac: string, how: 'ack' | 'release', raw: string): WhowasRecord =>
        ({ kind: 'lease', ...base(ts, raw), ip: '10.20.30.40', mac, how, hostname: `h-${mac.slice(-2)}` }) as WhowasRecord;
      await store.writeDay(batch([lease(t, '02:00:00:00:aa:01', 'ack', 'ack one')])[0]!);
      assert.deepEqual((await store.leases({ from: t - S, to: t + 600 * S, ip: '10.20.30.40' })).map((l) => l.mac), ['02:00:00:00:aa:01']);
      // Later writes, one of them stamped earlier than what is there (a late line from another server).
      await store.writeDay(batch([lease(t + 60 * S, '02:00:00:00:aa:01', 'release', 'release one'), lease(t + 120 * S, '02:00:00:00:aa:02', 'ack', 'ack two')])[0]!);
      await store.writeDay(batch([lease(t - 30 * S, '02:00:00:00:aa:03', 'ack', 'ack zero')])[0]!);
      const byIp = await store.leases({ from: t - 600 * S, to: t + 600 * S, ip: '10.20.30.40' });
      assert.deepEqual(byIp.map((l) => [l.mac, l.how]), [['02:00:00:00:aa:03', 'ack'], ['02:00:00:00:aa:01', 'ack'], ['02:00:00:00:aa:01', 'release'], ['02:00:00:00:aa:02', 'ack']]);
      assert.equal(byIp[3]!.hostname, 'h-02');
      assert.equal((await store.evidence([byIp[0]!.ref])).get(byIp[0]!.ref)!.line, 'ack zero');
      const byMac = await store.leases({ from: t - 600 * S, to: t + 600 * S, mac: '02:00:00:00:aa:01' });
      assert.deepEqual(byMac.map((l) => [l.ref, l.ts, l.how]), byIp.filter((l) => l.mac === '02:00:00:00:aa:01').map((l) => [l.ref, l.ts, l.how]));
      assert.equal((await store.leases({ from: t + 61 * S, to: t + 119 * S, ip: '10.20.30.40' })).length, 0);
    });

    it('data survives close and reopen', async () => {
      await store.close();
      store = await impl.open(dir);
      const r = await store.nat({ from: T0 - S, to: T0 + S, pubIp: '203.0.113.5', pubPort: 40123 });
      assert.equal(r.length, 2);
      // Appending after reopen continues the day's chunk and dictionary numbering.
      await store.writeDay(batch([{ ...NAT[0]!, ts: T0 + 2 * S, raw: 'after reopen', dstIp: '198.51.100.99' } as WhowasRecord])[0]!);
      const [x] = await store.nat({ from: T0 + 2 * S, to: T0 + 2 * S, pubIp: '203.0.113.5' });
      assert.equal(x!.dstIp, '198.51.100.99');
      assert.equal((await store.evidence([x!.ref])).get(x!.ref)!.line, 'after reopen');
      const stats = await store.stats();
      assert.ok(stats.totalBytes > 0);
      assert.equal(stats.days[0]!.rows.nat, 5005);
    });
  });
}

// IPFIX / NetFlow v9 lab: real exporters talk to the real collector over loopback.
//
//  - softflowd (Debian) reads a capture whose every flow we wrote (./pcap.ts) and exports it as IPFIX with each
//    of its time encodings (uptime + options record, milli, micro = NTP format, biflow with RFC 5103 reverse
//    elements) and as NetFlow v9: every flow must come out with its addresses, ports, times and byte counts.
//  - nfdump's nfpcapd turns the same capture into flows and nfreplay exports them as NetFlow v9 (and v5, which
//    the collector must count as a wrong version).
//  - No Debian program exports NAT events, so the NAT packets are built by ./testing.ts; nfdump's own collector
//    (nfcapd + nfdump -o json) must read the same bytes the same way: same addresses, ports, event and time.
//
// Loopback only; no root needed. Needs: apt-get install -y softflowd nfdump
// Run alone: node --import tsx --test test/lab/ipfix/ipfix-lab.test.ts   (WHOWAS_LAB_KEEP=1 keeps the folder)
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ingestor } from '../../../src/ingest/pipeline.ts';
import { createIpfixCollector, type IpfixCollectorStatus } from '../../../src/inputs/ipfix/collector.ts';
import type { Profile } from '../../../src/inputs/ipfix/nat.ts';
import { ipfixText } from '../../../src/inputs/ipfix/text.ts';
import {
  IE, NAT44_PORT_BLOCK, NAT44_SESSION, dataSet, encodeRecord, ipfixMessage, ipfixTemplateSet, v9Packet, v9TemplateFlowSet, type FieldDef,
} from '../../../src/inputs/ipfix/testing.ts';
import type { FlowRecord, NatRecord, PortBlockRecord, WhowasRecord } from '../../../src/records/record.ts';
import type { DayBatch, Store } from '../../../src/store/store.ts';
import { makeClock } from '../../../src/time/clock.ts';
import { pcap, type LabPacket } from './pcap.ts';
import { unpackBatch } from '../../../src/store/unpack.ts';

const TOOLS = ['softflowd', 'softflowctl', 'nfpcapd', 'nfreplay', 'nfcapd', 'nfdump'];
const T = 1795990385; // 2026-11-29T22:13:05Z

// ---------------------------------------------------------------------------------------------------------
// The traffic: per direction, what an exporter must report.

interface Expected {
  proto: 'tcp' | 'udp';
  src: string;
  sport: number;
  dst: string;
  dport: number;
  first: number; // s
  last: number;
  /** First and last packet of the connection, both directions (softflowd reports these for each direction). */
  connFirst: number;
  connLast: number;
  packets: number;
  bytes: number;
}

function scenario(): { packets: LabPacket[]; flows: Expected[] } {
  const packets: LabPacket[] = [];
  const tcp = (i: number, src: string, sport: number, dst: string, dport: number, t0: number, data: number) => {
    packets.push(
      { t: t0, src, dst, proto: 'tcp', sport, dport, flags: 0x02 },
      { t: t0 + 0.011, src: dst, dst: src, proto: 'tcp', sport: dport, dport: sport, flags: 0x12 },
      { t: t0 + 0.023, src, dst, proto: 'tcp', sport, dport, flags: 0x18, payload: data },
      { t: t0 + 0.035, src: dst, dst: src, proto: 'tcp', sport: dport, dport: sport, flags: 0x18, payload: 2 * data },
      { t: t0 + 0.5 + i / 100, src, dst, proto: 'tcp', sport, dport, flags: 0x11 },
      { t: t0 + 0.512 + i / 100, src: dst, dst: src, proto: 'tcp', sport: dport, dport: sport, flags: 0x11 },
    );
  };
  for (let i = 0; i < 8; i++) tcp(i, `10.77.1.${10 + i}`, 41000 + i, '198.51.100.7', i % 2 ? 80 : 443, T + i * 0.25, 100 + i);
  tcp(8, '2001:db8:77::11', 41100, '2001:db8:99::7', 443, T + 2.5, 64);
  packets.push(
    { t: T + 3.1, src: '10.77.1.20', dst: '198.51.100.8', proto: 'udp', sport: 5353, dport: 53, payload: 30 },
    { t: T + 3.15, src: '198.51.100.8', dst: '10.77.1.20', proto: 'udp', sport: 53, dport: 5353, payload: 90 },
    { t: T + 3.3, src: '2001:db8:77::10', dst: '2001:db8:99::7', proto: 'udp', sport: 40000, dport: 5000, payload: 10 },
  );
  packets.sort((a, b) => a.t - b.t);
  const byKey = new Map<string, Expected>();
  for (const p of packets) {
    const k = `${p.proto} ${p.src} ${p.sport} ${p.dst} ${p.dport}`;
    const len = (p.src.includes(':') ? 40 : 20) + (p.proto === 'tcp' ? 20 : 8) + (p.payload ?? 0);
    const e = byKey.get(k);
    if (e) {
      e.last = p.t;
      e.packets++;
      e.bytes += len;
    } else byKey.set(k, { proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, first: p.t, last: p.t, connFirst: 0, connLast: 0, packets: 1, bytes: len });
  }
  const flows = [...byKey.values()];
  for (const e of flows) {
    const rev = flows.find((x) => x.src === e.dst && x.sport === e.dport && x.dst === e.src && x.dport === e.sport);
    e.connFirst = Math.min(e.first, rev?.first ?? Infinity);
    e.connLast = Math.max(e.last, rev?.last ?? -Infinity);
  }
  return { packets, flows };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

function memStore(): Store & { batches: DayBatch[] } {
  const batches: DayBatch[] = [];
  return { engine: 'mem', batches, writeDay: async (b: DayBatch) => void batches.push(b) } as unknown as Store & { batches: DayBatch[] };
}

interface Collected {
  records: WhowasRecord[];
  lines: string[];
  status: IpfixCollectorStatus;
}

/** Runs an exporter against a fresh collector until `done` says enough arrived (or the exporter gave up). */
async function collect(exporter: (port: number) => Promise<unknown>, done: (s: IpfixCollectorStatus) => boolean, profile?: Profile): Promise<Collected> {
  const store = memStore();
  const ing = new Ingestor(store, ipfixText, { source: 'lab', clock: (r) => makeClock({ reference: r }), batchSize: 1_000_000 });
  const col = await createIpfixCollector({ host: '127.0.0.1', port: 0, ingestorFor: () => ing, profile });
  try {
    await exporter(col.address().port);
    const end = Date.now() + 10_000;
    while (!done(col.status()) && Date.now() < end) await sleep(50);
    await sleep(200); // anything late
    await ing.flush();
    return { records: store.batches.flatMap((b) => unpackBatch(b).records.map((r) => r.rec)), lines: store.batches.flatMap((b) => unpackBatch(b).lines), status: col.status() };
  } finally {
    await col.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

function exited(p: ChildProcess): Promise<number | null> {
  return p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise((r) => p.once('exit', (c) => r(c)));
}

/**
 * softflowd -r reads the whole capture and exports every flow when it stops. Debian's 1.1.0 blocks on its
 * control socket in -r mode (it tests poll results it never polled for), so we poke the socket with harmless
 * `statistics` requests until it has read the file, hit EOF and exited; a fixed softflowd exits by itself.
 */
async function softflowd(dir: string, file: string, port: number, args: string[]): Promise<string> {
  const ctl = join(dir, `sf-${port}.ctl`);
  rmSync(ctl, { force: true });
  const p = spawn('softflowd', ['-r', file, '-n', `127.0.0.1:${port}`, '-a', '-6', '-d', '-p', join(dir, `sf-${port}.pid`), '-c', ctl, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const end = Date.now() + 20_000;
  while (p.exitCode === null && Date.now() < end) {
    if (existsSync(ctl)) spawnSync('softflowctl', ['-c', ctl, 'statistics'], { timeout: 2000, stdio: 'ignore' });
    await sleep(150);
  }
  if (p.exitCode === null) {
    p.kill();
    throw new Error(`softflowd ${args.join(' ')} did not finish:\n${out}`);
  }
  await exited(p);
  if (!/Flows exported: \d+ \(\d+ records\)/.test(out)) throw new Error(`softflowd ${args.join(' ')} exported nothing:\n${out}`);
  return out;
}

async function sendUdp(port: number, packets: Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  for (const b of packets) await new Promise<void>((r, j) => s.send(b, port, '127.0.0.1', (e) => (e ? j(e) : r())));
  await new Promise<void>((r) => s.close(() => r()));
}

const flows = (c: Collected) => c.records.filter((r): r is FlowRecord => r.kind === 'flow');

/**
 * Every expected direction is a flow record with its addresses, ports, protocol, times (to `precision` s) and
 * bytes. `times`: 'direction' (nfdump: each direction its own first/last packet), 'connection' (softflowd: both
 * directions report the connection's), 'v9' (connection, and up to 1 s early: a v9 header's UNIX secs has no
 * fraction, so uptime-relative times are resolved against a whole second, as RFC 3954 defines them).
 */
function checkFlows(c: Collected, expected: Expected[], precision: number, what: string, times: 'direction' | 'connection' | 'v9', biflow = false): void {
  const got = flows(c);
  const want = biflow ? expected.filter((e) => e.src.startsWith('10.') || e.src.startsWith('2001:db8:77:')) : expected;
  assert.equal(got.length, want.length, `${what}: ${got.length} flows for ${want.length} expected:\n${c.lines.join('\n')}`);
  for (const e of want) {
    const f = got.find((r) => r.srcIp === e.src && r.srcPort === e.sport && r.dstIp === e.dst && r.dstPort === e.dport);
    assert.ok(f, `${what}: no flow ${e.src}:${e.sport} → ${e.dst}:${e.dport}\n${c.lines.join('\n')}`);
    assert.equal(f.proto, e.proto, what);
    const step = Math.round(precision * 1e6);
    const q = (s: number) => Math.floor(Math.round(s * 1e6) / step) * step;
    const [first, last] = times === 'direction' ? [e.first, e.last] : [e.connFirst, e.connLast];
    if (times === 'v9') {
      const early = q(first) - f.ts;
      assert.ok(early >= 0 && early < 1e6, `${what}: start of ${e.src}:${e.sport} is ${early} µs early (${f.raw})`);
      assert.equal(f.end! - f.ts, q(last) - q(first), `${what}: duration of ${e.src}:${e.sport} (${f.raw})`);
    } else {
      assert.equal(f.ts, q(first), `${what}: start of ${e.src}:${e.sport} (${f.raw})`);
      assert.equal(f.end, q(last), `${what}: end of ${e.src}:${e.sport} (${f.raw})`);
    }
    assert.equal(f.bytesOut, e.bytes, `${what}: bytes of ${e.src}:${e.sport}`);
    if (biflow) {
      const rev = expected.find((x) => x.src === e.dst && x.sport === e.dport && x.dst === e.src && x.dport === e.sport);
      assert.equal(f.bytesIn, rev?.bytes ?? 0, `${what}: reverse bytes of ${e.src}:${e.sport}`);
    }
    assert.match(f.raw, new RegExp(` src=${e.src.includes(':') ? `\\[${e.src}\\]` : e.src}:${e.sport} dst=`), what);
  }
  assert.equal(c.status.totals.truncated + c.status.totals.malformed + c.status.totals.unknownTemplateSets, 0, `${what}: decoding trouble ${JSON.stringify(c.status.totals)}`);
}

// ---------------------------------------------------------------------------------------------------------

describe('IPFIX lab: real exporters (softflowd, nfdump) → collector', { timeout: 240_000 }, () => {
  let dir = '';
  let capture = '';
  let expected: Expected[] = [];
  let failed = false;

  before(() => {
    const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
    if (missing.length) throw new Error(`IPFIX lab: missing tools: ${missing.join(', ')}. Install them with: apt-get install -y softflowd nfdump`);
    dir = mkdtempSync(join(tmpdir(), 'wi-ipfix-lab-'));
    const s = scenario();
    expected = s.flows;
    capture = join(dir, 'traffic.pcap');
    writeFileSync(capture, pcap(s.packets));
  });

  after(() => {
    if (!dir) return;
    if (failed || process.env.WHOWAS_LAB_KEEP) console.log(`IPFIX lab folder kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  const lab = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  lab('softflowd IPFIX, uptime-relative times resolved through its options record (systemInitTimeMilliseconds)', async () => {
    const c = await collect((port) => softflowd(dir, capture, port, ['-v', '10']), (s) => s.totals.flow >= expected.length);
    checkFlows(c, expected, 0.001, 'softflowd -v 10', 'connection');
    // Its options record (systemInitTimeMilliseconds) is what places flowStart/EndSysUpTime in time; it binds
    // nothing, so it is a counted skip, not a stored line.
    assert.ok(c.status.totals.optionsRecords >= 1, 'softflowd sends an options record');
    assert.ok(c.lines.every((l) => / flowStartSysUpTime=\d+ .* start=2026-11-29T22:13:0\d\.\d{3}Z /.test(l)), c.lines.join('\n'));
  });

  lab('softflowd IPFIX biflow (-b, RFC 5103 reverse elements of enterprise 29305), milliseconds', async () => {
    const n = expected.length / 2 + 1; // one record per connection; the IPv6 UDP one has no answer
    const c = await collect((port) => softflowd(dir, capture, port, ['-v', '10', '-b', '-A', 'milli']), (s) => s.totals.flow >= n);
    checkFlows(c, expected, 0.001, 'softflowd -v 10 -b -A milli', 'connection', true);
    assert.ok(c.lines.every((l) => l.includes('optionsTemplate=') || / reverseOctetDeltaCount=\d+ /.test(l)));
  });

  lab('softflowd IPFIX with dateTimeMicroseconds (NTP format) and dateTimeSeconds', async () => {
    const us = await collect((port) => softflowd(dir, capture, port, ['-v', '10', '-A', 'micro']), (s) => s.totals.flow >= expected.length);
    checkFlows(us, expected, 0.000001, 'softflowd -A micro', 'connection');
    assert.ok(us.lines.some((l) => l.includes(' flowStartMicroseconds=')));
    const sec = await collect((port) => softflowd(dir, capture, port, ['-v', '10', '-A', 'sec']), (s) => s.totals.flow >= expected.length);
    checkFlows(sec, expected, 1, 'softflowd -A sec', 'connection');
  });

  lab('softflowd NetFlow v9: FIRST/LAST_SWITCHED against the header sysUptime and UNIX secs', async () => {
    const c = await collect((port) => softflowd(dir, capture, port, ['-v', '9']), (s) => s.totals.flow >= expected.length);
    checkFlows(c, expected, 0.001, 'softflowd -v 9', 'v9');
    assert.ok(c.lines.every((l) => l.startsWith('nfv9 ')));
  });

  lab('nfdump: nfpcapd builds the flows, nfreplay exports them as NetFlow v9; v5 is counted as a wrong version', async () => {
    const flowDir = join(dir, 'nfcapd');
    mkdirSync(flowDir, { recursive: true });
    run('nfpcapd', ['-r', capture, '-w', flowDir]);
    const file = readdirSync(flowDir).filter((f) => f.startsWith('nfcapd.'))[0];
    assert.ok(file, 'nfpcapd wrote no file');
    const c = await collect(async (port) => void run('nfreplay', ['-r', join(flowDir, file), '-H', '127.0.0.1', '-p', String(port), '-v', '9']), (s) => s.totals.flow >= expected.length);
    checkFlows(c, expected, 0.001, 'nfreplay -v 9', 'direction');
    const v5 = await collect(async (port) => void run('nfreplay', ['-r', join(flowDir, file), '-H', '127.0.0.1', '-p', String(port), '-v', '5']), (s) => s.totals.badVersion >= 1);
    assert.ok(v5.status.totals.badVersion >= 1);
    assert.equal(v5.records.length, 0);
  });

  lab('NAT events: nfdump reads our NSEL, NEL and IPFIX NAT packets exactly as the collector does', async () => {
    const t0 = T * 1000 + 123;
    const nsel: FieldDef[] = [IE.NF_F_CONN_ID, IE.sourceIPv4Address, IE.sourceTransportPort, IE.destinationIPv4Address, IE.destinationTransportPort, IE.protocolIdentifier,
      IE.NF_F_FW_EVENT, IE.NF_F_FW_EXT_EVENT, IE.NF_F_EVENT_TIME_MSEC, IE.NF_F_XLATE_SRC_ADDR_IPV4, IE.NF_F_XLATE_DST_ADDR_IPV4, IE.NF_F_XLATE_SRC_PORT, IE.NF_F_XLATE_DST_PORT];
    const nel: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.ingressVRFID, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier,
      IE.sourceTransportPort, IE.postNAPTSourceTransportPort, IE.destinationIPv4Address, IE.postNATDestinationIPv4Address, IE.destinationTransportPort, IE.postNAPTDestinationTransportPort];
    const packets = [
      v9Packet({ uptime: 1000, unixSecs: T + 1, seq: 1, sourceId: 1 }, v9TemplateFlowSet({ id: 263, fields: nsel }), dataSet(263, [
        encodeRecord(nsel, [77, '10.77.1.10', 41001, '198.51.100.7', 443, 6, 1, 0, t0, '203.0.113.5', '198.51.100.7', 40001, 443]),
        encodeRecord(nsel, [77, '10.77.1.10', 41001, '198.51.100.7', 443, 6, 2, 2030, t0 + 900, '203.0.113.5', '198.51.100.7', 40001, 443]),
      ], true)),
      v9Packet({ uptime: 1000, unixSecs: T + 1, seq: 1, sourceId: 2 }, v9TemplateFlowSet({ id: 264, fields: nel }), dataSet(264, [
        encodeRecord(nel, [t0 + 5, 4, 0, '10.77.1.11', '203.0.113.5', 17, 5353, 40002, '198.51.100.8', '198.51.100.8', 53, 53]),
      ], true)),
      ipfixMessage({ exportTime: T + 1, seq: 1, domain: 5 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }, { id: 257, fields: NAT44_PORT_BLOCK }),
        dataSet(256, [encodeRecord(NAT44_SESSION, [t0 + 7, 5, '10.77.1.12', '203.0.113.5', 6, 41012, 40012, '198.51.100.7', '198.51.100.7', 443, 443])]),
        dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [t0 + 9, 16, '10.77.1.13', '203.0.113.6', 1024, 1535, 1, 512])])),
    ];
    // nfdump's view.
    const nfDir = join(dir, 'nfcapd-nat');
    mkdirSync(nfDir, { recursive: true });
    const port = 47000 + Math.floor(Math.random() * 2000);
    const cap = spawn('nfcapd', ['-l', nfDir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600'], { stdio: 'ignore' });
    try {
      await sleep(800);
      await sendUdp(port, packets);
      await sleep(500);
    } finally {
      cap.kill('SIGTERM');
      await exited(cap);
    }
    const file = readdirSync(nfDir).find((f) => /^nfcapd\.\d+$/.test(f));
    assert.ok(file, `nfcapd wrote no file in ${nfDir}`);
    const theirs = JSON.parse(run('nfdump', ['-r', join(nfDir, file), '-o', 'json'])) as Record<string, string | number>[];
    assert.equal(theirs.length, 5, JSON.stringify(theirs, null, 1));
    // Ours, from the same bytes (NSEL exporter profile for source id 1 does not matter: it sends no natEvent).
    const c = await collect((p) => sendUdp(p, packets), (s) => s.totals.records >= 5);
    const ours = c.records as (NatRecord | PortBlockRecord)[];
    assert.equal(ours.length, 5, c.lines.join('\n'));
    // nfdump 1.7.1 prints the event time's milliseconds without zero padding (".023" as ".23"): read them as a number.
    const theirMs = (s: string) => Date.parse(`${s.slice(0, 19)}Z`) + Number(s.slice(20));
    for (const t of theirs) {
      const r = ours.find((o) => o.inIp === t.src4_addr && o.ts === theirMs(String(t.t_event)) * 1000);
      assert.ok(r, `nothing of ours matches nfdump's ${JSON.stringify(t)}\n${c.lines.join('\n')}`);
      assert.equal(r.pubIp, t.src4_xlt_ip, r.raw);
      if (r.kind === 'nat') {
        assert.equal(r.inPort, t.src_port, r.raw);
        assert.equal(r.pubPort, Number(t.src_xlt_port), r.raw);
        assert.equal(r.dstIp, t.dst4_xlt_ip, r.raw);
        assert.equal(r.dstPort, Number(t.dst_xlt_port), r.raw);
        assert.equal(r.proto, t.proto === 6 ? 'tcp' : 'udp', r.raw);
        // nfdump names NAT events per RFC 8158 (nat_event_id) and NSEL firewall events as event_id.
        const ev = t.nat_event_id !== undefined ? { '4': 'new', '5': 'destroy' }[String(t.nat_event_id)] : { '1': 'new', '2': 'destroy' }[String(t.event_id)];
        assert.equal(r.event, ev, `${r.raw}\n${JSON.stringify(t)}`);
      } else {
        assert.equal(String(t.nat_event_id), '16');
        assert.deepEqual([r.event, r.portLo, r.portHi], ['alloc', 1024, 1535]);
      }
    }
  });
});

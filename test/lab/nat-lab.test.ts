// End-to-end NAT lab: real dnsmasq, dhclient, nftables masquerade, conntrack, freeradius and tcpdump in
// network namespaces (test/lab/lab.sh), then the whowas CLI used exactly as a person would: ingest the three
// logs, trace every connection the outside host saw, compare with what the scenario did.
//
// Needs root and the Debian packages listed in test/lab/README.md. It never skips: without root or a tool
// it fails and says what is missing. Run alone: node --import tsx --test test/lab/nat-lab.test.ts
// WHOWAS_LAB_KEEP=1 keeps the output folder (its path is printed); it is also kept when the lab fails.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchOutside, parseOutsideCapture, type LabConnection, type LabExpected, type Observed } from './outside-view.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAB = path.join(ROOT, 'test/lab/lab.sh');
const TOOLS = ['ip', 'nft', 'dnsmasq', 'dhclient', 'conntrack', 'freeradius', 'radclient', 'tcpdump', 'socat', 'stdbuf', 'flock'];
const PACKAGES = 'dnsmasq-base conntrack freeradius freeradius-utils nftables isc-dhcp-client tcpdump iproute2 socat';

// ---------------------------------------------------------------------------------------------------------
// The CLI contract (see test/lab/README.md).

interface IngestResult {
  lines: number;
  records: Record<string, number>;
  skipped: number;
  unparsed: number;
}

interface Evidence {
  kind: string;
  line: string;
  source: string;
}

interface Candidate {
  inside: string;
  mac: string | null;
  hostname: string | null;
  user: string | null;
  confidence: number;
  evidence: Evidence[];
}

interface TraceResult {
  candidates: Candidate[];
  ambiguous: boolean;
  warnings: string[];
}

function whowas<T>(args: string[]): T {
  const r = spawnSync(process.execPath, ['bin/whowas.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const cmd = `node bin/whowas.js ${args.join(' ')}`;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} exited ${r.status ?? r.signal}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`);
  }
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${cmd} did not print JSON on stdout:\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

function preflight(): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(
      `NAT lab: must run as root (it creates network namespaces); uid is ${process.getuid?.()}. ` +
        'CI and the developer machines run as root: run `npm test` as root.',
    );
  }
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`NAT lab: missing tools: ${missing.join(', ')}. Install them with: apt-get install -y ${PACKAGES}`);
  }
}

const macForms = (mac: string): string[] => {
  const lo = mac.toLowerCase();
  const hex = lo.replace(/[^0-9a-f]/g, '');
  const dash = lo.replace(/:/g, '-');
  const dotted = `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`;
  return [lo, dash, hex, dotted];
};

const normMac = (mac: string | null | undefined): string | null =>
  mac == null ? null : mac.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/(..)(?!$)/g, '$1:');

function mentions(line: string, ip: string, mac: string | null): boolean {
  const ipRe = new RegExp(`(?<![0-9.])${ip.replace(/\./g, '\\.')}(?![0-9])`);
  if (ipRe.test(line)) return true;
  if (!mac) return false;
  const l = line.toLowerCase();
  return macForms(mac).some((f) => l.includes(f));
}

function describeConn(c: LabConnection, o?: Observed<LabConnection>['seen']): string {
  const pub = o ? ` seen outside as ${o.srcIp}:${o.srcPort} at ${o.at}` : '';
  return `${c.id}: ${c.client.name} ${c.insideIp}:${c.insidePort} -> ${c.dstIp}:${c.dstPort}/${c.proto}${pub}`;
}

// ---------------------------------------------------------------------------------------------------------

describe('NAT lab: real DHCP, NAT and RADIUS logs traced back to computer and person', { timeout: 420_000 }, () => {
  let out = '';
  let data = '';
  let expected: LabExpected;
  let seen: Observed<LabConnection>[] = [];
  let failed = false;
  const byId = (id: string): Observed<LabConnection> => {
    const m = seen.find((s) => s.conn.id === id);
    if (!m) throw new Error(`the lab made no connection ${id}`);
    return m;
  };

  before(() => {
    preflight();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'whowas-lab-'));
    data = path.join(out, 'whowas-data');
    const t0 = Date.now();
    const r = spawnSync('bash', [LAB, out], { encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] });
    fs.writeFileSync(path.join(out, 'lab.log'), `${r.stdout}${r.stderr}`);
    if (r.status !== 0) {
      failed = true;
      throw new Error(
        `NAT lab (test/lab/lab.sh) failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}; outputs kept in ${out}\n` +
          r.stderr.split('\n').slice(-30).join('\n'),
      );
    }
    process.stderr.write(`# NAT lab ran in ${((Date.now() - t0) / 1000).toFixed(1)} s, outputs in ${out}\n`);
    expected = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as LabExpected;
    const capture = fs.readFileSync(path.join(out, expected.files.outside), 'utf8');
    seen = matchOutside(expected.connections, parseOutsideCapture(capture));
    fs.mkdirSync(data, { recursive: true });
  });

  after(() => {
    if (!out) return;
    if (failed || process.env.WHOWAS_LAB_KEEP) process.stderr.write(`# NAT lab outputs kept in ${out}\n`);
    else fs.rmSync(out, { recursive: true, force: true });
  });

  // --- the lab itself: what the outside saw matches what the scenario did -------------------------------

  it('lab: the outside host saw every connection, and masquerade did what the scenario needs', () => {
    assert.ok(expected.connections.length >= 9, 'scenario connections');
    for (const { conn, seen: o } of seen) {
      assert.equal(o.srcIp, expected.gateway.public, `${describeConn(conn, o)}: public address`);
      assert.equal(o.dstIp, conn.dstIp);
      assert.equal(o.dstPort, conn.dstPort);
      assert.ok(o.ts >= expected.startedAt && o.ts <= expected.finishedAt, `${describeConn(conn, o)}: time inside the run`);
    }
    // a: c1 and then c2 had the same inside address.
    const a1 = byId('a1').conn;
    const a2 = byId('a2').conn;
    assert.equal(a1.client.name, 'c1');
    assert.equal(a2.client.name, 'c2');
    assert.equal(a1.insideIp, a2.insideIp, 'c2 got the address c1 released');
    // b1: same inside port, same destination, within a second: one of them had to get another public port.
    const b1 = [byId('b1-c2'), byId('b1-c3')];
    assert.equal(b1[0]!.conn.insidePort, b1[1]!.conn.insidePort);
    assert.ok(Math.abs(b1[0]!.seen.ts - b1[1]!.seen.ts) < 1, 'b1 connections within one second');
    assert.equal(b1[0]!.seen.srcPort, b1[0]!.conn.insidePort, 'first b1 connection keeps its port');
    assert.notEqual(b1[1]!.seen.srcPort, b1[1]!.conn.insidePort, 'second b1 connection was moved to another public port');
    // b2: same inside port, different destination ports: both keep it, same public ip:port at once.
    const b2 = [byId('b2-c2'), byId('b2-c3')];
    assert.notEqual(b2[0]!.conn.dstPort, b2[1]!.conn.dstPort);
    for (const b of b2) assert.equal(b.seen.srcPort, b.conn.insidePort, `${b.conn.id} keeps public port ${b.conn.insidePort}`);
    // c: the static host.
    assert.equal(byId('c4').conn.client.static, true);
    // d: the closed port was refused and never reached a service.
    const d = seen.filter((s) => s.conn.closed);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.conn.result, 'refused');
    // The services' own view agrees with the capture on every public port.
    const responder = fs
      .readFileSync(path.join(out, expected.files.responder), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { proto: string; port: number; src: string; sport: number; payload: string });
    for (const { conn, seen: o } of seen) {
      const r = responder.filter((x) => x.payload === conn.id);
      if (conn.closed) {
        assert.equal(r.length, 0, `${conn.id} must not reach a service`);
        continue;
      }
      assert.equal(conn.result, 'answered', `${describeConn(conn, o)}: client result`);
      assert.equal(r.length, 1, `${conn.id} in responder.log`);
      assert.equal(`${r[0]!.src}:${r[0]!.sport}`, `${o.srcIp}:${o.srcPort}`, `${conn.id}: responder and capture agree`);
    }
  });

  // --- ingest, as a user would ----------------------------------------------------------------------------

  it('ingests the dnsmasq log (Europe/Berlin local time)', () => {
    const r = whowas<IngestResult>([
      'ingest', '--data', data, '--format', 'dnsmasq', '--tz', expected.zones.dnsmasq, '--source', 'gw-dnsmasq', '--json',
      path.join(out, expected.files.dnsmasq),
    ]);
    assert.ok(r.lines > 0, `lines: ${JSON.stringify(r)}`);
    assert.ok((r.records.lease ?? 0) > 0, `lease records: ${JSON.stringify(r)}`);
  });

  it('ingests the conntrack event log', () => {
    const r = whowas<IngestResult>([
      'ingest', '--data', data, '--format', 'conntrack', '--source', 'gw-nat', '--json', path.join(out, expected.files.conntrack),
    ]);
    assert.ok(r.lines > 0, `lines: ${JSON.stringify(r)}`);
    assert.ok((r.records.nat ?? 0) > 0, `nat records: ${JSON.stringify(r)}`);
  });

  it(`ingests the freeradius detail file(s)`, () => {
    assert.ok(expected.files.radius.length > 0, 'the lab wrote a detail file');
    let sessions = 0;
    for (const f of expected.files.radius) {
      const r = whowas<IngestResult>([
        'ingest', '--data', data, '--format', 'freeradius-detail', '--tz', expected.zones.freeradius, '--source', 'gw-radius',
        '--json', path.join(out, f),
      ]);
      sessions += r.records.session ?? 0;
    }
    assert.ok(sessions > 0, 'session records');
  });

  // --- trace every connection the outside host saw --------------------------------------------------------

  function trace(o: Observed<LabConnection>['seen'], withDst: boolean): TraceResult {
    const args = ['trace', `${o.srcIp}:${o.srcPort}`, '--at', o.at, '--proto', o.proto];
    if (withDst) args.push('--dst', `${o.dstIp}:${o.dstPort}`);
    args.push('--json', '--data', data);
    return whowas<TraceResult>(args);
  }

  function assertNamesClient(res: TraceResult, m: Observed<LabConnection>): void {
    const { conn } = m;
    const ctx = `${describeConn(conn, m.seen)}\ntrace said: ${JSON.stringify(res, null, 1)}`;
    assert.ok(Array.isArray(res.candidates) && res.candidates.length > 0, `no candidate for ${ctx}`);
    assert.ok(Array.isArray(res.warnings), `warnings must be an array: ${ctx}`);
    const c0 = res.candidates[0]!;
    assert.equal(c0.inside, `${conn.insideIp}:${conn.insidePort}`, `inside ip:port of ${ctx}`);
    assert.ok(typeof c0.confidence === 'number' && c0.confidence >= 0 && c0.confidence <= 1, `confidence in [0,1]: ${ctx}`);
    if (conn.client.static) {
      assert.ok(res.warnings.some((w) => /no lease/i.test(w)), `a "no lease" warning for the static host: ${ctx}`);
    } else {
      assert.equal(normMac(c0.mac), normMac(conn.client.mac), `mac of ${ctx}`);
      assert.equal(c0.hostname, conn.client.hostname, `hostname of ${ctx}`);
      assert.equal(c0.user, conn.client.user, `user of ${ctx}`);
    }
    assert.ok(Array.isArray(c0.evidence) && c0.evidence.length > 0, `evidence for ${ctx}`);
    for (const e of c0.evidence) {
      assert.ok(typeof e.line === 'string' && e.line.trim().length > 0, `empty evidence line: ${ctx}`);
      assert.ok(
        mentions(e.line, conn.insideIp, conn.client.static ? null : conn.client.mac),
        `evidence line names neither ${conn.insideIp} nor ${conn.client.mac}: ${JSON.stringify(e)}\n${ctx}`,
      );
      assert.ok(['gw-dnsmasq', 'gw-nat', 'gw-radius'].includes(e.source), `evidence source ${e.source}: ${ctx}`);
    }
    assert.ok(c0.evidence.some((e) => e.source === 'gw-nat'), `NAT evidence for ${ctx}`);
  }

  const cases: Array<[string, string]> = [
    ['a1', 'a: c1 (alice) before it released its address'],
    ['a2', 'a: c2 (bob) with the same address after c1 left'],
    ['b1-c2', 'b: same inside port, same destination: the one that kept the port'],
    ['b1-c3', 'b: same inside port, same destination: the one masquerade moved'],
    ['b2-c2', 'b: shared public port 40020 towards :443, with --dst'],
    ['b2-c3', 'b: shared public port 40020 towards :80, with --dst'],
    ['c4', 'c: static host without a lease'],
    ['d3', 'd: the attempt on the closed port'],
    ['u3', 'a UDP datagram'],
  ];
  for (const [id, title] of cases) {
    it(`trace ${id} — ${title}`, () => {
      const m = byId(id);
      const res = trace(m.seen, true);
      assertNamesClient(res, m);
      if (id.startsWith('b')) {
        assert.notEqual(res.ambiguous, true, `with --dst the NAT flow is unique: ${describeConn(m.conn, m.seen)}\n${JSON.stringify(res, null, 1)}`);
      }
    });
  }

  it('trace b2 without --dst: the shared public ip:port is ambiguous and names both clients', () => {
    const [x, y] = [byId('b2-c2'), byId('b2-c3')];
    assert.equal(`${x.seen.srcIp}:${x.seen.srcPort}`, `${y.seen.srcIp}:${y.seen.srcPort}`);
    // At the second SYN both connections are open.
    const later = x.seen.ts > y.seen.ts ? x.seen : y.seen;
    const res = trace(later, false);
    const ctx = JSON.stringify(res, null, 1);
    assert.equal(res.ambiguous, true, `ambiguous: ${ctx}`);
    const inside = res.candidates.map((c) => c.inside);
    for (const m of [x, y]) {
      assert.ok(inside.includes(`${m.conn.insideIp}:${m.conn.insidePort}`), `${describeConn(m.conn)} among candidates: ${ctx}`);
      const c = res.candidates.find((k) => k.inside === `${m.conn.insideIp}:${m.conn.insidePort}`)!;
      assert.equal(normMac(c.mac), normMac(m.conn.client.mac), `mac of ${m.conn.id}: ${ctx}`);
      assert.equal(c.user, m.conn.client.user, `user of ${m.conn.id}: ${ctx}`);
    }
  });
});

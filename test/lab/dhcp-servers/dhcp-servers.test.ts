// DHCP servers lab: Debian's real ISC dhcpd (-4 and -6) and Kea (kea-dhcp4, kea-dhcp6) serve dhclient clients
// with known MACs and host names in network namespaces (dhcp-servers.sh). The logs they wrote are then ingested
// through the real file ingest path (ingestFile → Ingestor → parseMessage) with the isc-dhcpd, kea and
// kea-leases parsers, and every client's MAC ↔ IP binding, host name, release and lease end must match what the
// lab did, at times inside the run (so the servers' zones were applied).
//
// Needs root and the Debian packages isc-dhcp-server kea-dhcp4-server kea-dhcp6-server isc-dhcp-client
// (plus iproute2, util-linux, perl-base). Without root or a program it is skipped, saying why.
// Run alone: node --import tsx --test test/lab/dhcp-servers/dhcp-servers.test.ts
// WHOWAS_LAB_KEEP=1 keeps the output folder (its path is printed); it is also kept when the lab fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ingestFile } from '../../../src/ingest/file.ts';
import type { IngestStats } from '../../../src/ingest/pipeline.ts';
import { getParser } from '../../../src/parsers/registry.ts';
import type { LeaseRecord, WhowasRecord } from '../../../src/records/record.ts';
import type { DayBatch, Store } from '../../../src/store/store.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAB = path.join(HERE, 'dhcp-servers.sh');
const TOOLS = ['ip', 'dhcpd', 'kea-dhcp4', 'kea-dhcp6', 'dhclient', 'unshare', 'perl', 'flock', 'timeout'];
const PACKAGES = 'isc-dhcp-server kea-dhcp4-server kea-dhcp6-server isc-dhcp-client iproute2 util-linux perl-base';

function skipReason(): string | false {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return `DHCP servers lab needs root (network namespaces); uid is ${process.getuid?.()}`;
  }
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) return `DHCP servers lab: missing ${missing.join(', ')} (apt-get install -y ${PACKAGES})`;
  return false;
}

interface Client {
  name: string;
  mac: string;
  hostname?: string;
  ip: string;
  released: boolean;
  duid?: 'LL' | 'LLT';
}
interface Expected {
  startedAt: number;
  finishedAt: number;
  packages: Record<string, string>;
  servers: Record<'isc' | 'kea' | 'isc6' | 'kea6', { zone: string; files: Record<string, string>; clients: Client[] }>;
}

/** A store that only keeps what the pipeline writes: the records, as ingest hands them over. */
class CaptureStore {
  readonly engine = 'capture';
  readonly records: WhowasRecord[] = [];
  async writeDay(b: DayBatch): Promise<void> {
    for (const { rec } of b.records) this.records.push(rec);
  }
}

const skip = skipReason();

describe('DHCP servers lab: real dhcpd and Kea logs give each client its MAC ↔ IP binding', { skip, timeout: 240_000 }, () => {
  let out = '';
  let exp: Expected;
  let failed = false;
  const ingested = new Map<string, { stats: IngestStats; leases: LeaseRecord[] }>();

  async function ingest(file: string, format: string, zone: string): Promise<{ stats: IngestStats; leases: LeaseRecord[] }> {
    const store = new CaptureStore();
    const stats = await ingestFile(store as unknown as Store, path.join(out, file), { parser: getParser(format), source: `lab-${format}`, zone });
    const leases = store.records.filter((r): r is LeaseRecord => r.kind === 'lease');
    // Each record's time must fall inside the run: this is what proves the server's zone was applied.
    for (const r of leases) {
      const inRun = r.ts >= (exp.startedAt - 2) * 1e6 && r.ts <= (exp.finishedAt + 2) * 1e6;
      // kea-leases' expire rows (and ack rows) are stamped from the file's epoch columns: also inside the run.
      assert.ok(inRun, `${file}: record at ${new Date(r.ts / 1000).toISOString()} outside the run: ${r.raw}`);
    }
    return { stats, leases };
  }
  const got = (file: string) => {
    const g = ingested.get(file);
    if (!g) throw new Error(`${file} was not ingested`);
    return g;
  };
  const of = (leases: LeaseRecord[], c: Client) => leases.filter((r) => r.mac === c.mac);

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'whowas-dhcp-lab-'));
    const t0 = Date.now();
    const r = spawnSync('bash', [LAB, out], { encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
    fs.writeFileSync(path.join(out, 'lab.log'), `${r.stdout}${r.stderr}`);
    if (r.status !== 0) {
      failed = true;
      throw new Error(`DHCP servers lab failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}; outputs kept in ${out}\n${r.stderr.split('\n').slice(-25).join('\n')}`);
    }
    process.stderr.write(`# DHCP servers lab ran in ${((Date.now() - t0) / 1000).toFixed(1)} s, outputs in ${out}\n`);
    exp = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as Expected;
    const s = exp.servers;
    const jobs: [string, string, string][] = [
      [s.isc.files.syslog!, 'isc-dhcpd', s.isc.zone],
      [s.isc.files.stderr!, 'isc-dhcpd', s.isc.zone],
      [s.kea.files.log!, 'kea', s.kea.zone],
      [s.kea.files.syslog!, 'kea', s.kea.zone],
      [s.kea.files.leases!, 'kea-leases', s.kea.zone],
      [s.isc6.files.syslog!, 'isc-dhcpd', s.isc6.zone],
      [s.kea6.files.log!, 'kea', s.kea6.zone],
      [s.kea6.files.syslog!, 'kea', s.kea6.zone],
      [s.kea6.files.leases!, 'kea-leases', s.kea6.zone],
    ];
    for (const [file, format, zone] of jobs) ingested.set(file, await ingest(file, format, zone));
  });

  after(() => {
    if (!out) return;
    if (failed || process.env.WHOWAS_LAB_KEEP) process.stderr.write(`# DHCP servers lab outputs kept in ${out}\n`);
    else fs.rmSync(out, { recursive: true, force: true });
  });

  it('ISC dhcpd (syslog, local time of TZ): every client ACKed with its IP, MAC and host name; the release; the reuse', () => {
    const { stats, leases } = got(exp.servers.isc.files.syslog!);
    assert.equal(stats.unparsed, 0, JSON.stringify(stats.unparsedReasons));
    const [c1, c2, c3] = exp.servers.isc.clients as [Client, Client, Client];
    for (const c of [c1, c2, c3]) {
      const acks = of(leases, c).filter((r) => r.how === 'ack');
      assert.ok(acks.length > 0, `no DHCPACK record for ${c.name} (${c.mac})`);
      const last = acks[acks.length - 1]!;
      assert.deepEqual([last.ip, last.hostname, last.via], [c.ip, c.hostname, 'br0'], `${c.name}'s binding`);
    }
    // c1: lease, INIT-REBOOT re-ACK of the same address, release; c3 then got that address.
    const c1recs = of(leases, c1);
    assert.deepEqual(c1recs.map((r) => r.how), ['ack', 'ack', 'release']);
    assert.ok(c1recs.every((r) => r.ip === c1.ip));
    const release = c1recs[2]!;
    const c3ack = of(leases, c3).find((r) => r.how === 'ack')!;
    assert.equal(c3ack.ip, c1.ip, 'c3 got the released address');
    assert.ok(c3ack.ts >= release.ts, 'c3 was ACKed after c1 released');
    assert.ok((stats.skipReasons['DHCPDISCOVER: no free leases (pool exhausted; worth counting as a warning)'] ?? 0) > 0, 'the full pool was logged');
  });

  it('ISC dhcpd on stderr (-d): the same bindings carry no time stamp, so they are unparsed, never guessed', () => {
    const { stats, leases } = got(exp.servers.isc.files.stderr!);
    assert.equal(leases.length, 0);
    assert.ok((stats.unparsedReasons['no time stamp'] ?? 0) >= 5, JSON.stringify(stats.unparsedReasons));
  });

  for (const which of ['log', 'syslog'] as const) {
    it(`Kea kea-dhcp4 (${which === 'log' ? 'own log file, ms stamps' : 'syslog output'}): bindings with lease end, the release, the reuse`, () => {
      const { stats, leases } = got(exp.servers.kea.files[which]!);
      assert.equal(stats.unparsed, 0, JSON.stringify(stats.unparsedReasons));
      const [c1, c2, c3] = exp.servers.kea.clients as [Client, Client, Client];
      for (const c of [c1, c2, c3]) {
        const acks = of(leases, c).filter((r) => r.how === 'ack');
        assert.ok(acks.length > 0, `no DHCP4_LEASE_ALLOC record for ${c.name} (${c.mac})`);
        assert.equal(acks[acks.length - 1]!.ip, c.ip, `${c.name}'s address`);
      }
      assert.equal(of(leases, c2)[0]!.end! - of(leases, c2)[0]!.ts, 8_000_000, 'c2 asked for an 8 s lease');
      assert.equal(of(leases, c1)[0]!.end! - of(leases, c1)[0]!.ts, 600_000_000, 'c1 got the default 600 s');
      assert.deepEqual(of(leases, c1).map((r) => r.how), ['ack', 'ack', 'release']);
      const rel = of(leases, c1)[2]!;
      const c3ack = of(leases, c3).find((r) => r.how === 'ack')!;
      assert.equal(c3ack.ip, c1.ip);
      assert.ok(c3ack.ts >= rel.ts);
      assert.ok(Object.keys(stats.skipReasons).some((k) => k.startsWith('ALLOC_ENGINE_V4_ALLOC_FAIL')), 'the full pool was logged');
    });
  }

  it('Kea kea-leases4.csv: leases from expire − valid_lifetime with host names, the reclaimed expiry; release rows skipped', () => {
    const { stats, leases } = got(exp.servers.kea.files.leases!);
    assert.equal(stats.unparsed, 0, JSON.stringify(stats.unparsedReasons));
    const [c1, c2, c3] = exp.servers.kea.clients as [Client, Client, Client];
    for (const c of [c1, c2, c3]) {
      const ack = of(leases, c).find((r) => r.how === 'ack');
      assert.ok(ack, `no lease row for ${c.name}`);
      assert.deepEqual([ack.ip, ack.hostname], [c.ip, c.hostname]);
    }
    const expire = of(leases, c2).find((r) => r.how === 'expire');
    assert.ok(expire, 'c2 left its 8 s lease to expire: Kea reclaimed it (state 2)');
    assert.equal(expire.ts, of(leases, c2)[0]!.end, 'the expiry is at the lease end');
    assert.equal(stats.skipReasons['kea-leases4: deleted lease (released or removed); the file does not say when'], 1);
  });

  it('DHCPv6 (dhcpd -6; kea-dhcp6 file, syslog with Debian\'s pattern; kea-leases6.csv): the DUID-LL client bound and released with its MAC; the DUID-LLT client skipped', () => {
    const s = exp.servers;
    for (const [srv, file] of [['isc6', s.isc6.files.syslog!], ['kea6', s.kea6.files.log!], ['kea6', s.kea6.files.syslog!], ['kea6', s.kea6.files.leases!]] as const) {
      const { stats, leases } = got(file);
      assert.equal(stats.unparsed, 0, `${file}: ${JSON.stringify(stats.unparsedReasons)}`);
      const [ll, llt] = exp.servers[srv].clients as [Client, Client];
      const mine = of(leases, ll);
      assert.ok(mine.length > 0, `${file}: no record for ${ll.name}`);
      assert.ok(mine.every((r) => r.ip === ll.ip), `${file}: ${ll.name}'s address`);
      assert.equal(mine[0]!.how, 'ack');
      assert.equal(mine[0]!.end! - mine[0]!.ts, 600_000_000, `${file}: valid lifetime`);
      if (!file.endsWith('.csv')) assert.equal(mine[mine.length - 1]!.how, 'release', `${file}: ${ll.name} released`);
      assert.equal(of(leases, llt).length, 0, `${file}: the DUID-LLT client must not be recorded`);
      assert.ok(leases.every((r) => r.ip !== llt.ip), `${file}: no record for the DUID-LLT client's address`);
      assert.ok(Object.keys(stats.skipReasons).some((k) => k.includes('DUID-LLT')), `${file}: skipped as DUID-LLT`);
    }
  });
});

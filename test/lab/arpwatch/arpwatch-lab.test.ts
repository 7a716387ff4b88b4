// arpwatch lab: Debian's arpwatch watching a bridge in network namespaces (test/lab/arpwatch/lab.sh) while hosts ARP,
// one of them changing its MAC; then the arpwatch and kernel-arp parsers read what was logged, and every event the
// scenario caused must come back as a sighting with the right ip, MAC and event name.
//
// Needs root, arpwatch, python3 (the private syslog socket and two hand-made ARP frames) and util-linux; without them
// the suite is skipped with the reason. Run alone: node --import tsx --test test/lab/arpwatch/arpwatch-lab.test.ts
// WHOWAS_LAB_KEEP=1 keeps the output folder (its path is printed); it is also kept when the lab fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { arpwatch } from '../../../src/parsers/arpwatch/index.ts';
import { kernelArp } from '../../../src/parsers/kernel-arp/index.ts';
import { parseMessage } from '../../../src/parsers/run.ts';
import { contextFor } from '../../../src/parsers/testing.ts';
import type { SightingRecord } from '../../../src/records/record.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAB = path.join(HERE, 'lab.sh');
const TOOLS = ['ip', 'arpwatch', 'python3', 'unshare', 'flock', 'timeout', 'dmesg'];

interface Step {
  event: string;
  ip: string;
  mac: string;
  old: string;
  at: number;
}
interface Expected {
  zone: string;
  iface: string;
  kernelMac: string;
  kernelIp: string;
  kernelIface: string;
  steps: Step[];
}

function skipReason(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'arpwatch lab: needs root (network namespaces)';
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) return `arpwatch lab: missing ${missing.join(', ')} (apt-get install arpwatch python3 iproute2 util-linux)`;
  return undefined;
}

const skip = skipReason();

describe('arpwatch lab: real arpwatch events become sightings', { skip, timeout: 90_000 }, () => {
  let out = '';
  let failed = false;
  let expected: Expected;
  let sightings: SightingRecord[] = [];
  let statuses: Record<string, number> = {};
  let t0 = 0;
  let t1 = 0;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'whowas-arpwatch-lab-'));
    t0 = Date.now();
    const r = spawnSync('bash', [LAB, out], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    t1 = Date.now();
    fs.writeFileSync(path.join(out, 'lab.log'), `${r.stdout}${r.stderr}`);
    if (r.status !== 0) {
      failed = true;
      throw new Error(`arpwatch lab failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); outputs kept in ${out}\n${r.stderr.split('\n').slice(-25).join('\n')}`);
    }
    process.stderr.write(`# arpwatch lab ran in ${((t1 - t0) / 1000).toFixed(1)} s, outputs in ${out}\n`);
    expected = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as Expected;
    const ctx = contextFor({ zone: expected.zone, reference: t1 * 1000 }, 'lab-arpwatch');
    for (const line of fs.readFileSync(path.join(out, 'syslog.log'), 'utf8').split('\n')) {
      if (!line) continue;
      const o = parseMessage(arpwatch, line, ctx);
      statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      if (o.status === 'unparsed') throw new Error(`arpwatch line not understood (${o.reason}): ${line}`);
      for (const rec of o.records) if (rec.kind === 'sighting') sightings.push(rec);
    }
  });

  after(() => {
    if (!out) return;
    if (failed || process.env.WHOWAS_LAB_KEEP) process.stderr.write(`# arpwatch lab outputs kept in ${out}\n`);
    else fs.rmSync(out, { recursive: true, force: true });
  });

  it('every line arpwatch wrote is understood; status lines are skipped', () => {
    assert.ok((statuses.records ?? 0) >= expected.steps.length, JSON.stringify(statuses));
    assert.ok((statuses.skip ?? 0) >= 2, `listening on / exiting: ${JSON.stringify(statuses)}`);
    assert.equal(statuses.unparsed ?? 0, 0);
  });

  it('each event the scenario caused is a sighting with its ip, MAC, event name and interface', () => {
    for (const s of expected.steps) {
      const hit = sightings.find((r) => r.how === `arpwatch ${s.event}` && r.ip === s.ip && r.mac === s.mac);
      assert.ok(hit, `no sighting for ${JSON.stringify(s)} among\n${sightings.map((r) => `${r.how} ${r.ip} ${r.mac}`).join('\n')}`);
      assert.equal(hit.iface, expected.iface);
      // The old MAC arpwatch names in parentheses stays in the raw line as evidence.
      if (s.old) assert.ok(hit.raw.includes(`(${s.old})`), `old MAC ${s.old} in ${hit.raw}`);
    }
  });

  it('times: arpwatch wrote Berlin local time, the sightings are UTC inside the run', () => {
    for (const r of sightings) {
      assert.ok(r.ts >= (t0 - 2000) * 1000 && r.ts <= (t1 + 2000) * 1000, `${r.raw}: ts ${new Date(r.ts / 1000).toISOString()} outside the run`);
    }
    // Each step's event is stamped within a few seconds of when the scenario did it.
    for (const s of expected.steps) {
      const hit = sightings.find((r) => r.how === `arpwatch ${s.event}` && r.ip === s.ip && r.mac === s.mac)!;
      assert.ok(Math.abs(hit.ts / 1e6 - s.at) <= 3, `${s.event} ${s.ip}: ${hit.ts / 1e6} vs ${s.at}`);
    }
  });

  it('the MAC changes come in order: changed, flip flop, changed, reused old', () => {
    const h1 = sightings.filter((r) => r.ip === expected.steps[0]!.ip).map((r) => r.how.replace('arpwatch ', ''));
    assert.deepEqual(h1, ['new station', 'changed ethernet address', 'flip flop', 'changed ethernet address', 'reused old ethernet address']);
  });

  it("the kernel's IPv6 duplicate-address line (when the kernel logged one) is a sighting of the other host", (t) => {
    const lines = fs.readFileSync(path.join(out, 'kernel.log'), 'utf8').split('\n').filter(Boolean);
    if (lines.length === 0) {
      t.skip('the kernel logged no duplicate-address line (rate-limited or dmesg not readable here)');
      return;
    }
    const ctx = contextFor({ zone: expected.zone, reference: t1 * 1000 }, 'lab-kernel');
    const o = parseMessage(kernelArp, lines[0]!, ctx);
    assert.equal(o.status, 'records', `${o.reason ?? ''}: ${lines[0]}`);
    const r = o.records[0] as SightingRecord;
    assert.deepEqual([r.ip, r.mac, r.iface, r.how], [expected.kernelIp, expected.kernelMac, expected.kernelIface, 'kernel ipv6 duplicate address']);
    assert.ok(r.ts >= (t0 - 2000) * 1000 && r.ts <= (t1 + 2000) * 1000, 'kernel line inside the run');
  });
});

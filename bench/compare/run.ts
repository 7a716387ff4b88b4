// npm run bench:compare: whowas side by side with what sites use today for NAT logs, one workload, one
// machine, one run. See bench/compare/README.md for what is measured and how each peer is set up.
//
//   npm run bench:compare                       1 M and 10 M events (the default, ≈ 15 minutes on 2 cores)
//   npm run bench:compare -- --sizes 1e5        a quick run
//   npm run bench:compare -- --sizes 1e8        100 M events (needs ≈ 70 GB free in --work; hours)
// Options: --days D (1) --lookups N (1000) --tolerance S (5) --peers whowas,postgres,sqlite,nfdump
//          --work DIR (temp folder parent) --out DIR (where results.md/png go; bench/compare)
//          --keep (leave the data) --no-install (skip missing peers instead of apt-get installing them)
//          --nfdump-rate N (cap on events/s sent to nfcapd, 1000000; the send is paced by nfcapd's socket queue anyway) --nfdump-compress none|lzo|lz4|bz2 (lz4)
import { execSync } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NfdumpPeer } from './peers/nfdump.ts';
import { median, pct, type Peer } from './peers/peer.ts';
import { PostgresPeer } from './peers/postgres.ts';
import { SqlitePeer } from './peers/sqlite.ts';
import { WhowasPeer } from './peers/whowas.ts';
import { chart, markdown, table, type PeerFigures, type SizeResult } from './report.ts';
import { makeWorkload, type Workload } from './workload.ts';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1e6,1e7' },
    days: { type: 'string', default: '1' },
    lookups: { type: 'string', default: '1000' },
    tolerance: { type: 'string', default: '5' },
    peers: { type: 'string', default: 'whowas,postgres,sqlite,nfdump' },
    work: { type: 'string', default: tmpdir() },
    out: { type: 'string', default: join('bench', 'compare') },
    keep: { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'nfdump-rate': { type: 'string', default: '1000000' },
    'nfdump-compress': { type: 'string', default: 'lz4' },
  },
  strict: true,
});

const sizes = a.sizes!.split(',').map((s) => Math.round(Number(s)));
if (sizes.some((n) => !(n >= 1000))) throw new Error(`--sizes: numbers of events ≥ 1000, e.g. 1e6,1e7 (got ${a.sizes})`);
const days = Number(a.days);
const nLookups = Number(a.lookups);
const tol = Number(a.tolerance);
const wanted = a.peers!.split(',').map((s) => s.trim().toLowerCase());
const compress = a['nfdump-compress']! as 'none' | 'lzo' | 'lz4' | 'bz2';
if (!['none', 'lzo', 'lz4', 'bz2'].includes(compress)) throw new Error('--nfdump-compress: none, lzo, lz4 or bz2');
const argv = process.argv.slice(2).join(' ');
const command = `npm run bench:compare${argv ? ` -- ${argv}` : ''}`;

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machine(work: string): string[] {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? '?';
  const dev = sh(`df -P ${work} | awk 'NR==2{print $1}'`);
  const disk = sh(`df -hP ${work} | awk 'NR==2{print $2" ("$4" free)"}'`);
  const name = dev.replace(/^\/dev\//, '').replace(/[0-9]+$/, '').replace(/p$/, '');
  const rota = sh(`cat /sys/block/${name}/queue/rotational 2>/dev/null`);
  const kind = rota ? `kernel rotational flag ${rota}${name.startsWith('vd') ? ' (virtio disk of a VM: the flag says little)' : ''}` : 'kind unknown';
  return [
    `nproc ${sh('nproc') || cpus().length}, CPU ${model}`,
    `RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `disk ${dev || '?'} ${disk}, ${kind}`,
    `Node ${process.version}, ${sh('uname -sr')}`,
    `whowas at ${sh('git rev-parse --short HEAD') || '?'}${sh('git status --porcelain -- src') ? ' with uncommitted changes in src/' : ''}`,
  ];
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const la = () => loadavg().map((x) => x.toFixed(2)).join(' ');
let active: Peer | null = null;
let current = ''; // temp folder of the size being run
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping ${active?.name ?? 'nothing'} …`);
    void (active?.close() ?? Promise.resolve()).finally(() => {
      if (current && !a.keep) rmSync(current, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

async function measure(peer: Peer, w: Workload, dir: string): Promise<PeerFigures> {
  const f: PeerFigures = { name: peer.name, setup: '' };
  active = peer;
  try {
    const why = await peer.prepare();
    if (why) {
      f.skipped = why;
      console.log(`  ${peer.name}: SKIPPED: ${why}`);
      return f;
    }
    const ld = await peer.load(w);
    f.loadSeconds = ld.seconds;
    f.loadRate = w.events / ld.seconds;
    f.stored = ld.stored;
    for (const n of ld.notes ?? []) notes.push(n);
    const b = await peer.bytes();
    f.bytes = b.bytes;
    f.bytesWhat = b.what;
    f.bytesPerEvent = b.bytes / w.events;
    console.log(`  ${peer.name}: loaded ${ld.stored.toLocaleString('en')} events in ${ld.seconds.toFixed(1)} s = ${Math.round(f.loadRate).toLocaleString('en')} events/s; ${(b.bytes / 1e6).toFixed(1)} MB = ${f.bytesPerEvent.toFixed(1)} B/event (${b.what})`);
    // A few untimed lookups first (connection, caches, JIT), then the timed ones.
    for (const l of w.lookups.slice(0, Math.min(20, w.lookups.length))) await peer.lookup(l, tol);
    const lat: number[] = [];
    let right = 0;
    for (const l of w.lookups) {
      const t0 = performance.now();
      const ans = await peer.lookup(l, tol);
      lat.push(performance.now() - t0);
      if (ans.inside.includes(`${l.inIp}:${l.inPort}`)) right++;
    }
    f.p50 = pct(lat, 50);
    f.p99 = pct(lat, 99);
    f.right = right;
    f.lookups = w.lookups.length;
    const hourLat: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const h = await peer.hostHour(w.hostHour);
      hourLat.push(performance.now() - t0);
      f.hourRows = h.rows;
      f.hourConnections = h.connections;
    }
    f.hourMs = median(hourLat);
    console.log(`  ${peer.name}: lookups p50 ${f.p50.toFixed(3)} ms, p99 ${f.p99.toFixed(3)} ms, ${right}/${w.lookups.length} right; host hour ${f.hourMs.toFixed(2)} ms, ${f.hourRows} rows, ${f.hourConnections} connections`);
  } catch (e) {
    f.failed = (e as Error).message;
    console.log(`  ${peer.name}: FAILED: ${f.failed}`);
  } finally {
    await peer.close().catch((e: Error) => console.warn(`  ${peer.name} close: ${e.message}`));
    active = null;
    f.setup = `${peer.name}: ${peer.describe()}`;
    if (!a.keep) rmSync(dir, { recursive: true, force: true });
  }
  return f;
}

let notes: string[] = [];
const results: SizeResult[] = [];
mkdirSync(a.work!, { recursive: true });
const machineInfo = machine(a.work!);
console.log(`machine: ${machineInfo.join('; ')}`);
const setups = new Map<string, string>();

for (const events of sizes) {
  notes = [];
  const warnings: string[] = [];
  const need = events * 700; // conntrack text + rows + the largest peer, with room
  const free = (() => {
    try {
      const s = statfsSync(a.work!);
      return s.bavail * s.bsize;
    } catch {
      return Infinity;
    }
  })();
  if (free < need) {
    console.log(`\n${events.toLocaleString('en')} events: SKIPPED: needs about ${(need / 1e9).toFixed(0)} GB free in ${a.work}, ${(free / 1e9).toFixed(0)} GB are`);
    continue;
  }
  const base = mkdtempSync(join(a.work!, 'whowas-compare-'));
  chmodSync(base, 0o755); // the PostgreSQL server runs as the postgres user
  current = base;
  const loadBefore = la();
  console.log(`\n${events.toLocaleString('en')} events over ${days} day(s) in ${base} (load average ${loadBefore})`);
  const g0 = performance.now();
  const wdir = join(base, 'workload');
  mkdirSync(wdir);
  const w = await makeWorkload(wdir, { events, days, lookups: nLookups });
  console.log(`  workload: ${w.events.toLocaleString('en')} events (${w.connections.toLocaleString('en')} connections, ${w.hosts} hosts behind ${w.publicIps} public addresses), ${w.lookups.length} lookups, generated in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  const peers: { peer: Peer; dir: string }[] = [];
  const mk = async (name: string): Promise<{ peer: Peer; dir: string } | null> => {
    const dir = join(base, name);
    if (name === 'whowas') return { peer: new WhowasPeer(dir), dir };
    if (name === 'postgres' || name === 'postgresql') return { peer: new PostgresPeer(dir, 55432, !a['no-install']), dir };
    if (name === 'sqlite') return { peer: new SqlitePeer(dir), dir };
    if (name === 'nfdump') return { peer: new NfdumpPeer(dir, await freeUdpPort(), !a['no-install'], { rate: Number(a['nfdump-rate']), compress }), dir };
    console.log(`  unknown peer '${name}' ignored (whowas, postgres, sqlite, nfdump)`);
    return null;
  };
  for (const n of wanted) {
    const p = await mk(n);
    if (p) peers.push(p);
  }
  const figures: PeerFigures[] = [];
  for (const { peer, dir } of peers) {
    figures.push(await measure(peer, w, dir));
    setups.set(peer.name, figures[figures.length - 1]!.setup);
    // whowas reads the conntrack text; the others the binary rows. Free the disk early for big runs.
    if (peer.name === 'whowas' && !a.keep) rmSync(w.conntrackPath, { force: true });
  }

  // Agreement: every peer holds every event, and answers the host hour with the same connections.
  for (const f of figures) {
    if (f.skipped || f.failed) continue;
    if (f.stored !== w.events) warnings.push(`${f.name} holds ${f.stored?.toLocaleString('en')} events, the workload has ${w.events.toLocaleString('en')}`);
    if (f.hourConnections !== w.hostHour.expectedConnections)
      warnings.push(`host hour: ${f.name} counts ${f.hourConnections} connections, the workload has ${w.hostHour.expectedConnections} (row counts differ between peers)`);
    if (f.right !== f.lookups) warnings.push(`${f.name} named the true inside ip:port in ${f.right}/${f.lookups} lookups`);
  }
  const ran = figures.filter((f) => !f.skipped && !f.failed);
  if (new Set(ran.map((f) => f.hourConnections)).size > 1) warnings.push(`host hour: the peers disagree on the connection count: ${ran.map((f) => `${f.name} ${f.hourConnections}`).join(', ')}`);
  for (const f of figures) if (f.skipped) warnings.push(`${f.name} skipped: ${f.skipped}`);
  for (const f of figures) if (f.failed) warnings.push(`${f.name} failed: ${f.failed}`);
  for (const f of figures) if (f.bytesWhat) notes.push(`${f.name} bytes: ${f.bytesWhat}`);
  const r: SizeResult = {
    events: w.events,
    connections: w.connections,
    days,
    hostHour: { inIp: w.hostHour.inIp, from: new Date(w.hostHour.from / 1000).toISOString().replace('.000Z', 'Z'), expectedConnections: w.hostHour.expectedConnections },
    peers: figures,
    warnings,
    notes,
    loadAvg: [loadBefore, la()],
  };
  results.push(r);
  console.log(`\n${table(r)}\n`);
  for (const x of warnings) console.log(`WARNING: ${x}`);
  if (!a.keep) rmSync(base, { recursive: true, force: true });
  else console.log(`  kept: ${base}`);

  mkdirSync(a.out!, { recursive: true });
  writeFileSync(join(a.out!, 'results.md'), markdown(results, { command, machine: machineInfo, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', setups: [...setups.values()] }));
  writeFileSync(join(a.out!, 'results.png'), chart(results));
  console.log(`  written: ${join(a.out!, 'results.md')}, ${join(a.out!, 'results.png')}`);
}

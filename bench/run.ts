// npm run bench: end-to-end figures on a synthetic campus (see campus.ts).
//   ingest: conntrack lines/s through the real path (file → framing → parser → store, committed)
//   size:   bytes per stored NAT event, the raw-line archive counted separately
//   trace:  latency p50/p99 of full traces (NAT → lease → session → evidence) at 1 M and 10 M events
// BENCH_SIZES=1000000,10000000 (default) chooses the sizes; BENCH_KEEP=1 keeps the generated files.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ingestFile } from '../src/ingest/file.ts';
import { getParser } from '../src/parsers/registry.ts';
import { DuckDbStore } from '../src/store/duckdb/index.ts';
import { trace } from '../src/trace/trace.ts';
import { generateCampus } from './campus.ts';
import { parserRateLines, parserRates } from './parsers.ts';

const sizes = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const out = join('bench', 'out');
mkdirSync(out, { recursive: true });
const START = Date.parse('2026-11-02T00:00:00Z') / 1000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log('\nparse only (one core, lines/s):');
for (const line of parserRateLines(await parserRates())) console.log(line);

const rows: string[] = [];
for (const events of sizes) {
  const dir = join(out, `store-${events}`);
  rmSync(dir, { recursive: true, force: true });
  const dnsPath = join(out, `dnsmasq-${events}.log`);
  const ctPath = join(out, `conntrack-${events}.log`);
  const g0 = performance.now();
  const gen = await generateCampus(
    { hosts: 4000, publicIps: 8, destinations: 200_000, events, start: START, span: 86_400 - 300, seed: 7 },
    dnsPath,
    ctPath,
    Math.max(1, Math.floor(events / 2 / 1000)),
  );
  console.log(`\n${events.toLocaleString('en')} events: generated ${gen.conntrackLines.toLocaleString('en')} conntrack + ${gen.leaseLines.toLocaleString('en')} dnsmasq lines in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
  const store = await DuckDbStore.open(dir);
  // NAT first, into an empty store, so the size measured is what NAT events cost (rows, destination
  // dictionary, public addresses, chunk index); the DHCP leases the traces need come after.
  const t0 = performance.now();
  const st = await ingestFile(store, ctPath, { parser: getParser('conntrack'), source: 'nat' });
  await store.checkpoint();
  const secs = (performance.now() - t0) / 1000;
  const rate = st.lines / secs;
  const ctBytes = statSync(ctPath).size;
  const stats = await store.stats();
  const natRows = stats.days.reduce((n, d) => n + (d.rows.nat ?? 0), 0);
  const raw = stats.days.reduce((n, d) => n + d.rawBytes, 0);
  const total = stats.totalBytes;
  const perNat = (total - raw) / natRows;
  console.log(`  ingest: ${st.lines.toLocaleString('en')} lines in ${secs.toFixed(1)} s = ${Math.round(rate).toLocaleString('en')} lines/s end to end, compaction included (${(ctBytes / 1e6 / secs).toFixed(0)} MB/s); unparsed ${st.unparsed}`);
  console.log(`  size: ${(total / 1e6).toFixed(1)} MB on disk for ${natRows.toLocaleString('en')} NAT events: records ${perNat.toFixed(2)} B/event, raw lines ${(raw / natRows).toFixed(2)} B/event (brotli 256-line chunks; input ${(ctBytes / natRows).toFixed(0)} B/line)`);
  await ingestFile(store, dnsPath, { parser: getParser('dnsmasq'), source: 'dnsmasq', zone: 'UTC', year: 2026 });
  // Trace every sampled connection as a CERT report would give it: public ip:port, time, proto, destination.
  const lat: number[] = [];
  let right = 0;
  for (const c of gen.sample) {
    const a = performance.now();
    const ans = await trace(store, { ip: c.pubIp, port: c.pubPort, at: c.ts, proto: c.proto, dstIp: c.dstIp, dstPort: c.dstPort, toleranceS: 2 });
    lat.push(performance.now() - a);
    const top = ans.candidates[0];
    if (top && top.insideIp === c.inIp && top.insidePort === c.inPort && top.hostname === `pc-${c.host}`) right++;
  }
  const p50 = pct(lat, 50), p99 = pct(lat, 99);
  console.log(`  trace: ${lat.length} lookups, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; ${right}/${lat.length} named the true inside ip:port and hostname`);
  rows.push(`| ${events.toLocaleString('en')} | ${Math.round(rate).toLocaleString('en')} | ${perNat.toFixed(2)} | ${(raw / natRows).toFixed(2)} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${right}/${lat.length} |`);
  await store.close();
  if (!process.env.BENCH_KEEP) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dnsPath, { force: true });
    rmSync(ctPath, { force: true });
  }
}
console.log('\n| NAT events stored | ingest conntrack lines/s | B/event (records) | B/event (raw lines) | trace p50 ms | trace p99 ms | right answers |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);

// IPFIX NAT events from a sender on loopback through the collector into the store (bench/ipfix.ts).
if (process.env.BENCH_IPFIX !== '0') {
  const { spawnSync } = await import('node:child_process');
  console.log('\nIPFIX collector:');
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/ipfix.ts', process.env.BENCH_IPFIX_EVENTS ?? '5000000'], { stdio: 'inherit' });
}

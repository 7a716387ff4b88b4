import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sweepStaleBundles, workerModule } from './worker-bundle.ts';

const FALLBACK = new URL('../ingest/parse-worker.mjs', import.meta.url);

test('a worker starts from one bundled module, made once per process', async () => {
  const ts = new URL('../ingest/parse-worker.ts', import.meta.url);
  const url = await workerModule(ts, FALLBACK);
  assert.notEqual(url.href, FALLBACK.href);
  const code = readFileSync(fileURLToPath(url), 'utf8');
  assert.doesNotMatch(code, /^import .* from "(?!node:)/m); // nothing a bundle outside the project could not resolve
  assert.match(code, /src\/ingest\/parse-worker\.ts/); // esbuild names each source it bundled
  assert.equal((await workerModule(ts, FALLBACK)).href, url.href);
  // In a folder of this process's own: nobody else can have put (or change) the code a worker runs.
  assert.equal(statSync(dirname(fileURLToPath(url))).mode & 0o077, 0);
  assert.equal(statSync(fileURLToPath(url)).mode & 0o077, 0);
  // It runs: a conntrack line comes back parsed, as one NAT row.
  const line = '[1795962131.123456]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.0.0.1 dst=198.51.100.7 sport=51234 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.5 sport=443 dport=40123';
  const w = new Worker(url);
  const reply = await new Promise<{ id: number; stats?: { lines: number }; batches?: { nat?: { n: number }[] }[]; error?: string }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.postMessage({ id: 7, parser: 'conntrack', source: 'gw', clock: {}, lines: [line], received: new Float64Array([1795962131123456]) });
  });
  await w.terminate();
  assert.equal(reply.error, undefined);
  assert.equal(reply.id, 7);
  assert.equal(reply.stats!.lines, 1);
  assert.equal(reply.batches!.flatMap((b) => b.nat ?? []).reduce((n, c) => n + c.n, 0), 1);
});

test('sources that cannot be bundled fall back to the tsx entry: missing, or importing a package', async () => {
  assert.equal((await workerModule(new URL('./no-such-worker.ts', import.meta.url), FALLBACK)).href, FALLBACK.href);
  // The DuckDB store imports @duckdb/node-api: a bundle under the temporary folder could not resolve it.
  assert.equal((await workerModule(new URL('../store/duckdb/index.ts', import.meta.url), FALLBACK)).href, FALLBACK.href);
  assert.ok(existsSync(fileURLToPath(FALLBACK)));
});

test('bundle folders a killed process left are removed; those of live processes, links and files are not', () => {
  const parent = mkdtempSync(join(tmpdir(), 'whowas-sweep-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // has exited
    const mk = (name: string) => (mkdirSync(join(parent, name)), writeFileSync(join(parent, name, 'parse-worker.mjs'), 'x'));
    mk(`whowas-workers-${dead}-AbC123`);
    mk(`whowas-workers-${process.pid}-Live01`);
    mk(`whowas-workers-${process.ppid}-Live02`);
    mk(`other-${dead}-Keep01`);
    writeFileSync(join(parent, `whowas-workers-${dead}-file`), 'a file, not a folder');
    mk('target');
    symlinkSync(join(parent, 'target'), join(parent, `whowas-workers-${dead}-link`));
    const removed = sweepStaleBundles(parent);
    assert.deepEqual(removed, [join(parent, `whowas-workers-${dead}-AbC123`)]);
    assert.deepEqual(readdirSync(parent).sort(), [
      `other-${dead}-Keep01`, 'target', `whowas-workers-${dead}-file`, `whowas-workers-${dead}-link`,
      `whowas-workers-${process.pid}-Live01`, `whowas-workers-${process.ppid}-Live02`,
    ].sort());
    assert.ok(existsSync(join(parent, 'target', 'parse-worker.mjs')), 'a link is never followed');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

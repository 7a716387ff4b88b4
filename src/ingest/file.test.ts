// Bulk ingest splits a file into ranges read by worker threads; the result must be exactly what one
// thread reading it line by line stores: same lines, same records, same evidence, over-long lines cut.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getParser } from '../parsers/registry.ts';
import { DuckDbStore } from '../store/duckdb/index.ts';
import { ingestFile } from './file.ts';

const T0 = 1764454385;

function conntrackLine(i: number): string {
  const ts = `${T0 + Math.floor(i / 10)}.${String((i * 7919) % 1_000_000).padStart(6, '0')}`;
  const pad = ' '.repeat(i % 97); // vary lengths so lines straddle the 4 MiB range borders at many offsets
  return `[${ts}]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.77.${(i >> 8) & 255}.${i & 255} dst=198.51.100.${i % 250} sport=${30000 + (i % 30000)} dport=443${pad} [UNREPLIED] src=198.51.100.${i % 250} dst=203.0.113.5 sport=443 dport=${30000 + (i % 30000)}`;
}

describe('bulk file ingest in worker threads', () => {
  let dir: string;
  let file: string;
  const N = 60_000;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'whowas-file-'));
    file = join(dir, 'ct.log');
    const lines = Array.from({ length: N }, (_, i) => conntrackLine(i));
    lines.splice(30_000, 0, 'x'.repeat(1_500_000)); // one 1.5 MB line in the middle
    writeFileSync(file, `${lines.join('\r\n')}\n\n`); // CRLF endings and a trailing blank line, too
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the same lines, records and evidence as a single thread, and cuts the long line', async () => {
    const results = [];
    for (const workers of [undefined, 0]) {
      const store = await DuckDbStore.open(join(dir, `store-${workers ?? 'pool'}`));
      const st = await ingestFile(store, file, { parser: getParser('conntrack'), source: 'nat', workers });
      const rows = await store.nat({ from: (T0 - 10) * 1e6, to: (T0 + N) * 1e6, pubIp: '203.0.113.5', pubPort: 30000 + (45_678 % 30000), limit: 100 });
      const ev = await store.evidence(rows.map((r) => r.ref));
      results.push({ st, rows: rows.map((r) => `${r.ts} ${r.inIp}:${r.inPort}`), lines: rows.map((r) => ev.get(r.ref)?.line) });
      await store.close();
    }
    const [pool, single] = results;
    assert.equal(pool!.st.lines, N + 1);
    assert.equal(single!.st.lines, N + 1);
    assert.equal(pool!.st.records.nat, N);
    assert.equal(pool!.st.unparsed, 1);
    assert.equal(pool!.st.unparsedReasons['line over 1 MiB, cut'], 1);
    assert.equal(single!.st.unparsedReasons['line over 1 MiB, cut'], 1);
    assert.ok(pool!.rows.length >= 2, 'the sampled port has rows');
    assert.deepEqual(pool!.rows, single!.rows);
    assert.deepEqual(pool!.lines, single!.lines);
    assert.ok(pool!.lines.every((l) => l !== undefined && l.startsWith('[') && !l.endsWith('\r')), 'evidence lines are whole, without CR');
  });
});

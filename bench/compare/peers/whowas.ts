// whowas: the conntrack lines through the real file ingest (framing → conntrack parser → Ingestor → store),
// lookups through the real trace(), the host query through the Store interface. Only public entry points.
import { mkdirSync } from 'node:fs';
import { ingestFile } from '../../../src/ingest/file.ts';
import { getParser } from '../../../src/parsers/registry.ts';
import { DuckDbStore } from '../../../src/store/duckdb/index.ts';
import type { Store } from '../../../src/store/store.ts';
import { trace } from '../../../src/trace/trace.ts';
import type { HostHour, Lookup, Workload } from '../workload.ts';
import { duBytes, type HourAnswer, type LoadResult, type LookupAnswer, type Peer } from './peer.ts';

export class WhowasPeer implements Peer {
  readonly name = 'whowas';
  private store: Store | null = null;
  private rawBytes = 0;

  constructor(private readonly dir: string) {}

  describe(): string {
    return 'embedded DuckDB store (DuckDbStore defaults), `whowas ingest` path: conntrack lines → parser → Ingestor → store';
  }

  async prepare(): Promise<string | null> {
    mkdirSync(this.dir, { recursive: true });
    this.store = await DuckDbStore.open(this.dir);
    return null;
  }

  async load(w: Workload): Promise<LoadResult> {
    const store = this.store!;
    const t0 = performance.now();
    const st = await ingestFile(store, w.conntrackPath, { parser: getParser('conntrack'), source: 'nat' });
    // Flush to the files, as `whowas ingest` does before it reports (no-op for a store without it).
    const flush = (store as { checkpoint?: () => Promise<void> }).checkpoint;
    if (flush) await flush.call(store);
    const seconds = (performance.now() - t0) / 1000;
    const stats = await store.stats();
    this.rawBytes = stats.days.reduce((n, d) => n + d.rawBytes, 0);
    const stored = stats.days.reduce((n, d) => n + (d.rows.nat ?? 0), 0);
    const notes: string[] = [];
    if (st.unparsed || st.skipped) notes.push(`whowas: ${st.unparsed} unparsed, ${st.skipped} skipped lines`);
    return { seconds, stored, notes };
  }

  async bytes(): Promise<{ bytes: number; what: string }> {
    const total = duBytes(this.dir);
    return {
      bytes: total,
      what: `store folder (records ${((total - this.rawBytes) / 1e6).toFixed(1)} MB + original lines kept as evidence ${(this.rawBytes / 1e6).toFixed(1)} MB)`,
    };
  }

  get evidenceBytes(): number {
    return this.rawBytes;
  }

  async lookup(l: Lookup, toleranceS: number): Promise<LookupAnswer> {
    const ans = await trace(this.store!, { ip: l.pubIp, port: l.pubPort, at: l.at, toleranceS });
    return { inside: ans.candidates.map((c) => `${c.insideIp}:${c.insidePort}`), rows: ans.candidates.length };
  }

  async hostHour(h: HostHour): Promise<HourAnswer> {
    const rows = await this.store!.nat({ inIp: h.inIp, from: h.from, to: h.to - 1, limit: 10_000_000 });
    return { rows: rows.length, connections: rows.filter((r) => r.event === 'new').length };
  }

  async close(): Promise<void> {
    await this.store?.close();
    this.store = null;
  }
}

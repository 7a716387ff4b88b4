// PostgreSQL (Debian's server) as a sysadmin would run it for ulogd2: its own cluster made here with initdb
// (default settings), listening on a unix socket only, the ulog2_ct table, bulk-loaded with COPY (server-side
// file, the fast path), queried through one driver connection (node-postgres, named prepared statements), as
// a script or an application would. Stopped at the end.
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { HostHour, Lookup, Workload } from '../workload.ts';
import { readRows } from '../workload.ts';
import { aptInstall, run, type HourAnswer, type LoadResult, type LookupAnswer, type Peer } from './peer.ts';
import { COLUMNS, CT_NEW, HOUR_SQL, INDEXES, LOOKUP_SQL, PG_TABLE, ctValues } from './sql.ts';

function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

// The few node-postgres calls used, typed here (no @types package in the project).
interface PgClient {
  connect(): Promise<void>;
  query(q: string | { name?: string; text: string; values?: unknown[]; rowMode?: 'array' }): Promise<{ rows: unknown[][] }>;
  end(): Promise<void>;
}
type PgClientCtor = new (cfg: { host: string; port: number; user: string; database: string }) => PgClient;

export class PostgresPeer implements Peer {
  readonly name = 'PostgreSQL';
  private bin: string | null = null;
  private readonly data: string;
  private readonly sock: string;
  private client: PgClient | null = null;
  private Client: PgClientCtor | null = null;
  private started = false;
  private version = '';

  constructor(
    private readonly base: string,
    private readonly port: number,
    private readonly allowInstall: boolean,
  ) {
    this.data = join(base, 'data');
    this.sock = join(base, 'sock');
  }

  describe(): string {
    return `${this.version || 'PostgreSQL'}, initdb defaults (shared_buffers 128MB, fsync on), unix socket only; ulogd2's ulog2_ct + 2 composite indexes; COPY FROM file; queries over one node-postgres connection (named prepared statements)`;
  }

  /** Runs a server-side program as the postgres user when root (initdb refuses root). */
  private asPostgres(cmd: string, args: string[]): string[] {
    return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
  }

  private psqlArgs(): string[] {
    return ['-h', this.sock, '-p', String(this.port), '-U', 'postgres', '-d', 'postgres'];
  }

  private psql(sql: string): string {
    return run('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...this.psqlArgs(), '-c', sql]).trim();
  }

  async prepare(): Promise<string | null> {
    try {
      this.Client = (createRequire(import.meta.url)('pg') as { Client: PgClientCtor }).Client;
    } catch (e) {
      return `the pg driver is not loadable (npm install): ${(e as Error).message.split('\n')[0]}`;
    }
    this.bin = findBin();
    if (!this.bin || !existsSync('/usr/bin/psql')) {
      const why = aptInstall(['postgresql'], this.allowInstall);
      if (why) return why;
      this.bin = findBin();
      if (!this.bin) return 'postgresql installed but no /usr/lib/postgresql/*/bin/initdb found';
    }
    mkdirSync(this.data, { recursive: true });
    mkdirSync(this.sock, { recursive: true });
    chmodSync(this.base, 0o755);
    if (process.getuid?.() === 0) {
      const id = run('id', ['-u', 'postgres']).trim();
      const gid = run('id', ['-g', 'postgres']).trim();
      for (const d of [this.base, this.data, this.sock]) chownSync(d, Number(id), Number(gid));
    }
    const [c1, ...a1] = this.asPostgres(join(this.bin, 'initdb'), ['-D', this.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    run(c1!, a1);
    const opts = `-p ${this.port} -c listen_addresses='' -c unix_socket_directories='${this.sock}'`;
    const [c2, ...a2] = this.asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.data, '-l', join(this.base, 'server.log'), '-w', '-t', '120', '-o', opts, 'start']);
    run(c2!, a2);
    this.started = true;
    this.version = this.psql('SHOW server_version').split(' ')[0] ?? '';
    this.version = `PostgreSQL ${this.version}`;
    this.psql(PG_TABLE + INDEXES);
    this.client = new this.Client({ host: this.sock, port: this.port, user: 'postgres', database: 'postgres' });
    await this.client.connect();
    return null;
  }

  async load(w: Workload): Promise<LoadResult> {
    // The COPY file is written beforehand (untimed): what is timed is PostgreSQL taking it in.
    const file = join(this.base, 'ulog2_ct.tsv');
    const ws = createWriteStream(file);
    for await (const batch of readRows(w.rowsPath)) {
      let s = '';
      for (const r of batch) s += ctValues(r).join('\t') + '\n';
      if (!ws.write(s)) await new Promise<void>((r) => ws.once('drain', () => r()));
    }
    await new Promise<void>((r) => ws.end(() => r()));
    chmodSync(file, 0o644);
    const c = this.client!;
    const t0 = performance.now();
    await c.query(`COPY ulog2_ct (${COLUMNS.join(', ')}) FROM '${file}'`);
    await c.query('ANALYZE ulog2_ct');
    const seconds = (performance.now() - t0) / 1000;
    rmSync(file, { force: true });
    const stored = Number((await c.query({ text: 'SELECT count(*) FROM ulog2_ct', rowMode: 'array' })).rows[0]![0]);
    return { seconds, stored, notes: ['PostgreSQL: load = COPY from a server-side file + ANALYZE, indexes in place (as on a live ulogd2 table)'] };
  }

  async bytes(): Promise<{ bytes: number; what: string }> {
    const [total, heap, idx] = this.psql(
      "SELECT pg_total_relation_size('ulog2_ct') || '|' || pg_relation_size('ulog2_ct') || '|' || pg_indexes_size('ulog2_ct')",
    ).split('|').map(Number);
    const names = this.psql("SELECT string_agg(indexname, ', ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'ulog2_ct'");
    return {
      bytes: total!,
      what: `pg_total_relation_size(ulog2_ct): table ${(heap! / 1e6).toFixed(1)} MB + indexes ${(idx! / 1e6).toFixed(1)} MB (${names}; WAL not counted)`,
    };
  }

  async lookup(l: Lookup, toleranceS: number): Promise<LookupAnswer> {
    const t = l.at / 1e6;
    const { rows } = await this.client!.query({ name: 'lookup', text: LOOKUP_SQL, values: [l.pubIp, l.pubPort, t - toleranceS, t + toleranceS], rowMode: 'array' });
    const inside = new Set<string>();
    for (const [ip, port, ev] of rows) if (ev === CT_NEW) inside.add(`${ip as string}:${port as number}`);
    return { inside: [...inside], rows: rows.length };
  }

  async hostHour(h: HostHour): Promise<HourAnswer> {
    const { rows } = await this.client!.query({ name: 'hour', text: HOUR_SQL, values: [h.inIp, h.from / 1e6, h.to / 1e6], rowMode: 'array' });
    // SELECT *: ct_event is the last column.
    let connections = 0;
    for (const row of rows) if (row[row.length - 1] === CT_NEW) connections++;
    return { rows: rows.length, connections };
  }

  async close(): Promise<void> {
    await this.client?.end().catch(() => undefined);
    this.client = null;
    if (this.started && this.bin) {
      const [c, ...a] = this.asPostgres(join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', 'stop']);
      try {
        run(c!, a);
      } catch (e) {
        console.warn(`  PostgreSQL stop: ${(e as Error).message}`);
      }
      this.started = false;
    }
  }
}

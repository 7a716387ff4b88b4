// PostgreSQL (Debian's server) as a sysadmin would run it for ulogd2: its own cluster made here with initdb
// (default settings), listening on a unix socket only, the ulog2_ct table, bulk-loaded with COPY (server-side
// file, the fast path), queried through one psql connection kept open (prepared statements, no new process
// per query). Stopped and removed at the end.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHour, Lookup, Workload } from '../workload.ts';
import { readRows } from '../workload.ts';
import { aptInstall, run, runAsync, type HourAnswer, type LoadResult, type LookupAnswer, type Peer } from './peer.ts';
import { COLUMNS, CT_NEW, HOUR_SQL, INDEXES, LOOKUP_SQL, PG_TABLE, ctValues } from './sql.ts';

function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

/** One psql process = one connection; each query answers up to an \echo marker. */
class PsqlSession {
  private p: ChildProcessWithoutNullStreams;
  private buf = '';
  private waiting: { resolve: (lines: string[]) => void; reject: (e: Error) => void } | null = null;
  private lines: string[] = [];
  private err = '';

  constructor(args: string[]) {
    this.p = spawn('psql', ['-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1', ...args]);
    this.p.stdout.setEncoding('utf8');
    this.p.stderr.setEncoding('utf8');
    this.p.stdout.on('data', (s: string) => this.onData(s));
    this.p.stderr.on('data', (s: string) => (this.err += s));
    this.p.on('close', (code) => {
      this.waiting?.reject(new Error(`psql exited ${code}: ${this.err.trim()}`));
      this.waiting = null;
    });
  }

  private onData(s: string): void {
    this.buf += s;
    let n: number;
    while ((n = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, n);
      this.buf = this.buf.slice(n + 1);
      if (line === '__END__') {
        const w = this.waiting;
        const out = this.lines;
        this.waiting = null;
        this.lines = [];
        w?.resolve(out);
      } else if (line.length) this.lines.push(line);
    }
  }

  query(sql: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.p.stdin.write(`${sql};\n\\echo __END__\n`);
    });
  }

  async end(): Promise<void> {
    this.p.stdin.end('\\q\n');
    await new Promise<void>((r) => (this.p.exitCode !== null ? r() : this.p.on('close', () => r())));
  }
}

export class PostgresPeer implements Peer {
  readonly name = 'PostgreSQL';
  private bin: string | null = null;
  private readonly data: string;
  private readonly sock: string;
  private session: PsqlSession | null = null;
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
    return `${this.version || 'PostgreSQL'}, initdb defaults (shared_buffers 128MB, fsync on), unix socket only; ulogd2's ulog2_ct + 2 composite indexes; COPY FROM file; lookups over one psql connection (PREPARE/EXECUTE)`;
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
    const t0 = performance.now();
    await runAsync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...this.psqlArgs(), '-c', `COPY ulog2_ct (${COLUMNS.join(', ')}) FROM '${file}'`]);
    await runAsync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...this.psqlArgs(), '-c', 'ANALYZE ulog2_ct']);
    const seconds = (performance.now() - t0) / 1000;
    rmSync(file, { force: true });
    const stored = Number(this.psql('SELECT count(*) FROM ulog2_ct'));
    this.session = new PsqlSession(this.psqlArgs());
    await this.session.query(`PREPARE lookup(inet, integer, bigint, bigint) AS ${LOOKUP_SQL}`);
    await this.session.query(`PREPARE hour(inet, bigint, bigint) AS ${HOUR_SQL}`);
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
    const rows = await this.session!.query(`EXECUTE lookup('${l.pubIp}', ${l.pubPort}, ${t - toleranceS}, ${t + toleranceS})`);
    const inside = new Set<string>();
    for (const row of rows) {
      const [ip, port, ev] = row.split('|');
      if (Number(ev) === CT_NEW) inside.add(`${ip}:${port}`);
    }
    return { inside: [...inside], rows: rows.length };
  }

  async hostHour(h: HostHour): Promise<HourAnswer> {
    const rows = await this.session!.query(`EXECUTE hour('${h.inIp}', ${h.from / 1e6}, ${h.to / 1e6})`);
    // SELECT *: ct_event is the last column.
    let connections = 0;
    for (const row of rows) if (row.slice(row.lastIndexOf('|') + 1) === String(CT_NEW)) connections++;
    return { rows: rows.length, connections };
  }

  async close(): Promise<void> {
    await this.session?.end();
    this.session = null;
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

// SQLite through better-sqlite3 12 (Node 20: version 13 crashes there): the same ulog2_ct columns and the
// same two indexes, WAL journal with synchronous=NORMAL (the usual sysadmin setting), loaded in one
// transaction with one prepared INSERT. Addresses are INTEGER as in ulogd2's own SQLite table.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHour, Lookup, Workload } from '../workload.ts';
import { ipToU32, readRows, u32ToIp } from '../workload.ts';
import { duBytes, type HourAnswer, type LoadResult, type LookupAnswer, type Peer } from './peer.ts';
import { COLUMNS, CT_NEW, ctValuesInt } from './sql.ts';

// The few better-sqlite3 calls used, typed here (no @types package in the project).
interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): Record<string, unknown>[];
  get(...params: unknown[]): Record<string, unknown> | undefined;
  raw(on?: boolean): Statement;
}
interface Database {
  pragma(s: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}
type DatabaseCtor = new (path: string) => Database;

const TABLE = `
CREATE TABLE ulog2_ct (
  _ct_id INTEGER PRIMARY KEY,
  oob_family INTEGER, orig_ip_saddr_str INTEGER, orig_ip_daddr_str INTEGER, orig_ip_protocol INTEGER,
  orig_l4_sport INTEGER, orig_l4_dport INTEGER, orig_raw_pktlen INTEGER DEFAULT 0, orig_raw_pktcount INTEGER DEFAULT 0,
  reply_ip_saddr_str INTEGER, reply_ip_daddr_str INTEGER, reply_ip_protocol INTEGER,
  reply_l4_sport INTEGER, reply_l4_dport INTEGER, reply_raw_pktlen INTEGER DEFAULT 0, reply_raw_pktcount INTEGER DEFAULT 0,
  icmp_code INTEGER, icmp_type INTEGER, ct_mark INTEGER DEFAULT 0,
  flow_start_sec INTEGER DEFAULT 0, flow_start_usec INTEGER DEFAULT 0, flow_end_sec INTEGER DEFAULT 0, flow_end_usec INTEGER DEFAULT 0,
  ct_event INTEGER DEFAULT 0
);
CREATE INDEX ulog2_ct_public ON ulog2_ct (reply_ip_daddr_str, reply_l4_dport, flow_start_sec);
CREATE INDEX ulog2_ct_inside ON ulog2_ct (orig_ip_saddr_str, flow_start_sec);`;

export class SqlitePeer implements Peer {
  readonly name = 'SQLite';
  private db: Database | null = null;
  private version = '';
  private lookupStmt: Statement | null = null;
  private hourStmt: Statement | null = null;
  private readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, 'ulog.sqlite');
  }

  describe(): string {
    return `SQLite ${this.version} (better-sqlite3 12), WAL + synchronous=NORMAL, ulog2_ct with INTEGER addresses + the same 2 indexes; one transaction, one prepared INSERT`;
  }

  async prepare(): Promise<string | null> {
    let Ctor: DatabaseCtor;
    try {
      Ctor = createRequire(import.meta.url)('better-sqlite3') as DatabaseCtor;
    } catch (e) {
      return `better-sqlite3 not loadable (npm install -D better-sqlite3@12): ${(e as Error).message.split('\n')[0]}`;
    }
    mkdirSync(this.dir, { recursive: true });
    const db = new Ctor(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(TABLE);
    this.version = String(db.prepare('SELECT sqlite_version() AS v').get()!.v);
    this.db = db;
    return null;
  }

  async load(w: Workload): Promise<LoadResult> {
    const db = this.db!;
    const ins = db.prepare(`INSERT INTO ulog2_ct (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    const t0 = performance.now();
    db.exec('BEGIN');
    for await (const batch of readRows(w.rowsPath)) for (const r of batch) ins.run(...ctValuesInt(r));
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('ANALYZE');
    const seconds = (performance.now() - t0) / 1000;
    const stored = Number(db.prepare('SELECT count(*) AS n FROM ulog2_ct').get()!.n);
    this.lookupStmt = db
      .prepare('SELECT orig_ip_saddr_str, orig_l4_sport, ct_event FROM ulog2_ct WHERE reply_ip_daddr_str = ? AND reply_l4_dport = ? AND flow_start_sec BETWEEN ? AND ?')
      .raw(true);
    this.hourStmt = db
      .prepare('SELECT * FROM ulog2_ct WHERE orig_ip_saddr_str = ? AND flow_start_sec >= ? AND flow_start_sec < ? ORDER BY flow_start_sec, flow_start_usec')
      .raw(true);
    return { seconds, stored, notes: ['SQLite: load = one transaction of prepared INSERTs + WAL checkpoint + ANALYZE, indexes in place'] };
  }

  async bytes(): Promise<{ bytes: number; what: string }> {
    return { bytes: duBytes(this.dir), what: 'database file (+ WAL, empty after the checkpoint)' };
  }

  async lookup(l: Lookup, toleranceS: number): Promise<LookupAnswer> {
    const t = l.at / 1e6;
    const rows = this.lookupStmt!.all(ipToU32(l.pubIp), l.pubPort, t - toleranceS, t + toleranceS) as unknown as number[][];
    const inside = new Set<string>();
    for (const [ip, port, ev] of rows) if (ev === CT_NEW) inside.add(`${u32ToIp(ip!)}:${port}`);
    return { inside: [...inside], rows: rows.length };
  }

  async hostHour(h: HostHour): Promise<HourAnswer> {
    const rows = this.hourStmt!.all(ipToU32(h.inIp), h.from / 1e6, h.to / 1e6) as unknown as number[][];
    let connections = 0;
    for (const r of rows) if (r[r.length - 1] === CT_NEW) connections++;
    return { rows: rows.length, connections };
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}

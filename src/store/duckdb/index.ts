// Embedded store on DuckDB. One database file per UTC day (days/YYYY-MM-DD.duckdb), attached on demand:
// dropping a day deletes its file, which gives the disk back at once (DuckDB does not shrink a file after
// DELETE). Rows are appended in arrival order, so each row group's min/max zone map on `ts` prunes a
// lookup to the few row groups around T.
import { closeSync, existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  TIMESTAMP,
  UBIGINT,
  UHUGEINT,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  JSDuckDBValueConverter,
  type DuckDBMaterializedResult,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Kind, Micros, NatRecord, RecordOf, WhowasRecord } from '../../records/record.ts';
import { bigIntToIp, ipToBigInt, ipWords, macToNumber, numberToMac, normIp, normMac, wordsToIp } from '../../records/addr.ts';
import { flagBits, flagsOfBits, NatColumnBuilder } from '../nat-columns.ts';
import { PeerDict } from '../peer-dict.ts';
import { decodeChunk, encodeChunk, MAX_CHUNK_LINES, RAW_CHUNK_LINES } from '../raw-archive.ts';
import type {
  BindingQuery,
  DayBatch,
  DnsQuery,
  NatColumns,
  NatQuery,
  PortBlockQuery,
  SessionQuery,
  Store,
  StoreStats,
  Stored,
  TimeRange,
} from '../store.ts';
import { daysBetween } from '../store.ts';
import { AUX_DDL, columnsOf, ddl, ipEquals, type Column, type ColType } from './schema.ts';

const DUCK_TYPE: Record<ColType, DuckDBType> = {
  ts: TIMESTAMP,
  ip: UHUGEINT,
  iphi: UBIGINT,
  iplo: UBIGINT,
  mac: UBIGINT,
  u8: UTINYINT,
  u16: USMALLINT,
  i32: INTEGER,
  i64: BIGINT,
  text: VARCHAR,
  bool: BOOLEAN,
};

const CHUNK_ROWS = 2048;
/** appendNat gives the event loop a turn after appending for this long (ms). */
const YIELD_MS = 10;
/**
 * Rows per row group. Row-group zone maps are DuckDB's only way to skip rows by time, so this is the
 * trade between size and lookup speed: on 1 M NAT events, 491,520 gave 12.07 B/row and a 2.3 ms time-range
 * scan; 122,880 gave 12.33 B/row and 1.25 ms; 30,720 gave 12.86 B/row and 1.0 ms.
 */
const ROW_GROUP_SIZE = 122_880;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** State of one attached day file. */
interface Day {
  alias: string;
  nextChunk: number;
  /** Number of the day's next line (raw_ref of the next record's line). */
  nextLine: number;
  /** Rows per kind, loaded lazily for reading and kept current by writes. */
  rows?: Partial<Record<Kind, number>>;
  /** The raw archive's chunk index, loaded lazily for reading (evidence, NAT sources). */
  chunkIndex?: ChunkIndex;
  /** Destination address → dictionary id, loaded lazily for writing. */
  peers?: PeerDict;
  nextPeer: number;
  /** Public (NAT) addresses seen this day, loaded lazily for writing. */
  publics?: Set<string>;
  /**
   * The day's leases by address, loaded on the first address lookup and kept current by writes: a trace
   * asks for one address's leases, and a DuckDB query costs ~1–2 ms however few rows it returns (measured).
   */
  leaseIndex?: LeaseIndex;
  /** File descriptor of the day's raw archive (append-only). */
  rawFd: number;
  /**
   * The destination dictionary read side, id → address as four words each, loaded on the first NAT read
   * and kept current by writes: a trace decodes the few destinations it shows without a query on `peer`
   * (~1 ms each in this binding, measured). Memory only (16 B per destination): nothing on disk to keep in step.
   */
  peerWords?: { words: Uint32Array; n: number };
  /** A commit to this day is under way (from its first append to COMMIT): see DuckDbStore.cached. */
  writing: boolean;
  /** Commits to this day ended so far (committed or failed). */
  commits: number;
}

export interface DuckDbOptions {
  /** Row group size for new day files (larger groups compress better). */
  rowGroupSize?: number;
  memoryLimit?: string;
  /**
   * DuckDB's threads (default 1). Commits compress row groups on DuckDB's threads; with two, a commit took
   * both cores of a 2-core machine from the IPFIX decode worker, which then lost datagrams (measured: 158 k of
   * 5 M at 500 k/s with 2, none with 1, and 15.4 against 18.2 CPU-s). Traces are point lookups and run as fast
   * on one (p50 3.2–3.5 ms either way at 10 M). Compaction raises it to every core for its duration.
   */
  threads?: number;
}

export class StoreLockedError extends Error {}

export class DuckDbStore implements Store {
  readonly engine = 'duckdb';
  private readonly daysDir: string;
  private readonly attached = new Map<string, Day>();
  /** Days whose lease index / destination words are in memory, least recently loaded first (bounded). */
  private readonly inMemory: Day[] = [];
  private writeChain: Promise<unknown> = Promise.resolve();
  private readonly ipCache = new Map<string, IpHalves>();
  private readonly statements = new Map<string, { stmt: Promise<DuckDBPreparedStatement>; busy: Promise<void> }>();

  private constructor(
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    private readonly w: DuckDBConnection,
    private readonly r: DuckDBConnection,
    private readonly opts: DuckDbOptions,
  ) {
    this.daysDir = join(dir, 'days');
  }

  static async open(dir: string, opts: DuckDbOptions = {}): Promise<DuckDbStore> {
    mkdirSync(join(dir, 'days'), { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      threads: String(opts.threads ?? 1),
      memory_limit: opts.memoryLimit ?? '4GB',
    });
    const w = await instance.connect();
    const r = await instance.connect();
    return new DuckDbStore(dir, instance, w, r, opts);
  }

  // ---- days -------------------------------------------------------------------------------------------

  private knownDays?: Set<string>;

  /** Days with a file, listed once; kept current by attach (create) and dropDay. */
  private dayNames(): Set<string> {
    if (!this.knownDays) {
      this.knownDays = new Set(
        existsSync(this.daysDir) ? readdirSync(this.daysDir).filter((f) => f.endsWith('.duckdb')).map((f) => f.slice(0, -'.duckdb'.length)) : [],
      );
    }
    return this.knownDays;
  }

  private dayPath(day: string): string {
    return join(this.daysDir, `${day}.duckdb`);
  }

  private rawPath(day: string): string {
    return join(this.daysDir, `${day}.raw`);
  }

  /**
   * A day for reading: attached in the write order (ATTACH runs on the writing connection, which must not be
   * inside a commit, and two attaches of one day would give it two line counters).
   */
  private async attach(day: string): Promise<Day | null> {
    const have = this.attached.get(day);
    if (have) return have;
    if (!this.dayNames().has(day)) return null;
    return this.serialWrite(() => this.attachNow(day, false));
  }

  /** Attaches a day (creating its file with `create`); only on the write chain (serialWrite). */
  private async attachNow(day: string, create: boolean): Promise<Day | null> {
    const have = this.attached.get(day);
    if (have) return have;
    // A trace looks back up to a year (owner registry) for a handful of existing days: answer "no such
    // day" from a cached listing instead of a stat per day (2 ms a trace, measured).
    if (!create && !this.dayNames().has(day)) return null;
    if (!DAY_RE.test(day)) throw new Error(`bad day '${day}'`);
    const path = this.dayPath(day);
    const exists = existsSync(path);
    if (!exists && !create) return null;
    if (!exists) this.dayNames().add(day);
    const alias = `d${day.replace(/-/g, '')}`;
    const rg = this.opts.rowGroupSize ?? ROW_GROUP_SIZE;
    const opts = exists ? '' : ` (STORAGE_VERSION 'v1.2.0', ROW_GROUP_SIZE ${rg})`;
    try {
      await this.w.run(`ATTACH IF NOT EXISTS '${path}' AS ${alias}${opts}`);
    } catch (e) {
      const msg = String((e as Error).message);
      if (/lock/i.test(msg))
        throw new StoreLockedError(
          `the store in ${this.dir} is in use by another whowas process (is 'whowas serve' running?): stop it, or query the server instead`,
        );
      throw e;
    }
    if (!exists) {
      for (const kind of Object.keys(TABLES_KINDS) as Kind[]) await this.w.run(ddl(kind, alias));
      for (const s of AUX_DDL(alias)) await this.w.run(s);
    }
    const mx = await this.w.runAndReadAll(
      `SELECT coalesce(max(chunk_id), -1) AS c, coalesce(max(first_line + n), 0) AS l, (SELECT count(*) FROM ${alias}.peer) AS p FROM ${alias}.raw_chunk`,
    );
    // The raw archive lives beside the day file: DuckDB reads a blob through overflow blocks (measured
    // ~17 ms per chunk), a positioned file read costs microseconds.
    const rawFd = openSync(this.rawPath(day), 'a+');
    const top = mx.getRowObjectsJS()[0]!;
    const d: Day = { alias, nextChunk: Number(top.c) + 1, nextLine: Number(top.l), nextPeer: Number(top.p), rawFd, writing: false, commits: 0 };
    this.attached.set(day, d);
    return d;
  }

  /**
   * A day now holds read structures in memory: a server tracing across months keeps those of the last
   * MEMORY_DAYS days loaded and lets the others go (measured: 96 MB for the bench's 10 M event day, 192 k leases and 200 k destinations).
   */
  private keptInMemory(d: Day): void {
    const i = this.inMemory.indexOf(d);
    if (i >= 0) this.inMemory.splice(i, 1);
    this.inMemory.push(d);
    while (this.inMemory.length > MEMORY_DAYS) {
      const old = this.inMemory.shift()!;
      old.leaseIndex = undefined;
      old.peerWords = undefined;
    }
  }

  private forgetInMemory(d: Day): void {
    const i = this.inMemory.indexOf(d);
    if (i >= 0) this.inMemory.splice(i, 1);
  }

  /** The day's destination dictionary, id → address words (see Day.peerWords). */
  private peerWords(d: Day): Promise<{ words: Uint32Array; n: number }> {
    return this.cached(d, () => d.peerWords, () => this.loadPeerWords(d), (v) => ((d.peerWords = v), this.keptInMemory(d)));
  }

  private async loadPeerWords(d: Day): Promise<{ words: Uint32Array; n: number }> {
    const rows = rowsOf(await this.r.run(`SELECT id, ip_hi, ip_lo FROM ${d.alias}.peer`));
    let n = 0;
    for (const row of rows) n = Math.max(n, Number(row[0]) + 1);
    const words = new Uint32Array(Math.max(16, n) * 4);
    for (const row of rows) {
      const o = Number(row[0]) * 4, hi = row[1] as bigint, lo = row[2] as bigint;
      words[o] = Number(lo & 0xffffffffn);
      words[o + 1] = Number(lo >> 32n);
      words[o + 2] = Number(hi & 0xffffffffn);
      words[o + 3] = Number(hi >> 32n);
    }
    return { words, n };
  }

  private async loadPeers(d: Day): Promise<PeerDict> {
    if (d.peers) return d.peers;
    const res = await this.w.runAndReadAll(`SELECT id, ip_hi, ip_lo FROM ${d.alias}.peer`);
    const m = new PeerDict();
    const w = new Uint32Array(4);
    let next = 0;
    for (const row of res.getRowsJS()) {
      const id = Number(row[0]);
      ipWords(halvesToIp(row[1] as bigint, row[2] as bigint), w, 0);
      m.set(w, 0, id);
      if (id >= next) next = id + 1;
    }
    d.peers = m;
    d.nextPeer = next;
    return m;
  }

  /**
   * A read cache of a day (row counts, leases, destinations, chunk index, public addresses): kept only when
   * no commit to that day overlapped its loading, so it holds exactly the committed rows and each later
   * commit updates it. Otherwise it is loaded again on the write chain, where no commit can overlap. (Kept
   * from a snapshot older than a commit beside it, a cache missed that commit's rows for good: stored leases
   * and NAT rows stayed invisible to traces until a restart; the serve test caught it in 3 runs of 8.) Days
   * no commit is writing (all but the live one) load off the chain, without waiting for the live day's commits.
   */
  private async cached<T>(d: Day, get: () => T | undefined, load: () => Promise<T>, keep: (v: T) => void): Promise<T> {
    const have = get();
    if (have !== undefined) return have;
    // Another read may have kept one meanwhile: that one is being kept current, so it wins.
    const kept = (v: T): T => get() ?? (keep(v), v);
    if (!d.writing) {
      const commits = d.commits;
      const v = await load();
      if (!d.writing && d.commits === commits) return kept(v);
    }
    return this.serialWrite(async () => get() ?? kept(await load()));
  }

  /** The day's public addresses (through `conn`: the writing connection on the write chain, else the reading one). */
  private async loadPublics(d: Day, conn = this.w): Promise<Set<string>> {
    const res = await conn.runAndReadAll(`SELECT ip_hi, ip_lo FROM ${d.alias}.pubaddr`);
    return new Set(res.getRowsJS().map((r) => halvesToIp(r[0] as bigint, r[1] as bigint)));
  }

  async days(): Promise<string[]> {
    if (!existsSync(this.daysDir)) return [];
    return readdirSync(this.daysDir)
      .filter((f) => f.endsWith('.duckdb'))
      .map((f) => f.slice(0, -'.duckdb'.length))
      .filter((d) => DAY_RE.test(d))
      .sort();
  }

  async compactDay(day: string): Promise<void> {
    await this.serialWrite(async () => {
      const d = await this.attachNow(day, false);
      if (!d) return;
      const tmp = `${this.dayPath(day)}.compact`;
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
      const rg = this.opts.rowGroupSize ?? ROW_GROUP_SIZE;
      await this.w.run(`ATTACH '${tmp}' AS compact_tmp (STORAGE_VERSION 'v1.2.0', ROW_GROUP_SIZE ${rg})`);
      await this.allCores(true); // a whole-day rewrite that nothing waits on (see `threads`)
      try {
        for (const kind of Object.keys(TABLES_KINDS) as Kind[]) {
          await this.w.run(ddl(kind, 'compact_tmp'));
          // Rows are already in line order (raw_ref): lines are numbered at commit, in commit order, and each
          // commit appends its rows in line order. DuckDB keeps insertion order, so no ORDER BY: sorting 10 M
          // rows cost 7.0 s of a 10 M event compaction, 2.3 s without (measured; order checked after).
          await this.w.run(`INSERT INTO compact_tmp.${kind} SELECT * FROM ${d.alias}.${kind}`);
        }
        for (const s of AUX_DDL('compact_tmp')) await this.w.run(s);
        for (const t of ['peer', 'pubaddr', 'raw_chunk']) await this.w.run(`INSERT INTO compact_tmp.${t} SELECT * FROM ${d.alias}.${t}`);
        await this.w.run('CHECKPOINT compact_tmp');
      } catch (e) {
        await this.w.run('DETACH compact_tmp').catch(() => undefined);
        rmSync(tmp, { force: true });
        throw e;
      } finally {
        await this.allCores(false);
      }
      await this.w.run('DETACH compact_tmp');
      this.forgetStatements();
      await this.w.run(`DETACH ${d.alias}`);
      this.attached.delete(day);
      this.forgetInMemory(d);
      closeSync(d.rawFd);
      // rename() is atomic: a crash leaves either the old file or the new one, never half of either.
      renameSync(tmp, this.dayPath(day));
      rmSync(`${this.dayPath(day)}.wal`, { force: true });
    });
  }

  async dropDay(day: string): Promise<void> {
    await this.serialWrite(async () => {
      const d = this.attached.get(day);
      if (d) {
        this.forgetStatements();
      await this.w.run(`DETACH ${d.alias}`);
        closeSync(d.rawFd);
        this.attached.delete(day);
        this.forgetInMemory(d);
      }
      rmSync(this.dayPath(day), { force: true });
      this.dayNames().delete(day);
      rmSync(this.rawPath(day), { force: true });
      rmSync(`${this.dayPath(day)}.wal`, { force: true });
    });
  }

  // ---- writing ----------------------------------------------------------------------------------------

  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.writeChain.then(fn, fn);
    this.writeChain = p.catch(() => undefined);
    return p;
  }

  private ipHalves(ip: string): IpHalves {
    let v = this.ipCache.get(ip);
    if (v === undefined) {
      const n = ipToBigInt(ip);
      v = { hi: n >> 64n, lo: n & 0xffffffffffffffffn };
      if (this.ipCache.size > 100_000) this.ipCache.clear();
      this.ipCache.set(ip, v);
    }
    return v;
  }

  /** Adds the parameters of ipEquals(column, name) for an address. */
  private ipParams(p: Record<string, unknown>, name: string, ip: string): void {
    const h = this.ipHalves(checkIp(ip));
    p[`${name}_hi`] = h.hi;
    p[`${name}_lo`] = h.lo;
  }

  async writeDay(batch: DayBatch): Promise<void> {
    const lineCount = batch.chunks ? batch.chunks.reduce((n, c) => n + c.lines, 0) : batch.lines.length;
    if (lineCount === 0) return;
    // Lines still as text are compressed now (zlib's thread pool) while the previous batch is written;
    // record line numbers become chunk positions (chunk × 65536 + index), as workers deliver them.
    let chunks = batch.chunks;
    let records = batch.records;
    if (!chunks) {
      const blobs = await Promise.all(
        Array.from({ length: Math.ceil(batch.lines.length / RAW_CHUNK_LINES) }, (_, i) =>
          encodeChunk({
            lines: batch.lines.slice(i * RAW_CHUNK_LINES, (i + 1) * RAW_CHUNK_LINES),
            received: batch.received.slice(i * RAW_CHUNK_LINES, (i + 1) * RAW_CHUNK_LINES),
          }),
        ),
      );
      chunks = blobs.map((data, i) => ({ data, lines: Math.min(RAW_CHUNK_LINES, batch.lines.length - i * RAW_CHUNK_LINES) }));
      records = records.map((r) => ({ rec: r.rec, line: Math.floor(r.line / RAW_CHUNK_LINES) * CHUNK_POS + (r.line % RAW_CHUNK_LINES) }));
    }
    // NAT rows always take the column path; records that arrive as objects are turned into columns here.
    const nat = batch.nat ? [...batch.nat] : [];
    const natObjects = records.filter((r) => r.rec.kind === 'nat');
    if (natObjects.length) {
      const b = new NatColumnBuilder(natObjects.length);
      for (const r of natObjects) b.add(r.rec as NatRecord, r.line);
      nat.push(b.finish());
      records = records.filter((r) => r.rec.kind !== 'nat');
    }
    const natRows = nat.reduce((n, c) => n + c.n, 0);
    const allChunks = chunks;
    await this.serialWrite(async () => {
      const d = (await this.attachNow(batch.day, true))!;
      d.writing = true; // from here the day's read caches may run ahead of what a read sees (see `cached`)
      try {
        await this.commitDay(d, batch, records, nat, natRows, allChunks);
      } finally {
        d.writing = false;
        d.commits++;
      }
    });
  }

  /** One batch into an attached day, in one transaction; on the write chain only (writeDay). */
  private async commitDay(
    d: Day,
    batch: DayBatch,
    records: { rec: WhowasRecord; line: number }[],
    nat: NatColumns[],
    natRows: number,
    allChunks: { data: Uint8Array; lines: number }[],
  ): Promise<void> {
    const byKind = new Map<Kind, { rec: WhowasRecord; line: number }[]>();
    for (const item of records) {
      let list = byKind.get(item.rec.kind);
      if (!list) byKind.set(item.rec.kind, (list = []));
      list.push(item);
    }
    const chunkId = d.nextChunk;
    // Chunk position (chunk × 65536 + index) → the day's line number.
    const firstLines: number[] = [];
    let lineNo = d.nextLine;
    for (const c of allChunks) (firstLines.push(lineNo), (lineNo += c.lines));
    const toRef = (pos: number) => firstLines[Math.floor(pos / CHUNK_POS)]! + (pos % CHUNK_POS);
    const peers = natRows ? await this.loadPeers(d) : undefined;
    const newPeers: PeerKey[] = [];
    const publics = natRows || byKind.has('portblock') ? (d.publics ??= await this.loadPublics(d)) : undefined;
    const newPublics: string[] = [];
    const addPublic = (ip: string) => {
      if (!publics!.has(ip)) (publics!.add(ip), newPublics.push(ip));
    };
    for (const { rec } of byKind.get('portblock') ?? []) addPublic((rec as { pubIp: string }).pubIp);
    for (const c of nat) for (const ip of distinctIps(c.pubIp, c.n)) addPublic(ip);
    let rawStart = -1;
    await this.w.run('BEGIN TRANSACTION');
    try {
      for (const [kind, items] of byKind) await this.appendRows(d, kind, items, toRef);
      if (natRows) await this.appendNat(d, nat, toRef, peers!, newPeers);
      if (newPeers.length) await this.appendPeers(d, newPeers);
      for (const ip of newPublics) {
        const h = this.ipHalves(ip);
        await this.w.run(`INSERT INTO ${d.alias}.pubaddr VALUES ($1, $2)`, [h.hi, h.lo], [UBIGINT, UBIGINT]);
      }
      // Lines first, index rows in the same transaction: a failed commit truncates the file back.
      rawStart = fstatSync(d.rawFd).size;
      let off = rawStart;
      const rows: string[] = [];
      const entries: ChunkEntry[] = [];
      for (let i = 0; i < allChunks.length; i++) {
        const b = allChunks[i]!;
        writeSync(d.rawFd, b.data, 0, b.data.length, off);
        rows.push(`(${chunkId + i}, $src, ${b.lines}, ${off}, ${b.data.length}, ${firstLines[i]})`);
        entries.push({ firstLine: firstLines[i]!, n: b.lines, source: batch.source, off, len: b.data.length });
        off += b.data.length;
      }
      await this.w.run(`INSERT INTO ${d.alias}.raw_chunk VALUES ${rows.join(', ')}`, { src: batch.source });
      // The read caches take this commit's rows before COMMIT returns, so a read that sees the rows also
      // finds their destinations, leases and lines (a failed commit drops the caches, below).
      if (d.peerWords && newPeers.length) {
        const pw = d.peerWords;
        const need = (newPeers[newPeers.length - 1]!.id + 1) * 4;
        if (need > pw.words.length) {
          const grown = new Uint32Array(Math.max(need, pw.words.length * 2));
          grown.set(pw.words);
          pw.words = grown;
        }
        for (const p of newPeers) ipWords(p.ip, pw.words, p.id * 4);
        pw.n = Math.max(pw.n, newPeers[newPeers.length - 1]!.id + 1);
      }
      if (d.leaseIndex) {
        for (const { rec, line } of byKind.get('lease') ?? []) {
          const { raw: _raw, received: _received, ...rest } = rec as RecordOf<'lease'>;
          d.leaseIndex.add({ ...rest, ref: `${batch.day}#${toRef(line)}` });
        }
      }
      d.chunkIndex?.push(entries);
      if (d.rows) {
        for (const [kind, items] of byKind) d.rows[kind] = (d.rows[kind] ?? 0) + items.length;
        if (natRows) d.rows.nat = (d.rows.nat ?? 0) + natRows;
      }
      await this.w.run('COMMIT');
      d.nextChunk = chunkId + allChunks.length;
      d.nextLine = lineNo;
    } catch (e) {
      await this.w.run('ROLLBACK').catch(() => undefined);
      if (rawStart >= 0) ftruncateSync(d.rawFd, rawStart);
      // Forget the dictionary (ids given in this batch included) and the read caches, which may hold this
      // batch already: each is read again from the tables when next needed.
      if (newPeers.length) d.peers = undefined;
      for (const ip of newPublics) publics!.delete(ip);
      d.rows = d.leaseIndex = d.peerWords = d.chunkIndex = undefined;
      this.forgetInMemory(d);
      throw e;
    }
  }

  /**
   * NAT columns → DuckDB vectors by typed-array copies: no value object per cell. Addresses are written
   * as their two 64-bit halves; destinations go through the day's dictionary (`peer`).
   */
  private async appendNat(d: Day, parts: NatColumns[], toRef: (pos: number) => number, peers: PeerDict, newPeers: PeerKey[]): Promise<void> {
    const cols = columnsOf('nat');
    const types = cols.map((col) => (col.name === 'raw_ref' ? BIGINT : DUCK_TYPE[col.type]));
    const at = (name: string) => cols.findIndex((col) => col.name === name);
    const I = {
      ts: at('ts'), tsAlt: at('ts_alt'), tflags: at('tflags'), ref: at('raw_ref'), event: at('event'), proto: at('proto'),
      failed: at('failed'), inHi: at('in_ip_hi'), inLo: at('in_ip_lo'), shift: at('port_shift'), pubHi: at('pub_ip_hi'), pubLo: at('pub_ip_lo'),
      pubPort: at('pub_port'), dstId: at('dst_id'), dstPort: at('dst_port'),
    };
    const app = await this.w.createAppender('nat', 'main', d.alias);
    try {
      // One full-size chunk serves every full slice: a vector's JS view costs a native copy to create
      // (~60 µs each, 15 per chunk), and the appender copies the rows out at each append anyway.
      const make = (n: number) => {
        const chunk = DuckDBDataChunk.create(types, n);
        return { chunk, v: types.map((_, i) => chunk.getColumnVector(i) as unknown as RawVector) };
      };
      let full: ReturnType<typeof make> | undefined;
      let slice = performance.now();
      for (const c of parts) for (let base = 0; base < c.n; base += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, c.n - base);
        const end = base + n;
        const { chunk, v } = n === CHUNK_ROWS ? (full ??= make(n)) : make(n);
        // Times and raw_ref are 64-bit: written as two 32-bit words each (no BigInt per row). Each loop is a
        // small function of its own: inside this long async method V8 compiled them ~10× slower (measured).
        int64Words(c.ts, base, n, u32(v[I.ts]!, n * 2));
        // ts_alt is null but for ambiguous local stamps: clear the validity mask at once, then set the few.
        const alt = v[I.tsAlt]!;
        allNull(alt, n);
        for (let i = nonZero(c.tsAlt, base, n, 0); i < n; i = nonZero(c.tsAlt, base, n, i + 1)) alt.setItem(i, { micros: BigInt(c.tsAlt[base + i]!) });
        v[I.tflags]!.items!.set(c.tflags.subarray(base, end));
        refWords(c.line, base, n, toRef, u32(v[I.ref]!, n * 2));
        v[I.event]!.items!.set(c.event.subarray(base, end));
        v[I.proto]!.items!.set(c.proto.subarray(base, end));
        u8(v[I.failed]!, n).set(c.failed.subarray(base, end));
        halves(c.inIp, base, n, u32(v[I.inHi]!, n * 2), u32(v[I.inLo]!, n * 2));
        halves(c.pubIp, base, n, u32(v[I.pubHi]!, n * 2), u32(v[I.pubLo]!, n * 2));
        v[I.pubPort]!.items!.set(c.pubPort.subarray(base, end));
        portShift(c.inPort, c.pubPort, base, n, v[I.shift]!.items as Int32Array);
        const dst = v[I.dstId]!;
        const dstPort = v[I.dstPort]!;
        allValid(dst); // a reused chunk keeps the previous slice's nulls
        allValid(dstPort);
        d.nextPeer = dstIds(c, base, n, peers, d.nextPeer, newPeers, dst.items as Int32Array, dstPort.items as Uint16Array);
        for (let i = missingDst(c.hasDst, base, n, 0); i < n; i = missingDst(c.hasDst, base, n, i + 1)) {
          dst.setItem(i, null);
          dstPort.setItem(i, null);
        }
        for (const x of v) x.flush();
        app.appendDataChunk(chunk);
        // The append is synchronous: give the event loop a turn every YIELD_MS, so that a large commit never
        // holds up the inputs' messages, timers and HTTP requests for its whole length (one call that fills a
        // row group still compresses it in place: ~100 ms per 122,880 rows, measured).
        if (performance.now() - slice > YIELD_MS) {
          await new Promise<void>((r) => setImmediate(r));
          slice = performance.now();
        }
      }
    } finally {
      app.closeSync();
    }
  }

  private async appendPeers(d: Day, peers: PeerKey[]): Promise<void> {
    const app = await this.w.createAppender('peer', 'main', d.alias);
    for (let base = 0; base < peers.length; base += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, peers.length - base);
      const chunk = DuckDBDataChunk.create([INTEGER, UBIGINT, UBIGINT], n);
      const ids = chunk.getColumnVector(0);
      const his = chunk.getColumnVector(1);
      const los = chunk.getColumnVector(2);
      for (let i = 0; i < n; i++) {
        const p = peers[base + i]!;
        const v = ipToBigInt(p.ip); // not cached: destinations are many and seen once here
        ids.setItem(i, p.id as never);
        his.setItem(i, (v >> 64n) as never);
        los.setItem(i, (v & 0xffffffffffffffffn) as never);
      }
      ids.flush();
      his.flush();
      los.flush();
      app.appendDataChunk(chunk);
    }
    app.closeSync();
  }

  private async appendRows(
    d: Day,
    kind: Kind,
    items: { rec: WhowasRecord; line: number }[],
    toRef: (pos: number) => number,
  ): Promise<void> {
    const cols = columnsOf(kind);
    const types = cols.map((c) => (c.name === 'raw_ref' ? BIGINT : DUCK_TYPE[c.type]));
    const getters = cols.map((c) => this.encoder(c, toRef));
    const app = await this.w.createAppender(kind, 'main', d.alias);
    try {
      for (let base = 0; base < items.length; base += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, items.length - base);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let c = 0; c < cols.length; c++) {
          const vec = chunk.getColumnVector(c);
          const get = getters[c]!;
          for (let i = 0; i < n; i++) vec.setItem(i, get(items[base + i]!) as never);
          vec.flush();
        }
        app.appendDataChunk(chunk);
      }
    } finally {
      app.closeSync();
    }
  }

  /** Returns the function that turns a record into this column's DuckDB value. */
  private encoder(
    c: Column,
    toRef: (pos: number) => number,
  ): (item: { rec: WhowasRecord; line: number }) => DuckDBValue | bigint | number | string | boolean | null {
    const field = c.field ?? c.name;
    switch (field) {
      case '$ref':
        return (it) => BigInt(toRef(it.line));
      case '$portShift':
      case '$dstId':
        throw new Error('NAT rows are written by appendNat');
      case 'flags':
        return (it) => flagBits(it.rec.flags);
    }
    const get = (it: { rec: WhowasRecord }) => (it.rec as unknown as Record<string, unknown>)[field];
    if (c.codes) {
      const codes = c.codes;
      return (it) => {
        const v = get(it) as string;
        const i = codes.indexOf(v);
        if (i < 0) throw new Error(`bad ${c.name} '${v}'`);
        return i;
      };
    }
    const conv = (v: unknown): DuckDBValue | bigint | number | string | boolean | null => {
      if (v === undefined || v === null) {
        if (!c.nullable) throw new Error(`missing ${field}`);
        return null;
      }
      switch (c.type) {
        case 'ts':
          return { micros: BigInt(v as number) } as DuckDBValue;
        case 'iphi':
          return this.ipHalves(v as string).hi;
        case 'iplo':
          return this.ipHalves(v as string).lo;
        case 'mac':
          return BigInt(macToNumber(v as string));
        case 'i64':
          return BigInt(v as number);
        default:
          return v as number | string | boolean;
      }
    };
    return (it) => conv(get(it));
  }

  // ---- reading ----------------------------------------------------------------------------------------

  /** Runs one SELECT per existing day in the range and maps rows to records. */
  private async select<K extends Kind>(
    kind: K,
    range: TimeRange,
    where: string[],
    params: Record<string, DuckDBValue | bigint | number | string>,
    limit: number,
  ): Promise<Stored<K>[]> {
    // Each text column read costs ~0.5 ms per lookup (measured on leases): skip the ones a trace never shows.
    const cols = range.lean ? columnsOf(kind).filter((c) => !LEAN_SKIP.has(c.name)) : columnsOf(kind);
    const selectList = cols
      .map((c) => (c.type === 'ts' ? `epoch_us("${c.name}") AS "${c.name}"` : `"${c.name}"`))
      .join(', ');
    const out: Stored<K>[] = [];
    for (const day of daysBetween(range.from, range.to)) {
      const d = await this.attach(day);
      if (!d || (await this.rowCount(d, kind)) === 0) continue;
      const sql =
        `SELECT ${selectList} FROM ${d.alias}.${kind} WHERE ts BETWEEN make_timestamp($from::BIGINT) AND make_timestamp($to::BIGINT)` +
        (where.length ? ` AND ${where.join(' AND ').replaceAll('{day}', d.alias)}` : '') +
        // No ORDER BY: a top-N sort cost ~2 ms even for a handful of rows (measured); rows are sorted here.
        ` LIMIT ${limit}`;
      const values = { ...params, from: BigInt(Math.floor(range.from)), to: BigInt(Math.ceil(range.to)) } as Record<string, DuckDBValue>;
      const rows = await this.prepared(sql, values, { ...typesOf(params), from: BIGINT, to: BIGINT });
      const dstIds = kind === 'nat' ? await this.peerIps(d, rows, cols) : undefined;
      // NAT rows keep no source column, lean reads skip it: the line's chunk names it.
      const chunks = (kind === 'nat' || range.lean) && rows.length ? await this.chunkIndex(d) : undefined;
      const refIdx = cols.findIndex((c) => c.name === 'raw_ref');
      for (const row of rows) {
        const rec = decodeRow(kind, cols, row, day, dstIds);
        if (chunks) (rec as { source: string }).source = chunks.find(Number(row[refIdx]))?.source ?? '?';
        out.push(rec);
      }
      if (out.length >= limit) break;
    }
    return out.sort((a, b) => a.ts - b.ts).slice(0, limit);
  }

  /**
   * Runs a read through a prepared statement kept per SQL text: a trace repeats the same few shapes, and
   * planning costs about as much as running them. One statement serves one caller at a time.
   */
  private async prepared(sql: string, values: Record<string, DuckDBValue>, types: Record<string, DuckDBType>): Promise<unknown[][]> {
    let e = this.statements.get(sql);
    if (!e) {
      if (this.statements.size >= 512) this.statements.clear();
      e = { stmt: this.r.prepare(sql), busy: Promise.resolve() };
      this.statements.set(sql, e);
    }
    const entry = e;
    const run = entry.busy.then(async () => {
      const stmt = await entry.stmt;
      stmt.bind(values, types);
      return rowsOf(await stmt.run());
    });
    entry.busy = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Prepared statements name attached days: drop them before a day is detached. */
  private forgetStatements(): void {
    for (const e of this.statements.values()) e.stmt.then((st) => st.destroySync?.(), () => undefined);
    this.statements.clear();
  }

  /** Rows of a kind in a day (cached; kept current by writes), so a trace skips kinds a day lacks. */
  private async rowCount(d: Day, kind: Kind): Promise<number> {
    const rows = await this.cached(d, () => d.rows, async () => {
      const kinds = Object.keys(TABLES_KINDS) as Kind[];
      const res = await this.r.runAndReadAll(kinds.map((k) => `SELECT '${k}' AS k, count(*) AS n FROM ${d.alias}.${k}`).join(' UNION ALL '));
      const out: Partial<Record<Kind, number>> = {};
      for (const [k, n] of res.getRowsJS()) out[k as Kind] = Number(n);
      return out;
    }, (v) => (d.rows = v));
    return rows[kind] ?? 0;
  }

  /** Destination addresses of NAT rows, by dictionary id. */
  private async peerIps(d: Day, rows: unknown[][], cols: Column[]): Promise<Map<number, string>> {
    const idx = cols.findIndex((c) => c.name === 'dst_id');
    const m = new Map<number, string>();
    if (!rows.some((r) => r[idx] !== null)) return m;
    const { words, n } = await this.peerWords(d);
    for (const r of rows) {
      const id = r[idx];
      if (id === null || id === undefined) continue;
      const i = Number(id);
      if (i < n && !m.has(i)) m.set(i, wordsToIp(words, i * 4));
    }
    return m;
  }

  async nat(q: NatQuery): Promise<Stored<'nat'>[]> {
    const where: string[] = [];
    const p: Record<string, bigint | number> = {};
    if (q.pubIp) (where.push(ipEquals('pub_ip', 'pub')), this.ipParams(p, 'pub', q.pubIp));
    if (q.pubPort !== undefined) (where.push('pub_port = $pub_port'), (p.pub_port = q.pubPort));
    if (q.inIp) (where.push(ipEquals('in_ip', 'in')), this.ipParams(p, 'in', q.inIp));
    if (q.inPort !== undefined) (where.push('pub_port + port_shift = $in_port'), (p.in_port = q.inPort));
    if (q.proto) (where.push('proto = $proto'), (p.proto = ['tcp', 'udp', 'icmp', 'icmpv6', 'other'].indexOf(q.proto)));
    if (q.dstPort !== undefined) (where.push('dst_port = $dst_port'), (p.dst_port = q.dstPort));
    if (!q.dstIp) return this.select('nat', q, where, p, q.limit ?? 10_000);
    // The destination is stored through each day's dictionary; matching it in SQL meant scanning the
    // dictionary (+2 ms a lookup, measured). The public ip:port already narrows the rows to a handful:
    // decode their destinations and keep the matching ones.
    const want = checkIp(q.dstIp);
    const rows = await this.select('nat', q, where, p, q.limit ?? 10_000);
    return rows.filter((r) => r.dstIp === want);
  }

  async portblocks(q: PortBlockQuery): Promise<Stored<'portblock'>[]> {
    const where: string[] = [];
    const p: Record<string, bigint | number> = {};
    if (q.pubIp) (where.push(ipEquals('pub_ip', 'pub')), this.ipParams(p, 'pub', q.pubIp));
    if (q.port !== undefined) (where.push('$port BETWEEN port_lo AND port_hi'), (p.port = q.port));
    if (q.inIp) (where.push(ipEquals('in_ip', 'in')), this.ipParams(p, 'in', q.inIp));
    return this.select('portblock', q, where, p, 10_000);
  }

  private bindingWhere(q: BindingQuery): [string[], Record<string, bigint>] {
    const where: string[] = [];
    const p: Record<string, bigint> = {};
    if (q.ip) (where.push(ipEquals('ip', 'ip')), this.ipParams(p, 'ip', q.ip));
    if (q.mac) (where.push('mac = $mac'), (p.mac = BigInt(macToNumber(checkMac(q.mac)))));
    return [where, p];
  }

  async leases(q: BindingQuery): Promise<Stored<'lease'>[]> {
    if (!q.ip || q.mac) {
      const [w, p] = this.bindingWhere(q);
      return this.select('lease', q, w, p, q.limit ?? 10_000);
    }
    const ip = checkIp(q.ip);
    const out: Stored<'lease'>[] = [];
    for (const day of daysBetween(q.from, q.to)) {
      const d = await this.attach(day);
      if (!d || (await this.rowCount(d, 'lease')) === 0) continue;
      const idx = await this.leaseIndex(d, day);
      if (idx) for (const r of idx.get(ip, q.from, q.to)) out.push(r);
      else {
        const [w, p] = this.bindingWhere(q);
        out.push(...(await this.select('lease', { ...q, from: Math.max(q.from, dayStart(day)), to: Math.min(q.to, dayStart(day) + DAY_US - 1) }, w, p, q.limit ?? 10_000)));
      }
    }
    return out.sort((a, b) => a.ts - b.ts).slice(0, q.limit ?? 10_000);
  }

  /** The day's lease index (see Day.leaseIndex); undefined for a day with more leases than it is worth holding. */
  private async leaseIndex(d: Day, day: string): Promise<LeaseIndex | undefined> {
    if ((await this.rowCount(d, 'lease')) > LEASE_INDEX_MAX) return undefined;
    return this.cached(d, () => d.leaseIndex, () => this.loadLeaseIndex(d, day), (v) => ((d.leaseIndex = v), this.keptInMemory(d)));
  }

  private async loadLeaseIndex(d: Day, day: string): Promise<LeaseIndex> {
    const cols = columnsOf('lease');
    const selectList = cols.map((c) => (c.type === 'ts' ? `epoch_us("${c.name}") AS "${c.name}"` : `"${c.name}"`)).join(', ');
    const rows = rowsOf(await this.r.run(`SELECT ${selectList} FROM ${d.alias}.lease`));
    const idx = new LeaseIndex();
    for (const row of rows) idx.add(decodeRow('lease', cols, row, day));
    return idx;
  }

  sightings(q: BindingQuery): Promise<Stored<'sighting'>[]> {
    const [w, p] = this.bindingWhere(q);
    return this.select('sighting', q, w, p, q.limit ?? 10_000);
  }

  places(q: BindingQuery): Promise<Stored<'place'>[]> {
    const [w, p] = this.bindingWhere({ ...q, ip: undefined });
    return this.select('place', q, w, p, q.limit ?? 10_000);
  }

  sessions(q: SessionQuery): Promise<Stored<'session'>[]> {
    const [w, p] = this.bindingWhere(q);
    const ors = w.slice();
    const params: Record<string, bigint | string> = { ...p };
    if (q.user) (ors.push('"user" = $user'), (params.user = q.user));
    if (q.host) (ors.push('lower(host) = lower($host)'), (params.host = q.host));
    q.sessionIds?.slice(0, 100).forEach((id, i) => (ors.push(`session_id = $sid${i}`), (params[`sid${i}`] = id)));
    // Any of the identifiers may tie a session to the subject.
    const where = ors.length ? [`(${ors.join(' OR ')})`] : [];
    if (q.events?.length) {
      where.push(`event IN (${q.events.map((_, i) => `$ev${i}`).join(', ')})`);
      q.events.forEach((e, i) => (params[`ev${i}`] = e));
    }
    return this.select('session', q, where, params, q.limit ?? 10_000);
  }

  dnsqueries(q: DnsQuery): Promise<Stored<'dnsquery'>[]> {
    const where: string[] = [];
    const p: Record<string, bigint | string> = {};
    if (q.client) (where.push(ipEquals('client', 'client')), this.ipParams(p, 'client', q.client));
    if (q.qname) {
      const name = q.qname.toLowerCase().replace(/\.$/, '');
      if (name.startsWith('*.')) {
        where.push('(lower(qname) = $base OR ends_with(lower(qname), $suffix))');
        p.base = name.slice(2);
        p.suffix = name.slice(1);
      } else (where.push('lower(qname) = $qname'), (p.qname = name));
    }
    return this.select('dnsquery', q, where, p, q.limit ?? 10_000);
  }

  unparsed(q: TimeRange & { source?: string; limit?: number }): Promise<Stored<'unparsed'>[]> {
    const where: string[] = [];
    const p: Record<string, string> = {};
    if (q.source) (where.push('source = $source'), (p.source = q.source));
    return this.select('unparsed', q, where, p, q.limit ?? 1000);
  }

  async isNatPublic(ip: string, range: TimeRange): Promise<boolean> {
    const want = checkIp(ip);
    for (const day of daysBetween(range.from, range.to)) {
      const d = await this.attach(day);
      // pubaddr lists each day's NAT public addresses (a handful): kept in memory, never a scan.
      if (d && (await this.cached(d, () => d.publics, () => this.loadPublics(d, this.r), (v) => (d.publics = v))).has(want)) return true;
    }
    return false;
  }

  async evidence(refs: string[]): Promise<Map<string, { line: string; received: Micros; source: string }>> {
    const out = new Map<string, { line: string; received: Micros; source: string }>();
    const byChunk = new Map<string, { d: Day; chunk: ChunkEntry; refs: [string, number][] }>();
    for (const ref of refs) {
      const [day, n] = ref.split('#') as [string, string];
      const d = await this.attach(day);
      if (!d) continue;
      const chunk = (await this.chunkIndex(d)).find(Number(n));
      if (!chunk) continue;
      const key = `${day}#${chunk.firstLine}`;
      let e = byChunk.get(key);
      if (!e) byChunk.set(key, (e = { d, chunk, refs: [] }));
      e.refs.push([ref, Number(n) - chunk.firstLine]);
    }
    for (const { d, chunk: c, refs: want } of byChunk.values()) {
      const buf = Buffer.alloc(c.len);
      readSync(d.rawFd, buf, 0, buf.length, c.off);
      const chunk = decodeChunk(buf, want.map(([, index]) => index));
      for (const [ref, index] of want) {
        const line = chunk.lines[index];
        if (line !== undefined) out.set(ref, { line, received: chunk.received[index]!, source: c.source });
      }
    }
    return out;
  }

  /** The day's raw chunk index (one row per 1,024 lines: small), cached until the next write. */
  private chunkIndex(d: Day): Promise<ChunkIndex> {
    return this.cached(d, () => d.chunkIndex, async () => {
      const res = await this.r.runAndReadAll(`SELECT first_line, n, source, off, len FROM ${d.alias}.raw_chunk ORDER BY first_line`);
      return new ChunkIndex(res.getRowsJS().map((r) => ({ firstLine: Number(r[0]), n: Number(r[1]), source: String(r[2]), off: Number(r[3]), len: Number(r[4]) })));
    }, (v) => (d.chunkIndex = v));
  }

  async stats(): Promise<StoreStats> {
    const days: StoreStats['days'] = [];
    let totalBytes = 0;
    for (const day of await this.days()) {
      const bytes = statSync(this.dayPath(day)).size + (existsSync(this.rawPath(day)) ? statSync(this.rawPath(day)).size : 0);
      totalBytes += bytes;
      const d = await this.attach(day);
      const rows: Partial<Record<Kind, number>> = {};
      let rawBytes = 0;
      if (d) {
        rawBytes = existsSync(this.rawPath(day)) ? statSync(this.rawPath(day)).size : 0;
        for (const kind of Object.keys(TABLES_KINDS) as Kind[]) {
          const res = await this.r.runAndReadAll(`SELECT count(*) FROM ${d.alias}.${kind}`);
          const n = Number(res.getRowsJS()[0]![0]);
          if (n) rows[kind] = n;
        }
      }
      days.push({ day, bytes, rawBytes, rows });
    }
    return { days, totalBytes };
  }

  /** Flushes every attached day to its file (DuckDB otherwise keeps recent writes in the WAL). */
  async checkpoint(): Promise<void> {
    await this.serialWrite(async () => {
      await this.allCores(true); // an explicit checkpoint is waited for: every core (see `threads`)
      try {
        for (const d of this.attached.values()) await this.w.run(`CHECKPOINT ${d.alias}`);
      } finally {
        await this.allCores(false);
      }
    });
  }

  /** DuckDB's threads raised to every core (on), or back to `threads` (off). */
  private async allCores(on: boolean): Promise<void> {
    const threads = this.opts.threads ?? 1;
    if (cpus().length > threads) await this.w.run(`SET threads = ${on ? cpus().length : threads}`);
  }

  async close(): Promise<void> {
    await this.writeChain;
    for (const d of this.attached.values()) {
      await this.w.run(`CHECKPOINT ${d.alias}`).catch(() => undefined);
      closeSync(d.rawFd);
    }
    this.attached.clear();
    this.w.closeSync();
    this.r.closeSync();
    this.instance.closeSync();
  }
}

/** Columns a lean read leaves out: text a trace never shows (`source` comes from the raw chunk instead). */
const LEAN_SKIP = new Set(['raw_stamp', 'log_host', 'via', 'source']);

/** Positions in a batch: chunk × CHUNK_POS + index in the chunk (see DayBatch). */
const CHUNK_POS = MAX_CHUNK_LINES;

interface ChunkEntry {
  firstLine: number;
  n: number;
  source: string;
  off: number;
  len: number;
}

/** Sorted chunks of a day: which chunk holds line number L (binary search). */
class ChunkIndex {
  constructor(private readonly entries: ChunkEntry[]) {}

  /** Chunks a commit added (after every chunk already listed). */
  push(added: ChunkEntry[]): void {
    for (const e of added) this.entries.push(e);
  }

  find(line: number): ChunkEntry | undefined {
    let lo = 0, hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid]!;
      if (line < e.firstLine) hi = mid - 1;
      else if (line >= e.firstLine + e.n) lo = mid + 1;
      else return e;
    }
    return undefined;
  }
}

/** Days whose leases and destinations are held in memory at once (see keptInMemory). */
const MEMORY_DAYS = 8;
/** Leases a day may hold for its index to be kept in memory (~200 B each). */
const LEASE_INDEX_MAX = 2_000_000;
const DAY_US = 86_400_000_000;
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) * 1000;

/** One day's leases by canonical address, each list in time order. */
class LeaseIndex {
  private readonly byIp = new Map<string, Stored<'lease'>[]>();

  add(r: Stored<'lease'>): void {
    let l = this.byIp.get(r.ip);
    if (!l) this.byIp.set(r.ip, (l = []));
    l.push(r);
    // Appends are almost always in time order; keep the list sorted when one is not.
    if (l.length > 1 && l[l.length - 2]!.ts > r.ts) l.sort((a, b) => a.ts - b.ts);
  }

  get(ip: string, from: Micros, to: Micros): Stored<'lease'>[] {
    const l = this.byIp.get(ip);
    if (!l) return [];
    const out: Stored<'lease'>[] = [];
    for (const r of l) if (r.ts >= from && r.ts <= to) out.push({ ...r }); // copies: callers own what they get
    return out;
  }
}

/** A materialized result's rows as JS values, read chunk by chunk without a thread hop each (~0.3 ms a query). */
function rowsOf(res: DuckDBMaterializedResult): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < res.chunkCount; i++) for (const row of res.getChunk(i).convertRows(JSDuckDBValueConverter)) out.push(row);
  return out;
}

/** A new destination for the day's dictionary. */
interface PeerKey {
  id: number;
  ip: string;
}

/** Distinct addresses of an address column (n rows of four words). */
function distinctIps(w: Uint32Array, n: number): string[] {
  // A PeerDict as a set (a Set of numbers above 2^30 hashes boxed numbers); a row like the one before is
  // passed over without a lookup.
  const seen = new PeerDict();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (i > 0 && w[o] === w[o - 4] && w[o + 1] === w[o - 3] && w[o + 2] === w[o - 2] && w[o + 3] === w[o - 1]) continue;
    if (seen.get(w, o) < 0) (seen.set(w, o, 0), out.push(wordsToIp(w, o)));
  }
  return out;
}

/** What appendNat needs of a DuckDB vector: its typed buffer (fixed-width types) or data view. */
interface RawVector {
  items?: { set(src: ArrayLike<number | bigint>): void } & ArrayLike<number | bigint>;
  dataView?: DataView;
  setItem(i: number, v: unknown): void;
  flush(): void;
}

interface IpHalves {
  hi: bigint;
  lo: bigint;
}

function halvesToIp(hi: bigint, lo: bigint): string {
  return bigIntToIp((hi << 64n) | lo);
}

/** Integral doubles (µs, line refs) → the two 32-bit words of an int64 each (two's complement below 0). */
function int64Words(src: Float64Array, base: number, n: number, out: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const t = src[base + i]!;
    const hi = Math.floor(t / 4294967296);
    out[i * 2] = t - hi * 4294967296;
    out[i * 2 + 1] = hi; // the Uint32 wrap makes a negative hi two's complement
  }
}

/** Chunk positions → the day's line numbers (raw_ref), as int64 words. */
function refWords(line: Uint32Array, base: number, n: number, toRef: (pos: number) => number, out: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const r = toRef(line[base + i]!);
    out[i * 2] = r % 4294967296;
    out[i * 2 + 1] = Math.floor(r / 4294967296);
  }
}

function portShift(inPort: Uint16Array, pubPort: Uint16Array, base: number, n: number, out: Int32Array): void {
  for (let i = 0; i < n; i++) out[i] = inPort[base + i]! - pubPort[base + i]!;
}

/** The first i ≥ from (< n) with src[base + i] ≠ 0, else n. */
function nonZero(src: Float64Array, base: number, n: number, from: number): number {
  let i = from;
  while (i < n && src[base + i] === 0) i++;
  return i;
}

/** The first i ≥ from (< n) whose row has no destination, else n. */
function missingDst(hasDst: Uint8Array, base: number, n: number, from: number): number {
  let i = from;
  while (i < n && hasDst[base + i] !== 0) i++;
  return i;
}

/** Destination ids through the day's dictionary (new addresses get the next ids); returns the next free id. */
function dstIds(c: NatColumns, base: number, n: number, peers: PeerDict, next: number, added: PeerKey[], ids: Int32Array, ports: Uint16Array): number {
  const hasDst = c.hasDst, ip = c.dstIp, port = c.dstPort;
  for (let i = 0; i < n; i++) {
    const row = base + i;
    if (!hasDst[row]) continue;
    let id = peers.get(ip, row * 4);
    if (id < 0) {
      id = next++;
      peers.set(ip, row * 4, id);
      added.push({ id, ip: wordsToIp(ip, row * 4) });
    }
    ids[i] = id;
    ports[i] = port[row]!;
  }
  return next;
}

/** Column words (4 per row, little-endian) → the hi and lo UBIGINT vectors' words (2 per row each). */
function halves(w: Uint32Array, base: number, n: number, hi: Uint32Array, lo: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const s = (base + i) * 4;
    lo[i * 2] = w[s]!;
    lo[i * 2 + 1] = w[s + 1]!;
    hi[i * 2] = w[s + 2]!;
    hi[i * 2 + 1] = w[s + 3]!;
  }
}

/**
 * Parameter types, given explicitly: DuckDB casts the column instead when a parameter's type differs
 * (`CAST(pub_port AS INTEGER) = $port`), which defeats filter push-down and zone maps. Bigints are
 * unsigned 64-bit (address halves, MACs), ports USMALLINT, codes UTINYINT.
 */
function typesOf(p: Record<string, unknown>): Record<string, DuckDBType> {
  const t: Record<string, DuckDBType> = {};
  for (const [k, v] of Object.entries(p)) {
    if (typeof v === 'bigint') t[k] = UBIGINT;
    else if (typeof v === 'number' && (k === 'port' || k.endsWith('_port'))) t[k] = USMALLINT;
    else if (typeof v === 'number' && (k === 'proto' || k === 'event')) t[k] = UTINYINT;
    else if (typeof v === 'number' && k === 'dst_id') t[k] = INTEGER;
  }
  return t;
}

/** Marks every row of a fresh vector null (one fill instead of a BigInt operation per row). */
function allNull(v: RawVector, n: number): void {
  v.setItem(0, null); // makes the vector allocate its validity mask
  const data = (v as unknown as { validity: { data: BigUint64Array } }).validity.data;
  new Uint8Array(data.buffer, data.byteOffset, Math.ceil(n / 64) * 8).fill(0);
}

function allValid(v: RawVector): void {
  (v as unknown as { validity: { data: BigUint64Array | null } }).validity.data?.fill(0xffffffffffffffffn);
}

function u32(v: RawVector, words: number): Uint32Array {
  const b = (v.items as unknown as Uint8Array | undefined) ?? v.dataView!;
  return new Uint32Array(b.buffer, b.byteOffset, words);
}

function u8(v: RawVector, n: number): Uint8Array {
  const b = (v.items as unknown as Uint8Array | undefined) ?? v.dataView!;
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

const TABLES_KINDS: Record<Kind, true> = {
  lease: true,
  sighting: true,
  place: true,
  session: true,
  nat: true,
  portblock: true,
  dnsquery: true,
  flow: true,
  unparsed: true,
};

function checkIp(ip: string): string {
  const n = normIp(ip);
  if (!n) throw new Error(`'${ip}' is not an IP address: type e.g. 203.0.113.5 or 2001:db8::5`);
  return n;
}

function checkMac(mac: string): string {
  const n = normMac(mac);
  if (!n) throw new Error(`'${mac}' is not a MAC address: type e.g. 02:77:00:00:00:01`);
  return n;
}

function decodeRow<K extends Kind>(
  kind: K,
  cols: Column[],
  row: unknown[],
  day: string,
  dstIps?: Map<number, string>,
): Stored<K> {
  const o: Record<string, unknown> = { kind };
  let hi = 0n; // an address's high half, read just before its low half
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const v = row[i];
    const field = c.field ?? c.name;
    if (v === null || v === undefined) continue;
    if (field === 'failed' && v === false) continue; // the column form stores "not failed" as false
    switch (field) {
      case '$ref':
        o.ref = `${day}#${Number(v)}`;
        continue;
      case 'flags': {
        const f = flagsOfBits(Number(v));
        if (f) o.flags = f;
        continue;
      }
      case '$portShift':
        continue; // resolved below, once pub_port is known
      case '$dstId':
        o.dstIp = dstIps?.get(Number(v)) ?? '?';
        continue;
    }
    if (c.codes) o[field] = c.codes[Number(v)];
    else if (c.type === 'ts') o[field] = Number(v);
    else if (c.type === 'iphi') hi = v as bigint;
    else if (c.type === 'iplo') o[field] = halvesToIp(hi, v as bigint);
    else if (c.type === 'mac') o[field] = numberToMac(Number(v));
    else if (typeof v === 'bigint') o[field] = Number(v);
    else o[field] = v;
  }
  // port_shift precedes pub_port in the column list: recompute now that both are known.
  if (kind === 'nat') {
    const shiftIdx = cols.findIndex((c) => c.name === 'port_shift');
    o.inPort = (o.pubPort as number) + Number(row[shiftIdx]);
  }
  return o as Stored<K>;
}

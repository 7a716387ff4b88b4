import { DuckDBInstance, DuckDBDataChunk, TIMESTAMP, UTINYINT, SMALLINT, USMALLINT, BIGINT, UHUGEINT } from '@duckdb/node-api';
import fs from 'node:fs';
const opt = process.argv[3] ?? '';
const f = '/tmp/b/y.duckdb'; for (const x of [f, f+'.wal']) fs.rmSync(x, {force:true});
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`attach '${f}' as y ${opt}`);
await c.run(`use y`);
await c.run(`create table nat(ts TIMESTAMP, proto UTINYINT, event UTINYINT, in_ip UHUGEINT, in_port_delta SMALLINT, pub_ip UHUGEINT, pub_port USMALLINT, dst_ip UHUGEINT, dst_port USMALLINT, raw_ref BIGINT)`);
const N = Number(process.argv[2] ?? 1_000_000);
const types = [TIMESTAMP, UTINYINT, UTINYINT, UHUGEINT, SMALLINT, UHUGEINT, USMALLINT, UHUGEINT, USMALLINT, BIGINT];
const app = await c.createAppender('nat');
const t0 = performance.now();
let ts = 1_764_000_000_000_000;
const dsts = Array.from({length: 50000}, () => (Math.random()*2**32)>>>0);
const conv = (x:number) => (0xffff00000000n + BigInt(x));
for (let base = 0; base < N; base += 2048) {
  const n = Math.min(2048, N - base);
  const ch = DuckDBDataChunk.create(types, n);
  const v = types.map((_, i) => ch.getColumnVector(i) as any);
  for (let i = 0; i < n; i++) {
    ts += Math.floor(Math.random() * 20000);
    const inPort = 32768 + ((Math.random() * 28000) | 0);
    v[0].setItem(i, { micros: BigInt(ts) });
    v[1].setItem(i, Math.random() < 0.8 ? 6 : 17);
    v[2].setItem(i, (Math.random()*3)|0);
    v[3].setItem(i, conv(0x0a010000 + ((Math.random()*4000)|0)));
    v[4].setItem(i, Math.random() < 0.995 ? 0 : 1000);
    v[5].setItem(i, conv(0xcb007100 + ((Math.random()*8)|0)));
    v[6].setItem(i, inPort);
    v[7].setItem(i, conv(dsts[(Math.random()**4*50000)|0]));
    v[8].setItem(i, Math.random() < 0.7 ? 443 : Math.random() < 0.5 ? 80 : 53);
    v[9].setItem(i, BigInt(base + i));
  }
  for (const x of v) x.flush();
  app.appendDataChunk(ch);
}
app.closeSync();
await c.run('checkpoint y');
const t1 = performance.now();
const size = fs.statSync(f).size; console.log(opt, 'rows/s', (N / ((t1 - t0) / 1000)).toFixed(0), 'bytes/row', (size / N).toFixed(2));

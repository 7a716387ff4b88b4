// The bulk fast path (row.ts) against parse(): wherever conntrackRow says it read a line, the row must be
// exactly the columns parse()'s record gives; and the DayBatcher fed bytes must build the same batches as
// the one fed strings.
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { describe, test } from 'node:test';
import { DayBatcher, emptyStats } from '../../ingest/batch.ts';
import type { NatRecord, NatRow } from '../../records/record.ts';
import { NatColumnBuilder } from '../../store/nat-columns.ts';
import { decodeChunk } from '../../store/raw-archive.ts';
import type { NatColumns } from '../../store/store.ts';
import { makeClock } from '../../time/clock.ts';
import { parseMessage } from '../run.ts';
import { contextFor, readTestdata, testdataFiles } from '../testing.ts';
import { conntrack } from './index.ts';
import { conntrackRow } from './row.ts';

const REF = Date.UTC(2026, 10, 29, 14, 20) * 1000;
const CTX = contextFor({ zone: 'UTC', reference: REF });

function testdataLines(): string[] {
  return testdataFiles(conntrack).flatMap((p) => readTestdata(conntrack, p).messages);
}

/** A deterministic stream of campus-like lines: masquerade, port rewrites, DNAT, replies, failures. */
function generated(n: number): string[] {
  let seed = 7;
  const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ev = ['[NEW]', '[UPDATE]', '[DESTROY]'][rnd(3)]!;
    const proto = rnd(4) === 0 ? 'udp      17 30' : 'tcp      6 120 SYN_SENT';
    const inside = `10.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
    const dst = `${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
    const pub = `203.0.113.${rnd(256)}`;
    const sp = rnd(65536), dp = [443, 80, 53, 22][rnd(4)]!, pp = rnd(3) === 0 ? sp : 1024 + rnd(64512);
    const un = rnd(3) === 0 ? ' [UNREPLIED]' : '';
    const frac = ['', '.5', '.123456', '.123456789', '.000001'][rnd(5)]!;
    const head = `[${1793577600 + rnd(200_000)}${frac}]\t${ev === '[NEW]' ? '    ' : ev === '[UPDATE]' ? ' ' : ''}${ev} ipv4     2 ${proto}`;
    const tail = rnd(2) ? ` id=${rnd(2 ** 31)}` : ' [ASSURED] delta-time=4';
    out.push(rnd(5) === 0
      ? `${head} src=${dst} dst=${pub} sport=${sp} dport=${pp}${un} src=${inside} dst=${dst} sport=${dp} dport=${sp}${tail}` // DNAT
      : `${head} src=${inside} dst=${dst} sport=${sp} dport=${dp}${un} src=${dst} dst=${pub} sport=${dp} dport=${pp}${tail}`);
  }
  return out;
}

/** Variants of a line that stress each rule the fast path copies from parse(). */
function mangled(line: string): string[] {
  const out: string[] = [];
  for (let cut = 1; cut < line.length; cut += 7) out.push(line.slice(0, cut));
  const swaps: [RegExp, string][] = [
    [/src=(\d+)\./, 'src=0$1.'], [/dst=(\d+)\./, 'dst=$1.0.'], [/sport=\d+/, 'sport=65536'], [/dport=\d+/, 'dport='],
    [/dport=(\d+)/, 'dport=0$1'], [/^\[(\d+)/, '[9999999999999'], [/^\[(\d+)\.\d+\]/, '[$1.]'], [/^\[(\d+)\.(\d+)\]/, '[$1.$2x]'],
    [/ipv4 {5}2 /, 'ipv6     10 '], [/ipv4 {5}2 /, ''], [/tcp {6}6/, 'tcpx 6'], [/tcp {6}6/, 'sctp 132'], [/udp {6}17/, 'udplite 136'],
    [/\[UNREPLIED\]/, '[UNREPLIED]x'], [/\[UNREPLIED\]/, '[UNREPLIE]'], [/ src=/, ' xsrc='], [/ src=/, '\tsrc='], [/ sport=/, '  sport='],
    [/ dst=/, ' dst=1.2.3.4 dst='], [/ dst=[^ ]+/, ''], [/src=[^ ]+ dst=[^ ]+/, 'dst=9.9.9.9 src=8.8.8.8'], [/ id=/, ' src=1.1.1.1 id='],
    [/$/, ' src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2'], [/ sport=(\d+)/, ' spurt=$1'], [/ dport=(\d+)/, ' dp0rt=$1'], [/src=10\./, 'src=10.0.0.0.'],
    [/\t/, ' '], [/^/, '   '], [/^/, '<30>Nov 29 14:20:01 gw conntrack: '], [/\[NEW\]/, '[new]'], [/ (\d+) SYN_SENT/, ' $1  SYN_SENT'],
    [/dst=203\.0\.113\.(\d+)/, 'dst=203.0.113.$1:1'], [/src=/, 'src=::ffff:'], [/sport=(\d+)/, 'sport=$1$1$1$1$1$1$1$1'],
  ];
  for (const [re, to] of swaps) {
    const v = line.replace(re, to);
    if (v !== line) out.push(v);
  }
  return out;
}

function natRowOf(line: string): NatRow | undefined {
  const row: NatRow = { ts: 0, event: 0, proto: 0, failed: false, inIp: 0, inPort: 0, pubIp: 0, pubPort: 0, dstIp: 0, dstPort: 0 };
  const b = Buffer.from(line, 'utf8');
  return conntrackRow(b, 0, b.length, row) ? row : undefined;
}

function sameColumns(a: NatColumns, b: NatColumns, what: string): void {
  assert.equal(a.n, b.n, what);
  for (const k of Object.keys(a) as (keyof NatColumns)[]) {
    if (k === 'n') continue;
    assert.deepEqual(Array.from(a[k] as ArrayLike<number>), Array.from(b[k] as ArrayLike<number>), `${what}: column ${k}`);
  }
}

describe('conntrack fast path (row.ts) gives what parse() gives', () => {
  const base = [...testdataLines(), ...generated(3000)];
  const cases = [...base, ...base.slice(0, 400).flatMap(mangled)];

  test(`every line it reads equals parse()'s record, on ${cases.length} lines (testdata, generated, mangled)`, () => {
    let read = 0, declined = 0;
    for (const line of cases) {
      const row = natRowOf(line);
      if (!row) {
        declined++;
        continue;
      }
      read++;
      const o = parseMessage(conntrack, line, CTX);
      assert.equal(o.status, 'records', `fast path read a line parse() does not: ${line} (${o.reason})`);
      assert.equal(o.records.length, 1);
      const rec = o.records[0] as NatRecord;
      assert.equal(rec.kind, 'nat');
      const viaRecord = new NatColumnBuilder(1);
      viaRecord.add(rec, 0);
      const viaRow = new NatColumnBuilder(1);
      viaRow.addRow(row, 0);
      sameColumns(viaRow.finish(), viaRecord.finish(), line);
    }
    // It must carry the bulk: every generated line, and the testdata's IPv4 TCP/UDP lines with a stamp.
    assert.ok(read >= 3000 + 100, `fast path read only ${read} lines`);
    assert.ok(declined > 1000, `the mangled lines should mostly be declined (${declined})`);
  });

  test('it declines what it leaves to parse(): IPv6, ICMP, no stamp, a syslog header, a third tuple, odd addresses', () => {
    const lines = testdataLines();
    const v6 = lines.find((l) => l.includes(' ipv6 '))!;
    const icmp = lines.find((l) => l.includes(' icmp '))!;
    const plain = lines.find((l) => l.startsWith('[') && l.includes(' tcp ') && l.includes(' ipv4 '))!;
    assert.ok(v6 && icmp && plain);
    assert.ok(natRowOf(plain), plain);
    for (const l of [v6, icmp, plain.replace(/^\[[^\]]+\]\s*/, ''), `<30>Nov 29 14:20:01 gw conntrack: ${plain}`,
      `${plain} src=1.1.1.1 dst=2.2.2.2`, plain.replace('src=10.', 'src=010.')]) {
      assert.equal(natRowOf(l), undefined, l);
    }
  });

  test('a DESTROY still [UNREPLIED] is a failed attempt; a NEW [UNREPLIED] is not', () => {
    const lines = generated(3000);
    const failed = lines.find((l) => l.includes('[DESTROY]') && l.includes('[UNREPLIED]'))!;
    const opened = lines.find((l) => l.includes('[NEW]') && l.includes('[UNREPLIED]'))!;
    assert.equal(natRowOf(failed)!.failed, true);
    assert.equal(natRowOf(opened)!.failed, false);
  });
});

describe('DayBatcher: lines as bytes (the fast path) and as strings build the same batches', () => {
  test('chunks, NAT columns, other records and counts are identical, day boundaries and non-ASCII lines included', () => {
    const day2 = generated(600).map((l) => l.replace(/^\[\d+/, '[1793664000')); // the next UTC day
    const lines = [...generated(1000), ...testdataLines(), ...day2, 'caf\u00e9 not conntrack', ...testdataLines().slice(0, 50).flatMap(mangled)];
    const received = REF;
    const clock = () => makeClock({ zone: 'UTC', reference: REF });
    const sBytes = emptyStats(), sText = emptyStats();
    const viaBytes = new DayBatcher(conntrack, { source: 's', clock }, sBytes);
    const viaText = new DayBatcher(conntrack, { source: 's', clock }, sText);
    const buf = Buffer.from(lines.join('\n'), 'utf8');
    let p = 0;
    for (const line of lines) {
      const end = p + Buffer.byteLength(line);
      viaBytes.addLine(buf, p, end, received, isAscii(buf.subarray(p, end)));
      viaText.add({ raw: line, received });
      p = end + 1;
    }
    const a = viaBytes.finish(), b = viaText.finish();
    assert.deepEqual(sBytes, sText);
    assert.ok((sBytes.records.nat ?? 0) > 1600 && sBytes.unparsed > 100, JSON.stringify(sBytes.records));
    assert.deepEqual(a.map((x) => x.day), b.map((x) => x.day));
    assert.ok(a.length >= 3, 'the generated days, the testdata days, the day unparsed lines fall in');
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!, y = b[i]!;
      assert.deepEqual(x.chunks!.map((c) => c.lines), y.chunks!.map((c) => c.lines));
      for (let k = 0; k < x.chunks!.length; k++) assert.deepEqual(decodeChunk(x.chunks![k]!.data), decodeChunk(y.chunks![k]!.data));
      assert.equal(x.nat?.length, y.nat?.length);
      if (x.nat) sameColumns(x.nat[0]!, y.nat![0]!, x.day);
      assert.deepEqual(x.records, y.records);
    }
  });
});

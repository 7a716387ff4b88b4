// Parser micro-benchmark: prints lines/s per parser; asserts nothing (timings vary by machine).
//   node --import tsx src/parsers/bench.ts [seconds-per-case] [parser-name …]
// "parse" times parser.parse() alone on pre-split messages; "parseMessage" adds syslog header
// stripping and the record bookkeeping of run.ts, i.e. what ingest pays per line before the store.
import type { Message } from '../syslog/types.ts';
import type { Parser } from './parser.ts';
import { listParsers } from './registry.ts';
import { parseMessage, toMessage } from './run.ts';
import { contextFor, readTestdata, testdataFiles } from './testing.ts';

const seconds = Number(process.argv[2] ?? 1);
const only = process.argv.slice(3);
const ctx = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 14, 20) * 1000 });

/** Distinct conntrack lines shaped like the lab's, with varying addresses, ports, ids and stamps. */
function conntrackLines(n: number): string[] {
  const out: string[] = [];
  const events = ['    [NEW]', ' [UPDATE]', '[DESTROY]'];
  for (let i = 0; i < n; i++) {
    const ts = `${1795962131 + (i >> 10)}.${String((i * 7919) % 1_000_000).padStart(6, '0')}`;
    const inIp = `10.77.${(i >> 8) & 255}.${i & 255}`;
    const dst = `198.51.${(i * 13) & 255}.${(i * 7) & 255}`;
    const sport = 32768 + (i % 28000), pport = 61000 + (i % 4000), dport = i % 3 ? 443 : 53;
    const proto = dport === 53 ? 'udp      17 30' : 'tcp      6 120 SYN_SENT';
    out.push(`[${ts}]\t${events[i % 3]} ipv4     2 ${proto} src=${inIp} dst=${dst} sport=${sport} dport=${dport} [UNREPLIED] src=${dst} dst=203.0.113.5 sport=${dport} dport=${pport} id=${1_000_000_000 + i}`);
  }
  return out;
}

/** The parser's own testdata messages that yield records, repeated up to n. */
function fromTestdata(parser: Parser, n: number): string[] {
  const good: string[] = [];
  for (const f of testdataFiles(parser)) {
    for (const m of readTestdata(parser, f).messages) if (parseMessage(parser, m, ctx).status === 'records') good.push(m);
  }
  return Array.from({ length: n }, (_, i) => good[i % good.length]!);
}

function rate(n: number, fn: () => void): number {
  fn(); // warm up
  let runs = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    fn();
    runs++;
    t = performance.now();
  }
  return (runs * n) / ((t - t0) / 1000);
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(11);
for (const parser of listParsers().filter((p) => only.length === 0 || only.includes(p.name))) {
  const n = parser.name === 'freeradius-detail' ? 20_000 : 200_000;
  const lines = parser.name === 'conntrack' ? conntrackLines(n) : fromTestdata(parser, n);
  const msgs: Message[] = lines.map((l) => toMessage(parser, l, ctx));
  let sink = 0;
  const parseOnly = rate(n, () => {
    for (const m of msgs) if ('records' in parser.parse(m, ctx)) sink++;
  });
  const full = rate(n, () => {
    for (const l of lines) sink += parseMessage(parser, l, ctx).records.length;
  });
  const unit = parser.framing === 'block' ? 'blocks/s' : 'lines/s';
  console.log(`${parser.name.padEnd(18)} parse ${fmt(parseOnly)} ${unit}   parseMessage ${fmt(full)} ${unit}   (${sink > 0 ? 'ok' : 'no records!'})`);
}

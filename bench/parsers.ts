// Parse-only rate of every registered parser (one core): all messages of its own testdata files
// (records, skips and unparsed alike), each read with its file's `# clock:` context, through
// parseMessage (syslog header stripping, then the parser) — what ingest pays per line before the store.
//
// Robust against a noisy machine: per parser a warm-up of ≥ WARM_MS, then ROUNDS rounds of ≥ ROUND_MS
// each (round r of every parser before round r + 1 of any), and the BEST round is reported (noise only ever
// slows a round down). ~1.9 s per parser, ~55 s for all.
// Block-framed formats (FreeRADIUS detail) report blocks/s and the physical lines/s those blocks equal;
// the ≥ TARGET judgement uses lines/s for every parser.
//   node --import tsx bench/parsers.ts [parser-name …]   (standalone; npm run bench calls parserRates())
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';
import type { ParseContext } from '../src/parsers/parser.ts';
import { listParsers } from '../src/parsers/registry.ts';
import { parseMessage } from '../src/parsers/run.ts';
import { contextFor, readTestdata, testdataFiles } from '../src/parsers/testing.ts';

const WARM_MS = 300;
const ROUND_MS = 500;
const ROUNDS = 3;
/** Lines/s every parser should reach (issues 3 and 4). */
export const TARGET = 300_000;

export interface ParserRate {
  name: string;
  framing: 'line' | 'block';
  /** Messages per second in the best round: lines/s, or blocks/s for block-framed formats. */
  rate: number;
  /** Physical lines per second in the best round (equal to `rate` for line-framed formats). */
  linesPerSec: number;
  /** Every round's messages/s, in order (the best is `rate`). */
  rounds: number[];
  /** Messages and physical lines in the testdata set. */
  messages: number;
  lines: number;
}

let sink = 0;

/** Run passes over the whole message set until at least `ms` elapsed; messages per second. */
function timed(msgs: string[], ctxs: ParseContext[], parse: (m: string, c: ParseContext) => number, ms: number): number {
  const n = msgs.length;
  let done = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    for (let i = 0; i < n; i++) sink += parse(msgs[i]!, ctxs[i]!);
    done += n;
    t = performance.now();
  } while (t - t0 < ms);
  return done / ((t - t0) / 1000);
}

export async function parserRates(only: string[] = []): Promise<ParserRate[]> {
  interface Case { name: string; framing: 'line' | 'block'; msgs: string[]; ctxs: ParseContext[]; lines: number; parse: (m: string, c: ParseContext) => number; rounds: number[] }
  const cases: Case[] = [];
  for (const p of listParsers()) {
    if (only.length && !only.includes(p.name)) continue;
    const msgs: string[] = [];
    const ctxs: ParseContext[] = [];
    for (const f of testdataFiles(p)) {
      const file = readTestdata(p, f);
      const ctx = { ...contextFor(file.clock), source: 'bench' };
      for (const m of file.messages) {
        msgs.push(m);
        ctxs.push(ctx);
      }
    }
    if (!msgs.length) continue;
    let lines = 0;
    for (const m of msgs) lines += p.framing === 'block' ? m.split('\n').length : 1;
    cases.push({ name: p.name, framing: p.framing, msgs, ctxs, lines, parse: (m, c) => parseMessage(p, m, c).records.length, rounds: [] });
  }
  // Warm-ups first (JIT tiers, inline caches, clock caches), then round r of every parser before round r + 1 of
  // any: a burst of load from another process costs one round of a few parsers, not every round of one.
  for (const c of cases) timed(c.msgs, c.ctxs, c.parse, WARM_MS);
  for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.rounds.push(timed(c.msgs, c.ctxs, c.parse, ROUND_MS));
  if (sink === -1) console.log(''); // keep the results observable
  return cases.map((c) => {
    const rate = Math.max(...c.rounds);
    return { name: c.name, framing: c.framing, rate, linesPerSec: (rate * c.lines) / c.msgs.length, rounds: c.rounds, messages: c.msgs.length, lines: c.lines };
  });
}

/** The printed table: one row per parser, units named, the ones under TARGET lines/s marked. */
export function parserRateLines(rates: ParserRate[]): string[] {
  const f = (x: number) => Math.round(x).toLocaleString('en').padStart(10);
  const rows = [`  ${'parser'.padEnd(20)} ${'lines/s'.padStart(10)}  (best of ${ROUNDS} × ${ROUND_MS} ms rounds; all testdata messages; ≥ ${TARGET.toLocaleString('en')} lines/s wanted)`];
  for (const r of rates) {
    const blocks = r.framing === 'block' ? `  = ${f(r.rate).trim()} blocks/s (${(r.lines / r.messages).toFixed(1)} lines/block)` : '';
    rows.push(`  ${r.name.padEnd(20)} ${f(r.linesPerSec)}${blocks}${r.linesPerSec < TARGET ? '  < target' : ''}`);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(argv[1] ?? '').href) {
  const rates = await parserRates(argv.slice(2));
  for (const l of parserRateLines(rates)) console.log(l);
  if (process.env.BENCH_ROUNDS) for (const r of rates) console.log(`  ${r.name.padEnd(20)} rounds ${r.rounds.map((x) => Math.round(x)).join(' ')}`);
}

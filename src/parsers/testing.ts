// Test helpers shared by every parser's tests and the contract suite (not a test file itself).
//
// A testdata input file holds real lines (or blank-line separated blocks) plus '#' comment lines:
//   # source: where the lines came from
//   # clock: zone=Europe/Berlin reference=2026-11-29T14:20:00Z [year=2011]
// The clock line fixes how zone-less stamps are read and the reference for year inference, so expected
// output does not depend on the machine or the day the tests run. `received` is the reference time.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Micros, WhowasRecord } from '../records/record.ts';
import { makeClock } from '../time/clock.ts';
import type { ParseContext, Parser } from './parser.ts';
import { parseMessage, splitMessages, type Outcome } from './run.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface ClockSpec {
  zone?: string;
  reference: Micros;
  year?: number;
}

export interface TestFile {
  path: string;
  /** File name without extension: the expected output is `<name>.expected.json` beside it. */
  name: string;
  messages: string[];
  clock: ClockSpec;
}

export function testdataDir(parser: Parser): string {
  return join(HERE, parser.name, 'testdata');
}

/** Every input file in the parser's testdata folder (everything but *.expected.json), sorted. */
export function testdataFiles(parser: Parser): string[] {
  const dir = testdataDir(parser);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.endsWith('.expected.json') && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

export function readTestdata(parser: Parser, path: string): TestFile {
  const text = readFileSync(path, 'utf8');
  let clock: ClockSpec = { reference: Date.UTC(2026, 10, 29, 12) * 1000 };
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# clock:')) clock = parseClockLine(line.slice(8));
    else if (!line.startsWith('#')) kept.push(line);
  }
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return { path, name: dot > 0 ? base.slice(0, dot) : base, messages: splitMessages(kept.join('\n'), parser.framing), clock };
}

function parseClockLine(s: string): ClockSpec {
  const spec: Partial<ClockSpec> = {};
  for (const kv of s.trim().split(/\s+/)) {
    const [k, v] = kv.split('=') as [string, string];
    if (k === 'zone') spec.zone = v;
    else if (k === 'reference') spec.reference = Date.parse(v) * 1000;
    else if (k === 'year') spec.year = Number(v);
    else throw new Error(`unknown clock setting '${k}'`);
  }
  if (spec.reference === undefined || Number.isNaN(spec.reference)) throw new Error(`# clock: needs reference=<ISO time>`);
  return spec as ClockSpec;
}

export function contextFor(spec: ClockSpec, source = 'test'): ParseContext {
  return { clock: makeClock(spec), source, received: spec.reference };
}

/** Parse every message of a file the way ingest does. */
export function runFile(parser: Parser, file: TestFile): Outcome[] {
  const ctx = contextFor(file.clock);
  return file.messages.map((m) => parseMessage(parser, m, ctx));
}

/** The expected-output form: per message its status, reason and records, minus `received` (a run-time fact). */
export function expectedForm(file: TestFile, outcomes: Outcome[]): unknown[] {
  return outcomes.map((o, i) => {
    const e: Record<string, unknown> = { n: i + 1, status: o.status };
    if (o.reason !== undefined) e.reason = o.reason;
    if (o.status === 'records') e.records = o.records.map(stripReceived);
    else e.raw = file.messages[i];
    return e;
  });
}

function stripReceived(r: WhowasRecord): Record<string, unknown> {
  const { received: _drop, ...rest } = r;
  return rest;
}

/**
 * Compare a file's output with `<name>.expected.json`. With UPDATE_EXPECTED=1 the file is (re)written
 * instead: then read the diff and hand-check it before committing.
 */
export function checkExpected(parser: Parser, file: TestFile): void {
  const got = expectedForm(file, runFile(parser, file));
  const path = join(dirname(file.path), `${file.name}.expected.json`);
  if (process.env.UPDATE_EXPECTED === '1' || !existsSync(path)) {
    if (process.env.UPDATE_EXPECTED !== '1') assert.fail(`${path} is missing: run with UPDATE_EXPECTED=1, then hand-check it`);
    writeFileSync(path, `${JSON.stringify(got, null, 2)}\n`);
    return;
  }
  const want = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  assert.deepStrictEqual(JSON.parse(JSON.stringify(got)), want, `${file.path}: output differs from ${path}`);
}

/** Bad inputs that some parsers read on purpose (their own format): not bad for those. */
const OWN_FORMAT: Record<string, string[]> = { 'an sshd line': ['auth'], 'an Apache access line': [] };

/**
 * Lines for bad-input tests: every parser must turn each into `unparsed` with a reason, never throw.
 * Given a parser name, lines of that parser's own format are left out.
 */
export function badInputs(parser?: string): Record<string, string> {
  const all = allBadInputs();
  if (parser) for (const [what, readers] of Object.entries(OWN_FORMAT)) if (readers.includes(parser)) delete all[what];
  return all;
}

function allBadInputs(): Record<string, string> {
  const junk = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) % 256)).toString('latin1');
  return {
    'binary junk': junk,
    'NUL bytes': '\u0000\u0001\u0002\u0003\u0000\u0000\u00ff\u00fe',
    'a 1 MB line': 'x'.repeat(1 << 20),
    'a 1 MB line of brackets and equals': '[NEW] '.repeat(50_000) + 'src='.repeat(100_000),
    'an sshd line': 'Nov 29 14:43:01 gw sshd[812]: Accepted publickey for anna from 10.77.0.102 port 51234 ssh2',
    'an Apache access line': '10.77.0.102 - - [29/Nov/2026:14:43:01 +0100] "GET / HTTP/1.1" 200 512',
  };
}

/**
 * The two helpers every parser test uses: `one(line)` — what became of one line — and `rec(line)` — its
 * single record, asserting there is exactly one. `ctx` defaults to the given context.
 */
export function lineHelpers<R extends WhowasRecord = WhowasRecord>(parser: Parser, defaultCtx: ParseContext) {
  const one = (line: string, ctx: ParseContext = defaultCtx): Outcome => parseMessage(parser, line, ctx);
  const rec = <T = R>(line: string, ctx: ParseContext = defaultCtx): T => {
    const o = one(line, ctx);
    assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
    assert.equal(o.records.length, 1);
    return o.records[0] as T;
  };
  return { one, rec };
}

/**
 * Deterministic edits of lines for the differential tests of a fast reader against the reference it replaced:
 * `mangle` inserts `noise` or deletes code points (1 to maxEdits edits), `flip` replaces one code unit by a
 * nearby one (a flipped low bit) or by one of `flipTo`. The same seed gives the same lines.
 */
export function lineMangler(seed: number, noise: readonly string[], flipTo: string, maxEdits: number) {
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  return {
    rnd,
    mangle(l: string): string {
      const a = [...l];
      for (let k = 1 + rnd(maxEdits); k > 0; k--) {
        const i = rnd(a.length + 1), c = noise[rnd(noise.length)]!;
        if (rnd(2)) a.splice(i, 0, c);
        else a.splice(i, 1);
      }
      return a.join('');
    },
    flip(l: string): string {
      if (!l.length) return l;
      const i = rnd(l.length);
      const c = rnd(2) ? String.fromCharCode(l.charCodeAt(i) ^ (1 << rnd(7))) : flipTo[rnd(flipTo.length)]!;
      return l.slice(0, i) + c + l.slice(i + 1);
    },
  };
}

/** Each line's outcome with a parser's reference reader switched on (`ref`), then with its fast one (`fast`). */
export function referenceOutcomes<T>(useReference: (on: boolean) => void, lines: readonly string[], parse: (l: string) => T): { ref: T[]; fast: T[] } {
  const run = (on: boolean) => {
    useReference(on);
    try {
      return lines.map((l) => parse(l)); // one argument: parse may take optional ones
    } finally {
      useReference(false);
    }
  };
  return { ref: run(true), fast: run(false) };
}

// whowas ingest --format <name>|auto [--tz <zone>] [--year <yyyy>] [--source <id>] [--resolver <name>] [--json] <file>...
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ingestFile } from '../ingest/file.ts';
import { emptyStats, mergeStats } from '../ingest/batch.ts';
import { detectFormat } from '../parsers/detect.ts';
import { normIp } from '../records/addr.ts';
import { getParser, listParsers } from '../parsers/registry.ts';
import { DuckDbStore } from '../store/duckdb/index.ts';
import { isValidZone } from '../time/zone.ts';
import { unknownZoneMessage } from '../time/clock.ts';
import { UsageError, dataDir, parseNumber } from './args.ts';
import { Progress } from './progress.ts';

const HELP = `usage: whowas ingest --format <name> [--tz <zone>] [--year <yyyy>] [--source <id>] [--data <dir>] [--json] <file>...

  --format   one of: ${listParsers().map((p) => p.name).join(', ')};
             or auto: recognised from the first file's lines (says with what confidence, or lists the candidates)
  --tz       IANA zone of the stamps in these files (e.g. Europe/London); without it zone-less stamps are read as UTC and flagged
  --year     year of RFC 3164 stamps (which carry none); default: the year nearest to each file's modification time
  --source   source id recorded with every record (default: the format name)
  --resolver the files are the query log of the DNS resolver at this address (stored on lookups that do not log it)
  --data     store folder (default $WHOWAS_DATA or ./data)
  --json     print the summary as JSON`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      tz: { type: 'string' },
      year: { type: 'string' },
      source: { type: 'string' },
      resolver: { type: 'string' },
      data: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  if (!values.format) throw new UsageError(`--format is required: one of ${listParsers().map((p) => p.name).join(', ')}`);
  let parser;
  if (values.format === 'auto') {
    const f = positionals[0];
    if (!f) throw new UsageError('no file given: whowas ingest --format auto <file>...');
    const d = detectFormat(readHead(f));
    if (!d.format) throw new UsageError(`${f}: ${d.message}`);
    console.error(`whowas ingest: ${f}: ${d.message}`);
    parser = getParser(d.format);
  } else {
    try {
      parser = getParser(values.format);
    } catch (e) {
      throw new UsageError(`${(e as Error).message}, or auto`);
    }
  }
  if (values.tz !== undefined && !isValidZone(values.tz)) throw new UsageError(unknownZoneMessage(values.tz));
  const year = parseNumber(values.year, '--year', 1970, 2100);
  if (year !== undefined && !Number.isInteger(year)) throw new UsageError(`--year '${values.year}' must be a whole year such as 2026`);
  if (!positionals.length) throw new UsageError('no file given: whowas ingest --format <name> <file>...');
  // Check every file before writing anything, so a typo leaves the store untouched.
  for (const f of positionals) {
    try {
      accessSync(f, constants.R_OK);
      if (!statSync(f).isFile()) throw new Error('not a regular file');
    } catch (e) {
      throw new UsageError(`cannot read '${f}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give the path of a readable log file`);
    }
  }
  if (values.resolver !== undefined && !normIp(values.resolver)) throw new UsageError(`--resolver '${values.resolver}' is not an IP address: give the resolver's address, e.g. 192.0.2.53`);
  const source = values.source ?? parser.name;
  const store = await DuckDbStore.open(dataDir(values.data));
  const started = performance.now();
  const total = emptyStats();
  try {
    const progress = new Progress(positionals.reduce((n, f) => n + statSync(f).size, 0));
    let doneBytes = 0;
    for (const f of positionals) {
      const size = statSync(f).size;
      const st = await ingestFile(store, f, {
        parser,
        source,
        zone: values.tz,
        year,
        resolver: values.resolver !== undefined ? normIp(values.resolver)! : undefined,
        onProgress: (b) => progress.update(doneBytes + b),
      });
      doneBytes += size;
      mergeStats(total, st);
    }
    progress.done();
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    lines: total.lines,
    records: total.records,
    skipped: total.skipped,
    unparsed: total.unparsed,
    format: parser.name,
    source,
    files: positionals.length,
    seconds: Math.round(seconds * 1000) / 1000,
    linesPerSecond: Math.round(total.lines / seconds),
    skipReasons: total.skipReasons,
    unparsedReasons: total.unparsedReasons,
    timeFlags: total.timeFlags,
  };
  if (values.json) console.log(JSON.stringify(summary));
  else console.log(renderSummary(summary));
  return 0;
}

/** The first 64 KiB of a file, cut at its last whole line: enough lines to recognise a format. */
function readHead(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give the path of a readable log file`);
  }
  try {
    const buf = Buffer.alloc(64 << 10);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, n);
    const cut = n === buf.length ? text.lastIndexOf('\n') : -1;
    return cut > 0 ? text.slice(0, cut) : text;
  } finally {
    closeSync(fd);
  }
}

function renderSummary(s: {
  lines: number;
  records: Record<string, number>;
  skipped: number;
  unparsed: number;
  seconds: number;
  linesPerSecond: number;
  skipReasons: Record<string, number>;
  unparsedReasons: Record<string, number>;
  timeFlags: Record<string, number>;
}): string {
  const out = [`${s.lines} lines in ${s.seconds} s (${s.linesPerSecond} lines/s)`];
  const recs = Object.entries(s.records).map(([k, v]) => `${k} ${v}`);
  out.push(`records: ${recs.length ? recs.join(', ') : 'none'}`);
  out.push(`skipped (no binding): ${s.skipped}`);
  for (const [r, n] of top(s.skipReasons)) out.push(`  ${n} × ${r}`);
  out.push(`unparsed (kept with reason): ${s.unparsed}`);
  for (const [r, n] of top(s.unparsedReasons)) out.push(`  ${n} × ${r}`);
  const flags = Object.entries(s.timeFlags);
  if (flags.length) out.push(`time flags: ${flags.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return out.join('\n');
}

function top(m: Record<string, number>): [string, number][] {
  return Object.entries(m).sort((a, b) => b[1] - a[1]).slice(0, 8);
}

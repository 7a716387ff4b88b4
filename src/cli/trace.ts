// whowas trace <ip>[:<port>] --at <time> [--tz <zone>] [--proto tcp|udp] [--dst <ip>[:<port>]] [--tolerance <s>] [--json]
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { audit } from '../audit/audit.ts';
import { DuckDbStore, StoreLockedError } from '../store/duckdb/index.ts';
import { isValidZone } from '../time/zone.ts';
import { unknownZoneMessage } from '../time/clock.ts';
import { parseQueryTime } from '../time/query.ts';
import { renderTrace } from '../trace/render.ts';
import { trace, type TraceAnswer, type TraceQuery } from '../trace/trace.ts';
import { askServer } from './remote.ts';
import { loadConfig, resolverNote, type Config } from '../config/config.ts';
import { UsageError, dataDir, parseEndpoint, parseNumber, parseProto } from './args.ts';

const HELP = `usage: whowas trace <ip>[:<port>] --at <time> [--tz <zone>] [--proto tcp|udp] [--dst <ip>[:<port>]] [--tolerance <seconds>] [--reason <text>] [--json] [--data <dir>]

  --at         when the traffic was seen: ISO-8601 with offset (2026-11-29T22:13:05+00:00),
               epoch seconds (1764454385.25), or a local time (2026-11-29 22:13:05) with --tz
  --tz         IANA zone for a local --at (e.g. Europe/London)
  --proto      tcp, udp or icmp
  --dst        the destination in the report, to tell apart hosts that shared a public port
  --tolerance  seconds the reported time may be off (default 5)
  --reason     why you are asking (case number): written to the audit log
  --json       machine-readable answer`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      at: { type: 'string' },
      tz: { type: 'string' },
      proto: { type: 'string' },
      dst: { type: 'string' },
      tolerance: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
      data: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  if (positionals.length !== 1) throw new UsageError('give one address: whowas trace 203.0.113.5:40123 --at 2026-11-29T22:13:05Z');
  const q = buildQuery(positionals[0]!, values);
  const dir = dataDir(values.data);
  let answer: TraceAnswer;
  try {
    const store = await DuckDbStore.open(dir);
    try {
      answer = await trace(store, q);
    } finally {
      await store.close();
    }
    addResolverNote(loadConfig({ data: dir }), answer);
    audit(dir, { who: userInfo().username, via: 'cli', action: 'trace', query: answer.query, reason: values.reason, results: answer.candidates.length });
  } catch (e) {
    if (!(e instanceof StoreLockedError)) throw e;
    // The server holds the store: ask it (it audits the lookup itself).
    answer = (await askServer(dir, '/api/trace', traceParams(positionals[0]!, values), e.message)) as TraceAnswer;
  }
  console.log(values.json ? JSON.stringify(answer, null, 2) : renderTrace(answer));
  return answer.candidates.length ? 0 : 3;
}

export interface TraceParams {
  at?: string;
  tz?: string;
  proto?: string;
  dst?: string;
  tolerance?: string;
  reason?: string;
}

/** Validates the user's words into a query; shared with the HTTP API so both give the same errors. */
export function buildQuery(target: string, v: TraceParams): TraceQuery {
  const ep = parseEndpoint(target, 'address');
  if (!v.at) throw new UsageError('--at is required: e.g. --at 2026-11-29T22:13:05Z, --at 1764454385, or --at "2026-11-29 22:13:05" --tz Europe/London');
  if (v.tz !== undefined && !isValidZone(v.tz)) throw new UsageError(unknownZoneMessage(v.tz));
  let at: number;
  try {
    at = parseQueryTime(v.at, v.tz).ts;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const dst = v.dst !== undefined ? parseEndpoint(v.dst, '--dst') : undefined;
  return {
    ip: ep.ip,
    port: ep.port,
    at,
    proto: parseProto(v.proto),
    dstIp: dst?.ip,
    dstPort: dst?.port,
    toleranceS: parseNumber(v.tolerance, '--tolerance', 0, 86_400),
  };
}

/** A trace of a configured resolver's own address says where the person behind it is to be found. */
export function addResolverNote(cfg: Config, answer: TraceAnswer): void {
  const note = resolverNote(cfg, answer.query.ip);
  if (note) answer.warnings.unshift(note);
}

function traceParams(target: string, v: TraceParams): Record<string, string> {
  const p: Record<string, string> = { target };
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') p[k] = val;
  return p;
}

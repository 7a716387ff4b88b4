// whowas dns <name> --from <t> --to <t> [--resolver <name>]   which clients looked up a name
// whowas who (--host H | --ip A | --mac M | --user U) (--at T | --from T1 --to T2)   who used a host
// Both validate the same way for the CLI and the HTTP API (dnsQuery / whoQuery).
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { audit } from '../audit/audit.ts';
import { loadConfig } from '../config/config.ts';
import type { Micros } from '../records/record.ts';
import { normIp, normMac } from '../records/addr.ts';
import { unknownZoneMessage } from '../time/clock.ts';
import { parseQueryTime } from '../time/query.ts';
import { isValidZone } from '../time/zone.ts';
import { dnsClients, whoUsed, type DnsAnswer, type WhoAnswer } from '../trace/reverse.ts';
import { UsageError, dataDir } from './args.ts';
import { localOrServer } from './remote.ts';

export interface ReverseParams {
  from?: string;
  to?: string;
  at?: string;
  tz?: string;
  resolver?: string;
  host?: string;
  ip?: string;
  mac?: string;
  user?: string;
  reason?: string;
}

function time(text: string, tz: string | undefined, flag: string): Micros {
  if (tz !== undefined && !isValidZone(tz)) throw new UsageError(unknownZoneMessage(tz));
  try {
    return parseQueryTime(text, tz).ts;
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function range(v: ReverseParams, around?: Micros): { from: Micros; to: Micros } {
  if (around !== undefined && v.from === undefined && v.to === undefined) return { from: around - 7 * 86_400e6, to: around + 86_400e6 };
  if (v.from === undefined || v.to === undefined) throw new UsageError('give --from <time> and --to <time> (ISO-8601, epoch seconds, or local with --tz)');
  const r = { from: time(v.from, v.tz, '--from'), to: time(v.to, v.tz, '--to') };
  if (r.to < r.from) throw new UsageError('--to is before --from: swap them');
  if (r.to - r.from > 400 * 86_400e6) throw new UsageError('the range is over 400 days: narrow --from/--to');
  return r;
}

export function dnsQuery(name: string | undefined, v: ReverseParams) {
  if (!name || !/^(\*\.)?[A-Za-z0-9_.-]{1,253}\.?$/.test(name)) throw new UsageError(`give a DNS name: e.g. whowas dns evil.example.org --from … --to …, or *.example.org for every name under it`);
  return { name, ...range(v), resolver: v.resolver };
}

export function whoQuery(v: ReverseParams) {
  const ids = [v.host, v.ip, v.mac, v.user].filter((x) => x !== undefined);
  if (ids.length === 0) throw new UsageError('give --host <name>, --ip <address>, --mac <address> or --user <name>');
  const ip = v.ip !== undefined ? normIp(v.ip) : undefined;
  if (ip === null) throw new UsageError(`--ip '${v.ip}' is not an IP address: e.g. 10.1.2.3 or 2001:db8::5`);
  const mac = v.mac !== undefined ? normMac(v.mac) : undefined;
  if (mac === null) throw new UsageError(`--mac '${v.mac}' is not a MAC address: e.g. 02:77:00:00:00:01`);
  const at = v.at !== undefined ? time(v.at, v.tz, '--at') : undefined;
  if (at === undefined && (v.from === undefined || v.to === undefined)) throw new UsageError('give --at <time>, or --from <time> --to <time>');
  return { host: v.host, ip: ip ?? undefined, mac: mac ?? undefined, user: v.user, at, ...range(v, at) };
}

const OPTIONS = {
  from: { type: 'string' }, to: { type: 'string' }, at: { type: 'string' }, tz: { type: 'string' }, resolver: { type: 'string' },
  host: { type: 'string' }, ip: { type: 'string' }, mac: { type: 'string' }, user: { type: 'string' }, reason: { type: 'string' },
  json: { type: 'boolean' }, data: { type: 'string' }, help: { type: 'boolean' },
} as const;

const params = (v: Record<string, unknown>, extra: Record<string, string> = {}) => {
  const p: Record<string, string> = { ...extra };
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' && k !== 'data') p[k] = x;
  return p;
};

export const DNS_HELP = `usage: whowas dns <name> --from <time> --to <time> [--tz <zone>] [--resolver <name>] [--reason <text>] [--json] [--data <dir>]

  <name>      exact name (evil.example.org) or every name under a domain (*.example.org)
  --resolver  only lookups through this resolver: its configured name, one of its addresses, or its source id`;

export async function runDns(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values.help) return (console.log(DNS_HELP), 0);
  const q = dnsQuery(positionals[0], values);
  const dir = dataDir(values.data);
  const a = await localOrServer<DnsAnswer>(
    dir,
    (store) => dnsClients(store, q, loadConfig({ data: dir })),
    (ans) => audit(dir, { who: userInfo().username, via: 'cli', action: 'dns', query: ans.query, reason: values.reason, results: ans.clients.length }),
    '/api/dns',
    params(values, { name: positionals[0]! }),
  );
  if (values.json) console.log(JSON.stringify(a, null, 2));
  else {
    console.log(`lookups of ${a.query.name} between ${a.query.from} and ${a.query.to}${a.query.resolver ? ` via ${a.query.resolver}` : ''}: ${a.clients.length} client(s)`);
    for (const c of a.clients) {
      console.log(`\n${c.client}  ${c.queries} lookup(s) ${c.first} … ${c.last}  (${c.qtypes.join(', ')}; via ${c.resolvers.join(', ')})`);
      console.log(`  MAC ${c.mac ?? 'unknown'}${c.hostname ? `  hostname ${c.hostname}` : ''}  user ${c.user ?? 'unknown'}  confidence ${c.confidence.toFixed(2)}`);
      for (const e of c.evidence) console.log(`    [${e.kind}] ${e.role}\n      > ${e.line}`);
    }
    for (const w of a.warnings) console.log(`  ! ${w}`);
  }
  return a.clients.length ? 0 : 3;
}

export const WHO_HELP = `usage: whowas who (--host <name> | --ip <addr> | --mac <addr> | --user <name>) (--at <time> | --from <time> --to <time>) [--tz <zone>] [--reason <text>] [--json] [--data <dir>]

  who was logged on / authenticated at a host, an address or a MAC (or where a user was), from logins
  (sshd, PAM, Windows 4624), 802.1X/RADIUS, proxy and mail authentication`;

export async function runWho(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  if (values.help) return (console.log(WHO_HELP), 0);
  const q = whoQuery(values);
  const dir = dataDir(values.data);
  const a = await localOrServer<WhoAnswer>(
    dir,
    (store) => whoUsed(store, q),
    (ans) => audit(dir, { who: userInfo().username, via: 'cli', action: 'who', query: ans.query, reason: values.reason, results: ans.sessions.length }),
    '/api/who',
    params(values),
  );
  if (values.json) console.log(JSON.stringify(a, null, 2));
  else {
    const subject = a.query.host ?? a.query.ip ?? a.query.mac ?? a.query.user;
    if (a.query.at) console.log(`at ${a.query.at} on ${subject}: ${a.active.length ? a.active.map((u) => `${u.user} (${u.how})`).join(', ') : 'nobody logged on'}`);
    console.log(`session events ${a.query.from} … ${a.query.to}: ${a.sessions.length}`);
    for (const s of a.sessions) console.log(`  ${s.ts}  ${s.event.padEnd(7)} ${s.user}  ${s.how}${s.host ? ` host ${s.host}` : ''}${s.ip ? ` ip ${s.ip}` : ''}${s.mac ? ` mac ${s.mac}` : ''}\n      > ${s.line}`);
    for (const w of a.warnings) console.log(`  ! ${w}`);
  }
  return a.sessions.length ? 0 : 3;
}


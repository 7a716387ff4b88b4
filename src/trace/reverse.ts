// The reverse questions: which clients looked up a name (DNS), and who used a host (sessions). Each
// client or session comes back with its original lines, and DNS clients are traced to MAC and user.
import type { Micros } from '../records/record.ts';
import type { Store, Stored } from '../store/store.ts';
import { resolverSelector, type Config } from '../config/config.ts';
import { formatUtc } from '../time/query.ts';
import { activeUsers, trace, type Evidence } from './trace.ts';

const MAX_CLIENTS = 200;

export interface DnsClient {
  client: string;
  queries: number;
  first: string;
  last: string;
  qtypes: string[];
  resolvers: string[];
  mac: string | null;
  hostname: string | null;
  user: string | null;
  confidence: number;
  evidence: Evidence[];
}

export interface DnsAnswer {
  query: { name: string; from: string; to: string; resolver: string | null };
  clients: DnsClient[];
  warnings: string[];
}

/** Clients that asked for `name` (exact, or "*.suffix") between from and to, each traced at its first query. */
export async function dnsClients(store: Store, q: { name: string; from: Micros; to: Micros; resolver?: string }, cfg?: Config): Promise<DnsAnswer> {
  const warnings: string[] = [];
  let rows = await store.dnsqueries({ qname: q.name.toLowerCase().replace(/\.$/, ''), from: q.from, to: q.to, limit: 100_000 });
  if (q.resolver) {
    // A resolver is named by its configured name, one of its addresses, or its log's source id.
    const sel = resolverSelector(cfg, q.resolver);
    rows = rows.filter((r) => sel.sources.has(r.source) || (r.resolver !== undefined && sel.addresses.has(r.resolver)));
  }
  if (rows.length === 100_000) warnings.push('over 100,000 lookups matched: narrow the time range; only the first 100,000 were read');
  const byClient = new Map<string, Stored<'dnsquery'>[]>();
  for (const r of rows) {
    let l = byClient.get(r.client);
    if (!l) byClient.set(r.client, (l = []));
    l.push(r);
  }
  const groups = [...byClient.entries()].sort((a, b) => a[1][0]!.ts - b[1][0]!.ts);
  if (groups.length > MAX_CLIENTS) warnings.push(`${groups.length} clients asked: the first ${MAX_CLIENTS} (by first lookup) are traced`);
  const clients: DnsClient[] = [];
  for (const [client, list] of groups.slice(0, MAX_CLIENTS)) {
    list.sort((a, b) => a.ts - b.ts);
    const first = list[0]!;
    const t = await trace(store, { ip: client, at: first.ts });
    const c = t.candidates[0];
    const lines = await store.evidence([first.ref]);
    const ev: Evidence = { kind: 'dnsquery', ts: formatUtc(first.ts), source: first.source, line: lines.get(first.ref)?.line ?? '(original line not found)', ref: first.ref, role: `first lookup of ${first.qname} by ${client}` };
    clients.push({
      client,
      queries: list.length,
      first: formatUtc(first.ts),
      last: formatUtc(list[list.length - 1]!.ts),
      qtypes: [...new Set(list.map((r) => r.qtype))],
      resolvers: [...new Set(list.map((r) => r.resolver ?? r.source))],
      mac: c?.mac ?? null,
      hostname: c?.hostname ?? null,
      user: c?.user ?? null,
      confidence: c?.confidence ?? 0,
      evidence: [ev, ...(c?.evidence ?? [])],
    });
    for (const w of t.warnings) if (!warnings.includes(w)) warnings.push(w);
  }
  if (!rows.length) warnings.push(`no lookup of ${q.name} between ${formatUtc(q.from)} and ${formatUtc(q.to)}: check the name (a suffix needs "*.", e.g. *.example.org) and that the resolver's query log is ingested`);
  return { query: { name: q.name, from: formatUtc(q.from), to: formatUtc(q.to), resolver: q.resolver ?? null }, clients, warnings };
}

export interface WhoAnswer {
  query: { host: string | null; ip: string | null; mac: string | null; user: string | null; at: string | null; from: string; to: string };
  /** With `at`: the users whose session covers that instant. */
  active: { user: string; how: string }[];
  sessions: { ts: string; user: string; event: string; how: string; host: string | null; ip: string | null; mac: string | null; line: string; source: string }[];
  warnings: string[];
}

/** Who used a host (or an address, a MAC) — at an instant, or every session event in a range. */
export async function whoUsed(
  store: Store,
  q: { host?: string; ip?: string; mac?: string; user?: string; at?: Micros; from: Micros; to: Micros },
): Promise<WhoAnswer> {
  const rows = (await store.sessions({ host: q.host, ip: q.ip, mac: q.mac, user: q.user, from: q.from, to: q.to, limit: 10_000 })).filter((r) => r.event !== 'owner');
  rows.sort((a, b) => a.ts - b.ts);
  const lines = await store.evidence(rows.slice(0, 2000).map((r) => r.ref));
  const active = q.at !== undefined ? activeUsers(rows, q.at, 0).map((u) => ({ user: u.user, how: u.how })) : [];
  const warnings: string[] = [];
  if (!rows.length) warnings.push('no session (login, 802.1X, RADIUS, proxy or mail authentication) matched: check the name and the time range');
  if (rows.length > 2000) warnings.push(`${rows.length} session events: only the first 2,000 are listed`);
  if (q.at !== undefined && rows.length && !active.length) warnings.push(`no session covers ${formatUtc(q.at)}`);
  return {
    query: { host: q.host ?? null, ip: q.ip ?? null, mac: q.mac ?? null, user: q.user ?? null, at: q.at !== undefined ? formatUtc(q.at) : null, from: formatUtc(q.from), to: formatUtc(q.to) },
    active,
    sessions: rows.slice(0, 2000).map((r) => ({
      ts: formatUtc(r.ts),
      user: r.user,
      event: r.event,
      how: r.how,
      host: r.host ?? null,
      ip: r.ip ?? null,
      mac: r.mac ?? null,
      line: lines.get(r.ref)?.line ?? '(original line not found)',
      source: r.source,
    })),
    warnings,
  };
}

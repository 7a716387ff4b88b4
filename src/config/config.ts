// Server configuration: a JSON file (default <data>/whowas.json, optional). Every option is documented here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getParser } from '../parsers/registry.ts';
import { isValidZone } from '../time/zone.ts';
import { unknownZoneMessage } from '../time/clock.ts';
import { normIp } from '../records/addr.ts';
import { PROFILES, type Profile } from '../inputs/ipfix/nat.ts';

export interface SourceConfig {
  /** Id recorded with every record of this source. */
  id: string;
  /** Parser name (whowas formats), or "auto": recognised from the source's first messages. */
  format: string;
  /** IANA zone of the source's zone-less stamps; without it they are read as UTC and flagged zoneAssumed. */
  zone?: string;
  /**
   * For a DNS resolver's query log: its name and its addresses (those clients query and those it sends
   * from, its NAT's public address included), so that a CERT report naming one of them leads to this log.
   * Lookups that do not log the resolver's address get the first one.
   */
  resolver?: { name: string; addresses?: string[] };
  /** Which syslog messages belong to this source; all given conditions must hold. */
  match?: {
    /** Sender address (the packet's source IP). */
    sender?: string;
    /** Syslog HOSTNAME field. */
    host?: string;
    /** Syslog tag / APP-NAME prefix, e.g. "dnsmasq" also matches "dnsmasq-dhcp". */
    app?: string;
  };
}

export interface Config {
  /** Store folder. */
  data: string;
  http: { host: string; port: number };
  /** Syslog listeners; port 0 disables one. */
  syslog: { host: string; udpPort: number; tcpPort: number; maxMessage: number };
  /**
   * IPFIX / NetFlow v9 NAT event collector (UDP; port 0 disables it). Exporters are routed to sources with
   * format "ipfix" by match.sender; `profiles` says per exporter address how its natEvent numbers read
   * (rfc8158 by default, juniper-draft, nsel, nokia).
   */
  ipfix: { host: string; port: number; profiles?: Record<string, Profile> };
  sources: SourceConfig[];
}

/** Used when no source is configured: route by program name, stamps read as UTC (flagged). */
export const DEFAULT_SOURCES: SourceConfig[] = [
  { id: 'dnsmasq', format: 'dnsmasq', match: { app: 'dnsmasq' } },
  { id: 'conntrack', format: 'conntrack', match: { app: 'conntrack' } },
];

export function loadConfig(opts: { data?: string; file?: string; httpPort?: number; syslogPort?: number; ipfixPort?: number }): Config {
  const data = opts.data ?? process.env.WHOWAS_DATA ?? './data';
  const file = opts.file ?? join(data, 'whowas.json');
  let raw: Partial<Config> & { syslog?: Partial<Config['syslog']>; http?: Partial<Config['http']>; ipfix?: Partial<Config['ipfix']> } = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`config ${file}: ${(e as Error).message}`);
    }
  } else if (opts.file) throw new Error(`config file '${opts.file}' not found`);
  const cfg: Config = {
    data: raw.data ?? data,
    http: { host: raw.http?.host ?? '127.0.0.1', port: opts.httpPort ?? raw.http?.port ?? 8080 },
    syslog: {
      host: raw.syslog?.host ?? '0.0.0.0',
      udpPort: opts.syslogPort ?? raw.syslog?.udpPort ?? 5514,
      tcpPort: opts.syslogPort ?? raw.syslog?.tcpPort ?? 5514,
      maxMessage: raw.syslog?.maxMessage ?? 64 * 1024,
    },
    ipfix: { host: raw.ipfix?.host ?? '0.0.0.0', port: opts.ipfixPort ?? raw.ipfix?.port ?? 4739, profiles: raw.ipfix?.profiles },
    sources: raw.sources ?? DEFAULT_SOURCES,
  };
  for (const [exporter, profile] of Object.entries(cfg.ipfix.profiles ?? {})) {
    if (!normIp(exporter)) throw new Error(`config ${file}: ipfix.profiles: '${exporter}' is not an exporter IP address`);
    if (!PROFILES.includes(profile)) throw new Error(`config ${file}: ipfix.profiles: '${profile}' for ${exporter}: one of ${PROFILES.join(', ')}`);
  }
  for (const s of cfg.sources) {
    if (!s.id || !s.format) throw new Error(`config ${file}: every source needs an id and a format`);
    if (s.format !== 'auto') getParser(s.format); // throws with the list of known formats
    if (s.zone && !isValidZone(s.zone)) throw new Error(`config ${file}: source ${s.id}: ${unknownZoneMessage(s.zone)}`);
    if (s.resolver && (!s.resolver.name || (s.resolver.addresses ?? []).some((a) => !normIp(a))))
      throw new Error(`config ${file}: source ${s.id}: resolver needs a name and IP addresses, e.g. {"name": "campus-dns", "addresses": ["192.0.2.53"]}`);
    if (s.match?.sender && !normIp(s.match.sender)) throw new Error(`config ${file}: source ${s.id}: match.sender '${s.match.sender}' is not an IP address`);
  }
  return cfg;
}

/** The configured resolver that sends from this address, if any. */
export function resolverAt(cfg: Config, ip: string): { name: string; source: string } | undefined {
  const want = normIp(ip);
  for (const s of cfg.sources) if (s.resolver?.addresses?.some((a) => normIp(a) === want)) return { name: s.resolver.name, source: s.id };
  return undefined;
}

/** A note for a trace of a resolver's own address: the person is behind a lookup, in its query log. */
export function resolverNote(cfg: Config, ip: string): string | undefined {
  const r = resolverAt(cfg, ip);
  return r
    ? `${ip} is the DNS resolver '${r.name}' (source ${r.source}): traffic from it was caused by a client's lookup; find the clients with: whowas dns <name> --resolver ${r.name} --from <t1> --to <t2>`
    : undefined;
}

/** What `--resolver <name|address|source id>` selects: the sources that are that resolver's logs, and its addresses. */
export function resolverSelector(cfg: Config | undefined, key: string): { sources: Set<string>; addresses: Set<string> } {
  const sources = new Set<string>([key]);
  const addresses = new Set<string>();
  const ip = normIp(key);
  if (ip) addresses.add(ip);
  for (const s of cfg?.sources ?? []) {
    const r = s.resolver;
    if (!r) continue;
    const addrs = (r.addresses ?? []).map((a) => normIp(a)!);
    if (r.name === key || s.id === key || (ip && addrs.includes(ip))) {
      sources.add(s.id);
      for (const a of addrs) addresses.add(a);
    }
  }
  return { sources, addresses };
}

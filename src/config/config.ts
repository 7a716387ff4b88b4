// Server configuration: a JSON file (default <data>/whowas.json, optional). Every option is documented here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getParser } from '../parsers/registry.ts';
import { isValidZone } from '../time/zone.ts';
import { unknownZoneMessage } from '../time/clock.ts';
import { normIp } from '../records/addr.ts';

export interface SourceConfig {
  /** Id recorded with every record of this source. */
  id: string;
  /** Parser name (whowas formats). */
  format: string;
  /** IANA zone of the source's zone-less stamps; without it they are read as UTC and flagged zoneAssumed. */
  zone?: string;
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
  sources: SourceConfig[];
}

/** Used when no source is configured: route by program name, stamps read as UTC (flagged). */
export const DEFAULT_SOURCES: SourceConfig[] = [
  { id: 'dnsmasq', format: 'dnsmasq', match: { app: 'dnsmasq' } },
  { id: 'conntrack', format: 'conntrack', match: { app: 'conntrack' } },
];

export function loadConfig(opts: { data?: string; file?: string; httpPort?: number; syslogPort?: number }): Config {
  const data = opts.data ?? process.env.WHOWAS_DATA ?? './data';
  const file = opts.file ?? join(data, 'whowas.json');
  let raw: Partial<Config> & { syslog?: Partial<Config['syslog']>; http?: Partial<Config['http']> } = {};
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
    sources: raw.sources ?? DEFAULT_SOURCES,
  };
  for (const s of cfg.sources) {
    if (!s.id || !s.format) throw new Error(`config ${file}: every source needs an id and a format`);
    getParser(s.format); // throws with the list of known formats
    if (s.zone && !isValidZone(s.zone)) throw new Error(`config ${file}: source ${s.id}: ${unknownZoneMessage(s.zone)}`);
    if (s.match?.sender && !normIp(s.match.sender)) throw new Error(`config ${file}: source ${s.id}: match.sender '${s.match.sender}' is not an IP address`);
  }
  return cfg;
}

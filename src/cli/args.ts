// Argument helpers shared by the commands: every error says what to type instead.
import { normIp } from '../records/addr.ts';
import type { Proto } from '../records/record.ts';

export class UsageError extends Error {}

/** "<ip>[:<port>]", with IPv6 as "[2001:db8::1]:443" or bare "2001:db8::1". */
export function parseEndpoint(text: string, what: string): { ip: string; port?: number } {
  let host = text;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    port = v6[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, port] = text.split(':') as [string, string];
  }
  const ip = normIp(host);
  if (!ip) throw new UsageError(`${what} '${text}' is not an address: type e.g. 203.0.113.5:40123 or [2001:db8::5]:443`);
  if (port === undefined) return { ip };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) throw new UsageError(`${what} '${text}' has a bad port: ports are 0-65535`);
  return { ip, port: n };
}

export function parseProto(text: string | undefined): Proto | undefined {
  if (text === undefined) return undefined;
  const p = text.toLowerCase();
  if (p === 'tcp' || p === 'udp' || p === 'icmp') return p;
  throw new UsageError(`unknown protocol '${text}': type --proto tcp, --proto udp or --proto icmp`);
}

export function parseNumber(text: string | undefined, what: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${what} '${text}' must be a number from ${min} to ${max}`);
  return n;
}

export function dataDir(flag: string | undefined): string {
  return flag ?? process.env.WHOWAS_DATA ?? './data';
}

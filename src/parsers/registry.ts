// The formats users can name after --format, and the parser for each.
import { conntrack } from './conntrack/index.ts';
import { dnsmasq } from './dnsmasq/index.ts';
import { freeradiusDetail } from './freeradius-detail/index.ts';
import type { Parser } from './parser.ts';

const PARSERS: ReadonlyMap<string, Parser> = new Map(
  [conntrack, dnsmasq, freeradiusDetail].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.name, p]),
);

/** All registered parsers, by name. */
export function listParsers(): Parser[] {
  return [...PARSERS.values()];
}

/** The parser for a format name; throws with the list of known names. */
export function getParser(name: string): Parser {
  const p = PARSERS.get(name);
  if (!p) throw new Error(`unknown format '${name}': known formats are ${[...PARSERS.keys()].join(', ')}`);
  return p;
}

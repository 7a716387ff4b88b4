// The formats users can name after --format, and the parser for each.
import { conntrack } from './conntrack/index.ts';
import { dnsmasq } from './dnsmasq/index.ts';
import { freeradiusDetail } from './freeradius-detail/index.ts';
import { PARSERS as dhcp } from './families/dhcp.ts';
import { PARSERS as dns } from './families/dns.ts';
import { PARSERS as flows } from './families/flows.ts';
import { PARSERS as identity } from './families/identity.ts';
import { PARSERS as l2 } from './families/l2.ts';
import { PARSERS as nat } from './families/nat.ts';
import type { Parser } from './parser.ts';

// Families keep additions apart (one file per family of formats), so parsers can be added side by side.
const ALL: Parser[] = [conntrack, dnsmasq, freeradiusDetail, ...dhcp, ...dns, ...flows, ...identity, ...l2, ...nat];

const PARSERS: ReadonlyMap<string, Parser> = new Map(
  ALL.sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.name, p]),
);

if (PARSERS.size !== ALL.length) throw new Error('two parsers share a name');

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

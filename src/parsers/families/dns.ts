// Parsers of the 'dns' family, registered in ../registry.ts. Each parser lives in its own folder.
import { bind } from '../bind/index.ts';
import { powerdnsRecursor } from '../powerdns-recursor/index.ts';
import { unbound } from '../unbound/index.ts';
import type { Parser } from '../parser.ts';

export const PARSERS: Parser[] = [bind, powerdnsRecursor, unbound];

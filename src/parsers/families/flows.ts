// Parsers of the 'flows' family, registered in ../registry.ts. Each parser lives in its own folder.
import { argus } from '../argus/index.ts';
import type { Parser } from '../parser.ts';
import { zeek } from '../zeek/index.ts';

export const PARSERS: Parser[] = [argus, zeek];

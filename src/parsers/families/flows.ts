// Parsers of the 'flows' family, registered in ../registry.ts. Each parser lives in its own folder.
import { argus } from '../argus/index.ts';
import type { Parser } from '../parser.ts';

export const PARSERS: Parser[] = [argus];

// Parsers of the 'l2' family, registered in ../registry.ts. Each parser lives in its own folder.
import type { Parser } from '../parser.ts';

export const PARSERS: Parser[] = [];

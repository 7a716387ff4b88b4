// Parsers of the 'l2' family, registered in ../registry.ts. Each parser lives in its own folder.
import { addrwatch } from '../addrwatch/index.ts';
import { arpwatch } from '../arpwatch/index.ts';
import { ciscoSwitch } from '../cisco-switch/index.ts';
import { kernelArp } from '../kernel-arp/index.ts';
import { macTableCsv } from '../mac-table-csv/index.ts';
import type { Parser } from '../parser.ts';

export const PARSERS: Parser[] = [arpwatch, addrwatch, kernelArp, ciscoSwitch, macTableCsv];

// Parsers of the 'nat' family, registered in ../registry.ts. Each parser lives in its own folder.
import { ciscoAsa } from '../cisco-asa/index.ts';
import { ciscoIosNat } from '../cisco-ios-nat/index.ts';
import { fortigate } from '../fortigate/index.ts';
import { juniperSrx } from '../juniper-srx/index.ts';
import { mikrotik } from '../mikrotik/index.ts';
import type { Parser } from '../parser.ts';
import { ulogd2 } from '../ulogd2/index.ts';
import { ipfixText } from '../../inputs/ipfix/text.ts';

// `ipfix` reads the collector's text renderings back (re-ingest); live IPFIX arrives on its UDP port.
export const PARSERS: Parser[] = [ciscoAsa, ciscoIosNat, fortigate, juniperSrx, mikrotik, ulogd2, ipfixText];

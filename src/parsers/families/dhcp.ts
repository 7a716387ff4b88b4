// Parsers of the 'dhcp' family, registered in ../registry.ts. Each parser lives in its own folder.
import { iscDhcpd } from '../isc-dhcpd/index.ts';
import { kea } from '../kea/index.ts';
import { keaLeases } from '../kea-leases/index.ts';
import type { Parser } from '../parser.ts';
import { windowsDhcp } from '../windows-dhcp/index.ts';

export const PARSERS: Parser[] = [iscDhcpd, kea, keaLeases, windowsDhcp];

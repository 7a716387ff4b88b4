// Parsers of the 'identity' family, registered in ../registry.ts. Each parser lives in its own folder.
import type { Parser } from '../parser.ts';
import { accelPpp } from '../accel-ppp/index.ts';
import { auth } from '../auth/index.ts';
import { ownerCsv } from '../owner-csv/index.ts';
import { postfix } from '../postfix/index.ts';
import { squid } from '../squid/index.ts';
import { windowsSecurity } from '../windows-security/index.ts';

export const PARSERS: Parser[] = [accelPpp, auth, ownerCsv, postfix, squid, windowsSecurity];

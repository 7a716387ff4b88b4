// squid: who browsed, from Squid's native access.log ("logformat squid", the default): a line names the client
// address and, when the proxy authenticated the request, the user. Field order from Squid 5 src/log/FormatSquidNative.cc:
// time elapsed client code/status bytes method URL user hierarchy/peer type.
import { normIp } from '../../records/addr.ts';
import type { SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const squid: Parser = {
  name: 'squid',
  description: 'Squid native access.log: authenticated proxy users (user ↔ client address)',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default squid;

const MAX_LINE = 65536; // Squid caps a logged URL at 8 KiB by default

/** The first n space-separated tokens (runs of spaces count as one), or null when there are fewer. */
function tokens(s: string, n: number): string[] | null {
  const out: string[] = [];
  let i = 0;
  const len = s.length;
  while (out.length < n) {
    while (i < len && s.charCodeAt(i) === 32) i++;
    if (i >= len) return null;
    const start = i;
    while (i < len && s.charCodeAt(i) !== 32) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const body = msg.body;
  if (body.length > MAX_LINE) return { unparsed: 'line too long for a Squid access.log line' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const t = tokens(body, 10);
  if (!t) return { unparsed: 'not a Squid native access.log line (fewer than 10 fields)' };
  const [stamp, elapsed, client, codeStatus, , , , userText] = t as [string, string, string, string, string, string, string, string];
  const slash = codeStatus.indexOf('/');
  if (!isEpoch(stamp) || !isDigits(elapsed) || slash <= 0) return { unparsed: 'not a Squid native access.log line' };
  const ip = normIp(client);
  if (!ip) return { unparsed: 'client is not an IP address (log_fqdn on?)' };
  if (userText === '-') return { skip: 'no authenticated user' };
  // 407: the proxy asked for credentials, or the ones given were wrong; Squid still logs the name tried.
  if (codeStatus.endsWith('/407')) return { skip: 'proxy authentication required or failed (user not verified)' };
  let user = userText;
  if (user.includes('%')) {
    try {
      user = decodeURIComponent(user); // Squid logs user names URL-escaped ("anna%40corp.example")
    } catch {
      return { unparsed: 'user name is not valid URL escaping' };
    }
  }
  let time: ResolvedTime;
  try {
    time = ctx.clock.epoch(stamp);
  } catch {
    return { unparsed: 'time stamp out of range' };
  }
  const rec: SessionRecord = { kind: 'session', ...base(msg, ctx, time), user, event: 'auth', how: 'squid', ip };
  return { records: [rec] };
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 12) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** "1795964462.750" (Squid writes seconds.milliseconds). */
function isEpoch(s: string): boolean {
  const dot = s.indexOf('.');
  if (dot < 0) return isDigits(s);
  return isDigits(s.slice(0, dot)) && isDigits(s.slice(dot + 1));
}

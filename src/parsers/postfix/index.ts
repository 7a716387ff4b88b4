// postfix: who sent mail as whom, from Postfix's smtpd log: "QUEUEID: client=NAME[IP], sasl_method=M,
// sasl_username=USER" (Postfix 3.x smtpd.c) binds an authenticated SMTP user to the client address at that
// time. Every other Postfix line is understood as carrying no such binding.
import { normIp } from '../../records/addr.ts';
import type { SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const postfix: Parser = {
  name: 'postfix',
  description: 'Postfix smtpd SASL logins (client=host[ip], sasl_username=user) from the mail log',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default postfix;

const MAX_LINE = 16384;

/** Postfix daemons (the part after the last "/" of the syslog tag); syslog_name may change the part before. */
const DAEMONS = new Set([
  'smtpd', 'postscreen', 'cleanup', 'qmgr', 'smtp', 'lmtp', 'local', 'virtual', 'pipe', 'discard', 'error', 'bounce',
  'pickup', 'master', 'postfix-script', 'anvil', 'scache', 'tlsmgr', 'trivial-rewrite', 'proxymap', 'verify', 'flush',
  'postdrop', 'sendmail', 'postqueue', 'postsuper', 'dnsblog', 'tlsproxy', 'showq', 'postlogd', 'postmap', 'spawn',
  'oqmgr', 'qmqpd', 'postalias', 'postmulti', 'postfix',
]);

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const body = msg.body;
  if (body.length > MAX_LINE) return { unparsed: 'line too long for a Postfix log line' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const app = msg.header?.app;
  let daemon = '';
  if (app) {
    daemon = app.slice(app.lastIndexOf('/') + 1);
    if (!DAEMONS.has(daemon) && !app.startsWith('postfix')) {
      // A header-less "QUEUEID: client=…" body is read as tag "QUEUEID" by the header scanner.
      if (!msg.header?.stamp && body.startsWith('client=')) return { unparsed: 'no time stamp' };
      return { unparsed: 'not a Postfix message' };
    }
  }
  // Optional queue id ("4EDEC20E22F: ", long ids "4Q2hJ82vRkz1xC: ", or "NOQUEUE: ").
  let p = 0;
  const colon = body.indexOf(': ');
  if (colon > 0 && colon <= 20 && isQueueId(body, colon)) p = colon + 2;
  if (body.startsWith('client=', p)) {
    const r = client(body, p + 7);
    if ('skip' in r || 'unparsed' in r) return r;
    if (!msg.header?.stamp) return { unparsed: 'no time stamp' };
    const rec: SessionRecord = { kind: 'session', ...base(msg, ctx, msg.header.stamp), user: r.user, event: 'auth', how: 'smtp sasl', ip: r.ip };
    if (msg.header.hostname) rec.host = msg.header.hostname;
    return { records: [rec] };
  }
  if (!app) return { unparsed: 'not a Postfix message (no program tag)' };
  if (body.startsWith('connect from ') || body.startsWith('disconnect from ')) return { skip: 'SMTP connection without a user' };
  if (body.includes('authentication failed') || body.startsWith('warning: SASL authentication')) {
    return { skip: 'failed SASL authentication (not a binding)' };
  }
  if (body.startsWith('NOQUEUE: reject') || body.startsWith('lost connection') || body.startsWith('timeout after')) {
    return { skip: 'rejected or aborted SMTP session' };
  }
  return { skip: 'Postfix message without an authenticated client' };
}

function isQueueId(s: string, end: number): boolean {
  if (end === 7 && s.startsWith('NOQUEUE')) return true;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/** "NAME[IP][:PORT], sasl_method=M, sasl_username=USER[, sasl_sender=…]" at p. */
function client(s: string, p: number): { user: string; ip: string } | { skip: string } | { unparsed: string } {
  const open = s.indexOf('[', p);
  const close = open < 0 ? -1 : s.indexOf(']', open);
  if (close < 0 || close - open > 50) return { unparsed: 'malformed client= line' };
  const ip = normIp(s.slice(open + 1, close));
  if (!ip) return { unparsed: 'client address is not an IP address' };
  const key = s.indexOf('sasl_username=', close);
  if (key < 0) return { skip: 'message from a client that did not authenticate' };
  let end = s.indexOf(', ', key + 14);
  if (end < 0) end = s.length;
  const user = s.slice(key + 14, end).trim();
  if (user === '') return { unparsed: 'empty sasl_username' };
  return { user, ip };
}

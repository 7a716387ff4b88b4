// auth: who logged in where, from auth.log / the journal's syslog view. OpenSSH sshd (also the
// sshd-session / sshd-auth processes of OpenSSH ≥ 9.8), PAM session lines (pam_unix of sshd, login, display
// managers), login(1), systemd-logind, sudo and su. Message texts are those of OpenSSH 9.x auth2.c / auth.c /
// packet.c / sshd.c, Linux-PAM pam_unix (support.c, pam_unix_sess.c), util-linux login.c and su-common.c,
// systemd logind-session.c and sudo's log format; see README.md for what each one becomes.
import { normIp } from '../../records/addr.ts';
import type { SessionEvent, SessionRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const auth: Parser = {
  name: 'auth',
  description: 'logins and logouts from auth.log / journal syslog: sshd, PAM sessions, login, systemd-logind, sudo, su',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default auth;

/** A session still needing its time (lines are classified before the stamp is required). */
interface Found {
  event: SessionEvent;
  how: string;
  user: string;
  ip?: string;
  sessionId?: string;
}
type Result = ParseResult | Found;

const MAX_LINE = 8192; // sshd truncates its messages at 1 KiB; anything much longer is not auth.log

/** PAM services whose session is a person starting to use the machine (a login), by service name. */
const LOGIN_SERVICES = new Set([
  'sshd', 'login', 'remote', 'gdm-password', 'gdm-autologin', 'gdm-fingerprint', 'gdm-smartcard', 'gdm-launch-environment',
  'lightdm', 'lightdm-autologin', 'sddm', 'sddm-autologin', 'kdm', 'xdm', 'lxdm', 'slim', 'xrdp-sesman', 'cockpit',
  'vsftpd', 'proftpd', 'pure-ftpd', 'dovecot', 'samba', 'ppp', 'openvpn', 'telnet', 'rlogin', 'rsh',
]);
/** PAM services that change user on the same host: the person is named by the su / sudo line itself. */
const SWITCH_SERVICES = new Set(['su', 'su-l', 'sudo', 'sudo-i', 'runuser', 'runuser-l', 'pkexec', 'polkit-1', 'doas']);
/** Display-manager and system accounts that logind / PAM open sessions for: not people. */
const NOT_PEOPLE = new Set(['gdm', 'Debian-gdm', 'lightdm', 'sddm', 'gnome-initial-setup']);

/** sshd lines that are understood and bind nothing, by prefix; the value is the (fixed) skip reason. */
const SSHD_SKIP: [string, string][] = [
  ['Failed ', 'failed login attempt (not a binding)'],
  ['Invalid user ', 'failed login attempt (not a binding)'],
  ['invalid user ', 'failed login attempt (not a binding)'],
  ['input_userauth_request: invalid user', 'failed login attempt (not a binding)'],
  ['error: maximum authentication attempts exceeded', 'failed login attempt (not a binding)'],
  ['maximum authentication attempts exceeded', 'failed login attempt (not a binding)'],
  ['error: PAM: Authentication failure', 'failed login attempt (not a binding)'],
  ['PAM: Authentication failure', 'failed login attempt (not a binding)'],
  ['PAM ', 'PAM failure summary (not a binding)'],
  ['message repeated ', 'failed login attempt (not a binding)'],
  ['Disconnecting: Too many authentication failures', 'failed login attempt (not a binding)'],
  ['Disconnecting ', 'connection ended before a login'],
  ['reverse mapping checking', 'reverse DNS check (not a binding)'],
  ['Address ', 'reverse DNS check (not a binding)'],
  ['User child is on pid', 'sshd process bookkeeping'],
  ['User ', 'login refused by sshd configuration (not a binding)'],
  ['Disconnected from authenticating user ', 'connection ended before a login'],
  ['Disconnected from invalid user ', 'connection ended before a login'],
  ['Disconnected from ', 'connection ended before a login'],
  ['Connection closed by ', 'connection ended before a login'],
  ['Connection reset by ', 'connection ended before a login'],
  ['Received disconnect from ', 'disconnect notice (the "Disconnected from user" line records the logout)'],
  ['Timeout before authentication', 'connection ended before a login'],
  ['Did not receive identification string', 'connection ended before a login'],
  ['Bad protocol version identification', 'connection ended before a login'],
  ['banner exchange:', 'connection ended before a login'],
  ['error: kex_exchange_identification:', 'connection ended before a login'],
  ['kex_exchange_identification:', 'connection ended before a login'],
  ['Unable to negotiate', 'connection ended before a login'],
  ['ssh_dispatch_run_fatal:', 'connection ended before a login'],
  ['Connection from ', 'connection opened, no user yet'],
  ['Postponed ', 'partial authentication, no login yet'],
  ['Partial publickey', 'partial authentication, no login yet'],
  ['Accepted key ', 'key matched (the "Accepted publickey" line records the login)'],
  ['Accepted certificate ', 'certificate matched (the "Accepted publickey" line records the login)'],
  ['Starting session:', 'session channel opened (the "Accepted" line records the login)'],
  ['Close session:', 'session channel closed (the "Disconnected from user" line records the logout)'],
  ['Transferred:', 'sshd traffic summary'],
  ['Server listening on', 'sshd status line'],
  ['Received signal', 'sshd status line'],
  ['Server terminated', 'sshd status line'],
  ['Received SIGHUP', 'sshd status line'],
  ['Beginning MaxStartups throttling', 'sshd status line'],
  ['Exiting on signal', 'sshd status line'],
  ['exited MaxStartups throttling', 'sshd status line'],
  ['drop connection #', 'sshd status line'],
  ['rexec line', 'sshd status line'],
  ['error: ', 'sshd error message (not a binding)'],
  ['fatal: ', 'sshd error message (not a binding)'],
  ['debug1: ', 'sshd debug message'],
  ['debug2: ', 'sshd debug message'],
  ['debug3: ', 'sshd debug message'],
  ['pam_systemd(', 'pam_systemd message (not a binding)'],
  ['pam_env(', 'pam_env message (not a binding)'],
  ['pam_motd(', 'pam_motd message (not a binding)'],
];

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let body = msg.body;
  if (body.length > MAX_LINE) return { unparsed: 'line too long for an auth message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  let app = msg.header?.app;
  let pid = msg.header?.pid;
  // Lines whose tag the header scanner did not take (wazuh's "auth|security:info sshd[1]: …", or a bare
  // "sshd[1]: …" body): take "TAG[PID]: " ourselves, after at most one leading token.
  if (!app) {
    const t = tagAt(body, 0) ?? tagAt(body, body.indexOf(' ') + 1);
    if (t) {
      app = t.app;
      pid = t.pid;
      body = body.slice(t.end);
    }
  }
  const r = classify(body.trimEnd(), app ?? '', pid);
  if (!('event' in r)) return r;
  const stamp = msg.header?.stamp;
  if (!stamp) return { unparsed: 'no time stamp' };
  const rec: SessionRecord = { kind: 'session', ...base(msg, ctx, stamp), user: r.user, event: r.event, how: r.how };
  if (r.ip) rec.ip = r.ip;
  if (msg.header?.hostname) rec.host = msg.header.hostname;
  if (r.sessionId) rec.sessionId = r.sessionId;
  return { records: [rec] };
}

/** "TAG[PID]: " or "TAG: " at p (TAG without spaces) → the tag, pid and where the message starts. */
function tagAt(s: string, p: number): { app: string; pid?: string; end: number } | undefined {
  const colon = s.indexOf(': ', p);
  if (colon <= p || colon - p > 64) return undefined;
  const tag = s.slice(p, colon);
  if (tag.includes(' ')) return undefined;
  const br = tag.indexOf('[');
  if (br > 0 && tag.endsWith(']')) return { app: tag.slice(0, br), pid: tag.slice(br + 1, -1), end: colon + 2 };
  return undefined;
}

function classify(body: string, app: string, pid: string | undefined): Result {
  if (body === '') return { unparsed: 'empty message' };
  // PAM lines: "pam_unix(SERVICE:session): …" (any program), or old "SERVICE(pam_unix)[pid]: session …".
  if (body.startsWith('pam_unix(')) return pamUnix(body, pid);
  if (body.startsWith('(pam_unix) ')) {
    return app ? pamSession(body.slice(11), app, pid) : { unparsed: 'PAM session line without its service name' };
  }
  const paren = app.indexOf('(pam_unix)');
  if (paren > 0) return pamSession(body, app.slice(0, paren), pid);

  const prog = app.startsWith('sshd') ? 'sshd' : app;
  switch (prog) {
    case 'sshd':
      return sshd(body);
    case 'login':
      return login(body);
    case 'systemd-logind':
      return logind(body);
    case 'sudo':
      return sudo(body);
    case 'su':
      return su(body);
    default:
      break;
  }
  // Message texts unique enough to recognise without the tag (lines pasted without a header).
  if (body.startsWith('Accepted ') || body.startsWith('Disconnected from user ')) return sshd(body);
  if (body.startsWith('New session ')) return logind(body);
  if (body.startsWith('session opened for user ') || body.startsWith('session closed for user ')) {
    return { unparsed: 'PAM session line without its service name' };
  }
  return { unparsed: app ? 'not an auth message this parser knows' : 'not an auth message (no program tag)' };
}

/** "Accepted METHOD for USER from IP port PORT PROTO[: key]" and "Disconnected from user USER IP port PORT". */
function sshd(body: string): Result {
  if (body.startsWith('Accepted ')) {
    const sp = body.indexOf(' ', 9);
    const method = body.slice(9, sp);
    if (method === 'key' || method === 'certificate') return { skip: 'key matched (the "Accepted publickey" line records the login)' };
    if (sp < 0 || !body.startsWith(' for ', sp)) return { unparsed: 'malformed sshd Accepted line' };
    const from = body.indexOf(' from ', sp + 5);
    if (from < 0) return { unparsed: 'malformed sshd Accepted line' };
    const user = body.slice(sp + 5, from);
    const addr = addrPort(body, from + 6);
    if (!addr || user === '') return { unparsed: 'malformed sshd Accepted line' };
    return { event: 'login', how: `ssh ${method}`, user, ip: addr.ip, sessionId: `sshd ${addr.ip} port ${addr.port}` };
  }
  if (body.startsWith('Disconnected from user ')) {
    const sp = body.indexOf(' ', 23);
    if (sp < 0) return { unparsed: 'malformed sshd Disconnected line' };
    const user = body.slice(23, sp);
    const addr = addrPort(body, sp + 1);
    if (!addr || user === '') return { unparsed: 'malformed sshd Disconnected line' };
    return { event: 'logout', how: 'ssh', user, ip: addr.ip, sessionId: `sshd ${addr.ip} port ${addr.port}` };
  }
  for (const [prefix, reason] of SSHD_SKIP) if (body.startsWith(prefix)) return { skip: reason };
  return { unparsed: 'unknown sshd message' };
}

/** "IP port PORT" at p → canonical ip and the port; undefined when not that shape. */
function addrPort(s: string, p: number): { ip: string; port: number } | undefined {
  const sp = s.indexOf(' port ', p);
  if (sp < 0 || sp - p > 45) return undefined;
  const ip = normIp(s.slice(p, sp));
  if (!ip) return undefined;
  let i = sp + 6, port = 0;
  const start = i;
  for (; i < s.length && i - start < 6; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    port = port * 10 + c;
  }
  if (i === start || port > 65535) return undefined;
  return { ip, port };
}

/** "pam_unix(SERVICE:TYPE): …". */
function pamUnix(body: string, pid: string | undefined): Result {
  const colon = body.indexOf(':', 9);
  const close = body.indexOf('): ', 9);
  if (colon < 0 || close < colon) return { unparsed: 'malformed pam_unix line' };
  const service = body.slice(9, colon);
  const type = body.slice(colon + 1, close);
  if (type !== 'session') {
    if (type === 'auth' || type === 'account' || type === 'password') {
      return { skip: `pam_unix ${type} message (failures and checks, not a session)` };
    }
    return { unparsed: 'malformed pam_unix line' };
  }
  return pamSession(body.slice(close + 3), service, pid);
}

/** "session opened for user USER[(uid=N)] by …" / "session closed for user USER" of PAM service SERVICE. */
function pamSession(text: string, service: string, pid: string | undefined): Result {
  let event: SessionEvent;
  if (text.startsWith('session opened for user ')) event = 'login';
  else if (text.startsWith('session closed for user ')) event = 'logout';
  else return { unparsed: 'unknown PAM session message' };
  const svc = service.toLowerCase();
  if (svc === 'cron' || svc === 'crond' || svc === 'atd') return { skip: 'PAM session of a scheduled job (not a person)' };
  if (svc === 'systemd-user') return { skip: 'PAM session of the systemd user manager (the login itself is logged separately)' };
  if (SWITCH_SERVICES.has(svc)) return { skip: 'su / sudo session: a change of user on the host, not a login' };
  if (!LOGIN_SERVICES.has(svc)) return { skip: 'PAM session of a service that is not a login' };
  let end = text.indexOf(' ', 24);
  if (end < 0) end = text.length;
  let user = text.slice(24, end);
  const uid = user.indexOf('(uid=');
  if (uid > 0) user = user.slice(0, uid);
  if (user === '') return { unparsed: 'PAM session line without a user' };
  if (NOT_PEOPLE.has(user)) return { skip: 'display manager greeter session (not a person)' };
  const r: Found = { event, how: `pam ${service}`, user };
  if (pid) r.sessionId = `${service}[${pid}]`;
  return r;
}

/** util-linux login: "LOGIN ON tty1 BY anna [FROM host]", "ROOT LOGIN ON tty1 [FROM host]". */
function login(body: string): Result {
  let user: string;
  let rest: string;
  if (body.startsWith('LOGIN ON ')) {
    const by = body.indexOf(' BY ', 9);
    if (by < 0) return { unparsed: 'malformed login line' };
    rest = body.slice(by + 4);
    const sp = rest.indexOf(' ');
    user = sp < 0 ? rest : rest.slice(0, sp);
  } else if (body.startsWith('ROOT LOGIN ON ') || body.startsWith('ROOT LOGIN  on ')) {
    user = 'root';
    rest = body;
  } else if (body.startsWith('FAILED LOGIN') || body.startsWith('TOO MANY LOGIN TRIES')) {
    return { skip: 'failed login attempt (not a binding)' };
  } else return { unparsed: 'unknown login message' };
  if (user === '') return { unparsed: 'malformed login line' };
  const r: Found = { event: 'login', how: 'login', user };
  const from = rest.indexOf(' FROM ');
  if (from >= 0) {
    const ip = normIp(rest.slice(from + 6).trim());
    if (ip) r.ip = ip;
  }
  return r;
}

/** systemd-logind "New session 3 of user anna." (≤ v254) / "New session '3' of user 'anna' with class 'user' …". */
function logind(body: string): Result {
  if (body.startsWith('New session ')) {
    const of = body.indexOf(' of user ', 12);
    if (of < 0) return { unparsed: 'malformed logind line' };
    const id = unquote(body.slice(12, of));
    const rest = body.slice(of + 9);
    let end = rest.indexOf(' with class ');
    if (end < 0) end = rest.endsWith('.') ? rest.length - 1 : rest.length;
    const user = unquote(rest.slice(0, end));
    if (user === '' || id === '') return { unparsed: 'malformed logind line' };
    const cls = rest.indexOf(" with class '");
    if (cls >= 0 && !rest.startsWith("user'", cls + 13)) return { skip: 'logind session that is not a user login (greeter, manager, background)' };
    if (NOT_PEOPLE.has(user)) return { skip: 'display manager greeter session (not a person)' };
    return { event: 'login', how: 'logind', user, sessionId: `logind ${id}` };
  }
  if (body.startsWith('Removed session ') || body.startsWith('Session ')) {
    return { skip: 'logind session end: the line names no user (only the session id)' };
  }
  if (body.startsWith('New seat ') || body.startsWith('Watching system buttons') || body.startsWith('Power key') ||
      body.startsWith('System is ') || body.startsWith('New user ') || body.startsWith('Removed user ') ||
      body.startsWith('Lid ') || body.startsWith('Suspending') || body.startsWith('Operation ') ||
      body.startsWith('The system will ')) {
    return { skip: 'logind status line' };
  }
  return { unparsed: 'unknown systemd-logind message' };
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
}

/** sudo: "   anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/usr/bin/id". */
function sudo(body: string): Result {
  const t = body.trimStart();
  const sep = t.indexOf(' : ');
  if (sep <= 0) {
    if (t.startsWith('pam_')) return { skip: 'sudo PAM message (not a session)' };
    return { unparsed: 'unknown sudo message' };
  }
  const user = t.slice(0, sep);
  const rest = t.slice(sep + 3);
  if (user.includes(' ')) return { unparsed: 'unknown sudo message' };
  if (rest.startsWith('TTY=') || rest.startsWith('HOST=') || rest.startsWith('PWD=')) {
    if (!rest.includes('COMMAND=')) return { unparsed: 'sudo line without COMMAND' };
    return { event: 'auth', how: 'sudo', user };
  }
  return { skip: 'sudo refusal or failed password (not a binding)' };
}

/**
 * util-linux su: "(to root) anna on pts/0"; "FAILED SU (to root) anna on pts/0". shadow-utils su (older Debian,
 * RHEL): "Successful su for root by anna", "+ /dev/pts/1 anna:root". The person is the invoking user.
 */
function su(body: string): Result {
  if (body.startsWith('FAILED SU ') || body.startsWith('FAILED su for ')) return { skip: 'failed su attempt (not a binding)' };
  if (body.startsWith('Successful su for ')) {
    const by = body.lastIndexOf(' by ');
    const user = by > 0 ? body.slice(by + 4).trim() : '';
    if (user === '' || user.includes(' ')) return { unparsed: 'malformed su line' };
    return { event: 'auth', how: 'su', user };
  }
  if (body.startsWith('+ ') || body.startsWith('- ')) return { skip: 'su detail line (the "Successful su" line names the person)' };
  if (!body.startsWith('(to ')) return { unparsed: 'unknown su message' };
  const close = body.indexOf(') ', 4);
  if (close < 0) return { unparsed: 'malformed su line' };
  const rest = body.slice(close + 2);
  const sp = rest.indexOf(' ');
  const user = sp < 0 ? rest : rest.slice(0, sp);
  if (user === '') return { unparsed: 'malformed su line' };
  return { event: 'auth', how: 'su', user };
}

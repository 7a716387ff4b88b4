// sshd lab: Debian's real OpenSSH server (and su, sudo, login) in namespaces (test/lab/sshd/lab.sh), then the
// `auth` parser over what they logged: the users, source addresses and login/logout times must be the ones
// the scenario produced, read in the server's zone (Asia/Kolkata, +05:30).
//
// Needs root and openssh-server, openssh-client, iproute2, util-linux, bsdutils (script), login, perl;
// sudo is optional. Without root or a tool the test is skipped and says why.
// Run alone: node --import tsx --test test/lab/sshd/sshd-lab.test.ts   (WS_SSHD_LAB_KEEP=1 keeps the output)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auth } from '../../../src/parsers/auth/index.ts';
import { parseMessage, type Outcome } from '../../../src/parsers/run.ts';
import { contextFor } from '../../../src/parsers/testing.ts';
import type { SessionRecord } from '../../../src/records/record.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAB = path.join(HERE, 'lab.sh');
const TOOLS = ['ip', 'unshare', 'nsenter', 'mount', 'perl', 'ssh', 'ssh-keygen', 'flock', 'su', 'script', '/usr/sbin/sshd'];
const PACKAGES = 'openssh-server openssh-client iproute2 util-linux bsdutils login perl (sudo optional)';

interface LabSession { name: string; ip: string; user: string; ok: boolean; start: number; end: number; said: string }
interface LabLocal { name: string; user: string; start: number; end: number }
interface LabExpected { tz: string; server: string; port: number; host: string; sessions: LabSession[]; local: LabLocal[] }

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'sshd lab: needs Linux network namespaces';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'sshd lab: needs root (network and mount namespaces)';
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) return `sshd lab: missing ${missing.join(', ')} (apt-get install -y ${PACKAGES})`;
  return undefined;
}

const SKIP = skipReason();
const S = 1_000_000;

describe('sshd lab: real sshd / su / sudo / login lines → who logged in, from where, when', { skip: SKIP, timeout: 60_000 }, () => {
  let out = '';
  let failed = false;
  let expected: LabExpected;
  let lines: string[] = [];
  let outcomes: Outcome[] = [];
  const sessions = (): SessionRecord[] => outcomes.flatMap((o) => o.records).filter((r): r is SessionRecord => r.kind === 'session');

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-sshd-lab-'));
    const t0 = Date.now();
    const r = spawnSync('bash', [LAB, out], { encoding: 'utf8', timeout: 50_000, stdio: ['ignore', 'pipe', 'pipe'] });
    fs.writeFileSync(path.join(out, 'lab.log'), `${r.stdout}${r.stderr}`);
    if (r.status !== 0) {
      failed = true;
      throw new Error(`sshd lab failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}; outputs in ${out}\n${r.stderr.split('\n').slice(-20).join('\n')}`);
    }
    process.stderr.write(`# sshd lab ran in ${((Date.now() - t0) / 1000).toFixed(1)} s, outputs in ${out}\n`);
    expected = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as LabExpected;
    lines = fs.readFileSync(path.join(out, 'devlog.log'), 'utf8').split('\n').filter((l) => l !== '');
    // Read the lines as whowas would, in the server's configured zone; the reference is now (year inference).
    const ctx = contextFor({ zone: expected.tz, reference: Date.now() * 1000 }, 'sshd-lab');
    outcomes = lines.map((l) => parseMessage(auth, l, ctx));
  });

  after(() => {
    if (!out) return;
    if (failed || process.env.WS_SSHD_LAB_KEEP) process.stderr.write(`# sshd lab outputs kept in ${out}\n`);
    else fs.rmSync(out, { recursive: true, force: true });
  });

  /** The stamp has whole seconds: the record must fall within the run, widened by a second on each side. */
  const within = (ts: number, from: number, to: number, what: string) => {
    assert.ok(ts >= Math.floor(from) * S - S && ts <= Math.ceil(to) * S + S,
      `${what}: ${new Date(ts / 1000).toISOString()} is not within ${new Date(from * 1000).toISOString()} … ${new Date(to * 1000).toISOString()}`);
  };

  it('every line sshd, PAM, su, sudo and login wrote is understood (records or known skips, nothing unparsed)', () => {
    assert.ok(lines.length >= 30, `only ${lines.length} lines`);
    const unparsed = outcomes.map((o, i) => [o, lines[i]] as const).filter(([o]) => o.status === 'unparsed');
    assert.deepEqual(unparsed.map(([o, l]) => `${o.reason}: ${l}`), []);
  });

  it('each successful ssh login: an Accepted record (user, source ip, time) and a Disconnected record closing it', () => {
    const ok = expected.sessions.filter((s) => s.ok);
    assert.equal(ok.length, 3);
    for (const s of ok) {
      assert.equal(s.said, s.user, `${s.name}: the remote command ran as ${s.user}`);
      // Pair the lab's logins of this user from this address with the Accepted records, both in time order.
      const mine = ok.filter((x) => x.user === s.user && x.ip === s.ip).sort((a, b) => a.start - b.start);
      const logins = sessions().filter((r) => r.event === 'login' && r.how === 'ssh publickey' && r.user === s.user && r.ip === s.ip)
        .sort((a, b) => a.ts - b.ts);
      assert.equal(logins.length, mine.length, `${s.name}: one Accepted publickey record per login of ${s.user} from ${s.ip}`);
      const login = logins[mine.indexOf(s)]!;
      within(login.ts, s.start, s.end, `${s.name} login`);
      assert.match(login.sessionId ?? '', new RegExp(`^sshd ${s.ip.replace(/\./g, '\\.')} port \\d+$`));
      const logout = sessions().find((r) => r.event === 'logout' && r.sessionId === login.sessionId);
      assert.ok(logout, `${s.name}: a Disconnected record with session ${login.sessionId}`);
      assert.equal(logout.user, s.user);
      assert.equal(logout.ip, s.ip);
      within(logout.ts, s.start, s.end, `${s.name} logout`);
      assert.ok(logout.ts >= login.ts, `${s.name}: logout not before login`);
      // anna stayed 3 s, ben 1 s: the recorded span shows it (whole-second stamps).
      const span = (logout.ts - login.ts) / S;
      const slept = s.name.startsWith('anna') ? 3 : 1;
      assert.ok(span >= slept - 1 && span <= slept + 2, `${s.name}: logged in for ${span} s, slept ${slept} s`);
      // The time is read in the server's zone: the raw stamp is the local wall clock, 5 h 30 min ahead of UTC.
      const local = new Date(login.ts / 1000 + 5.5 * 3600_000).toISOString().slice(11, 19);
      assert.ok(login.rawStamp?.endsWith(local), `${s.name}: rawStamp ${login.rawStamp} vs local ${local}`);
    }
  });

  it('PAM session lines of sshd give login / logout of the same users (no address in them)', () => {
    for (const user of ['anna', 'ben']) {
      const opened = sessions().filter((r) => r.how === 'pam sshd' && r.user === user && r.event === 'login');
      const closed = sessions().filter((r) => r.how === 'pam sshd' && r.user === user && r.event === 'logout');
      assert.equal(opened.length, user === 'anna' ? 1 : 2, `${user} pam opened`);
      assert.equal(closed.length, opened.length, `${user} pam closed`);
      for (const r of [...opened, ...closed]) assert.equal(r.ip, undefined);
      for (const o of opened) assert.ok(closed.some((c) => c.sessionId === o.sessionId && c.ts >= o.ts), `${user}: closed pairs with opened by pid`);
    }
  });

  it('the wrong key is a failed attempt: skipped with a reason, no record for anna from the second client', () => {
    const bad = expected.sessions.find((s) => s.name === 'anna-wrongkey')!;
    assert.equal(bad.ok, false);
    assert.equal(sessions().filter((r) => r.user === 'anna' && r.ip === bad.ip).length, 0);
    const failedLine = lines.findIndex((l) => l.includes(`Failed publickey for anna from ${bad.ip}`));
    assert.ok(failedLine >= 0, 'sshd logged the failed publickey');
    assert.equal(outcomes[failedLine]!.status, 'skip');
    assert.equal(outcomes[failedLine]!.reason, 'failed login attempt (not a binding)');
  });

  it('su, sudo and login on the server: the invoking person, at the time it happened', () => {
    const su = expected.local.find((l) => l.name === 'su-anna')!;
    const suRecs = sessions().filter((r) => r.how === 'su');
    assert.ok(suRecs.length >= 1, 'a su record');
    assert.equal(suRecs[0]!.user, 'root'); // "(to anna) root on none": root switched to anna
    within(suRecs[0]!.ts, su.start, su.end, 'su');
    const sudo = expected.local.find((l) => l.name === 'sudo-anna');
    if (sudo) {
      const r = sessions().find((x) => x.how === 'sudo');
      assert.ok(r, 'a sudo record');
      assert.equal(r.user, 'anna');
      assert.equal(r.event, 'auth');
      within(r.ts, sudo.start, sudo.end, 'sudo');
    }
    const login = expected.local.find((l) => l.name === 'login-ben')!;
    const lr = sessions().filter((r) => r.how === 'pam login' && r.user === 'ben');
    assert.deepEqual(lr.map((r) => r.event), ['login', 'logout']);
    within(lr[0]!.ts, login.start, login.end, 'login');
    // su / sudo PAM sessions are a change of user, not a login: skipped.
    const suPam = lines.findIndex((l) => l.includes('pam_unix(su:session): session opened'));
    assert.equal(outcomes[suPam]!.status, 'skip');
  });

  it('as rsyslog writes them to auth.log (hostname inserted): host is the machine logged into', () => {
    const ctx = contextFor({ zone: expected.tz, reference: Date.now() * 1000 }, 'sshd-lab');
    // "<38>Nov 29 20:19:42 sshd[1]: …" → "Nov 29 20:19:42 ws-sshd-srv sshd[1]: …" (rsyslog's traditional file format)
    const accepted = lines.filter((l) => l.includes(': Accepted publickey for '));
    assert.equal(accepted.length, 3);
    for (const l of accepted) {
      const file = `${l.slice(l.indexOf('>') + 1, l.indexOf('>') + 16)} ${expected.host}${l.slice(l.indexOf('>') + 16)}`;
      const o = parseMessage(auth, file, ctx);
      assert.equal(o.status, 'records', file);
      const r = o.records[0] as SessionRecord;
      assert.equal(r.host, expected.host);
      assert.equal(r.logHost, expected.host);
      const plain = parseMessage(auth, l, ctx).records[0] as SessionRecord;
      assert.equal(r.ts, plain.ts);
      assert.equal(r.user, plain.user);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { badInputs, checkExpected, contextFor, lineHelpers, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { auth } from './index.ts';

const KOLKATA = contextFor({ zone: 'Asia/Kolkata', reference: Date.UTC(2026, 10, 29, 14, 53, 30) * 1000 });
const UTC = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

const { one, rec } = lineHelpers<SessionRecord>(auth, UTC);
const file = (name: string) => readTestdata(auth, `${testdataDir(auth)}/${name}`);

describe('auth: expected output of every testdata file', () => {
  for (const path of testdataFiles(auth)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(auth, readTestdata(auth, path)));
  }
});

describe('auth: what each testdata file yields', () => {
  const count = (name: string) => {
    const outs = runFile(auth, file(name));
    return {
      records: outs.filter((o) => o.status === 'records').length,
      skipped: outs.filter((o) => o.status === 'skip').length,
      unparsed: outs.filter((o) => o.status === 'unparsed').map((o) => `${o.reason}`),
    };
  };
  test('lab (real sshd 9.2, su, sudo, login): 17 records, 31 skips, nothing unparsed', () => {
    assert.deepEqual(count('lab-sshd-kolkata.log'), { records: 17, skipped: 31, unparsed: [] });
  });
  test('corpus: every sample line is a record or a known skip, except the header-less patterndb bodies', () => {
    // The syslog-ng patterndb samples are message bodies without a syslog header: no time, so no record.
    assert.deepEqual(count('corpus.log'), {
      records: 10,
      skipped: 4,
      unparsed: ['no time stamp', 'PAM session line without its service name', 'no time stamp', 'no time stamp', 'PAM session line without its service name', 'no time stamp'],
    });
  });
  test('loghub brute force: 33 lines, all failed attempts or noise, all skipped', () => {
    assert.deepEqual(count('loghub-openssh.log'), { records: 0, skipped: 33, unparsed: [] });
  });
  test('public login / logind / su / sudo lines: nothing unparsed', () => {
    assert.deepEqual(count('public-misc.log').unparsed, []);
  });
});

describe('auth: sshd (real lines from the lab, TZ=Asia/Kolkata)', () => {
  const lab = file('lab-sshd-kolkata.log').messages;
  const find = (needle: string) => lab.find((l) => l.includes(needle))!;

  test('Accepted publickey → login: user, source ip, session id, local +05:30 time → UTC', () => {
    const line = find('Accepted publickey for anna');
    const r = rec(line, KOLKATA);
    assert.equal(r.kind, 'session');
    assert.equal(r.event, 'login');
    assert.equal(r.user, 'anna');
    assert.equal(r.ip, '10.88.0.11');
    assert.equal(r.how, 'ssh publickey');
    assert.equal(r.sessionId, 'sshd 10.88.0.11 port 54256');
    assert.equal(r.rawStamp, 'Nov 29 20:23:13');
    assert.equal(r.ts, at(2026, 10, 29, 14, 53, 13)); // 20:23:13 IST = 14:53:13 UTC
    assert.deepEqual(r.flags, { yearInferred: true });
    assert.equal(r.host, undefined); // glibc syslog() sends no hostname; rsyslog adds it in auth.log
    assert.equal(r.raw, line);
  });

  test('Disconnected from user → logout with the same session id as the login', () => {
    const login = rec(find('Accepted publickey for anna'), KOLKATA);
    const r = rec(find('Disconnected from user anna'), KOLKATA);
    assert.deepEqual([r.event, r.user, r.ip, r.how, r.sessionId], ['logout', 'anna', '10.88.0.11', 'ssh', login.sessionId]);
    assert.equal(r.ts, at(2026, 10, 29, 14, 53, 17));
  });

  test('pam_unix(sshd:session) opened / closed → login / logout on the host, paired by the monitor pid', () => {
    const o = rec(find('session opened for user anna(uid=64201)'), KOLKATA);
    const c = rec(find('session closed for user anna'), KOLKATA);
    assert.deepEqual([o.event, o.user, o.how, o.sessionId, o.ip], ['login', 'anna', 'pam sshd', 'sshd[22364]', undefined]);
    assert.deepEqual([c.event, c.user, c.sessionId], ['logout', 'anna', 'sshd[22364]']);
  });

  test('the failed key, pre-login and bookkeeping lines are skipped with fixed reasons', () => {
    const reasons = (needle: string) => one(find(needle), KOLKATA).reason;
    assert.equal(reasons('Failed publickey for anna'), 'failed login attempt (not a binding)');
    assert.equal(reasons('Connection closed by authenticating user anna'), 'connection ended before a login');
    assert.equal(reasons('Connection from 10.88.0.12'), 'connection opened, no user yet');
    assert.equal(reasons('Postponed publickey for ben'), 'partial authentication, no login yet');
    assert.equal(reasons('Accepted key ED25519'), 'key matched (the "Accepted publickey" line records the login)');
    assert.equal(reasons('Starting session: command for anna'), 'session channel opened (the "Accepted" line records the login)');
    assert.equal(reasons('Received disconnect from 10.88.0.11'), 'disconnect notice (the "Disconnected from user" line records the logout)');
    assert.equal(reasons('Server listening on'), 'sshd status line');
  });

  test('auth.log form (rsyslog): host = the machine logged into; IPv6 source canonical', () => {
    const r = rec('Nov 29 20:23:13 gw sshd[22364]: Accepted password for anna from 2001:DB8:0:0::7 port 51234 ssh2');
    assert.equal(r.host, 'gw');
    assert.equal(r.logHost, 'gw');
    assert.equal(r.ip, '2001:db8::7');
    assert.equal(r.how, 'ssh password');
    assert.equal(r.sessionId, 'sshd 2001:db8::7 port 51234');
  });

  test('other methods and forms: keyboard-interactive/pam, gssapi, OpenSSH ≥ 9.8 sshd-session tag, RFC 5424, journal ISO', () => {
    // Message shapes from OpenSSH auth.c auth_log(): "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s".
    assert.equal(rec('Nov 29 10:00:00 gw sshd[1]: Accepted keyboard-interactive/pam for anna from 10.0.0.5 port 40000 ssh2').how, 'ssh keyboard-interactive/pam');
    assert.equal(rec('Nov 29 10:00:00 gw sshd[1]: Accepted gssapi-with-mic for anna from 10.0.0.5 port 40000 ssh2').how, 'ssh gssapi-with-mic');
    assert.equal(rec('Nov 29 10:00:00 gw sshd-session[1]: Accepted publickey for anna from 10.0.0.5 port 40000 ssh2: ED25519 SHA256:x').user, 'anna');
    const r5424 = rec('<38>1 2026-11-29T15:00:01.123+01:00 gw sshd 812 - - Accepted publickey for anna from 10.77.0.102 port 51234 ssh2');
    assert.equal(r5424.ts, at(2026, 10, 29, 14, 0, 1) + 123_000);
    assert.equal(r5424.host, 'gw');
    const journal = rec('2026-11-29T15:00:01+0100 gw sshd[812]: Disconnected from user anna 10.77.0.102 port 51234');
    assert.equal(journal.ts, at(2026, 10, 29, 14, 0, 1));
    assert.equal(journal.event, 'logout');
  });

  test('Invalid user / Failed password / preauth disconnects are skipped (worth counting, not bindings)', () => {
    for (const l of [
      'Nov 29 10:00:00 gw sshd[1]: Failed password for invalid user admin from 203.0.113.9 port 4000 ssh2',
      'Nov 29 10:00:00 gw sshd[1]: Failed password for anna from 203.0.113.9 port 4000 ssh2',
      'Nov 29 10:00:00 gw sshd[1]: Invalid user admin from 203.0.113.9 port 4000',
      'Nov 29 10:00:00 gw sshd[1]: Disconnected from invalid user admin 203.0.113.9 port 4000 [preauth]',
      'Nov 29 10:00:00 gw sshd[1]: Disconnected from authenticating user anna 203.0.113.9 port 4000 [preauth]',
      'Nov 29 10:00:00 gw sshd[1]: Connection closed by invalid user admin 203.0.113.9 port 4000 [preauth]',
    ]) {
      const o = one(l);
      assert.equal(o.status, 'skip', l);
      assert.ok(['failed login attempt (not a binding)', 'connection ended before a login'].includes(o.reason!), `${l}: ${o.reason}`);
    }
  });
});

describe('auth: PAM, login, logind, su, sudo', () => {
  test('old pam_unix form "sshd(pam_unix)[pid]: session opened for user X by (uid=N)" (loghub)', () => {
    const r = rec('Jun 17 20:29:26 combo sshd(pam_unix)[30631]: session opened for user test by (uid=509)');
    assert.deepEqual([r.event, r.user, r.how, r.host, r.sessionId], ['login', 'test', 'pam sshd', 'combo', 'sshd[30631]']);
  });

  test('login(1): LOGIN ON tty BY user; with FROM an address, the ip; ROOT LOGIN; FAILED LOGIN skipped', () => {
    const r = rec('Dec  5 11:38:24 LITP2 login[700]: LOGIN ON tty1 BY smaintos');
    assert.deepEqual([r.event, r.user, r.how, r.host, r.ip], ['login', 'smaintos', 'login', 'LITP2', undefined]);
    // util-linux login.c: "LOGIN ON %s BY %s FROM %s", "ROOT LOGIN ON %s".
    assert.equal(rec('Dec  5 11:38:24 h login[700]: LOGIN ON pts/3 BY anna FROM 10.0.0.9').ip, '10.0.0.9');
    assert.equal(rec('Dec  5 11:38:24 h login[700]: ROOT LOGIN ON tty2').user, 'root');
    assert.equal(one('Dec  5 11:38:24 h login[700]: FAILED LOGIN 1 FROM tty1 FOR anna, Authentication failure').status, 'skip');
  });

  test('systemd-logind New session → login with the logind session id (old and v256 quoted forms)', () => {
    const r = rec('Jan 29 11:29:01 zk-pc systemd-logind[671]: New session 279 of user zk.');
    assert.deepEqual([r.event, r.user, r.how, r.sessionId, r.host], ['login', 'zk', 'logind', 'logind 279', 'zk-pc']);
    // systemd ≥ 256 logind-session.c: "New session '%s' of user '%s' with class '%s' and type '%s'."
    const q = rec("Nov 29 10:00:00 pc systemd-logind[1]: New session '4' of user 'anna' with class 'user' and type 'wayland'.");
    assert.deepEqual([q.user, q.sessionId], ['anna', 'logind 4']);
    assert.equal(one("Nov 29 10:00:00 pc systemd-logind[1]: New session 'c1' of user 'gdm' with class 'greeter' and type 'wayland'.").status, 'skip');
    assert.equal(one('Nov 29 10:00:00 pc systemd-logind[1]: New session c1 of user gdm.').status, 'skip');
    const removed = one('Sep 25 04:06:50 ubuntu-jammy systemd-logind[705]: Removed session 1');
    assert.equal(removed.status, 'skip');
  });

  test('display managers: pam_unix(gdm-password:session) is a login; cron, systemd-user, su, sudo sessions are not', () => {
    assert.equal(rec('Nov 29 10:00:00 pc gdm-password][2001]: pam_unix(gdm-password:session): session opened for user anna(uid=1000) by (uid=0)').how, 'pam gdm-password');
    const skips: Record<string, string> = {
      'Nov 29 10:00:01 pc CRON[2]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)': 'PAM session of a scheduled job (not a person)',
      'Nov 29 10:00:01 pc systemd[3]: pam_unix(systemd-user:session): session opened for user anna(uid=1000) by (uid=0)': 'PAM session of the systemd user manager (the login itself is logged separately)',
      'Nov 29 10:00:01 pc su[4]: pam_unix(su-l:session): session opened for user root(uid=0) by anna(uid=1000)': 'su / sudo session: a change of user on the host, not a login',
      'Nov 29 10:00:01 pc polkitd[5]: pam_unix(polkit-1:session): session opened for user root(uid=0) by (uid=1000)': 'su / sudo session: a change of user on the host, not a login',
      'Nov 29 10:00:01 pc foo[6]: pam_unix(foo:session): session opened for user anna(uid=1000) by (uid=0)': 'PAM session of a service that is not a login',
    };
    for (const [l, reason] of Object.entries(skips)) assert.equal(one(l).reason, reason, l);
  });

  test('sudo COMMAND line → auth of the invoking user (lab line); refusals skipped', () => {
    const line = file('lab-sshd-kolkata.log').messages.find((l) => l.includes('COMMAND=/usr/bin/true'))!;
    const r = rec(line, KOLKATA);
    assert.deepEqual([r.event, r.user, r.how], ['auth', 'anna', 'sudo']);
    assert.equal(one('Nov 29 10:00:01 pc sudo:     anna : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/usr/bin/id').status, 'skip');
    assert.equal(one('Nov 29 10:00:01 pc sudo:     mallory : user NOT in sudoers ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh').status, 'skip');
  });

  test('su: util-linux "(to anna) root on none" and shadow-utils "Successful su for X by Y" name the invoking user', () => {
    const r = rec(file('lab-sshd-kolkata.log').messages.find((l) => l.includes('(to anna) root on none'))!, KOLKATA);
    assert.deepEqual([r.event, r.user, r.how], ['auth', 'root', 'su']);
    assert.equal(rec('Jan 24 04:37:40 intranet-server su[27950]: Successful su for jhall by www-data').user, 'www-data');
    assert.equal(one('Nov 29 10:00:01 pc su[9]: FAILED SU (to root) anna on pts/0').status, 'skip');
  });
});

describe('auth: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...Object.fromEntries(Object.entries(badInputs()).filter(([k]) => k !== 'an sshd line')),
    'truncated Accepted (inside the address)': 'Nov 29 10:00:00 gw sshd[1]: Accepted password for anna from 10.0.',
    'truncated Accepted (no port)': 'Nov 29 10:00:00 gw sshd[1]: Accepted password for anna from 10.0.0.5',
    'Accepted with a port out of range': 'Nov 29 10:00:00 gw sshd[1]: Accepted password for anna from 10.0.0.5 port 99999 ssh2',
    'truncated Disconnected': 'Nov 29 10:00:00 gw sshd[1]: Disconnected from user anna',
    'an unknown sshd message': 'Nov 29 10:00:00 gw sshd[1]: something new happened',
    'a dnsmasq line': 'Nov 29 14:15:13 dnsmasq-dhcp[5353]: DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1',
    'a header-less login line': 'Accepted password for bazsi from 127.0.0.1 port 48650 ssh2',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
      assert.equal(o.records[0]!.raw, line);
    });
  }
  test("the contract suite's 'an sshd line' is exactly what this parser reads: a login record", () => {
    const r = rec(badInputs()['an sshd line']!);
    assert.deepEqual([r.user, r.ip, r.host], ['anna', '10.77.0.102', 'gw']);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { postfix } from './index.ts';

const SAO_PAULO = contextFor({ zone: 'America/Sao_Paulo', reference: Date.UTC(2026, 10, 29, 15, 4) * 1000 });
const one = (line: string, ctx = SAO_PAULO): Outcome => parseMessage(postfix, line, ctx);
const file = (name: string) => readTestdata(postfix, `${testdataDir(postfix)}/${name}`);
const count = (name: string) => {
  const outs = runFile(postfix, file(name));
  return { records: outs.filter((o) => o.status === 'records').length, skipped: outs.filter((o) => o.status === 'skip').length,
    unparsed: outs.filter((o) => o.status === 'unparsed').map((o) => o.reason) };
};

describe('postfix: expected output of every testdata file', () => {
  for (const path of testdataFiles(postfix)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(postfix, readTestdata(postfix, path)));
  }
});

describe('postfix: real lines (Debian postfix 3.7.11 + Cyrus SASL, TZ=America/Sao_Paulo)', () => {
  test('lab runs: 2 SASL logins recorded, everything else skipped, nothing unparsed', () => {
    assert.deepEqual(count('lab-postfix-saopaulo.log'), { records: 2, skipped: 41, unparsed: [] });
    assert.deepEqual(count('lab-postfix-sasl-failing.log'), { records: 0, skipped: 25, unparsed: [] });
  });
  test('client=… sasl_method=PLAIN, sasl_username=… → session auth: user, client ip, mail host, local −03:00 → UTC', () => {
    const line = file('lab-postfix-saopaulo.log').messages.find((l) => l.includes('client=') && l.includes('sasl_username=anna'))!;
    const o = one(line);
    assert.equal(o.status, 'records');
    const r = o.records[0] as SessionRecord;
    assert.deepEqual([r.kind, r.event, r.how, r.user, r.ip, r.host], ['session', 'auth', 'smtp sasl', 'anna@mx.ws-lab.test', '10.90.0.11', 'mx']);
    assert.equal(r.rawStamp, 'Nov 29 12:03:53');
    assert.equal(r.ts, Date.UTC(2026, 10, 29, 15, 3, 53) * 1000);
  });
  test('a wrong password logs the name tried (sasl_username=anna…): skipped, never a binding', () => {
    const line = file('lab-postfix-saopaulo.log').messages.find((l) => l.includes('authentication failed') && l.includes('sasl_username=anna'))!;
    assert.deepEqual([one(line).status, one(line).reason], ['skip', 'failed SASL authentication (not a binding)']);
  });
  test('client= without SASL, connect / disconnect, queue and delivery lines: skipped with fixed reasons', () => {
    const lab = file('lab-postfix-saopaulo.log').messages;
    const reason = (needle: string) => one(lab.find((l) => l.includes(needle))!).reason;
    assert.equal(reason('A65AF20E22F: client=unknown[10.90.0.11]'), 'message from a client that did not authenticate');
    assert.equal(reason('connect from unknown[10.90.0.12]'), 'SMTP connection without a user');
    assert.equal(reason('Relay access denied'), 'rejected or aborted SMTP session');
    assert.equal(reason('postfix/discard'), 'Postfix message without an authenticated client');
  });
});

describe('postfix: other forms', () => {
  test('corpus: failures skipped, client= without SASL skipped, the header-less body unparsed', () => {
    assert.deepEqual(count('corpus.log'), { records: 0, skipped: 9, unparsed: ['no time stamp'] });
  });
  test('syslog_name variants, long queue ids, client port logging, IPv6 clients, sasl_sender after the user', () => {
    // Shapes from Postfix smtpd.c: "%s: client=%s[%s]" + ":%s" with smtpd_client_port_logging, ", sasl_method=%s", ", sasl_username=%s", ", sasl_sender=%s".
    const r = one('Nov 29 12:03:53 mx postfix/submission/smtpd[9]: 4Q2hJ82vRkz1xC: client=pc7.lan[2001:DB8::7]:51234, sasl_method=LOGIN, sasl_username=anna, sasl_sender=boss@corp.example').records[0] as SessionRecord;
    assert.deepEqual([r.user, r.ip], ['anna', '2001:db8::7']);
    assert.equal((one('Nov 29 12:03:53 mx postfix-incoming/smtpd[9]: 4EDEC20E22F: client=unknown[10.0.0.9], sasl_method=PLAIN, sasl_username=ben').records[0] as SessionRecord).user, 'ben');
  });
});

describe('postfix: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'another program': 'Nov 29 12:03:53 mx dovecot[9]: imap-login: Login: user=<anna>, method=PLAIN, rip=10.0.0.9',
    'client= with a broken address': 'Nov 29 12:03:53 mx postfix/smtpd[9]: 4EDEC20E22F: client=unknown[10.0.0.999], sasl_method=PLAIN, sasl_username=ben',
    'client= truncated': 'Nov 29 12:03:53 mx postfix/smtpd[9]: 4EDEC20E22F: client=unknown[10.0.0',
    'client= without a time stamp': '4104E3D: client=pc[10.0.0.9], sasl_method=PLAIN, sasl_username=ben',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

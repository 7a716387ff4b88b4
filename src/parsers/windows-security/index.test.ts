import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { parseIso, windowsSecurity, withoutMessage } from './index.ts';

const BERLIN = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
const at = (...a: [number, number, number, number, number, number]) => Date.UTC(...a) * 1000;

function one(line: string, ctx = BERLIN): Outcome {
  return parseMessage(windowsSecurity, line, ctx);
}
function rec(line: string, ctx = BERLIN): SessionRecord {
  const o = one(line, ctx);
  assert.equal(o.status, 'records', `${line.slice(0, 120)}: ${o.reason ?? ''}`);
  return o.records[0] as SessionRecord;
}
const corpus = () => readTestdata(windowsSecurity, `${testdataDir(windowsSecurity)}/corpus.jsonl`).messages;

// Shapes (not captured lines): the fields each shipper documents, with Microsoft's 4624 EventData names.
// Winlogbeat 8 (ECS): winlog.event_id is a string, winlog.event_data.* as in the event XML, @timestamp UTC.
const winlogbeat = (d: Record<string, string>, id = '4624', ts = '2026-11-29T14:03:07.123Z') =>
  JSON.stringify({ '@timestamp': ts, event: { code: id, provider: 'Microsoft-Windows-Security-Auditing' }, host: { name: 'ws7' },
    winlog: { channel: 'Security', computer_name: 'WS7.corp.example', event_id: id, provider_name: 'Microsoft-Windows-Security-Auditing', event_data: d } });
// NXLog im_msvistalog + to_json(): flat, EventTime "YYYY-MM-DD hh:mm:ss" in the Windows machine's local time.
const nxlog = (d: Record<string, string | number>, id = 4624, time = '2026-11-29 15:03:07') =>
  JSON.stringify({ EventTime: time, Hostname: 'WS7.corp.example', Keywords: -9214364837600034816, EventType: 'AUDIT_SUCCESS', SeverityValue: 2,
    Severity: 'INFO', EventID: id, SourceName: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', ...d });
const logon = { TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x1A2B3C', LogonType: '2', IpAddress: '-', IpPort: '-', WorkstationName: 'WS7' };

describe('windows-security: expected output of every testdata file', () => {
  for (const path of testdataFiles(windowsSecurity)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(windowsSecurity, readTestdata(windowsSecurity, path)));
  }
});

describe('windows-security: every corpus line is a record or a known skip', () => {
  test('corpus (Wazuh 4.x eventchannel): 6 records, 2 service logons skipped', () => {
    const outs = runFile(windowsSecurity, readTestdata(windowsSecurity, `${testdataDir(windowsSecurity)}/corpus.jsonl`));
    assert.deepEqual(outs.map((o) => o.status), ['records', 'records', 'records', 'records', 'records', 'records', 'skip', 'skip']);
    assert.deepEqual([...new Set(outs.filter((o) => o.status === 'skip').map((o) => o.reason))], ['batch or service logon (not a person at a machine)']);
  });
  test('public shapes (evtx2es/ECS, Wazuh 3.x): machine accounts, skipped', () => {
    const outs = runFile(windowsSecurity, readTestdata(windowsSecurity, `${testdataDir(windowsSecurity)}/public.jsonl`));
    assert.deepEqual(outs.map((o) => o.reason), ['machine account logon (a computer, not a person)', 'machine account logon (a computer, not a person)']);
  });
});

describe('windows-security: Wazuh lines (corpus)', () => {
  test('4624 type 3 (network) → auth: DOMAIN\\user, source ip, computer, logon id, UTC time from systemTime', () => {
    const r = rec(corpus()[0]!);
    assert.equal(r.kind, 'session');
    assert.equal(r.event, 'auth');
    assert.equal(r.how, 'windows network');
    assert.equal(r.user, 'EXCHANGETEST.COM\\Administrator');
    assert.equal(r.ip, '192.168.0.121');
    assert.equal(r.host, 'bankdc.ExchangeTest.com');
    assert.equal(r.sessionId, 'bankdc.ExchangeTest.com 0x4cdcc9');
    assert.equal(r.rawStamp, '2021-05-07T21:36:19.887424400Z');
    assert.equal(r.ts, at(2021, 4, 7, 21, 36, 19) + 887424); // ns digits truncated to µs
    assert.equal(r.flags, undefined);
  });
  test('4624 type 10 (RDP) → login with the client address; type 11 from 127.0.0.1 → login without ip', () => {
    const rdp = rec(corpus()[3]!);
    assert.deepEqual([rdp.event, rdp.how, rdp.user, rdp.ip], ['login', 'windows remote-interactive', 'EXCHANGETEST\\AtomicRed', '192.168.0.57']);
    const cached = rec(corpus()[4]!);
    assert.deepEqual([cached.event, cached.how, cached.ip], ['login', 'windows cached-interactive', undefined]);
  });
});

describe('windows-security: Winlogbeat (ECS) and NXLog shapes', () => {
  test('Winlogbeat 4624 type 2: interactive login, computer_name is the host, @timestamp UTC', () => {
    const r = rec(winlogbeat(logon));
    assert.deepEqual([r.event, r.how, r.user, r.host, r.ip, r.sessionId], ['login', 'windows interactive', 'CORP\\anna', 'WS7.corp.example', undefined, 'WS7.corp.example 0x1a2b3c']);
    assert.equal(r.ts, at(2026, 10, 29, 14, 3, 7) + 123000);
  });
  test('Winlogbeat 7 numeric event_id, type 3 with an IPv4-mapped IPv6 source → plain IPv4', () => {
    const line = winlogbeat({ ...logon, LogonType: '3', IpAddress: '::ffff:10.20.30.40', IpPort: '50123' }).replace('"event_id":"4624"', '"event_id":4624');
    const r = rec(line);
    assert.deepEqual([r.event, r.ip], ['auth', '10.20.30.40']);
  });
  test('NXLog flat JSON: EventTime without zone is read in the configured zone (Berlin)', () => {
    const r = rec(nxlog({ ...logon, LogonType: '10', IpAddress: '192.0.2.44' }));
    assert.deepEqual([r.event, r.how, r.user, r.ip, r.host], ['login', 'windows remote-interactive', 'CORP\\anna', '192.0.2.44', 'WS7.corp.example']);
    assert.equal(r.rawStamp, '2026-11-29 15:03:07');
    assert.equal(r.ts, at(2026, 10, 29, 14, 3, 7)); // 15:03:07 CET
    const noZone = rec(nxlog(logon), contextFor({ reference: Date.UTC(2026, 10, 29, 12) * 1000 }));
    assert.deepEqual(noZone.flags, { zoneAssumed: true });
  });
  test('NXLog EventTime with an offset, and NXLog behind a syslog header (the JSON stamp wins, the header names the sender)', () => {
    assert.equal(rec(nxlog(logon, 4624, '2026-11-29T15:03:07.250000+01:00')).ts, at(2026, 10, 29, 14, 3, 7) + 250000);
    const r = rec(`<14>Nov 29 15:03:08 WS7 nxlog: ${nxlog(logon)}`);
    assert.equal(r.ts, at(2026, 10, 29, 14, 3, 7));
    assert.equal(r.logHost, 'WS7');
  });
  test('4634 logoff of an interactive logon → logout with the same session id; of a network logon → skip', () => {
    const login = rec(nxlog(logon));
    const off = rec(nxlog({ TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x1a2b3c', LogonType: '2' }, 4634, '2026-11-29 17:00:00'));
    assert.deepEqual([off.event, off.sessionId, off.user], ['logout', login.sessionId, 'CORP\\anna']);
    assert.equal(one(nxlog({ TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x9', LogonType: '3' }, 4634)).reason,
      'logoff of a network or unlock logon (the logon record stands alone)');
  });
  test('4647 user-initiated logoff → logout', () => {
    const r = rec(winlogbeat({ TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x1a2b3c' }, '4647'));
    assert.deepEqual([r.event, r.how], ['logout', 'windows user logoff']);
  });
  test('machine accounts, SYSTEM, ANONYMOUS LOGON, DWM/UMFD virtual accounts, services: skipped with reasons', () => {
    const skip = (d: Record<string, string>) => one(winlogbeat({ ...logon, ...d })).reason;
    assert.equal(skip({ TargetUserName: 'WS7$' }), 'machine account logon (a computer, not a person)');
    assert.equal(skip({ TargetUserName: 'SYSTEM', TargetDomainName: 'NT AUTHORITY', LogonType: '5' }), 'system or service account logon (not a person)');
    assert.equal(skip({ TargetUserName: 'ANONYMOUS LOGON', TargetDomainName: 'NT AUTHORITY', LogonType: '3' }), 'system or service account logon (not a person)');
    assert.equal(skip({ TargetUserName: 'DWM-1', TargetDomainName: 'Window Manager' }), 'system or service account logon (not a person)');
    assert.equal(skip({ TargetUserName: 'UMFD-0', TargetDomainName: 'Font Driver Host' }), 'system or service account logon (not a person)');
    assert.equal(skip({ LogonType: '5' }), 'batch or service logon (not a person at a machine)');
    assert.equal(skip({ LogonType: '9' }), 'NewCredentials logon (runas /netonly: the same user with other credentials)');
    assert.equal(skip({ TargetUserName: '-' }), 'logon event without a user name');
  });
  test('unlock (7) is an auth, ::1 and 127.0.0.1 give no ip, a UPN user keeps its own form', () => {
    const r = rec(winlogbeat({ ...logon, LogonType: '7', IpAddress: '::1' }));
    assert.deepEqual([r.event, r.how, r.ip], ['auth', 'windows unlock', undefined]);
    assert.equal(rec(winlogbeat({ ...logon, TargetUserName: 'anna@corp.example', TargetDomainName: '' })).user, 'anna@corp.example');
  });
  test('other event ids are skipped (without parsing when the line names no logon id at all)', () => {
    assert.equal(one(winlogbeat(logon, '4625')).reason, 'Windows event that is not a logon or logoff (4624/4634/4647)');
    assert.equal(one('{"EventID":4688,"Hostname":"WS7","NewProcessName":"C:\\\\Windows\\\\cmd.exe"}').reason,
      'Windows event that is not a logon or logoff (4624/4634/4647)');
  });
});

describe('windows-security: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'malformed JSON': '{"EventID":4624,"TargetUserName":"anna"',
    'truncated JSON with a closing brace': '{"EventID":4624,"TargetUserName":"an}',
    'JSON without an event id': '{"TargetUserName":"anna","LogonType":"2","note":"4624"}',
    'JSON array': '[{"EventID":4624}]',
    'a 4624 with an unreadable time': nxlog(logon, 4624, 'yesterday at noon'),
    'a 4624 without LogonType': nxlog({ TargetUserName: 'anna', TargetDomainName: 'CORP' }),
    'a JSON object of 300 KB': `{"EventID":4624,"pad":"${'x'.repeat(300_000)}"}`,
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line);
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
      assert.equal(o.records[0]!.raw, line);
    });
  }
});

describe('windows-security: the stamp reader', () => {
  // The regex parseIso was written from, and what it made of a match.
  const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ?(Z|UTC|[+-]\d{2}:?\d{2}))?$/;
  const ref = (s: string) => {
    if (s.length > 40) return undefined;
    const m = ISO.exec(s);
    if (!m) return undefined;
    const frac = m[7] ?? '';
    const fields = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
      micros: frac === '' ? 0 : Number(frac.slice(0, 6).padEnd(6, '0')) };
    if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.day > 31 || fields.hour > 23 || fields.minute > 59 || fields.second > 60) return undefined;
    const z = m[8];
    if (z === undefined) return { fields };
    if (z === 'Z' || z === 'UTC') return { fields, offset: 0 };
    const digits = z.slice(1).replace(':', '');
    return { fields, offset: (z.charCodeAt(0) === 45 ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) };
  };
  test('reads what the regex read, on real stamps and random variations of them', () => {
    const stamps = ['2021-05-07T21:36:19.887424400Z', '2016-10-06 01:50:49.420927 UTC', '2024-01-01 10:00:00', '2026-11-29T15:03:07+01:00',
      '2026-11-29T15:03:07-0130', '2026-11-29T15:03:07.1Z', '2026-11-29T15:03:07.1234567890Z', '2026-11-29T15:03:07.Z', '2026-13-29T15:03:07Z',
      '2026-11-29T24:03:07Z', '2026-11-29T15:03:60 UTC', '2026-11-29T15:03:07 +01:00', '2026-11-29T15:03:07  Z', '2026-11-29t15:03:07Z', ''];
    let seed = 13;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const noise = '0123456789:-+.TZU C ';
    for (let k = 0; k < 30000; k++) {
      const a = [...stamps[rnd(5)]!];
      for (let j = rnd(3); j >= 0; j--) {
        const i = rnd(a.length + 1), c = noise[rnd(noise.length)]!;
        const op = rnd(3);
        if (op === 0) a.splice(i, 0, c);
        else if (op === 1) a.splice(i, 1);
        else a[i] = c;
      }
      stamps.push(a.join(''));
    }
    let read = 0;
    for (const s of stamps) {
      assert.deepEqual(parseIso(s), ref(s), s);
      if (ref(s)) read++;
    }
    assert.ok(read > 2000, `${read} stamps read`);
  });
});

describe('the message text is cut out before JSON.parse', () => {
  const long = 'An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n' + 'x'.repeat(300);
  const line = (msg: string) =>
    `{"win":{"system":{"eventID":"4624","systemTime":"2026-11-29T08:15:02.1234567Z","computer":"PC-17","message":${msg}},` +
    `"eventdata":{"targetUserName":"alice","targetDomainName":"UNI","logonType":"2","targetLogonId":"0x3e7a1"}}}`;
  const parseLine = (l: string) => parseMessage(windowsSecurity, l, contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 9) * 1000 }));

  test('gives the same records as parsing the whole line, quotes and backslashes in the text included', () => {
    for (const msg of [JSON.stringify(long), JSON.stringify(`${long} "quoted" \\ back\\slash \\"`), JSON.stringify('short')]) {
      const whole = JSON.parse(line(msg)) as unknown;
      assert.ok(whole);
      const o = parseLine(line(msg));
      assert.equal(o.status, 'records');
      assert.equal((o.records[0] as { user: string }).user, 'UNI\\alice');
      assert.equal(o.records[0]!.ts, Date.UTC(2026, 10, 29, 8, 15, 2, 123) * 1000 + 456);
      assert.equal(o.records[0]!.raw, line(msg)); // the line is kept whole as evidence
    }
    assert.equal(withoutMessage(line(JSON.stringify(long))), line('""'));
    assert.equal(withoutMessage(line(JSON.stringify('short'))), line(JSON.stringify('short')));
  });

  test('a line cut inside its message is still malformed; a fault only inside the text is not looked for', () => {
    const full = line(JSON.stringify(long));
    const cut = full.slice(0, full.indexOf('xxxx') + 10);
    assert.equal(parseLine(`${cut}}`).status, 'unparsed');
    const badEscape = line(`"${long} \\q"`);
    assert.throws(() => JSON.parse(badEscape));
    assert.equal(parseLine(badEscape).status, 'records');
  });
});

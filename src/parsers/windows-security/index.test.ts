import assert from 'node:assert/strict';
import util from 'node:util';
import { describe, test } from 'node:test';
import type { SessionRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, readTestdata, runFile, testdataDir, testdataFiles } from '../testing.ts';
import { parseIso, windowsSecurity } from './index.ts';
import { referenceParser } from './reference.ts';

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

describe('the message text is jumped over, never read', () => {
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

// ---------------------------------------------------------------------------------------------------------
// Differential test: the scan (index.ts) against the JSON.parse reader it replaced (reference.ts), on every
// testdata line and on many mangled copies of them. Every outcome must be identical (status, reason, records
// with every field) except in the one accepted class below.
// ---------------------------------------------------------------------------------------------------------

/** The string tokens of a line as [opening quote, closing quote]: a quote outside a string opens one, the first quote after an even number of backslashes closes it. */
function stringTokens(line: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) {
    let q = i;
    for (;;) {
      q = line.indexOf('"', q + 1);
      if (q < 0) return out;
      let k = q - 1;
      while (k > i && line.charCodeAt(k) === 92) k--;
      if ((q - 1 - k) % 2 === 0) break;
    }
    out.push([i, q]);
    i = q;
  }
  return out;
}

/** The line with every string token that is not valid JSON by itself (bad escape, raw control character) replaced by "", or undefined when it has none. */
function blankFaultyStrings(line: string): string | undefined {
  let out = '';
  let from = 0;
  for (const [a, b] of stringTokens(line)) {
    try {
      JSON.parse(line.slice(a, b + 1));
    } catch {
      out += `${line.slice(from, a)}""`;
      from = b + 1;
    }
  }
  return from === 0 ? undefined : out + line.slice(from);
}

/** The differences the scan makes on purpose, by name (README: "How the JSON is read"). */
const ACCEPTED = {
  /**
   * The reference rejects the line as malformed JSON only because of a fault inside a string (key or value) the
   * parser does not read — an invalid escape or a raw control character; the scan does not look inside those.
   * Checked: with those strings blanked, the reference gives exactly what the scan gave.
   */
  'fault inside a string the parser does not read': (line: string, got: Outcome, want: Outcome): boolean => {
    if (want.status !== 'unparsed' || want.reason !== 'malformed JSON') return false;
    const blank = blankFaultyStrings(line);
    if (blank === undefined) return false;
    const fixed = parseMessage(referenceParser, blank, DIFF_CTX);
    return util.isDeepStrictEqual(withoutRaw(got), withoutRaw(fixed));
  },
};

const DIFF_CTX = contextFor({ zone: 'Europe/Berlin', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
function withoutRaw(o: Outcome): unknown {
  return { ...o, records: o.records.map((r) => ({ ...r, raw: undefined })) };
}

/** The lines to mangle: every testdata line, the shipper shapes above, and a few built to reach each branch. */
function baseLines(): string[] {
  const lines: string[] = [];
  for (const path of testdataFiles(windowsSecurity)) lines.push(...readTestdata(windowsSecurity, path).messages);
  const ec = JSON.parse(readTestdata(windowsSecurity, `${testdataDir(windowsSecurity)}/public.jsonl`).messages[1]!) as { EventChannel: { EventData: Record<string, string> } };
  Object.assign(ec.EventChannel.EventData, { TargetUserName: 'anna', TargetDomainName: 'CORP', LogonType: '10', IpAddress: '192.0.2.7' });
  const wb = JSON.parse(winlogbeat({ ...logon, LogonType: '3', IpAddress: '10.1.2.3' })) as Record<string, unknown>;
  lines.push(
    winlogbeat(logon), winlogbeat({ ...logon, LogonType: '3', IpAddress: '::ffff:10.20.30.40' }), winlogbeat({ TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x1a2b3c' }, '4647'),
    winlogbeat({ ...logon, TargetUserName: 'SYSTEM', TargetDomainName: 'NT AUTHORITY', LogonType: '5' }), winlogbeat(logon, '4625'),
    winlogbeat(logon).replace('"event_id":"4624"', '"event_id":4624'),
    // ECS fields beside winlog.event_data that must not be taken for it
    JSON.stringify({ ...wb, user: { name: 'mallory', domain: 'EVIL' }, winlog: { ...(wb.winlog as object), user_data: { TargetUserName: 'mallory', LogonType: '2' } } }),
    nxlog(logon), nxlog({ ...logon, LogonType: '10', IpAddress: '192.0.2.44' }), nxlog({ TargetUserName: 'anna', TargetDomainName: 'CORP', TargetLogonId: '0x1a2b3c', LogonType: '2' }, 4634),
    nxlog(logon, 4624, '2026-11-29T15:03:07.250000+01:00'), `<14>Nov 29 15:03:08 WS7 nxlog: ${nxlog(logon)}`, nxlog({ TargetUserName: 'anna', TargetDomainName: 'CORP' }),
    JSON.stringify(ec),
  );
  return lines;
}

/** A small deterministic random source. */
function rng(seed: number) {
  return (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
}

/** Every object's keys in a random order (JSON.parse/JSON.stringify round trip). */
function shuffled(v: unknown, rnd: (n: number) => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const o: Record<string, unknown> = {};
  for (const k of keys) o[k] = shuffled((v as Record<string, unknown>)[k], rnd);
  return o;
}

/** Positions just after a { or , outside strings (where a member can be inserted). */
function memberStarts(line: string): number[] {
  const out: number[] = [];
  let from = 0;
  for (const [a, b] of [...stringTokens(line), [line.length, line.length] as [number, number]]) {
    for (let i = from; i < a; i++) if (line[i] === '{' || line[i] === ',') out.push(i + 1);
    from = b + 1;
  }
  return out;
}

const KEY_NAMES = ['win', 'system', 'eventdata', 'eventID', 'computer', 'systemTime', 'winlog', 'event_id', 'computer_name', 'event_data', 'event', 'code',
  'host', 'name', '@timestamp', 'EventChannel', 'System', 'EventData', 'EventID', 'Computer', 'SystemTime', 'Hostname', 'EventTime', 'user_data',
  'TargetUserName', 'targetUserName', 'TargetDomainName', 'targetDomainName', 'LogonType', 'logonType', 'IpAddress', 'ipAddress', 'TargetLogonId',
  'targetLogonId', 'message', 'Message', 'targetUserSid', 'logonGuid', 'target\\u0055serName', 'Logon\\u0054ype', 'win\\u006cog', 'a\\"b', 'x\\q'];
const VALUES = ['"anna"', '"4624"', '"4634"', '"4647"', '4624', '4624.0', '4.624e3', '-0', '1e999', '2', '"2"', '"3"', '"10"', '"5"', '{}', '[]', 'null', 'true',
  '"x"', '""', '"-"', '"WS9$"', '"192.0.2.99"', '"0xABC"', '"2026-11-29T10:00:00Z"', '"2026-11-29 11:00:00"', '"an\\"na"', '"an\\\\na"', '"ann\\u00e9"',
  '"ann\\q"', '"ann\u0001"', '"ann\té"', '{"system":{"eventID":"4624","systemTime":"2026-11-29T10:00:00Z"}}', '{"TargetUserName":"bob","LogonType":"2"}',
  '{"eventID":"4624"}', '[{"TargetUserName":"bob"}]', '01', '1.', '-', '1e', 'tru', 'nul'];
/** Values put in front of every line's members: the JSON grammar between strings, right and wrong. */
const STRUCTURES = ['[1,2]', '[1,]', '[,1]', '[]', '[[]]', '[{}]', '[{},]', '{"a":1,}', '{,}', '{"a" 1}', '{"a":1 "b":2}', '{"a":1}}', '[1]]', '[1}', '{"a":1]',
  '[1 2]', '[true,false,null]', '[True]', '-0.5e+3', '-.5', '+1', '0x10', '1E-0', '2.e3', 'NaN', '"a"  ', ' [ 1 , { "b" : [ ] } ] ', '[\u0020]', '[]',
  `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'['.repeat(5000)}${']'.repeat(4999)}`, `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`];
const NOISE = ['"', '\\', '{', '}', '[', ']', ':', ',', ' ', 'x', '0', '7', '-', '.', 'e', '\u0001', '\n', '\t', 'é', '\u2028', '\ud800'];

function mangled(): { line: string; how: string }[] {
  const out: { line: string; how: string }[] = [];
  const rnd = rng(20261129);
  for (const [i, line] of baseLines().entries()) {
    const add = (l: string, how: string) => out.push({ line: l, how: `${how} of base line ${i}` });
    add(line, 'unchanged');
    // truncated at every 7th offset, as is and closed with one or two braces
    for (let k = 1; k < line.length; k += 7) {
      add(line.slice(0, k), `cut at ${k}`);
      add(`${line.slice(0, k)}}`, `cut at ${k} + }`);
      add(`${line.slice(0, k)}}}`, `cut at ${k} + }}`);
    }
    // one character replaced, inserted or deleted
    for (let j = 0; j < 300; j++) {
      const k = rnd(line.length), c = NOISE[rnd(NOISE.length)]!;
      const op = rnd(3);
      add(op === 0 ? line.slice(0, k) + c + line.slice(k + 1) : op === 1 ? line.slice(0, k) + c + line.slice(k) : line.slice(0, k) + line.slice(k + 1), `edit ${op} '${c}' at ${k}`);
    }
    // a member inserted at a random place: duplicates, keys at the wrong nesting, other types, escapes
    const starts = memberStarts(line);
    for (let j = 0; j < 300 && starts.length; j++) {
      const k = starts[rnd(starts.length)]!;
      const member = `"${KEY_NAMES[rnd(KEY_NAMES.length)]!}":${VALUES[rnd(VALUES.length)]!}`;
      const closes = line[k] === '}';
      add(line.slice(0, k) + member + (closes ? '' : ',') + line.slice(k), `member ${member} at ${k}`);
    }
    if (line.startsWith('{')) for (const x of STRUCTURES) add(`{"pad":${x},${line.slice(1)}`, `"pad":${x.slice(0, 30)} first`);
    const header = line.startsWith('<') ? line.slice(0, line.indexOf('{')) : '';
    const obj = JSON.parse(line.slice(header.length)) as unknown;
    for (let j = 0; j < 5; j++) add(header + JSON.stringify(shuffled(obj, rnd)), `keys shuffled (${j})`);
    add(header + JSON.stringify(obj, null, 1).replace(/\n/g, ''), 'spaced ": "');
    add(header + JSON.stringify(obj, null, '\t').replace(/\n/g, '\r'), 'tabs and CRs between tokens');
    add(header + JSON.stringify(obj, null, 2), 'pretty-printed over several lines');
    // the read values with escapes (\" \\ \u00e9 and a raw é), and ids as numbers in other spellings
    for (const [from, to] of [['"anna"', '"an\\"na"'], ['"anna"', '"an\\\\na"'], ['"anna"', '"ann\\u00e9"'], ['"anna"', '"anné"'], ['"Administrator"', '"Adm\\u0069nistrator"'],
      ['"CORP"', '"C\\/ORP"'], ['"4624"', '4624'], ['"4624"', '4624.0'], ['"4624"', '4.624e3'], ['"4624"', '46240e-1'], ['4624', '"4624"'], ['4624', '4624e0'],
      ['"4624"', '04624'], ['"4624"', '4624.'], ['"3"', '3'], ['"3"', '3.0'], ['"2"', '2'], ['"2"', '2e0'], ['"2"', '"2\\u0000"'], ['"0x1A2B3C"', '"0x1\\u0041\\u00322B3C"']] as const) {
      if (line.includes(from)) add(line.replace(from, to), `${from} → ${to}`);
    }
  }
  for (const [what, l] of Object.entries(badInputs())) out.push({ line: l, how: what });
  return out;
}

describe('windows-security: the scan answers as JSON.parse did (differential test against reference.ts)', () => {
  test('every testdata line and ~31,800 mangled copies: same outcome, or a listed accepted difference', () => {
    const cases = mangled();
    const statuses: Record<string, number> = {};
    const accepted: Record<string, number> = Object.fromEntries(Object.keys(ACCEPTED).map((k) => [k, 0]));
    const failures: string[] = [];
    for (const { line, how } of cases) {
      const got = parseMessage(windowsSecurity, line, DIFF_CTX);
      const want = parseMessage(referenceParser, line, DIFF_CTX);
      statuses[`${want.status}: ${want.reason ?? ''}`] = (statuses[`${want.status}: ${want.reason ?? ''}`] ?? 0) + 1;
      if (util.isDeepStrictEqual(got, want)) continue;
      const why = Object.entries(ACCEPTED).find(([, ok]) => ok(line, got, want));
      if (why) accepted[why[0]]!++;
      else if (failures.length < 10) failures.push(`${how}: got ${got.status} ${got.reason ?? ''} ${JSON.stringify(got.records[0] ?? '').slice(0, 300)}\n  want ${want.status} ${want.reason ?? ''} ${JSON.stringify(want.records[0] ?? '').slice(0, 300)}\n  line ${JSON.stringify(line).slice(0, 600)}`);
      else failures.push(how);
    }
    if (process.env.DIFF_STATS) console.log(cases.length, statuses, accepted);
    assert.deepEqual(failures, [], `${failures.length} differences:\n${failures.join('\n')}`);
    assert.ok(cases.length > 25_000, `${cases.length} cases`);
    // the mangling reaches every outcome, many times
    const count = (re: RegExp) => Object.entries(statuses).filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);
    assert.ok(count(/^records/) > 1000, JSON.stringify(statuses));
    assert.ok(count(/^unparsed: malformed JSON/) > 5000, JSON.stringify(statuses));
    assert.ok(count(/^skip/) > 1000, JSON.stringify(statuses));
    assert.ok(count(/^unparsed: JSON without a Windows event id/) > 50, JSON.stringify(statuses));
    assert.ok(count(/^unparsed: no usable time stamp/) > 10, JSON.stringify(statuses));
    // the accepted difference does occur (faults put into unread strings), and only there
    assert.ok(accepted['fault inside a string the parser does not read']! > 100, JSON.stringify(accepted));
  });
});

describe('windows-security: what the scan reads, where (each checked against the reference too)', () => {
  const wazuh = () => corpus()[0]!; // EXCHANGETEST.COM\Administrator, type 3, from 192.168.0.121
  const both = (line: string) => {
    const got = parseMessage(windowsSecurity, line, DIFF_CTX);
    assert.deepEqual(got, parseMessage(referenceParser, line, DIFF_CTX));
    return got;
  };
  const user = (line: string) => {
    const o = both(line);
    assert.equal(o.status, 'records', o.reason);
    return (o.records[0] as SessionRecord).user;
  };
  test('a repeated key: the last one counts (as with JSON.parse)', () => {
    assert.equal(user(wazuh().replace('"eventdata":{', '"eventdata":{"targetUserName":"bob",')), 'EXCHANGETEST.COM\\Administrator');
    assert.equal(user(wazuh().replace('"logonType":"3"}', '"logonType":"3","targetUserName":"bob"}')), 'EXCHANGETEST.COM\\bob');
  });
  test('a repeated container replaces all of the first one', () => {
    const second = ',"win":{"system":{"eventID":"4624","systemTime":"2026-11-29T10:00:00Z"},"eventdata":{"targetUserName":"bob","logonType":"2"}}}';
    const o = both(wazuh().slice(0, -1) + second);
    assert.deepEqual([(o.records[0] as SessionRecord).user, (o.records[0] as SessionRecord).host, (o.records[0] as SessionRecord).ip], ['bob', undefined, undefined]);
    assert.equal(both(`${wazuh().slice(0, -1)},"win":"gone"}`).reason, 'JSON without a Windows event id');
  });
  test('keys at another nesting are not the event data (Winlogbeat user_data, ECS user, an array)', () => {
    const wb = JSON.parse(winlogbeat({ LogonType: '2', TargetLogonId: '0x1' })) as Record<string, unknown>;
    const line = JSON.stringify({ ...wb, user: { name: 'mallory' }, TargetUserName: 'mallory',
      winlog: { ...(wb.winlog as object), user_data: { TargetUserName: 'mallory' }, event_data: { LogonType: '2', list: [{ TargetUserName: 'mallory' }] } } });
    assert.equal(both(line).reason, 'logon event without a user name');
  });
  test('escapes in keys and values are decoded', () => {
    assert.equal(user(wazuh().replace('"targetUserName":"Administrator"', '"target\\u0055serName":"Adm\\"in\\\\istr\\u00e9tor"')), 'EXCHANGETEST.COM\\Adm"in\\istrétor');
  });
  test('a line cut and closed again, or with a raw control character in a value read, is malformed JSON', () => {
    const line = wazuh();
    assert.equal(both(`${line.slice(0, line.indexOf('"computer"'))}}}`).reason, 'malformed JSON');
    assert.equal(both(line.replace('"Administrator"', '"Admin\u0001istrator"')).reason, 'malformed JSON');
  });
  test('accepted difference: a fault inside a string the parser does not read is not seen', () => {
    const line = wazuh().replace('"%%1833"', '"%%18\\q33"').replace('"Kerberos"', '"Kerb\u0001eros"');
    assert.equal(parseMessage(referenceParser, line, DIFF_CTX).reason, 'malformed JSON');
    const o = parseMessage(windowsSecurity, line, DIFF_CTX);
    assert.equal(o.status, 'records');
    assert.ok(ACCEPTED['fault inside a string the parser does not read'](line, o, parseMessage(referenceParser, line, DIFF_CTX)));
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeClock } from '../time/clock.ts';
import { parseSyslog, scanStructuredData, scanStructuredDataSlowly } from './header.ts';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;
const REF = utc(2026, 11, 29, 15);
const london = makeClock({ zone: 'Europe/London', reference: REF });
const berlin = makeClock({ zone: 'Europe/Berlin', reference: REF });
const noZone = makeClock({ reference: REF });

test('RFC 5424 example with NILVALUE fields and Z offset', () => {
  const line = '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM\'su root\' failed for lonvick on /dev/pts/8';
  assert.deepEqual(parseSyslog(line, london), {
    raw: line,
    body: "BOM'su root' failed for lonvick on /dev/pts/8",
    header: {
      format: 'rfc5424',
      facility: 4,
      severity: 2,
      stamp: { ts: utc(2003, 10, 11, 22, 14, 15, 3_000), rawStamp: '2003-10-11T22:14:15.003Z' },
      hostname: 'mymachine.example.com',
      app: 'su',
      msgId: 'ID47',
      structuredData: '-',
    },
  });
});

test('RFC 5424 offsets +05:30 and -08:00 honoured, fraction to the µs', () => {
  const a = parseSyslog('<165>1 2026-11-29T22:13:05.123456+05:30 host app 42 - - hello', london).header!;
  assert.equal(a.stamp!.ts, utc(2026, 11, 29, 16, 43, 5, 123_456));
  assert.equal(a.stamp!.rawStamp, '2026-11-29T22:13:05.123456+05:30');
  assert.equal(a.stamp!.flags, undefined);
  assert.equal(a.pid, '42');
  const b = parseSyslog('<165>1 2003-08-24T05:14:15.000003-08:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.', london);
  assert.equal(b.header!.stamp!.ts, utc(2003, 8, 24, 13, 14, 15, 3));
  assert.equal(b.header!.hostname, '192.0.2.1');
  assert.equal(b.body, "%% It's time to make the do-nuts.");
});

test('RFC 5424 structured data with escaped ] and quotes, BOM stripped', () => {
  const sd = '[exampleSDID@32473 iut="3" eventSource="App]li\\"cation\\]" eventID="1011"][examplePriority@32473 class="high"]';
  const line = `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ${sd} \uFEFFAn application event log entry...`;
  const m = parseSyslog(line, london);
  assert.equal(m.header!.structuredData, sd);
  assert.equal(m.header!.app, 'evntslog');
  assert.equal(m.header!.pid, undefined);
  assert.equal(m.body, 'An application event log entry...');
  assert.equal(m.raw, line);
});

test('RFC 5424 without MSG, without stamp, and with SD only', () => {
  assert.deepEqual(parseSyslog('<13>1 - - - - - -', london), {
    raw: '<13>1 - - - - - -',
    body: '',
    header: { format: 'rfc5424', facility: 1, severity: 5, structuredData: '-' },
  });
  // Non-conformant but seen: no STRUCTURED-DATA at all.
  assert.deepEqual(parseSyslog('<13>1 - - - - -', london).header, { format: 'rfc5424', facility: 1, severity: 5 });
  const m = parseSyslog('<13>1 2026-11-29T22:13:05Z h a p m [x@1 a="b"]', london);
  assert.equal(m.header!.structuredData, '[x@1 a="b"]');
  assert.equal(m.body, '');
});

test('RFC 5424 malformed structured data stays in the body', () => {
  const open = parseSyslog('<13>1 - h a - - [x@1 a="b] c" msg', london);
  assert.equal(open.header!.structuredData, undefined);
  assert.equal(open.body, '[x@1 a="b] c" msg');
  const tight = parseSyslog('<13>1 - h a - - [x@1]msg', london);
  assert.equal(tight.header!.structuredData, '[x@1]');
  assert.equal(tight.body, 'msg');
  const none = parseSyslog('<13>1 - h a - - msg without sd', london);
  assert.equal(none.header!.structuredData, undefined);
  assert.equal(none.body, 'msg without sd');
});

test('structured data: the regex scanner ends where the character scanner does, on real and random text', () => {
  const real = [
    '[junos@2636.1.1.1.2.39 source-address="10.0.0.1" policy-name="a\\"b]c\\\\" x="]"] msg',
    '[x@1 a="b"][y@2 c="d\\]"] rest', '[x@1]', '[x@1 a="b', '[x@1 a="b\\', '[x@1 a="b"]x', '[[]]', '[]', '-', '',
  ];
  for (const s of real) assert.equal(scanStructuredData(s, 0), scanStructuredDataSlowly(s, 0), s);
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const alphabet = '[]"\\ =ax';
  for (let k = 0; k < 20000; k++) {
    let s = '[';
    for (let i = rnd(24); i > 0; i--) s += alphabet[rnd(alphabet.length)];
    assert.equal(scanStructuredData(s, 0), scanStructuredDataSlowly(s, 0), JSON.stringify(s));
  }
  const long = '[x@1' + ' k="v\\"w"'.repeat(100_000) + ']'; // no pathological cost, same answer
  assert.equal(scanStructuredData(long, 0), long.length);
});

test('RFC 3164 with PRI and hostname', () => {
  const line = '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8';
  assert.deepEqual(parseSyslog(line, london), {
    raw: line,
    body: "'su root' failed for lonvick on /dev/pts/8",
    header: {
      format: 'rfc3164',
      facility: 4,
      severity: 2,
      stamp: { ts: utc(2026, 10, 11, 21, 14, 15), rawStamp: 'Oct 11 22:14:15', flags: { yearInferred: true } },
      hostname: 'mymachine',
      app: 'su',
    },
  });
});

test('RFC 3164 without PRI, tag with pid', () => {
  const m = parseSyslog('Nov 29 14:43:01 gw dnsmasq-dhcp[123]: DHCPACK(br-lan) 10.77.0.102 aa:bb:cc:dd:ee:ff laptop', london);
  assert.equal(m.header!.hostname, 'gw');
  assert.equal(m.header!.app, 'dnsmasq-dhcp');
  assert.equal(m.header!.pid, '123');
  assert.equal(m.header!.facility, undefined);
  assert.equal(m.body, 'DHCPACK(br-lan) 10.77.0.102 aa:bb:cc:dd:ee:ff laptop');
  assert.equal(m.header!.stamp!.ts, utc(2026, 11, 29, 14, 43, 1));
});

test('RFC 3164 without hostname, as programs write their own files', () => {
  const m = parseSyslog('Nov 29 14:43:01 dnsmasq-dhcp[123]: DHCPACK(br-lan) 10.77.0.102 aa:bb:cc:dd:ee:ff', london);
  assert.equal(m.header!.hostname, undefined);
  assert.equal(m.header!.app, 'dnsmasq-dhcp');
  assert.equal(m.header!.pid, '123');
  assert.equal(m.body, 'DHCPACK(br-lan) 10.77.0.102 aa:bb:cc:dd:ee:ff');
  const k = parseSyslog('Nov 29 14:43:01 kernel: [ 12.345] eth0 up', london);
  assert.equal(k.header!.hostname, undefined);
  assert.equal(k.header!.app, 'kernel');
  assert.equal(k.body, '[ 12.345] eth0 up');
});

test('RFC 3164 space-padded, zero-padded and bare single-digit day', () => {
  for (const stamp of ['Nov  2 14:43:01', 'Nov 02 14:43:01', 'Nov 2 14:43:01']) {
    const m = parseSyslog(`${stamp} host app: x`, london);
    assert.equal(m.header!.stamp!.rawStamp, stamp);
    assert.equal(m.header!.stamp!.ts, utc(2026, 11, 2, 14, 43, 1), stamp);
    assert.equal(m.header!.hostname, 'host');
    assert.equal(m.body, 'x');
  }
});

test('RFC 3164 fractional seconds preserved to the µs', () => {
  const m = parseSyslog('Nov 29 14:43:01.123456 host app[1]: x', berlin);
  assert.equal(m.header!.stamp!.ts, utc(2026, 11, 29, 13, 43, 1, 123_456));
  assert.equal(m.header!.stamp!.rawStamp, 'Nov 29 14:43:01.123456');
  assert.equal(parseSyslog('Nov 29 14:43:01.5 host app[1]: x', berlin).header!.stamp!.ts, utc(2026, 11, 29, 13, 43, 1, 500_000));
});

test('zone-less source: RFC 3164 stamp read as UTC and flagged zoneAssumed', () => {
  const m = parseSyslog('Nov 29 14:43:01 host app: x', noZone);
  assert.deepEqual(m.header!.stamp, {
    ts: utc(2026, 11, 29, 14, 43, 1),
    rawStamp: 'Nov 29 14:43:01',
    flags: { yearInferred: true, zoneAssumed: true },
  });
});

test('RFC 3164 local stamps get DST flags from the clock', () => {
  const amb = parseSyslog('Oct 25 01:30:00 host app: x', london).header!.stamp!;
  assert.deepEqual(amb.flags, { yearInferred: true, ambiguous: true });
  assert.equal(amb.ts, utc(2026, 10, 25, 0, 30));
  assert.equal(amb.tsAlt, utc(2026, 10, 25, 1, 30));
  const spring = makeClock({ zone: 'Europe/Berlin', reference: utc(2026, 4, 1) });
  const gap = parseSyslog('Mar 29 02:30:00 host app: x', spring).header!.stamp!;
  assert.deepEqual(gap.flags, { yearInferred: true, nonexistent: true });
  assert.equal(gap.ts, utc(2026, 3, 29, 1, 30));
});

test('RFC 3164 year inference across New Year', () => {
  const jan1 = makeClock({ zone: 'UTC', reference: utc(2027, 1, 1, 0, 0, 5) });
  assert.equal(parseSyslog('Dec 31 23:59:59 h a: x', jan1).header!.stamp!.ts, utc(2026, 12, 31, 23, 59, 59));
  const dec31 = makeClock({ zone: 'UTC', reference: utc(2026, 12, 31, 23, 59, 58) });
  assert.equal(parseSyslog('Jan  1 00:00:03 h a: x', dec31).header!.stamp!.ts, utc(2027, 1, 1, 0, 0, 3));
});

test('rsyslog RFC 3339 stamp variant', () => {
  const m = parseSyslog('2026-11-29T14:43:01.123456+01:00 gw dnsmasq[77]: query[A] example.com from 10.77.0.102', london);
  assert.equal(m.header!.format, 'rfc3164');
  assert.deepEqual(m.header!.stamp, { ts: utc(2026, 11, 29, 13, 43, 1, 123_456), rawStamp: '2026-11-29T14:43:01.123456+01:00' });
  assert.equal(m.header!.hostname, 'gw');
  assert.equal(m.header!.app, 'dnsmasq');
  assert.equal(m.header!.pid, '77');
  assert.equal(m.body, 'query[A] example.com from 10.77.0.102');
  // With PRI, and without offset (read in the clock's zone, year known).
  const n = parseSyslog('<30>2026-07-01T12:00:00 gw app: x', london);
  assert.equal(n.header!.facility, 3);
  assert.deepEqual(n.header!.stamp, { ts: utc(2026, 7, 1, 11), rawStamp: '2026-07-01T12:00:00' });
});

test('OpenWrt logread form with full year and facility.severity', () => {
  const line = 'Fri Dec 22 21:48:25 2023 daemon.info dnsmasq-dhcp[1]: DHCPACK(br-lan) 192.168.1.100 aa:bb:cc:dd:ee:ff';
  assert.deepEqual(parseSyslog(line, london), {
    raw: line,
    body: 'DHCPACK(br-lan) 192.168.1.100 aa:bb:cc:dd:ee:ff',
    header: {
      format: 'rfc3164',
      facility: 3,
      severity: 6,
      stamp: { ts: utc(2023, 12, 22, 21, 48, 25), rawStamp: 'Fri Dec 22 21:48:25 2023' },
      app: 'dnsmasq-dhcp',
      pid: '1',
    },
  });
  const k = parseSyslog('Sat Jul  1 09:00:00 2023 kern.warn kernel: [1.0] x', london);
  assert.equal(k.header!.severity, 4);
  assert.equal(k.header!.stamp!.ts, utc(2023, 7, 1, 8));
});

test('tag with no stamp at all', () => {
  assert.deepEqual(parseSyslog('dnsmasq-dhcp: DHCPACK(br-lan) 10.77.0.102', london), {
    raw: 'dnsmasq-dhcp: DHCPACK(br-lan) 10.77.0.102',
    body: 'DHCPACK(br-lan) 10.77.0.102',
    header: { format: 'rfc3164', app: 'dnsmasq-dhcp' },
  });
  assert.deepEqual(parseSyslog('dnsmasq[123]: query[A] x from y', london).header, { format: 'rfc3164', app: 'dnsmasq', pid: '123' });
  assert.deepEqual(parseSyslog('<30>dnsmasq[123]: q', london).header, { format: 'rfc3164', facility: 3, severity: 6, app: 'dnsmasq', pid: '123' });
});

test('lines without a recognisable header come back whole', () => {
  for (const line of [
    '',
    'just some text',
    '1764425581.123 10.0.0.1 TCP_MISS/200',
    'Nov 31 14:43:01 host app: x', // no such date
    'Nov 29 25:43:01 host app: x',
    'Foo 29 14:43:01 host app: x',
    '<999>Nov 29 14:43:01 host app: x',
    '2026-11-29 is the day',
    'http://example.com/ x',
  ]) {
    assert.deepEqual(parseSyslog(line, london), { raw: line, body: line }, line);
  }
});

test('IPv6 host is not mistaken for a tag, and a host-only header keeps an empty body', () => {
  const m = parseSyslog('Nov 29 14:43:01 2001:db8::1 sshd[9]: Accepted', london);
  assert.equal(m.header!.hostname, '2001:db8::1');
  assert.equal(m.header!.app, 'sshd');
  const h = parseSyslog('Nov 29 14:43:01 host', london);
  assert.equal(h.header!.hostname, 'host');
  assert.equal(h.body, '');
  const nt = parseSyslog('Nov 29 14:43:01 host message without a tag', london);
  assert.equal(nt.header!.hostname, 'host');
  assert.equal(nt.header!.app, undefined);
  assert.equal(nt.body, 'message without a tag');
});

test('PRI alone is kept as a header', () => {
  assert.deepEqual(parseSyslog('<13>hello world', london), {
    raw: '<13>hello world',
    body: 'hello world',
    header: { format: 'rfc3164', facility: 1, severity: 5 },
  });
});

test('micro-benchmark (prints lines/s, asserts nothing)', () => {
  // Distinct stamps a few seconds apart over two days, so per-line year and zone work is really done.
  const M = ['Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const s = i * 7, d = 29 + Math.floor(s / 86_400), sod = s % 86_400;
    const t = `${p2(Math.floor(sod / 3600))}:${p2(Math.floor(sod / 60) % 60)}:${p2(sod % 60)}`;
    const stamp = `${M[d > 30 ? 1 : 0]} ${String(d > 30 ? d - 30 : d).padStart(2, ' ')} ${t}`;
    switch (i & 3) {
      case 0: lines.push(`${stamp} dnsmasq-dhcp[123]: DHCPACK(br-lan) 10.77.0.${i & 255} aa:bb:cc:dd:ee:ff laptop`); break;
      case 1: lines.push(`<30>${stamp} gw dnsmasq[77]: query[A] example.com from 10.77.0.102`); break;
      case 2: lines.push(`<165>1 2026-11-29T${t}.123456+05:30 host app 42 - - hello world`); break;
      default: lines.push(`2026-11-29T${t}.123456+01:00 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=10.0.0.1`);
    }
  }
  const clock = makeClock({ zone: 'Europe/London', reference: REF });
  const run = (pick: (i: number) => string, n: number) => {
    let sink = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += parseSyslog(pick(i), clock).body.length;
    return { rate: n / (Number(process.hrtime.bigint() - t0) / 1e9), sink };
  };
  run((i) => lines[i % lines.length]!, 50_000); // warm-up
  const mixed = run((i) => lines[i % lines.length]!, 400_000);
  const bsd = run((i) => lines[(i * 4) % lines.length]!, 400_000);
  const fmt = (r: number) => Math.round(r).toLocaleString('en');
  console.log(`parseSyslog: ${fmt(mixed.rate)} lines/s mixed, ${fmt(bsd.rate)} lines/s RFC 3164 without host`);
});

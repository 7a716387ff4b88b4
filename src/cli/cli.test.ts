// The command line as a user meets it: real processes, real files, exit codes and one-line errors.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const BIN = join(process.cwd(), 'bin', 'whowas.js');

function whowas(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('whowas CLI', () => {
  let dir: string;
  let data: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'whowas-cli-'));
    data = join(dir, 'data');
    // Real dnsmasq (Europe/Berlin) and conntrack lines in the lab's shape.
    writeFileSync(
      join(dir, 'dnsmasq.log'),
      [
        'Nov 29 23:12:01 dnsmasq-dhcp[812]: 1234567 DHCPDISCOVER(br-lan) 02:77:00:00:00:01',
        'Nov 29 23:12:01 dnsmasq-dhcp[812]: 1234567 DHCPACK(br-lan) 10.77.0.101 02:77:00:00:00:01 pc-1',
        'Nov 29 23:12:02 dnsmasq[812]: query[A] example.org from 10.77.0.101',
        'this is not a dnsmasq line',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'conntrack.log'),
      '[1764454385.123456]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.77.0.101 dst=198.51.100.7 sport=51234 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.5 sport=443 dport=40123\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--format auto recognises a dnsmasq log and says how sure it is', () => {
    const r = whowas(['ingest', '--data', join(dir, 'auto'), '--format', 'auto', '--json', join(dir, 'dnsmasq.log')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /format dnsmasq \(confidence 0\.\d+|format dnsmasq \(confidence 1/);
    assert.equal(JSON.parse(r.out).records.lease, 1);
  });

  it('--format auto on lines of no known format: exit 2, says to give --format', () => {
    writeFileSync(join(dir, 'junk.log'), 'hello\nworld\n');
    const r = whowas(['ingest', '--data', join(dir, 'auto2'), '--format', 'auto', join(dir, 'junk.log')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no format recognised .*give --format <name>/);
  });

  it('--help lists the commands', () => {
    const r = whowas(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['serve', 'ingest', 'trace']) assert.match(r.out, new RegExp(`\\b${c}\\b`));
  });

  it('ingest --json prints the summary: lines, records by kind, skipped, unparsed', () => {
    const r = whowas(['ingest', '--data', data, '--format', 'dnsmasq', '--tz', 'Europe/Berlin', '--year', '2025', '--source', 'gw', '--json', join(dir, 'dnsmasq.log')]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.lines, 4);
    assert.equal(s.records.lease, 1);
    assert.equal(s.records.dnsquery, 1);
    assert.equal(s.skipped, 1);
    assert.equal(s.unparsed, 1);
    const c = whowas(['ingest', '--data', data, '--format', 'conntrack', '--json', join(dir, 'conntrack.log')]);
    assert.equal(JSON.parse(c.out).records.nat, 1);
  });

  it('trace --json answers with the inside host, MAC, hostname and evidence; the lookup is audited', () => {
    const r = whowas(['trace', '203.0.113.5:40123', '--at', '2025-11-29T22:13:05.2Z', '--proto', 'tcp', '--json', '--data', data, '--reason', 'CERT-1234']);
    assert.equal(r.code, 0, r.err);
    const a = JSON.parse(r.out);
    assert.equal(a.candidates[0].inside, '10.77.0.101:51234');
    assert.equal(a.candidates[0].mac, '02:77:00:00:00:01');
    assert.equal(a.candidates[0].hostname, 'pc-1');
    assert.ok(a.candidates[0].evidence.some((e: { line: string }) => e.line.includes('DHCPACK(br-lan) 10.77.0.101')));
    assert.equal(a.ambiguous, false);
    const audit = readFileSync(join(data, 'audit.log'), 'utf8');
    assert.match(audit, /"action":"trace".*"reason":"CERT-1234"/);
    const text = whowas(['trace', '203.0.113.5:40123', '--at', '1764454385', '--data', data]);
    assert.match(text.out, /> \[1764454385\.123456\]/);
  });

  it('dns lists the clients that looked up a name, traced to MAC and hostname; audited', () => {
    const r = whowas(['dns', 'example.org', '--from', '2025-11-29T22:00:00Z', '--to', '2025-11-29T23:00:00Z', '--json', '--data', data, '--reason', 'CERT-77']);
    assert.equal(r.code, 0, r.err);
    const a = JSON.parse(r.out);
    assert.equal(a.clients.length, 1);
    assert.equal(a.clients[0].client, '10.77.0.101');
    assert.equal(a.clients[0].mac, '02:77:00:00:00:01');
    assert.equal(a.clients[0].hostname, 'pc-1');
    assert.match(a.clients[0].evidence[0].line, /query\[A\] example\.org from 10\.77\.0\.101/);
    const suffix = JSON.parse(whowas(['dns', '*.org', '--from', '2025-11-29T22:00:00Z', '--to', '2025-11-29T23:00:00Z', '--json', '--data', data]).out);
    assert.equal(suffix.clients.length, 1);
    assert.match(readFileSync(join(data, 'audit.log'), 'utf8'), /"action":"dns".*"reason":"CERT-77"/);
    const none = whowas(['dns', 'example.org', '--from', '2025-11-28T22:00:00Z', '--to', '2025-11-28T23:00:00Z', '--data', data]);
    assert.equal(none.code, 3);
    assert.match(none.out, /no lookup of example\.org/);
    assert.match(whowas(['dns', 'bad name!', '--from', '1', '--to', '2', '--data', data]).err, /give a DNS name/);
  });

  it('tracing a configured resolver\'s address points to its query log', () => {
    const cfgData = join(dir, 'resolver-data');
    whowas(['ingest', '--data', cfgData, '--format', 'dnsmasq', '--tz', 'Europe/Berlin', '--year', '2025', '--resolver', '10.77.0.1', '--source', 'campus-dns-log', '--json', join(dir, 'dnsmasq.log')]);
    writeFileSync(join(cfgData, 'whowas.json'), JSON.stringify({ sources: [{ id: 'campus-dns-log', format: 'dnsmasq', resolver: { name: 'campus-dns', addresses: ['10.77.0.1', '192.0.2.53'] } }] }));
    const r = whowas(['trace', '192.0.2.53', '--at', '2025-11-29T22:13:05Z', '--json', '--data', cfgData]);
    assert.match(JSON.parse(r.out).warnings[0], /192\.0\.2\.53 is the DNS resolver 'campus-dns'.*whowas dns <name> --resolver campus-dns/);
    const d = JSON.parse(whowas(['dns', 'example.org', '--resolver', 'campus-dns', '--from', '2025-11-29T22:00:00Z', '--to', '2025-11-29T23:00:00Z', '--json', '--data', cfgData]).out);
    assert.deepEqual(d.clients[0].resolvers, ['10.77.0.1']);
    const byAddress = JSON.parse(whowas(['dns', 'example.org', '--resolver', '192.0.2.53', '--from', '2025-11-29T22:00:00Z', '--to', '2025-11-29T23:00:00Z', '--json', '--data', cfgData]).out);
    assert.equal(byAddress.clients.length, 1);
    const other = whowas(['dns', 'example.org', '--resolver', 'other-dns', '--from', '2025-11-29T22:00:00Z', '--to', '2025-11-29T23:00:00Z', '--json', '--data', cfgData]);
    assert.equal(JSON.parse(other.out).clients.length, 0);
  });

  it('who without a subject or a time says what to type', () => {
    assert.match(whowas(['who', '--at', '2025-11-29T22:00:00Z', '--data', data]).err, /give --host <name>, --ip/);
    assert.match(whowas(['who', '--host', 'pc-1', '--data', data]).err, /give --at <time>, or --from/);
  });

  for (const [name, args, pattern] of [
    ['unknown format', ['ingest', '--format', 'nope', 'x.log'], /unknown format 'nope'.*conntrack/],
    ['unreadable file', ['ingest', '--format', 'dnsmasq', '/nonexistent/x.log'], /cannot read '\/nonexistent\/x.log'/],
    ['bad zone', ['ingest', '--format', 'dnsmasq', '--tz', 'Europe/Londn', 'x.log'], /unknown time zone 'Europe\/Londn'.*Europe\/London/],
    ['time without offset', ['trace', '203.0.113.5:1', '--at', '2026-11-29T22:13:05'], /has no offset.*--tz/],
    ['ambiguous local time', ['trace', '203.0.113.5:1', '--at', '2026-10-25 01:30:00', '--tz', 'Europe/London'], /ambiguous.*2026-10-25T00:30:00Z.*2026-10-25T01:30:00Z/],
    ['unparseable time', ['trace', '203.0.113.5:1', '--at', 'yesterday'], /yesterday/],
    ['malformed address', ['trace', '203.0.113.500:1', '--at', '1764454385'], /not an address.*203\.0\.113\.5:40123/],
    ['bad port', ['trace', '203.0.113.5:99999', '--at', '1764454385'], /bad port/],
  ] as const) {
    it(`bad input: ${name} → one-line error, non-zero exit, store untouched`, () => {
      const bad = join(dir, `bad-${name.replace(/\W/g, '')}`);
      const r = whowas([...args, '--data', bad]);
      assert.notEqual(r.code, 0);
      assert.match(r.err, pattern);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      let files: string[] = [];
      try {
        files = readdirSync(join(bad, 'days'));
      } catch {}
      assert.deepEqual(files, []);
    });
  }
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { DnsQueryRecord, FlowRecord, LeaseRecord } from '../../records/record.ts';
import { parseMessage, type Outcome } from '../run.ts';
import { badInputs, checkExpected, contextFor, expectedForm, readTestdata, runFile, testdataFiles, type TestFile } from '../testing.ts';
import { zeek } from './index.ts';

const REF = Date.UTC(2024, 7, 16, 12) * 1000;
/** Unit tests use their own source ids: the TSV header is remembered per source. */
const ctxFor = (source: string) => contextFor({ reference: REF }, source);
const us = (y: number, mo: number, d: number, h: number, mi: number, s: number, micro = 0) => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + micro;

function one(line: string, source = 'unit'): Outcome {
  return parseMessage(zeek, line, ctxFor(source));
}
function rec<T>(line: string, source = 'unit'): T {
  const o = one(line, source);
  assert.equal(o.status, 'records', `${line}: ${o.reason ?? ''}`);
  assert.equal(o.records.length, 1);
  return o.records[0] as T;
}
function counts(out: Outcome[]) {
  const c = { records: 0, skip: 0, unparsed: 0 };
  for (const o of out) c[o.status]++;
  return c;
}
const file = (name: string) => testdataFiles(zeek).find((p) => p.endsWith(`/${name}`))!;

/**
 * The shared test reader drops every line starting with '#', which for Zeek are the header lines
 * (#separator, #fields …). This reader keeps them (a '#' followed by a letter) and drops only comments
 * ('# …'), so a file is parsed as ingest would read it, headers first.
 */
function readStream(path: string): TestFile {
  const base = readTestdata(zeek, path);
  const messages = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !(l.startsWith('#') && !/^#[a-z]/.test(l)));
  return { ...base, messages };
}
function runStream(path: string, source: string): Outcome[] {
  const f = readStream(path);
  const ctx = contextFor(f.clock, source);
  return f.messages.map((m) => parseMessage(zeek, m, ctx));
}

describe('zeek: expected output of every testdata file', () => {
  for (const path of testdataFiles(zeek)) {
    test(path.slice(path.lastIndexOf('/') + 1), () => checkExpected(zeek, readTestdata(zeek, path)));
  }
  test('corpus-tsv.log read with its header lines (corpus-tsv.stream.expected.json)', () => {
    const path = file('corpus-tsv.log');
    const f = readStream(path);
    const got = JSON.parse(JSON.stringify(expectedForm(f, runStream(path, 'stream-expected')).map((e) => {
      const x = e as { records?: { source?: string }[] };
      for (const r of x.records ?? []) r.source = 'test';
      return x;
    })));
    const exp = path.replace(/\.log$/, '.stream.expected.json');
    if (process.env.UPDATE_EXPECTED === '1' || !existsSync(exp)) {
      assert.ok(process.env.UPDATE_EXPECTED === '1', `${exp} missing: run with UPDATE_EXPECTED=1`);
      writeFileSync(exp, `${JSON.stringify(got, null, 2)}\n`);
    } else assert.deepStrictEqual(got, JSON.parse(readFileSync(exp, 'utf8')));
  });
});

describe('zeek: every corpus line is accounted for', () => {
  test('corpus-tsv.log without headers (shared reader): 8 records, masked rows and non-lookups skipped', () => {
    const f = readTestdata(zeek, file('corpus-tsv.log'));
    const out = runFile(zeek, f);
    assert.deepEqual(counts(out), { records: 8, skip: 27, unparsed: 0 });
    const masked = out.filter((o) => o.reason?.startsWith('Zeek btest baseline'));
    assert.equal(masked.length, 25); // every XXXXXXXXXX.XXXXXX row
  });

  test('corpus-tsv.log with headers: the same records, header lines skipped, rows read by #fields', () => {
    const out = runStream(file('corpus-tsv.log'), 'stream-count');
    const f = readStream(file('corpus-tsv.log'));
    const headers = f.messages.filter((m) => m.startsWith('#')).length;
    assert.equal(headers, 61); // 7 logs × 8 header lines + 5 #close lines
    assert.deepEqual(counts(out), { records: 8, skip: 27 + headers, unparsed: 0 });
    f.messages.forEach((m, i) => {
      if (m.startsWith('#')) assert.match(out[i]!.reason!, /header line/, m);
    });
  });

  test('corpus-json.log: the 3 dhcp scan rows skipped (ACK without an assigned address); the 9 fragment lines of a pretty-printed record unparsed on purpose', () => {
    const f = readTestdata(zeek, file('corpus-json.log'));
    const out = runFile(zeek, f);
    assert.deepEqual(counts(out), { records: 0, skip: 3, unparsed: 9 });
    out.forEach((o, i) => {
      if (o.status === 'unparsed') assert.ok(!f.messages[i]!.startsWith('{"ts"'), f.messages[i]);
    });
  });

  test('docs-json.log: conn, dns and dhcp objects are records; files, http and packet_filter skipped', () => {
    assert.deepEqual(counts(runFile(zeek, readTestdata(zeek, file('docs-json.log')))), { records: 6, skip: 3, unparsed: 0 });
  });
});

describe('zeek: TSV with header lines', () => {
  const hdr = (path: string, fields: string[]) => [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`, '#open\t2022-03-01-16-57-26',
    `#fields\t${fields.join('\t')}`,
  ];
  const CONN = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents'];

  test('conn.log row → flow with every field (zeek-docs tls-decryption conn.log)', () => {
    for (const h of hdr('conn', CONN)) assert.equal(one(h, 'unit-conn').status, 'skip', h);
    const line = '1646150638.631834\tCTy5Us4OUaTOcyrPvc\t192.168.20.12\t60679\t193.99.144.85\t443\ttcp\thttp,ssl\t7.246461\t10853\t151695\tSF\t-\t-\t0\tShADadFf\t98\t15961\t139\t158931\t-';
    const r = rec<FlowRecord>(line, 'unit-conn');
    assert.equal(r.kind, 'flow');
    assert.equal(r.ts, us(2022, 3, 1, 16, 3, 58, 631834));
    assert.equal(r.rawStamp, '1646150638.631834');
    assert.deepEqual([r.proto, r.srcIp, r.srcPort, r.dstIp, r.dstPort], ['tcp', '192.168.20.12', 60679, '193.99.144.85', 443]);
    assert.equal(r.end, r.ts + 7_246_461);
    assert.deepEqual([r.state, r.bytesOut, r.bytesIn, r.how], ['SF', 10853, 151695, 'zeek-conn']);
    assert.equal(r.raw, line);
  });

  test('the header is kept per source: a dns.log and a conn.log interleaved on two sources do not mix', () => {
    const DNS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name'];
    // Columns reordered on purpose: only the header can tell where the query is.
    const DNS2 = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'qtype_name', 'query'];
    const a = hdr('dns', DNS), b = hdr('dns', DNS2);
    for (let i = 0; i < a.length; i++) {
      one(a[i]!, 'unit-dns-a');
      one(b[i]!, 'unit-dns-b');
    }
    const ra = rec<DnsQueryRecord>('1591367999.305988\tCazOhH2qDUiJTWMCY\t192.168.4.76\t36844\t192.168.4.1\t53\tudp\t19671\t0.066852\tTestMyIDS.com.\t1\tC_INTERNET\t1\tA\t0\tNOERROR', 'unit-dns-a');
    const rb = rec<DnsQueryRecord>('1591367999.305988\tCazOhH2qDUiJTWMCY\t192.168.4.76\t36844\t192.168.4.1\t53\tudp\tAAAA\twww.example.com', 'unit-dns-b');
    assert.deepEqual([ra.client, ra.clientPort, ra.qname, ra.qtype, ra.resolver], ['192.168.4.76', 36844, 'testmyids.com', 'A', '192.168.4.1']);
    assert.deepEqual([rb.qname, rb.qtype], ['www.example.com', 'AAAA']);
  });

  test('dhcp.log row → lease: assigned_addr, mac, host_name, end = ts + lease_time, via = server', () => {
    for (const h of hdr('dhcp', ['ts', 'uids', 'client_addr', 'server_addr', 'mac', 'host_name', 'client_fqdn', 'domain', 'requested_addr', 'assigned_addr', 'lease_time', 'client_message', 'server_message', 'msg_types', 'duration', 'label', 'detailedlabel'])) one(h, 'unit-dhcp');
    const r = rec<LeaseRecord>('1677024250.120199\tCMvTd02Pju86FLjSn1\t192.168.1.107\t192.168.1.1\t08:00:27:5e:9a:a6\tNWin3\tNWin3.StratoLab.org\t-\t-\t192.168.1.107\t600.000000\t-\t-\tREQUEST,REQUEST,ACK,ACK\t0.000883\tBenign\tFrom_benign-To_benign-DHCP', 'unit-dhcp');
    assert.deepEqual([r.kind, r.ip, r.mac, r.hostname, r.how, r.via], ['lease', '192.168.1.107', '08:00:27:5e:9a:a6', 'NWin3', 'ack', '192.168.1.1']);
    assert.equal(r.end, r.ts + 600_000_000);
    // The same exchange ending in DECLINE (the client refused the address) and one ending in NAK.
    assert.equal(rec<LeaseRecord>('1677024250.120199\tC1\t-\t-\t90:b1:1c:99:49:29\tbtest.is.cool\t-\tcmu.edu\t128.2.6.189\t128.2.6.189\t900.000000\t-\t-\tDISCOVER,OFFER,REQUEST,NAK,REQUEST,ACK,DECLINE\t3.058797\t-\t-', 'unit-dhcp').how, 'decline');
    assert.equal(one('1677024250.120199\tC1\t-\t-\t90:b1:1c:99:49:29\t-\t-\t-\t128.2.6.189\t-\t-\t-\t-\tREQUEST,NAK\t0.1\t-\t-', 'unit-dhcp').status, 'skip');
  });

  test('a masked btest row and multicast / LLMNR / NetBIOS lookups are skipped', () => {
    assert.match(one('XXXXXXXXXX.XXXXXX\tC4J4Th3PJpwUYZZ6gc\t141.142.220.50\t5353\t224.0.0.251\t5353\tudp\t0\t-\tgemini._sftp-ssh._tcp.local\t-\t-\t-\t-\t0\tNOERROR\tT\tF\tF\tF\t0\tgemini.local\t120.000000\tF\t0\tquery', 'unit-mask').reason!, /masked/);
    const old = (rp: string) => `1359565680.761790\tUWkUyAuUGXf\t192.168.6.10\t53209\t224.0.0.251\t${rp}\tudp\t41477\tgemini.local\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tF\t1\t-\t-\tF`;
    assert.match(one(old('5353'), 'unit-mdns').reason!, /mDNS/);
    assert.match(one(old('5355'), 'unit-mdns').reason!, /LLMNR/);
    assert.match(one(old('137'), 'unit-mdns').reason!, /NetBIOS/);
  });
});

describe('zeek: JSON lines', () => {
  test('dns.log object → dnsquery; ts read from the text (no float rounding)', () => {
    const r = rec<DnsQueryRecord>('{"ts":1591367999.306059,"uid":"CMdzit1AMNsmfAIiQc","id.orig_h":"192.168.4.76","id.orig_p":36844,"id.resp_h":"192.168.4.1","id.resp_p":53,"proto":"udp","trans_id":8555,"query":"testmyids.com","qclass":1,"qclass_name":"C_INTERNET","qtype":28,"qtype_name":"AAAA","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":false,"Z":0,"rejected":false}');
    assert.equal(r.ts, us(2020, 6, 5, 14, 39, 59, 306059));
    assert.deepEqual([r.client, r.clientPort, r.qname, r.qtype, r.resolver], ['192.168.4.76', 36844, 'testmyids.com', 'AAAA', '192.168.4.1']);
  });

  test('dhcp.log object with an ISO 8601 ts → lease', () => {
    const r = rec<LeaseRecord>('{"ts":"2020-10-02T04:14:39.135304Z","uids":["COoA8M1gbTowuPlVT","CapFoX32zVg3R6TATc"],"client_addr":"192.168.4.152","server_addr":"192.168.4.1","mac":"3c:58:c2:2f:91:21","host_name":"3071N0098017422","client_fqdn":"3071N0098017422.fcps.edu","domain":"localdomain","requested_addr":"192.168.4.152","assigned_addr":"192.168.4.152","lease_time":86400,"msg_types":["DISCOVER","OFFER","REQUEST","ACK"],"duration":0.416348934173584}');
    assert.equal(r.ts, us(2020, 10, 2, 4, 14, 39, 135304));
    assert.equal(r.rawStamp, '2020-10-02T04:14:39.135304Z');
    assert.deepEqual([r.ip, r.mac, r.how, r.end], ['192.168.4.152', '3c:58:c2:2f:91:21', 'ack', r.ts + 86_400_000_000]);
  });

  test('_path (json-streaming-logs) wins over field inference; nested "id" objects are read', () => {
    assert.equal(one('{"_path":"http","ts":1591367999.512593,"uid":"C5","id.orig_h":"192.168.4.76","id.orig_p":46378,"id.resp_h":"31.3.245.133","id.resp_p":80,"proto":"tcp","conn_state":"SF"}').status, 'skip');
    const r = rec<FlowRecord>('{"ts":1591367999.430166,"uid":"C5","id":{"orig_h":"192.168.4.76","orig_p":46378,"resp_h":"31.3.245.133","resp_p":80},"proto":"tcp","conn_state":"SF","orig_bytes":77,"resp_bytes":295,"duration":0.25411510467529297}');
    assert.deepEqual([r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.bytesOut, r.bytesIn], ['192.168.4.76', 46378, '31.3.245.133', 80, 77, 295]);
    assert.equal(r.end, r.ts + 254_115);
  });

  test('ICMP over IPv6 is icmpv6 and has no ports; unset fields are simply absent', () => {
    const r = rec<FlowRecord>('{"ts":1591367999.1,"uid":"C6","id.orig_h":"fe80::1","id.orig_p":135,"id.resp_h":"ff02::1:ff00:2","id.resp_p":136,"proto":"icmp","conn_state":"OTH"}');
    assert.deepEqual([r.proto, r.srcPort, r.dstPort, r.end, r.bytesOut], ['icmpv6', undefined, undefined, undefined, undefined]);
  });
});

describe('zeek: bad input is unparsed with a reason, never a throw', () => {
  const cases: Record<string, string> = {
    ...badInputs(),
    'truncated JSON': '{"ts":1591367999.306059,"uid":"CMdzit1AMNsmfAIiQc","id.orig_h":"192.16',
    'JSON array': '[1,2,3]',
    'JSON without ts': '{"uid":"C1","id.orig_h":"1.2.3.4","proto":"tcp","conn_state":"SF"}',
    'headerless TSV of unknown shape': '1591367999.305988\tfoo\tbar\tbaz',
    'a comment line': '# just a comment',
    'an argus line': '1795963822.015592  1795963822.016562   0.000970    tcp          10.99.0.1.51380     ->          10.99.0.2.8080',
  };
  for (const [what, line] of Object.entries(cases)) {
    test(what, () => {
      const o = one(line, 'unit-bad');
      assert.equal(o.status, 'unparsed', `${o.status}: ${o.reason ?? ''}`);
      assert.ok(o.reason && o.reason.length > 3);
    });
  }
});

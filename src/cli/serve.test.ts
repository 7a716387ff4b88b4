// `whowas serve` as a site runs it: a real process on loopback ports, fed by syslog over UDP and TCP and by
// IPFIX NAT events, answering traces over HTTP only with a token, auditing every lookup.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NAT44_SESSION, dataSet, encodeRecord, ipfixMessage, ipfixTemplateSet } from '../inputs/ipfix/testing.ts';

const BIN = join(process.cwd(), 'bin', 'whowas.js');

function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((r) => s.bind(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  }));
}

function freeTcpPort(): Promise<number> {
  const srv = createServer();
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => {
    const a = srv.address();
    srv.close(() => r(typeof a === 'object' && a ? a.port : 0));
  }));
}

/** An RFC 3164 stamp (no year, no zone) of instant `ms` in Berlin local time, as dnsmasq on that router writes it. */
function berlinStamp(ms: number): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p.month} ${p.day!.padStart(2, ' ')} ${p.hour}:${p.minute}:${p.second}`;
}
const berlinOffset = (ms: number) => Date.parse(`${berlinStamp(ms)} ${new Date(ms).getUTCFullYear()} UTC`) - Math.floor(ms / 1000) * 1000;

// Syslog stamps carry no year, so the server infers it from the receive time: the scenario happens an hour
// ago (whenever the test runs), away from a daylight-saving change (the test's stamps would be ambiguous).
let T = (Math.floor(Date.now() / 1000) - 3600) * 1000 + 250;
if (berlinOffset(T - 3 * 3600_000) !== berlinOffset(T)) T -= 6 * 3600_000;
const AT = new Date(T).toISOString().replace(/\.\d+Z$/, 'Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('whowas serve', () => {
  let dir: string;
  let proc: ChildProcess;
  let out = '';
  let token = '';
  let http = '';
  let syslogUdp = 0, syslogTcp = 0, ipfixPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whowas-serve-'));
    // Port 0 disables an input in the config, so pick free ports first.
    [syslogUdp, ipfixPort] = [await freeUdpPort(), await freeUdpPort()];
    syslogTcp = await freeTcpPort();
    writeFileSync(
      join(dir, 'whowas.json'),
      JSON.stringify({
        http: { host: '127.0.0.1', port: 0 },
        syslog: { host: '127.0.0.1', udpPort: syslogUdp, tcpPort: syslogTcp },
        ipfix: { host: '127.0.0.1', port: ipfixPort },
        sources: [
          { id: 'gw-dhcp', format: 'dnsmasq', zone: 'Europe/Berlin', match: { app: 'dnsmasq' } },
          { id: 'cgn', format: 'ipfix', match: { sender: '127.0.0.1' } },
        ],
      }),
    );
    proc = spawn(process.execPath, [BIN, 'serve', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (b) => (out += String(b)));
    proc.stderr!.on('data', (b) => (out += String(b)));
    const deadline = Date.now() + 30_000;
    while (!/http api on (\S+)/.test(out)) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    token = /created the admin API token[^\n]*\n\s+(\S+)/.exec(out)![1]!;
    http = /http api on (\S+)/.exec(out)![1]!;
    assert.match(out, new RegExp(`syslog udp on 127\\.0\\.0\\.1:${syslogUdp}`));
    assert.match(out, new RegExp(`ipfix/netflow v9 udp on 127\\.0\\.0\\.1:${ipfixPort}`));
  });

  after(async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, auth = true) => {
    const r = await fetch(`${http}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('takes syslog over UDP and TCP and IPFIX NAT events, and traces them over HTTP with a token', async () => {
    // The DHCP lease over UDP (RFC 3164, Berlin local time) a minute before T, a query over TCP (octet counting).
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.send(`<30>${berlinStamp(T - 64_000)} gw dnsmasq-dhcp[812]: DHCPACK(br-lan) 10.77.0.101 02:77:00:00:00:01 pc-1`, syslogUdp, '127.0.0.1', () => r()));
    const msg = `<30>${berlinStamp(T - 63_000)} gw dnsmasq[812]: query[A] example.org from 10.77.0.101`;
    await new Promise<void>((r) => {
      const s = connect(syslogTcp, '127.0.0.1', () => s.end(`${Buffer.byteLength(msg)} ${msg}`, () => r()));
    });
    // The NAT translation as an RFC 8158 NAT44 session-create event.
    const rec = encodeRecord(NAT44_SESSION, [T, 4, '10.77.0.101', '203.0.113.5', 6, 51234, 40123, '198.51.100.7', '198.51.100.7', 443, 443]);
    const pkt = ipfixMessage({ exportTime: Math.floor(T / 1000) + 1, domain: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }), dataSet(256, [rec]));
    await new Promise<void>((r) => udp.send(pkt, ipfixPort, '127.0.0.1', () => r()));
    udp.close();

    assert.equal((await get(`/api/trace?target=203.0.113.5:40123&at=${AT}`, false)).status, 401);
    // Lines reach the store within about a second (the router flushes every second).
    let answer: Record<string, unknown> | undefined;
    const found = () => (answer?.candidates as { nat?: unknown; mac?: string }[] | undefined)?.some((c) => c.nat && c.mac);
    for (let i = 0; i < 60 && !found(); i++) {
      await new Promise((r) => setTimeout(r, 250));
      answer = (await get(`/api/trace?target=203.0.113.5:40123&at=${AT}&proto=tcp&reason=CERT-9`)).body;
    }
    assert.ok(found(), `no candidate with both a NAT mapping and a MAC after 15 s:\n${JSON.stringify(answer, null, 1)}`);
    const c = (answer!.candidates as Record<string, unknown>[])[0]!;
    assert.equal(c.inside, '10.77.0.101:51234');
    assert.equal(c.mac, '02:77:00:00:00:01');
    assert.equal(c.hostname, 'pc-1');
    assert.ok((c.evidence as { line: string }[]).some((e) => /^ipfix exporter=127\.0\.0\.1 .*natEvent=4/.test(e.line)), 'the IPFIX event is quoted as evidence');
    const dns = await get(`/api/dns?name=example.org&from=${iso(T - 3600_000)}&to=${iso(T)}`);
    assert.equal((dns.body.clients as { client: string }[])[0]!.client, '10.77.0.101');
    const bad = await get('/api/trace?target=203.0.113.5:40123&at=yesterday');
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /ISO-8601|epoch|--tz/);
    const st = await get('/api/sources');
    const ipfix = st.body.ipfix as { exporters?: unknown } & Record<string, unknown>;
    assert.ok(ipfix, 'IPFIX counters are shown');
    assert.match(readFileSync(join(dir, 'audit.log'), 'utf8'), /"action":"trace".*"reason":"CERT-9"/);
  });
});

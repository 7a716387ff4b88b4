// Unit test of the lab's tcpdump parser and matcher, on lines captured in a real lab run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchOutside, parseOutsideCapture, parseTcpdumpLine, splitAddrPort } from './outside-view.ts';

const CAPTURE = [
  'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
  '1795961840.113169 IP 203.0.113.5.41001 > 198.51.100.7.443: Flags [S], seq 527540518, win 64240, options [mss 1460,sackOK,TS val 1222509725 ecr 0,nop,wscale 10], length 0',
  '1795961850.318893 IP 203.0.113.5.40010 > 198.51.100.7.443: Flags [S], seq 1410383678, win 64240, options [mss 1460,sackOK,TS val 1515596631 ecr 0,nop,wscale 10], length 0',
  '1795961850.319001 IP 198.51.100.7.443 > 203.0.113.5.40010: Flags [S.], seq 1, ack 1410383679, win 65160, length 0',
  '1795961850.320001 IP 203.0.113.5.40010 > 198.51.100.7.443: Flags [.], ack 1, win 63, length 0',
  '1795961850.586548 IP 203.0.113.5.38078 > 198.51.100.7.443: Flags [S], seq 4281673581, win 64240, options [mss 1460,sackOK,TS val 4034588297 ecr 0,nop,wscale 10], length 0',
  '1795961852.858519 IP 203.0.113.5.40020 > 198.51.100.7.80: Flags [S], seq 740356964, win 64240, options [mss 1460,sackOK,TS val 2807380418 ecr 0,nop,wscale 10], length 0',
  '1795961855.540324 IP 203.0.113.5.41005 > 198.51.100.7.8081: Flags [S], seq 477952791, win 64240, options [mss 1460,sackOK,TS val 458572038 ecr 0,nop,wscale 10], length 0',
  '1795961856.039241 IP 203.0.113.5.41006 > 198.51.100.7.5000: UDP, length 3',
  '1795961856.039999 IP 198.51.100.7 > 203.0.113.5: ICMP 198.51.100.7 udp port 9 unreachable, length 36',
  '',
].join('\n');

test('splitAddrPort handles IPv4 and IPv6 text', () => {
  assert.deepEqual(splitAddrPort('203.0.113.5.40010'), ['203.0.113.5', 40010]);
  assert.deepEqual(splitAddrPort('2001:db8::1.443'), ['2001:db8::1', 443]);
  assert.equal(splitAddrPort('203.0.113.5.'), null);
  assert.equal(splitAddrPort('nodot'), null);
});

test('parseTcpdumpLine reads time, addresses, ports, proto and flags', () => {
  const p = parseTcpdumpLine(CAPTURE.split('\n')[1]!);
  assert.ok(p);
  assert.equal(p.at, '1795961840.113169');
  assert.equal(p.ts, 1795961840.113169);
  assert.equal(p.proto, 'tcp');
  assert.equal(p.flags, 'S');
  assert.deepEqual([p.srcIp, p.srcPort, p.dstIp, p.dstPort], ['203.0.113.5', 41001, '198.51.100.7', 443]);
  const u = parseTcpdumpLine('1795961856.039241 IP 203.0.113.5.41006 > 198.51.100.7.5000: UDP, length 3');
  assert.equal(u?.proto, 'udp');
  assert.equal(u?.flags, undefined);
  const v6 = parseTcpdumpLine('1795961856.5 IP6 2001:db8::5.40000 > 2001:db8:1::7.443: Flags [S], seq 1, win 64800, length 0');
  assert.deepEqual([v6?.srcIp, v6?.srcPort, v6?.dstIp, v6?.dstPort], ['2001:db8::5', 40000, '2001:db8:1::7', 443]);
  assert.equal(parseTcpdumpLine('listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes'), null);
  assert.equal(parseTcpdumpLine(CAPTURE.split('\n')[9]!), null, 'ICMP has no ports');
});

test('parseOutsideCapture keeps only pure SYNs and UDP datagrams', () => {
  const flows = parseOutsideCapture(CAPTURE);
  assert.deepEqual(
    flows.map((f) => `${f.proto} ${f.srcPort}>${f.dstPort}`),
    ['tcp 41001>443', 'tcp 40010>443', 'tcp 38078>443', 'tcp 40020>80', 'tcp 41005>8081', 'udp 41006>5000'],
  );
});

test('matchOutside pairs by (proto, dst) in time order and refuses count mismatches', () => {
  const flows = parseOutsideCapture(CAPTURE);
  const c = (id: string, dstPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ id, proto, dstIp: '198.51.100.7', dstPort });
  const m = matchOutside([c('a1', 443), c('b1-c2', 443), c('b1-c3', 443), c('b2-c3', 80), c('d3', 8081), c('u3', 5000, 'udp')], flows);
  assert.deepEqual(
    m.map((x) => `${x.conn.id}=${x.seen.srcPort}`),
    ['a1=41001', 'b1-c2=40010', 'b1-c3=38078', 'b2-c3=40020', 'd3=41005', 'u3=41006'],
  );
  assert.throws(() => matchOutside([c('a1', 443)], flows), /expected 1 flow start/);
  assert.throws(
    () => matchOutside([c('a1', 443), c('b1-c2', 443), c('b1-c3', 443), c('b2-c3', 80), c('d3', 8081)], flows),
    /unexpected flow start/,
  );
});

// IPFIX / NetFlow v9 decoder: packets built byte by byte from the RFC field numbers (./testing.ts).
// Every emitted record is validated (src/records/validate.ts) and its text rendering is parsed back by the
// `ipfix` text parser, which must give the same records (the rendering is complete).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bigIntToIp } from '../../records/addr.ts';
import type { FlowRecord, NatRecord, PortBlockRecord, UnparsedRecord, WhowasRecord } from '../../records/record.ts';
import { validateRecord } from '../../records/validate.ts';
import { parseMessage } from '../../parsers/run.ts';
import { makeClock } from '../../time/clock.ts';
import { ipv6Text } from './format.ts';
import { SKIP, UNPARSED } from './nat.ts';
import { ipfixText } from './text.ts';
import {
  IE, NAT44_PORT_BLOCK, NAT44_SESSION, VAR, collecting, dataSet, encodeRecord, ipfixMessage, ipfixOptionsTemplateSet,
  ipfixTemplateSet, ipfixWithdrawal, v9OptionsTemplateFlowSet, v9Packet, v9TemplateFlowSet, type Decoded, type FieldDef,
} from './testing.ts';

const T0 = Date.UTC(2026, 10, 29, 22, 13, 5, 123); // ms
const EXPORT = Math.floor(T0 / 1000) + 1; // s
const RECEIVED = Date.UTC(2026, 10, 29, 22, 13, 6, 500) * 1000;
const us = (ms: number) => ms * 1000;

/** Everything any test decoded: checked once more at the end (validation + text round trip). */
const ALL: Decoded[] = [];

function decoder(opts?: Parameters<typeof collecting>[0]) {
  const c = collecting(opts);
  const feed = (b: Buffer, sender = '192.0.2.1', received = RECEIVED) => {
    const out = c.feed(b, sender, received);
    ALL.push(...out);
    return out;
  };
  return { ...c, feed };
}

function one<T extends WhowasRecord>(out: Decoded[], kind: T['kind']): T {
  assert.equal(out.length, 1, `one data record expected, got ${out.length}`);
  assert.equal(out[0]!.records.length, 1, `one record expected: ${out[0]!.raw} skip=${out[0]!.skip}`);
  const r = out[0]!.records[0]!;
  assert.equal(r.kind, kind, out[0]!.raw);
  return r as T;
}

const session = (natEvent: number, values: { t?: number; proto?: number } = {}) =>
  encodeRecord(NAT44_SESSION, [values.t ?? T0, natEvent, '10.1.2.3', '203.0.113.5', values.proto ?? 6, 51234, 40123, '198.51.100.7', '198.51.100.7', 443, 443]);

function natPacket(domain: number, ...sets: Buffer[]): Buffer {
  return ipfixMessage({ exportTime: EXPORT, domain, seq: 1 }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }, { id: 257, fields: NAT44_PORT_BLOCK }), ...sets);
}

describe('IPFIX NAT events (RFC 8158 numbering)', () => {
  test('NAT44 session create: every field, the rendering, counters', () => {
    const { feed, dec } = decoder();
    const out = feed(natPacket(1, dataSet(256, [session(4)])));
    const r = one<NatRecord>(out, 'nat');
    assert.deepEqual(
      { ...r, raw: undefined },
      { kind: 'nat', ts: us(T0), received: RECEIVED, source: '', raw: undefined, event: 'new', proto: 'tcp', inIp: '10.1.2.3', inPort: 51234, pubIp: '203.0.113.5', pubPort: 40123, dstIp: '198.51.100.7', dstPort: 443 },
    );
    assert.equal(
      out[0]!.raw,
      'ipfix exporter=192.0.2.1 domain=1 template=256 profile=rfc8158 natEvent=4 proto=6 src=10.1.2.3:51234 xsrc=203.0.113.5:40123 ' +
        'dst=198.51.100.7:443 xdst=198.51.100.7:443 observationTimeMilliseconds=2026-11-29T22:13:05.123Z time=2026-11-29T22:13:05.123Z',
    );
    assert.equal(r.raw, out[0]!.raw);
    const c = dec.counters()['192.0.2.1']!;
    assert.equal(c.packets, 1);
    assert.equal(c.templates, 2);
    assert.equal(c.records, 1);
    assert.equal(c.nat, 1);
    assert.deepEqual(c.events, { 'natEvent=4': 1 });
  });

  test('NAT44 session delete, and the historic translation create/delete (1, 2)', () => {
    const { feed } = decoder();
    const out = feed(natPacket(1, dataSet(256, [session(5), session(1), session(2)])));
    assert.deepEqual(out.map((d) => (d.records[0] as NatRecord).event), ['destroy', 'new', 'destroy']);
  });

  test('UDP session, ICMP (no ports in the template), other protocols', () => {
    const { feed } = decoder();
    assert.equal(one<NatRecord>(feed(natPacket(1, dataSet(256, [session(4, { proto: 17 })]))), 'nat').proto, 'udp');
    const icmp: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.protocolIdentifier, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.destinationIPv4Address];
    const r = one<NatRecord>(
      feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 300, fields: icmp }), dataSet(300, [encodeRecord(icmp, [T0, 4, 1, '10.1.2.3', '203.0.113.5', '198.51.100.7'])]))),
      'nat',
    );
    assert.deepEqual([r.proto, r.inPort, r.pubPort, r.dstIp, r.dstPort], ['icmp', 0, 0, '198.51.100.7', 0]);
  });

  test('NAT64 session create: IPv6 inside, IPv4 public, the post-NAT (IPv4) destination', () => {
    const tpl: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv6Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort,
      IE.postNAPTSourceTransportPort, IE.destinationIPv6Address, IE.postNATDestinationIPv4Address, IE.destinationTransportPort, IE.postNAPTDestinationTransportPort];
    const { feed } = decoder();
    const out = feed(ipfixMessage({ exportTime: EXPORT, domain: 7 }, ipfixTemplateSet({ id: 260, fields: tpl }),
      dataSet(260, [encodeRecord(tpl, [T0, 6, '2001:db8:0:1::23', '203.0.113.5', 6, 40000, 2000, '64:ff9b::c633:6407', '198.51.100.7', 443, 443])])));
    const r = one<NatRecord>(out, 'nat');
    assert.deepEqual([r.event, r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort], ['new', '2001:db8:0:1::23', 40000, '203.0.113.5', 2000, '198.51.100.7', 443]);
    assert.match(out[0]!.raw, / src=\[2001:db8:0:1::23\]:40000 xsrc=203\.0\.113\.5:2000 dst=\[64:ff9b::c633:6407\]:443 xdst=198\.51\.100\.7:443 /);
  });

  test('NAT44 BIB create / delete: a binding without destination', () => {
    const tpl: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort, IE.postNAPTSourceTransportPort];
    const { feed } = decoder();
    const out = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 261, fields: tpl }),
      dataSet(261, [encodeRecord(tpl, [T0, 8, '10.1.2.3', '203.0.113.5', 17, 5000, 6000]), encodeRecord(tpl, [T0 + 60_000, 9, '10.1.2.3', '203.0.113.5', 17, 5000, 6000])])));
    const [a, b] = out.map((d) => d.records[0] as NatRecord);
    assert.deepEqual([a!.event, a!.inIp, a!.inPort, a!.pubIp, a!.pubPort, a!.dstIp], ['new', '10.1.2.3', 5000, '203.0.113.5', 6000, undefined]);
    assert.deepEqual([b!.event, b!.ts], ['destroy', us(T0 + 60_000)]);
  });

  test('port block allocation and de-allocation (end from start + number of ports × step when absent)', () => {
    const { feed, dec } = decoder();
    const out = feed(natPacket(1, dataSet(257, [
      encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512]),
      encodeRecord(NAT44_PORT_BLOCK, [T0 + 1000, 17, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512]),
    ])));
    const [a, b] = out.map((d) => d.records[0] as PortBlockRecord);
    assert.deepEqual([a!.kind, a!.event, a!.inIp, a!.pubIp, a!.portLo, a!.portHi, a!.ts], ['portblock', 'alloc', '10.1.2.3', '203.0.113.5', 1024, 1535, us(T0)]);
    assert.deepEqual([b!.event, b!.ts], ['release', us(T0 + 1000)]);
    assert.equal(dec.totals().portblock, 2);
    // Without portRangeEnd: 2048 + (64 − 1) × 2 = 2174.
    const tpl: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.portRangeStart, IE.portRangeStepSize, IE.portRangeNumPorts];
    const c = one<PortBlockRecord>(feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 262, fields: tpl }), dataSet(262, [encodeRecord(tpl, [T0, 16, '10.9.9.9', '203.0.113.6', 2048, 2, 64])]))), 'portblock');
    assert.deepEqual([c.portLo, c.portHi], [2048, 2174]);
  });

  test('exhaustion, quota, threshold, address binding: counted skips with their reason; unknown value: unparsed', () => {
    const quota: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.natQuotaExceededEvent, IE.maxEntriesPerUser, IE.sourceIPv4Address];
    const exh: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.natPoolId];
    const { feed, dec } = decoder();
    const out = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 270, fields: quota }, { id: 271, fields: exh }),
      dataSet(270, [encodeRecord(quota, [T0, 13, 3, 1000, '10.1.2.3'])]),
      dataSet(271, [encodeRecord(exh, [T0, 3, 7]), encodeRecord(exh, [T0, 12, 7]), encodeRecord(exh, [T0, 18, 7]), encodeRecord(exh, [T0, 99, 7])]),
    ));
    assert.deepEqual(out.map((d) => d.skip), [SKIP.quota, SKIP.addrExhausted, SKIP.portsExhausted, SKIP.threshold, undefined]);
    assert.equal(out[0]!.raw, 'ipfix exporter=192.0.2.1 domain=0 template=270 profile=rfc8158 natEvent=13 src=10.1.2.3 observationTimeMilliseconds=2026-11-29T22:13:05.123Z ' +
      'natQuotaExceededEvent=3 maxEntriesPerUser=1000 time=2026-11-29T22:13:05.123Z');
    const u = out[4]!.records[0] as UnparsedRecord;
    assert.deepEqual([u.kind, u.reason, u.format, u.ts], ['unparsed', UNPARSED.unknownEvent, 'ipfix', us(T0)]);
    const c = dec.totals();
    assert.deepEqual([c.skipped, c.unparsed, c.records], [4, 1, 5]);
    assert.deepEqual(c.events, { 'natEvent=13': 1, 'natEvent=3': 1, 'natEvent=12': 1, 'natEvent=18': 1, 'natEvent=99': 1 });
    // Address binding (14/15) binds no port: skipped.
    const ab: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address];
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 272, fields: ab }), dataSet(272, [encodeRecord(ab, [T0, 14, '10.1.2.3', '203.0.113.5'])])))[0]!.skip, SKIP.addressBinding);
  });
});

describe('profiles', () => {
  test('juniper-draft: the same natEvent values mean other events', () => {
    const tpl: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort,
      IE.postNAPTSourceTransportPort, IE.portRangeStart, IE.portRangeEnd];
    const rec = (ev: number) => encodeRecord(tpl, [T0, ev, '10.1.2.3', '203.0.113.5', 6, 1111, 2222, 4096, 4159]);
    const pkt = ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 280, fields: tpl }), dataSet(280, [rec(1), rec(2), rec(6), rec(10), rec(11), rec(12), rec(14), rec(15)]));
    const j = decoder({ profileFor: (e) => (e === '192.0.2.9' ? 'juniper-draft' : 'rfc8158') });
    const jo = j.feed(pkt, '192.0.2.9');
    const what = (d: Decoded) => d.skip ?? `${d.records[0]!.kind}:${(d.records[0] as { event?: string }).event ?? (d.records[0] as UnparsedRecord).reason}`;
    assert.deepEqual(jo.map(what), ['nat:new', 'nat:destroy', 'nat:new', SKIP.portsExhausted, SKIP.quota, SKIP.addressBinding, 'portblock:alloc', 'portblock:release']);
    assert.match(jo[0]!.raw, / profile=juniper-draft /);
    const r = j.feed(pkt, '192.0.2.1'); // same bytes from an rfc8158 exporter
    assert.deepEqual(r.map(what), ['nat:new', 'nat:destroy', 'nat:new', 'nat:new', 'nat:destroy', SKIP.portsExhausted, SKIP.addressBinding, SKIP.addressBinding]);
    assert.equal((jo[6]!.records[0] as PortBlockRecord).portHi, 4159);
  });

  test('NetFlow v9 NSEL (Cisco ASA): created / deleted / denied, conn id, v9-only field types', () => {
    const tpl: FieldDef[] = [IE.NF_F_CONN_ID, IE.sourceIPv4Address, IE.sourceTransportPort, IE.destinationIPv4Address, IE.destinationTransportPort, IE.protocolIdentifier,
      IE.NF_F_FW_EVENT, IE.NF_F_FW_EXT_EVENT, IE.NF_F_EVENT_TIME_MSEC, IE.NF_F_XLATE_SRC_ADDR_IPV4, IE.NF_F_XLATE_DST_ADDR_IPV4, IE.NF_F_XLATE_SRC_PORT,
      IE.NF_F_XLATE_DST_PORT, IE.NF_F_INGRESS_ACL_ID, IE.NF_F_USERNAME];
    const acl = Buffer.from('0123456789abcdef01234567', 'hex');
    const rec = (id: number, ev: number, ext: number, xsrc: string, xport: number, t = T0) =>
      encodeRecord(tpl, [id, '10.1.2.3', 51234, '198.51.100.7', 443, 6, ev, ext, t, xsrc, '198.51.100.7', xport, 443, acl, 'alice']);
    const { feed, dec } = decoder({ profileFor: () => 'nsel' });
    const out = feed(v9Packet({ uptime: 1000, unixSecs: EXPORT, sourceId: 0 }, v9TemplateFlowSet({ id: 263, fields: tpl }),
      dataSet(263, [rec(77, 1, 0, '203.0.113.5', 40123), rec(77, 2, 2030, '203.0.113.5', 40123, T0 + 5000), rec(78, 3, 1001, '0.0.0.0', 0), rec(79, 3, 1002, '203.0.113.5', 40124)], true)));
    const n = out.map((d) => d.records[0]!);
    const a = n[0] as NatRecord;
    assert.deepEqual([a.kind, a.event, a.inIp, a.inPort, a.pubIp, a.pubPort, a.dstIp, a.dstPort, a.flowId, a.ts], ['nat', 'new', '10.1.2.3', 51234, '203.0.113.5', 40123, '198.51.100.7', 443, 77, us(T0)]);
    assert.deepEqual([(n[1] as NatRecord).event, n[1]!.ts], ['destroy', us(T0 + 5000)]);
    // A deny without translation is no binding: a flow with the firewall's verdict.
    const fl = n[2] as FlowRecord;
    assert.deepEqual([fl.kind, fl.state, fl.srcIp, fl.dstIp, fl.dstPort, fl.how], ['flow', 'denied', '10.1.2.3', '198.51.100.7', 443, 'nfv9']);
    const d = n[3] as NatRecord;
    assert.deepEqual([d.event, d.failed, d.pubPort], ['deny', true, 40124]);
    assert.equal(
      out[0]!.raw,
      'nfv9 exporter=192.0.2.1 domain=0 template=263 profile=nsel fwEvent=1 proto=6 src=10.1.2.3:51234 xsrc=203.0.113.5:40123 dst=198.51.100.7:443 ' +
        'xdst=198.51.100.7:443 flowId=77 NF_F_FW_EXT_EVENT=0 observationTimeMilliseconds=2026-11-29T22:13:05.123Z NF_F_INGRESS_ACL_ID=0123456789abcdef01234567 ' +
        'NF_F_USERNAME="alice" time=2026-11-29T22:13:05.123Z',
    );
    assert.deepEqual(dec.totals().events, { 'firewallEvent=1': 1, 'firewallEvent=2': 1, 'firewallEvent=3': 2 });
  });

  test('destination NAT (inbound port forward): the inside server is the post-NAT destination', () => {
    const { feed } = decoder();
    const out = feed(natPacket(1, dataSet(256, [encodeRecord(NAT44_SESSION, [T0, 4, '198.51.100.7', '198.51.100.7', 6, 55555, 55555, '203.0.113.5', '10.1.2.80', 8443, 443])])));
    const r = one<NatRecord>(out, 'nat');
    assert.deepEqual([r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort], ['10.1.2.80', 443, '203.0.113.5', 8443, '198.51.100.7', 55555]);
  });

  test('Nokia format2: no natEvent, create/delete templates, inside address in aluNatSubString (enterprise 637)', () => {
    const create: FieldDef[] = [IE.flowId, IE.postNATSourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.postNAPTSourceTransportPort,
      IE.destinationTransportPort, IE.flowStartMilliseconds, IE.protocolIdentifier, IE.paddingOctets, IE.aluInsideServiceID, IE.aluOutsideServiceID, IE.aluNatSubString];
    const del: FieldDef[] = [IE.flowId, IE.postNATSourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.postNAPTSourceTransportPort,
      IE.destinationTransportPort, IE.protocolIdentifier, IE.flowEndReason, IE.flowEndMilliseconds, IE.aluInsideServiceID, IE.aluOutsideServiceID, IE.aluNatSubString];
    const sub = Buffer.concat([Buffer.from('LSN-Host@10.10.10.101'), Buffer.alloc(3)]); // padded to 8 octets
    const { feed } = decoder({ profileFor: () => 'nokia' });
    const out = feed(ipfixMessage({ exportTime: EXPORT, domain: 0x110002 }, ipfixTemplateSet({ id: 256, fields: create }, { id: 257, fields: del }),
      dataSet(256, [encodeRecord(create, [123456789n, '203.0.113.9', '198.51.100.7', 33333, 2001, 443, T0, 6, 0, 1, 2, sub])]),
      dataSet(257, [encodeRecord(del, [123456789n, '203.0.113.9', '198.51.100.7', 33333, 2001, 443, 6, 3, T0 + 30_000, 1, 2, sub])])));
    const [c, d] = out.map((x) => x.records[0] as NatRecord);
    assert.deepEqual([c!.event, c!.inIp, c!.inPort, c!.pubIp, c!.pubPort, c!.dstIp, c!.dstPort, c!.ts, c!.flowId], ['new', '10.10.10.101', 33333, '203.0.113.9', 2001, '198.51.100.7', 443, us(T0), 123456789]);
    assert.deepEqual([d!.event, d!.ts], ['destroy', us(T0 + 30_000)]);
    assert.match(out[0]!.raw, / aluInsideServiceID=1 aluOutsideServiceID=2 aluNatSubString="LSN-Host@10\.10\.10\.101" /);
    assert.doesNotMatch(out[0]!.raw, /paddingOctets/);
    // format1: the outside address in sourceIPv4Address and no translated port: skipped with the fix.
    const f1: FieldDef[] = [IE.flowId, IE.sourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.destinationTransportPort, IE.flowStartMilliseconds, IE.protocolIdentifier, IE.aluNatSubString];
    const o1 = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 258, fields: f1 }), dataSet(258, [encodeRecord(f1, [1n, '203.0.113.9', '198.51.100.7', 33333, 443, T0, 6, 'LSN-Host@10.10.10.101'])])));
    assert.equal(o1[0]!.skip, SKIP.nokiaFormat1);
  });
});

describe('flows and times', () => {
  test('a flow carrying post-NAT fields and no event: created at its start, deleted at its end', () => {
    const tpl: FieldDef[] = [IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.sourceTransportPort, IE.postNAPTSourceTransportPort, IE.destinationIPv4Address,
      IE.destinationTransportPort, IE.protocolIdentifier, IE.flowStartMilliseconds, IE.flowEndMilliseconds, IE.octetDeltaCount];
    const { feed } = decoder();
    const out = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 290, fields: tpl }),
      dataSet(290, [encodeRecord(tpl, ['10.1.2.3', '203.0.113.5', 1234, 61000, '198.51.100.7', 53, 17, T0, T0 + 2500, 300])])));
    assert.equal(out.length, 1);
    const [a, b] = out[0]!.records as NatRecord[];
    assert.deepEqual([a!.event, a!.ts, b!.event, b!.ts, a!.pubPort, a!.proto], ['new', us(T0), 'destroy', us(T0 + 2500), 61000, 'udp']);
  });

  test('NetFlow v9 plain flow: FIRST/LAST_SWITCHED are relative to sysUptime and UNIX secs', () => {
    const tpl: FieldDef[] = [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.sourceTransportPort, IE.destinationTransportPort, IE.protocolIdentifier,
      IE.flowStartSysUpTime, IE.flowEndSysUpTime, { id: 1, len: 4 }, IE.flowEndReason];
    const { feed } = decoder();
    // uptime 100 000 ms at EXPORT s: the flow started 10 s and ended 2 s before the export.
    const out = feed(v9Packet({ uptime: 100_000, unixSecs: EXPORT }, v9TemplateFlowSet({ id: 300, fields: tpl }),
      dataSet(300, [encodeRecord(tpl, ['10.1.2.3', '198.51.100.7', 40000, 80, 6, 90_000, 98_000, 5000, 3])])));
    const r = one<FlowRecord>(out, 'flow');
    assert.deepEqual([r.srcIp, r.srcPort, r.dstIp, r.dstPort, r.proto, r.ts, r.end, r.bytesOut, r.state, r.how],
      ['10.1.2.3', 40000, '198.51.100.7', 80, 'tcp', (EXPORT - 10) * 1e6, (EXPORT - 2) * 1e6, 5000, 'end of flow', 'nfv9']);
    assert.match(out[0]!.raw, / flowStartSysUpTime=90000 flowEndSysUpTime=98000 octetDeltaCount=5000 flowEndReason=3 start=\S+ end=\S+ time=/);
  });

  test('IPFIX flowStart/EndSysUpTime need systemInitTimeMilliseconds, learnt from an options record', () => {
    const tpl: FieldDef[] = [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.protocolIdentifier, IE.flowStartSysUpTime, IE.flowEndSysUpTime];
    const opt = ipfixOptionsTemplateSet(400, [{ id: 144, len: 4 }], [IE.systemInitTimeMilliseconds]);
    const { feed, dec } = decoder();
    const boot = T0 - 3_600_000;
    const o = feed(ipfixMessage({ exportTime: EXPORT, domain: 3 }, opt, dataSet(400, [encodeRecord([{ id: 144, len: 4 }, IE.systemInitTimeMilliseconds], [1, boot])]),
      ipfixTemplateSet({ id: 301, fields: tpl }), dataSet(301, [encodeRecord(tpl, ['10.1.2.3', '198.51.100.7', 17, 3_600_000, 3_601_000])])));
    assert.equal(o[0]!.skip, SKIP.options);
    assert.match(o[0]!.raw, /^ipfix exporter=192\.0\.2\.1 domain=3 optionsTemplate=400 profile=rfc8158 exportingProcessId=1 systemInitTimeMilliseconds=\S+ time=/);
    const r = o[1]!.records[0] as FlowRecord;
    assert.deepEqual([r.ts, r.end], [us(T0), us(T0 + 1000)]);
    assert.equal(dec.totals().optionsRecords, 1);
  });

  test('flows: false skips plain flows with a reason', () => {
    const tpl: FieldDef[] = [IE.sourceIPv4Address, IE.destinationIPv4Address, IE.protocolIdentifier];
    const { feed } = decoder({ flows: false });
    const out = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 302, fields: tpl }), dataSet(302, [encodeRecord(tpl, ['10.1.2.3', '198.51.100.7', 6])])));
    assert.deepEqual([out[0]!.skip, out[0]!.records.length], [SKIP.flowsOff, 0]);
  });

  test('times: microseconds (NTP format), seconds, none (export time), garbage (export time)', () => {
    const mk = (def: FieldDef, v: number | bigint) => {
      const tpl: FieldDef[] = [def, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort, IE.postNAPTSourceTransportPort];
      return ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 310, fields: tpl }), dataSet(310, [encodeRecord(tpl, [v, 4, '10.1.2.3', '203.0.113.5', 6, 1, 2])]));
    };
    const { feed } = decoder();
    // NTP: seconds since 1900, fraction 0.5 → .500000
    const ntp = (BigInt(Math.floor(T0 / 1000) + 2_208_988_800) << 32n) | 0x80000000n;
    assert.equal(one(feed(mk(IE.observationTimeMicroseconds, ntp)), 'nat').ts, Math.floor(T0 / 1000) * 1e6 + 500_000);
    assert.equal(one(feed(mk(IE.observationTimeSeconds, Math.floor(T0 / 1000))), 'nat').ts, Math.floor(T0 / 1000) * 1e6);
    assert.equal(one(feed(mk(IE.ingressVRFID, 5)), 'nat').ts, EXPORT * 1e6);
    const g = feed(mk(IE.observationTimeMilliseconds, 42));
    assert.equal(one(g, 'nat').ts, EXPORT * 1e6);
    assert.match(g[0]!.raw, / observationTimeMilliseconds=42000us /);
  });
});

describe('encodings', () => {
  test('variable-length fields (short and long form), enterprise and unknown elements rendered as e<ent>.<id>=hex', () => {
    const tpl: FieldDef[] = [IE.observationTimeMilliseconds, IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort,
      IE.postNAPTSourceTransportPort, IE.natPoolName, IE.internalAddressRealm, { id: 7, len: 3, ent: 9 }, { id: 999, len: 2 }, { id: 12, len: VAR, ent: 4242 }];
    const long = 'p'.repeat(300);
    const { feed } = decoder();
    const out = feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 320, fields: tpl }),
      dataSet(320, [encodeRecord(tpl, [T0, 4, '10.1.2.3', '203.0.113.5', 6, 1000, 2000, 'pool "A"', Buffer.from([1, 2]), Buffer.from([0xab, 0xcd, 0xef]), 7, Buffer.from([9])]),
        encodeRecord(tpl, [T0, 4, '10.1.2.4', '203.0.113.5', 6, 1001, 2001, long, Buffer.alloc(0), Buffer.from([0, 0, 0]), 8, Buffer.alloc(0)])])));
    assert.equal(out.length, 2);
    assert.match(out[0]!.raw, / natPoolName="pool \\"A\\"" internalAddressRealm=0102 e9\.7=abcdef e0\.999=0007 e4242\.12=09 /);
    assert.match(out[1]!.raw, new RegExp(` natPoolName="${long}" internalAddressRealm= e9\\.7=000000 e0\\.999=0008 e4242\\.12= `));
    assert.equal((out[1]!.records[0] as NatRecord).inIp, '10.1.2.4');
  });

  test('IPv6 text matches the canonical form of src/records/addr.ts (RFC 5952)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.alloc(16);
      for (let k = 0; k < 16; k++) b[k] = rnd() % 4 === 0 ? rnd() & 255 : 0; // many zero runs
      if (i % 50 === 0) (b.fill(0, 0, 10), b.fill(0xff, 10, 12));
      let v = 0n;
      for (const x of b) v = (v << 8n) | BigInt(x);
      assert.equal(ipv6Text(b, 0), bigIntToIp(v), b.toString('hex'));
    }
  });
});

describe('templates', () => {
  test('a template that changes mid-stream replaces the old one (counted); a refresh does not count', () => {
    const { feed, dec } = decoder();
    feed(natPacket(1, dataSet(256, [session(4)])));
    feed(natPacket(1)); // refresh, same definition
    const v2: FieldDef[] = [IE.natEvent, IE.sourceIPv4Address, IE.postNATSourceIPv4Address, IE.protocolIdentifier, IE.sourceTransportPort, IE.postNAPTSourceTransportPort];
    const out = feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixTemplateSet({ id: 256, fields: v2 }), dataSet(256, [encodeRecord(v2, [5, '10.7.7.7', '203.0.113.5', 17, 9, 10])])));
    const r = one<NatRecord>(out, 'nat');
    assert.deepEqual([r.event, r.inIp, r.proto, r.ts], ['destroy', '10.7.7.7', 'udp', EXPORT * 1e6]);
    const c = dec.totals();
    assert.deepEqual([c.templates, c.templateChanges], [5, 1]);
  });

  test('templates are per exporter, per observation domain and per version', () => {
    const { feed, dec } = decoder();
    feed(natPacket(1));
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 2 }, dataSet(256, [session(4)]))).length, 0);
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(256, [session(4)])), '192.0.2.2').length, 0);
    assert.equal(feed(v9Packet({ uptime: 0, unixSecs: EXPORT, sourceId: 1 }, dataSet(256, [session(4)]))).length, 0);
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(256, [session(4)]))).length, 1);
    assert.equal(dec.totals().unknownTemplateSets, 3);
  });

  test('withdrawal of one template and of all templates (RFC 7011 §8.1)', () => {
    const { feed, dec } = decoder({ pendingSets: 0 });
    feed(natPacket(1));
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixWithdrawal(256), dataSet(256, [session(4)]))).length, 0);
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1, 2, 1, 2])]))).length, 1);
    feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, ipfixWithdrawal(2)));
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1, 2, 1, 2])]))).length, 0);
    const c = dec.totals();
    assert.deepEqual([c.templateWithdrawals, c.unknownTemplateSets, dec.counters()['192.0.2.1']!.templatesKnown], [2, 2, 0]);
  });

  test('expiry: a template not refreshed within its lifetime is forgotten (on use and by sweep)', () => {
    const { feed, dec } = decoder({ templateLifetimeS: 60, pendingSets: 0 });
    feed(natPacket(1));
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(256, [session(4)])), '192.0.2.1', RECEIVED + 59e6).length, 1);
    assert.equal(feed(ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(256, [session(4)])), '192.0.2.1', RECEIVED + 61e6).length, 0);
    assert.equal(dec.totals().templatesExpired, 1);
    dec.sweep(RECEIVED + 61e6); // template 257 too
    assert.equal(dec.totals().templatesExpired, 2);
    assert.equal(dec.counters()['192.0.2.1']!.templatesKnown, 0);
  });

  test('data before its template is held and decoded when the template arrives; too many or too old: dropped, counted', () => {
    const { feed, dec } = decoder({ pendingSets: 2, pendingAgeS: 30 });
    const data = (ev: number) => ipfixMessage({ exportTime: EXPORT, domain: 1 }, dataSet(256, [session(ev)]));
    assert.equal(feed(data(4), '192.0.2.1', RECEIVED).length, 0);
    assert.equal(feed(data(5), '192.0.2.1', RECEIVED + 1e6).length, 0);
    assert.equal(feed(data(4), '192.0.2.1', RECEIVED + 2e6).length, 0); // the first one is pushed out
    const out = feed(natPacket(1), '192.0.2.1', RECEIVED + 3e6);
    assert.deepEqual(out.map((d) => [(d.records[0] as NatRecord).event, d.received]), [['destroy', RECEIVED + 1e6], ['new', RECEIVED + 2e6]]);
    let c = dec.totals();
    assert.deepEqual([c.unknownTemplateSets, c.replayedSets, c.droppedSets, c.nat], [3, 2, 1, 2]);
    // Too old when the template comes.
    const d2 = decoder({ pendingAgeS: 30 });
    d2.feed(data(4), '192.0.2.1', RECEIVED);
    assert.equal(d2.feed(natPacket(1), '192.0.2.1', RECEIVED + 31e6).length, 0);
    c = d2.dec.totals();
    assert.deepEqual([c.replayedSets, c.droppedSets], [0, 1]);
    // And the sweep drops what waits too long.
    const d3 = decoder({ pendingAgeS: 30 });
    d3.feed(data(4), '192.0.2.1', RECEIVED);
    d3.dec.sweep(RECEIVED + 31e6);
    assert.deepEqual([d3.dec.totals().droppedSets, d3.dec.counters()['192.0.2.1']!.pendingSets], [1, 0]);
  });

  test('sequence numbers: IPFIX counts data records, v9 counts packets; gaps are loss, a step back is a restart', () => {
    const { feed, dec } = decoder();
    const msg = (seq: number, n: number) => ipfixMessage({ exportTime: EXPORT, domain: 1, seq }, ipfixTemplateSet({ id: 256, fields: NAT44_SESSION }), dataSet(256, Array.from({ length: n }, () => session(4))));
    feed(msg(100, 3)); // next should be 103
    feed(msg(103, 2)); // fine → 105
    feed(msg(110, 1)); // 5 records lost → 111
    feed(msg(7, 1)); // the exporter restarted
    const v9 = (seq: number) => v9Packet({ uptime: 1, unixSecs: EXPORT, seq, sourceId: 4 }, v9TemplateFlowSet({ id: 256, fields: NAT44_SESSION }));
    for (const s of [1, 2, 5, 6]) feed(v9(s)); // packets 3 and 4 lost
    const c = dec.totals();
    assert.deepEqual([c.lostRecords, c.lostPackets, c.sequenceResets], [5, 2, 1]);
  });

  test('NetFlow v9 options template (scope fields) and data padding', () => {
    const { feed, dec } = decoder();
    const out = feed(v9Packet({ uptime: 5000, unixSecs: EXPORT, sourceId: 9 },
      v9OptionsTemplateFlowSet(500, [{ id: 1, len: 4 }], [{ id: 34, len: 4 }, { id: 35, len: 1 }]),
      dataSet(500, [encodeRecord([{ id: 1, len: 4 }, { id: 34, len: 4 }, { id: 35, len: 1 }], [0, 100, 2])], true)));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.skip, SKIP.options);
    assert.match(out[0]!.raw, /^nfv9 exporter=192\.0\.2\.1 domain=9 optionsTemplate=500 profile=rfc8158 scope1=0 samplingInterval=100 samplingAlgorithm=2 time=/);
    assert.deepEqual([dec.totals().malformed, dec.totals().truncated], [0, 0]);
  });
});

describe('bad input: counted, never thrown', () => {
  test('truncated, wrong version, lying lengths, impossible templates', () => {
    const { feed, dec } = decoder();
    const good = natPacket(1, dataSet(256, [session(4)]));
    feed(Buffer.alloc(0));
    feed(Buffer.from([0, 10, 0]));
    feed(good.subarray(0, 10)); // short header
    feed(Buffer.from('<13>Nov 29 22:13:05 host app: this is syslog, not IPFIX'));
    const v5 = Buffer.from(good);
    v5.writeUInt16BE(5, 0);
    feed(v5);
    const longer = Buffer.from(good);
    longer.writeUInt16BE(good.length + 100, 2); // message length beyond the datagram
    assert.equal(feed(longer).length, 1); // what is there is still read
    const shorter = Buffer.from(good);
    shorter.writeUInt16BE(12, 2);
    feed(shorter);
    const setBeyond = ipfixMessage({ exportTime: EXPORT }, Buffer.from([0, 2, 0x10, 0]));
    feed(setBeyond);
    feed(ipfixMessage({ exportTime: EXPORT }, Buffer.from([1, 0, 0, 2]))); // set length < 4
    feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 12, fields: NAT44_SESSION }))); // template id < 256
    feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 600, fields: [{ id: 8, len: 0 }] }))); // zero-length template
    feed(ipfixMessage({ exportTime: EXPORT }, ipfixOptionsTemplateSet(601, [], [IE.natEvent]))); // no scope field
    feed(v9Packet({ uptime: 0, unixSecs: EXPORT }, v9TemplateFlowSet({ id: 602, fields: [] }))); // v9 zero-length template
    // A variable-length field running past the set.
    const vt: FieldDef[] = [IE.natEvent, IE.natPoolName];
    feed(ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 603, fields: vt }), dataSet(603, [Buffer.from([4, 200, 1, 2])])));
    const c = dec.totals();
    assert.equal(c.badVersion, 2);
    assert.ok(c.truncated >= 5, `truncated ${c.truncated}`);
    assert.ok(c.malformed >= 5, `malformed ${c.malformed}`);
    assert.equal(c.templatesRejected, 2);
  });

  test('fuzz: 10 000 random and mutated packets never throw and only give valid records', () => {
    const { dec } = collecting({ pendingSets: 8 });
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const nsel: FieldDef[] = [IE.NF_F_CONN_ID, IE.sourceIPv4Address, IE.sourceTransportPort, IE.NF_F_FW_EVENT, IE.NF_F_XLATE_SRC_ADDR_IPV4, IE.NF_F_XLATE_SRC_PORT, IE.NF_F_USERNAME];
    const bases = [
      natPacket(1, dataSet(256, [session(4), session(5)]), dataSet(257, [encodeRecord(NAT44_PORT_BLOCK, [T0, 16, '10.1.2.3', '203.0.113.5', 1024, 1535, 1, 512])])),
      v9Packet({ uptime: 1000, unixSecs: EXPORT }, v9TemplateFlowSet({ id: 263, fields: nsel }), dataSet(263, [encodeRecord(nsel, [1, '10.1.2.3', 5, 1, '203.0.113.5', 6, 'bob'])], true)),
      ipfixMessage({ exportTime: EXPORT }, ipfixTemplateSet({ id: 320, fields: [IE.natEvent, IE.natPoolName, IE.aluNatSubString] }), dataSet(320, [encodeRecord([IE.natEvent, IE.natPoolName, IE.aluNatSubString], [4, 'x'.repeat(260), 'a@10.0.0.1'])])),
    ];
    let emitted = 0;
    for (let i = 0; i < 10_000; i++) {
      let b: Buffer;
      const kind = rnd(4);
      if (kind === 0) {
        b = Buffer.alloc(rnd(1500));
        for (let k = 0; k < b.length; k++) b[k] = rnd(256);
        if (b.length > 2 && rnd(2)) b.writeUInt16BE(rnd(2) ? 10 : 9, 0);
      } else {
        b = Buffer.from(bases[rnd(bases.length)]!);
        const flips = 1 + rnd(kind === 3 ? 40 : 4);
        for (let k = 0; k < flips; k++) b[rnd(b.length)] = rnd(256);
        if (kind === 2) b = b.subarray(0, rnd(b.length + 1));
      }
      dec.packet(b, `198.18.${rnd(4)}.${rnd(4)}`, RECEIVED + i * 1000, (raw, records) => {
        emitted++;
        assert.ok(raw.length > 0);
        for (const r of records) {
          const probs = validateRecord({ ...r, source: 'fuzz' }, raw);
          assert.deepEqual(probs, [], `${raw}\n${JSON.stringify(r)}`);
        }
      });
    }
    const t = dec.totals();
    assert.equal(t.packets, 10_000);
    assert.ok(emitted > 100, `only ${emitted} records came through`);
    assert.ok(t.badVersion + t.truncated + t.malformed > 1000);
  });
});

// Runs last (tests of a file run in order): every rendering made above parses back to the same records.
describe('text round trip', () => {
  test('every rendering made above re-parses to the same records (text parser round trip)', () => {
    assert.ok(ALL.length > 40, `${ALL.length} renderings`);
    for (const d of ALL) {
      for (const r of d.records) assert.deepEqual(validateRecord({ ...r, source: 'test' }, d.raw), [], d.raw);
      const o = parseMessage(ipfixText, d.raw, { clock: makeClock({ reference: d.received }), source: 'test', received: d.received });
      if (d.skip === SKIP.flowsOff) {
        // The text parser keeps flows (the collector's flows: false is not in the line).
        assert.equal(o.records[0]?.kind, 'flow', d.raw);
        continue;
      }
      if (d.records.length === 0) {
        assert.equal(o.status, 'skip', d.raw);
        assert.equal(o.reason, d.skip, d.raw);
        continue;
      }
      if (d.records[0]!.kind === 'unparsed') {
        assert.equal(o.status, 'unparsed', d.raw);
        assert.equal(o.reason, (d.records[0] as UnparsedRecord).reason);
        continue;
      }
      assert.equal(o.status, 'records', `${d.raw}: ${o.reason}`);
      assert.deepEqual(
        o.records.map((r) => ({ ...r, source: '' })),
        d.records.map((r) => ({ ...r })),
        d.raw,
      );
    }
  });
});

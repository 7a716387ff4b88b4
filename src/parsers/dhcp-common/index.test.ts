import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { duidKind, ethernetMac, leaseEnd, leaseSeconds, macFromDuid, macInsideDuidLlt, normIpCached, parseDuid } from './index.ts';

describe('dhcp-common', () => {
  test('parseDuid: colon and bare hex, any case; rejects junk', () => {
    assert.deepEqual(parseDuid('00:03:00:01:02:78:02:00:06:01'), [0, 3, 0, 1, 2, 0x78, 2, 0, 6, 1]);
    assert.deepEqual(parseDuid('00030001000C29A1B2C3'), [0, 3, 0, 1, 0, 0x0c, 0x29, 0xa1, 0xb2, 0xc3]);
    for (const bad of ['', '00', '00:03', '0:3:0:1:2:3', '00:03:00:0g', '0003000', 'x'.repeat(1000)]) assert.equal(parseDuid(bad), null, bad);
  });

  test('only a DUID-LL over Ethernet names the MAC; the MAC inside a DUID-LLT is recognised but not returned', () => {
    const ll = parseDuid('00:03:00:01:02:78:02:00:06:01')!;
    const llt = parseDuid('00:01:00:01:32:9e:fb:3f:02:78:02:00:06:02')!;
    const uuid = parseDuid('0004A34473BFC27FC55B25E86AF0E1761DAA')!;
    assert.equal(macFromDuid(ll), '02:78:02:00:06:01');
    assert.equal(macFromDuid(llt), null);
    assert.equal(macInsideDuidLlt(llt), '02:78:02:00:06:02');
    assert.deepEqual([duidKind(ll), duidKind(llt), duidKind(uuid)], ['DUID-LL', 'DUID-LLT', 'DUID-UUID']);
  });

  test('ethernetMac: canonical fast path and the other spellings; longer hardware addresses are not MACs', () => {
    assert.equal(ethernetMac('02:78:02:00:06:01'), '02:78:02:00:06:01');
    assert.equal(ethernetMac('02:78:02:00:06:0A'), '02:78:02:00:06:0a');
    assert.equal(ethernetMac('000C29A1B2C3'), '00:0c:29:a1:b2:c3');
    assert.equal(ethernetMac('0:11:43:e3:ba:c3'), '00:11:43:e3:ba:c3');
    assert.equal(ethernetMac('dd:de:ba:0d:1b:2e:3e:4f'), null);
  });

  test('leaseSeconds / leaseEnd: infinite leases have no end', () => {
    assert.equal(leaseSeconds('600'), 600);
    assert.equal(leaseSeconds('4294967296'), null);
    assert.equal(leaseSeconds('6x'), null);
    assert.equal(leaseEnd(1e15, 600), 1e15 + 600e6);
    assert.equal(leaseEnd(1e15, 0xffffffff), undefined);
  });

  test('normIpCached gives normIp answers, IPv6 canonical', () => {
    assert.equal(normIpCached('FD78:2:0:0:0:0:0:100'), 'fd78:2::100');
    assert.equal(normIpCached('FD78:2:0:0:0:0:0:100'), 'fd78:2::100');
    assert.equal(normIpCached('10.78.2.10'), '10.78.2.10');
    assert.equal(normIpCached('10.78.2.300'), null);
    assert.equal(normIpCached('fe80::1%br0'), 'fe80::1');
  });
});

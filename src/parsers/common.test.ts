// The fast helpers of common.ts against the reference implementations they stand in for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normIp, normMac } from '../records/addr.ts';
import { canonIp, canonMac, fastNormIp } from './common.ts';

let seed = 3;
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;

test('canonMac gives normMac\'s answer: every spelling, every case, and random near-misses', () => {
  const macs = ['00:50:56:aa:00:01', '00:50:56:AA:00:01', '0:50:56:a:0:1', '00-50-56-aa-00-01', '00:50-56:aa-00:01', '0050.56aa.0002',
    '0050.56AA.0002', '005056aa0004', '005056AA0004', 'a:b:c:d:e:ff', 'a:b:c:d:e:f', 'ff:ff:ff:ff:ff:ff', '', 'zz:50:56:aa:00:01',
    '00:50:56:aa:00:01:', '00:50:56:aa:00', '000:50:56:aa:00:01', '0050.56aa.000', '0050:56aa:0002', '005056aa00041', '00.50.56.aa.00.01',
    ' 00:50:56:aa:00:01', '00:50:56:aa:00:01\n', '\u0660\u0660:50:56:aa:00:01', 'ｆｆ:50:56:aa:00:01', '0050.56aa.0002 '];
  const alphabet = '0123456789abcdefABCDEFgG:-. ';
  for (let k = 0; k < 50000; k++) {
    if (k < macs.length) continue;
    const base = macs[rnd(9)]!;
    const a = [...base];
    for (let j = rnd(3); j >= 0; j--) {
      const i = rnd(a.length + 1), c = alphabet[rnd(alphabet.length)]!;
      const op = rnd(3);
      if (op === 0) a.splice(i, 0, c);
      else if (op === 1) a.splice(i, 1);
      else a[i] = c;
    }
    macs.push(a.join(''));
  }
  let valid = 0;
  for (const m of macs) {
    assert.equal(canonMac(m), normMac(m), JSON.stringify(m));
    if (normMac(m)) valid++;
  }
  assert.ok(valid > 5000, `${valid} valid MACs among the random ones`);
});

test('canonIp gives normIp\'s answer up to 45 characters', () => {
  const ips = ['10.1.2.3', '010.1.2.3', '10.1.2', '256.1.2.3', '0.0.0.0', '1.2.3.4.5', '::1', '2001:db8::1', '2001:DB8::1', '::ffff:10.1.2.3',
    'fe80::1%eth0', '[::1]', '1.2.3.-4', '', '1..2.3', '1.2.3.4 '];
  for (const ip of ips) assert.equal(canonIp(ip), normIp(ip), ip);
  for (const ip of [...ips, `fe80::1%${'x'.repeat(60)}`, `2001:db8::1%${'eth0'.repeat(12)}`, '1'.repeat(50)]) assert.equal(fastNormIp(ip), normIp(ip), ip);
});

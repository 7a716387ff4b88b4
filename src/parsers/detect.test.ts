import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFormat } from './detect.ts';
import { listParsers } from './registry.ts';
import { readTestdata, testdataFiles } from './testing.ts';

test('every parser\'s own testdata is recognised as its format (or the file is named as ambiguous)', () => {
  const misses: string[] = [];
  let checked = 0, recognised = 0;
  for (const p of listParsers()) {
    for (const path of testdataFiles(p)) {
      const file = readTestdata(p, path);
      const text = file.messages.join(p.framing === 'block' ? '\n\n' : '\n');
      const d = detectFormat(text);
      checked++;
      // A file of another format's lines on purpose (bad input, other programs) may not be recognised at all.
      if (d.format !== null && d.format !== p.name) misses.push(`${p.name}/${path.slice(path.lastIndexOf('/') + 1)} → ${d.message}`);
      if (d.format === p.name) recognised++;
    }
  }
  assert.ok(checked > 10, 'testdata files checked');
  assert.deepEqual(misses, [], misses.join('\n'));
  console.log(`# ${recognised} of ${checked} testdata files recognised as their own format, none as another`);
  // Files of constructed or stamp-less lines may stay unrecognised; most real files must be recognised.
  assert.ok(recognised >= checked * 0.8, `only ${recognised} of ${checked} files recognised`);
});

test('a dnsmasq log is recognised with high confidence', () => {
  const d = detectFormat(
    [
      'Nov 29 15:15:13 dnsmasq-dhcp[5353]: 946374696 DHCPACK(br-lan) 10.77.0.178 02:77:00:00:00:01 pc-1',
      'Nov 29 15:15:14 dnsmasq[5353]: query[A] example.org from 10.77.0.178',
      'Nov 29 15:15:14 dnsmasq[5353]: forwarded example.org to 9.9.9.9',
    ].join('\n'),
  );
  assert.equal(d.format, 'dnsmasq', d.message);
  assert.ok(d.confidence >= 0.8, d.message);
});

test('lines of no known format: no guess, and the message says what to type', () => {
  const d = detectFormat('hello world\nthis is not a log\n');
  assert.equal(d.format, null);
  assert.match(d.message, /--format <name>/);
});

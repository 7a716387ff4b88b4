import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync } from 'node:zlib';
import { decodeChunk, encodeChunk, LineChunk } from './raw-archive.ts';

const lines = [
  '[1795962131.123456]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.0.0.1 dst=198.51.100.7 sport=51234 dport=443 [UNREPLIED]',
  'Sat Nov 29 14:20:01 2026\n\tUser-Name = "élève@uni.example"\n\tAcct-Status-Type = Start', // a block: newlines inside
  '',
  'Nov 29 14:20:01 gw dnsmasq[1]: query[A] 𝔘𝔫𝔦𝔠𝔬𝔡𝔢.example from 10.0.0.2', // astral characters: surrogate pairs
  '\u0002{"looks":"like a header"}\n',
  'binary \u0000\u0001\ufffd junk',
];
const received = [1_795_962_131_000_000, 1_795_962_131_000_000, 1_795_962_131_500_001, 1_795_962_132_000_000, 1_795_962_131_999_999, 0];

/** A LineChunk of the lines: as text, or (ASCII lines) as bytes, as bulk ingest's fast path adds them. */
function lineChunk(asBytes: boolean): LineChunk {
  const c = new LineChunk();
  lines.forEach((l, i) => {
    const b = Buffer.from(l, 'utf8');
    if (asBytes && b.length === l.length) c.addAscii(b, 0, b.length, received[i]!);
    else c.add(l, received[i]!);
  });
  return c;
}

test('raw chunks round-trip every line exactly, with its receive time, whichever way they were built', async () => {
  for (const data of [await encodeChunk({ lines, received }), lineChunk(false).encode(), lineChunk(true).encode()]) {
    const back = decodeChunk(data);
    assert.deepEqual(back.lines, lines);
    assert.deepEqual(back.received, received);
  }
  assert.deepEqual(decodeChunk(new LineChunk().encode()), { lines: [], received: [] });
  assert.deepEqual(decodeChunk(await encodeChunk({ lines: [], received: [] })), { lines: [], received: [] });
});

test('a LineChunk grows past its first buffer (long lines, multi-byte text)', () => {
  const long = ['x'.repeat(100_000), 'é'.repeat(40_000), '𝔘'.repeat(20_000)];
  const c = new LineChunk();
  for (const l of long) c.add(l, 1);
  assert.deepEqual(decodeChunk(c.encode()).lines, long);
});

test('chunks written by earlier versions still read: JSON documents, brotli or raw deflate', () => {
  const doc = Buffer.from(JSON.stringify({ v: 1, r0: received[0], d: received.map((r) => r - received[0]!), l: lines }));
  for (const data of [brotliCompressSync(doc), deflateRawSync(doc)]) {
    const back = decodeChunk(data);
    assert.deepEqual(back.lines, lines);
    assert.deepEqual(back.received, received);
  }
});

test('a chunk whose lengths disagree with its text is refused, not misread', () => {
  const bad = brotliCompressSync(Buffer.from('\u0002{"r0":0,"d":[0,0],"n":[3,9]}\nabcdef'));
  assert.throws(() => decodeChunk(bad), /line lengths/);
});

test('a compressed chunk owns a buffer of its own size (zlib hands back a view of its 16 KiB output buffer)', async () => {
  const small = new LineChunk();
  small.add('one short line', 1);
  const many = new LineChunk();
  for (let i = 0; i < 2000; i++) many.add(`${i} ${'x'.repeat(i % 97)} ${i * 7919}`, i); // compresses past one 16 KiB output buffer
  for (const data of [small.encode(), many.encode(), await encodeChunk({ lines: ['one short line'], received: [1] })]) {
    assert.equal(data.byteOffset, 0);
    assert.equal(data.buffer.byteLength, data.length, `${data.length} B in a ${data.buffer.byteLength} B buffer`);
  }
  assert.equal(decodeChunk(many.encode()).lines.length, 2000);
});

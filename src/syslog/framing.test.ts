import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineFramer, OctetCountingFramer, SyslogStreamFramer } from './framing.ts';

/** Feed the framer every chunking produced by cutting `data` at `step`-byte intervals. */
function feed(f: { push(c: Buffer | string): string[] }, data: Buffer, step: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; i += step) out.push(...f.push(data.subarray(i, i + step)));
  return out;
}

test('LF lines, partial tail kept until end()', () => {
  const f = new LineFramer();
  assert.deepEqual(f.push('one\ntwo\nthr'), ['one', 'two']);
  assert.deepEqual(f.push('ee'), []);
  assert.deepEqual(f.push('\nfour'), ['three']);
  assert.equal(f.end(), 'four');
  assert.equal(f.end(), undefined);
});

test('LF with CRLF', () => {
  const f = new LineFramer();
  assert.deepEqual(f.push('a\r\nb\r'), ['a']);
  assert.deepEqual(f.push('\nc\rd\n'), ['b', 'c\rd'], 'a lone CR inside a line is kept');
});

test('empty lines are kept (line numbers are evidence)', () => {
  assert.deepEqual(new LineFramer().push('a\n\n\r\nb\n'), ['a', '', '', 'b']);
});

test('UTF-8 character split across chunks', () => {
  const data = Buffer.from('café ☕ 10.0.0.1\nnaïve\n', 'utf8');
  for (let step = 1; step <= data.length; step++) {
    assert.deepEqual(feed(new LineFramer(), data, step), ['café ☕ 10.0.0.1', 'naïve'], `step ${step}`);
  }
});

test('oversize line cut and counted', () => {
  const f = new LineFramer({ maxLength: 8 });
  assert.deepEqual(f.push('12345678\n123456789\nok\n'), ['12345678', '12345678', 'ok']);
  assert.equal(f.oversize, 1);
  // Split over chunks: cut as soon as it is certainly too long, rest dropped up to its LF.
  const g = new LineFramer({ maxLength: 4 });
  assert.deepEqual(g.push('abc'), []);
  assert.deepEqual(g.push('defgh'), ['abcd']);
  assert.deepEqual(g.push('ijk\nnext\n'), ['next']);
  assert.equal(g.oversize, 1);
  // A line exactly maxLength long followed by CRLF across chunks is not oversize.
  const h = new LineFramer({ maxLength: 4 });
  assert.deepEqual([...h.push('abcd\r'), ...h.push('\n')], ['abcd']);
  assert.equal(h.oversize, 0);
  // Never cuts inside a UTF-8 sequence: 'é' is 2 bytes.
  const u = new LineFramer({ maxLength: 4 });
  assert.deepEqual(u.push('abcé\n'), ['abc']);
  assert.equal(u.oversize, 1);
  // Over-long unterminated tail at end: already emitted, nothing more.
  const t = new LineFramer({ maxLength: 2 });
  assert.deepEqual(t.push('abcdef'), ['ab']);
  assert.equal(t.end(), undefined);
});

test('caller reusing its chunk buffer does not corrupt a held tail', () => {
  const f = new LineFramer();
  const buf = Buffer.from('hello');
  assert.deepEqual(f.push(buf), []);
  buf.write('XXXXX');
  assert.deepEqual(f.push('\n'), ['hello']);
});

test('octet counting basic frames', () => {
  const f = new OctetCountingFramer();
  assert.deepEqual(f.push('11 <13>hello a7 <13>bye'), ['<13>hello a', '<13>bye']);
  assert.equal(f.framingErrors, 0);
});

test('octet counting split across chunks', () => {
  const msgs = ['<13>Nov 29 14:43:01 host app: café ☕', '<165>1 2026-11-29T22:13:05Z h a - - - x', '<13>short'];
  const data = Buffer.concat(msgs.map((m) => Buffer.from(`${Buffer.byteLength(m)} ${m}`)));
  for (let step = 1; step <= data.length; step++) {
    const f = new OctetCountingFramer();
    assert.deepEqual(feed(f, data, step), msgs, `step ${step}`);
    assert.equal(f.framingErrors, 0);
  }
});

test('octet counting uses byte lengths, not character counts', () => {
  const m = '<13>€€€'; // 4 + 9 bytes, 7 characters
  assert.deepEqual(new OctetCountingFramer().push(`13 ${m}7 <13>abc`), [m, '<13>abc']);
});

test('octet counting first frame underflow resyncs', () => {
  // The sender counted too few bytes: the leftover "llo world\n" is no length; skip to the LF.
  const f = new OctetCountingFramer();
  assert.deepEqual(f.push('6 <13>hello world\n8 <13>next'), ['<13>he', '<13>next']);
  assert.equal(f.framingErrors, 1);
});

test('octet counting non-digit length and leading zero are framing errors', () => {
  const f = new OctetCountingFramer();
  assert.deepEqual(f.push('x5 junk\n05 abcde\n3 abc'), ['abc']);
  assert.equal(f.framingErrors, 2);
});

test('octet counting tolerates stray LF between frames and a trailing LF inside a frame', () => {
  const f = new OctetCountingFramer();
  assert.deepEqual(f.push('4 abc\n\r\n4 def\n'), ['abc', 'def']);
  assert.equal(f.framingErrors, 0);
});

test('octet counting oversize frame cut, counted, and the rest skipped exactly', () => {
  const f = new OctetCountingFramer({ maxLength: 5 });
  const data = Buffer.from('10 0123456789' + '3 abc' + '6 abcdé');
  for (let step = 1; step <= data.length; step++) {
    const g = new OctetCountingFramer({ maxLength: 5 });
    assert.deepEqual(feed(g, data, step), ['01234', 'abc', 'abcd'], `step ${step}`);
    assert.equal(g.oversize, 2);
    assert.equal(g.framingErrors, 0);
  }
  assert.deepEqual(f.push(data), ['01234', 'abc', 'abcd']);
});

test('octet counting incomplete frame at end is dropped and counted', () => {
  const f = new OctetCountingFramer();
  assert.deepEqual(f.push('10 <13>abc'), []);
  assert.deepEqual(f.end(), []);
  assert.equal(f.framingErrors, 1);
});

test('stream framer picks octet counting when the first byte is a digit', () => {
  const f = new SyslogStreamFramer();
  assert.deepEqual(f.push(''), []);
  assert.equal(f.mode, 'undecided');
  assert.deepEqual(f.push('9 <13>a b c'), ['<13>a b c']);
  assert.equal(f.mode, 'octet-counting');
  assert.deepEqual(f.push('x\n'), []);
  assert.equal(f.framingErrors, 1);
});

test('stream framer picks LF framing when the first byte is <', () => {
  const f = new SyslogStreamFramer();
  assert.deepEqual(f.push('\r\n<13>one\n\n<13>two\r\n<13>thr'), ['<13>one', '<13>two']);
  assert.equal(f.mode, 'lf');
  assert.deepEqual(f.end(), ['<13>thr']);
  assert.equal(f.framingErrors, 0);
});

test('stream framer counts oversize in either mode', () => {
  const a = new SyslogStreamFramer({ maxLength: 3 });
  a.push('<13>long\n');
  assert.equal(a.oversize, 1);
  const b = new SyslogStreamFramer({ maxLength: 3 });
  assert.deepEqual(b.push('5 abcde'), ['abc']);
  assert.equal(b.oversize, 1);
});

test('maxLength must be positive', () => {
  assert.throws(() => new LineFramer({ maxLength: 0 }), RangeError);
  assert.throws(() => new SyslogStreamFramer({ maxLength: -1 }), RangeError);
});

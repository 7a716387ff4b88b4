// ulogd2 lab: Debian's ulogd2 (NFCT → IP2STR → JSON) on an nftables masquerading gateway in network
// namespaces (test/lab/ulogd2/ulogd2-lab.sh). Every JSON line it wrote goes through the `ulogd2` parser, and
// each connection's inside ip:port, public ip:port and destination are checked against what the outside
// host captured. Two ulogd configurations run side by side: hash_enable=0 (NEW and DESTROY lines, process
// in Europe/Berlin) and the default hash table (one line per flow at its end, process in UTC).
//
// Needs root and: ulogd2 ulogd2-json conntrack nftables tcpdump iproute2. Without them the suite is skipped
// with the reason. Run alone: node --import tsx --test test/lab/ulogd2/ulogd2-lab.test.ts
// WN_LAB_KEEP=1 keeps the output folder (its path is printed); it is also kept when the lab fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NatRecord } from '../../../src/records/record.ts';
import { validateRecord } from '../../../src/records/validate.ts';
import { parseMessage, type Outcome } from '../../../src/parsers/run.ts';
import { contextFor } from '../../../src/parsers/testing.ts';
import { ulogd2 } from '../../../src/parsers/ulogd2/index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAB = path.join(HERE, 'ulogd2-lab.sh');
const TOOLS = ['ip', 'nft', 'ulogd', 'conntrack', 'tcpdump', 'flock', 'sysctl'];
const PACKAGES = 'ulogd2 ulogd2-json conntrack nftables tcpdump iproute2';

interface Conn {
  id: string;
  proto: 'tcp' | 'udp';
  insideIp: string;
  insidePort: number;
  publicIp: string;
  dstIp: string;
  dstPort: number;
  expect: 'answered' | 'refused' | 'timeout';
  result: string;
}
interface Expected {
  startedAt: number;
  finishedAt: number;
  files: { events: { file: string }; default: { file: string }; outside: string; responder: string };
  connections: Conn[];
}
/** A connection's first packet as the outside host captured it. */
interface Seen {
  ts: number; // epoch seconds as tcpdump printed them
  proto: 'tcp' | 'udp';
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
}

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return 'the ulogd2 lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return `the ulogd2 lab needs root (network namespaces); uid is ${process.getuid?.()}`;
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  const json = spawnSync('sh', ['-c', 'ls /usr/lib/*/ulogd/ulogd_output_JSON.so /usr/lib/ulogd/ulogd_output_JSON.so 2>/dev/null | grep -q .']).status === 0;
  if (!json) missing.push('ulogd_output_JSON.so (ulogd2-json)');
  if (missing.length) return `missing ${missing.join(', ')}: apt-get install -y ${PACKAGES}`;
  return undefined;
}

/** First SYN / UDP datagram per (proto, source) from `tcpdump -n -tt -l` output. */
function parseCapture(text: string): Seen[] {
  const out: Seen[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+\.\d+) IP6? (\S+)\.(\d+) > (\S+)\.(\d+): (Flags \[S\],|UDP,)/.exec(line);
    if (!m) continue;
    const s: Seen = { ts: Number(m[1]), proto: m[6]!.startsWith('UDP') ? 'udp' : 'tcp', srcIp: m[2]!, srcPort: Number(m[3]), dstIp: m[4]!, dstPort: Number(m[5]) };
    const key = `${s.proto} ${s.srcIp} ${s.srcPort} ${s.dstIp} ${s.dstPort}`;
    if (!seen.has(key)) out.push(s);
    seen.add(key);
  }
  return out;
}

const skip = whyNot();

describe('ulogd2 lab: real ulogd2 JSON lines traced against what the outside host saw', { skip, timeout: 120_000 }, () => {
  let out = '';
  let failed = false;
  let expected: Expected;
  let captured: Seen[] = [];
  const parsed: Record<'events' | 'default', { line: string; o: Outcome }[]> = { events: [], default: [] };

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'whowas-ulogd2-lab-'));
    const t0 = Date.now();
    const r = spawnSync('bash', [LAB, out], { encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] });
    fs.writeFileSync(path.join(out, 'lab.log'), `${r.stdout}${r.stderr}`);
    if (r.status !== 0) {
      failed = true;
      throw new Error(`ulogd2 lab failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}; outputs kept in ${out}\n${r.stderr.split('\n').slice(-20).join('\n')}`);
    }
    process.stderr.write(`# ulogd2 lab ran in ${((Date.now() - t0) / 1000).toFixed(1)} s, outputs in ${out}\n`);
    expected = JSON.parse(fs.readFileSync(path.join(out, 'expected.json'), 'utf8')) as Expected;
    captured = parseCapture(fs.readFileSync(path.join(out, expected.files.outside), 'utf8'));
    const ctx = contextFor({ zone: 'UTC', reference: Math.round(expected.finishedAt * 1e6) }, 'lab-ulogd2');
    for (const which of ['events', 'default'] as const) {
      const lines = fs.readFileSync(path.join(out, expected.files[which].file), 'utf8').split('\n').filter((l) => l.length > 0);
      parsed[which] = lines.map((line) => ({ line, o: parseMessage(ulogd2, line, ctx) }));
    }
  });

  after(() => {
    if (!out) return;
    if (failed || process.env.WN_LAB_KEEP) process.stderr.write(`# ulogd2 lab outputs kept in ${out}\n`);
    else fs.rmSync(out, { recursive: true, force: true });
  });

  const seenOf = (c: Conn): Seen => {
    const s = captured.filter((x) => x.proto === c.proto && x.dstIp === c.dstIp && x.dstPort === c.dstPort);
    assert.equal(s.length, 1, `${c.id}: exactly one first packet outside towards ${c.dstIp}:${c.dstPort}/${c.proto}`);
    return s[0]!;
  };
  const natOf = (which: 'events' | 'default', c: Conn): NatRecord[] =>
    parsed[which].flatMap(({ o }) => o.records).filter((r): r is NatRecord => r.kind === 'nat' && r.inIp === c.insideIp && r.inPort === c.insidePort && r.proto === c.proto);

  it('lab: every connection ended as planned and reached the outside host through the masquerade', () => {
    assert.equal(expected.connections.length, 6);
    for (const c of expected.connections) {
      assert.equal(c.result, c.expect, `${c.id}: client result`);
      const s = seenOf(c);
      assert.equal(s.srcIp, c.publicIp, `${c.id}: public address seen outside`);
      assert.ok(s.srcPort >= 61000 && s.srcPort <= 61999, `${c.id}: masquerade moved the port into 61000-61999 (${s.srcPort})`);
      assert.ok(s.ts >= expected.startedAt && s.ts <= expected.finishedAt, `${c.id}: capture time inside the run`);
    }
    const responder = fs.readFileSync(path.join(out, expected.files.responder), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { src: string; sport: number; payload: string });
    for (const c of expected.connections.filter((x) => x.expect === 'answered')) {
      const r = responder.find((x) => x.payload === c.id);
      assert.ok(r, `${c.id} in responder.log`);
      const s = seenOf(c);
      assert.equal(`${r.src}:${r.sport}`, `${s.srcIp}:${s.srcPort}`, `${c.id}: responder and capture agree`);
    }
  });

  for (const which of ['events', 'default'] as const) {
    it(`${which}: every line parses (records) or is knowingly skipped; records are valid`, () => {
      assert.ok(parsed[which].length > 0, 'ulogd wrote lines');
      for (const { line, o } of parsed[which]) {
        assert.notEqual(o.status, 'unparsed', `${o.reason}: ${line}`);
        if (o.status === 'skip') assert.match(o.reason!, /no translation/, line); // the gateway's own loopback probe
        for (const r of o.records) assert.deepEqual(validateRecord(r, line), [], line);
      }
    });

    it(`${which}: each connection's inside, public and destination match what the outside host saw`, () => {
      for (const c of expected.connections) {
        const s = seenOf(c);
        const recs = natOf(which, c);
        const news = recs.filter((r) => r.event === 'new');
        const ends = recs.filter((r) => r.event === 'destroy');
        assert.equal(news.length, 1, `${which} ${c.id}: one new record`);
        assert.equal(ends.length, 1, `${which} ${c.id}: one destroy record`);
        for (const r of recs) {
          assert.deepEqual(
            [r.inIp, r.inPort, r.pubIp, r.pubPort, r.dstIp, r.dstPort],
            [c.insideIp, c.insidePort, s.srcIp, s.srcPort, c.dstIp, c.dstPort],
            `${which} ${c.id} ${r.event}: ${r.raw}`,
          );
          assert.ok(r.flowId !== undefined && r.flowId === news[0]!.flowId, `${which} ${c.id}: flowId ties new and destroy`);
        }
        // The start is ulogd's (or the kernel's) reading when the first packet passed: within 0.5 s of the capture.
        const gap = Math.abs(news[0]!.ts / 1e6 - s.ts);
        assert.ok(gap < 0.5, `${which} ${c.id}: new at ${news[0]!.ts / 1e6}, captured at ${s.ts} (${gap.toFixed(4)} s apart)`);
        assert.ok(ends[0]!.ts >= news[0]!.ts - 1000, `${which} ${c.id}: destroy not before new`);
        // Never answered: the UDP datagram to a port nobody listens on (acct counters say no reply packet).
        if (c.expect === 'timeout') assert.equal(ends[0]!.failed, true, `${which} ${c.id}: failed`);
        else assert.equal(ends[0]!.failed, undefined, `${which} ${c.id}: not failed (a TCP RST is a reply packet)`);
        assert.equal(news[0]!.failed, undefined);
      }
    });
  }

  it('the JSON writer stamps: +0100/+0200 from the Berlin instance, no offset (UTC) from the UTC instance', () => {
    for (const { line } of parsed.events) assert.match(line, /"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]00"/);
    for (const { line } of parsed.default) assert.match(line, /"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"/);
  });

  it('the default (hash) instance writes one line per flow, carrying both flow.start and flow.end', () => {
    for (const c of expected.connections) {
      const lines = parsed.default.filter(({ o }) => o.records.some((r) => r.kind === 'nat' && (r as NatRecord).inPort === c.insidePort));
      assert.equal(lines.length, 1, `default ${c.id}: one line`);
      assert.match(lines[0]!.line, /"flow\.start\.sec": \d+, "flow\.start\.usec": \d+, "flow\.end\.sec"/);
    }
  });
});

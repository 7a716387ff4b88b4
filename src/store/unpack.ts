// An encoded day batch (compressed line chunks, NAT rows in columns) read back as lines and record objects:
// what a store without column support, or a test looking at what the pipeline produced, needs.
import { wordsToIp } from '../records/addr.ts';
import { NAT_EVENTS, PROTOS, type NatRecord, type WhowasRecord } from '../records/record.ts';
import { flagsOfBits } from './nat-columns.ts';
import { decodeChunk, MAX_CHUNK_LINES } from './raw-archive.ts';
import type { DayBatch } from './store.ts';

export interface UnpackedBatch {
  lines: string[];
  received: number[];
  /** Every record with its line's index in `lines`, in line order; NAT rows as objects again. */
  records: { rec: WhowasRecord; line: number }[];
}

export function unpackBatch(b: DayBatch): UnpackedBatch {
  if (!b.chunks) return { lines: b.lines, received: b.received, records: b.records };
  const lines: string[] = [];
  const received: number[] = [];
  const firstLine: number[] = [];
  for (const c of b.chunks) {
    const d = decodeChunk(c.data);
    firstLine.push(lines.length);
    lines.push(...d.lines);
    received.push(...d.received);
  }
  const flat = (pos: number) => firstLine[Math.floor(pos / MAX_CHUNK_LINES)]! + (pos % MAX_CHUNK_LINES);
  // Each record with its line as stored (IPFIX records kept as octets carry none until rendered here).
  const records = b.records.map((r) => {
    const line = flat(r.line);
    return { rec: { ...r.rec, raw: lines[line]! } as WhowasRecord, line };
  });
  for (const c of b.nat ?? []) {
    for (let i = 0; i < c.n; i++) {
      const line = flat(c.line[i]!);
      const rec: NatRecord = {
        kind: 'nat',
        ts: c.ts[i]!,
        received: received[line]!,
        source: b.source,
        raw: lines[line]!,
        event: NAT_EVENTS[c.event[i]!]!,
        proto: PROTOS[c.proto[i]!]!,
        inIp: wordsToIp(c.inIp, i * 4),
        inPort: c.inPort[i]!,
        pubIp: wordsToIp(c.pubIp, i * 4),
        pubPort: c.pubPort[i]!,
      };
      if (c.hasDst[i]) (rec.dstIp = wordsToIp(c.dstIp, i * 4)), (rec.dstPort = c.dstPort[i]!);
      if (c.failed[i]) rec.failed = true;
      if (c.tsAlt[i]) rec.tsAlt = c.tsAlt[i]!;
      const flags = flagsOfBits(c.tflags[i]!);
      if (flags) rec.flags = flags;
      records.push({ rec, line });
    }
  }
  records.sort((x, y) => x.line - y.line);
  return { lines, received, records };
}

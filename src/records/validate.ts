// Record validation: what every parser's output must satisfy before a store may keep it.
// Used by the parser conformance suite (src/parsers/contract.test.ts); cheap enough for spot checks at runtime.
import { normIp, normMac } from './addr.ts';
import { KINDS, type Kind } from './record.ts';

const MIN_TS = Date.UTC(1990, 0, 1) * 1000;
const MAX_TS = Date.UTC(2100, 0, 1) * 1000;

const BASE_KEYS = ['kind', 'ts', 'received', 'source', 'raw', 'rawStamp', 'flags', 'tsAlt', 'logHost'];
const FLAG_KEYS = new Set(['zoneAssumed', 'ambiguous', 'nonexistent', 'yearInferred', 'clockUnsynced']);

/** Per kind: the fields a record may carry besides the base ones, and which are required. */
const SHAPES: Record<Kind, { optional: string[]; required: string[] }> = {
  lease: { required: ['ip', 'mac', 'how'], optional: ['hostname', 'end', 'via'] },
  sighting: { required: ['ip', 'mac', 'how'], optional: ['vlan', 'iface'] },
  place: { required: ['mac', 'how'], optional: ['switch', 'port', 'vlan', 'ap', 'ssid'] },
  session: { required: ['user', 'event', 'how'], optional: ['mac', 'ip', 'host', 'sessionId', 'nas', 'durationS'] },
  nat: { required: ['event', 'proto', 'inIp', 'inPort', 'pubIp', 'pubPort'], optional: ['dstIp', 'dstPort', 'failed', 'flowId'] },
  portblock: { required: ['event', 'inIp', 'pubIp', 'portLo', 'portHi'], optional: [] },
  dnsquery: { required: ['client', 'qname', 'qtype'], optional: ['clientPort', 'resolver'] },
  flow: { required: ['proto', 'srcIp', 'dstIp', 'how'], optional: ['srcPort', 'dstPort', 'end', 'state', 'bytesOut', 'bytesIn'] },
  unparsed: { required: ['reason', 'format'], optional: [] },
};

const ENUMS: Partial<Record<Kind, Record<string, readonly string[]>>> = {
  lease: { how: ['ack', 'renew', 'release', 'expire', 'decline', 'inform', 'static', 'radius'] },
  session: { event: ['start', 'interim', 'stop', 'login', 'logout', 'auth', 'owner'] },
  flow: { proto: ['tcp', 'udp', 'icmp', 'icmpv6', 'other'] },
  nat: { event: ['new', 'update', 'destroy', 'deny'], proto: ['tcp', 'udp', 'icmp', 'icmpv6', 'other'] },
  portblock: { event: ['alloc', 'release', 'interim'] },
};

const IP_FIELDS = ['ip', 'inIp', 'pubIp', 'dstIp', 'srcIp', 'client', 'resolver'];
const PORT_FIELDS = ['inPort', 'pubPort', 'dstPort', 'srcPort', 'clientPort', 'portLo', 'portHi'];
const TIME_FIELDS = ['ts', 'received', 'tsAlt', 'end'];

const isMicros = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Problems with one record, as readable sentences; empty when it is valid.
 * `input`, when given, is the message the record came from: `raw` must equal it or be part of it.
 */
export function validateRecord(r: unknown, input?: string): string[] {
  const out: string[] = [];
  if (typeof r !== 'object' || r === null) return ['record is not an object'];
  const rec = r as Record<string, unknown>;
  const kind = rec.kind as Kind;
  if (!KINDS.includes(kind)) return [`unknown kind ${JSON.stringify(rec.kind)}`];
  const shape = SHAPES[kind];

  for (const k of Object.keys(rec)) {
    if (rec[k] === undefined) out.push(`${k} is present but undefined (omit it instead)`);
    else if (!BASE_KEYS.includes(k) && !shape.required.includes(k) && !shape.optional.includes(k)) {
      out.push(`unexpected field ${k} on a ${kind} record`);
    }
  }
  for (const k of shape.required) if (rec[k] === undefined || rec[k] === '') out.push(`${kind} record lacks ${k}`);

  // Times: integer µs, within a plausible range (a wrong unit lands far outside it).
  for (const k of TIME_FIELDS) {
    const v = rec[k];
    if (v === undefined && k !== 'ts' && k !== 'received') continue;
    if (!isMicros(v)) out.push(`${k} is not an integer number of µs: ${String(v)}`);
    else if (v < MIN_TS || v >= MAX_TS) out.push(`${k} ${v} is outside 1990..2100 (wrong unit?)`);
  }
  if (isMicros(rec.end) && isMicros(rec.ts) && rec.end < rec.ts) out.push('end is before ts');
  if (rec.tsAlt !== undefined && !(rec.flags as { ambiguous?: boolean } | undefined)?.ambiguous) {
    out.push('tsAlt without flags.ambiguous');
  }
  if (rec.flags !== undefined) {
    if (typeof rec.flags !== 'object' || rec.flags === null) out.push('flags is not an object');
    else {
      for (const [k, v] of Object.entries(rec.flags)) {
        if (!FLAG_KEYS.has(k)) out.push(`unknown time flag ${k}`);
        else if (v !== true) out.push(`time flag ${k} should be true or absent, is ${String(v)}`);
      }
      if (Object.keys(rec.flags).length === 0) out.push('flags is empty (omit it instead)');
    }
  }

  if (!nonEmpty(rec.source)) out.push('source is empty');
  if (!nonEmpty(rec.raw)) out.push('raw is empty');
  else if (input !== undefined && rec.raw !== input && !input.includes(rec.raw)) out.push('raw is not the input message');
  if (rec.rawStamp !== undefined) {
    if (!nonEmpty(rec.rawStamp)) out.push('rawStamp is empty');
    else if (nonEmpty(rec.raw) && !rec.raw.includes(rec.rawStamp)) out.push(`rawStamp '${rec.rawStamp}' is not in raw`);
  }
  if (rec.logHost !== undefined && !nonEmpty(rec.logHost)) out.push('logHost is empty');

  for (const k of IP_FIELDS) {
    const v = rec[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || normIp(v) !== v) out.push(`${k} '${String(v)}' is not a canonical IP address`);
  }
  if (rec.mac !== undefined && (typeof rec.mac !== 'string' || normMac(rec.mac) !== rec.mac)) {
    out.push(`mac '${String(rec.mac)}' is not a canonical MAC address`);
  }
  for (const k of PORT_FIELDS) {
    const v = rec[k];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535)) out.push(`${k} ${String(v)} is not a port`);
  }
  if (kind === 'portblock' && (rec.portLo as number) > (rec.portHi as number)) out.push('portLo is above portHi');

  for (const [k, allowed] of Object.entries(ENUMS[kind] ?? {})) {
    if (rec[k] !== undefined && !allowed.includes(rec[k] as string)) out.push(`${k} '${String(rec[k])}' is not one of ${allowed.join(', ')}`);
  }
  for (const k of ['how', 'user', 'qname', 'qtype', 'reason', 'format', 'hostname', 'sessionId', 'nas', 'via', 'iface', 'host', 'state']) {
    if (rec[k] !== undefined && !nonEmpty(rec[k])) out.push(`${k} is not a non-empty string`);
  }
  if (rec.durationS !== undefined && !(Number.isInteger(rec.durationS) && (rec.durationS as number) >= 0)) out.push('durationS is not a whole number of seconds');
  if (rec.flowId !== undefined && !(Number.isSafeInteger(rec.flowId) && (rec.flowId as number) >= 0)) out.push('flowId is not a non-negative integer');
  if ((rec.dstIp === undefined) !== (rec.dstPort === undefined) && kind === 'nat') out.push('dstIp and dstPort come together or not at all');
  for (const k of ['bytesOut', 'bytesIn']) if (rec[k] !== undefined && !(Number.isSafeInteger(rec[k]) && (rec[k] as number) >= 0)) out.push(`${k} is not a byte count`);
  if (rec.failed !== undefined && typeof rec.failed !== 'boolean') out.push('failed is not a boolean');
  for (const k of ['vlan']) {
    const v = rec[k];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 4095)) out.push(`${k} ${String(v)} is not a VLAN id`);
  }
  return out;
}

// The normalised records every parser produces and every store keeps (ARCHITECTURE §3).
//
// Times are microseconds since the Unix epoch, UTC, as plain numbers: 2^53 µs reaches the year 2255,
// so a double holds them exactly and we avoid BigInt on the hot path.
// Addresses are kept as canonical text (see ./addr.ts): IPv4 dotted quad, IPv6 RFC 5952, MAC lower-case
// colon-separated. Stores may encode them more compactly.

export type Micros = number;

export const KINDS = ['lease', 'sighting', 'place', 'session', 'nat', 'portblock', 'dnsquery', 'flow', 'unparsed'] as const;
export type Kind = (typeof KINDS)[number];

/** How a record's time was obtained; every flag is something an analyst must be told. */
export interface TimeFlags {
  /** The source stamp had no zone and none was configured: read as UTC. */
  zoneAssumed?: boolean;
  /** A local time inside a DST fall-back hour: `ts` is the earlier reading, `tsAlt` the later. */
  ambiguous?: boolean;
  /** A local time inside a spring-forward gap (it never existed); `ts` is shifted by the gap. */
  nonexistent?: boolean;
  /** RFC 3164 stamp without a year: the year was chosen nearest to the reference time. */
  yearInferred?: boolean;
  /** The device itself marked its clock as not synchronised (Cisco's leading '*'): the stamp may be far off. */
  clockUnsynced?: boolean;
}

export interface RecordBase {
  kind: Kind;
  /** Event time, UTC µs. */
  ts: Micros;
  /** When whowas received the line (live) or read the file, UTC µs. */
  received: Micros;
  /** Configured source id (or the format name for a one-off ingest). */
  source: string;
  /** The original line (or multi-line block) exactly as received. */
  raw: string;
  /** The time stamp text exactly as the source wrote it, when there was one. */
  rawStamp?: string;
  flags?: TimeFlags;
  /** The other UTC reading of an ambiguous local time. */
  tsAlt?: Micros;
  /** Host name from the syslog header, if any (the device that logged). */
  logHost?: string;
}

export type LeaseHow = 'ack' | 'renew' | 'release' | 'expire' | 'decline' | 'inform' | 'static' | 'radius';

/** IP ↔ MAC for an interval, from a DHCP server (or RADIUS Framed-IP). */
export interface LeaseRecord extends RecordBase {
  kind: 'lease';
  ip: string;
  mac: string;
  hostname?: string;
  how: LeaseHow;
  /** Lease end when the source states it (ack + lease time), UTC µs. */
  end?: Micros;
  /** Interface / relay / server that handed it out. */
  via?: string;
}

/** IP ↔ MAC seen at an instant (ARP, NDP, arpwatch …). */
export interface SightingRecord extends RecordBase {
  kind: 'sighting';
  ip: string;
  mac: string;
  how: string;
  vlan?: number;
  iface?: string;
}

/** MAC ↔ where: switch port or access point. */
export interface PlaceRecord extends RecordBase {
  kind: 'place';
  mac: string;
  switch?: string;
  port?: string;
  vlan?: number;
  ap?: string;
  ssid?: string;
  how: string;
}

/**
 * 'owner' is a registry entry (an owner list imported by an administrator): a weak hint that the trace
 * labels as such, never proof of who used the machine.
 */
export type SessionEvent = 'start' | 'interim' | 'stop' | 'login' | 'logout' | 'auth' | 'owner';

/** User ↔ MAC / IP / host. */
export interface SessionRecord extends RecordBase {
  kind: 'session';
  user: string;
  event: SessionEvent;
  how: string;
  mac?: string;
  ip?: string;
  host?: string;
  sessionId?: string;
  /** NAS or host that reported it. */
  nas?: string;
  /** Session length in seconds when the source states it (RADIUS Acct-Session-Time). */
  durationS?: number;
}

export const NAT_EVENTS = ['new', 'update', 'destroy', 'deny'] as const;
export const PROTOS = ['tcp', 'udp', 'icmp', 'icmpv6', 'other'] as const;
export type NatEvent = (typeof NAT_EVENTS)[number];
export type Proto = (typeof PROTOS)[number];

/** Time flags as bits, for stores and the column form of records. */
export const FLAG_BITS = { zoneAssumed: 1, ambiguous: 2, nonexistent: 4, yearInferred: 8, clockUnsynced: 16 } as const;

/** One translation event: inside ip:port ↔ public ip:port towards dst ip:port. */
export interface NatRecord extends RecordBase {
  kind: 'nat';
  event: NatEvent;
  proto: Proto;
  inIp: string;
  inPort: number;
  pubIp: string;
  pubPort: number;
  /**
   * Destination, when the device logs it. Translation-only messages (Cisco ASA 305011, IOS NAT) name no
   * destination: then both are absent and the trace says so.
   */
  dstIp?: string;
  dstPort?: number;
  /** True when the attempt was never answered (conntrack NEW … [UNREPLIED] never ASSURED) or denied. */
  failed?: boolean;
  /** Connection id from the device (conntrack id=…), when logged. */
  flowId?: number;
}

/**
 * A NAT event as numbers, as bulk ingest's fast path reads it straight from a line's bytes (Parser.natRow):
 * IPv4 addresses as unsigned 32-bit values, event and protocol as their index in NAT_EVENTS / PROTOS, the
 * time in UTC µs (an epoch stamp: no flags, no alternative). The destination is always known.
 */
export interface NatRow {
  ts: Micros;
  event: number;
  proto: number;
  failed: boolean;
  inIp: number;
  inPort: number;
  pubIp: number;
  pubPort: number;
  dstIp: number;
  dstPort: number;
}

/** A port range allocated to an inside address (CGNAT port-block allocation). */
export interface PortBlockRecord extends RecordBase {
  kind: 'portblock';
  event: 'alloc' | 'release' | 'interim';
  inIp: string;
  pubIp: string;
  portLo: number;
  portHi: number;
}

/** A lookup through a local resolver. */
export interface DnsQueryRecord extends RecordBase {
  kind: 'dnsquery';
  client: string;
  clientPort?: number;
  qname: string;
  qtype: string;
  resolver?: string;
}

/**
 * A flow seen by a probe or a router (Argus, Zeek conn.log): context for an answer, never a binding.
 * `end` is the last packet when the source states it.
 */
export interface FlowRecord extends RecordBase {
  kind: 'flow';
  proto: Proto;
  srcIp: string;
  srcPort?: number;
  dstIp: string;
  dstPort?: number;
  end?: Micros;
  /** Source's own state / outcome text (Zeek conn_state, Argus state), verbatim. */
  state?: string;
  bytesOut?: number;
  bytesIn?: number;
  how: string;
}

/** A line nothing understood: kept verbatim with the reason. `ts` is the receive time unless a stamp was read. */
export interface UnparsedRecord extends RecordBase {
  kind: 'unparsed';
  reason: string;
  format: string;
}

export type WhowasRecord =
  | LeaseRecord
  | SightingRecord
  | PlaceRecord
  | SessionRecord
  | NatRecord
  | PortBlockRecord
  | DnsQueryRecord
  | FlowRecord
  | UnparsedRecord;

export type RecordOf<K extends Kind> = Extract<WhowasRecord, { kind: K }>;

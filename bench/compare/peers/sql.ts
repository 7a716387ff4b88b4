// The table a sysadmin following ulogd2's PostgreSQL schema (doc/pgsql-ulogd2.sql, table ulog2_ct, one row
// per conntrack event as ulogd2's INSERT_CT writes it) would have, and how the rows are filled from the
// workload. Shared by the PostgreSQL and SQLite peers so both hold exactly the same rows.
import type { NatEventRow } from '../workload.ts';
import { u32ToIp } from '../workload.ts';

/** ulogd2 ct_event values (libnetfilter_conntrack NFCT_T_NEW / NFCT_T_DESTROY). */
export const CT_NEW = 1;
export const CT_DESTROY = 4;

/** Columns filled, in COPY / INSERT order. The others keep ulogd2's defaults (0 or NULL). */
export const COLUMNS = [
  'oob_family',
  'orig_ip_saddr_str',
  'orig_ip_daddr_str',
  'orig_ip_protocol',
  'orig_l4_sport',
  'orig_l4_dport',
  'reply_ip_saddr_str',
  'reply_ip_daddr_str',
  'reply_ip_protocol',
  'reply_l4_sport',
  'reply_l4_dport',
  'flow_start_sec',
  'flow_start_usec',
  'flow_end_sec',
  'flow_end_usec',
  'ct_event',
] as const;

/**
 * One event as ulogd2 stores it: the original tuple (inside → destination), the reply tuple (destination →
 * public address: the translation), flow_start from the connection's start, flow_end for DESTROY only.
 */
export function ctValues(r: NatEventRow): (number | string)[] {
  const destroy = r.event === 'destroy';
  return [
    2, // AF_INET
    u32ToIp(r.inIp),
    u32ToIp(r.dstIp),
    r.proto,
    r.inPort,
    r.dstPort,
    u32ToIp(r.dstIp),
    u32ToIp(r.pubIp),
    r.proto,
    r.dstPort,
    r.pubPort,
    Math.floor(r.start / 1e6),
    r.start % 1e6,
    destroy ? Math.floor(r.ts / 1e6) : 0,
    destroy ? r.ts % 1e6 : 0,
    destroy ? CT_DESTROY : CT_NEW,
  ];
}

/** The same values with addresses as integers (ulogd2's SQLite table keeps INT addresses). */
export function ctValuesInt(r: NatEventRow): number[] {
  const destroy = r.event === 'destroy';
  return [
    2,
    r.inIp,
    r.dstIp,
    r.proto,
    r.inPort,
    r.dstPort,
    r.dstIp,
    r.pubIp,
    r.proto,
    r.dstPort,
    r.pubPort,
    Math.floor(r.start / 1e6),
    r.start % 1e6,
    destroy ? Math.floor(r.ts / 1e6) : 0,
    destroy ? r.ts % 1e6 : 0,
    destroy ? CT_DESTROY : CT_NEW,
  ];
}

/** ulogd2's ulog2_ct, column for column (Debian ulogd2 2.0.8, pgsql-ulogd2.sql format version 6), with its sequence. */
export const PG_TABLE = `
CREATE SEQUENCE ulog2_ct__ct_id_seq;
CREATE TABLE ulog2_ct (
  _ct_id bigint PRIMARY KEY UNIQUE NOT NULL DEFAULT nextval('ulog2_ct__ct_id_seq'),
  oob_family smallint default NULL,
  orig_ip_saddr_str inet default NULL,
  orig_ip_daddr_str inet default NULL,
  orig_ip_protocol smallint default NULL,
  orig_l4_sport integer default NULL,
  orig_l4_dport integer default NULL,
  orig_raw_pktlen bigint default 0,
  orig_raw_pktcount bigint default 0,
  reply_ip_saddr_str inet default NULL,
  reply_ip_daddr_str inet default NULL,
  reply_ip_protocol smallint default NULL,
  reply_l4_sport integer default NULL,
  reply_l4_dport integer default NULL,
  reply_raw_pktlen bigint default 0,
  reply_raw_pktcount bigint default 0,
  icmp_code smallint default NULL,
  icmp_type smallint default NULL,
  ct_mark bigint default 0,
  flow_start_sec bigint default 0,
  flow_start_usec bigint default 0,
  flow_end_sec bigint default 0,
  flow_end_usec bigint default 0,
  ct_event smallint default 0
);`;

/**
 * Instead of ulogd2's ten single-column indexes, the two a sysadmin answering these questions would add:
 * public ip + port + time (abuse reports), inside ip + time (what did this host do).
 */
export const INDEXES = `
CREATE INDEX ulog2_ct_public ON ulog2_ct (reply_ip_daddr_str, reply_l4_dport, flow_start_sec);
CREATE INDEX ulog2_ct_inside ON ulog2_ct (orig_ip_saddr_str, flow_start_sec);`;

/** The lookup: translations of a public ip:port that started within [from, to] (seconds). */
export const LOOKUP_SQL = `SELECT orig_ip_saddr_str, orig_l4_sport, ct_event FROM ulog2_ct
  WHERE reply_ip_daddr_str = $1 AND reply_l4_dport = $2 AND flow_start_sec BETWEEN $3 AND $4`;

/** Everything an inside host did: its connections that started in [from, to) (seconds), all their events. */
export const HOUR_SQL = `SELECT * FROM ulog2_ct
  WHERE orig_ip_saddr_str = $1 AND flow_start_sec >= $2 AND flow_start_sec < $3 ORDER BY flow_start_sec, flow_start_usec`;

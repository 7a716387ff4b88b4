// kea-leases: ISC Kea's memfile lease files (kea-leases4.csv, kea-leases6.csv). Each row is the state of one
// lease when Kea wrote it (the file is a journal: every allocation, renewal, release and reclamation appends
// a row; Kea's LFC compacts it). Columns are those of Kea's CSVLeaseFile4/6 (1.x … 2.6); see README.md.
import type { LeaseHow } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { looksBinary } from '../common.ts';
import {
  ethernetMac, INFINITE_LEASE, leaseRecord, leaseSeconds, macFromDuid, macInsideDuidLlt, noMacReason, normIpCached, parseDuid,
  plausibleTime, type LeaseFields,
} from '../dhcp-common/index.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const keaLeases: Parser = {
  name: 'kea-leases',
  description: "ISC Kea memfile lease files (kea-leases4.csv / kea-leases6.csv): one lease per row, start = expire − valid_lifetime",
  framing: 'line',
  syslogHeader: 'none',
  parse,
};
export default keaLeases;

// v4: address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context[,pool_id]
// v6: address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,prefix_len,fqdn_fwd,fqdn_rev,
//     hostname,hwaddr,state,user_context,hwtype,hwaddr_source[,pool_id]
// Older files have fewer columns (Kea 1.0: v4 without state/user_context; v6 without hwtype/hwaddr_source):
// the column count tells the version; the first column tells v4 from v6.

/** Kea's HWAddr sources (HWAddr::HWADDR_SOURCE_*): 2 = taken from the DUID. */
const HWADDR_SOURCE_DUID = 2;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  const line = msg.body.trimEnd();
  if (line === '') return { unparsed: 'empty line' };
  if (line.startsWith('address,')) {
    if (line.startsWith('address,hwaddr,')) return { skip: 'CSV header line (kea-leases4.csv)' };
    if (line.startsWith('address,duid,')) return { skip: 'CSV header line (kea-leases6.csv)' };
    return { unparsed: 'CSV header of unknown columns' };
  }
  if (looksBinary(line)) return { unparsed: 'binary data, not a lease row' };
  const comma = line.indexOf(',');
  if (comma < 0 || comma > 45) return { unparsed: 'not a Kea lease row' };
  const ip = normIpCached(line.slice(0, comma));
  if (!ip) return { unparsed: 'first column is not an address' };
  const cols = line.split(',');
  if (ip.indexOf(':') < 0) {
    if (cols.length < 9 || cols.length > 12) return { unparsed: 'kea-leases4 row with a wrong number of columns' };
    return v4(msg, ctx, ip, cols);
  }
  if (cols.length < 12 || cols.length > 18) return { unparsed: 'kea-leases6 row with a wrong number of columns' };
  return v6(msg, ctx, ip, cols);
}

function v4(msg: Message, ctx: ParseContext, ip: string, c: string[]): ParseResult {
  const hw = c[1]!;
  const mac = hw === '' ? { skip: 'kea-leases4: lease without a hardware address (no MAC)' } : ethernetMac(hw) ?? { skip: 'kea-leases4: hardware address is not an Ethernet MAC' };
  return row(msg, ctx, ip, mac, c[3]!, c[4]!, c[8]!, c.length >= 10 ? c[9]! : '0', '4');
}

function v6(msg: Message, ctx: ParseContext, ip: string, c: string[]): ParseResult {
  const type = c[6]!;
  if (type === '2') return { skip: 'kea-leases6: a delegated prefix (IA_PD), not an address' };
  if (type !== '0' && type !== '1') return { unparsed: 'kea-leases6: unknown lease type' };
  const duid = parseDuid(c[1]!);
  const hw = c[12] ?? '';
  const source = c[16] ?? '';
  let mac: string | { skip: string };
  const fromDuid = duid ? macFromDuid(duid) : null;
  const hwMac = hw === '' ? null : ethernetMac(hw);
  if (fromDuid) mac = fromDuid; // a DUID-LL names the MAC outright
  else if (hwMac) {
    // Kea takes the MAC from the DUID first (mac-sources "any"); one read out of a DUID-LLT is not trusted.
    const fromLlt = source === String(HWADDR_SOURCE_DUID) || (source === '' && duid !== null && macInsideDuidLlt(duid) === hwMac);
    mac = fromLlt && duid ? { skip: noMacReason('kea-leases6', duid) } : hwMac;
  } else if (hw === '') mac = { skip: 'kea-leases6: lease without a hardware address (no MAC)' };
  else mac = { skip: 'kea-leases6: hardware address is not an Ethernet MAC' };
  return row(msg, ctx, ip, mac, c[2]!, c[3]!, c[11]!, c[13] ?? '0', '6');
}

function row(
  msg: Message, ctx: ParseContext, ip: string, mac: string | { skip: string }, validText: string, expireText: string,
  hostText: string, state: string, v: '4' | '6',
): ParseResult {
  const valid = leaseSeconds(validText);
  const expire = /^\d{1,12}$/.test(expireText) ? Number(expireText) : null; // cltt + 0xffffffff passes 2^32
  if (valid === null || expire === null) return { unparsed: `kea-leases${v}: valid_lifetime or expire is not a number` };

  let how: LeaseHow;
  if (state === '0') {
    // A row with valid_lifetime 0 is Kea's mark of a deleted lease (released, or removed by a command); its
    // expire column is the last renewal (cltt), not the moment of deletion, so it cannot be placed in time.
    if (valid === 0) return { skip: `kea-leases${v}: deleted lease (released or removed); the file does not say when` };
    how = 'ack';
  } else if (state === '1') how = 'decline';
  else if (state === '2') how = 'expire';
  else if (state === '3') return { skip: `kea-leases${v}: registered address (state 3), not a lease` };
  else return { unparsed: `kea-leases${v}: unknown lease state` };

  if (typeof mac !== 'string') {
    // Kea clears the client of a declined address: there is nobody to name.
    if (how === 'decline') return { skip: `kea-leases${v}: declined address (Kea removes the client from it)` };
    return mac;
  }

  // expire = cltt + valid_lifetime: the lease started at cltt (last allocation or renewal) and ends at expire.
  // An expired-reclaimed row (state 2) is placed at its expiry. Infinite leases have no end.
  const infinite = valid === INFINITE_LEASE;
  const atS = how === 'expire' && !infinite ? expire : expire - valid;
  let t: ResolvedTime;
  try {
    t = ctx.clock.epoch(String(atS), expireText);
  } catch {
    return { unparsed: `kea-leases${v}: lease time out of range` };
  }
  if (!plausibleTime(t.ts)) return { unparsed: `kea-leases${v}: lease time before 1990 or after 2100 (test data or a broken clock)` };
  const f: LeaseFields = { ip, mac, how };
  if (how === 'ack' && !infinite) f.seconds = valid;
  const host = hostText.indexOf('&#x2c') >= 0 ? hostText.split('&#x2c').join(',') : hostText;
  if (host) f.hostname = host;
  return { records: [leaseRecord(msg, ctx, t, f)] };
}

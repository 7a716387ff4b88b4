// arpwatch: IP ↔ MAC sightings from arpwatch's syslog lines (Debian 2.1a15 and the LBL originals).
// Line shape (arpwatch.c dosyslog): "<event> <ip> <mac>[ (<other mac>)][ <iface>]"; see README.md for what each
// event becomes. Every event is a sighting of the binding in the ARP packet arpwatch just saw.
import { normIp, normMac } from '../../records/addr.ts';
import type { SightingRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/**
 * The events arpwatch logs with an address pair, longest first where one is a prefix of another.
 * 'ip broadcast' is documented in arpwatch(8) but not logged by Debian's 2.1a15; it is accepted all the same.
 */
const EVENTS = [
  'new activity',
  'new station',
  'flip flop',
  'changed ethernet address',
  'reused old ethernet address',
  'suppressed DECnet flip flop',
  'ethernet mismatch',
  'ethernet broadcast',
  'ip broadcast',
  'bogon',
] as const;

/** Daemon status and error lines: understood, no binding. Fixed reasons per prefix. */
const STATUS_PREFIXES = [
  'listening on', 'exiting', 'Running as', 'pcap open', 'pcap_', 'bad interface', 'chdir(', '(using current',
  'Could not get IPv4 address', 'No subnets to watch', 'using pcap filter', 'ent_add(', 'short (want', 'reaper:',
  'report: ', 'execl:', 'mkstemp(', 'child fdopen', 'unlink(', 'dup2:', 'creat(', 'rename ', 'fopen(', 'ferror ',
  'file_loop:', 'ec_loop', 'restart in', 'Link layer type', 'bad linktype', 'main fork', 'savestr()', 'Couldn\'t ',
];

const ZERO_MAC = '00:00:00:00:00:00';
const ONES_MAC = 'ff:ff:ff:ff:ff:ff';

export const arpwatch: Parser = {
  name: 'arpwatch',
  description: 'arpwatch syslog lines (new station, flip flop, changed ethernet address, …) as IP ↔ MAC sightings',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default arpwatch;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  if (msg.body.length > 512) return { unparsed: 'line too long for an arpwatch message' };
  const body = msg.body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const app = msg.header?.app;
  const ours = app === undefined || app === 'arpwatch' || app === 'arpsnmp' || app.endsWith('/arpwatch');

  let event: string | undefined;
  for (const e of EVENTS) {
    if (body.startsWith(e) && body.charCodeAt(e.length) === 32) {
      event = e;
      break;
    }
  }
  if (event === undefined) {
    if (!ours) return { unparsed: "not an arpwatch message (another program's syslog tag)" };
    if (body.startsWith('hostname changed ')) return hostnameChanged(msg, ctx, body);
    for (const p of STATUS_PREFIXES) if (body.startsWith(p)) return { skip: 'arpwatch status or error line, no binding' };
    // "<mac> sent bad hardware format 0x6" and the other packet sanity complaints (arpwatch.c sanity_ether).
    const sp = body.indexOf(' ');
    if (sp > 0 && body.startsWith(' sent ', sp) && normMac(body.slice(0, sp))) return { skip: 'arpwatch: malformed ARP packet reported, no binding' };
    return { unparsed: 'unknown arpwatch message' };
  }
  if (!ours) return { unparsed: "not an arpwatch message (another program's syslog tag)" };

  // "<ip> <mac>[ (<mac2>)][ <iface>]"
  const tok = body.slice(event.length + 1).split(' ').filter((t) => t !== '');
  if (tok.length < 2 || tok.length > 4) return { unparsed: `arpwatch ${event}: unexpected fields` };
  const ip = normIp(tok[0]!);
  if (!ip || ip.includes(':')) return { unparsed: `arpwatch ${event}: not an IPv4 address` };
  const mac = normMac(tok[1]!);
  if (!mac) return { unparsed: `arpwatch ${event}: malformed MAC address` };
  let i = 2;
  if (tok[i]?.startsWith('(')) {
    const other = tok[i]!;
    if (!other.endsWith(')') || !normMac(other.slice(1, -1))) return { unparsed: `arpwatch ${event}: malformed second MAC address` };
    i++;
  }
  const iface = tok[i];
  if (tok.length > i + 1) return { unparsed: `arpwatch ${event}: unexpected fields` };

  if (event === 'ethernet broadcast' && (mac === ZERO_MAC || mac === ONES_MAC)) {
    return { skip: 'arpwatch ethernet broadcast: the MAC is all zeros or all ones, nothing to bind' };
  }
  if (ip === '0.0.0.0') return { skip: 'arpwatch: ARP from 0.0.0.0 (address probe), no binding' };
  if (!msg.header?.stamp) return { unparsed: 'no time stamp' };
  const r: SightingRecord = { kind: 'sighting', ...base(msg, ctx, msg.header.stamp), ip, mac, how: `arpwatch ${event}` };
  if (iface) r.iface = iface;
  return { records: [r] };
}

/** "hostname changed <ip> <mac> <old> -> <new>" (db.c check_hname): the current pairing, re-confirmed. */
function hostnameChanged(msg: Message, ctx: ParseContext, body: string): ParseResult {
  const tok = body.slice(17).split(' ');
  const ip = normIp(tok[0] ?? '');
  const mac = normMac(tok[1] ?? '');
  if (!ip || !mac) return { unparsed: 'arpwatch hostname changed: malformed address' };
  if (!msg.header?.stamp) return { unparsed: 'no time stamp' };
  return { records: [{ kind: 'sighting', ...base(msg, ctx, msg.header.stamp), ip, mac, how: 'arpwatch hostname changed' }] };
}

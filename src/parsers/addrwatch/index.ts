// addrwatch: one IP ↔ MAC pairing per line, "timestamp iface vlan mac ip type" (output file, addrwatch_stdout),
// also inside syslog ("addrwatch: …" from addrwatch_syslog, "addrwatch: INFO: …" from 0.8's --syslog).
// Format from fln/addrwatch output_flatfile.c / addrwatch_syslog.c; see README.md.
import { normIp, normMac } from '../../records/addr.ts';
import type { SightingRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import { base, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

/** Packet types (pkt_origin_str); ND_RA / ND_RS come from releases after 1.0. */
const TYPES = new Set(['ARP_REQ', 'ARP_REP', 'ARP_ACD', 'ND_NS', 'ND_NA', 'ND_DAD', 'ND_RA', 'ND_RS']);
const V4_TYPES = new Set(['ARP_REQ', 'ARP_REP', 'ARP_ACD']);
/** log_msg() level words addrwatch 0.8 puts before every syslog message. */
const LEVELS = ['INFO: ', 'DEBUG: ', 'NOTICE: ', 'WARNING: ', 'ERR: ', 'CRIT: ', 'ALERT: ', 'EMERG: '];

/**
 * IPv6 canonicalisation costs BigInt work, and addrwatch repeats the same addresses all day: remember recent
 * answers (a bounded map, emptied when full).
 */
const v6Cache = new Map<string, string | null>();
function normIp6(text: string): string | null {
  let v = v6Cache.get(text);
  if (v === undefined) {
    if (v6Cache.size >= 8192) v6Cache.clear();
    v = normIp(text);
    v6Cache.set(text, v);
  }
  return v;
}

export const addrwatch: Parser = {
  name: 'addrwatch',
  description: 'addrwatch pairing lines (timestamp iface vlan mac ip ARP_REQ|ARP_REP|ARP_ACD|ND_NS|ND_NA|ND_DAD), file or syslog',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default addrwatch;

function parse(msg: Message, ctx: ParseContext): ParseResult {
  if (msg.body.length > 512) return { unparsed: 'line too long for an addrwatch pairing' };
  let body = msg.body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  const app = msg.header?.app;
  if (app !== undefined && !app.startsWith('addrwatch') && !app.startsWith('arpobserver')) {
    return { unparsed: "not an addrwatch message (another program's syslog tag)" };
  }
  let level = '';
  for (const l of LEVELS) {
    if (body.startsWith(l)) {
      level = l;
      body = body.slice(l.length);
      break;
    }
  }
  const c = body.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) {
    if (level || app !== undefined) return { skip: 'addrwatch status line, no pairing' };
    return { unparsed: 'not an addrwatch pairing line' };
  }
  const t = body.split(' ');
  if (t.length !== 6) return { unparsed: 'addrwatch line without the six fields timestamp iface vlan mac ip type' };
  const [stampText, iface, vlanText, macText, ipText, type] = t as [string, string, string, string, string, string];
  if (!TYPES.has(type)) return { unparsed: 'unknown addrwatch packet type' };
  if (!/^\d{1,12}$/.test(stampText)) return { unparsed: 'addrwatch timestamp is not epoch seconds' };
  if (!/^\d{1,4}$/.test(vlanText) || Number(vlanText) > 4095) return { unparsed: 'addrwatch vlan tag is not a VLAN id' };
  const mac = normMac(macText);
  if (!mac) return { unparsed: 'addrwatch: malformed MAC address' };
  const ip = ipText.indexOf(':') < 0 ? normIp(ipText) : normIp6(ipText);
  if (!ip) return { unparsed: 'addrwatch: malformed IP address' };
  if (V4_TYPES.has(type) === ip.includes(':')) return { unparsed: 'addrwatch: address family does not fit the packet type' };
  if (ip === '0.0.0.0' || ip === '::') return { skip: 'addrwatch: unspecified address, no binding' };
  if (iface === '') return { unparsed: 'addrwatch: empty interface name' };

  const r: SightingRecord = { kind: 'sighting', ...base(msg, ctx, ctx.clock.epoch(stampText)), ip, mac, how: `addrwatch ${type}`, iface };
  const vlan = Number(vlanText);
  if (vlan > 0) r.vlan = vlan; // 0 = untagged
  return { records: [r] };
}

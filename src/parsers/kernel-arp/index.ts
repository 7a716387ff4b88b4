// Kernel neighbour messages that name an IP and the MAC using it: FreeBSD / pfSense / OPNsense `arp:` lines
// (sys/netinet/if_ether.c) and Linux's IPv6 duplicate-address message (net/ipv6/addrconf.c). Linux itself logs
// no IPv4 ARP changes; see README.md.
import type { SightingRecord } from '../../records/record.ts';
import type { Message } from '../../syslog/types.ts';
import type { ResolvedTime } from '../../time/types.ts';
import { base, canonMac, fastNormIp, looksBinary } from '../common.ts';
import type { ParseContext, ParseResult, Parser } from '../parser.ts';

export const kernelArp: Parser = {
  name: 'kernel-arp',
  description: 'kernel neighbour messages: FreeBSD/pfSense "arp: … moved from … to …", address conflicts, Linux IPv6 duplicate address',
  framing: 'line',
  syslogHeader: 'optional',
  parse,
};
export default kernelArp;

const NOT_NEIGHBOUR = 'not a kernel neighbour message';

type Found = { ip: string; mac: string; how: string; iface?: string } | { skip: string } | { unparsed: string };

function parse(msg: Message, ctx: ParseContext): ParseResult {
  let body = msg.body.trimEnd();
  if (body === '') return { unparsed: 'empty message' };
  if (looksBinary(body)) return { unparsed: 'binary data, not a log line' };
  let stamp = msg.header?.stamp;
  // `dmesg --time-format=iso`: "2026-11-29T14:51:50,073767+00:00 IPv6: …" (no syslog header).
  if (!stamp && !msg.header && isDigit(body, 0)) {
    const sp = body.indexOf(' ');
    if (sp > 0) {
      const t = dmesgIso(body.slice(0, sp), ctx);
      if (t) {
        stamp = t;
        body = body.slice(sp + 1);
      }
    }
  }
  // A kernel tag left in the body ("host kernel: arp: …" pasted without a stamp).
  if (!msg.header?.app) {
    const k = body.indexOf('kernel: ');
    if (k >= 0 && k < 64) body = body.slice(k + 8);
  } else if (msg.header.app !== 'kernel') {
    return { unparsed: "not a kernel message (another program's syslog tag)" };
  }
  // A kernel log level left in the text ("<6>arp: …", as some BSD syslog setups forward it).
  if (body.charCodeAt(0) === 60 && body.charCodeAt(2) === 62 && isDigit(body, 1)) body = body.slice(3);
  // printk time prefix kept by some syslog daemons: "[ 2431.078489] ".
  if (body.charCodeAt(0) === 91) {
    const close = body.indexOf('] ');
    if (close > 0 && close < 24) body = body.slice(close + 2);
  }

  const f = classify(body);
  if (!('ip' in f)) {
    // Any other kernel line (a whole kernel log may be fed in): understood as the kernel's, no binding.
    if ('unparsed' in f && f.unparsed === NOT_NEIGHBOUR && (msg.header?.app === 'kernel' || stamp !== msg.header?.stamp)) {
      return { skip: 'kernel message without an address binding' };
    }
    return f;
  }
  if (!stamp) return { unparsed: 'no time stamp' };
  const r: SightingRecord = { kind: 'sighting', ...base(msg, ctx, stamp), ip: f.ip, mac: f.mac, how: f.how };
  if (f.iface) r.iface = f.iface;
  return { records: [r] };
}

function classify(body: string): Found {
  if (body.startsWith('arp: ')) return freebsdArp(body.slice(5));
  if (body.startsWith('IPv6: ')) return linuxIpv6(body.slice(6));
  // Older kernels print the IPv6 message without the "IPv6: " prefix.
  if (body.includes(': IPv6 duplicate address ')) return linuxIpv6(body);
  return { unparsed: NOT_NEIGHBOUR };
}

/** FreeBSD if_ether.c messages after "arp: ". MACs are printed %*D: two hex digits per byte. */
function freebsdArp(s: string): Found {
  if (s.length > 300) return { skip: 'kernel arp message without an address binding' };
  const t = (s.endsWith('!') ? s.slice(0, -1) : s).split(' ');
  // "<ip> moved from <old> to <new> on <if>"
  if (t.length === 8 && t[1] === 'moved' && t[2] === 'from' && t[4] === 'to' && t[6] === 'on') {
    return pair(t[0], t[5], 'kernel arp moved', t[7], t[3]);
  }
  // "<mac> is using my IP address <ip> on <if>!"
  if (t.length === 9 && t[1] === 'is' && t[2] === 'using' && t[3] === 'my' && t[4] === 'IP' && t[5] === 'address' && t[7] === 'on') {
    return pair(t[6], t[0], 'kernel arp address conflict', t[8]);
  }
  // "<mac> attempts to modify permanent entry for <ip> on <if>"
  if (t.length === 10 && t[1] === 'attempts' && t[4] === 'permanent' && t[6] === 'for' && t[8] === 'on') {
    return pair(t[7], t[0], 'kernel arp permanent entry modify attempt', t[9]);
  }
  // "<ip> is on <if1> but got reply from <mac> on <if2>"
  if (t.length === 11 && t[1] === 'is' && t[2] === 'on' && t[4] === 'but' && t[6] === 'reply' && t[7] === 'from' && t[9] === 'on') {
    return pair(t[0], t[8], 'kernel arp wrong interface', t[10]);
  }
  return { skip: 'kernel arp message without an address binding' };
}

/** Linux addrconf_dad_failure: "<if>: IPv6 duplicate address <ip6> used by <mac> detected!" */
function linuxIpv6(s: string): Found {
  const colon = s.indexOf(': IPv6 duplicate address ');
  if (colon <= 0) return { skip: 'kernel IPv6 message without an address binding' };
  if (s.length > 400) return { unparsed: 'malformed kernel IPv6 duplicate address message' };
  const iface = s.slice(0, colon);
  const t = s.slice(colon + 25).split(' ');
  if (t.length === 5 && t[1] === 'used' && t[2] === 'by' && t[4] === 'detected!') return pair(t[0], t[3], 'kernel ipv6 duplicate address', iface);
  if (t.length === 2 && t[1] === 'detected!') return { skip: 'kernel IPv6 duplicate address without the other MAC (kernel before 4.18)' };
  return { unparsed: 'malformed kernel IPv6 duplicate address message' };
}

function pair(ipText: string | undefined, macText: string | undefined, how: string, iface?: string, oldMac?: string): Found {
  const ip = fastNormIp(ipText ?? '');
  const mac = canonMac(macText ?? '');
  if (!ip) return { unparsed: `${how}: not an IP address` };
  if (!mac || (oldMac !== undefined && !canonMac(oldMac))) return { unparsed: `${how}: malformed MAC address` };
  return iface ? { ip, mac, how, iface } : { ip, mac, how };
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** "YYYY-MM-DDThh:mm:ss,ffffff±hh:mm" (util-linux dmesg --time-format=iso). */
function dmesgIso(s: string, ctx: ParseContext): ResolvedTime | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:[,.](\d{1,9}))?([+-])(\d\d):?(\d\d)$/.exec(s);
  if (!m) return undefined;
  const micros = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  const off = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  try {
    return ctx.clock.withOffset(
      { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), micros },
      off,
      s,
    );
  } catch {
    return undefined;
  }
}

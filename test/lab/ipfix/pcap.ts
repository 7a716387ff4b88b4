// A tiny pcap writer: Ethernet + IPv4/IPv6 + TCP/UDP packets with exact addresses, ports and times, so a
// real flow exporter (softflowd -r, nfpcapd) reads traffic whose every flow the test knows in advance.
import { ipToBigInt } from '../../../src/records/addr.ts';

export interface LabPacket {
  /** Seconds since the epoch, with fraction. */
  t: number;
  src: string;
  dst: string;
  proto: 'tcp' | 'udp';
  sport: number;
  dport: number;
  /** TCP flags byte (SYN 0x02, ACK 0x10, FIN 0x01, PSH 0x08, RST 0x04). */
  flags?: number;
  payload?: number;
}

function addrBytes(ip: string): Buffer {
  const v = ipToBigInt(ip);
  if (!ip.includes(':')) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number(v & 0xffffffffn));
    return b;
  }
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[15 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}

function csum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function frame(p: LabPacket): Buffer {
  const v6 = p.src.includes(':');
  const payload = Buffer.alloc(p.payload ?? 0, 0x61);
  let l4: Buffer;
  if (p.proto === 'tcp') {
    l4 = Buffer.alloc(20);
    l4.writeUInt16BE(p.sport, 0);
    l4.writeUInt16BE(p.dport, 2);
    l4.writeUInt32BE(1000, 4);
    l4.writeUInt32BE(p.flags && p.flags & 0x10 ? 2000 : 0, 8);
    l4[12] = 5 << 4;
    l4[13] = p.flags ?? 0x02;
    l4.writeUInt16BE(64240, 14);
  } else {
    l4 = Buffer.alloc(8);
    l4.writeUInt16BE(p.sport, 0);
    l4.writeUInt16BE(p.dport, 2);
    l4.writeUInt16BE(8 + payload.length, 4);
  }
  l4 = Buffer.concat([l4, payload]);
  const protoNum = p.proto === 'tcp' ? 6 : 17;
  const s = addrBytes(p.src), d = addrBytes(p.dst);
  const pseudo = v6
    ? Buffer.concat([s, d, Buffer.from([0, 0, l4.length >> 8, l4.length & 255, 0, 0, 0, protoNum])])
    : Buffer.concat([s, d, Buffer.from([0, protoNum, l4.length >> 8, l4.length & 255])]);
  l4.writeUInt16BE(csum(Buffer.concat([pseudo, l4])), p.proto === 'tcp' ? 16 : 6);
  let l3: Buffer;
  if (v6) {
    l3 = Buffer.alloc(40);
    l3.writeUInt32BE(0x60000000, 0);
    l3.writeUInt16BE(l4.length, 4);
    l3[6] = protoNum;
    l3[7] = 64;
    s.copy(l3, 8);
    d.copy(l3, 24);
  } else {
    l3 = Buffer.alloc(20);
    l3[0] = 0x45;
    l3.writeUInt16BE(20 + l4.length, 2);
    l3[8] = 64;
    l3[9] = protoNum;
    s.copy(l3, 12);
    d.copy(l3, 16);
    l3.writeUInt16BE(csum(l3), 10);
  }
  const eth = Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00]);
  return Buffer.concat([eth, l3, l4]);
}

/** A pcap file (microsecond stamps, Ethernet link type). */
export function pcap(packets: LabPacket[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  for (const p of packets) {
    const f = frame(p);
    const h = Buffer.alloc(16);
    const sec = Math.floor(p.t);
    h.writeUInt32LE(sec, 0);
    h.writeUInt32LE(Math.round((p.t - sec) * 1e6), 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  }
  return Buffer.concat(parts);
}

// Syslog over UDP (one message per datagram) and TCP (RFC 6587: octet counting or LF, detected per
// connection). TCP pauses the socket while the store catches up, so memory stays bounded; UDP cannot push
// back, so what the kernel drops under overload is lost — the receive counters make that visible.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { SyslogStreamFramer } from '../syslog/framing.ts';
import type { Router } from './router.ts';

export function listenUdp(router: Router, host: string, port: number, maxMessage: number): Promise<UdpSocket> {
  const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 << 20 });
  sock.on('message', (msg, rinfo) => {
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d || msg[end - 1] === 0)) end--;
    if (end > maxMessage) {
      router.drop('unmatched');
      end = maxMessage;
    }
    void router.add(msg.toString('utf8', 0, end), rinfo.address, Date.now() * 1000);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => resolve(sock));
  });
}

export function listenTcp(router: Router, host: string, port: number, maxMessage: number): Promise<Server> {
  const server = createServer((conn) => {
    const framer = new SyslogStreamFramer({ maxLength: maxMessage });
    const sender = conn.remoteAddress ?? '?';
    let queue = Promise.resolve();
    conn.on('data', (chunk) => {
      const msgs = framer.push(chunk);
      if (!msgs.length) return;
      conn.pause();
      queue = queue
        .then(async () => {
          const received = Date.now() * 1000;
          for (const m of msgs) await router.add(m, sender, received);
        })
        .finally(() => conn.resume());
    });
    conn.on('end', () => {
      const rest = framer.end();
      queue = queue.then(async () => {
        for (const m of rest) await router.add(m, sender, Date.now() * 1000);
      });
    });
    conn.on('error', () => conn.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

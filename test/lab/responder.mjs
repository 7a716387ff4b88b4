// The outside host's services in the NAT lab, run inside ww-out by lab.sh:
//   node test/lab/responder.mjs --host 198.51.100.7 --tcp 443,80 --udp 5000 --log FILE --ready FILE
// Accepts TCP connections / UDP datagrams, answers "ok <payload>", and logs one JSON line per peer with the
// public address and port it saw: a second, independent view of which client hid behind which public port.
import net from 'node:net';
import dgram from 'node:dgram';
import fs from 'node:fs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const host = args.host ?? '198.51.100.7';
const tcpPorts = (args.tcp ?? '').split(',').filter(Boolean).map(Number);
const udpPorts = (args.udp ?? '').split(',').filter(Boolean).map(Number);
const log = (o) => fs.appendFileSync(args.log, JSON.stringify({ t: Date.now() / 1000, ...o }) + '\n');

let pending = tcpPorts.length + udpPorts.length;
const ready = () => {
  if (--pending === 0 && args.ready) fs.writeFileSync(args.ready, `${process.pid}\n`);
};

for (const port of tcpPorts) {
  const srv = net.createServer((sock) => {
    const peer = { proto: 'tcp', port, src: sock.remoteAddress, sport: sock.remotePort };
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        const payload = buf.trim();
        log({ ...peer, payload });
        // Answer but let the client close first, so its connection (and conntrack entry) lives as long as
        // the client holds it.
        sock.write(`ok ${payload}\n`);
      }
    });
    sock.on('error', () => {});
  });
  srv.listen(port, host, ready);
}

for (const port of udpPorts) {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    const payload = msg.toString().trim();
    log({ proto: 'udp', port, src: rinfo.address, sport: rinfo.port, payload });
    s.send(Buffer.from(`ok ${payload}\n`), rinfo.port, rinfo.address);
  });
  s.bind(port, host, ready);
}

process.on('SIGTERM', () => process.exit(0));

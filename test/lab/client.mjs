// One client connection of the NAT lab, run inside a client namespace by lab.sh:
//   ip netns exec ww-c2 node test/lab/client.mjs --id a2 --host 198.51.100.7 --port 443 --local-port 41002 \
//       [--proto tcp|udp] [--hold 300] [--resolve out.lab.test --dns 10.77.0.1] [--ready FILE] [--out FILE]
// It optionally resolves a name through the gateway's dnsmasq (so the DNS log has real queries), opens one
// TCP connection (or sends one UDP datagram) from the chosen local port, sends its id as payload, waits for
// the answer or the refusal, and appends one JSON line describing what happened to --out.
// Plain JavaScript on purpose: it runs with the system node inside namespaces, without tsx.
import net from 'node:net';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const id = args.id ?? 'x';
const proto = args.proto ?? 'tcp';
const port = Number(args.port);
const localPort = Number(args['local-port']);
const hold = Number(args.hold ?? 200);
const timeoutMs = Number(args.timeout ?? 5000);
let host = args.host;

const now = () => Date.now() / 1000;
const result = { id, proto, dstPort: port, localPort, startedAt: now() };

function finish(fields) {
  Object.assign(result, fields, { finishedAt: now() });
  const line = JSON.stringify(result) + '\n';
  if (args.out) fs.appendFileSync(args.out, line);
  process.stdout.write(line);
  // Let the socket close cleanly (FIN) before exiting.
  setTimeout(() => process.exit(0), 50);
}

const killer = setTimeout(() => finish({ result: 'timeout' }), timeoutMs);
killer.unref();

if (args.resolve) {
  const r = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  r.setServers([args.dns ?? '10.77.0.1']);
  try {
    const addrs = await r.resolve4(args.resolve);
    result.resolved = addrs;
    host = host ?? addrs[0];
  } catch (e) {
    result.resolveError = String(e?.code ?? e);
  }
}
result.dstIp = host;

if (proto === 'udp') {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg) => {
    clearTimeout(killer);
    finish({ result: 'answered', answer: msg.toString().trim() });
    s.close();
  });
  s.bind(localPort, () => {
    s.send(Buffer.from(`${id}\n`), port, host, (err) => {
      result.sentAt = now();
      if (err) finish({ result: 'error', error: String(err) });
      if (args.ready) fs.writeFileSync(args.ready, 'sent\n');
    });
  });
} else {
  const sock = net.connect({ host, port, localPort });
  let answer = '';
  sock.on('connect', () => {
    result.connectedAt = now();
    result.localAddress = sock.localAddress;
    sock.write(`${id}\n`);
    if (args.ready) fs.writeFileSync(args.ready, 'connected\n');
  });
  sock.on('data', (d) => {
    answer += d.toString();
  });
  sock.on('error', (e) => {
    clearTimeout(killer);
    if (args.ready) fs.writeFileSync(args.ready, 'error\n');
    finish({ result: e.code === 'ECONNREFUSED' ? 'refused' : 'error', error: String(e.code ?? e) });
  });
  sock.on('connect', () => {
    setTimeout(() => {
      clearTimeout(killer);
      sock.end();
      finish({ result: 'answered', answer: answer.trim() });
    }, hold);
  });
}

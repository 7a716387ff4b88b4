// whowas serve: syslog inputs → parsers → embedded store, and the HTTP API, in one process.
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TokenStore } from '../api/auth.ts';
import { startHttp } from '../api/http.ts';
import { loadConfig } from '../config/config.ts';
import { createIpfixCollector, type IpfixCollector } from '../inputs/ipfix/collector.ts';
import { Router } from '../inputs/router.ts';
import { listenTcp, listenUdp } from '../inputs/syslog-listeners.ts';
import { DuckDbStore } from '../store/duckdb/index.ts';
import { parseNumber } from './args.ts';

const HELP = `usage: whowas serve [--data <dir>] [--config <file>] [--http-port <n>] [--syslog-port <n>] [--ipfix-port <n>]

  Starts syslog on UDP and TCP (default port 5514), IPFIX / NetFlow v9 on UDP 4739, the embedded store in --data (default ./data) and the
  HTTP API on 127.0.0.1:8080. On first start an admin API token is created and printed once.
  Configuration: <data>/whowas.json (see README: sources, zones, ports).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      config: { type: 'string' },
      'http-port': { type: 'string' },
      'syslog-port': { type: 'string' },
      'ipfix-port': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (console.log(HELP), 0);
  const cfg = loadConfig({
    data: values.data,
    file: values.config,
    httpPort: parseNumber(values['http-port'], '--http-port', 0, 65535),
    syslogPort: parseNumber(values['syslog-port'], '--syslog-port', 0, 65535),
    ipfixPort: parseNumber(values['ipfix-port'], '--ipfix-port', 0, 65535),
  });
  mkdirSync(cfg.data, { recursive: true });
  const store = await DuckDbStore.open(cfg.data);
  const tokens = new TokenStore(cfg.data);
  if (tokens.empty) {
    const t = tokens.create('admin', 'admin');
    console.log(`created the admin API token (shown only now; only its hash is stored):\n  ${t}`);
  }
  const router = new Router(store, cfg.sources);
  router.start();
  const closers: (() => Promise<void> | void)[] = [];
  if (cfg.syslog.udpPort) {
    const u = await listenUdp(router, cfg.syslog.host, cfg.syslog.udpPort, cfg.syslog.maxMessage);
    closers.push(() => void u.close());
    console.log(`syslog udp on ${cfg.syslog.host}:${u.address().port}`);
  }
  if (cfg.syslog.tcpPort) {
    const t = await listenTcp(router, cfg.syslog.host, cfg.syslog.tcpPort, cfg.syslog.maxMessage);
    closers.push(() => new Promise<void>((r) => t.close(() => r())));
    const a = t.address();
    console.log(`syslog tcp on ${cfg.syslog.host}:${typeof a === 'object' && a ? a.port : '?'}`);
  }
  let ipfix: IpfixCollector | undefined;
  if (cfg.ipfix.port) {
    ipfix = await createIpfixCollector({
      host: cfg.ipfix.host,
      port: cfg.ipfix.port,
      ingestorFor: (exporter) => router.ingestorFor('ipfix', exporter),
      profile: cfg.ipfix.profiles,
    });
    const c = ipfix;
    closers.push(() => c.close());
    const nice = c.status().receiveNice;
    console.log(`ipfix/netflow v9 udp on ${cfg.ipfix.host}:${c.status().port}` +
      (nice !== null && nice >= 0 ? ' (the receiving thread could not raise its priority: run as root or with CAP_SYS_NICE to keep bursts from being lost)' : ''));
  }
  const status = () => ({ sources: router.status(), ...(ipfix ? { ipfix: ipfix.status() } : {}) });
  const http = await startHttp({ store, tokens, router, dataDir: cfg.data, started: Date.now(), config: cfg, status }, cfg.http.host, cfg.http.port);
  const ha = http.address();
  const url = `http://${cfg.http.host.includes(':') ? `[${cfg.http.host}]` : cfg.http.host}:${typeof ha === 'object' && ha ? ha.port : cfg.http.port}`;
  writeFileSync(join(cfg.data, 'server.json'), JSON.stringify({ url, pid: process.pid }));
  console.log(`http api on ${url} (store: ${cfg.data})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('stopping: flushing inputs to the store');
  for (const c of closers) await c();
  await new Promise<void>((r) => http.close(() => r()));
  await router.stop();
  await store.close();
  rmSync(join(cfg.data, 'server.json'), { force: true });
  return 0;
}

// HTTP API. Nothing personal without a token; every trace is written to the audit log.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { audit } from '../audit/audit.ts';
import { addResolverNote, buildQuery } from '../cli/trace.ts';
import type { Config } from '../config/config.ts';
import { UsageError } from '../cli/args.ts';
import type { Store } from '../store/store.ts';
import { trace } from '../trace/trace.ts';
import { dnsClients, whoUsed } from '../trace/reverse.ts';
import { dnsQuery, whoQuery } from '../cli/reverse.ts';
import type { Router } from '../inputs/router.ts';
import type { Principal, TokenStore } from './auth.ts';

export interface ApiDeps {
  store: Store;
  tokens: TokenStore;
  router: Router;
  dataDir: string;
  started: number;
  config?: Config;
  /** Input counters for /api/sources (syslog sources, the IPFIX collector); default: the router's. */
  status?: () => unknown;
}

export function startHttp(deps: ApiDeps, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((e) => send(res, 500, { error: `internal error: ${(e as Error).message}` }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function handle(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, { error: 'only GET is served' });
  if (url.pathname === '/api/health') {
    // No personal data here: it may be probed by monitoring without a token.
    return send(res, 200, { status: 'ok', uptimeS: Math.round((Date.now() - deps.started) / 1000) });
  }
  const who = authenticate(deps, req);
  if (!who) return send(res, 401, { error: 'authentication required: send the header "Authorization: Bearer <token>"' });
  const p = Object.fromEntries(url.searchParams) as Record<string, string>;
  switch (url.pathname) {
    case '/api/trace': {
      if (who.role === 'viewer') return send(res, 403, { error: 'the viewer role may not trace people: ask an admin for an analyst token' });
      const target = p.target ?? (p.ip ? (p.port ? `${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:${p.port}` : p.ip) : undefined);
      if (!target) return send(res, 400, { error: 'give target=<ip>[:<port>] (or ip= and port=) and at=<time>' });
      let q;
      try {
        q = buildQuery(target, p);
      } catch (e) {
        if (e instanceof UsageError) return send(res, 400, { error: e.message });
        throw e;
      }
      const answer = await trace(deps.store, q);
      if (deps.config) addResolverNote(deps.config, answer);
      audit(deps.dataDir, { who: `${who.name} (${who.id})`, via: 'http', action: 'trace', query: answer.query, reason: p.reason, results: answer.candidates.length });
      return send(res, 200, answer);
    }
    case '/api/dns':
    case '/api/who': {
      if (who.role === 'viewer') return send(res, 403, { error: 'the viewer role may not look up people: ask an admin for an analyst token' });
      let answer: { query: unknown; clients?: unknown[]; sessions?: unknown[] };
      try {
        answer = url.pathname === '/api/dns' ? await dnsClients(deps.store, dnsQuery(p.name, p), deps.config) : await whoUsed(deps.store, whoQuery(p));
      } catch (e) {
        if (e instanceof UsageError) return send(res, 400, { error: e.message });
        throw e;
      }
      const results = (answer.clients ?? answer.sessions ?? []).length;
      audit(deps.dataDir, { who: `${who.name} (${who.id})`, via: 'http', action: url.pathname.slice(5), query: answer.query, reason: p.reason, results });
      return send(res, 200, answer);
    }
    case '/api/sources':
      return send(res, 200, deps.status ? deps.status() : deps.router.status());
    default:
      return send(res, 404, { error: `no such endpoint '${url.pathname}': try /api/trace, /api/dns, /api/who, /api/sources or /api/health` });
  }
}

function authenticate(deps: ApiDeps, req: IncomingMessage): Principal | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return deps.tokens.verify(m?.[1]);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

// When `whowas serve` holds the store (DuckDB lets one process open it), CLI queries go to the server.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function askServer(dir: string, path: string, params: Record<string, string>, lockedMsg: string): Promise<unknown> {
  const info = join(dir, 'server.json');
  const token = process.env.WHOWAS_TOKEN;
  if (!existsSync(info) || !token)
    throw new Error(`${lockedMsg}; to ask the running server, set WHOWAS_TOKEN to an API token (the admin token printed at its first start)`);
  const { url } = JSON.parse(readFileSync(info, 'utf8')) as { url: string };
  const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error?: string };
  if (!res.ok) throw new Error(body.error ?? `server answered ${res.status}`);
  return body;
}

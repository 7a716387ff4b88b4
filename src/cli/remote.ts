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

/**
 * Runs a query on the local store, or — when the server holds it — asks the server's `path` with the
 * same words (the server validates and audits them itself). `audit` runs only for the local answer.
 */
export async function localOrServer<T>(
  dir: string,
  local: (store: import('../store/store.ts').Store) => Promise<T>,
  audit: (answer: T) => void,
  path: string,
  params: Record<string, string>,
): Promise<T> {
  const { DuckDbStore, StoreLockedError } = await import('../store/duckdb/index.ts');
  let store;
  try {
    store = await DuckDbStore.open(dir);
  } catch (e) {
    if (!(e instanceof StoreLockedError)) throw e;
    return (await askServer(dir, path, params, e.message)) as T;
  }
  try {
    const answer = await local(store);
    audit(answer);
    return answer;
  } catch (e) {
    if (!(e instanceof StoreLockedError)) throw e;
    return (await askServer(dir, path, params, e.message)) as T;
  } finally {
    await store.close();
  }
}

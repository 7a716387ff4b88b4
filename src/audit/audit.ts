// The audit log: every lookup of a person (trace, history, export) is appended here — who, when, what,
// and the stated reason — one JSON object per line, in the store's folder.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface AuditEntry {
  who: string;
  via: 'cli' | 'http';
  action: string;
  query: unknown;
  reason?: string;
  /** How many candidates (people/hosts) the answer named. */
  results?: number;
}

export function audit(dataDir: string, e: AuditEntry): void {
  mkdirSync(dataDir, { recursive: true });
  appendFileSync(join(dataDir, 'audit.log'), `${JSON.stringify({ at: new Date().toISOString(), ...e })}\n`, { mode: 0o600 });
}

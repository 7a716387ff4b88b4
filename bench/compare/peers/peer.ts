// What every peer of the side-by-side benchmark implements. The runner times lookup() and hostHour()
// around the call, so each peer's figure includes its client path (driver, pipe or process start).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHour, Lookup, Workload } from '../workload.ts';

export interface LoadResult {
  seconds: number;
  /** Events the peer reports it holds after the load (must equal the workload's events). */
  stored: number;
  notes?: string[];
}

export interface LookupAnswer {
  /** Inside ip:port of every translation the peer returned for the public ip:port within ±tolerance of T. */
  inside: string[];
  rows: number;
}

export interface HourAnswer {
  /** Rows the peer's natural query returned (what counts as a row differs: see README). */
  rows: number;
  /** Connections the host opened in the hour (NEW / ADD events in [from, to)): must agree across peers. */
  connections: number;
}

export interface Peer {
  readonly name: string;
  /** One line on how the peer is set up (version, settings). */
  describe(): string;
  /** null when ready; otherwise why the peer is skipped (said plainly in the output). */
  prepare(): Promise<string | null>;
  load(w: Workload): Promise<LoadResult>;
  /** Bytes on disk of the stored events (data + indexes), and what was counted. */
  bytes(): Promise<{ bytes: number; what: string }>;
  lookup(l: Lookup, toleranceS: number): Promise<LookupAnswer>;
  hostHour(h: HostHour): Promise<HourAnswer>;
  close(): Promise<void>;
}

/** Apparent size of every file under a path. */
export function duBytes(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(path)) n += duBytes(join(path, e));
  return n;
}

/** Runs a command to completion; throws with its stderr on failure. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r.stdout;
}

/** Like run(), asynchronously (so the event loop keeps timing honest for long commands). */
export function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 2000)}`));
    });
  });
}

export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Installs Debian packages when allowed (root, apt-get present); returns null on success or why not.
 * Services are kept from autostarting with a policy-rc.d, removed again if this created it.
 */
export function aptInstall(pkgs: string[], allowed: boolean): string | null {
  if (!allowed) return `not installed (${pkgs.join(' ')}); run without --no-install or: apt-get install -y ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0 || !which('apt-get')) return `not installed (${pkgs.join(' ')}) and cannot install it here (needs root and apt-get)`;
  console.log(`  installing ${pkgs.join(' ')} with apt-get …`);
  const policy = '/usr/sbin/policy-rc.d';
  const made = !statSync(policy, { throwIfNoEntry: false });
  try {
    if (made) spawnSync('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod 755 ${policy}`]);
    const r = spawnSync('apt-get', ['install', '-y', '-o', 'DPkg::Lock::Timeout=600', ...pkgs], {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) return `apt-get install ${pkgs.join(' ')} failed: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}`;
    return null;
  } finally {
    if (made) spawnSync('rm', ['-f', policy]);
  }
}

export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: number[]): number {
  return pct(xs, 50);
}

// Worker threads start from one bundled ES module instead of loading their ~100 TypeScript files one by one
// through tsx's loader hooks: measured 530 → 100 ms from `new Worker` to a loaded ingest worker, which is
// most of the fixed cost of `whowas ingest` on a small file. The bundle is made once per process by esbuild
// (the compiler tsx itself uses, so the code is the same; ~0.2 s) and written to a private temporary folder.
// When bundling is not possible the worker's tsx entry (`<name>.mjs`) is used.
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const made = new Map<string, URL>();
let bundleDir: string | undefined;
process.once('exit', () => bundleDir && rmSync(bundleDir, { recursive: true, force: true }));

const PREFIX = 'whowas-workers-';

/**
 * Removes the bundle folders (`whowas-workers-<pid>-…`) that processes of this user left behind when they
 * could not clean up (SIGKILL, a crash): folders only, owned by this user, whose process is gone. A pid reused
 * since keeps its folder until that process ends; nothing of another user is touched.
 */
export function sweepStaleBundles(parent = tmpdir()): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^whowas-workers-(\d+)-/.exec(name); // PREFIX, then the pid
    if (!m) continue;
    const path = join(parent, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || alive(Number(m[1]))) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Gone meanwhile, or not ours to read: left as it is.
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/**
 * The module a Worker should start for the TypeScript worker at `ts` (a file URL): its bundle, or `fallback`
 * (the tsx entry) when esbuild is missing, fails, or the bundle would import a package (a bundle outside the
 * project cannot resolve one).
 */
export async function workerModule(ts: URL, fallback: URL): Promise<URL> {
  const known = made.get(ts.href);
  if (known) return known;
  let url = fallback;
  try {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [fileURLToPath(ts)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    // What the bundle still imports: only Node's own modules resolve from outside the project.
    const imports = Object.values(out.metafile.outputs).flatMap((o) => o.imports);
    if (imports.every((i) => isBuiltin(i.path))) {
      // A folder of this process's own (mode 0700, random name), never a shared file another user could
      // have put there first: the server may run as root. Removed when the process exits.
      if (!bundleDir) {
        sweepStaleBundles();
        bundleDir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
      }
      const file = join(bundleDir, `${basename(fileURLToPath(ts), '.ts')}.mjs`);
      writeFileSync(file, code, { mode: 0o600 });
      url = pathToFileURL(file);
    }
  } catch {
    // No esbuild, or it failed: the tsx entry loads the same sources, only slower.
  }
  made.set(ts.href, url);
  return url;
}

// Lists the test files for `npm test` (Node 20's runner has no glob support of its own).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const unitOnly = process.argv.includes('--unit');
const out = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') && !(unitOnly && p.startsWith('test/lab'))) out.push(p);
  }
}
walk('src'); walk('test');
process.stdout.write(out.join(' '));

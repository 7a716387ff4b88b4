// whowas formats: what --format accepts.
import { listParsers } from '../parsers/registry.ts';

export async function run(): Promise<number> {
  for (const p of listParsers()) console.log(`${p.name.padEnd(20)} ${p.description}`);
  return 0;
}

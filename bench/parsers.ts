// Parse-only rate of every registered parser, over its own real testdata lines repeated (one core).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listParsers } from '../src/parsers/registry.ts';
import { parseMessage } from '../src/parsers/run.ts';
import { makeClock } from '../src/time/clock.ts';

function messages(dir: string, framing: 'line' | 'block'): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.json') || f.endsWith('.md')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const parts = framing === 'block' ? text.split(/\n\s*\n/) : text.split('\n');
    for (const p of parts) if (p.trim() && !p.startsWith('#')) out.push(framing === 'block' ? p.split('\n').filter((l) => !l.startsWith('#')).join('\n') : p);
  }
  return out.filter((m) => m.trim());
}

export async function parserRates(): Promise<Record<string, number>> {
  const rates: Record<string, number> = {};
  const received = Date.parse('2026-11-29T12:00:00Z') * 1000;
  for (const p of listParsers()) {
    const dir = join('src', 'parsers', p.name, 'testdata');
    if (!existsSync(dir)) continue;
    const msgs = messages(dir, p.framing);
    if (!msgs.length) continue;
    const ctx = { clock: makeClock({ zone: 'Europe/London', reference: received }), source: 'bench', received };
    const n = 300_000;
    for (let i = 0; i < 20_000; i++) parseMessage(p, msgs[i % msgs.length]!, ctx); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parseMessage(p, msgs[i % msgs.length]!, ctx);
    rates[p.name] = n / ((performance.now() - t0) / 1000);
  }
  return rates;
}

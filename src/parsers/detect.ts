// `--format auto`: which parser understands these lines? Every registered parser reads a sample; the one
// that understands most of it wins, and the answer says how sure it is and who came second. A parser
// "understands" a line when it yields records or knowingly skips it; only records count as evidence that
// the format is right (a parser that skips everything it does not know would otherwise win on any input).
import type { Parser } from './parser.ts';
import { listParsers } from './registry.ts';
import { parseMessage, splitMessages } from './run.ts';
import { makeClock } from '../time/clock.ts';

export interface FormatScore {
  format: string;
  /** Share of sample messages that gave records. */
  records: number;
  /** Share understood (records or a knowing skip). */
  understood: number;
  score: number;
}

export interface Detection {
  /** The chosen format, or null when no parser fits well enough to say. */
  format: string | null;
  /** 0–1: the winner's score, lowered when the runner-up is close. */
  confidence: number;
  /** Every parser that understood something, best first. */
  candidates: FormatScore[];
  sampled: number;
  /** One sentence for the user. */
  message: string;
}

const MIN_CONFIDENCE = 0.5;

/** Scores every parser on up to `max` messages of the text (a file's head or a stream's first lines). */
export function detectFormat(text: string, max = 200, parsers: Parser[] = listParsers()): Detection {
  const received = Date.now() * 1000;
  const ctx = { clock: makeClock({ zone: 'UTC', reference: received }), source: 'detect', received };
  const candidates: FormatScore[] = [];
  let sampled = 0;
  for (const p of parsers) {
    const msgs = splitMessages(text, p.framing).filter((m) => m.trim() !== '' && !m.startsWith('#')).slice(0, max);
    if (!msgs.length) continue;
    sampled = Math.max(sampled, msgs.length);
    let rec = 0, skip = 0;
    for (const m of msgs) {
      const o = parseMessage(p, m, ctx);
      if (o.status === 'records') rec++;
      else if (o.status === 'skip') skip++;
    }
    if (!rec && !skip) continue;
    const records = rec / msgs.length, understood = (rec + skip) / msgs.length;
    // Knowing skips (a header line, a DHCPDISCOVER) count only alongside records.
    candidates.push({ format: p.name, records, understood, score: rec ? understood : 0 });
  }
  candidates.sort((a, b) => b.score - a.score || b.records - a.records);
  const [best, second] = candidates;
  if (!best || best.score === 0) {
    return { format: null, confidence: 0, candidates, sampled, message: `no format recognised in ${sampled} lines: give --format <name> (whowas formats lists them)` };
  }
  // A runner-up that understands as much halves the confidence: two formats fit, say so.
  const confidence = Math.round(best.score * (1 - (second?.score ?? 0) / 2) * 100) / 100;
  const list = candidates.slice(0, 4).map((c) => `${c.format} ${Math.round(c.score * 100)}%`).join(', ');
  if (confidence < MIN_CONFIDENCE) {
    return { format: null, confidence, candidates, sampled, message: `cannot tell the format with confidence (${list}): give --format <name>` };
  }
  return { format: best.format, confidence, candidates, sampled, message: `format ${best.format} (confidence ${confidence}; ${list})` };
}

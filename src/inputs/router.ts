// Live messages → the source they belong to (by sender, host, program) → that source's ingestor.
// A message no source claims is still kept, as `unparsed` under the source id "unmatched".
import { normIp } from '../records/addr.ts';
import type { Micros } from '../records/record.ts';
import type { Parser } from '../parsers/parser.ts';
import { getParser } from '../parsers/registry.ts';
import type { Store } from '../store/store.ts';
import { parseSyslog } from '../syslog/header.ts';
import { makeClock } from '../time/clock.ts';
import type { SourceConfig } from '../config/config.ts';
import { emptyStats, Ingestor } from '../ingest/pipeline.ts';
import { detectFormat } from '../parsers/detect.ts';

const UNMATCHED: Parser = {
  name: 'unmatched',
  description: 'messages no configured source claims',
  framing: 'line',
  syslogHeader: 'optional',
  parse: () => ({ unparsed: 'no configured source matches this sender, host or program' }),
};

export interface SourceCounters {
  received: number;
  /** Messages dropped before the store (oversize cut, framing errors, UDP overload as far as we can see). */
  dropped: number;
}

/** Messages a source with `format: "auto"` collects before deciding, and the most it waits for. */
const AUTO_SAMPLE = 50;
const AUTO_GIVE_UP = 500;
const AUTO_WAIT_S = 30;

interface Route {
  cfg: SourceConfig;
  sender?: string;
  /** Undefined while an "auto" source is still sampling its stream. */
  ing?: Ingestor;
  sample?: { raw: string; received: Micros }[];
  /** What format detection said (auto sources). */
  detected?: string;
}

export class Router {
  private readonly routes: Route[];
  private readonly unmatched: Ingestor;
  readonly counters = new Map<string, SourceCounters>();
  private timer?: NodeJS.Timeout;
  private readonly utc = makeClock({ reference: Date.now() * 1000 });

  constructor(
    private readonly store: Store,
    sources: SourceConfig[],
  ) {
    this.routes = sources.map((cfg) => ({
      cfg,
      sender: cfg.match?.sender ? normIp(cfg.match.sender)! : undefined,
      ...(cfg.format === 'auto' ? { sample: [] } : { ing: this.ingestor(cfg, getParser(cfg.format)) }),
    }));
    this.unmatched = new Ingestor(store, UNMATCHED, {
      source: 'unmatched',
      clock: (received) => makeClock({ reference: received }),
      batchSize: 8192,
    });
    for (const r of this.routes) this.counters.set(r.cfg.id, { received: 0, dropped: 0 });
    this.counters.set('unmatched', { received: 0, dropped: 0 });
  }

  private ingestor(cfg: SourceConfig, parser: Parser): Ingestor {
    return new Ingestor(this.store, parser, {
      source: cfg.id,
      clock: (received: Micros) => makeClock({ zone: cfg.zone, reference: received }),
      // NAT event streams (IPFIX) run to hundreds of thousands a second: bigger commits, fewer of them.
      batchSize: cfg.format === 'ipfix' ? 65_536 : 8192,
      trackSkew: true,
      resolver: cfg.resolver?.addresses?.[0],
    });
  }

  /**
   * `format: "auto"`: the first messages are held until the format is recognised (then replayed through
   * its parser) — or, after AUTO_GIVE_UP messages, or when the server stops, kept as unparsed with the
   * candidates in the reason. Nothing is dropped while deciding.
   */
  private async sampleInto(r: Route, raw: string, received: Micros, final = false, waited = false): Promise<void> {
    if (raw) r.sample!.push({ raw, received });
    const n = r.sample!.length;
    // Decide at AUTO_SAMPLE messages, or earlier when a quiet source has waited AUTO_WAIT_S.
    if (n === 0 || (!final && !waited && n < AUTO_SAMPLE)) return;
    const d = detectFormat(r.sample!.map((m) => m.raw).join('\n'), AUTO_SAMPLE * 4);
    if (!d.format && !final && n < AUTO_GIVE_UP) return;
    r.detected = d.message;
    const parser: Parser = d.format
      ? getParser(d.format)
      : { ...UNMATCHED, name: 'auto', parse: () => ({ unparsed: `format not recognised: ${d.message}` }) };
    console.log(`source ${r.cfg.id}: ${d.message}`);
    r.ing = this.ingestor(r.cfg, parser);
    const held = r.sample!;
    r.sample = undefined;
    for (const m of held) await r.ing.add(m.raw, m.received);
  }

  /** Flushes every source once a second, so a quiet source's lines are stored within ~1 s. */
  start(): void {
    this.timer = setInterval(() => void this.flushAll(false).catch((e) => console.error(`store write failed: ${(e as Error).message}`)), 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const r of this.routes) if (!r.ing) await this.sampleInto(r, '', 0, true);
    await this.flushAll(true);
  }

  private async flushAll(wait: boolean): Promise<void> {
    const now = Date.now() * 1000;
    for (const r of this.routes) {
      const first = r.sample?.[0];
      if (first && now - first.received > AUTO_WAIT_S * 1e6) await this.sampleInto(r, '', 0, false, true);
    }
    await Promise.all([...this.routes.map((r) => r.ing?.flush(wait)), this.unmatched.flush(wait)]);
  }

  /** Resolves when the message is queued; awaiting it gives TCP inputs their backpressure. */
  add(raw: string, sender: string, received: Micros): Promise<void> {
    const head = parseSyslog(raw, this.utc).header;
    const from = normIp(sender) ?? sender;
    for (const r of this.routes) {
      const m = r.cfg.match;
      if (r.sender && r.sender !== from) continue;
      if (m?.host && m.host.toLowerCase() !== head?.hostname?.toLowerCase()) continue;
      if (m?.app && !head?.app?.toLowerCase().startsWith(m.app.toLowerCase())) continue;
      this.counters.get(r.cfg.id)!.received++;
      return r.ing ? r.ing.add(raw, received) : this.sampleInto(r, raw, received);
    }
    this.counters.get('unmatched')!.received++;
    return this.unmatched.add(raw, received);
  }

  /**
   * For inputs that decode messages themselves (IPFIX / NetFlow v9, src/inputs/ipfix/): the ingestor of the
   * first source of this format whose match.sender is the sender, or that names no sender; undefined when
   * none claims it. Counts one received message (a datagram) for that source.
   */
  ingestorFor(format: string, sender: string): Ingestor | undefined {
    const from = normIp(sender) ?? sender;
    for (const r of this.routes) {
      if (r.cfg.format !== format || (r.sender && r.sender !== from) || !r.ing) continue;
      this.counters.get(r.cfg.id)!.received++;
      return r.ing;
    }
    return undefined;
  }

  drop(source: string, n = 1): void {
    const c = this.counters.get(source) ?? { received: 0, dropped: 0 };
    c.dropped += n;
    this.counters.set(source, c);
  }

  status() {
    const out: Record<string, unknown> = {};
    for (const r of [...this.routes, { cfg: { id: 'unmatched' }, ing: this.unmatched, detected: undefined, sample: undefined }]) {
      const s = r.ing?.stats ?? emptyStats();
      const c = this.counters.get(r.cfg.id)!;
      out[r.cfg.id] = {
        received: c.received,
        dropped: c.dropped,
        parsedLines: s.lines - s.skipped - s.unparsed,
        records: s.records,
        skipped: s.skipped,
        unparsed: s.unparsed,
        timeFlags: s.timeFlags,
        maxSkewS: s.maxSkewS,
        lastTs: s.lastTs,
        ...(r.detected ? { format: r.detected } : {}),
        ...(r.sample ? { format: `detecting: ${r.sample.length} message(s) held until the format is recognised` } : {}),
      };
    }
    return out;
  }
}

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
import { Ingestor } from '../ingest/pipeline.ts';

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

export class Router {
  private readonly routes: { cfg: SourceConfig; sender?: string; ing: Ingestor }[];
  private readonly unmatched: Ingestor;
  readonly counters = new Map<string, SourceCounters>();
  private timer?: NodeJS.Timeout;
  private readonly utc = makeClock({ reference: Date.now() * 1000 });

  constructor(store: Store, sources: SourceConfig[]) {
    this.routes = sources.map((cfg) => ({
      cfg,
      sender: cfg.match?.sender ? normIp(cfg.match.sender)! : undefined,
      ing: new Ingestor(store, getParser(cfg.format), {
        source: cfg.id,
        clock: (received: Micros) => makeClock({ zone: cfg.zone, reference: received }),
        batchSize: 8192,
        trackSkew: true,
        resolver: cfg.resolver?.addresses?.[0],
      }),
    }));
    this.unmatched = new Ingestor(store, UNMATCHED, {
      source: 'unmatched',
      clock: (received) => makeClock({ reference: received }),
      batchSize: 8192,
    });
    for (const r of this.routes) this.counters.set(r.cfg.id, { received: 0, dropped: 0 });
    this.counters.set('unmatched', { received: 0, dropped: 0 });
  }

  /** Flushes every source once a second, so a quiet source's lines are stored within ~1 s. */
  start(): void {
    this.timer = setInterval(() => void this.flushAll(false).catch((e) => console.error(`store write failed: ${(e as Error).message}`)), 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushAll(true);
  }

  private async flushAll(wait: boolean): Promise<void> {
    await Promise.all([...this.routes.map((r) => r.ing.flush(wait)), this.unmatched.flush(wait)]);
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
      return r.ing.add(raw, received);
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
      if (r.cfg.format !== format || (r.sender && r.sender !== from)) continue;
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
    for (const r of [...this.routes, { cfg: { id: 'unmatched' }, ing: this.unmatched }]) {
      const s = r.ing.stats;
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
      };
    }
    return out;
  }
}

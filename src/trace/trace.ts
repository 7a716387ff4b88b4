// The attribution engine (ARCHITECTURE §5): public ip:port at T → NAT translation → inside ip:port →
// MAC (lease / sighting) → place → person (session), each step citing its evidence. Ambiguity is reported,
// never resolved silently: several equally good candidates all come back and `ambiguous` is set.
import type { Micros, Proto } from '../records/record.ts';
import type { Store, Stored } from '../store/store.ts';
import { formatUtc } from '../time/query.ts';

export interface TraceQuery {
  ip: string;
  port?: number;
  at: Micros;
  proto?: Proto;
  dstIp?: string;
  dstPort?: number;
  /** Seconds the reported time may be off (clock skew, rounding in the report). */
  toleranceS?: number;
}

export interface Evidence {
  kind: string;
  ts: string;
  source: string;
  line: string;
  ref: string;
  /** What this line proves in the chain. */
  role: string;
}

export interface Candidate {
  inside: string;
  insideIp: string;
  insidePort: number | null;
  mac: string | null;
  hostname: string | null;
  user: string | null;
  /** Owner from an imported registry: a weak hint, never proof of use. */
  owner?: string;
  place: string | null;
  confidence: number;
  reasons: string[];
  nat?: {
    proto: string;
    public: string;
    /** null: the device logged the translation without its destination. */
    dst: string | null;
    start: string | null;
    end: string | null;
    failed: boolean;
    /** Translation start minus the reported time, seconds (0 when its start was not logged). */
    offsetS: number;
  };
  evidence: Evidence[];
}

export interface TraceAnswer {
  query: { ip: string; port: number | null; at: string; proto: string | null; dst: string | null; toleranceS: number };
  candidates: Candidate[];
  ambiguous: boolean;
  warnings: string[];
}

const S = 1_000_000;
const LEASE_LOOKBACK = 8 * 86_400 * S;
const SESSION_LOOKBACK = 7 * 86_400 * S;
const PLACE_LOOKBACK = 86_400 * S;
const LONG_FLOW_LOOKBACK = 86_400 * S;
const OUTCOME_WINDOW = 600 * S;
/** Owner registry entries stay valid until replaced: look back a year for the latest import. */
const OWNER_LOOKBACK = 366 * 86_400 * S;

/** One connection through the NAT, rebuilt from its events (new → update* → destroy). */
interface Flow {
  key: string;
  rec: Stored<'nat'>;
  start?: Micros;
  end?: Micros;
  lastSeen: Micros;
  failed: boolean;
  events: Stored<'nat'>[];
  /** Events received again (same 5-tuple, kind and time), kept with the flow's evidence. */
  repeats?: number;
}

export async function trace(store: Store, q: TraceQuery): Promise<TraceAnswer> {
  const tol = (q.toleranceS ?? 5) * S;
  const warnings: string[] = [];
  const answer: TraceAnswer = {
    query: {
      ip: q.ip,
      port: q.port ?? null,
      at: formatUtc(q.at),
      proto: q.proto ?? null,
      dst: q.dstIp ? `${fmtHost(q.dstIp)}${q.dstPort !== undefined ? `:${q.dstPort}` : ''}` : null,
      toleranceS: tol / S,
    },
    candidates: [],
    ambiguous: false,
    warnings,
  };

  // 1. NAT step, when the address is a NAT's public side.
  const isNat = await store.isNatPublic(q.ip, { from: q.at - LONG_FLOW_LOOKBACK, to: q.at + tol });
  let starts: { ip: string; port: number | null; at: Micros; flow?: Flow; offsetS?: number; natFit: number; natReason: string }[] = [];
  if (isNat) {
    if (q.port === undefined) {
      warnings.push(`${q.ip} is a NAT public address: without a port every inside host behind it fits; give <ip>:<port>`);
    }
    // Look a little past T too, to learn each flow's outcome (DESTROY, never answered).
    const flows = await natFlows(store, q, q.at - tol, q.at + tol + OUTCOME_WINDOW);
    let fits: { f: Flow; off: number; open?: boolean }[] = flows
      .map((f) => ({ f, off: flowOffset(f, q.at) }))
      .filter((x) => x.off <= tol);
    if (!fits.length && q.port !== undefined) {
      // Long-lived connection: started up to a day before T and still open at T. One query over the day
      // serves both readings below (a day's scan is most of a trace that gets here).
      const events = await natEvents(store, q, q.at - LONG_FLOW_LOOKBACK, q.at + tol + OUTCOME_WINDOW);
      fits = flowsOf(events).map((f) => ({ f, off: flowOffset(f, q.at) })).filter((x) => x.off <= tol);
      if (!fits.length) {
        // Still nothing: flows that started before T and whose end was not logged by T (weaker).
        const byT = flowsOf(events.filter((e) => e.ts <= q.at + tol));
        fits = byT.filter((f) => f.end === undefined && (f.start ?? Infinity) <= q.at).map((f) => ({ f, off: flowOffset(f, q.at), open: true }));
      }
    }
    fits.sort((a, b) => flowRank(a.f, q.at) - flowRank(b.f, q.at));
    if (!fits.length) {
      const blocks = q.port !== undefined ? await blockFits(store, q, tol) : [];
      if (blocks.length) {
        warnings.push('port-block allocation: the NAT logged no per-connection translation, so no destination was recorded');
        starts = blocks;
      } else {
        warnings.push(
          `no NAT translation for ${q.ip}${q.port !== undefined ? `:${q.port}` : ''} within ±${tol / S} s of ${formatUtc(q.at)}` +
            (q.proto || q.dstIp ? ' matching the given protocol/destination' : '') +
            ': check the time and zone of the report, or widen --tolerance',
        );
      }
    } else {
      starts = fits.map(({ f, off, open }) => ({
        ip: f.rec.inIp,
        port: f.rec.inPort,
        // Bindings are looked up at the gateway's own time of the connection (its start) when the report
        // points at the start; at the reported time when it points into the middle of a long connection.
        at: f.start !== undefined && (Math.abs(f.start - q.at) <= tol || off > 0) ? f.start : q.at,
        flow: f,
        offsetS: f.start !== undefined ? (f.start - q.at) / S : 0,
        natFit: open ? 0.5 : off <= 1 * S ? 1 : 0.9,
        natReason: open
          ? `NAT translation started ${((q.at - f.start!) / S).toFixed(3)} s before the reported time and its end was not logged`
          : f.start !== undefined
            ? `NAT translation started ${((f.start - q.at) / S).toFixed(3)} s from the reported time${f.end !== undefined ? `, ended ${((f.end - q.at) / S).toFixed(3)} s from it` : ''}`
            : 'NAT translation alive at the reported time (its start was not logged)',
      }));
      const insides = new Set(starts.map((s) => `${s.ip}:${s.port}`));
      if (insides.size > 1) {
        answer.ambiguous = true;
        warnings.push(
          `${insides.size} inside endpoints used ${q.ip}:${q.port ?? '*'} within ±${tol / S} s` +
            (q.dstIp ? '' : ': give --dst <ip>:<port> (the destination in the report) to tell them apart'),
        );
      }
    }
  } else {
    starts = [{ ip: q.ip, port: q.port ?? null, at: q.at, natFit: 1, natReason: `${q.ip} is not a NAT public address in the logs: traced as an inside address` }];
  }

  for (const s of starts) answer.candidates.push(await resolveInside(store, s, tol, warnings));
  if (answer.ambiguous) for (const c of answer.candidates) c.confidence = round(c.confidence / answer.candidates.length);
  answer.candidates.sort((a, b) => b.confidence - a.confidence);
  return answer;
}

async function natFlows(store: Store, q: TraceQuery, from: Micros, to: Micros): Promise<Flow[]> {
  return flowsOf(await natEvents(store, q, from, to));
}

/** The NAT events of the reported public endpoint (and protocol, destination) in [from, to], in time order. */
async function natEvents(store: Store, q: TraceQuery, from: Micros, to: Micros): Promise<Stored<'nat'>[]> {
  const events = await store.nat({
    from,
    to,
    pubIp: q.ip,
    pubPort: q.port,
    proto: q.proto,
    dstIp: q.dstIp,
    dstPort: q.dstPort,
    limit: 5000,
  });
  return events.sort((a, b) => a.ts - b.ts);
}

/** Events (time order) → flows: a NEW or DENY opens one, a DESTROY or DENY ends it. */
function flowsOf(events: Stored<'nat'>[]): Flow[] {
  const open = new Map<string, Flow>();
  /** Each 5-tuple's latest flow, open or ended. */
  const latest = new Map<string, Flow>();
  const flows: Flow[] = [];
  for (const e of events) {
    const key = `${e.proto}|${e.inIp}:${e.inPort}|${e.pubIp}:${e.pubPort}|${e.dstIp}:${e.dstPort}`;
    // The same event again (same 5-tuple, kind and time): a line received twice (a log imported twice, two
    // relays forwarding one gateway) is one more piece of evidence for that flow, not another flow.
    const prev = latest.get(key);
    const last = prev?.events[prev.events.length - 1];
    if (last && last.ts === e.ts && last.event === e.event && !!last.failed === !!e.failed) {
      prev!.events.push(e);
      prev!.repeats = (prev!.repeats ?? 0) + 1;
      continue;
    }
    let f = open.get(key);
    // Some devices log a flow's start twice (FortiGate start logging, ulogd without its hash). The store keeps
    // no connection id (4 B/row), but the same 5-tuple starting again within 2 s of an open flow is that flow.
    const again = f !== undefined && e.event === 'new' && f.start !== undefined && e.ts - f.start <= 2 * S;
    if (!again && (e.event === 'new' || e.event === 'deny' || !f)) {
      f = { key, rec: e, lastSeen: e.ts, failed: false, events: [] };
      if (e.event === 'new' || e.event === 'deny') f.start = e.ts;
      open.set(key, f);
      flows.push(f);
    }
    f = f!;
    latest.set(key, f);
    f.events.push(e);
    f.lastSeen = e.ts;
    if (e.failed || e.event === 'deny') f.failed = true;
    if (e.event === 'destroy' || e.event === 'deny') {
      f.end = e.ts;
      open.delete(key);
    }
  }
  return flows;
}

/**
 * Distance between T and the flow's known life [start, end]: 0 when T falls inside it. A flow whose end
 * was not logged is taken to live until its last logged event, so a lone NEW matches only near its start.
 */
function flowOffset(f: Flow, at: Micros): number {
  const start = f.start ?? f.events[0]!.ts;
  const end = f.end ?? f.lastSeen;
  if (at < start) return start - at;
  if (at > end) return at - end;
  return 0;
}

/** Ranking among fitting flows: inside the life first, then the start nearest to T. */
function flowRank(f: Flow, at: Micros): number {
  return flowOffset(f, at) * 4 + Math.abs((f.start ?? f.events[0]!.ts) - at);
}

async function blockFits(store: Store, q: TraceQuery, tol: number) {
  const blocks = await store.portblocks({ from: q.at - LONG_FLOW_LOOKBACK, to: q.at + tol, pubIp: q.ip, port: q.port });
  blocks.sort((a, b) => a.ts - b.ts);
  const live = new Map<string, Stored<'portblock'>>();
  for (const b of blocks) {
    const key = `${b.inIp}|${b.portLo}-${b.portHi}`;
    if (b.ts > q.at + tol) break;
    if (b.event === 'release' && b.ts < q.at - tol) live.delete(key);
    else live.set(key, b);
  }
  return [...live.values()].map((b) => ({
    ip: b.inIp,
    port: null,
    at: q.at,
    natFit: 0.9,
    natReason: `port block ${b.pubIp}:${b.portLo}-${b.portHi} allocated to ${b.inIp}`,
    block: b,
  }));
}

async function resolveInside(
  store: Store,
  s: { ip: string; port: number | null; at: Micros; flow?: Flow; offsetS?: number; natFit: number; natReason: string; block?: Stored<'portblock'> },
  tol: number,
  warnings: string[],
): Promise<Candidate> {
  const t = s.at;
  const refs: { rec: { ref: string; kind: string; ts: Micros; source: string }; role: string }[] = [];
  const reasons = [s.natReason];
  let confidence = s.natFit;
  const c: Candidate = {
    inside: s.port !== null ? `${fmtHost(s.ip)}:${s.port}` : s.ip,
    insideIp: s.ip,
    insidePort: s.port,
    mac: null,
    hostname: null,
    user: null,
    place: null,
    confidence: 0,
    reasons,
    evidence: [],
  };
  if (s.flow) {
    const f = s.flow;
    c.nat = {
      proto: f.rec.proto,
      public: `${fmtHost(f.rec.pubIp)}:${f.rec.pubPort}`,
      dst: f.rec.dstIp !== undefined ? `${fmtHost(f.rec.dstIp)}:${f.rec.dstPort}` : null,
      start: f.start !== undefined ? formatUtc(f.start) : null,
      end: f.end !== undefined ? formatUtc(f.end) : null,
      failed: f.failed,
      offsetS: round(s.offsetS ?? 0),
    };
    if (f.failed) reasons.push('the connection attempt was never answered (failed attempt)');
    if (f.repeats) reasons.push(`the same NAT event received more than once (${f.repeats} repeated: a log imported twice, or two relays forwarding one gateway)`);
    for (const e of f.events) refs.push({ rec: e, role: `nat ${e.event}` });
  }
  if (s.block) refs.push({ rec: s.block, role: `port block ${s.block.event}` });

  // 2. Address step: IP → MAC at t.
  const leases = await recentLeases(store, s.ip, t, tol);
  // Strictly before t: a lease handed out after the connection (to the next holder) must not explain it.
  const last = [...leases].reverse().find((l) => l.ts <= t);
  if (last && last.how !== 'release' && last.how !== 'expire' && last.how !== 'decline') {
    c.mac = last.mac;
    c.hostname = last.hostname ?? null;
    refs.push({ rec: last, role: `lease ${last.how}: ${last.ip} → ${last.mac}` });
    if (last.end !== undefined && last.end < t) {
      confidence *= 0.7;
      reasons.push(`the lease had expired at ${formatUtc(last.end)}, before the reported time`);
      warnings.push(`lease of ${s.ip} to ${last.mac} had expired before ${formatUtc(t)}`);
    } else reasons.push(`DHCP lease (${last.how}) of ${s.ip} to ${last.mac} at ${formatUtc(last.ts)}`);
    // The ack may lack a hostname the same client sent earlier.
    if (!c.hostname) {
      const named = [...leases].reverse().find((l) => l.mac === last.mac && l.hostname);
      if (named) c.hostname = named.hostname ?? null;
    }
  } else {
    confidence *= 0.6;
    const why = last
      ? `no lease covers ${s.ip} at ${formatUtc(t)}: its last lease (to ${last.mac}) ended with ${last.how} at ${formatUtc(last.ts)}`
      : `no lease covers ${s.ip} at ${formatUtc(t)}: a static address, or a DHCP server whose log whowas does not have`;
    warnings.push(why);
    reasons.push(why);
    if (last) refs.push({ rec: last, role: `lease ${last.how} (ended before T)` });
  }
  const sightings = await store.sightings({ ip: s.ip, from: t - 600 * S, to: t + 600 * S, lean: true });
  if (sightings.length) {
    const near = sightings.sort((a, b) => Math.abs(a.ts - t) - Math.abs(b.ts - t))[0]!;
    if (!c.mac) {
      c.mac = near.mac;
      reasons.push(`${near.how} sighting of ${s.ip} at ${near.mac}`);
      refs.push({ rec: near, role: `sighting: ${s.ip} at ${near.mac}` });
    } else if (near.mac !== c.mac) {
      const w = `${s.ip} was seen at ${near.mac} (${near.how}) but leased to ${c.mac}: possible spoofing or a static address`;
      warnings.push(w);
      reasons.push(w);
      confidence *= 0.7;
      refs.push({ rec: near, role: 'conflicting sighting' });
    }
  }

  // 3. Place step.
  if (c.mac) {
    const places = await store.places({ mac: c.mac, from: t - PLACE_LOOKBACK, to: t + tol, lean: true });
    const p = places.filter((x) => x.ts <= t).sort((a, b) => b.ts - a.ts)[0];
    if (p) {
      c.place = p.ap ? `AP ${p.ap}${p.ssid ? ` SSID ${p.ssid}` : ''}` : `${p.switch ?? '?'} port ${p.port ?? '?'}${p.vlan !== undefined ? ` vlan ${p.vlan}` : ''}`;
      refs.push({ rec: p, role: `place: ${c.place}` });
    }
  }

  // 4. Person step: sessions covering t for the MAC or the IP.
  const sessions = await store.sessions({
    mac: c.mac ?? undefined,
    ip: s.ip,
    from: t - SESSION_LOOKBACK,
    to: t + SESSION_LOOKBACK,
    lean: true,
  });
  // A logout often names only its session (Windows 4634, PAM "session closed"): fetch those too.
  const ids = [...new Set(sessions.map((r) => r.sessionId).filter((x): x is string => !!x))];
  if (ids.length) {
    const seen = new Set(sessions.map((r) => r.ref));
    const more = await store.sessions({ sessionIds: ids, from: t - SESSION_LOOKBACK, to: t + SESSION_LOOKBACK });
    for (const r of more) if (!seen.has(r.ref)) sessions.push(r);
  }
  const users = activeUsers(sessions.filter((r) => r.event !== 'owner'), t, 0);
  if (users.length) {
    c.user = users[0]!.user;
    reasons.push(`session of ${users[0]!.user} (${users[0]!.how}) covering the time`);
    for (const r of users[0]!.recs) refs.push({ rec: r, role: `session ${r.event}: ${r.user}` });
    if (users.length > 1) {
      const names = users.map((u) => u.user).join(', ');
      warnings.push(`several users had sessions on ${c.mac ?? s.ip} at that time: ${names}`);
      confidence *= 0.7;
      for (const u of users.slice(1)) for (const r of u.recs) refs.push({ rec: r, role: `other session ${r.event}: ${r.user}` });
    }
  } else {
    reasons.push('no user session covers the time');
  }
  // Owner registry: an administrator's list, not evidence of who used the machine. Said as such.
  if (c.mac) {
    const owners = await store.sessions({ mac: c.mac, events: ['owner'], from: t - OWNER_LOOKBACK, to: t + tol });
    const o = owners.sort((a, b) => b.ts - a.ts)[0];
    if (o) {
      c.owner = o.user;
      reasons.push(`owner registry names ${o.user} as the owner of ${c.mac} (a hint, not evidence of who used it at the time)`);
      refs.push({ rec: o, role: `owner registry (weak hint): ${o.user}` });
    }
  }

  c.confidence = round(confidence);
  const lines = await store.evidence(refs.map((r) => r.rec.ref));
  c.evidence = refs.map(({ rec, role }) => ({
    kind: rec.kind,
    ts: formatUtc(rec.ts),
    source: rec.source,
    line: lines.get(rec.ref)?.line ?? '(original line not found in the raw archive)',
    ref: rec.ref,
    role,
  }));
  return c;
}

/**
 * Leases of an address up to t + tol, newest day first, stopping at the first day that holds one at or
 * before t: a lookup reads one day's leases, not the whole 8-day lookback, in the usual case.
 */
async function recentLeases(store: Store, ip: string, t: Micros, tol: number): Promise<Stored<'lease'>[]> {
  const DAY = 86_400 * S;
  const out: Stored<'lease'>[] = [];
  for (let to = t + tol, from = Math.floor(t / DAY) * DAY; to > t - LEASE_LOOKBACK; to = from - 1, from -= DAY) {
    const got = await store.leases({ ip, from: Math.max(from, t - LEASE_LOOKBACK), to, lean: true });
    out.push(...got);
    if (got.some((l) => l.ts <= t)) break;
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** Users whose session covers t: start/interim/login before t with no stop in between, or a stop after t whose duration reaches back over t. */
export function activeUsers(sessions: Stored<'session'>[], t: Micros, tol: number) {
  const byKey = new Map<string, Stored<'session'>[]>();
  for (const r of sessions) {
    const key = `${r.user}|${r.sessionId ?? r.nas ?? ''}`;
    let l = byKey.get(key);
    if (!l) byKey.set(key, (l = []));
    l.push(r);
  }
  const out: { user: string; how: string; recs: Stored<'session'>[]; fit: number }[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => a.ts - b.ts);
    const before = list.filter((r) => r.ts <= t + tol);
    const after = list.filter((r) => r.ts > t + tol);
    const lastBefore = before[before.length - 1];
    let covers = false;
    const recs: Stored<'session'>[] = [];
    if (lastBefore && lastBefore.event !== 'stop' && lastBefore.event !== 'logout') {
      covers = true;
      const start = [...before].reverse().find((r) => r.event === 'start' || r.event === 'login');
      if (start && start !== lastBefore) recs.push(start);
      recs.push(lastBefore);
      const stop = after.find((r) => r.event === 'stop' || r.event === 'logout');
      if (stop) recs.push(stop);
    } else if (!lastBefore || lastBefore.event === 'stop' || lastBefore.event === 'logout') {
      const stop = after.find((r) => r.event === 'stop' || r.event === 'logout');
      if (stop && stop.durationS !== undefined && stop.ts - stop.durationS * S <= t + tol) {
        covers = true;
        recs.push(stop);
      }
    }
    if (covers) out.push({ user: list[0]!.user, how: list[0]!.how, recs, fit: t - recs[0]!.ts });
  }
  // Most recent start first.
  return out.sort((a, b) => a.fit - b.fit);
}

function fmtHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

// Figures → console table, markdown (results.md) and a bar chart (results.png).
import { Raster } from './png.ts';

export interface PeerFigures {
  name: string;
  setup: string;
  skipped?: string;
  failed?: string;
  loadSeconds?: number;
  loadRate?: number;
  stored?: number;
  bytes?: number;
  bytesWhat?: string;
  bytesPerEvent?: number;
  p50?: number;
  p99?: number;
  right?: number;
  lookups?: number;
  hourMs?: number;
  hourRows?: number;
  hourConnections?: number;
}

export interface SizeResult {
  events: number;
  connections: number;
  days: number;
  hostHour: { inIp: string; from: string; expectedConnections: number };
  peers: PeerFigures[];
  warnings: string[];
  notes: string[];
  loadAvg: [string, string];
}

const fmtN = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtMs = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '–' : `${(a / b) >= 100 ? (a / b).toFixed(0) : (a / b).toFixed(2)}×`;

interface Metric {
  label: string;
  better: 'higher' | 'lower' | 'equal';
  value: (p: PeerFigures) => number | undefined;
  show: (p: PeerFigures) => string;
  chart: boolean;
}

const METRICS: Metric[] = [
  { label: 'load (events/s)', better: 'higher', value: (p) => p.loadRate, show: (p) => fmtN(p.loadRate), chart: true },
  { label: 'disk (bytes/event)', better: 'lower', value: (p) => p.bytesPerEvent, show: (p) => fmtN(p.bytesPerEvent, 1), chart: true },
  { label: 'lookup p50 (ms)', better: 'lower', value: (p) => p.p50, show: (p) => fmtMs(p.p50), chart: true },
  { label: 'lookup p99 (ms)', better: 'lower', value: (p) => p.p99, show: (p) => fmtMs(p.p99), chart: true },
  { label: 'host hour query (ms)', better: 'lower', value: (p) => p.hourMs, show: (p) => fmtMs(p.hourMs), chart: true },
  { label: 'host hour: connections', better: 'equal', value: (p) => p.hourConnections, show: (p) => fmtN(p.hourConnections), chart: false },
  { label: 'host hour: rows returned', better: 'equal', value: (p) => p.hourRows, show: (p) => fmtN(p.hourRows), chart: false },
  { label: 'lookups naming the true inside ip:port', better: 'equal', value: (p) => p.right, show: (p) => (p.right === undefined ? '–' : `${p.right}/${p.lookups}`), chart: false },
];

/** Markdown table: one row per figure, one column per peer, then whowas/peer ratios. */
export function table(r: SizeResult): string {
  const who = r.peers.find((p) => p.name === 'whowas');
  const others = r.peers.filter((p) => p.name !== 'whowas');
  const head = ['figure', ...r.peers.map((p) => p.name), ...(who ? others.map((p) => `whowas/${p.name}`) : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const m of METRICS) {
    const cells = r.peers.map((p) => (p.skipped ? 'skipped' : p.failed ? 'failed' : m.show(p)));
    const ratios = who
      ? others.map((p) => {
          if (m.better === 'equal') {
            const a = m.value(who), b = m.value(p);
            if (a === undefined || b === undefined) return '–';
            if (a === b) return 'same';
            return m.label.includes('rows') ? 'differs (by design)' : 'DIFFER';
          }
          return ratio(m.value(who), m.value(p));
        })
      : [];
    const tag = m.better === 'equal' ? '' : ` (${m.better} is better)`;
    lines.push(`| ${m.label}${tag} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function markdown(results: SizeResult[], head: { command: string; machine: string[]; date: string; setups: string[] }): string {
  const out: string[] = [];
  out.push('# whowas side by side: results', '');
  out.push(`Run ${head.date} with \`${head.command}\`.`, '');
  out.push('Machine:', '', ...head.machine.map((m) => `- ${m}`), '');
  out.push('Peers:', '', ...head.setups.map((s) => `- ${s}`), '');
  for (const r of results) {
    out.push(`## ${fmtN(r.events)} NAT events (${fmtN(r.connections)} connections over ${r.days} day${r.days === 1 ? '' : 's'})`, '');
    out.push(table(r), '');
    out.push(
      `Host hour: everything ${r.hostHour.inIp} did in the hour from ${r.hostHour.from} (the workload holds ${r.hostHour.expectedConnections} connections opened by it then). Load average before/after: ${r.loadAvg[0]} / ${r.loadAvg[1]}.`,
      '',
    );
    if (r.warnings.length) out.push('**Warnings:**', '', ...r.warnings.map((w) => `- ${w}`), '');
    if (r.notes.length) out.push('Notes:', '', ...r.notes.map((n) => `- ${n}`), '');
  }
  out.push('![chart](results.png)', '');
  return out.join('\n');
}

const COLORS: Record<string, [number, number, number]> = {
  whowas: [31, 119, 180],
  PostgreSQL: [44, 160, 44],
  SQLite: [148, 103, 189],
  nfdump: [255, 127, 14],
};

/** Small multiples: one panel per figure (rows) and size (columns), log-scale bars, value at each bar. */
export function chart(results: SizeResult[]): Buffer {
  const metrics = METRICS.filter((m) => m.chart);
  const names = [...new Set(results.flatMap((r) => r.peers.map((p) => p.name)))];
  const panelW = 600, barH = 20, gap = 6, titleH = 28, padBottom = 8;
  const panelH = titleH + names.length * (barH + gap) + padBottom;
  const headH = 104;
  const W = Math.max(700, 20 + results.length * (panelW + 20));
  const H = headH + metrics.length * (panelH + 10) + 10;
  const img = new Raster(W, H);
  img.text(20, 12, 'whowas side by side: log-scale bars, value at the end', [0, 0, 0], 2);
  let lx = 20;
  for (const n of names) {
    img.rect(lx, 38, 14, 14, COLORS[n] ?? [100, 100, 100]);
    lx += 20 + img.text(lx + 20, 39, n, [0, 0, 0], 2) + 16;
  }
  const labelW = 16 + Math.max(...names.map((n) => Raster.textWidth(n)));
  results.forEach((r, col) => {
    const x0 = 20 + col * (panelW + 20);
    img.text(x0, 70, `${fmtN(r.events)} NAT events`, [0, 0, 0], 3);
    metrics.forEach((m, row) => {
      const y0 = headH + row * (panelH + 10);
      img.rect(x0, y0, panelW, panelH, [244, 244, 244]);
      img.text(x0 + 8, y0 + 8, `${m.label}, ${m.better} is better`, [0, 0, 0], 2);
      const vals = r.peers.map((p) => (p.skipped || p.failed ? undefined : m.value(p))).filter((v): v is number => v !== undefined && v > 0);
      if (!vals.length) return;
      const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals))));
      const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals)) + 1e-9));
      const span = Math.max(1e-9, Math.log10(hi) - Math.log10(lo));
      const maxBar = panelW - labelW - 130;
      names.forEach((n, i) => {
        const y = y0 + titleH + i * (barH + gap);
        img.text(x0 + 8, y + 3, n, [40, 40, 40], 2);
        const p = r.peers.find((q) => q.name === n);
        const v = p && !p.skipped && !p.failed ? m.value(p) : undefined;
        if (v === undefined || !(v > 0)) {
          img.text(x0 + labelW, y + 3, p?.skipped ? 'skipped' : p?.failed ? 'failed' : 'n/a', [150, 0, 0], 2);
          return;
        }
        const w = Math.max(2, ((Math.log10(v) - Math.log10(lo)) / span) * maxBar);
        img.rect(x0 + labelW, y, w, barH, COLORS[n] ?? [100, 100, 100]);
        img.text(x0 + labelW + w + 6, y + 3, m.label.includes('ms') ? fmtMs(v) : fmtN(v, m.label.includes('bytes') ? 1 : 0), [0, 0, 0], 2);
      });
    });
  });
  return img.png();
}

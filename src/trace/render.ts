// The answer for people: a chain per candidate with the original lines quoted.
import type { TraceAnswer } from './trace.ts';

export function renderTrace(a: TraceAnswer): string {
  const q = a.query;
  const out: string[] = [];
  out.push(`trace ${q.ip}${q.port !== null ? `:${q.port}` : ''}${q.dst ? ` → ${q.dst}` : ''}${q.proto ? ` ${q.proto}` : ''} at ${q.at} (±${q.toleranceS} s)`);
  if (!a.candidates.length) out.push('', 'no candidate found.');
  if (a.ambiguous) out.push('', `AMBIGUOUS: ${a.candidates.length} candidates fit equally well; none is preferred.`);
  a.candidates.forEach((c, i) => {
    out.push('', `#${i + 1}  confidence ${c.confidence.toFixed(2)}`);
    if (c.nat) {
      out.push(`  NAT      ${c.nat.proto} ${c.nat.public} → ${c.nat.dst ?? '(destination not logged)'}  from inside ${c.inside}${c.nat.failed ? '  (attempt never answered)' : ''}`);
      out.push(`           start ${c.nat.start ?? 'not logged'}, end ${c.nat.end ?? 'not logged'}`);
    } else out.push(`  inside   ${c.inside}`);
    out.push(`  MAC      ${c.mac ?? 'unknown'}${c.hostname ? `  hostname ${c.hostname}` : ''}`);
    if (c.place) out.push(`  place    ${c.place}`);
    out.push(`  user     ${c.user ?? 'unknown'}`);
    if (c.owner) out.push(`  owner    ${c.owner}  (registry hint only, not evidence of use)`);
    for (const r of c.reasons) out.push(`  - ${r}`);
    out.push('  evidence:');
    for (const e of c.evidence) {
      out.push(`    [${e.kind}] ${e.role}  (${e.source}, ${e.ts})`);
      for (const l of e.line.split('\n')) out.push(`      > ${l}`);
    }
  });
  if (a.warnings.length) {
    out.push('', 'warnings:');
    for (const w of a.warnings) out.push(`  ! ${w}`);
  }
  return out.join('\n');
}

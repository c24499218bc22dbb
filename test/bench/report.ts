// The benchmark's result: one JSON document (runs, machine, the issue's bars) and
// the same as a Markdown table for the terminal and the README.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Measurement } from './measure.ts';

export type Corpus = 'standard' | 'chinese';

export interface RunResult extends Measurement {
  corpus: Corpus;
  size: number;
  /** cold: no previous site or build cache; warm: the same archive again with one article edited; unchanged: once more, no edit. */
  run: 'cold' | 'warm' | 'unchanged';
  articlesPerSecond: number;
  /** Every run's wall time where several were made; the rest of this entry is the median one's. */
  wallsMs?: number[];
}

export interface DevResult {
  corpus: Corpus;
  size: number;
  editToReloadMs: number[];
  medianMs: number;
  firstBuildMs: number;
}

export interface Bar {
  name: string;
  limit: string;
  value: string;
  met: boolean;
}

export interface BenchResult {
  version: 1;
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string; platform: string; loadAverageAtStart: number[] };
  /** Extra build arguments of every run (e.g. --no-search). */
  buildArgs: string[];
  notes: string[];
  runs: RunResult[];
  /** `broadsheet dev`: edit on disk to the reload event at the edited page. */
  dev: DevResult[];
  bars: Bar[];
}

export function machine(): BenchResult['machine'] {
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function cpuModel(): string {
  try {
    const line = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (line) return line[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** The issue's bars, for the sizes this run measured. */
export function bars(runs: readonly RunResult[], dev: readonly DevResult[] = []): Bar[] {
  const cold = (corpus: Corpus, size: number) => runs.find((r) => r.corpus === corpus && r.size === size && r.run === 'cold');
  const result: Bar[] = [];
  const standard = cold('standard', 4000);
  if (standard) result.push({ name: 'standard corpus, 4,000 files, cold wall', limit: '< 2.0 s', value: seconds(standard.wallMs), met: standard.wallMs < 2000 });
  const big = cold('chinese', 100_000);
  if (big) {
    result.push({ name: 'Chinese archive, 100,000 articles, cold wall', limit: '< 90 s', value: seconds(big.wallMs), met: big.wallMs < 90_000 });
    const rss = Math.max(big.peakRssMb, big.treePeakRssMb ?? 0);
    result.push({ name: 'Chinese archive, 100,000 articles, peak RSS', limit: '< 1,536 MB', value: `${rss} MB`, met: rss < 1536 });
  }
  for (const corpus of ['standard', 'chinese'] as const) {
    const base = cold(corpus, 4000);
    const after = (run: RunResult['run']) => runs.find((r) => r.corpus === corpus && r.size === 4000 && r.run === run);
    const edited = after('warm');
    const same = after('unchanged');
    if (base && edited) result.push({ name: `${corpus} 4,000: warm build after one edit, share of cold`, limit: '< 20%', value: percent(edited.wallMs / base.wallMs), met: edited.wallMs < 0.2 * base.wallMs });
    if (base && same) result.push({ name: `${corpus} 4,000: warm build with no change, share of cold`, limit: '< 10%', value: percent(same.wallMs / base.wallMs), met: same.wallMs < 0.1 * base.wallMs });
  }
  for (const d of dev) {
    if (d.size === 4000) result.push({ name: `${d.corpus} 4,000: dev server, edit to reload (median of ${d.editToReloadMs.length})`, limit: '< 1.0 s', value: seconds(d.medianMs), met: d.medianMs < 1000 });
  }
  const small = cold('chinese', 4000);
  if (big && small) {
    const ratio = big.wallMs / small.wallMs;
    result.push({ name: 'linear: 100,000 vs 4,000 articles, cold wall', limit: '<= 30x', value: `${ratio.toFixed(1)}x`, met: ratio <= 30 });
  }
  return result;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));

export function table(result: BenchResult): string {
  const header = ['corpus', 'articles', 'run', 'wall s', 'articles/s', 'peak RSS MB', 'startup', 'load', 'parse', '(frontmatter', 'markdown)', 'related', 'rankings', 'render', 'write', 'search'];
  const rows = result.runs.map((r) => [
    r.corpus, r.size.toLocaleString('en-US'), `${r.run}${r.filesReused > 0 ? ` (${r.filesReused.toLocaleString('en-US')} files kept)` : ''}${r.wallsMs ? `, median of ${r.wallsMs.length}` : ''}`, s(r.wallMs), Math.round(r.articlesPerSecond).toLocaleString('en-US'),
    r.treePeakRssMb !== undefined && r.treePeakRssMb > r.peakRssMb ? `${r.peakRssMb} (tree ${r.treePeakRssMb})` : String(r.peakRssMb),
    s(r.phases['startup']), s(r.phases['load']), s(r.phases['parse']), s(r.phases['frontmatter']), s(r.phases['markdown']),
    s(r.phases['related']), s(r.phases['rankings']), s(r.phases['render']), s(r.phases['write']), s(r.phases['search']),
  ]);
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  const m = result.machine;
  lines.push('', `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; load average at start ${m.loadAverageAtStart.join(' ')}.`);
  lines.push(`Phases in seconds. frontmatter and markdown are thread time summed over the parse workers (part of parse).${result.buildArgs.length > 0 ? ` Every build ran with ${result.buildArgs.join(' ')}.` : ''}`);
  for (const d of result.dev ?? []) lines.push(`Dev server, ${d.corpus} ${d.size.toLocaleString('en-US')}: first build served after ${s(d.firstBuildMs)} s; edit to reload ${d.editToReloadMs.map((ms) => s(ms)).join(', ')} s (median ${s(d.medianMs)} s).`);
  for (const bar of result.bars) lines.push(`${bar.met ? 'MET ' : 'MISSED'} ${bar.name}: ${bar.value} (bar ${bar.limit})`);
  for (const note of result.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

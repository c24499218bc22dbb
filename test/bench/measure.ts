// Times one real CLI build as a whole child process, Node start included:
// `node src/bin.js build --verbose`, whose stderr lists every stage's time and the
// process's peak RSS. When GNU time is installed it also gives the peak RSS of the
// whole process tree (the search indexer runs as a child process).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

/** Phases every measurement reports, in table order (ms). */
export const PHASES = ['startup', 'load', 'parse', 'frontmatter', 'markdown', 'related', 'rankings', 'render', 'write'] as const;

export interface Measurement {
  wallMs: number;
  /** Peak RSS of the build process (its own report), MB. */
  peakRssMb: number;
  /** Peak RSS of the largest process in the tree (GNU time), MB; undefined without GNU time. */
  treePeakRssMb: number | undefined;
  articles: number;
  files: number;
  /** Files the build cache let the build keep from the previous site. */
  filesReused: number;
  /**
   * ms per phase. startup: Node start and module loading (wall minus the build's own
   * clock); frontmatter and markdown: thread time summed over the parse workers;
   * write: render+write minus render and search. Every other stage as the CLI names it.
   */
  phases: Record<string, number>;
}

export interface BuildRun {
  contentDir: string;
  outDir: string;
  now: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}

export async function measureBuild(run: BuildRun): Promise<Measurement> {
  const cliArgs = [BIN, 'build', '--content', run.contentDir, '--out', run.outDir, '--now', run.now, '--verbose', ...(run.args ?? [])];
  const withTime = existsSync(GNU_TIME);
  const [command, args] = withTime ? [GNU_TIME, ['-f', 'bench-peak-rss-kb %M', process.execPath, ...cliArgs]] : [process.execPath, cliArgs];
  // --verbose is there for its stage times only: the source maps it also turns on (for
  // stack traces) cost every thread ~20 ms that a user's build does not pay.
  const env = { ...process.env, CI: 'true', BROADSHEET_SOURCE_MAPS: '0', ...run.env };
  const start = performance.now();
  const { code, stdout, stderr } = await runProcess(command, args, env, path.dirname(run.outDir));
  const wallMs = performance.now() - start;
  if (code !== 0) throw new Error(`build failed (exit ${code}):\n${stderr.slice(-4000)}`);
  return { wallMs, ...parseOutput(stdout, stderr, wallMs) };
}

/** Reads the CLI's summary line and --verbose stage lines. */
export function parseOutput(stdout: string, stderr: string, wallMs: number): Omit<Measurement, 'wallMs'> {
  const built = /Built (\d+) articles into .* \((\d+) files(?:, (\d+) unchanged)?\) in ([\d.]+) s/.exec(stdout);
  // A build whose inputs all match the last one writes nothing: every file is kept.
  const unchanged = /Nothing changed since the last build of .* \((\d+) articles, (\d+) files\) in ([\d.]+) s/.exec(stdout);
  if (!built && !unchanged) throw new Error(`no summary line in the build's output:\n${stdout}`);
  const summary = built ?? [unchanged![0], unchanged![1], unchanged![2], unchanged![2], unchanged![3]];
  const stages: Record<string, number> = {};
  let peakRssMb = NaN;
  let treePeakRssMb: number | undefined;
  for (const line of stderr.split('\n')) {
    const stage = /^ {2}(\S(?:.*\S)?)\s+(\d+) (ms|MB)$/.exec(line);
    if (stage && stage[3] === 'ms') stages[stage[1]!] = Number(stage[2]);
    else if (stage && stage[1] === 'peak RSS') peakRssMb = Number(stage[2]);
    const tree = /^bench-peak-rss-kb (\d+)$/.exec(line);
    if (tree) treePeakRssMb = Math.round(Number(tree[1]) / 1024);
  }
  const renderAndWrite = stages['render+write'] ?? 0;
  const phases: Record<string, number> = {
    ...stages,
    startup: Math.max(0, Math.round(wallMs - Number(summary[4]) * 1000)),
    write: Math.max(0, renderAndWrite - (stages['render'] ?? 0) - (stages['search'] ?? 0)),
  };
  for (const phase of PHASES) {
    if (phase in phases) continue;
    // An unchanged build stops before indexing and rendering.
    if (unchanged) phases[phase] = 0;
    else throw new Error(`the build's --verbose output has no "${phase}" stage:\n${stderr}`);
  }
  return { peakRssMb, treePeakRssMb, articles: Number(summary[1]), files: Number(summary[2]), filesReused: Number(summary[3] ?? 0), phases };
}

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// npm run bench [-- --quick] [--corpus standard|chinese] [--sizes 1000,4000] [--no-search] [--dir DIR] [--out FILE] [--keep]
//
// Generates archives into a temp folder (in RAM where /dev/shm exists; --dir /tmp for
// the disk) and times real CLI builds of each, as whole processes: cold (no previous
// site, no build cache), then warm (the same archive with one article edited, with
// what the cold build left behind), then unchanged (once more), each the median of
// several runs up to 4,000 articles (REPEATS); and for archives up
// to 4,000 articles, the dev server's edit-to-reload time. Prints a table and
// writes bench-results/latest.json (git-ignored). Default sizes: standard corpus
// 1,000 / 4,000 / 16,000 files, Chinese archive 4,000 / 20,000 / 100,000 articles;
// --quick builds 200 of each (the smoke test in the suite).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeChineseCorpus, CHINESE_NOW } from './corpus-chinese.ts';
import { writeStandardCorpus, STANDARD_NOW } from './corpus-standard.ts';
import { editArticle } from './files.ts';
import { BIN, measureBuild, type Measurement } from './measure.ts';
import { articlePath, measureDev } from './dev.ts';
import { bars, machine, table, type BenchResult, type Corpus, type RunResult } from './report.ts';

const DEFAULT_SIZES: Record<Corpus, number[]> = { standard: [1000, 4000, 16_000], chinese: [4000, 20_000, 100_000] };
const QUICK_SIZE = 200;
/** The dev server is measured on archives up to this size (the bar is at 4,000). */
const DEV_MAX_SIZE = 4000;
const DEV_EDITS = 5;
/**
 * Runs of each kind on archives up to REPEAT_MAX_SIZE, whose median is reported: one
 * run of a 0.4 s build swings by ±30 ms on these VMs, which decided the 10% bar at
 * 4,000 from one run to the next. Cold builds start from nothing each time.
 */
const REPEATS: Record<RunResult['run'], number> = { cold: 3, warm: 5, unchanged: 5 };
const REPEAT_MAX_SIZE = 4000;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};
/** The run whose wall time is the median (the lower middle one of an even count): its phases belong to it. */
function medianRun(runs: readonly Measurement[]): Measurement {
  return [...runs].sort((a, b) => a.wallMs - b.wallMs)[(runs.length - 1) >> 1]!;
}
export const DEFAULT_OUT = fileURLToPath(new URL('../../bench-results/latest.json', import.meta.url));

export interface BenchOptions {
  corpora: Corpus[];
  /** Sizes per corpus; undefined: the defaults. */
  sizes?: number[] | undefined;
  quick?: boolean;
  out?: string;
  /** Keep the generated archives and sites (their folder is printed). */
  keep?: boolean;
  /** Extra arguments for every build, e.g. ['--no-search']. */
  buildArgs?: string[];
  /** Where archives and sites go (default: the OS temp folder); e.g. /dev/shm to leave the disk out. */
  dir?: string | undefined;
  log?: (line: string) => void;
}

/** How long a generated archive ages before its cold build (see runBench). */
const ARCHIVE_AGE_MS = 2100;

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const result: BenchResult = { version: 1, date: new Date().toISOString(), machine: machine(), buildArgs: options.buildArgs ?? [], notes: [], runs: [], dev: [], bars: [] };
  result.notes.push('standard corpus: each file also has `date: 2020-01-01` (Broadsheet requires a date); otherwise the benchmark shape as published.');
  result.notes.push('cold = no previous site and no build cache; warm = the same build again after editing one article, with the site and build cache the cold build left; unchanged = once more with no change.');
  result.notes.push(`up to ${REPEAT_MAX_SIZE.toLocaleString('en-US')} articles each row is the median of ${REPEATS.cold} cold, ${REPEATS.warm} warm and ${REPEATS.unchanged} unchanged runs (each warm run after an edit of its own, each unchanged one after a warm one); the phases are the median run's.`);
  result.notes.push(`each archive is left ${ARCHIVE_AGE_MS / 1000} s after it is generated, before its cold build: files changed less than 2 s before a build are read again by the next one, and an author's archive is older than that.`);
  // The first run after an install bundles src/ (src/boot.js); do that outside the timings.
  spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore' });

  const out = options.out ?? DEFAULT_OUT;
  const root = await mkdtemp(path.join(options.dir ?? defaultDir(), 'broadsheet-bench-'));
  result.notes.push(`archives and sites in ${path.dirname(root)}`);
  try {
    for (const corpus of options.corpora) {
      const sizes = options.quick ? [QUICK_SIZE] : (options.sizes ?? DEFAULT_SIZES[corpus]);
      for (const size of sizes) {
        const dir = path.join(root, `${corpus}-${size}`);
        const contentDir = path.join(dir, 'content');
        const outDir = path.join(dir, 'dist');
        log(`${corpus} ${size}: generating...`);
        let sample: string;
        if (corpus === 'standard') {
          await writeStandardCorpus(contentDir, size);
          sample = `post-${String(Math.floor(size / 2)).padStart(String(size - 1).length, '0')}.md`;
        } else {
          sample = (await writeChineseCorpus(contentDir, size)).samplePath;
        }
        // A build does not trust the time stamps of files changed within 2 s of its start
        // (src/load.ts, RACY_MS): the next build reads and hashes them again. An author's
        // archive is older than that; the archive generated a moment ago is not, and
        // without this wait the warm and unchanged builds re-read every file (standard
        // 4,000: ~0.18 s unchanged instead of ~0.13 s).
        await new Promise((resolve) => setTimeout(resolve, ARCHIVE_AGE_MS));
        const now = corpus === 'standard' ? STANDARD_NOW : CHINESE_NOW;
        const repeats = (run: RunResult['run']) => (options.quick || size > REPEAT_MAX_SIZE ? 1 : REPEATS[run]);
        const measured: Record<RunResult['run'], Measurement[]> = { cold: [], warm: [], unchanged: [] };
        const measure = async (run: RunResult['run']) => {
          log(`${corpus} ${size}: ${run} build...`);
          const m = await measureBuild({ contentDir, outDir, now, args: options.buildArgs ?? [] });
          measured[run].push(m);
          log(`  ${(m.wallMs / 1000).toFixed(2)} s, ${m.peakRssMb} MB, ${m.articles} articles, ${m.files} files`);
        };
        for (let i = 0; i < repeats('cold'); i++) {
          // Nothing left from the run before: no site, no build cache (in the folder the builds run from).
          await rm(outDir, { recursive: true, force: true });
          await rm(path.join(dir, '.cache'), { recursive: true, force: true });
          await measure('cold');
        }
        // Each warm build after an edit of its own, each followed by an unchanged one.
        for (let i = 0; i < Math.max(repeats('warm'), repeats('unchanged')); i++) {
          if (i < repeats('warm')) {
            await editArticle(path.join(contentDir, sample));
            await measure('warm');
          }
          if (i < repeats('unchanged')) await measure('unchanged');
        }
        for (const run of ['cold', 'warm', 'unchanged'] as const) {
          const m = medianRun(measured[run]);
          const entry: RunResult = { corpus, size, run, ...m, articlesPerSecond: m.articles / (m.wallMs / 1000), ...(measured[run].length > 1 ? { wallsMs: measured[run].map((r) => r.wallMs) } : {}) };
          result.runs.push(entry);
        }
        // Written after every archive: a long benchmark stopped half-way keeps what it measured.
        await save(result, out);
        if (size <= DEV_MAX_SIZE) {
          const edits = options.quick ? 2 : DEV_EDITS;
          log(`${corpus} ${size}: dev server, ${edits} edits...`);
          const file = path.join(contentDir, sample);
          const dev = await measureDev(contentDir, file, await articlePath(file), now, edits);
          result.dev.push({ corpus, size, ...dev, medianMs: median(dev.editToReloadMs) });
          log(`  edit to reload: ${dev.editToReloadMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s`);
          await save(result, out);
        }
        if (!options.keep) await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    if (options.keep) log(`archives and sites kept in ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
  await save(result, out);
  return result;
}

/**
 * RAM (/dev/shm) where there is one: on the VMs this was tuned on, the same 10,000
 * file creations took 2.4 to 14.5 s from one run to the next on disk, which would
 * measure the disk's mood, not the build. `--dir /tmp` measures with the disk.
 */
function defaultDir(): string {
  return existsSync('/dev/shm') && process.platform === 'linux' ? '/dev/shm' : tmpdir();
}

async function save(result: BenchResult, out: string): Promise<void> {
  result.bars = bars(result.runs, result.dev);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      corpus: { type: 'string' },
      sizes: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-search': { type: 'boolean', default: false },
      dir: { type: 'string' },
    },
  });
  if (values.corpus !== undefined && values.corpus !== 'standard' && values.corpus !== 'chinese') {
    console.error('--corpus must be standard or chinese');
    process.exit(2);
  }
  const sizes = values.sizes?.split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes?.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error('--sizes takes whole numbers separated by commas, e.g. --sizes 1000,4000');
    process.exit(2);
  }
  const result = await runBench({
    corpora: values.corpus ? [values.corpus as Corpus] : ['standard', 'chinese'],
    sizes,
    quick: values.quick,
    out: values.out,
    keep: values.keep,
    buildArgs: values['no-search'] ? ['--no-search'] : [],
    dir: values.dir,
    log: (line) => console.error(line),
  });
  console.log(table(result));
  console.log(`\nwritten to ${path.relative(process.cwd(), values.out ?? DEFAULT_OUT)}`);
}

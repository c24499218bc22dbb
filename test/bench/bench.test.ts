// Smoke test of `npm run bench`: a small run of both corpora must produce a complete,
// well-formed result, so the benchmark cannot rot. Times are not asserted.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { PHASES } from './measure.ts';
import { table, type BenchResult } from './report.ts';
import { runBench } from './run.ts';

describe('npm run bench --quick', () => {
  it('times cold, warm and unchanged CLI builds and dev-server reloads of both corpora, and writes every phase to JSON', async () => {
    const out = path.join(await tempDir(), 'latest.json');
    const returned = await runBench({ corpora: ['standard', 'chinese'], quick: true, out });
    const result = JSON.parse(await readFile(out, 'utf8')) as BenchResult;
    expect(result).toEqual(JSON.parse(JSON.stringify(returned)));
    expect(result.version).toBe(1);
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.runs.map((r) => `${r.corpus} ${r.size} ${r.run}`)).toEqual(['standard 200 cold', 'standard 200 warm', 'standard 200 unchanged', 'chinese 200 cold', 'chinese 200 warm', 'chinese 200 unchanged']);
    for (const run of result.runs) {
      expect(run.articles).toBe(200);
      expect(run.files).toBeGreaterThan(200);
      expect(run.wallMs).toBeGreaterThan(0);
      expect(run.articlesPerSecond).toBeGreaterThan(0);
      expect(run.peakRssMb).toBeGreaterThan(10);
      for (const phase of PHASES) expect(run.phases[phase], `${run.corpus} ${run.run} ${phase}`).toBeGreaterThanOrEqual(0);
    }
    expect(result.dev.map((d) => `${d.corpus} ${d.size} ${d.editToReloadMs.length}`)).toEqual(['standard 200 2', 'chinese 200 2']);
    for (const d of result.dev) expect(d.medianMs).toBeGreaterThan(0);
    expect(table(result)).toMatch(/^\| corpus \| articles \| run \| wall s \|/);
  }, 120_000);
});

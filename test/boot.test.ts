// src/boot.js bundles src/ for the CLI and applies performance fixes to a few
// dependencies as it does. The fixes must still match the installed packages, and
// the bundled CLI must write exactly what the unbundled code writes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEPENDENCY_FIXES } from '../src/boot.js';
import { listFiles, tempDir } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);

describe('the CLI bundle', () => {
  it('finds the text of every dependency fix in the installed packages', () => {
    for (const fix of DEPENDENCY_FIXES) {
      const text = readFileSync(path.join(ROOT, 'node_modules', fix.file), 'utf8');
      expect(text.split(fix.find).length - 1, `${fix.file}: update or drop its fix in src/boot.js`).toBe(fix.times);
    }
  });

  it('builds the sample site byte for byte as the unbundled code does, on the main thread and on workers', async () => {
    const out = await tempDir();
    const build = async (dir: string, env: NodeJS.ProcessEnv) => {
      const args = [path.join(ROOT, 'src/bin.js'), 'build', '--content', path.join(ROOT, 'content'), '--out', path.join(out, dir), '--no-search', '--no-cache', '--now', '2026-11-20T08:00:00Z'];
      const { stderr } = await run(process.execPath, args, { env: { ...process.env, VITEST: '', BROADSHEET_DEBUG_BOOT: '1', ...env }, cwd: out });
      return stderr;
    };
    expect(await build('bundled', { BROADSHEET_NO_BUNDLE: '', BROADSHEET_WORKERS: '0' })).not.toMatch(/bundling failed|performance fix is skipped/);
    expect(await build('bundled-workers', { BROADSHEET_NO_BUNDLE: '', BROADSHEET_WORKERS: '2' })).not.toMatch(/bundling failed|performance fix is skipped/);
    // The bundles the CLI and the parse workers loaded hold the fixed files.
    for (const entry of ['src/cli.ts', 'src/parse/worker-thread.ts']) {
      const key = createHash('sha256').update(path.join(ROOT, entry)).digest('hex').slice(0, 16);
      const manifest = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/.cache/broadsheet', `${key}.json`), 'utf8')) as { inputs: [string, string][] };
      for (const fix of DEPENDENCY_FIXES) expect(manifest.inputs.map(([file]) => file), entry).toContain(path.join(ROOT, 'node_modules', fix.file));
    }
    await build('tsx', { BROADSHEET_NO_BUNDLE: '1', BROADSHEET_WORKERS: '0' });
    const expected = await listFiles(path.join(out, 'tsx'));
    expect(expected.length).toBeGreaterThan(100);
    for (const dir of ['bundled', 'bundled-workers']) {
      expect(await listFiles(path.join(out, dir))).toEqual(expected);
      for (const file of expected) expect(readFileSync(path.join(out, dir, file)).equals(readFileSync(path.join(out, 'tsx', file))), `${dir}/${file}`).toBe(true);
    }
  }, 90_000);
});

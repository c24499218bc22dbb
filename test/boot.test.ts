// src/boot.js bundles src/ for the CLI and applies performance fixes to a few
// dependencies as it does. The fixes must still match the installed packages, and
// the bundled CLI must write exactly what the unbundled code writes.
import { execFile } from 'node:child_process';
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

  it('builds the sample site byte for byte as the unbundled code does', async () => {
    const out = await tempDir();
    const build = (dir: string, env: NodeJS.ProcessEnv) =>
      run(process.execPath, [path.join(ROOT, 'src/bin.js'), 'build', '--content', path.join(ROOT, 'content'), '--out', path.join(out, dir), '--no-search', '--no-cache', '--now', '2026-11-20T08:00:00Z'], { env: { ...process.env, ...env, VITEST: '' }, cwd: out });
    await build('bundled', { BROADSHEET_NO_BUNDLE: '' });
    await build('tsx', { BROADSHEET_NO_BUNDLE: '1' });
    const bundled = await listFiles(path.join(out, 'bundled'));
    expect(bundled.length).toBeGreaterThan(100);
    expect(await listFiles(path.join(out, 'tsx'))).toEqual(bundled);
    for (const file of bundled) {
      expect(readFileSync(path.join(out, 'bundled', file)).equals(readFileSync(path.join(out, 'tsx', file))), file).toBe(true);
    }
  }, 60_000);
});

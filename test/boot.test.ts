// src/boot.js bundles src/ for the CLI and applies performance fixes to a few
// dependencies as it does. The fixes must still match the installed packages, and
// the bundled CLI must write exactly what the unbundled code writes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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

  it('builds the sample site byte for byte as the unbundled code does, on the main thread and on workers, with and without the code cache', async () => {
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
    // Without source maps the main thread runs the bundle's CommonJS form with V8's code
    // cache: the runs above left a cache beside each chunk they loaded, which this one
    // reads back (a cache V8 rejected would be named on stderr); then the ES modules.
    const cliKey = createHash('sha256').update(path.join(ROOT, 'src/cli.ts')).digest('hex').slice(0, 16);
    const cliBundle = path.dirname(path.join(ROOT, 'node_modules/.cache/broadsheet', (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/.cache/broadsheet', `${cliKey}.json`), 'utf8')) as { entry: string }).entry));
    expect(readdirSync(cliBundle).filter((name) => name.endsWith('.cjs.v8cache'))).toContain('entry.cjs.v8cache');
    expect(await build('bundled-cached', { BROADSHEET_NO_BUNDLE: '', BROADSHEET_WORKERS: '0' })).not.toMatch(/code cache rejected|bundling failed|no CommonJS form/);
    // A damaged cache (V8 in a release build would stop the process on it) is passed over.
    const cacheFile = path.join(cliBundle, 'entry.cjs.v8cache');
    const damaged = readFileSync(cacheFile);
    for (let at = 64; at < damaged.length; at += 97) damaged[at] = damaged[at]! ^ 0xff;
    writeFileSync(cacheFile, damaged);
    await build('bundled-damaged-cache', { BROADSHEET_NO_BUNDLE: '', BROADSHEET_WORKERS: '0' });
    await build('bundled-modules', { BROADSHEET_NO_BUNDLE: '', BROADSHEET_WORKERS: '0', BROADSHEET_CODE_CACHE: '0' });
    await build('tsx', { BROADSHEET_NO_BUNDLE: '1', BROADSHEET_WORKERS: '0' });
    const expected = await listFiles(path.join(out, 'tsx'));
    expect(expected.length).toBeGreaterThan(100);
    for (const dir of ['bundled', 'bundled-workers', 'bundled-cached', 'bundled-damaged-cache', 'bundled-modules']) {
      expect(await listFiles(path.join(out, dir))).toEqual(expected);
      for (const file of expected) expect(readFileSync(path.join(out, dir, file)).equals(readFileSync(path.join(out, 'tsx', file))), `${dir}/${file}`).toBe(true);
    }
  }, 90_000);

  it('trusts an input\'s recorded stat only while it still matches, and notices an edit that keeps size and modification time', async () => {
    const dir = await tempDir();
    const entry = path.join(dir, 'entry.ts');
    writeFileSync(entry, "export const value: string = 'one';\n");
    // Files changed within 2 s of the bundling are always hashed: let this one age past that.
    await sleep(2100);
    const load = async () => {
      const script = `const { importTypeScript } = await import(${JSON.stringify(path.join(ROOT, 'src/boot.js'))}); const m = await importTypeScript(new URL(${JSON.stringify(`file://${entry}`)})); console.log(m.value);`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, BROADSHEET_NO_BUNDLE: '', BROADSHEET_DEBUG_BOOT: '1' } });
      return stdout.trim();
    };
    expect(await load()).toBe('one');
    const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
    const manifestFile = path.join(ROOT, 'node_modules/.cache/broadsheet', `${key}.json`);
    const recorded = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { inputs: [string, string, string | null][] }).inputs.find(([file]) => file === entry);
    expect(recorded?.[2], 'an input unchanged for 2 s gets a stat key').toMatch(/^\d+:\d+:/);
    // A matching stat stands for the content: with the recorded hash made wrong, the
    // bundle is still taken as it is (a hash check would bundle again and rewrite the manifest).
    const manifest = readFileSync(manifestFile, 'utf8');
    const wrongHash = manifest.replace(recorded![1], '0'.repeat(64));
    writeFileSync(manifestFile, wrongHash);
    expect(await load()).toBe('one');
    expect(readFileSync(manifestFile, 'utf8')).toBe(wrongHash);
    // Same size, modification time set back to the nanosecond (touch -r): only the change time tells.
    const before = statSync(entry);
    const reference = path.join(dir, 'reference');
    writeFileSync(reference, '');
    await run('touch', ['-r', entry, reference]);
    writeFileSync(entry, "export const value: string = 'two';\n");
    await run('touch', ['-r', reference, entry]);
    expect([statSync(entry).size, statSync(entry).mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(await load()).toBe('two');
  }, 30_000);

  it('adds to the code cache what the first run of each kind compiled, once', async () => {
    const dir = await tempDir();
    const entry = path.join(dir, 'entry.ts');
    // Functions V8 compiles only when called: a run that calls them has more to cache.
    const helpers = Array.from({ length: 40 }, (_, i) => `function helper${i}(x: number): number { return x * ${i + 2} + ${i}; }`).join('\n');
    writeFileSync(entry, `${helpers}\nexport function work(): number { let total = 0; ${Array.from({ length: 40 }, (_, i) => `total += helper${i}(total);`).join(' ')} return total; }\n`);
    const runOnce = async (kind: string | undefined, work: boolean) => {
      const script = [
        `const { importTypeScript } = await import(${JSON.stringify(path.join(ROOT, 'src/boot.js'))});`,
        `const m = await importTypeScript(new URL(${JSON.stringify(`file://${entry}`)}));`,
        kind === undefined ? '' : `globalThis[Symbol.for('broadsheet.run-kind')] = ${JSON.stringify(kind)};`,
        work ? 'm.work();' : '',
      ].join(' ');
      // Without source maps, as a CLI run that is not --verbose: the CommonJS form with its code cache.
      await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, VITEST: '', BROADSHEET_NO_BUNDLE: '', BROADSHEET_SOURCE_MAPS: '0', BROADSHEET_CODE_CACHE: '' } });
    };
    await runOnce(undefined, false);
    const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
    const bundle = path.dirname(path.join(ROOT, 'node_modules/.cache/broadsheet', (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/.cache/broadsheet', `${key}.json`), 'utf8')) as { entry: string }).entry));
    const cacheFile = path.join(bundle, 'entry.cjs.v8cache');
    const runsFile = path.join(bundle, 'code-cache-runs.txt');
    const first = readFileSync(cacheFile);
    // A run of no named kind writes only missing caches; the first run of a kind writes them all again.
    await runOnce(undefined, true);
    expect(readFileSync(cacheFile).equals(first)).toBe(true);
    await runOnce('work', true);
    const refreshed = readFileSync(cacheFile);
    expect(refreshed.length).toBeGreaterThan(first.length);
    expect(readFileSync(runsFile, 'utf8').split('\n')).toEqual(['work']);
    // The next run of that kind leaves them (the same file); one of another kind writes
    // them again (a new file renamed over the old one).
    const inode = statSync(cacheFile).ino;
    await runOnce('work', true);
    expect(readFileSync(cacheFile).equals(refreshed)).toBe(true);
    expect(statSync(cacheFile).ino).toBe(inode);
    await runOnce('other', false);
    expect(readFileSync(runsFile, 'utf8').split('\n')).toEqual(['work', 'other']);
    expect(statSync(cacheFile).ino).not.toBe(inode);
  }, 30_000);
});

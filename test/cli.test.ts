// The CLI contract as scripts see it: the real bin in a child process, exit codes,
// messages without stack traces.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { md, NOW_ISO, writeArchive } from './helpers.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'bin.js');

function cli(args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('broadsheet CLI', { timeout: 60_000 }, () => {
  it('exits 0 on a good build, 1 on content errors, 2 on usage errors', async () => {
    const good = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }) });
    const out = path.join(path.dirname(good), 'dist');
    const built = cli(['build', '--content', good, '--out', out, '--now', NOW_ISO]);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/Built 1 articles into .* \(\d+ files\)/);

    const bad = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-02-30' }) });
    const failed = cli(['build', '--content', bad, '--out', out, '--now', NOW_ISO]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/a\.md:3: date 2026-02-30 is not a real calendar day/);
    expect(failed.stderr).not.toMatch(/^\s+at /m);

    expect(cli(['build', '--bogus']).code).toBe(2);
    expect(cli(['explode']).code).toBe(2);
    expect(cli(['build', '--now', 'yesterday']).stderr).toMatch(/--now "yesterday" is not a usable ISO-8601 date/);
    expect(cli([]).code).toBe(2);
    expect(cli(['--help']).code).toBe(0);
  });

  it('says plainly that the content folder is missing', async () => {
    const missing = path.join(path.dirname(await writeArchive({})), 'nope');
    const run = cli(['build', '--content', missing, '--now', NOW_ISO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the content folder .*nope does not exist/);
  });

  it('shows a stack trace only with --verbose', async () => {
    const content = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }) });
    const templates = path.join(path.dirname(content), 'templates');
    await mkdir(templates, { recursive: true });
    await writeFile(path.join(templates, 'article.eta'), '<%= it.missing.deeply %>');
    const args = ['build', '--content', content, '--out', path.join(path.dirname(content), 'dist'), '--templates', templates, '--now', NOW_ISO];
    const quiet = cli(args);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/deeply/);
    expect(quiet.stderr).not.toMatch(/^\s+at /m);
    expect(quiet.stderr).toMatch(/--verbose/);
    const verbose = cli([...args, '--verbose']).stderr;
    expect(verbose).toMatch(/^\s+at /m);
    // Through the bundle's source maps, the trace names the TypeScript files.
    expect(verbose).toMatch(/src[\\/]build\.ts:\d+/);
  });
});

describe('--now', () => {
  it('reads a time without offset in the site time zone, whatever the machine zone, and refuses impossible dates', async () => {
    const { buildTime } = await import('../src/cli.ts');
    const content = await writeArchive({ 'site.yaml': 'timezone: Asia/Shanghai\n' });
    expect(await buildTime('2026-11-27T06:00:00', {}, content)).toBe(Date.parse('2026-11-27T06:00:00+08:00'));
    expect(await buildTime('2026-11-27', {}, content)).toBe(Date.parse('2026-11-27T00:00:00+08:00'));
    expect(await buildTime('2026-11-27T06:00:00Z', {}, content)).toBe(Date.parse('2026-11-27T06:00:00Z'));
    await expect(buildTime('2026-02-30', {}, content)).rejects.toThrow(/not a real calendar day/);
    expect(await buildTime(undefined, { SOURCE_DATE_EPOCH: '1764201600' }, content)).toBe(1764201600000);
  });
});

// The Pagefind index: built inside the staging folder, of article bodies only,
// timed as its own stage, byte-identical across builds, and off with --no-search.
// (The browser suite, test/browser/search.test.ts, runs real queries against it.)
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as pagefind from 'pagefind';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { build } from '../src/build.ts';
import { openSiteWriter } from '../src/write.ts';
import { buildArchive, listFiles, md, NOW, runCli, tempDir, writeArchive } from './helpers.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../content');

const archive = {
  'a.md': md({ title: '消费金融公司加强风控', date: '2026-11-25T09:00:00+08:00', category: '消费金融', tickers: '["600036.SH"]' }, '消费金融公司的风控模型升级。'),
  'b.md': md({ title: 'Nvidia revenue beats forecasts', date: '2026-11-24T09:00:00+08:00', category: '科技' }, 'Nvidia reported record data center revenue.'),
};

describe('search index', { timeout: 60_000 }, () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('indexes the article pages, and only them, into /pagefind/, timed as the search stage', async () => {
    const site = await buildArchive(archive);
    const entry = JSON.parse(await site.read('pagefind/pagefind-entry.json'));
    expect(entry.languages['zh-cn'].page_count).toBe(2);
    const files = await site.files();
    for (const file of ['pagefind/pagefind-ui.js', 'pagefind/pagefind-ui.css', 'pagefind/pagefind.js', 'search/index.html']) expect(files).toContain(file);
    expect(files.filter((f) => f.startsWith('pagefind/fragment/'))).toHaveLength(2);
    expect(site.result.timings.map((t) => t.stage)).toContain('search');
    const article = await site.read('2026/11/a/index.html');
    expect(article).toMatch(/<article class="article" lang="zh-CN" data-pagefind-body>/);
    expect(article).toContain('<form class="site-search" role="search" action="/search/" method="get">');
    const search = await site.read('search/index.html');
    expect(search).toContain('<script src="/pagefind/pagefind-ui.js"></script>');
    expect(search).toContain('data-base="/"');
  });

  it('honours the base path on the search page and in the header box', async () => {
    const site = await buildArchive(archive, { baseUrl: 'https://example.com/archive/' });
    const search = await site.read('search/index.html');
    expect(search).toContain('<link rel="stylesheet" href="/archive/pagefind/pagefind-ui.css">');
    expect(search).toContain('data-bundle="/archive/pagefind/" data-base="/archive/"');
    expect(await site.read('index.html')).toContain('action="/archive/search/"');
  });

  it('builds no index, no search page and no search box with --no-search', async () => {
    const contentDir = await writeArchive(archive);
    const outDir = path.join(path.dirname(contentDir), 'dist');
    const run = await runCli(['build', '--content', contentDir, '--out', outDir, '--now', '2026-11-27T12:00:00+08:00', '--no-search']);
    expect(run.code).toBe(0);
    const files = await listFiles(outDir);
    expect(files.some((f) => f.startsWith('pagefind/') || f.startsWith('search/'))).toBe(false);
    expect(await readFile(path.join(outDir, 'index.html'), 'utf8')).not.toContain('site-search');
  });

  it('writes a byte-identical index for the same input, whatever the output folder', async () => {
    const dirs = [path.join(await tempDir(), 'one'), path.join(await tempDir(), 'two')];
    for (const outDir of dirs) await build({ contentDir: SAMPLE, outDir, now: NOW });
    const [first, second] = await Promise.all(dirs.map((dir) => listFiles(dir)));
    expect(first!.filter((f) => f.startsWith('pagefind/fragment/')).length).toBeGreaterThan(50);
    expect(second).toEqual(first);
    for (const file of first!) {
      const [a, b] = await Promise.all(dirs.map((dir) => readFile(path.join(dir, file))));
      expect(a!.equals(b!), file).toBe(true);
    }
  });

  it('leaves the previous site in place when indexing fails, and recovers on the next build', async () => {
    const contentDir = await writeArchive(archive);
    const outDir = path.join(path.dirname(contentDir), 'dist');
    await build({ contentDir, outDir, now: NOW, search: false });
    const before = await listFiles(outDir);

    vi.spyOn(console, 'error').mockImplementation(() => {});
    // A Pagefind binary that cannot start. The service outlives a build, so stop the
    // one earlier tests started; after the failure, the next build starts a new one.
    await pagefind.close();
    vi.stubEnv('PAGEFIND_EXTENDED_BINARY_PATH', path.join(contentDir, 'no-such-pagefind'));
    vi.stubEnv('PAGEFIND_BINARY_PATH', path.join(contentDir, 'no-such-pagefind'));
    await expect(build({ contentDir, outDir, now: NOW })).rejects.toThrow(/search index: .*--no-search/);
    expect(await listFiles(outDir)).toEqual(before);
    expect((await listFiles(path.dirname(outDir))).some((f) => f.includes('.tmp-'))).toBe(false);

    vi.unstubAllEnvs();
    await build({ contentDir, outDir, now: NOW });
    expect(existsSync(path.join(outDir, 'pagefind', 'pagefind-entry.json'))).toBe(true);
  });

  it('runs the before-swap step on the finished staging folder; a throw there swaps nothing', async () => {
    const outDir = path.join(await tempDir(), 'site');
    const first = await openSiteWriter(outDir);
    await first.write({ path: 'index.html', content: 'old' });
    await first.commit();

    const second = await openSiteWriter(outDir);
    await second.write({ path: 'index.html', content: 'new' });
    let seen = '';
    const failing = second.commit({
      beforeSwap: async (staging) => {
        seen = await readFile(path.join(staging, 'index.html'), 'utf8');
        throw new Error('index failed');
      },
    });
    await expect(failing).rejects.toThrow('index failed');
    await second.abort();
    expect(seen).toBe('new');
    expect(await readFile(path.join(outDir, 'index.html'), 'utf8')).toBe('old');
  });
});

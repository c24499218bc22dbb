// The site writer: a whole site staged and swapped in, or the current one updated in
// place; big sites are written from a thread of their own.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_BYTES_OUT, openSiteWriter, PageWriterThread, renamesSuffice } from '../src/write.ts';
import { listFiles, tempDir } from './helpers.ts';

const manyPages = (count: number, text: string) => Array.from({ length: count }, (_, i) => ({ path: `p/${i}/index.html`, content: `${text} ${i}` }));

describe('site writer', () => {
  // The writer thread writes synchronously while that is fast, else concurrently: both ways.
  it.each(['adaptive', 'concurrent'] as const)('writes every page of a big site (on the writer thread, %s) with the exact bytes', async (threadWrites) => {
    const outDir = path.join(await tempDir(), 'site');
    const writer = await openSiteWriter(outDir, { threadWrites });
    const pages = manyPages(1500, '页面');
    for (const page of pages) await writer.write(page);
    await writer.write({ path: 'bytes.bin', content: Buffer.from([0, 1, 2, 255]) });
    await writer.commit();
    expect((await listFiles(outDir)).length).toBe(1502);
    for (const page of [pages[0]!, pages[700]!, pages[1499]!]) expect(await readFile(path.join(outDir, page.path), 'utf8')).toBe(page.content);
    expect([...(await readFile(path.join(outDir, 'bytes.bin')))]).toEqual([0, 1, 2, 255]);
  });

  it.each(['adaptive', 'concurrent'] as const)('hands pages to the writer thread in reused chunks without mixing their bytes (%s)', async (threadWrites) => {
    const outDir = path.join(await tempDir(), 'site');
    const writer = await openSiteWriter(outDir, { threadWrites });
    // ~45 MB of UTF-8 in pages of different lengths: more than the chunks in flight at
    // once, so chunks come back and are filled again; one page bigger than a chunk; a
    // lone surrogate, which every UTF-8 encoder writes as U+FFFD.
    const pages = Array.from({ length: 700 }, (_, i) => ({ path: `c/${i}.html`, content: `${i}:${'财经新闻'.repeat(3000 + ((i * 7919) % 5000))}` }));
    pages.push({ path: 'big.html', content: '大'.repeat(600_000) }, { path: 'lone.html', content: 'a\ud800b' });
    for (const page of pages) await writer.write(page);
    await writer.commit();
    for (const page of pages.slice(0, -1)) expect(await readFile(path.join(outDir, page.path), 'utf8')).toBe(page.content);
    expect([...(await readFile(path.join(outDir, 'lone.html')))]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
  });

  it('writes every page exactly when writes are not awaited one by one, big ones included', async () => {
    const outDir = path.join(await tempDir(), 'site');
    const writer = await openSiteWriter(outDir);
    const small = manyPages(300, '小');
    // Past the first 256 pages the thread writes; then pages bigger than a chunk (as
    // strings and as bytes, 60 MB in all: more than may be out at once), all at once.
    const big = Array.from({ length: 20 }, (_, i) => ({ path: `big/${i}.html`, content: i % 2 ? `${i}${'大'.repeat(400_000 + i)}` : Buffer.alloc(3_000_000 + i, i) }));
    const later = manyPages(100, '后').map((page) => ({ ...page, path: `q/${page.path}` }));
    await Promise.all([...small, ...big, ...later].map((page) => writer.write(page)));
    await writer.commit();
    for (const page of [small[0]!, small[299]!]) expect(await readFile(path.join(outDir, page.path), 'utf8')).toBe(page.content);
    for (const page of big) {
      const written = await readFile(path.join(outDir, page.path));
      expect(written.equals(typeof page.content === 'string' ? Buffer.from(page.content) : page.content), page.path).toBe(true);
    }
    expect(await readFile(path.join(outDir, 'q/p/99/index.html'), 'utf8')).toBe('后 99');
  });

  it('keeps at most 32 MB of pages on their way to the writer thread', async () => {
    const dir = await tempDir();
    const thread = new PageWriterThread('adaptive');
    try {
      // 150 MB of pages, encoded far faster than files are made: without the bound they would all be out at once.
      const page = '页'.repeat(100_000);
      for (let i = 0; i < 500; i++) await thread.write(path.join(dir, `${i}.html`), page);
      await thread.flush();
    } finally {
      await thread.close();
    }
    expect(thread.chunkBytesMade).toBeLessThanOrEqual(MAX_BYTES_OUT + (1 << 20));
    expect(await readFile(path.join(dir, '499.html'), 'utf8')).toBe('页'.repeat(100_000));
  });

  it.each(['adaptive', 'concurrent'] as const)('reports a failed write on the writer thread (%s) at commit, and leaves the previous site as it was', async (threadWrites) => {
    const outDir = path.join(await tempDir(), 'site');
    const first = await openSiteWriter(outDir);
    await first.write({ path: 'index.html', content: 'old' });
    await first.commit();

    const second = await openSiteWriter(outDir, { threadWrites });
    for (const page of manyPages(256, 'new')) await second.write(page);
    // A file where a page above needs a folder: the first write of the thread (which
    // starts past 256 pages), so it fails while an adaptive thread still writes synchronously.
    await second.write({ path: 'p/5/index.html/x.html', content: 'clash' });
    for (const page of manyPages(300, 'more')) await second.write({ ...page, path: `q/${page.path}` });
    const commit = second.commit();
    await expect(commit).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    await second.abort();
    expect(await listFiles(outDir)).toEqual(['.broadsheet-site', 'index.html']);
    expect(await readFile(path.join(outDir, 'index.html'), 'utf8')).toBe('old');
    expect((await listFiles(path.dirname(outDir))).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('updates a site in place: reused pages stay, whatever the spelling of their paths; removed ones go', async () => {
    const outDir = path.join(await tempDir(), 'site');
    const first = await openSiteWriter(outDir);
    for (const name of ['a', 'b', 'c']) await first.write({ path: `${name}/index.html`, content: name });
    await first.commit();

    const second = await openSiteWriter(outDir, { currentPages: ['./a/index.html', 'b//index.html', 'c/index.html'] });
    await second.reuse('a/index.html', 1);
    await second.write({ path: 'b/index.html', content: 'B' });
    await second.commit();
    expect(await listFiles(outDir)).toEqual(['.broadsheet-site', 'a/index.html', 'b/index.html']);
    expect(await readFile(path.join(outDir, 'a/index.html'), 'utf8')).toBe('a');
    expect(await readFile(path.join(outDir, 'b/index.html'), 'utf8')).toBe('B');
    expect(existsSync(path.join(outDir, 'c'))).toBe(false);
  });
});

describe('renamesSuffice', () => {
  const current = new Set(['index.html', 'old/story.html', 'a/b/index.html', 'c/index.html']);
  // A few staged pages are checked by a scan, more through the current site's folders: both must agree.
  const padded = (staged: string[]) => [...staged, ...Array.from({ length: 20 }, (_, i) => `x${i}/index.html`)];
  it.each([false, true])('refuses a page where a folder is, or a folder where a page is (%s: many pages staged)', (many) => {
    const check = (staged: string[]) => renamesSuffice(current, many ? padded(staged) : staged);
    expect(check(['a/b/index.html', 'd/index.html'])).toBe(true);
    expect(check(['old/story.html/more/index.html'])).toBe(false);
    expect(check(['a/b'])).toBe(false);
    expect(check(['a'])).toBe(false);
    expect(check(['c/index.htm'])).toBe(true);
  });
});

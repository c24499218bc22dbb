// The parse pool: the same site and the same diagnostics whatever the worker count.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { build } from '../../src/build.ts';
import { loadConfig } from '../../src/config.ts';
import { ContentErrors, Diagnostics } from '../../src/errors.ts';
import { parseArticle } from '../../src/parse/article.ts';
import { recordTerms } from '../../src/index/related/terms.ts';
import { loadSources, NO_BYTES } from '../../src/load.ts';
import { defaultWorkerCount, MIN_BYTES_FOR_WORKERS, parseAll } from '../../src/parse/pool.ts';
import { FinishingThread } from '../../src/parse/finishing.ts';
import { listFiles, md, NOW, tempDir, writeArchive } from '../helpers.ts';

const SAMPLE = fileURLToPath(new URL('../../content/', import.meta.url));

async function buildWith(workers: number): Promise<Map<string, Buffer>> {
  const outDir = path.join(await tempDir(), 'dist');
  // The search index is left out: it is made from these same pages, and slow.
  await build({ contentDir: SAMPLE, outDir, now: NOW, workers, search: false });
  const tree = new Map<string, Buffer>();
  for (const file of await listFiles(outDir)) tree.set(file, await readFile(path.join(outDir, file)));
  return tree;
}

describe('parse pool', () => {
  it('builds the sample archive byte for byte the same on the main thread, 1 worker and 2 workers', async () => {
    const [inline, one, two] = await Promise.all([buildWith(0), buildWith(1), buildWith(2)]);
    expect(inline.size).toBeGreaterThan(69);
    expect([...one.keys()]).toEqual([...inline.keys()]);
    expect([...two.keys()]).toEqual([...inline.keys()]);
    for (const [file, bytes] of inline) {
      expect(one.get(file)?.equals(bytes), file).toBe(true);
      expect(two.get(file)?.equals(bytes), file).toBe(true);
    }
  }, 60_000);

  it('parses raw HTML the same on the main thread and on workers, which load its parser only for files that may hold some', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const body = i % 13 === 0 ? `正文${i}，<b>粗体</b><script>alert(${i})</script><span onclick="x()">点</span>。` : `正文${i}，没有标签。`;
      files[`h${i}.md`] = md({ title: `标签${i}`, date: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}` }, body);
    }
    const contentDir = await writeArchive(files);
    const trees = [];
    for (const workers of [0, 2]) {
      const outDir = path.join(path.dirname(contentDir), `dist-${workers}`);
      await build({ contentDir, outDir, now: NOW, workers, search: false });
      const tree = new Map<string, string>();
      for (const file of await listFiles(outDir)) tree.set(file, await readFile(path.join(outDir, file), 'utf8'));
      trees.push(tree);
    }
    const page = trees[0]!.get('2026/10/h13/index.html')!;
    expect(page).toContain('正文13，<b>粗体</b>');
    expect(page).not.toMatch(/alert\(13\)|onclick/);
    expect([...trees[1]!]).toEqual([...trees[0]!]);
  }, 60_000);

  it('records every article’s related-link tokens, the same on workers as on the main thread', async () => {
    const config = await loadConfig(SAMPLE, {}, new Diagnostics());
    const sources = await loadSources(SAMPLE);
    const articles = async (workers: number) => (await parseAll(sources, config, { workers, displayPath: (file) => file })).articles;
    const [inline, two] = await Promise.all([articles(0), articles(2)]);
    expect(inline.length).toBeGreaterThan(0);
    // Recorded from the text, which is then let go.
    const fromText = new Map(sources.map((source) => {
      const article = parseArticle(source, config, source.path).article;
      return [article?.slug, article && recordTerms(article)] as const;
    }));
    expect(inline.every((a) => a.terms !== undefined && a.text === '' && a.terms === fromText.get(a.slug))).toBe(true);
    expect(two.map((a) => [a.slug, a.terms])).toEqual(inline.map((a) => [a.slug, a.terms]));
  }, 60_000);

  it('finishes articles (token records, digests) the same on the finishing thread as on the main thread', async () => {
    const config = await loadConfig(SAMPLE, {}, new Diagnostics());
    const parse = async (finishingThread: boolean) => parseAll(await loadSources(SAMPLE), config, { workers: 0, displayPath: (file) => file, finishingThread });
    const [{ results: here, finishedOnThread: none }, { results: there, finishedOnThread }] = await Promise.all([parse(false), parse(true)]);
    const finished = here.flatMap((result) => (result.article ? [result.article] : []));
    expect([none, finishedOnThread]).toEqual([0, finished.length]);
    expect(finished.length).toBeGreaterThan(60);
    expect(finished.every((a) => a.terms !== undefined && a.text === '' && /^[A-Za-z0-9+/]{43}=$/.test(a.digest ?? ''))).toBe(true);
    expect(there).toEqual(here);
  }, 60_000);

  it('finishes on the main thread whatever a finishing thread that stops did not', async () => {
    const config = await loadConfig(SAMPLE, {}, new Diagnostics());
    const sources = await loadSources(SAMPLE);
    const expected = (await parseAll(sources, config, { workers: 0, displayPath: (file) => file, finishingThread: false })).articles;
    for (const answeredFirst of [false, true]) {
      const thread = new FinishingThread();
      const articles = sources.flatMap((source) => parseArticle(source, config, source.path).article ?? []);
      expect(articles.length).toBeGreaterThan(64);
      // One full batch goes out; then the thread stops before its first reply, or after it.
      for (const article of articles.slice(0, 64)) thread.add(article);
      if (answeredFirst) await vi.waitFor(() => expect(thread.finished).toBe(64), { timeout: 20_000 });
      thread.close();
      for (const article of articles.slice(64)) thread.add(article);
      const onThread = await thread.finish();
      expect(onThread).toBe(answeredFirst ? 64 : 0);
      expect(articles).toEqual(expected);
    }
  }, 60_000);

  it('lets each source’s bytes go once parsed or sent to a worker, when asked, with the same articles', async () => {
    const config = await loadConfig(SAMPLE, {}, new Diagnostics());
    const kept = await loadSources(SAMPLE);
    const expected = (await parseAll(kept, config, { workers: 0, displayPath: (file) => file })).articles;
    expect(kept.every((source) => source.bytes.length > 0)).toBe(true);
    for (const workers of [0, 2]) {
      const sources = await loadSources(SAMPLE);
      const { articles } = await parseAll(sources, config, { workers, displayPath: (file) => file, releaseBytes: true });
      expect(articles).toEqual(expected);
      expect(sources.every((source) => source.bytes === NO_BYTES), `${workers} workers`).toBe(true);
    }
  }, 60_000);

  it('reports the same problems in the same order with and without workers', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const n = String(i).padStart(2, '0');
      files[`2026/11/story-${n}.md`] =
        i % 7 === 3 ? md({ title: `第${n}篇`, date: '2026-02-30' })
        : i % 7 === 5 ? md({ title: `第${n}篇`, date: '2026-11-01', colour: 'red' })
        : i % 11 === 4 ? '---\ntitle: [broken\n---\n'
        : md({ title: `第${n}篇`, date: '2026-11-01' }, `正文 ${n}。`);
    }
    const contentDir = await writeArchive(files);
    const problems = async (workers: number) => {
      const error = await build({ contentDir, outDir: path.join(contentDir, '..', `dist-${workers}`), now: NOW, workers, search: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContentErrors);
      return (error as ContentErrors).diagnostics;
    };
    const inline = await problems(0);
    expect(inline.length).toBeGreaterThan(8);
    expect(await problems(2)).toEqual(inline);
    expect(await problems(3)).toEqual(inline);
  }, 60_000);

  it('stays on the main thread for small archives unless told otherwise', () => {
    expect(defaultWorkerCount(MIN_BYTES_FOR_WORKERS - 1, {})).toBe(0);
    expect(defaultWorkerCount(MIN_BYTES_FOR_WORKERS, {})).toBeGreaterThan(0);
    expect(defaultWorkerCount(10, { BROADSHEET_WORKERS: '2' })).toBe(2);
    expect(defaultWorkerCount(10_000, { BROADSHEET_WORKERS: '0' })).toBe(0);
  });
});

// Reading the content folder: a build that remembers what it read last time reads
// again only what may have changed, and never trusts time stamps it cannot trust.
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../src/build.ts';
import { displayPathFrom, knownFromCheck, loadSources, sourcesCheckFor, sourcesUnchanged, statAll, type KnownFile, type SourcesWalk } from '../src/load.ts';
import { BuildCache } from '../src/cache.ts';
import { md, NOW, writeArchive } from './helpers.ts';

const LONG_AGO = new Date('2026-01-01T00:00:00Z');
/** Past load.ts's RACY_MS: files changed longer ago than this may be remembered. */
const PAST_RACY_WINDOW_MS = 2100;

describe('loading sources', { timeout: 30_000 }, () => {
  it('names files as path.relative does, from any working folder', () => {
    const folders = ['/site', '/site/content', '/site/content/2024', '/site/content/2024/03', '/other', '/', '/site/contents', '/site/con'];
    const files = ['a.md', '2024/03/x.md', '2024/x y.md', 'data/pageviews.csv', '.hidden/a.md', 'a/./b.md', 'a/../b.md', '../up.md', 'a//b.md', '/abs.md', 'a/', '..', '.', '...md', 'a/..b/c.md', 'content/a.md'];
    let compared = 0;
    for (const cwd of folders) {
      for (const contentDir of folders) {
        const shown = displayPathFrom(cwd, contentDir);
        for (const file of files) {
          expect(shown(file), `${cwd} ${contentDir} ${file}`).toBe(path.relative(cwd, path.join(contentDir, file)) || file);
          compared++;
        }
      }
    }
    expect(compared).toBe(folders.length * folders.length * files.length);
  });

  it('stats files synchronously while they come fast, and concurrently on a slow file system, with the same result', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`s/${i}.md`] = md({ title: `文${i}`, date: '2026-11-01' }, '正文。'.repeat(i));
    const contentDir = await writeArchive(files);
    const paths = Object.keys(files).map((name) => path.join(contentDir, name));
    // Per file: size, mtimeMs, ctimeMs, ino.
    const expected = Float64Array.from(paths.flatMap((file) => statSync(file)).flatMap(({ size, mtimeMs, ctimeMs, ino }) => [size, mtimeMs, ctimeMs, ino]));
    // Any threshold: all synchronous; none met: the 64 sampled, then the rest concurrently.
    expect(await statAll(paths, Infinity)).toEqual(expected);
    expect(await statAll(paths, -1)).toEqual(expected);
    expect(await statAll([], -1)).toEqual(new Float64Array(0));
    await expect(statAll([path.join(contentDir, 'gone.md')])).rejects.toThrow(/ENOENT/);
  });

  it('reads files synchronously while they come fast, and concurrently on a slow file system, with the same result', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`r/${String(i).padStart(3, '0')}.md`] = md({ title: `文${i}`, date: '2026-11-01' }, '正文。'.repeat(i));
    const contentDir = await writeArchive(files);
    const shape = (sources: Awaited<ReturnType<typeof loadSources>>) => sources.map(({ path: file, bytes, hash }) => ({ file, text: bytes.toString('utf8'), hash }));
    const expected = Object.entries(files).map(([file, text]) => ({ file, text }));
    // Any threshold: all synchronous; none met: the 64 sampled, then the rest concurrently.
    const quick = shape(await loadSources(contentDir, undefined, Infinity));
    const slow = shape(await loadSources(contentDir, undefined, -1));
    expect(quick.map(({ file, text }) => ({ file, text }))).toEqual(expected);
    expect(slow).toEqual(quick);
    expect(new Set(quick.map((source) => source.hash)).size).toBe(150);
  });

  it('reads a remembered file again only when its size, time stamps or inode changed', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: '甲', date: '2026-11-01' }), 'b.md': md({ title: '乙', date: '2026-11-02' }), 'c.md': md({ title: '丙', date: '2026-11-03' }) });
    const known = new Map<string, KnownFile>();
    const read = async () => (await loadSources(contentDir, known)).filter((s) => s.bytes.length > 0).map((s) => s.path);
    // Just written: too recent to remember (a second edit in the same tick would keep the stamps).
    expect(await read()).toEqual(['a.md', 'b.md', 'c.md']);
    expect(known.size).toBe(0);
    for (const name of ['a.md', 'b.md', 'c.md']) await utimes(path.join(contentDir, name), LONG_AGO, LONG_AGO);
    await sleep(PAST_RACY_WINDOW_MS);
    expect(await read()).toEqual(['a.md', 'b.md', 'c.md']);
    expect(known.size).toBe(3);
    expect(await read()).toEqual([]);
    // Same size, modification time put back as it was: the change time still gives it away.
    const bPath = path.join(contentDir, 'b.md');
    await writeFile(bPath, md({ title: '丁', date: '2026-11-02' }));
    await utimes(bPath, LONG_AGO, LONG_AGO);
    expect(statSync(bPath).mtimeMs).toBe(known.get('b.md')!.mtimeMs);
    expect(statSync(bPath).size).toBe(known.get('b.md')!.size);
    const sources = await loadSources(contentDir, known);
    expect(sources.filter((s) => s.bytes.length > 0).map((s) => s.path)).toEqual(['b.md']);
    expect(sources.find((s) => s.path === 'b.md')!.bytes.toString()).toContain('丁');
    // Changed that recently, it is not remembered: the next walk reads it again.
    expect(known.has('b.md')).toBe(false);
    expect(await read()).toEqual(['b.md']);
  });

  it('gives each source the absolute path path.join gives, however the content folder is spelled', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: '甲', date: '2026-11-01' }), '2026/11/b c.md': md({ title: '乙', date: '2026-11-02' }) });
    const spellings = [contentDir, `${contentDir}/`, `${contentDir}//`, path.join(contentDir, '..', path.basename(contentDir)) + '/.', path.relative(process.cwd(), contentDir)];
    for (const spelling of spellings) {
      const sources = await loadSources(spelling);
      expect(sources.map((s) => s.absolutePath), spelling).toEqual(sources.map((s) => path.join(spelling, s.path)));
      expect(sources.map((s) => s.path)).toEqual(['2026/11/b c.md', 'a.md']);
    }
  });

  it('keeps what it knew of each file in the quick check: the record made back from it is the one it was made from', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: '甲', date: '2026-11-01' }), 'sub/b.md': md({ title: '乙', date: '2026-11-02' }), 'c.md': md({ title: '丙', date: '2026-11-03' }), 'data/pageviews.csv': 'path,date,views\n' });
    for (const name of ['a.md', 'sub/b.md']) await utimes(path.join(contentDir, name), LONG_AGO, LONG_AGO);
    await sleep(PAST_RACY_WINDOW_MS);
    // c.md is edited now: too new to trust, so unknown, and the check is unsure of it.
    await writeFile(path.join(contentDir, 'c.md'), md({ title: '丁', date: '2026-11-03' }));
    const known = new Map<string, KnownFile>();
    const sources = await loadSources(contentDir, known);
    known.set('data/pageviews.csv', { size: 17, mtimeMs: 1, ctimeMs: 2, ino: 3, hash: 'f'.repeat(64) });
    expect([...known.keys()].sort()).toEqual(['a.md', 'data/pageviews.csv', 'sub/b.md']);
    const check = sourcesCheckFor(contentDir, sources, known, 'digest', 'inputs')!;
    expect(check.unsure.has('c.md')).toBe(true);
    expect(knownFromCheck(check)).toEqual(known);
    // A check that is not whole gives no record.
    expect(knownFromCheck({ ...check, hashes: 'one' })).toBeUndefined();
    expect(knownFromCheck({ ...check, stats: check.stats.subarray(4) })).toBeUndefined();
    // And a build with the cache, whose record is kept this way, reads again only the
    // file whose stat changed and the one the record is unsure of (c.md: a build that
    // finds nothing changed reads it again each time rather than rewrite the record).
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    expect((await build(options)).filesRead).toBe(3);
    await writeFile(path.join(contentDir, 'a.md'), md({ title: '甲改', date: '2026-11-01' }));
    const edited = await build(options);
    expect(edited.filesRead).toBe(2);
    expect(edited.filesParsed).toBe(1);
  });

  it('takes the walk of a quick check that failed: the files, stats and reads of walking anew', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: '甲', date: '2026-11-01' }), 'b.md': md({ title: '乙', date: '2026-11-02' }), 'c.md': md({ title: '丙', date: '2026-11-03' }) });
    for (const name of ['a.md', 'b.md', 'c.md']) await utimes(path.join(contentDir, name), LONG_AGO, LONG_AGO);
    await sleep(PAST_RACY_WINDOW_MS);
    const known = new Map<string, KnownFile>();
    const first = await loadSources(contentDir, known);
    const check = sourcesCheckFor(contentDir, first, known, 'digest', 'inputs')!;
    expect(await sourcesUnchanged(contentDir, check)).toBe(0);
    const shape = (sources: Awaited<ReturnType<typeof loadSources>>) => sources.map(({ path: file, hash, bytes }) => ({ file, hash, bytes: bytes.toString() }));
    /** A failed check's walk, taken by loadSources, against walking anew: the same files, hashes and reads. */
    const compare = async () => {
      let walked: SourcesWalk | undefined;
      expect(await sourcesUnchanged(contentDir, check, (walk) => (walked = walk))).toBeUndefined();
      expect(walked).toBeDefined();
      const taken = shape(await loadSources(contentDir, new Map(known), undefined, walked));
      expect(taken).toEqual(shape(await loadSources(contentDir, new Map(known))));
      return { walked: walked!, taken };
    };
    // An edit of the same size (the stat gives it away): the walk comes with its stats.
    await writeFile(path.join(contentDir, 'b.md'), md({ title: '丁', date: '2026-11-02' }));
    const edited = await compare();
    expect(edited.walked.stats?.length).toBe(3 * 4);
    expect(edited.taken.find((s) => s.file === 'b.md')!.bytes).toContain('丁');
    // A new file: the paths differ, so the check stops before any stat.
    await writeFile(path.join(contentDir, 'd.md'), md({ title: '戊', date: '2026-11-04' }));
    const added = await compare();
    expect(added.walked.relativePaths).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    expect(added.walked.stats).toBeUndefined();
    expect(added.taken.map((s) => s.file)).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    // The load takes the walk as it is (it does not walk again): a walk that lists fewer
    // files gives fewer sources, and one from another folder is not taken.
    const partial = { ...added.walked, relativePaths: ['a.md', 'd.md'], absolutePaths: ['a.md', 'd.md'].map((name) => path.join(contentDir, name)) };
    expect((await loadSources(contentDir, new Map(known), undefined, partial)).map((s) => s.path)).toEqual(['a.md', 'd.md']);
    expect((await loadSources(contentDir, new Map(known), undefined, { ...partial, contentDir: `${contentDir}-other` })).map((s) => s.path)).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
  });

  it('remembers files that became old enough to trust in a build that found nothing changed', async () => {
    const contentDir = await writeArchive({ 'n0.md': md({ title: '新', date: '2026-11-01' }), 'n1.md': md({ title: '近', date: '2026-11-02' }), 'data/pageviews.csv': 'path,date,views\n/2026/11/n0/,2026-11-20,5\n' });
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    // Written just now: read, but too fresh to remember.
    expect((await build(options)).filesRead).toBe(2);
    await sleep(PAST_RACY_WINDOW_MS);
    const unchanged = await build(options);
    expect([unchanged.unchanged, unchanged.filesRead]).toEqual([true, 2]);
    // That build had nothing to write, but it remembered them.
    const next = await build(options);
    expect([next.unchanged, next.filesRead]).toEqual([true, 0]);
    // The page-view export too: touched now, it is read by the next builds until old enough.
    const csv = path.join(contentDir, 'data/pageviews.csv');
    const remembered = () => BuildCache.open(options.cacheDir, 'any parse key', options.outDir).previous.sources?.known.has('data/pageviews.csv');
    expect(remembered()).toBe(true);
    await utimes(csv, new Date(), new Date());
    await build(options);
    expect(remembered()).toBe(false);
    await sleep(PAST_RACY_WINDOW_MS);
    expect((await build(options)).unchanged).toBe(true);
    expect(remembered()).toBe(true);
  });

  it('lets a CLI build with the cache skip reading unchanged files, and still see an edit that keeps size and time', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`k${i}.md`] = md({ title: `缓存${i}`, date: `2026-11-0${i + 1}` }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    await sleep(PAST_RACY_WINDOW_MS);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    expect((await build(options)).filesRead).toBe(4);
    const again = await build(options);
    expect(again.unchanged).toBe(true);
    expect(again.filesRead).toBe(0);
    const k1 = path.join(contentDir, 'k1.md');
    await writeFile(k1, files['k1.md']!.replace('正文1。', '更改1。'));
    await utimes(k1, LONG_AGO, LONG_AGO);
    const warm = await build(options);
    expect(warm.unchanged).toBeFalsy();
    expect([warm.filesRead, warm.filesParsed]).toEqual([1, 1]);
    expect(await readFile(path.join(root, 'dist/2026/11/k1/index.html'), 'utf8')).toContain('更改1。');
    // Without the cache every file is read.
    expect((await build({ ...options, cache: false, outDir: path.join(root, 'dist2') })).filesRead).toBe(4);
  });
});

// Incremental builds: after any sequence of edits, additions, deletions and renames,
// a build that uses the cache writes exactly what a clean build writes.
import { cp, readdir, readFile, rm, rename, symlink, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { build, createSession } from '../src/build.ts';
import { BuildCache, CHECKSUMS, type CachedParse } from '../src/cache.ts';
import type { ContentErrors } from '../src/errors.ts';
import { BUILTIN_TEMPLATES } from '../src/render/template-files.ts';
import { random as seededRandom } from './bench/files.ts';
import { listFiles, md, NOW, tempDir, writeArchive } from './helpers.ts';

/** A seeded generator, so a failing sequence can be replayed. */
function random(seed: number) {
  const next = seededRandom(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}

const CATEGORIES = ['银行', '证券', '宏观', '科技'];
const TAGS = ['招商银行', '年报', '降准', 'AI', '券商', '芯片', '消费金融'];
const WORDS = ['净利润增长', '零售贷款', '央行降准', '芯片出口', '券商业绩', '消费信贷', '资本市场', '利率下行'];

function articleText(rng: ReturnType<typeof random>, n: number): string {
  const day = 1 + rng.int(26);
  const tags = [...new Set([rng.pick(TAGS), rng.pick(TAGS)])];
  const extra: Record<string, string> = {};
  if (rng.next() < 0.2) extra['headline'] = 'true';
  if (rng.next() < 0.15) extra['pick'] = 'true';
  if (rng.next() < 0.1) extra['draft'] = 'true';
  if (rng.next() < 0.1) extra['aliases'] = `[/old/${n}-${rng.int(1000)}.html]`;
  const body = Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => rng.pick(WORDS)).join('，') + '。').join('\n\n');
  return md({ title: `${rng.pick(WORDS)}${rng.pick(WORDS)}第${n}号`, date: `2026-11-${String(day).padStart(2, '0')}T0${rng.int(10)}:00:00+08:00`, category: rng.pick(CATEGORIES), tags: JSON.stringify(tags), ...extra }, body);
}

/**
 * `count` articles `${prefix}0.md`... titled `${title}0`..., dated 2026-11-01 on (or by
 * `date`), with `extra` files, and the options of cached builds into root/dist and
 * root/cache.
 */
async function cachedArchive(prefix: string, title: string, count: number, extra: Record<string, string> = {}, date = (i: number) => `2026-11-0${i + 1}`) {
  const files: Record<string, string> = { ...extra };
  for (let i = 0; i < count; i++) files[`${prefix}${i}.md`] = md({ title: `${title}${i}`, date: date(i) }, `正文${i}。`);
  const contentDir = await writeArchive(files);
  const root = path.dirname(contentDir);
  const cacheDir = path.join(root, 'cache');
  return { contentDir, root, cacheDir, options: { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir } };
}

/** Every file with its text, and every folder (as "name/": an update must not leave empty ones behind). */
async function treeOf(dir: string): Promise<Map<string, string>> {
  const files = await listFiles(dir);
  const folders = new Set(files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`)));
  const all = await readdir(dir, { recursive: true, withFileTypes: true });
  const empty = all.filter((e) => e.isDirectory()).map((e) => `${path.relative(dir, path.join(e.parentPath, e.name))}/`).filter((f) => !folders.has(f));
  const entries = await Promise.all(files.map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const));
  return new Map([...entries, ...empty.sort().map((f) => [f, '(empty folder)'] as const)]);
}

describe('incremental builds', { timeout: 180_000 }, () => {
  // A build cache (new Article objects every build) and a dev session (which keeps
  // articles, their views and their related-link term counts between builds).
  it.each(['a build cache', 'a dev session'] as const)('match a clean build byte for byte after a seeded random sequence of changes, with %s', async (kind) => {
    const session = kind === 'a dev session' ? createSession() : undefined;
    const rng = random(20261127);
    // Short side lists, most of the time: with a dozen articles, full ones would show
    // nearly every article on every page, and any change would re-render every page
    // whether or not the build tracked what each page shows.
    const shortLists = 'lists: {mostRead: 1, trending: 1, headlines: 1, recommended: 1, latest: 1, related: 2}\n';
    const files: Record<string, string> = { 'site.yaml': `pageSize: 3\n${shortLists}feedContent: full\n` };
    let counter = 0;
    for (; counter < 12; counter++) files[`a${counter}.md`] = articleText(rng, counter);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const cacheDir = path.join(root, 'cache');
    const incremental = path.join(root, 'incremental');
    const names = () => Object.keys(files).filter((f) => f.endsWith('.md'));
    const log: string[] = [];

    for (let step = 0; step < 40; step++) {
      const action = rng.int(7);
      if (action <= 1 || names().length < 4) {
        const name = rng.pick(names());
        if (rng.next() < 0.5) {
          files[name] = articleText(rng, counter++);
          log.push(`edit ${name}`);
        } else {
          // A later paragraph only: the page, full-text feeds and related scores change;
          // title, date, tags and the summary (the first paragraph) do not.
          files[name] = files[name]!.replace(/(\n---\n\n[^\n]*\n)[\s\S]*$/, `$1\n${rng.pick(['资本市场', '利率下行', '芯片出口'])}改写了正文${counter++}。\n`);
          log.push(`edit body of ${name}`);
        }
      } else if (action === 2) {
        const name = `a${counter}.md`;
        files[name] = articleText(rng, counter++);
        log.push(`add ${name}`);
      } else if (action === 3) {
        const name = rng.pick(names());
        delete files[name];
        await rm(path.join(contentDir, name));
        log.push(`delete ${name}`);
      } else if (action === 4) {
        const name = rng.pick(names());
        const renamed = `moved/r${counter++}.md`;
        files[renamed] = files[name]!;
        delete files[name];
        await mkdir(path.join(contentDir, 'moved'), { recursive: true });
        await rename(path.join(contentDir, name), path.join(contentDir, renamed));
        log.push(`rename ${name} -> ${renamed}`);
      } else if (action === 5) {
        files['site.yaml'] = `pageSize: ${2 + rng.int(3)}\n${rng.next() < 0.5 ? 'language: en\n' : ''}${rng.next() < 0.8 ? shortLists : ''}${rng.next() < 0.8 ? 'feedContent: full\n' : ''}${rng.next() < 0.3 ? 'feedSize: 3\n' : ''}`;
        log.push(`config ${JSON.stringify(files['site.yaml'])}`);
      } else {
        log.push('no change');
      }
      await writeArchive(files, root);
      const clean = path.join(root, `clean-${step}`);
      const now = NOW + rng.int(3) * 3_600_000;
      let actual: Map<string, string>;
      let expected: Map<string, string>;
      let warm;
      if (session) {
        const pagesOf = (result: Awaited<ReturnType<typeof build>>) => new Map(result.pages!.map((page) => [page.path, typeof page.content === 'string' ? page.content : page.content.toString('base64')]));
        warm = await build({ contentDir, outDir: '', now, search: false, write: false, session });
        actual = pagesOf(warm);
        expected = pagesOf(await build({ contentDir, outDir: '', now, search: false, write: false }));
      } else {
        warm = await build({ contentDir, outDir: incremental, now, search: false, cache: true, cacheDir });
        await build({ contentDir, outDir: clean, now, search: false });
        [actual, expected] = await Promise.all([treeOf(incremental), treeOf(clean)]);
      }
      expect([...actual.keys()], log.join('; ')).toEqual([...expected.keys()]);
      for (const [file, content] of expected) expect(actual.get(file), `${file} after ${log.join('; ')}`).toBe(content);
      if (step > 0 && log.at(-1) === 'no change' && warm.unchanged === false) expect(warm.pagesReused).toBeGreaterThan(0);
      await rm(clean, { recursive: true, force: true });
    }
  });

  it('keeps the page keys an edit cannot reach and makes the others, matching a clean build (seeded)', async () => {
    // The build time and settings stay put, so that most steps may keep keys; in every
    // other step each kept key is made anyway and compared (BROADSHEET_CHECK_PAGE_PLAN),
    // and every step's site is compared with a clean build's.
    const rng = random(20261129);
    const lists = 'lists: {mostRead: 2, trending: 1, headlines: 2, recommended: 1, latest: 2, related: 3}\n';
    const files: Record<string, string> = { 'site.yaml': `pageSize: 4\n${lists}feedContent: full\nfeedSize: 3\n` };
    const frontmatter = new Map<string, Record<string, string>>();
    const bodies = new Map<string, string>();
    const write = (name: string) => {
      files[name] = md(frontmatter.get(name)!, bodies.get(name)!);
    };
    const body = () => Array.from({ length: 3 }, () => Array.from({ length: 5 }, () => rng.pick(WORDS)).join('，') + '。').join('\n\n');
    const fresh = (n: number): Record<string, string> => ({
      title: `${rng.pick(WORDS)}第${n}号`,
      date: `2026-10-${String(1 + rng.int(28)).padStart(2, '0')}T0${rng.int(10)}:00:00+08:00`,
      category: rng.pick(CATEGORIES),
      tags: JSON.stringify([...new Set([rng.pick(TAGS), rng.pick(TAGS)])]),
      ...(rng.next() < 0.3 ? { authors: JSON.stringify([rng.pick(['王芳', '李明', 'Jane Doe'])]) } : {}),
    });
    let counter = 0;
    for (; counter < 40; counter++) {
      frontmatter.set(`p${counter}.md`, fresh(counter));
      bodies.set(`p${counter}.md`, body());
      write(`p${counter}.md`);
    }
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    const previousCheck = process.env.BROADSHEET_CHECK_PAGE_PLAN;
    process.env.BROADSHEET_CHECK_PAGE_PLAN = '1';
    try {
      await build(options);
      const log: string[] = [];
      let stepsKeeping = 0;
      for (let step = 0; step < 30; step++) {
        const action = rng.int(11);
        // The newest article is in the side column of every page (latest, and most read by recency).
        const newest = [...frontmatter.keys()].reduce((a, b) => (frontmatter.get(b)!.date! > frontmatter.get(a)!.date! ? b : a));
        const name = action === 9 ? newest : rng.pick([...frontmatter.keys()]);
        const fields = frontmatter.get(name)!;
        if (action <= 3) {
          // A later paragraph: the page, full-text feeds and related scores change.
          bodies.set(name, bodies.get(name)!.replace(/[^\n]*$/, `${rng.pick(WORDS)}改写了正文${counter++}。`));
          log.push(`body of ${name}`);
        } else if (action <= 5 || action === 9) {
          fields.title = `${rng.pick(WORDS)}改了标题${counter++}`;
          log.push(`title of ${name}`);
        } else if (action === 6) {
          fields.tags = JSON.stringify([rng.pick(TAGS)]);
          log.push(`tags of ${name}`);
        } else if (action === 7) {
          fields.date = `2026-10-${String(1 + rng.int(28)).padStart(2, '0')}T05:00:00+08:00`;
          log.push(`date of ${name}`);
        } else if (action === 8) {
          fields.related = rng.next() < 0.5 ? 'false' : `[${[...frontmatter.keys()].filter((other) => other !== name).slice(0, 1).map((other) => other.replace(/\.md$/, '')).join(', ')}]`;
          log.push(`related of ${name}: ${fields.related}`);
        } else {
          const added = `p${counter++}.md`;
          frontmatter.set(added, fresh(counter));
          bodies.set(added, body());
          write(added);
          log.push(`add ${added}`);
        }
        write(name);
        await writeArchive(files, root);
        // Every other step takes kept pages unmade, as a build does; the others make them and check their keys.
        process.env.BROADSHEET_CHECK_PAGE_PLAN = step % 2 === 0 ? '1' : '0';
        const warm = await build(options);
        if ((warm.pageKeys?.kept ?? 0) > 0) stepsKeeping++;
        const clean = path.join(root, `clean-${step}`);
        await build({ ...options, cache: false, outDir: clean });
        const [actual, expected] = await Promise.all([treeOf(options.outDir), treeOf(clean)]);
        expect([...actual.keys()], log.join('; ')).toEqual([...expected.keys()]);
        for (const [file, content] of expected) expect(actual.get(file), `${file} after ${log.join('; ')}`).toBe(content);
        await rm(clean, { recursive: true, force: true });
      }
      // Body and title edits of articles no list shows are most steps: most must keep keys.
      expect(stepsKeeping).toBeGreaterThanOrEqual(10);
    } finally {
      if (previousCheck === undefined) delete process.env.BROADSHEET_CHECK_PAGE_PLAN;
      else process.env.BROADSHEET_CHECK_PAGE_PLAN = previousCheck;
    }
  });

  it('skips Markdown for unchanged files and re-renders only the pages whose data changed', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`s${i}.md`] = md({ title: `文章${i}`, date: `2026-11-0${i + 1}`, category: i % 2 ? '银行' : '证券', summary: `摘要${i}` }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    const cold = await build(options);
    expect(cold.pagesReused).toBe(0);
    const again = await build(options);
    expect(again.unchanged).toBe(true);
    expect(cold.filesParsed).toBe(6);
    const before = await treeOf(options.outDir);
    // A body edit changes the article's page and, through related-link scores, maybe
    // the order of other pages' related lists; listings show only title and summary.
    await writeFile(path.join(contentDir, 's0.md'), md({ title: '文章0', date: '2026-11-01', category: '证券', summary: '摘要0' }, '正文0，改过了。'));
    const warm = await build(options);
    expect(warm.filesParsed).toBe(1);
    const after = await treeOf(options.outDir);
    // The site marker lists page sizes, so it changes with them; it is not a page.
    const changed = [...after.keys()].filter((file) => file !== '.broadsheet-site' && before.get(file) !== after.get(file));
    expect(changed).toContain('2026/11/s0/index.html');
    expect(changed.every((file) => /^2026\/11\/s\d\/index\.html$/.test(file))).toBe(true);
    // Exactly the pages whose bytes changed were rendered again; the rest were linked.
    expect(warm.pageCount - warm.pagesReused).toBe(changed.length);
    expect(await readFile(path.join(root, 'dist/2026/11/s0/index.html'), 'utf8')).toContain('正文0，改过了。');
    expect(existsSync(path.join(root, 'cache'))).toBe(true);
  });

  it('re-renders the pages whose side column shows a retitled article, and only those', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`s${i}.md`] = md({ title: `文章${i}`, date: `2026-11-0${i + 1}`, category: '银行', headline: i === 5 ? 'true' : 'false' }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    await build(options);
    const before = await treeOf(options.outDir);
    // s5 is the only headline: every other page lists it in its side column.
    await writeFile(path.join(contentDir, 's5.md'), md({ title: '文章5改了标题', date: '2026-11-06', category: '银行', headline: 'true' }, '正文5。'));
    const warm = await build(options);
    const after = await treeOf(options.outDir);
    const changed = [...after.keys()].filter((file) => file !== '.broadsheet-site' && before.get(file) !== after.get(file));
    for (let i = 0; i < 5; i++) expect(changed).toContain(`2026/11/s${i}/index.html`);
    expect(/<ul data-list="headlines">[\s\S]*?<\/ul>/.exec(after.get('2026/11/s0/index.html')!)?.[0]).toContain('文章5改了标题');
    expect(warm.pageCount - warm.pagesReused).toBe(changed.length);
  });


  it('re-renders the neighbours whose previous/next links show a retitled article when no list shows it', async () => {
    // No side lists, no related links: only the older/newer links of the same section
    // show another article's title, so the pages' dependency keys must name them.
    const files: Record<string, string> = { 'site.yaml': 'lists: {mostRead: 0, trending: 0, headlines: 0, recommended: 0, latest: 0, related: 0}\n' };
    for (let i = 0; i < 5; i++) files[`s${i}.md`] = md({ title: `文章${i}`, date: `2026-11-0${i + 1}`, category: '银行', related: 'false' }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    await build(options);
    const before = await treeOf(options.outDir);
    files['s2.md'] = md({ title: '文章2改了标题', date: '2026-11-03', category: '银行', related: 'false' }, '正文2。');
    await writeArchive(files, root);
    const warm = await build(options);
    const after = await treeOf(options.outDir);
    const changed = [...after.keys()].filter((file) => file !== '.broadsheet-site' && before.get(file) !== after.get(file));
    for (const neighbour of ['s1', 's3']) {
      expect(changed).toContain(`2026/11/${neighbour}/index.html`);
      expect(after.get(`2026/11/${neighbour}/index.html`)).toContain('文章2改了标题');
    }
    expect(changed).not.toContain('2026/11/s0/index.html');
    expect(warm.pageCount - warm.pagesReused).toBe(changed.length);
    const clean = path.join(root, 'clean');
    await build({ ...options, cache: false, outDir: clean });
    expect(after).toEqual(await treeOf(clean));
  });
  it('re-renders every templated page when a template changes', async () => {
    const contentDir = await writeArchive({ 'x.md': md({ title: '模板', date: '2026-11-01' }), 'y.md': md({ title: '模板二', date: '2026-11-02' }) });
    const root = path.dirname(contentDir);
    const templatesDir = path.join(root, 'templates');
    await cp(BUILTIN_TEMPLATES, templatesDir, { recursive: true });
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache'), templatesDir };
    await build(options);
    const layout = path.join(templatesDir, 'layout.eta');
    await writeFile(layout, (await readFile(layout, 'utf8')).replace('<body>', '<body class="changed">'));
    const warm = await build(options);
    expect(warm.unchanged).toBe(false);
    expect(await readFile(path.join(root, 'dist/2026/11/x/index.html'), 'utf8')).toContain('<body class="changed">');
    expect(await readFile(path.join(root, 'dist/index.html'), 'utf8')).toContain('<body class="changed">');
    expect(warm.filesParsed).toBe(0);
  });

  it('re-renders when a template that is a link to a file elsewhere changes', async () => {
    const contentDir = await writeArchive({ 'x.md': md({ title: '链接', date: '2026-11-01' }) });
    const root = path.dirname(contentDir);
    const templatesDir = path.join(root, 'templates');
    await cp(BUILTIN_TEMPLATES, templatesDir, { recursive: true });
    const shared = path.join(root, 'shared-layout.eta');
    await rename(path.join(templatesDir, 'layout.eta'), shared);
    await symlink(shared, path.join(templatesDir, 'layout.eta'));
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache'), templatesDir };
    await build(options);
    await writeFile(shared, (await readFile(shared, 'utf8')).replace('<body>', '<body class="linked">'));
    const warm = await build(options);
    expect(warm.unchanged).toBe(false);
    expect(await readFile(path.join(root, 'dist/2026/11/x/index.html'), 'utf8')).toContain('<body class="linked">');
  });

  it('does not trust its records after another build replaced the site', async () => {
    const contentDir = await writeArchive({ 'live.md': md({ title: '已发布', date: '2026-11-01' }), 'draft.md': md({ title: '草稿', date: '2026-11-02', draft: 'true' }) });
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cacheDir: path.join(root, 'cache') };
    await build({ ...options, cache: true });
    await build({ ...options, cache: false, drafts: true });
    const again = await build({ ...options, cache: true });
    expect(again.unchanged).toBe(false);
    expect(existsSync(path.join(root, 'dist/2026/11/draft/index.html'))).toBe(false);
    const clean = path.join(root, 'clean');
    await build({ ...options, outDir: clean });
    expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
  });

  it.each(['without the cache', 'with another cache folder'] as const)('does not trust its records after a build %s wrote a site of the same page sizes', async (other) => {
    const body = (word: string) => md({ title: '同长', date: '2026-11-01' }, `正文${word}。`);
    const contentDir = await writeArchive({ 'same.md': body('甲'), 'other.md': md({ title: '另一篇', date: '2026-11-02' }, '正文。') });
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    await build(options);
    // 乙 takes the bytes 甲 took: every page keeps its size.
    await writeFile(path.join(contentDir, 'same.md'), body('乙'));
    await build(other === 'without the cache' ? { ...options, cache: false } : { ...options, cacheDir: path.join(root, 'other-cache') });
    expect(await readFile(path.join(root, 'dist/2026/11/same/index.html'), 'utf8')).toContain('正文乙。');
    await writeFile(path.join(contentDir, 'same.md'), body('甲'));
    const again = await build(options);
    expect(again.unchanged).toBe(false);
    expect(await readFile(path.join(root, 'dist/2026/11/same/index.html'), 'utf8')).toContain('正文甲。');
    const clean = path.join(root, 'clean');
    await build({ ...options, outDir: clean, cache: false });
    expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
  });

  it('updates the site in place: unchanged pages keep their files, removed ones leave no empty folders', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`k${i}.md`] = md({ title: `保留${i}`, date: `2026-11-0${i + 1}`, category: '银行' }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    await build(options);
    const untouched = path.join(options.outDir, 'assets/favicon.svg');
    const inodeBefore = (await stat(untouched)).ino;
    await rm(path.join(contentDir, 'k4.md'));
    await writeFile(path.join(contentDir, 'k0.md'), md({ title: '保留0', date: '2026-11-01', category: '银行' }, '正文0，改过了。'));
    const warm = await build(options);
    expect(warm.pagesReused).toBeGreaterThan(0);
    // Not rewritten, not even re-linked: the very same file.
    expect((await stat(untouched)).ino).toBe(inodeBefore);
    expect(existsSync(path.join(options.outDir, '2026/11/k4'))).toBe(false);
    expect((await readdir(root)).filter((name) => name.startsWith('.dist.'))).toEqual([]);
    const clean = path.join(root, 'clean');
    await build({ ...options, outDir: clean, cache: false });
    expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
  });

  it('rebuilds the whole site after an update that was cut short', async () => {
    const contentDir = await writeArchive({ 'p.md': md({ title: '中断', date: '2026-11-01' }), 'q.md': md({ title: '中断二', date: '2026-11-02' }) });
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    await build(options);
    // What a build killed between its renames leaves: a marker no record matches, a stale page.
    await writeFile(path.join(options.outDir, '.broadsheet-site'), 'Broadsheet site (update in progress)\n');
    await writeFile(path.join(options.outDir, '2026/11/q/index.html'), 'half-updated');
    await writeFile(path.join(contentDir, 'p.md'), md({ title: '中断', date: '2026-11-01' }, '新的正文。'));
    const again = await build(options);
    expect(again.pagesReused).toBe(0);
    const clean = path.join(root, 'clean');
    await build({ ...options, outDir: clean, cache: false });
    expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
  });

  it('stages the whole site when an update would turn a page into a folder, and when search is turned on or off', async () => {
    const contentDir = await writeArchive({ 'f.md': md({ title: '别名', date: '2026-11-01', aliases: '[/old/story.html]' }), 'g.md': md({ title: '别名二', date: '2026-11-02' }) });
    const root = path.dirname(contentDir);
    let search = false;
    const options = () => ({ contentDir, outDir: path.join(root, 'dist'), now: NOW, search, cache: true, cacheDir: path.join(root, 'cache') });
    let cleanBuilds = 0;
    const clean = async () => {
      const dir = path.join(root, `clean-${cleanBuilds++}`);
      await build({ ...options(), outDir: dir, cache: false });
      return treeOf(dir);
    };
    const dist = options().outDir;
    await build(options());
    // The file old/story.html becomes the folder of old/story.html/more/index.html.
    await writeFile(path.join(contentDir, 'f.md'), md({ title: '别名', date: '2026-11-01', aliases: '[/old/story.html/more/]' }));
    await build(options());
    expect(existsSync(path.join(dist, 'old/story.html/more/index.html'))).toBe(true);
    expect(await treeOf(dist)).toEqual(await clean());
    // And back: the folder becomes a file again.
    await writeFile(path.join(contentDir, 'f.md'), md({ title: '别名', date: '2026-11-01', aliases: '[/old/story.html]' }));
    await build(options());
    expect(await treeOf(dist)).toEqual(await clean());
    search = true;
    await build(options());
    expect(existsSync(path.join(dist, 'pagefind/pagefind-entry.json'))).toBe(true);
    expect(await treeOf(dist)).toEqual(await clean());
    await writeFile(path.join(contentDir, 'g.md'), md({ title: '别名二', date: '2026-11-02' }, '改过了。'));
    const searchedAgain = await build(options());
    expect(searchedAgain.pagesReused).toBeGreaterThan(0);
    expect(await treeOf(dist)).toEqual(await clean());
    search = false;
    await build(options());
    expect(existsSync(path.join(dist, 'pagefind'))).toBe(false);
    expect(await treeOf(dist)).toEqual(await clean());
  });

  it('ends a build early when no input changed, repeating the warnings of the last one', async () => {
    const contentDir = await writeArchive({ 'w.md': md({ title: '警告', date: '2026-11-01', colour: 'red' }), 'v.md': md({ title: '无警告', date: '2026-11-02' }) });
    const root = path.dirname(contentDir);
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir: path.join(root, 'cache') };
    const first = await build(options);
    expect(first.diagnostics.map((d) => d.code)).toEqual(['frontmatter/unknown-field']);
    const again = await build(options);
    expect(again.unchanged).toBe(true);
    expect(again.timings.map((t) => t.stage)).not.toContain('parse');
    expect(again.diagnostics).toEqual(first.diagnostics);
    expect(again.articleCount).toBe(2);
    expect(again.pageCount).toBe(first.pageCount);
    // A new build time is a new input: rankings and "today" depend on it.
    const later = await build({ ...options, now: NOW + 86_400_000 });
    expect(later.unchanged).toBe(false);
  });

  it('parses everything again when the cache file is cut short or is not a cache', async () => {
    const { contentDir, root, cacheDir, options } = await cachedArchive('c', '缓存', 5);
    await build(options);
    const articlesFile = path.join(cacheDir, (await readdir(cacheDir)).find((name) => name.startsWith('articles-'))!);
    const bytes = await readFile(articlesFile);
    for (const damaged of [bytes.subarray(0, Math.floor(bytes.length / 2)), Buffer.from('not a cache at all')]) {
      await writeFile(articlesFile, damaged);
      await writeFile(path.join(contentDir, 'c0.md'), md({ title: '缓存0', date: '2026-11-01' }, `正文0，${damaged.length}。`));
      const again = await build(options);
      expect(again.filesParsed).toBe(5);
      const clean = path.join(root, `clean-${damaged.length}`);
      await build({ ...options, outDir: clean, cache: false });
      expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
    }
  });

  it('keeps the zone offsets it asked Intl about, adds new hours, and ignores a damaged file', async () => {
    const { contentDir, root, cacheDir, options } = await cachedArchive('z', '时区', 3, {}, (i) => `2026-11-0${i + 1}T0${i}:30:00+08:00`);
    const zonesFile = path.join(cacheDir, 'zones.v8');
    const keptHours = async () => {
      const { value } = deserialize(await readFile(zonesFile)) as { value: Float64Array };
      return new Set(Array.from({ length: value.length / 2 }, (_, i) => value[2 * i]!));
    };
    await build(options);
    const hourOf = (iso: string) => Math.floor(Date.parse(iso) / 3_600_000);
    expect(await keptHours()).toContain(hourOf('2026-11-02T01:30:00+08:00'));
    // An article in an hour no build has met (in this process, the offsets' only other home).
    await writeFile(path.join(contentDir, 'z9.md'), md({ title: '时区9', date: '1999-12-31T23:59:00+08:00' }, '正文9。'));
    await build(options);
    expect(await keptHours()).toContain(hourOf('1999-12-31T23:59:00+08:00'));
    for (const damaged of [(await readFile(zonesFile)).subarray(0, 40), Buffer.from('not a cache at all')]) {
      await writeFile(zonesFile, damaged);
      await writeFile(path.join(contentDir, 'z0.md'), md({ title: '时区0', date: '2026-11-01T00:30:00+08:00' }, `正文0，${damaged.length}。`));
      await build(options);
      const clean = path.join(root, `clean-${damaged.length}`);
      await build({ ...options, outDir: clean, cache: false });
      expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
    }
  });

  it('in a dev session, keeps the page-view table until the export, an article path or the day changes', async () => {
    const files: Record<string, string> = { 'data/pageviews.csv': 'path,date,views\n/2026/11/v0/,2026-11-26,50\n/2026/11/v1/,2026-11-26,10\n/gone/,2026-11-26,90\n' };
    for (let i = 0; i < 3; i++) files[`v${i}.md`] = md({ title: `阅读${i}`, date: `2026-11-0${i + 1}` }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    // Past the 2-second window the export's stat is trusted, as source files' are (load.ts).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const session = createSession();
    const options = { contentDir, outDir: path.join(path.dirname(contentDir), 'unused'), now: NOW, search: false, write: false, session };
    const mostRead = (result: Awaited<ReturnType<typeof build>>) => {
      const html = result.pages!.find((p) => p.path === 'index.html')!.content as string;
      return [.../<ol class="ranked" data-list="most-read">([\s\S]*?)<\/ol>/.exec(html)![1]!.matchAll(/href="\/2026\/11\/(v\d)\/"/g)].map((m) => m[1]);
    };
    const unknown = (result: Awaited<ReturnType<typeof build>>) => result.diagnostics.filter((d) => d.code === 'pageviews/unknown-path');
    const first = await build(options);
    const read = session.pageViews;
    expect(read?.table).toBeDefined();
    expect(mostRead(first)).toEqual(['v0', 'v1']);
    expect(unknown(first)).toHaveLength(1);
    // A body edit keeps every path: the table is kept, and its warnings are repeated.
    await writeFile(path.join(contentDir, 'v2.md'), md({ title: '阅读2', date: '2026-11-03' }, '正文2，改了。'));
    const second = await build(options);
    expect(session.pageViews).toBe(read);
    expect(unknown(second)).toEqual(unknown(first));
    expect(mostRead(second)).toEqual(['v0', 'v1']);
    // A new alias makes the same export resolve differently: /gone/ is now v1's.
    await writeFile(path.join(contentDir, 'v1.md'), md({ title: '阅读1', date: '2026-11-02', aliases: '[/gone/]' }, '正文1。'));
    const third = await build(options);
    expect(session.pageViews).not.toBe(read);
    expect(mostRead(third)).toEqual(['v1', 'v0']);
    expect(unknown(third)).toEqual([]);
    // So does a later day, when the oldest day the rankings look at moves on.
    const before = session.pageViews;
    await build(options);
    expect(session.pageViews).toBe(before);
    await build({ ...options, now: NOW + 86_400_000 });
    expect(session.pageViews).not.toBe(before);
    // And a new export.
    await writeFile(path.join(contentDir, 'data/pageviews.csv'), 'path,date,views\n/2026/11/v0/,2026-11-26,5\n/2026/11/v1/,2026-11-26,10\n/2026/11/v2/,2026-11-26,20\n');
    expect(mostRead(await build(options))).toEqual(['v2', 'v1', 'v0']);
  });

  /** `count` articles t0.md... of seeded text, built with a cache; where the term counts are kept. */
  async function termsArchive(rng: ReturnType<typeof random>, count: number) {
    const files: Record<string, string> = {};
    for (let i = 0; i < count; i++) files[`t${i}.md`] = articleText(rng, i);
    const contentDir = await writeArchive(files);
    const root = path.dirname(contentDir);
    const cacheDir = path.join(root, 'cache');
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir };
    return { contentDir, root, options, termsFile: path.join(cacheDir, 'terms.v8') };
  }

  it('keeps related-link term counts between runs, and counts anew from a damaged or foreign file', async () => {
    const rng = random(5);
    const { contentDir, root, options, termsFile } = await termsArchive(rng, 12);
    const sameAsClean = async (label: string) => {
      const clean = path.join(root, `clean-${label}`);
      await build({ ...options, outDir: clean, cache: false });
      expect(await treeOf(options.outDir), label).toEqual(await treeOf(clean));
    };
    await build(options);
    expect(existsSync(termsFile)).toBe(true);
    const edits = [
      ['kept', async () => {}],
      ['cut short', async () => writeFile(termsFile, (await readFile(termsFile)).subarray(0, 1000))],
      ['not a cache', async () => writeFile(termsFile, 'not a cache at all')],
    ] as const;
    for (const [label, damage] of edits) {
      await damage();
      await writeFile(path.join(contentDir, 't3.md'), `${articleText(rng, 3)}\n利率下行（${label}）\n`);
      await build(options);
      await sameAsClean(label.replace(/ /g, '-'));
    }
    // A file that still deserializes, with one term id changed (to another term's) under
    // the checksum of what was written: refused, so every list is computed from counts
    // made anew.
    const bytes = await readFile(termsFile);
    const body = CHECKSUMS ? bytes.subarray(4) : bytes;
    const stored = deserialize(body) as { value: { ids: Int32Array } };
    stored.value.ids[0] = stored.value.ids[0]! === 0 ? 1 : 0;
    const damaged = CHECKSUMS ? Buffer.concat([bytes.subarray(0, 4), serialize(stored)]) : serialize(stored);
    await writeFile(termsFile, damaged);
    await writeFile(path.join(contentDir, 't3.md'), `${articleText(rng, 3)}\n利率下行（一个词）\n`);
    await build(options);
    // Counted anew from nothing kept, the memo is written again (a memo that was used, with
    // one article counted anew, would not be).
    if (CHECKSUMS) expect((await readFile(termsFile)).equals(damaged)).toBe(false);
    await sameAsClean('a-term-changed');
  });

  it('writes the term counts again only when enough of them were counted anew', async () => {
    const rng = random(7);
    const { contentDir, options, termsFile } = await termsArchive(rng, 20);
    await build(options);
    const first = (await stat(termsFile)).mtimeMs;
    // One article of 20 counted anew (1/20 <= 1/16): counting it again next time is cheaper than writing.
    await writeFile(path.join(contentDir, 't3.md'), `${articleText(rng, 3)}\n改了一处。\n`);
    await build(options);
    expect((await stat(termsFile)).mtimeMs).toBe(first);
    // Two of 20 (2/20 > 1/16): written.
    await writeFile(path.join(contentDir, 't4.md'), `${articleText(rng, 4)}\n改了一处。\n`);
    await writeFile(path.join(contentDir, 't5.md'), `${articleText(rng, 5)}\n改了一处。\n`);
    await build(options);
    const third = (await stat(termsFile)).mtimeMs;
    expect(third).not.toBe(first);
    // Three of 20 gone (size < 0.9 of what was kept): written.
    for (const name of ['t10.md', 't11.md', 't12.md']) await rm(path.join(contentDir, name));
    await build(options);
    expect((await stat(termsFile)).mtimeMs).not.toBe(third);
  });

  it('keeps the slugs of names between runs: a new name adds its own, output as a clean build', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`s${i}.md`] = md({ title: `名字${i}`, date: `2026-11-0${i + 1}`, category: '宏观经济', tags: '[降准, 券商]' }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const root = path.dirname(contentDir);
    const cacheDir = path.join(root, 'cache');
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir };
    const slugsFile = path.join(cacheDir, 'slugs.v8');
    await build(options);
    const written = (await stat(slugsFile)).mtimeMs;
    // Known names only: the file is not written again.
    await writeFile(path.join(contentDir, 's1.md'), md({ title: '名字1', date: '2026-11-02', category: '宏观经济', tags: '[降准, 券商]' }, '正文1，改了。'));
    await build(options);
    expect((await stat(slugsFile)).mtimeMs).toBe(written);
    // A new tag is slugged and kept.
    await writeFile(path.join(contentDir, 's2.md'), md({ title: '名字2', date: '2026-11-03', category: '宏观经济', tags: '[降准, 消费金融]' }, '正文2。'));
    await build(options);
    expect((await stat(slugsFile)).mtimeMs).not.toBe(written);
    expect(existsSync(path.join(options.outDir, 'tags/xiao-fei-jin-rong/index.html'))).toBe(true);
    const clean = path.join(root, 'clean');
    await build({ ...options, outDir: clean, cache: false });
    expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
  });

  it('ranks the same with the page-view export read on a thread of its own or on the calling thread', async () => {
    const rng = random(9);
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`p${i}.md`] = articleText(rng, i);
    const contentDir = await writeArchive(files);
    const built = await build({ contentDir, outDir: path.join(path.dirname(contentDir), 'probe'), now: NOW, search: false, write: false });
    const rows = built.site!.articles.flatMap((a, i) => [`${a.url},2026-11-26,${(i * 37) % 101}`, `${a.url},2026-11-25,${(i * 53) % 89}`, '/gone/,2026-11-26,5']);
    await mkdir(path.join(contentDir, 'data'), { recursive: true });
    await writeFile(path.join(contentDir, 'data', 'pageviews.csv'), `path,date,views\n${rows.join('\n')}\n`);
    const root = path.dirname(contentDir);
    const options = { contentDir, now: NOW, search: false };
    const onThread = await build({ ...options, outDir: path.join(root, 'thread'), pageViewsThread: true });
    const here = await build({ ...options, outDir: path.join(root, 'here'), pageViewsThread: false });
    // The thread's reading time is listed once known, after the related links.
    expect(onThread.timings.map((t) => t.stage)).toContain('pageviews-thread');
    expect(here.timings.map((t) => t.stage)).not.toContain('pageviews-thread');
    expect(onThread.diagnostics).toEqual(here.diagnostics);
    expect(onThread.diagnostics.some((d) => d.code === 'pageviews/unknown-path')).toBe(true);
    expect(await treeOf(path.join(root, 'thread'))).toEqual(await treeOf(path.join(root, 'here')));
  });

  it('keeps the page-view table in the cache between runs until the export or an article path changes', async () => {
    const files: Record<string, string> = { 'data/pageviews.csv': 'path,date,views\n/2026/11/v0/,2026-11-26,50\n/2026/11/v1/,2026-11-26,10\n/gone/,2026-11-26,90\n' };
    for (let i = 0; i < 3; i++) files[`v${i}.md`] = md({ title: `阅读${i}`, date: `2026-11-0${i + 1}` }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const root = path.dirname(contentDir);
    const cacheDir = path.join(root, 'cache');
    const options = { contentDir, outDir: path.join(root, 'unused'), now: NOW, search: false, write: false, cache: true, cacheDir };
    const kept = path.join(cacheDir, 'pageviews.v8');
    const mostRead = (result: Awaited<ReturnType<typeof build>>) => {
      const html = result.pages!.find((p) => p.path === 'index.html')!.content as string;
      return [.../<ol class="ranked" data-list="most-read">([\s\S]*?)<\/ol>/.exec(html)![1]!.matchAll(/href="\/2026\/11\/(v\d)\/"/g)].map((m) => m[1]);
    };
    const unknown = (result: Awaited<ReturnType<typeof build>>) => result.diagnostics.filter((d) => d.code === 'pageviews/unknown-path');
    const first = await build(options);
    expect(mostRead(first)).toEqual(['v0', 'v1']);
    expect(unknown(first)).toHaveLength(1);
    const written = (await stat(kept)).mtimeMs;
    // A body edit keeps every path: the kept table is used, not written again, and its warnings are repeated.
    await writeFile(path.join(contentDir, 'v2.md'), md({ title: '阅读2', date: '2026-11-03' }, '正文2，改了。'));
    const second = await build(options);
    expect((await stat(kept)).mtimeMs).toBe(written);
    expect(unknown(second)).toEqual(unknown(first));
    expect(mostRead(second)).toEqual(['v0', 'v1']);
    // A new alias makes the same export resolve differently: /gone/ is now v1's.
    await writeFile(path.join(contentDir, 'v1.md'), md({ title: '阅读1', date: '2026-11-02', aliases: '[/gone/]' }, '正文1。'));
    const third = await build(options);
    expect(mostRead(third)).toEqual(['v1', 'v0']);
    expect(unknown(third)).toEqual([]);
    // And a new export, as a build without the cache reads it.
    await writeFile(path.join(contentDir, 'data/pageviews.csv'), 'path,date,views\n/2026/11/v0/,2026-11-26,5\n/2026/11/v1/,2026-11-26,10\n/2026/11/v2/,2026-11-26,20\n');
    expect(mostRead(await build(options))).toEqual(['v2', 'v1', 'v0']);
    expect(mostRead(await build({ ...options, cache: false }))).toEqual(['v2', 'v1', 'v0']);
  });

  it('keeps the ranking lists while nothing they are computed from changes, and computes them again when anything does', async () => {
    const views = (counts: number[]) => `path,date,views\n${counts.map((count, i) => `/2026/11/k${i}/,2026-11-26,${count}`).join('\n')}\n`;
    const files: Record<string, string> = { 'data/pageviews.csv': views([50, 10, 30]) };
    for (let i = 0; i < 3; i++) files[`k${i}.md`] = md({ title: `排行${i}`, date: `2026-11-0${i + 1}`, category: '银行' }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const root = path.dirname(contentDir);
    const cacheDir = path.join(root, 'cache');
    const options = { contentDir, outDir: path.join(root, 'dist'), now: NOW, search: false, cache: true, cacheDir };
    const kept = path.join(cacheDir, 'rankings.v8');
    let cleanBuilds = 0;
    const sameAsClean = async (now = NOW) => {
      const clean = path.join(root, `clean-${cleanBuilds++}`);
      await build({ ...options, now, cache: false, outDir: clean });
      expect(await treeOf(options.outDir)).toEqual(await treeOf(clean));
    };
    const mostRead = async () => [...(await readFile(path.join(options.outDir, 'index.html'), 'utf8')).match(/<ol class="ranked" data-list="most-read">([\s\S]*?)<\/ol>/)![1]!.matchAll(/href="\/2026\/11\/(k\d)\/"/g)].map((m) => m[1]);
    await build(options);
    expect(await mostRead()).toEqual(['k0', 'k2', 'k1']);
    const written = (await stat(kept)).mtimeMs;
    // A body edit moves no article: the kept lists are used, not written again.
    await writeFile(path.join(contentDir, 'k2.md'), md({ title: '排行2', date: '2026-11-03', category: '银行' }, '正文2，改了。'));
    await build(options);
    expect((await stat(kept)).mtimeMs).toBe(written);
    await sameAsClean();
    // A new export, a new date, a new build time: computed again each time.
    await writeFile(path.join(contentDir, 'data/pageviews.csv'), views([5, 10, 30]));
    await build(options);
    expect(await mostRead()).toEqual(['k2', 'k1', 'k0']);
    await sameAsClean();
    await writeFile(path.join(contentDir, 'k0.md'), md({ title: '排行0', date: '2026-11-26', category: '银行' }, '正文0。'));
    await build(options);
    await sameAsClean();
    await build({ ...options, now: NOW + 86_400_000 });
    await sameAsClean(NOW + 86_400_000);
    // A damaged file is not trusted.
    await writeFile(kept, 'not a cache file');
    await writeFile(path.join(contentDir, 'k1.md'), md({ title: '排行1', date: '2026-11-02', category: '银行' }, '正文1，改了。'));
    await build(options);
    await sameAsClean();
  });

  it('tells a no-change build by the paths and stats alone, and falls back to reading when any input differs', async () => {
    const { contentDir, options } = await cachedArchive('q', '快速', 3, { 'data/pageviews.csv': 'path,date,views\n/2026/11/q0/,2026-11-26,5\n' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    const quick = await build(options);
    expect([quick.unchanged, quick.filesRead, quick.timings.map((t) => t.stage)]).toEqual([true, 0, ['config', 'load']]);
    // The export changed (same size): the quick check gives way, the export is read, the lists follow it.
    await writeFile(path.join(contentDir, 'data/pageviews.csv'), 'path,date,views\n/2026/11/q1/,2026-11-26,5\n');
    const views = await build(options);
    expect(views.unchanged).toBe(false);
    expect(views.timings.map((t) => t.stage)).toContain('load (quick check)');
    const html = await readFile(path.join(options.outDir, 'index.html'), 'utf8');
    expect(/data-list="most-read">[\s\S]*?href="\/2026\/11\/(q\d)\/"/.exec(html)![1]).toBe('q1');
    // A new build time, with every file as it was: read the slow way, and built.
    expect((await build({ ...options, now: NOW + 60_000 })).unchanged).toBe(false);
    // A file renamed: other paths.
    await rename(path.join(contentDir, 'q2.md'), path.join(contentDir, 'q9.md'));
    const renamed = await build({ ...options, now: NOW + 60_000 });
    expect(renamed.unchanged).toBe(false);
    expect(existsSync(path.join(options.outDir, '2026/11/q9/index.html'))).toBe(true);
    expect(existsSync(path.join(options.outDir, '2026/11/q2/index.html'))).toBe(false);
  });

  it('finds a collision an edit makes in a warm build, and after a build that failed on one', async () => {
    const { contentDir, options } = await cachedArchive('k', '冲突', 3);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    const codesOf = async () => {
      try {
        await build(options);
        return [];
      } catch (error) {
        return (error as ContentErrors).diagnostics.map((d) => d.code);
      }
    };
    // A body edit claims nothing new: built (the check is skipped, its answer kept).
    await writeFile(path.join(contentDir, 'k1.md'), md({ title: '冲突1', date: '2026-11-02' }, '正文1，改了。'));
    expect(await codesOf()).toEqual([]);
    // Each of these claims something another file or the site holds.
    const claims: [string, string][] = [
      ['slug: k0', 'site/duplicate-slug'],
      ['slug: K0', 'site/duplicate-slug'],
      // The same page for a host that folds case: no file of the site is written twice.
      ['aliases: [/2026/11/K0/]', 'site/path-collision'],
      ['aliases: [/feed.xml]', 'site/reserved-path'],
    ];
    const write = (field: string, body: string) => writeFile(path.join(contentDir, 'k1.md'), `---\ntitle: 冲突1\ndate: 2026-11-02\n${field}\n---\n\n${body}\n`);
    for (const [field, code] of claims) {
      // From a site built without it: the last successful build's parse, which the store
      // holds, claims nothing of it.
      await write('', `正文1，${field}之前。`);
      expect(await codesOf(), field).toEqual([]);
      await write(field, '正文1。');
      expect(await codesOf(), field).toContain(code);
      // Again, the file unchanged since the build that failed (whose parse the store kept);
      // and once more with another body, parsed again, claiming what that failed parse did.
      expect(await codesOf(), field).toContain(code);
      await write(field, '正文1，又改了。');
      expect(await codesOf(), field).toContain(code);
    }
    await write('', '正文1。');
    expect(await codesOf()).toEqual([]);
  });

  it('notices a file written to between its stat and its read, and builds and records what it read', async () => {
    const { contentDir, cacheDir, options } = await cachedArchive('w', '竞', 3);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    const original = await readFile(path.join(contentDir, 'w0.md'), 'utf8');
    let edits = 0;
    /**
     * Loses the parsed articles (as a build under other settings does), so that the parse
     * reads every file after the walk stat'ed it; touches another file, so that the walk
     * is the quick check's and that file's bytes are the last build's; and changes the
     * page-view export, so that the build goes on to parse.
     */
    const raceOnce = async (rewrite: string) => {
      for (const name of await readdir(cacheDir)) if (name.startsWith('articles-')) await rm(path.join(cacheDir, name), { force: true });
      const now = new Date();
      await utimes(path.join(contentDir, 'w1.md'), now, now);
      await mkdir(path.join(contentDir, 'data'), { recursive: true });
      await writeFile(path.join(contentDir, 'data/pageviews.csv'), `path,date,views\n/2026/11/w1/,2026-11-26,${++edits}\n`);
      let written = false;
      return build({ ...options, onProgress: (stage) => {
        if (stage !== 'parse' || written) return;
        written = true;
        writeFileSync(path.join(contentDir, 'w0.md'), rewrite);
      } });
    };
    // A collision written in then is found, though the files are the last build's.
    const raced = await raceOnce(md({ title: '竞0', date: '2026-11-01', slug: 'W2' }, '正文0。')).then(() => [], (error: ContentErrors) => error.diagnostics.map((d) => d.code));
    expect(raced).toContain('site/duplicate-slug');
    // A body written in then is built, and the build's record is of it: the file changed
    // back afterwards is built again, not taken for the content last recorded. (Aged
    // first, so that the walk trusts its stat and only the parse reads it.)
    await writeFile(path.join(contentDir, 'w0.md'), original);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    await raceOnce(md({ title: '竞0', date: '2026-11-01' }, '正文0，写于构建之中。'));
    expect(await readFile(path.join(options.outDir, '2026/11/w0/index.html'), 'utf8')).toContain('写于构建之中');
    await writeFile(path.join(contentDir, 'w0.md'), original);
    const back = await build(options);
    expect(back.unchanged).toBe(false);
    expect(await readFile(path.join(options.outDir, '2026/11/w0/index.html'), 'utf8')).not.toContain('写于构建之中');
  });

  it('reads a file too new to trust again in each no-change build, without rewriting its record of the sources', async () => {
    const { contentDir, root, cacheDir, options } = await cachedArchive('r', '记录', 3);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    const pagesFile = path.join(cacheDir, (await readdir(cacheDir)).find((name) => name.startsWith('pages-'))!);
    await writeFile(path.join(contentDir, 'r1.md'), md({ title: '记录1', date: '2026-11-02' }, '正文1，改了。'));
    await build(options);
    const afterEdit = (await stat(pagesFile)).mtimeMs;
    // r1 changed under 2 s ago: read again, still not trusted, so nothing new to keep.
    const racy = await build(options);
    expect([racy.unchanged, racy.filesRead]).toEqual([true, 1]);
    expect((await stat(pagesFile)).mtimeMs).toBe(afterEdit);
    // Its content is what counts: changed back and forth within the same second, it is built.
    await writeFile(path.join(contentDir, 'r1.md'), md({ title: '记录1', date: '2026-11-02' }, '正文1，又改了。'));
    const edited = await build(options);
    expect(edited.unchanged).toBe(false);
    expect(await readFile(path.join(options.outDir, '2026/11/r1/index.html'), 'utf8')).toContain('正文1，又改了。');
    // Past 2 s, a build that reads the slow way (another file changed) remembers r1 by its stat.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await writeFile(path.join(contentDir, 'r2.md'), md({ title: '记录2', date: '2026-11-03' }, '正文2，改了。'));
    expect((await build(options)).filesRead).toBe(2);
    const after = await build(options);
    expect([after.unchanged, after.filesRead]).toEqual([true, 1]);
  });

  it('forgets the stat of a file touched without a change, so that the next no-change build checks it by content, quickly', async () => {
    const { contentDir, options } = await cachedArchive('t', '触碰', 3);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await build(options);
    // New time stamps, the same bytes: read again, the same site, and its stat not trusted yet.
    const touchedAt = new Date();
    await utimes(path.join(contentDir, 't1.md'), touchedAt, touchedAt);
    const touched = await build(options);
    expect([touched.unchanged, touched.filesRead]).toEqual([true, 1]);
    // The record kept says so: the next build's quick check hashes the file instead of
    // failing on its stat and walking the slow way.
    const again = await build(options);
    expect([again.unchanged, again.filesRead]).toEqual([true, 1]);
    expect(again.timings.map((t) => t.stage)).not.toContain('load (quick check)');
  });

  it('in a dev session, reads again only files whose size or time stamp changed, and recovers a file it holds no parse for', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`d${i}.md`] = md({ title: `会话${i}`, date: `2026-11-0${i + 1}` }, `正文${i}。`);
    const contentDir = await writeArchive(files);
    // Files changed within 2 s of a read are not trusted by their time stamps (load.ts).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const session = createSession();
    const options = { contentDir, outDir: path.join(path.dirname(contentDir), 'unused'), now: NOW, search: false, write: false, session };
    const first = await build(options);
    expect([first.filesRead, first.filesParsed]).toEqual([4, 4]);
    await writeFile(path.join(contentDir, 'd1.md'), md({ title: '会话1', date: '2026-11-02' }, '正文1，改了。'));
    const second = await build(options);
    expect([second.filesRead, second.filesParsed]).toEqual([1, 1]);
    expect(second.pages!.find((p) => p.path === '2026/11/d1/index.html')!.content).toContain('正文1，改了。');
    // As after a build that failed between reading and parsing: the time stamps are known, the parse is not.
    session.articles.delete('d2.md');
    const third = await build(options);
    expect(third.diagnostics).toEqual([]);
    // d2 for its missing parse; d1 again, as it changed too recently to be remembered.
    expect([third.filesRead, third.filesParsed]).toEqual([2, 1]);
    expect(third.pages!.find((p) => p.path === '2026/11/d2/index.html')!.content).toContain('正文2。');
  });
});

describe('the parsed-article store', () => {
  const entry = (n: number, version = 0): CachedParse => ({
    hash: `h${n}-${version}`,
    displayPath: `content/a${n}.md`,
    // The store keeps whatever parsing returned; a diagnostic is enough to tell versions apart.
    result: { article: undefined, diagnostics: [{ severity: 'warning', file: `a${n}.md`, line: version, code: 'test/version', message: `version ${version}`, hint: 'none' }] },
  });
  const versionOf = (stored: CachedParse | undefined) => stored?.result.diagnostics[0]?.line;

  it('serializes again only the buckets whose entries changed, and reads back every entry', async () => {
    const cacheDir = await tempDir();
    const outDir = path.join(cacheDir, 'dist');
    const open = () => BuildCache.open(cacheDir, 'parse-key', outDir);
    const first = new Map(Array.from({ length: 1000 }, (_, n) => [`a${n}.md`, entry(n)] as const));
    expect(await open().saveArticles(first, 'parse-key')).toEqual({ buckets: 16, serialized: 16, inOverlay: 0 });

    // One edit: that entry's bucket is made again, into the overlay; the other fifteen stay where they are.
    const second = open();
    const entries = new Map(second.previous.articles);
    expect(entries.size).toBe(1000);
    entries.set('a7.md', entry(7, 1));
    expect(await second.saveArticles(entries, 'parse-key')).toEqual({ buckets: 16, serialized: 1, inOverlay: 1 });

    // A removal and an addition, each in its own bucket (or the same one).
    const third = open();
    const read = third.previous.articles;
    expect(read.size).toBe(1000);
    expect(versionOf(read.get('a7.md'))).toBe(1);
    expect(versionOf(read.get('a8.md'))).toBe(0);
    const changed = new Map(read);
    changed.delete('a100.md');
    changed.set('new.md', entry(1000));
    const saved = await third.saveArticles(changed, 'parse-key');
    expect(saved.serialized).toBeGreaterThanOrEqual(1);
    expect(saved.serialized).toBeLessThanOrEqual(2);

    const fourth = open().previous.articles;
    expect([...fourth.keys()].sort()).toEqual([...changed.keys()].sort());
    for (const [sourcePath, stored] of changed) expect(fourth.get(sourcePath)).toEqual(stored);

    // Nothing is copied from a file that is not the one read: here another build replaced
    // it with a valid store of the same layout, whose entries are other versions.
    const fifth = open();
    const again = new Map(fifth.previous.articles);
    const other = open();
    const otherVersions = new Map([...other.previous.articles.keys()].map((sourcePath) => [sourcePath, entry(Number(sourcePath.replace(/\D/g, '')), 9)] as const));
    await other.saveArticles(otherVersions, 'parse-key');
    again.set('a7.md', entry(7, 2));
    expect(await fifth.saveArticles(again, 'parse-key')).toEqual({ buckets: 16, serialized: 16, inOverlay: 0 });
    const sixth = open().previous.articles;
    expect(versionOf(sixth.get('a7.md'))).toBe(2);
    expect(versionOf(sixth.get('a8.md'))).toBe(0);
    expect(sixth.size).toBe(1000);
  });

  it('keeps edits in an overlay until it holds a quarter of the buckets, then writes the store whole; a damaged overlay is ignored', async () => {
    const cacheDir = await tempDir();
    const open = () => BuildCache.open(cacheDir, 'parse-key', path.join(cacheDir, 'dist'));
    let current = new Map<string, CachedParse>(Array.from({ length: 1000 }, (_, n) => [`a${n}.md`, entry(n)] as const));
    await open().saveArticles(current, 'parse-key');
    /** Reads the store back (checking every entry), applies `change`, saves: what the overlay holds then. */
    const editAndSave = async (change: (entries: Map<string, CachedParse>) => void) => {
      const store = open();
      const read = store.previous.articles;
      expect(read.size).toBe(current.size);
      for (const [sourcePath, stored] of current) expect(versionOf(read.get(sourcePath)), sourcePath).toBe(versionOf(stored));
      current = new Map(read);
      change(current);
      return (await store.saveArticles(current, 'parse-key')).inOverlay;
    };
    const overlays: number[] = [];
    for (let step = 1; step <= 12; step++) overlays.push(await editAndSave((entries) => entries.set(`a${step * 37}.md`, entry(step * 37, step))));
    // Grows by the bucket of each edit (two edits may share one), and starts again past four of sixteen.
    expect(overlays[0]).toBe(1);
    expect(overlays).toContain(0);
    expect(Math.max(...overlays)).toBeLessThanOrEqual(4);
    // Saving with nothing changed writes nothing; an edit after a whole write starts an overlay again.
    const storeFile = path.join(cacheDir, (await readdir(cacheDir)).find((name) => /^articles-[0-9a-f]{16}\.v8$/.test(name))!);
    const storeBefore = statSync(storeFile).mtimeMs;
    expect(await editAndSave(() => {})).toBe(overlays.at(-1));
    expect(statSync(storeFile).mtimeMs).toBe(storeBefore);
    expect(await editAndSave((entries) => entries.set('a1.md', entry(1, 99)))).toBeGreaterThanOrEqual(1);
    expect(versionOf(open().previous.articles.get('a1.md'))).toBe(99);
    // A damaged overlay is not read: the store's own entries come back (older ones, whose
    // hashes no longer match their files, so the build parses those files again), whether
    // its header or its body is damaged.
    const overlayBytes = await readFile(`${storeFile}.delta`);
    for (const damaged of [Buffer.from('not an overlay'), overlayBytes.subarray(0, overlayBytes.length - 7)]) {
      await writeFile(`${storeFile}.delta`, damaged);
      const fallback = open().previous.articles;
      expect(fallback.size).toBe(1000);
      expect(versionOf(fallback.get('a1.md'))).toBe(0);
    }
    // An overlay that names another store (this one was written whole since) is not read,
    // and a whole write leaves no overlay behind.
    await writeFile(`${storeFile}.delta`, overlayBytes);
    const whole = open();
    const everything = new Map([...whole.previous.articles].map(([sourcePath, stored]) => [sourcePath, entry(Number(sourcePath.replace(/\D/g, '')), 50)] as const));
    expect((await whole.saveArticles(everything, 'parse-key')).inOverlay).toBe(0);
    expect(existsSync(`${storeFile}.delta`)).toBe(false);
    await writeFile(`${storeFile}.delta`, overlayBytes);
    const afterWhole = open().previous.articles;
    expect(afterWhole.size).toBe(1000);
    expect(versionOf(afterWhole.get('a1.md'))).toBe(50);
  });

  it('removes stores of other settings or versions, files or folders alike', async () => {
    const cacheDir = await tempDir();
    await mkdir(path.join(cacheDir, 'articles-0123456789abcdef', 'inside'), { recursive: true });
    await writeFile(path.join(cacheDir, 'articles-0123456789abcdef', 'inside', 'bucket.v8'), 'old');
    await writeFile(path.join(cacheDir, 'articles-fedcba9876543210.v8'), 'old');
    // Another build's file being written, and a name no store takes: left alone.
    await writeFile(path.join(cacheDir, 'articles-fedcba9876543210.v8.999.tmp'), 'in progress');
    await mkdir(path.join(cacheDir, 'articles-mine'));
    await BuildCache.open(cacheDir, 'parse-key', path.join(cacheDir, 'dist')).saveArticles(new Map([['a.md', entry(1)]]), 'parse-key');
    const left = (await readdir(cacheDir)).filter((name) => name.startsWith('articles-'));
    expect(left.filter((name) => /^articles-[0-9a-f]{16}\.v8$/.test(name))).toHaveLength(1);
    expect(left.filter((name) => !/^articles-[0-9a-f]{16}\.v8$/.test(name)).sort()).toEqual(['articles-fedcba9876543210.v8.999.tmp', 'articles-mine']);
  });

  it('lays out a bigger archive in more buckets, serializing everything once when the count changes', async () => {
    const cacheDir = await tempDir();
    const open = () => BuildCache.open(cacheDir, 'parse-key', path.join(cacheDir, 'dist'));
    const small = new Map(Array.from({ length: 16 * 64 }, (_, n) => [`a${n}.md`, entry(n)] as const));
    expect(await open().saveArticles(small, 'parse-key')).toEqual({ buckets: 16, serialized: 16, inOverlay: 0 });
    const store = open();
    const grown = new Map(store.previous.articles);
    grown.set('extra.md', entry(16 * 64));
    expect(await store.saveArticles(grown, 'parse-key')).toEqual({ buckets: 32, serialized: 32, inOverlay: 0 });
    expect(open().previous.articles.size).toBe(16 * 64 + 1);
  });
});

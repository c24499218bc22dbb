// End to end: fixture archives built into temp folders, HTML read back.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from '../src/render/template-files.ts';
import { buildArchive, listFiles, md, NOW, NOW_ISO, runCli, tempDir, writeArchive } from './helpers.ts';

/** A small archive: two stories on one company, one unrelated, a headline. */
const archive = {
  '2026/11/cmb-results.md': md(
    { title: '招商银行前三季度净利润增长5%', date: '2026-11-25T09:00:00+08:00', category: '银行', tags: '[招商银行, 业绩]', tickers: '["600036.SH"]', headline: 'true', authors: '[李明]', source: '证券时报' },
    '## 业绩概览\n\n招商银行公布前三季度业绩，净利润同比增长5%，零售贷款余额继续增长。\n\n| 指标 | 2025 | 2026 |\n|---|---:|---:|\n| 净利润 | 1,100 | 1,155 |\n',
  ),
  '2026/11/cmb-dividend.md': md(
    { title: '招商银行宣布中期分红方案', date: '2026-11-26T09:00:00+08:00', category: '银行', tags: '[招商银行, 分红]', tickers: '["600036.SH"]' },
    '招商银行宣布中期分红方案，每股派息1.0元，零售贷款与净利润保持增长。',
  ),
  '2026/11/ev-battery.md': md(
    { title: '宁德时代发布新一代钠离子电池', date: '2026-11-24T10:00:00+08:00', category: '科技', tags: '[宁德时代, 电池]', tickers: '["300750.SZ"]' },
    '宁德时代发布新一代钠离子电池，能量密度提升，成本下降。',
  ),
};

/** Article pages under the default permalink: year/month/slug/index.html. */
function articlePages(files: string[]): string[] {
  return files.filter((f) => /^\d{4}\/\d{2}\/[^/]+\/index\.html$/.test(f));
}

describe('build', () => {
  it('builds a folder of bare Markdown files with no config file', async () => {
    const site = await buildArchive({
      'one.md': md({ title: '第一篇', date: '2026-11-20' }, '第一段。'),
      'two.md': md({ title: 'Second', date: '2026-11-21T08:00:00Z' }, 'Body.'),
    });
    expect(articlePages(await site.files())).toEqual(['2026/11/one/index.html', '2026/11/two/index.html']);
    expect(await site.files()).toEqual(expect.arrayContaining(['404.html', 'assets/style.css', 'index.html', 'feed.xml', 'sitemap.xml', 'robots.txt', '2026/index.html', '2026/11/index.html']));
    const html = await site.read('2026/11/one/index.html');
    expect(html).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(html).toContain('<h1>第一篇</h1>');
    expect(html).toContain('<p>第一段。</p>');
    expect(html).toContain('<time datetime="2026-11-20T00:00:00+08:00">2026年11月20日 00:00</time>');
  });

  it('renders every part of an article page: meta, body, table, heading ids, related links and ranking lists', async () => {
    const site = await buildArchive(archive);
    const html = await site.read('2026/11/cmb-results/index.html');
    expect(html).toMatch(/<p class="kicker"><a href="\/categories\/yin-hang\/">银行<\/a><\/p>/);
    expect(html).toMatch(/来源: <a href="\/sources\/zheng-quan-shi-bao\/">证券时报<\/a>/);
    expect(html).toMatch(/作者: <a href="\/authors\/li-ming\/">李明<\/a>/);
    expect(html).toContain('<span class="ticker">600036.SH</span>');
    expect(html).toContain('<h2 id="业绩概览">业绩概览</h2>');
    expect(html).toMatch(/<th align="right">2025<\/th>/);
    expect(html).toContain('<link rel="canonical" href="http://localhost/2026/11/cmb-results/">');
    const related = /<ul data-list="related">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect(related).toContain('href="/2026/11/cmb-dividend/"');
    expect(related).not.toContain('cmb-results');
    expect(html).toContain('您可能也感兴趣');
    expect(html).toMatch(/data-list="latest"/);
  });

  it('leaves the page itself out of every list, and renders no heading for an empty list', async () => {
    const site = await buildArchive({ 'solo.md': md({ title: '唯一一篇', date: '2026-11-26', headline: 'true' }) });
    const html = await site.read('2026/11/solo/index.html');
    expect(html).not.toMatch(/data-list=/);
    for (const label of ['您可能也感兴趣', '今日要闻', '今日热点', '排行', '为您推荐']) expect(html).not.toContain(label);
    expect(html).not.toContain('<aside');
  });

  it('gives each article page its own side column: the page itself left out, its section\'s picks', async () => {
    // Every article is a headline and a pick, so each appears in the others' lists; side
    // columns are made once per distinct set of lists and shared, which must never
    // hand one page another's column.
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`s${i}.md`] = md({ title: `文章${i}号`, date: `2026-11-2${i}`, category: i < 3 ? '银行' : '科技', headline: 'true', pick: 'true' }, `正文${i}。`);
    const site = await buildArchive(files);
    for (let i = 0; i < 5; i++) {
      const html = await site.read(`2026/11/s${i}/index.html`);
      const aside = /<aside[\s\S]*?<\/aside>/.exec(html)?.[0] ?? '';
      expect(aside, `s${i}`).toContain('data-list="headlines"');
      expect(aside, `s${i}`).not.toContain(`/2026/11/s${i}/`);
      for (let j = 0; j < 5; j++) if (j !== i) expect(/<ul data-list="headlines">[\s\S]*?<\/ul>/.exec(aside)?.[0], `s${i} lists s${j}`).toContain(`/2026/11/s${j}/`);
      const recommended = /data-list="recommended">([\s\S]*?)<\/ul>/.exec(aside)?.[1] ?? '';
      for (let j = 0; j < 5; j++) if (j !== i && (j < 3) === (i < 3)) expect(recommended, `s${i} recommends s${j}`).toContain(`/2026/11/s${j}/`);
    }
  });

  it('renders a site\'s own side column for every page, even where it prints the page\'s own data', async () => {
    const templatesDir = path.join(await tempDir(), 'templates');
    await cp(BUILTIN_TEMPLATES, templatesDir, { recursive: true });
    const aside = path.join(templatesDir, 'partials/aside.eta');
    await writeFile(aside, (await readFile(aside, 'utf8')).replace('<aside class="sidebar"', '<p class="aside-for"><%= it.layout.pageTitle %></p><aside class="sidebar"'));
    const files: Record<string, string> = {};
    for (let i = 0; i < 3; i++) files[`p${i}.md`] = md({ title: `页面${i}`, date: `2026-11-2${i}`, headline: 'true' }, `正文${i}。`);
    const site = await buildArchive(files, { templatesDir });
    for (let i = 0; i < 3; i++) expect(await site.read(`2026/11/p${i}/index.html`)).toContain(`<p class="aside-for">页面${i} - `);
    // Listing pages all show the same side column: each still prints its own title.
    const titles = await Promise.all(['index.html', '2026/index.html', '2026/11/index.html'].map(async (file) => /<p class="aside-for">([^<]*)<\/p>/.exec(await site.read(file))?.[1]));
    expect(new Set(titles).size).toBe(3);
  });

  it('reads date-only and offset-less dates in the site time zone', async () => {
    const files = {
      'a.md': md({ title: 'A', date: '2018-03-01' }),
      'b.md': md({ title: 'B', date: '2018-03-01T00:30:00+08:00' }),
      'c.md': md({ title: 'C', date: '2018-03-01 07:00' }),
    };
    const shanghai = await buildArchive(files);
    expect(articlePages(await shanghai.files())).toEqual(['2018/03/a/index.html', '2018/03/b/index.html', '2018/03/c/index.html']);
    const newYork = await buildArchive({ ...files, 'site.yaml': 'timezone: America/New_York\n' });
    expect(articlePages(await newYork.files())).toEqual(['2018/02/b/index.html', '2018/03/a/index.html', '2018/03/c/index.html']);
    expect(await newYork.read('2018/03/c/index.html')).toContain('datetime="2018-03-01T07:00:00-05:00"');
  });

  it('leaves out drafts and future articles unless --drafts', async () => {
    const files = {
      'live.md': md({ title: '已发布', date: '2026-11-20' }),
      'draft.md': md({ title: '草稿', date: '2026-11-20', draft: 'true' }),
      'future.md': md({ title: '明天', date: '2026-11-28T08:00:00+08:00' }),
    };
    const normal = await buildArchive(files);
    expect(articlePages(await normal.files())).toEqual(['2026/11/live/index.html']);
    expect(await normal.read('index.html')).not.toMatch(/草稿|明天/);
    const preview = await buildArchive(files, { drafts: true });
    expect(articlePages(await preview.files())).toEqual(['2026/11/draft/index.html', '2026/11/future/index.html', '2026/11/live/index.html']);
  });

  it('honours the base URL path in every internal link', async () => {
    const site = await buildArchive(archive, { baseUrl: 'https://example.com/archive' });
    for (const file of await site.files()) {
      if (!file.endsWith('.html')) continue;
      const html = await site.read(file);
      const hrefs = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
      for (const href of hrefs) {
        if (href.startsWith('#')) continue;
        expect(href, `${file}: ${href}`).toMatch(/^(\/archive\/|https:\/\/example\.com\/archive\/)/);
      }
    }
    expect(await site.read('2026/11/cmb-results/index.html')).toContain('href="/archive/assets/style.css?v=');
  });

  it('paginates the home page', async () => {
    const files: Record<string, string> = { 'site.yaml': 'pageSize: 2\n' };
    for (let i = 1; i <= 5; i++) files[`a${i}.md`] = md({ title: `文章${i}`, date: `2026-11-0${i}` });
    const site = await buildArchive(files);
    const all = await site.files();
    expect(all.filter((f) => f === 'index.html' || f.startsWith('page/'))).toEqual(['index.html', 'page/2/index.html', 'page/3/index.html']);
    const first = await site.read('index.html');
    expect(first.indexOf('文章5')).toBeLessThan(first.indexOf('文章4'));
    expect(first).not.toContain('文章3</a></h2>');
    expect(first).toContain('<a rel="next" href="/page/2/">下一页</a>');
    const last = await site.read('page/3/index.html');
    expect(last).toContain('<a rel="prev" href="/page/2/">上一页</a>');
    expect(last).not.toContain('rel="next"');
    expect(last).toContain('第 3 页，共 3 页');
  });

  it('switches every label to English by config', async () => {
    const site = await buildArchive({ ...archive, 'site.yaml': 'language: en\ntitle: Finance Archive\n' });
    const html = await site.read('2026/11/cmb-results/index.html');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('You may also like');
    expect(html).toContain('25 Nov 2026 09:00');
    expect(html).not.toMatch(/您可能也感兴趣|今日要闻|排行/);
  });

  it('cuts list titles by display width and keeps the full title in the title attribute', async () => {
    const long = '招商银行信用卡中心发布2026年第三季度消费金融业务发展报告与风险提示';
    const site = await buildArchive({ 'site.yaml': 'listTitleWidth: 20\n', 'a.md': md({ title: long, date: '2026-11-26' }), 'b.md': md({ title: '短', date: '2026-11-25' }) });
    const html = await site.read('2026/11/b/index.html');
    expect(html).toContain(`title="${long}">招商银行信用卡中...</a>`);
  });

  it('follows a custom permalink pattern', async () => {
    const site = await buildArchive({ 'site.yaml': 'permalink: /news/:year/:month/:day/:slug/\n', 'x.md': md({ title: 'X', date: '2026-11-05' }) });
    expect(existsSync(path.join(site.outDir, 'news/2026/11/05/x/index.html'))).toBe(true);
  });

  it('writes redirect pages for aliases, inside the output folder', async () => {
    const site = await buildArchive({ 'x.md': md({ title: '迁移', date: '2026-11-05', aliases: '[/news/2017/12345.html, /old/x/]' }) });
    const redirect = await site.read('news/2017/12345.html');
    expect(redirect).toContain('<meta http-equiv="refresh" content="0; url=http://localhost/2026/11/x/">');
    expect(redirect).toContain('<link rel="canonical" href="http://localhost/2026/11/x/">');
    expect(await site.read('old/x/index.html')).toContain('url=http://localhost/2026/11/x/');
  });

  it('refuses an alias that collides with a real page, naming both files', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }), 'b.md': md({ title: 'B', date: '2026-11-06', aliases: '[/2026/11/a/]' }) });
    const run = await runCli(['build', '--content', contentDir, '--out', path.join(contentDir, '..', 'dist'), '--now', NOW_ISO]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/b\.md: its alias \/2026\/11\/a\/ is also the URL of .*a\.md/);
  });

  it('produces byte-identical output for the same input and build time', async () => {
    const first = await buildArchive(archive);
    const second = await buildArchive(archive);
    const files = await first.files();
    expect(await second.files()).toEqual(files);
    for (const file of files) expect(await second.read(file), file).toBe(await first.read(file));
  });

  it('writes nothing with check, and reports success', async () => {
    const contentDir = await writeArchive(archive);
    const outDir = path.join(path.dirname(contentDir), 'dist');
    const run = await runCli(['check', '--content', contentDir, '--now', NOW_ISO]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Checked 3 articles: no errors/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('explains an article\'s related list with `related <slug>`, and names an unknown slug', async () => {
    const contentDir = await writeArchive(archive);
    const run = await runCli(['related', 'cmb-results', '--content', contentDir, '--now', NOW_ISO]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('招商银行前三季度净利润增长5%  (/2026/11/cmb-results/)');
    expect(lines[1]).toMatch(/^ 1\. \d\.\d{3}  招商银行宣布中期分红方案  \[cmb-dividend\]$/);
    expect(run.stdout).toContain('tickers: 600036.SH');
    expect(run.stdout).toContain('same category');
    const unknown = await runCli(['related', 'no-such-story', '--content', contentDir, '--now', NOW_ISO]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no published article has the slug "no-such-story"');
  });

  it('takes the build time from --now, else SOURCE_DATE_EPOCH', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }), 'b.md': md({ title: 'B', date: '2030-01-01' }) });
    const out1 = path.join(path.dirname(contentDir), 'out1');
    const out2 = path.join(path.dirname(contentDir), 'out2');
    await runCli(['build', '--content', contentDir, '--out', out1], { SOURCE_DATE_EPOCH: String(NOW / 1000) });
    expect(await listFiles(out1)).not.toContain('2030/01/b/index.html');
    await runCli(['build', '--content', contentDir, '--out', out2, '--now', '2030-06-01'], { SOURCE_DATE_EPOCH: String(NOW / 1000) });
    expect(await listFiles(out2)).toContain('2030/01/b/index.html');
  });
});

describe('broadsheet new', () => {
  it('scaffolds an article with a readable pinyin slug that then builds', async () => {
    const root = await tempDir();
    const contentDir = path.join(root, 'content');
    const run = await runCli(['new', '招商银行发布2026年报：净利润增长', '--category', '银行', '--content', contentDir, '--now', NOW_ISO]);
    expect(run.code).toBe(0);
    const file = path.join(contentDir, '2026/11/zhao-shang-yin-hang-fa-bu-2026-nian-bao-jing-li-run-zeng.md');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('title: "招商银行发布2026年报：净利润增长"');
    expect(text).toContain('date: 2026-11-27T12:00:00+08:00');
    expect(text).toContain('category: "银行"');
    const check = await runCli(['build', '--content', contentDir, '--out', path.join(root, 'dist'), '--now', NOW_ISO, '--drafts']);
    expect(check.code).toBe(0);
    expect(existsSync(path.join(root, 'dist/2026/11/zhao-shang-yin-hang-fa-bu-2026-nian-bao-jing-li-run-zeng/index.html'))).toBe(true);
  });

  it('falls back to a dated slug when the title has nothing to read, and honours --slug', async () => {
    const contentDir = path.join(await tempDir(), 'content');
    expect((await runCli(['new', '🚀📈', '--content', contentDir, '--now', NOW_ISO])).code).toBe(0);
    expect(existsSync(path.join(contentDir, '2026/11/article-20261127-1200.md'))).toBe(true);
    expect((await runCli(['new', '标题', '--slug', 'my-slug', '--content', contentDir, '--now', NOW_ISO])).code).toBe(0);
    expect(existsSync(path.join(contentDir, '2026/11/my-slug.md'))).toBe(true);
    expect((await runCli(['new', '标题', '--slug', '../evil', '--content', contentDir, '--now', NOW_ISO])).code).toBe(2);
  });
});

describe('generated pages', () => {
  it('refuses an alias that shadows a generated listing page, naming the article', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05', category: '银行', aliases: '[/2026/11/]' }) });
    const run = await runCli(['build', '--content', contentDir, '--out', path.join(contentDir, '..', 'dist'), '--now', NOW_ISO, '--no-search']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/a\.md: \/2026\/11\/ is also a page the site generates \(2026\/11\/index\.html\)/);
  });

  it('refuses an output folder that would swallow the content or a folder it did not write', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }) });
    const root = path.dirname(contentDir);
    const intoContent = await runCli(['build', '--content', contentDir, '--out', contentDir, '--now', NOW_ISO]);
    expect(intoContent.code).toBe(2);
    expect(intoContent.stderr).toMatch(/refusing to write the site to .*: it holds .*content, which the build reads/);
    const aboveContent = await runCli(['build', '--content', contentDir, '--out', root, '--now', NOW_ISO]);
    expect(aboveContent.code).toBe(2);
    expect(existsSync(path.join(contentDir, 'a.md'))).toBe(true);
    const foreign = path.join(root, 'photos');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'holiday.jpg'), 'not a site');
    const run = await runCli(['build', '--content', contentDir, '--out', foreign, '--now', NOW_ISO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/exists, is not empty and was not written by Broadsheet/);
    expect(await readFile(path.join(foreign, 'holiday.jpg'), 'utf8')).toBe('not a site');
  });
});

describe('reserved paths', () => {
  it('refuses aliases on files and folders the site generates itself', async () => {
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05', aliases: '[/feed.xml, /sitemaps/sitemap-1.xml, /assets/x.html]' }) });
    const run = await runCli(['build', '--content', contentDir, '--out', path.join(contentDir, '..', 'dist'), '--now', NOW_ISO, '--no-search']);
    expect(run.code).toBe(1);
    expect(run.stderr.match(/is a path the site generates itself/g)).toHaveLength(3);
    expect(run.stderr).not.toMatch(/EISDIR|EEXIST/);
  });
});

describe(':category in permalinks', () => {
  it('uses the readable category slug, with no slash or percent-encoding', async () => {
    const site = await buildArchive({ 'site.yaml': 'permalink: /:category/:slug/\n', 'a.md': md({ title: 'A', date: '2026-11-05', category: '银行/保险' }), 'b.md': md({ title: 'B', date: '2026-11-05', category: '..' }), 'c.md': md({ title: 'C', date: '2026-11-05' }) });
    const files = await site.files();
    expect(files).toEqual(expect.arrayContaining(['yin-hang-bao-xian/a/index.html', 'uncategorized/b/index.html', 'uncategorized/c/index.html']));
    expect(await site.read('index.html')).toContain('href="/yin-hang-bao-xian/a/"');
  });
});

describe('static files', () => {
  it('copies content/static/ to the site root, subfolders included', async () => {
    const site = await buildArchive({ 'a.md': md({ title: 'A', date: '2026-11-05', image: '/images/2026/a.jpg' }), 'static/images/2026/a.jpg': Buffer.from([0xff, 0xd8, 0xff]), 'static/files/report.pdf': '%PDF-1.4' });
    expect(await site.files()).toEqual(expect.arrayContaining(['images/2026/a.jpg', 'files/report.pdf']));
    expect(await site.read('files/report.pdf')).toBe('%PDF-1.4');
    expect((await site.files()).some((f) => f.startsWith('static/'))).toBe(false);
  });
});

describe('symbolic links', () => {
  it('follows linked articles and folders, once, without looping', async () => {
    const { symlink } = await import('node:fs/promises');
    const shared = await writeArchive({ 'wire/x.md': md({ title: '通稿', date: '2026-11-05' }) });
    const contentDir = await writeArchive({ 'a.md': md({ title: 'A', date: '2026-11-05' }) });
    await symlink(path.join(shared, 'wire'), path.join(contentDir, 'wire'));
    await symlink(path.join(shared, 'wire', 'x.md'), path.join(contentDir, 'y.md'));
    await symlink(contentDir, path.join(contentDir, 'loop'));
    // A dangling link and a link to itself (ELOOP) are skipped, not fatal.
    await symlink(path.join(contentDir, 'nowhere.md'), path.join(contentDir, 'dangling.md'));
    await symlink(path.join(contentDir, 'self.md'), path.join(contentDir, 'self.md'));
    const run = await runCli(['check', '--content', contentDir, '--now', NOW_ISO]);
    // x.md and y.md are the same text under two slugs: both are read; the loop is not.
    expect(run.stdout).toMatch(/^Checked 3 articles/);
  });
});

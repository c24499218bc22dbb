// Archive navigation and syndication: listing pages, pagination edges, feeds parsed
// back with a real feed parser, sitemaps, SEO tags.
import { XMLParser } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { sitemapPages, SITEMAP_MAX_URLS } from '../src/render/feeds.ts';
import { buildArchive, md } from './helpers.ts';

const archive: Record<string, string> = {
  'site.yaml': 'pageSize: 2\nbaseUrl: https://news.example.com/\ntitle: 测试档案\n',
  'a1.md': md({ title: '银行一', date: '2026-11-20T09:00:00+08:00', category: '银行', tags: '[ＡＩ, 招商银行]', authors: '[李明]', source: '新华社' }, '第一篇。'),
  'a2.md': md({ title: '银行二', date: '2026-11-21T09:00:00+08:00', category: '银行', tags: '[AI]', authors: '[李明, 王芳]', image: '/images/a2.jpg' }, '第二篇。'),
  'a3.md': md({ title: '银行三', date: '2026-11-22T09:00:00+08:00', category: '银行', tags: '[ai]' }, '第三篇。'),
  'b1.md': md({ title: '证券一', date: '2025-03-05T09:00:00+08:00', category: '证券', tags: '[券商]' }, '证券。'),
  'c1.md': md({ title: '草稿栏目', date: '2026-11-20T09:00:00+08:00', category: '保险', draft: 'true' }, '草稿。'),
};

describe('archive pages', () => {
  it('builds a paginated page per category with readable pinyin URLs, and skips categories with nothing published', async () => {
    const site = await buildArchive(archive);
    const files = await site.files();
    expect(files.filter((f) => f.startsWith('categories/'))).toEqual([
      'categories/index.html',
      'categories/yin-hang/atom.xml', 'categories/yin-hang/feed.json', 'categories/yin-hang/feed.xml', 'categories/yin-hang/index.html', 'categories/yin-hang/page/2/index.html',
      'categories/zheng-quan/atom.xml', 'categories/zheng-quan/feed.json', 'categories/zheng-quan/feed.xml', 'categories/zheng-quan/index.html',
    ].sort());
    const first = await site.read('categories/yin-hang/index.html');
    expect(first).toContain('<h1 class="page-heading">银行</h1>');
    expect(first.indexOf('银行三')).toBeLessThan(first.indexOf('银行二'));
    expect(first).toContain('<a rel="next" href="/categories/yin-hang/page/2/">下一页</a>');
    const last = await site.read('categories/yin-hang/page/2/index.html');
    expect(last).toContain('银行一');
    expect(last).not.toContain('rel="next"');
    expect(last).toContain('第 2 页，共 2 页');
    // Exactly one page: no pagination block at all.
    expect(await site.read('categories/zheng-quan/index.html')).not.toContain('class="pagination"');
    expect(await site.read('index.html')).not.toContain('保险');
  });

  it('marks the current section in the header on its pages, and no section elsewhere', async () => {
    const site = await buildArchive(archive);
    const current = async (file: string) => [...(await site.read(file)).matchAll(/<a href="([^"]+)" aria-current="page">/g)].map((m) => m[1]);
    expect(await current('categories/yin-hang/index.html')).toEqual(['/categories/yin-hang/']);
    expect(await current('categories/yin-hang/page/2/index.html')).toEqual(['/categories/yin-hang/']);
    expect(await current('categories/zheng-quan/index.html')).toEqual(['/categories/zheng-quan/']);
    expect(await current('index.html')).toEqual([]);
    expect(await current('2026/11/a1/index.html')).toEqual([]);
    expect(await current('tags/index.html')).toEqual([]);
  });

  it('folds tags written in different case and width into one tag page', async () => {
    const site = await buildArchive(archive);
    const tagPages = (await site.files()).filter((f) => /^tags\/[^/]+\/index\.html$/.test(f));
    expect(tagPages).toEqual(['tags/ai/index.html', 'tags/quan-shang/index.html', 'tags/zhao-shang-yin-hang/index.html']);
    const ai = await site.read('tags/ai/index.html');
    for (const title of ['银行一', '银行二', '银行三']) expect(ai).toContain(title);
    const index = await site.read('tags/index.html');
    expect(index).toMatch(/<a href="\/tags\/ai\/">AI<\/a> <span class="count">3 篇<\/span>/);
    expect(await site.read('categories/index.html')).toMatch(/<a href="\/categories\/yin-hang\/">银行<\/a> <span class="count">3 篇<\/span>[\s\S]*zheng-quan/);
  });

  it('builds author, source, year and month pages', async () => {
    const site = await buildArchive(archive);
    expect(await site.read('authors/li-ming/index.html')).toMatch(/作者: 李明[\s\S]*银行二[\s\S]*银行一/);
    expect(await site.read('sources/xin-hua-she/index.html')).toContain('银行一');
    const year = await site.read('2026/index.html');
    expect(year).toContain('<h1 class="page-heading">2026年</h1>');
    expect(await site.read('2025/03/index.html')).toMatch(/2025年3月[\s\S]*证券一/);
    expect((await site.files()).filter((f) => /^\d{4}(\/\d{2})?\/index\.html$/.test(f))).toEqual(['2025/03/index.html', '2025/index.html', '2026/11/index.html', '2026/index.html']);
  });

  it('links an article to its section, tags and authors, with breadcrumbs and previous/next within the category', async () => {
    const site = await buildArchive(archive);
    const html = await site.read('2026/11/a2/index.html');
    expect(html).toMatch(/<nav class="breadcrumbs"[\s\S]*<a href="\/">首页<\/a>[\s\S]*<a href="\/categories\/yin-hang\/">银行<\/a>/);
    expect(html).toMatch(/上一篇<\/span> <a href="\/2026\/11\/a1\/"/);
    expect(html).toMatch(/下一篇<\/span> <a href="\/2026\/11\/a3\/"/);
    expect(html).toContain('<a class="tag" href="/tags/ai/">AI</a>');
    const oldest = await site.read('2026/11/a1/index.html');
    expect(oldest).not.toContain('上一篇');
  });

  it('carries canonical, Open Graph, Twitter and NewsArticle JSON-LD metadata', async () => {
    const site = await buildArchive(archive);
    const html = await site.read('2026/11/a2/index.html');
    expect(html).toContain('<link rel="canonical" href="https://news.example.com/2026/11/a2/">');
    expect(html).toContain('<meta property="og:type" content="article">');
    expect(html).toContain('<meta property="og:image" content="https://news.example.com/images/a2.jpg">');
    expect(html).toContain('<meta property="article:published_time" content="2026-11-21T09:00:00+08:00">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/.exec(html)![1]!);
    expect(ld).toMatchObject({
      '@type': 'NewsArticle',
      headline: '银行二',
      datePublished: '2026-11-21T09:00:00+08:00',
      dateModified: '2026-11-21T09:00:00+08:00',
      author: [{ '@type': 'Person', name: '李明' }, { '@type': 'Person', name: '王芳' }],
      publisher: { '@type': 'Organization', name: '测试档案' },
      image: ['https://news.example.com/images/a2.jpg'],
    });
  });

  it('marks an English story on a Chinese site with lang="en"', async () => {
    const site = await buildArchive({ 'en.md': md({ title: 'Nvidia beats estimates', date: '2026-11-20' }, 'Revenue rose.') });
    const html = await site.read('2026/11/en/index.html');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toMatch(/<article class="article" lang="en"/);
  });
});

describe('feeds', () => {
  it('writes RSS 2.0, Atom and JSON Feed for the site and each category, readable by a feed parser', async () => {
    const site = await buildArchive(archive);
    const parser = new Parser();
    const rss = await parser.parseString(await site.read('feed.xml'));
    expect(rss.title).toBe('测试档案');
    expect(rss.items.map((i) => i.title)).toEqual(['银行三', '银行二', '银行一', '证券一']);
    expect(rss.items[0]!.link).toBe('https://news.example.com/2026/11/a3/');
    const atom = await parser.parseString(await site.read('atom.xml'));
    expect(atom.items.map((i) => i.link)).toEqual(['https://news.example.com/2026/11/a3/', 'https://news.example.com/2026/11/a2/', 'https://news.example.com/2026/11/a1/', 'https://news.example.com/2025/03/b1/']);
    const json = JSON.parse(await site.read('feed.json'));
    expect(json.version).toBe('https://jsonfeed.org/version/1');
    expect(json.items[0]).toMatchObject({ id: 'https://news.example.com/2026/11/a3/', url: 'https://news.example.com/2026/11/a3/', title: '银行三' });
    const category = await parser.parseString(await site.read('categories/zheng-quan/feed.xml'));
    expect(category.items.map((i) => i.title)).toEqual(['证券一']);
  });

  it('puts whole articles in feeds with feedContent: full, and cuts to feedSize', async () => {
    const site = await buildArchive({ ...archive, 'site.yaml': 'feedContent: full\nfeedSize: 2\n' });
    const rss = await new Parser().parseString(await site.read('feed.xml'));
    expect(rss.items).toHaveLength(2);
    expect(rss.items[0]!['content:encoded'] ?? rss.items[0]!.content).toContain('<p>第三篇。</p>');
    // An older story leads its own section's feed, with its whole text too (a one-shot
    // build lets an article's HTML go after its page unless some feed lists it).
    const section = await new Parser().parseString(await site.read('categories/zheng-quan/feed.xml'));
    expect(section.items[0]!['content:encoded'] ?? section.items[0]!.content).toContain('<p>证券。</p>');
    expect(await site.read('categories/zheng-quan/feed.json')).toContain('证券。');
    // Every article page has its body; afterwards only the bodies some feed carries are held.
    for (const [file, body] of [['2026/11/a1/index.html', '第一篇。'], ['2026/11/a2/index.html', '第二篇。'], ['2026/11/a3/index.html', '第三篇。'], ['2025/03/b1/index.html', '证券。']]) {
      expect(await site.read(file!)).toContain(`<p>${body}</p>`);
    }
    const held = Object.fromEntries(site.result.site!.articles.map((a) => [a.slug, a.html !== '']));
    expect(held).toEqual({ a3: true, a2: true, a1: false, b1: true });
  });
});

describe('sitemaps', () => {
  const xml = new XMLParser();

  it('splits the sitemap at 50,000 URLs under a sitemap index', async () => {
    const entries = Array.from({ length: SITEMAP_MAX_URLS + 1 }, (_, i) => ({ url: `https://news.example.com/a/${i}/`, lastmod: undefined }));
    const pages = [];
    for await (const page of sitemapPages('https://news.example.com/', entries.length, () => entries)) pages.push({ path: page.path, content: 'make' in page ? await page.make() : 'content' in page ? page.content : '' });
    expect(pages.map((p) => p.path)).toEqual(['sitemaps/sitemap-1.xml', 'sitemaps/sitemap-2.xml', 'sitemap.xml']);
    const first = xml.parse(String(pages[0]!.content));
    expect(first.urlset.url).toHaveLength(50_000);
    const second = xml.parse(String(pages[1]!.content));
    expect(second.urlset.url.loc).toBe('https://news.example.com/a/50000/');
    const index = xml.parse(String(pages[2]!.content));
    expect(index.sitemapindex.sitemap.map((s: { loc: string }) => s.loc)).toEqual(['https://news.example.com/sitemaps/sitemap-1.xml', 'https://news.example.com/sitemaps/sitemap-2.xml']);
  });

  it('lists every article in the sitemap and names it in robots.txt', async () => {
    const site = await buildArchive(archive);
    const child = xml.parse(await site.read('sitemaps/sitemap-1.xml'));
    const locs: string[] = child.urlset.url.map((u: { loc: string }) => u.loc);
    expect(locs).toEqual(expect.arrayContaining(['https://news.example.com/', 'https://news.example.com/2026/11/a1/', 'https://news.example.com/2025/03/b1/', 'https://news.example.com/categories/yin-hang/']));
    expect(locs).not.toContain('https://news.example.com/2026/11/c1/');
    expect(await site.read('robots.txt')).toContain('Sitemap: https://news.example.com/sitemap.xml');
  });

  it('puts only the last two days of articles in the news sitemap', async () => {
    // Build time 2026-11-27 12:00 +08:00: a3 (11-22) and older are out, the two new ones in.
    const site = await buildArchive({
      ...archive,
      'n1.md': md({ title: '昨天', date: '2026-11-26T09:00:00+08:00' }),
      'n2.md': md({ title: '两天内', date: '2026-11-25T12:30:00+08:00' }),
      'n3.md': md({ title: '刚好超过两天', date: '2026-11-25T11:59:00+08:00' }),
    });
    const news = xml.parse(await site.read('sitemap-news.xml'));
    const urls = [news.urlset.url].flat().map((u: { loc: string }) => u.loc);
    expect(urls).toEqual(['https://news.example.com/2026/11/n1/', 'https://news.example.com/2026/11/n2/']);
    expect(await site.read('robots.txt')).toContain('Sitemap: https://news.example.com/sitemap-news.xml');
  });
});

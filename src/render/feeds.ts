// Syndication and crawler files: RSS 2.0, Atom and JSON Feed (site-wide and per
// category) through the `feed` package; sitemap index, child sitemaps and a Google
// News sitemap through the `sitemap` package; robots.txt. Neither format is written
// by string concatenation: those libraries escape and validate what we would get wrong.
import { Readable, type Transform } from 'node:stream';
import type { SitemapItemLoose } from 'sitemap';
import type { Group } from '../index/listings.ts';
import type { Site } from '../index/site.ts';
import type { Article, MadePage, Page } from '../types.ts';
import { DAY_MS } from '../time.ts';
import { jsonDigest } from './shared-view.ts';
import { absoluteUrl, articleLang, articleToken, configKey, isoDate } from './view.ts';

/** The sitemap protocol's limit of URLs per file. */
export const SITEMAP_MAX_URLS = 50_000;
/** Google News sitemaps: articles of the last two days, at most 1,000. */
export const NEWS_WINDOW_MS = 2 * DAY_MS;
export const NEWS_MAX_URLS = 1_000;

/**
 * Feeds and sitemaps are made pages: their inputs are digested first, so that an
 * incremental build keeps the unchanged ones without running the libraries'
 * serializers and streams (~65 ms of a rebuild at 4,000 articles), or even loading
 * them (~150 KB of code, imported in `make`). robots.txt is small and made every time.
 */
export async function* syndicationPages(site: Site, keepArranged?: (pagePath: string) => boolean): AsyncGenerator<Page | MadePage> {
  for (const { path, title, articles, group } of feedsOf(site)) yield* feedPages(site, path, title, articles, group);
  // The sitemaps show where each page is and when its article was updated: nothing
  // else. A build whose site is arranged as the last one's (render/page-plan.ts) may
  // keep them unmade: `keepArranged` says so for each.
  const count = 1 + site.articles.length + site.listings.categories.length + site.listings.tags.length;
  let entries: SitemapEntry[] | undefined;
  const made = () => {
    entries ??= sitemapEntries(site);
    if (entries.length !== count) throw new Error(`sitemap entries: ${entries.length}, counted ${count}`);
    return entries;
  };
  yield* sitemapPages(site.config.baseUrl, count, made, SITEMAP_MAX_URLS, keepArranged);
  const news = newsSitemap(site);
  if (news) yield news;
  yield { path: 'robots.txt', content: robotsTxt(site, news !== undefined) };
}

/** The site's feeds: the whole site's, then one per category, each of the newest articles first. */
function feedsOf(site: Site): { path: string; title: string; articles: readonly Article[]; group: Group | undefined }[] {
  return [
    { path: '/', title: site.config.title, articles: site.articles, group: undefined },
    ...site.listings.categories.map((group) => ({ path: `/categories/${group.slug}/`, title: `${group.name} - ${site.config.title}`, articles: group.articles, group })),
  ];
}

/** The articles whose bodies some feed carries (none unless feeds carry full content). */
export function articlesInFeeds(site: Site): Set<Article> {
  const carried = new Set<Article>();
  if (site.config.feedContent !== 'full') return carried;
  for (const feed of feedsOf(site)) for (const article of feed.articles.slice(0, site.config.feedSize)) carried.add(article);
  return carried;
}

function* feedPages(site: Site, path: string, title: string, articles: readonly Article[], group: Group | undefined): Generator<MadePage> {
  const { config } = site;
  const latest = articles.slice(0, config.feedSize);
  const base = path.replace(/^\//, '');
  // Everything the three files are made of: the config, the feed's place and title, and
  // what each entry shows (with full content, every field of the article, as a digest).
  const shown = (a: Article) => (config.feedContent === 'full' ? articleToken(a) : [a.url, a.title, a.date, a.updated ?? null, a.summary, a.authors, a.category ?? null, a.tags, a.image ?? null]);
  const inputsDigest = jsonDigest(`${configKey(config)}\0${JSON.stringify([path, title, group?.name ?? null, latest.map(shown)])}`);
  let made: Promise<[rss: string, atom: string, json: string]> | undefined;
  const feeds = () => (made ??= makeFeeds(config, path, title, latest, group));
  yield { path: `${base}feed.xml`, inputsDigest, make: async () => (await feeds())[0] };
  yield { path: `${base}atom.xml`, inputsDigest, make: async () => (await feeds())[1] };
  yield { path: `${base}feed.json`, inputsDigest, make: async () => (await feeds())[2] };
}

async function makeFeeds(config: Site['config'], path: string, title: string, latest: readonly Article[], group: Group | undefined): Promise<[rss: string, atom: string, json: string]> {
  const { Feed } = await import('feed');
  const link = absoluteUrl(config, path);
  // A feed's `updated` is its newest entry, not the build time: rebuilding an
  // unchanged archive must not make every reader re-fetch.
  const updated = latest.length > 0 ? new Date(Math.max(...latest.map((a) => a.updated ?? a.date))) : new Date(0);
  const feed = new Feed({
    id: link,
    title,
    description: group ? `${group.name}` : config.description || config.title,
    link,
    language: config.language,
    updated,
    generator: 'Broadsheet',
    copyright: `© ${config.title}`,
    feedLinks: { rss: absoluteUrl(config, `${path}feed.xml`), atom: absoluteUrl(config, `${path}atom.xml`), json: absoluteUrl(config, `${path}feed.json`) },
  });
  for (const article of latest) {
    const url = absoluteUrl(config, article.url);
    feed.addItem({
      title: article.title,
      id: url,
      link: url,
      date: new Date(article.updated ?? article.date),
      published: new Date(article.date),
      description: article.summary,
      ...(config.feedContent === 'full' ? { content: article.html } : {}),
      // The feed package's JSON writer fails on an empty author list: leave it out.
      ...(article.authors.length > 0 ? { author: article.authors.map((name) => ({ name })) } : {}),
      category: [...(article.category ? [{ name: article.category }] : []), ...article.tags.map((name) => ({ name }))],
      ...(article.image ? { image: article.image.startsWith('/') ? absoluteUrl(config, article.image) : article.image } : {}),
    });
  }
  return [feed.rss2(), feed.atom1(), feed.json1()];
}


export interface SitemapEntry {
  /** Absolute URL. */
  url: string;
  /** ISO date-time, or undefined for listing pages. */
  lastmod: string | undefined;
}

/** Every canonical page: home, articles, category and tag listings (first pages only); syndicationPages counts them. */
function sitemapEntries(site: Site): SitemapEntry[] {
  const { config, listings } = site;
  const entries: SitemapEntry[] = [{ url: absoluteUrl(config, '/'), lastmod: undefined }];
  for (const article of site.articles) entries.push({ url: absoluteUrl(config, article.url), lastmod: isoDate(article.updated ?? article.date, config) });
  for (const group of listings.categories) entries.push({ url: absoluteUrl(config, `/categories/${group.slug}/`), lastmod: undefined });
  for (const group of listings.tags) entries.push({ url: absoluteUrl(config, `/tags/${group.slug}/`), lastmod: undefined });
  return entries;
}

/**
 * `sitemap.xml` is always an index; its children hold at most `maxUrls` URLs each
 * (the protocol allows 50,000). Pure apart from the streams the library uses.
 */
export async function* sitemapPages(
  baseUrl: string, count: number, entries: () => readonly SitemapEntry[], maxUrls = SITEMAP_MAX_URLS, keep?: (pagePath: string) => boolean,
): AsyncGenerator<Page | MadePage> {
  const childUrls: string[] = [];
  for (let start = 0, n = 1; start < count || n === 1; start += maxUrls, n++) {
    const childPath = `sitemaps/sitemap-${n}.xml`;
    childUrls.push(new URL(childPath, baseUrl).href);
    if (!keep?.(childPath)) yield childSitemap(baseUrl, childPath, entries().slice(start, start + maxUrls));
    if (start + maxUrls >= count) break;
  }
  if (keep?.('sitemap.xml')) return;
  yield {
    path: 'sitemap.xml',
    inputsDigest: jsonDigest(JSON.stringify(childUrls)),
    make: () => streamedXml(childUrls.map((url) => ({ url })), ({ SitemapIndexStream }) => new SitemapIndexStream()),
  };
}

/** One child sitemap of `chunk`'s URLs. */
function childSitemap(baseUrl: string, childPath: string, chunk: readonly SitemapEntry[]): MadePage {
  return {
    path: childPath,
    // A digest: a child sitemap is made of up to 50,000 URLs.
    inputsDigest: jsonDigest(JSON.stringify([baseUrl, chunk])),
    make: () => streamedXml(chunk.map((e) => ({ url: e.url, ...(e.lastmod ? { lastmod: e.lastmod } : {}) }) as SitemapItemLoose), ({ SitemapStream }) => new SitemapStream({ hostname: baseUrl })),
  };
}

/** Undefined when nothing was published in the window: the library (rightly) refuses an empty sitemap. */
function newsSitemap(site: Site): MadePage | undefined {
  const { config } = site;
  const recent = site.articles.filter((a) => a.date > site.now - NEWS_WINDOW_MS && a.date <= site.now).slice(0, NEWS_MAX_URLS);
  if (recent.length === 0) return undefined;
  const items: SitemapItemLoose[] = recent.map((article) => ({
    url: absoluteUrl(config, article.url),
    news: {
      publication: { name: config.title, language: newsLanguage(articleLang(article, config.language)) },
      publication_date: isoDate(article.date, config),
      title: article.title,
    },
  }));
  return {
    path: 'sitemap-news.xml',
    inputsDigest: jsonDigest(JSON.stringify([config.baseUrl, items])),
    make: () => streamedXml(items, ({ SitemapStream }) => new SitemapStream({ hostname: config.baseUrl, xmlns: { news: true, xhtml: false, image: false, video: false } })),
  };
}

/** `items` through one of the sitemap package's streams, as text; the package is loaded here, by the pages that change. */
async function streamedXml<T>(items: readonly T[], makeStream: (sitemap: typeof import('sitemap')) => Transform): Promise<string> {
  const sitemap = await import('sitemap');
  return (await sitemap.streamToPromise(Readable.from(items).pipe(makeStream(sitemap)))).toString('utf8');
}

/** Google News wants ISO 639 codes, with zh-cn / zh-tw as its two Chinese forms. */
function newsLanguage(lang: string): string {
  return lang.toLowerCase() === 'zh' ? 'zh-cn' : lang.toLowerCase();
}

function robotsTxt(site: Site, withNews: boolean): string {
  const news = withNews ? `Sitemap: ${absoluteUrl(site.config, '/sitemap-news.xml')}\n` : '';
  return `User-agent: *\nAllow: /\n\nSitemap: ${absoluteUrl(site.config, '/sitemap.xml')}\n${news}`;
}

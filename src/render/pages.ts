// Site -> Page for every page kind. One function per kind; no file writes. Pages
// are yielded one at a time so the writer can stream them: a 100,000-article site
// is never held in memory as rendered HTML all at once.
import type { Site } from '../index/site.ts';
import { listsForPage } from '../index/rankings.ts';
import type { Article, Page } from '../types.ts';
import { labelsFor } from './labels.ts';
import type { Renderer } from './templates.ts';
import { absoluteUrl, formatDate, hrefFor, isoDate, layoutView, linkItem, listBlock, scriptSafeJson, type ListBlock } from './view.ts';

export interface Assets {
  /** Site-relative path -> bytes, copied as they are. */
  files: Map<string, Buffer>;
  /** href of the stylesheet, with a content hash so caches never serve a stale one. */
  cssHref: string;
}

export function* sitePages(site: Site, renderer: Renderer, assets: Assets): Generator<Page> {
  for (const [assetPath, bytes] of assets.files) yield { path: assetPath.replace(/^\//, ''), content: bytes };
  for (const article of site.articles) {
    yield articlePage(site, renderer, assets, article);
    yield* aliasPages(site, renderer, assets, article);
  }
  yield* homePages(site, renderer, assets);
  yield notFoundPage(site, renderer, assets);
}

function bySlugs(site: Site, slugs: readonly string[]): Article[] {
  const found: Article[] = [];
  for (const slug of slugs) {
    const article = site.bySlug.get(slug);
    if (article) found.push(article);
  }
  return found;
}

/** The ranking lists for the side column; self (on an article page) is left out. */
function asideLists(site: Site, self: Article | undefined): ListBlock[] {
  const { config } = site;
  const labels = labelsFor(config.language);
  const lists = listsForPage(site.rankings, config.lists, self?.slug, self?.category);
  return [
    listBlock(config, 'headlines', labels.headlines, bySlugs(site, lists.headlines)),
    listBlock(config, 'trending', labels.trending, bySlugs(site, lists.trending)),
    listBlock(config, 'most-read', labels.mostRead, bySlugs(site, lists.mostRead), true),
    self ? listBlock(config, 'recommended', labels.recommended, bySlugs(site, lists.recommended)) : undefined,
    self ? listBlock(config, 'latest', labels.latest, bySlugs(site, lists.latest)) : undefined,
  ].filter((block): block is ListBlock => block !== undefined);
}

function articlePage(site: Site, renderer: Renderer, assets: Assets, article: Article): Page {
  const { config } = site;
  const layout = layoutView(config, site.now, assets.cssHref, {
    pageTitle: `${article.title} - ${config.title}`,
    canonicalPath: article.url,
    description: article.summary,
  });
  layout.jsonLd = scriptSafeJson({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: article.title,
    description: article.summary,
    datePublished: isoDate(article.date, config),
    dateModified: isoDate(article.updated ?? article.date, config),
    ...(article.authors.length > 0 ? { author: article.authors.map((name) => ({ '@type': 'Person', name })) } : {}),
    ...(article.category ? { articleSection: article.category } : {}),
    ...(article.tags.length > 0 ? { keywords: article.tags.join(', ') } : {}),
    publisher: { '@type': 'Organization', name: config.title },
    mainEntityOfPage: absoluteUrl(config, article.url),
    inLanguage: config.language,
  });
  const relatedLinks = article.related.hidden ? [] : (site.related.get(article.slug) ?? []);
  const related = listBlock(config, 'related', layout.labels.related, bySlugs(site, relatedLinks.map((link) => link.slug)));
  return {
    path: outputPathFor(article.url),
    content: renderer.render('article', {
      layout,
      article: {
        title: article.title,
        dateIso: isoDate(article.date, config),
        dateText: formatDate(article.date, config),
        updatedIso: article.updated === undefined ? '' : isoDate(article.updated, config),
        updatedText: article.updated === undefined ? '' : formatDate(article.updated, config),
        category: article.category ?? '',
        authors: article.authors.join('、'),
        source: article.source ?? '',
        tags: article.tags,
        tickers: article.tickers,
        summary: article.summary,
        html: article.html,
        toc: article.headings.filter((h) => h.depth === 2).map((h) => ({ href: `#${encodeURIComponent(h.id)}`, text: h.text })),
      },
      related,
      aside: asideLists(site, article),
    }),
  };
}

/** '/2018/03/x/' -> '2018/03/x/index.html'; '/old/page.html' -> 'old/page.html'. */
export function outputPathFor(sitePath: string): string {
  let decoded = sitePath;
  try {
    decoded = decodeURIComponent(sitePath);
  } catch {
    // validated earlier; keep as is
  }
  const relative = decoded.replace(/^\/+/, '');
  if (relative === '' || relative.endsWith('/')) return `${relative}index.html`;
  if (/\.html?$/i.test(relative)) return relative;
  return `${relative}/index.html`;
}

function* aliasPages(site: Site, renderer: Renderer, assets: Assets, article: Article): Generator<Page> {
  const { config } = site;
  for (const alias of article.aliases) {
    const target = absoluteUrl(config, article.url);
    const layout = layoutView(config, site.now, assets.cssHref, { pageTitle: article.title, canonicalPath: article.url, robots: 'noindex' });
    yield { path: outputPathFor(alias), content: renderer.render('redirect', { layout, target, title: article.title }) };
  }
}

function* homePages(site: Site, renderer: Renderer, assets: Assets): Generator<Page> {
  const { config } = site;
  const pageCount = Math.max(1, Math.ceil(site.articles.length / config.pageSize));
  const pagePath = (n: number) => (n === 1 ? '/' : `/page/${n}/`);
  const aside = asideLists(site, undefined);
  for (let n = 1; n <= pageCount; n++) {
    const slice = site.articles.slice((n - 1) * config.pageSize, n * config.pageSize);
    const layout = layoutView(config, site.now, assets.cssHref, {
      pageTitle: n === 1 ? config.title : `${config.title} - ${n}`,
      canonicalPath: pagePath(n),
    });
    yield {
      path: outputPathFor(pagePath(n)),
      content: renderer.render('home', {
        layout,
        heading: layout.labels.latestArticles,
        items: slice.map((article) => ({
          ...linkItem(config, article),
          text: article.title,
          summary: article.summary,
          dateIso: isoDate(article.date, config),
          dateText: formatDate(article.date, config),
          category: article.category ?? '',
        })),
        pagination: paginationView(site, n, pageCount, pagePath),
        aside,
      }),
    };
  }
}

function paginationView(site: Site, current: number, total: number, pagePath: (n: number) => string) {
  if (total <= 1) return undefined;
  const { config } = site;
  const labels = labelsFor(config.language);
  return {
    label: labels.pagination,
    status: labels.pageOf(current, total),
    previous: current > 1 ? { href: hrefFor(config, pagePath(current - 1)), text: labels.previousPage } : undefined,
    next: current < total ? { href: hrefFor(config, pagePath(current + 1)), text: labels.nextPage } : undefined,
    pages: pageWindow(current, total).map((n) => ({ n, href: hrefFor(config, pagePath(n)), current: n === current })),
  };
}

/** First, last and the pages around the current one: a constant number of links per page. */
function pageWindow(current: number, total: number): number[] {
  const pages = new Set([1, total]);
  for (let n = current - 2; n <= current + 2; n++) if (n >= 1 && n <= total) pages.add(n);
  return [...pages].sort((a, b) => a - b);
}

function notFoundPage(site: Site, renderer: Renderer, assets: Assets): Page {
  const { config } = site;
  const layout = layoutView(config, site.now, assets.cssHref, { pageTitle: config.title, canonicalPath: '/404.html', robots: 'noindex' });
  layout.pageTitle = `${layout.labels.notFoundTitle} - ${config.title}`;
  return { path: '404.html', content: renderer.render('404', { layout, aside: asideLists(site, undefined) }) };
}

// Site -> Page for every page kind; no file writes. Pages are yielded one at a time
// so the writer can stream them: a 100,000-article site is never held in memory as
// rendered HTML all at once. One function per page kind, in article-page.ts,
// listing-pages.ts and here.
import type { Site } from '../index/site.ts';
import { listsForPage, slugsShapingLists } from '../index/rankings.ts';
import type { Article, Page, PageSpec, ShownArticles } from '../types.ts';
import { aliasPages, articlePage, outputPathFor } from './article-page.ts';
import { labelsFor, type Labels } from './labels.ts';
import { listingPages } from './listing-pages.ts';
import { jsonDigest, sharedView, sharedViewToken } from './shared-view.ts';
import { articleToken, hrefFor, layoutContextToken, layoutView, listBlock, teaser, type LayoutContext, type LayoutView, type ListBlock, type Teaser } from './view.ts';

export { outputPathFor } from './article-page.ts';

/** Sections named in every page's header. */
export const MAX_NAV_SECTIONS = 12;

export interface Assets {
  /** Site-relative path -> bytes, copied as they are. */
  files: Map<string, Buffer>;
  /** href of the stylesheet, with a content hash so caches never serve a stale one. */
  cssHref: string;
}

/** What every page function needs. */
export interface RenderContext extends LayoutContext {
  site: Site;
  labels: Labels;
  /** Side columns made so far, by their lists: most pages share one of a few dozen. */
  asides: Map<string, ListBlock[]>;
  /** The slugs whose own page gets lists of its own (slugsShapingLists): any other page shows its section's. */
  listShapers: Set<string>;
  /** Side columns of the pages whose article shapes no list, by kind of page and section. */
  sectionAsides: Map<string, ListBlock[]>;
  /**
   * Asked for the output path of each keyed page (article, listing) in page order: a
   * page it keeps as the last build made it (true: the page plan vouches for it, and
   * the caller has taken its record) is neither made nor yielded (sitePages' `keep`).
   */
  keep: ((pagePath: string) => boolean) | undefined;
}

export function renderContext(site: Site, assets: Assets, keep?: (pagePath: string) => boolean): RenderContext {
  const labels = labelsFor(site.config.language);
  return {
    site,
    config: site.config,
    now: site.now,
    cssHref: assets.cssHref,
    labels,
    asides: new Map(),
    listShapers: slugsShapingLists(site.rankings, site.config.lists),
    sectionAsides: new Map(),
    keep,
    // Biggest sections first, as a newsroom orders its masthead; ties by key.
    footerLinks: [
      { path: '/categories/', text: labels.categories },
      { path: '/tags/', text: labels.tags },
      ...site.listings.years.map((group) => ({ path: `/${group.year}/`, text: labels.yearArchive(group.year) })),
    ],
    nav: [...site.listings.categories]
      .sort((a, b) => b.articles.length - a.articles.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((group) => ({ path: `/categories/${group.slug}/`, text: group.name })),
  };
}

/**
 * Every page of the site: assets as bytes, the rest as a template and the data to render it with.
 * `afterArticlePage` is called with each article once the consumer has asked for the
 * page after its article page (so that page is handled by then): a one-shot build lets
 * the article's body go there.
 */
export function* sitePages(site: Site, assets: Assets, afterArticlePage?: (article: Article) => void, keep?: (pagePath: string) => boolean): Generator<Page | PageSpec> {
  const context = renderContext(site, assets, keep);
  for (const [assetPath, bytes] of assets.files) yield { path: assetPath.replace(/^\//, ''), content: bytes };
  for (const article of site.articles) {
    // A kept page is not yielded: `keep` has taken its record already.
    const pagePath = keep && outputPathFor(article.url);
    if (!(pagePath && keep(pagePath))) yield articlePage(context, article);
    afterArticlePage?.(article);
    if (article.aliases.length > 0) yield* aliasPages(context, article);
  }
  yield* paginatedPages(context, { path: '/', title: site.config.title, heading: context.labels.latestArticles, articles: site.articles, aside: asideLists(context, undefined, undefined) });
  yield* listingPages(context);
  yield notFoundPage(context);
  if (site.config.search) yield searchPage(context);
}

export function bySlugs(site: Site, slugs: readonly string[]): Article[] {
  const found: Article[] = [];
  for (const slug of slugs) {
    const article = site.bySlug.get(slug);
    if (article) found.push(article);
  }
  return found;
}

/**
 * The ranking lists for the side column. `self` (on an article page) is left out of
 * each; `category` picks the recommended list and, on category pages, most read
 * within the category.
 */
export function asideLists(context: RenderContext, self: Article | undefined, category: string | undefined, categoryPage = false): ListBlock[] {
  const { site, config, labels } = context;
  // Most article pages show no list their own article is in: they share the side column
  // of their section's first such page, found without working the lists out again.
  const sectionKey = self === undefined || !context.listShapers.has(self.slug) ? `${self ? 'article' : 'page'}\0${categoryPage}\0${category ?? ''}` : undefined;
  const shared = sectionKey === undefined ? undefined : context.sectionAsides.get(sectionKey);
  if (shared) return shared;
  const lists = listsForPage(site.rankings, config.lists, self?.slug, category);
  const mostRead = categoryPage ? lists.mostReadInCategory : lists.mostRead;
  const recommended = self || categoryPage ? lists.recommended : undefined;
  const latest = self ? lists.latest : undefined;
  // Slugs hold no NUL or newline (slug.ts), so the key names the lists exactly.
  const key = [lists.headlines, lists.trending, mostRead, recommended, latest].map((slugs) => (slugs ? slugs.join('\0') : '-')).join('\n');
  let aside = context.asides.get(key);
  if (!aside) {
    aside = sharedView([
      listBlock(config, 'headlines', labels.headlines, bySlugs(site, lists.headlines)),
      listBlock(config, 'trending', labels.trending, bySlugs(site, lists.trending)),
      listBlock(config, 'most-read', labels.mostRead, bySlugs(site, mostRead), true),
      recommended && listBlock(config, 'recommended', labels.recommended, bySlugs(site, recommended)),
      latest && listBlock(config, 'latest', labels.latest, bySlugs(site, latest)),
    ].filter((block): block is ListBlock => block !== undefined));
    asideArticles.set(aside, bySlugs(site, [lists.headlines, lists.trending, mostRead, recommended ?? [], latest ?? []].flat()));
    context.asides.set(key, aside);
  }
  if (sectionKey !== undefined) context.sectionAsides.set(sectionKey, aside);
  return aside;
}

/** The articles each side column shows, for the dependency keys of the pages that show it. */
const asideArticles = new WeakMap<ListBlock[], Article[]>();

/** Tells a dependency key's recorder the articles `aside` shows. */
export function showAside(aside: ListBlock[], shown: ShownArticles): void {
  const articles = asideArticles.get(aside);
  if (!articles) throw new Error('a side column not made by asideLists');
  shown.group(aside, articles);
}

export interface Listing {
  /** Site path of the first page, ending in '/'. Later pages live at <path>page/N/. */
  path: string;
  title: string;
  heading: string;
  articles: readonly Article[];
  aside: ListBlock[];
  breadcrumbs?: { href: string; text: string }[];
  alternates?: LayoutView['alternates'];
  description?: string;
}

/** A listing split into pages of `pageSize`: numbered links, previous and next. */
export function* paginatedPages(context: RenderContext, listing: Listing): Generator<PageSpec> {
  const { config, labels, keep } = context;
  const pageCount = Math.max(1, Math.ceil(listing.articles.length / config.pageSize));
  const pagePath = (n: number) => (n === 1 ? listing.path : `${listing.path}page/${n}/`);
  for (let n = 1; n <= pageCount; n++) {
    if (keep && keep(outputPathFor(pagePath(n)))) continue;
    const shown = listing.articles.slice((n - 1) * config.pageSize, n * config.pageSize);
    let items: Teaser[] | undefined;
    const itemsOnce = () => (items ??= shown.map((a) => teaser(config, a)));
    const layoutFields = {
      pageTitle: n === 1 ? listing.title : `${listing.title} - ${labels.pageOf(n, pageCount)}`,
      canonicalPath: pagePath(n),
      ...(listing.description ? { description: listing.description } : {}),
      ...(listing.breadcrumbs ? { breadcrumbs: listing.breadcrumbs } : {}),
      ...(listing.alternates ? { alternates: listing.alternates } : {}),
    };
    let data: object | undefined;
    yield {
      path: outputPathFor(pagePath(n)),
      template: 'listing',
      // What the page data is made from: the layout's context (one digest), this page's
      // own layout fields, its place in the listing, and its teasers and side column
      // (shared views, a token each). A warm build or a dev rebuild then makes the data
      // (layout, pagination) only for the pages it renders, and hashes ~2.4 KB of JSON
      // a page instead of ~3.5 (4,000 Chinese articles, 2,130 listing pages).
      get fingerprintInputs() {
        return [layoutContextToken(context), layoutFields, listing.path, listing.heading, n, pageCount, itemsOnce(), listing.aside];
      },
      // The same, each teaser standing as its article's digest (a teaser is made of the article and the config).
      // Fields joined by NUL, as an article page's key is (article-page.ts): digests hold no NUL or space, and text goes through JSON.
      dependencyKey: (renderKey, recorder) => {
        if (recorder) showAside(listing.aside, recorder);
        return jsonDigest([renderKey, 'listing', layoutContextToken(context), JSON.stringify([layoutFields, listing.path, listing.heading, n, pageCount]), shown.map(recorder ? recorder.article : articleToken).join(' '), sharedViewToken(listing.aside)].join('\0'));
      },
      get data() {
        return (data ??= { layout: layoutView(context, layoutFields), heading: listing.heading, items: itemsOnce(), pagination: paginationView(context, n, pageCount, pagePath), aside: listing.aside });
      },
    };
  }
}

function paginationView(context: RenderContext, current: number, total: number, pagePath: (n: number) => string) {
  if (total <= 1) return undefined;
  const { config, labels } = context;
  return {
    label: labels.pagination,
    status: labels.pageOf(current, total),
    previous: current > 1 ? { href: hrefFor(config, pagePath(current - 1)), text: labels.previousPage } : undefined,
    next: current < total ? { href: hrefFor(config, pagePath(current + 1)), text: labels.nextPage } : undefined,
    pages: pageWindow(current, total).map((n) => ({ n, href: hrefFor(config, pagePath(n)), current: n === current })),
  };
}

/** First, last and the pages around the current one: a constant number of links per page. */
export function pageWindow(current: number, total: number): number[] {
  const pages = new Set([1, total]);
  for (let n = current - 2; n <= current + 2; n++) if (n >= 1 && n <= total) pages.add(n);
  return [...pages].sort((a, b) => a - b);
}

function notFoundPage(context: RenderContext): PageSpec {
  const { config, labels } = context;
  const layout = layoutView(context, { pageTitle: `${labels.notFoundTitle} - ${config.title}`, canonicalPath: '/404.html', robots: 'noindex' });
  return { path: '404.html', template: '404', data: { layout, aside: asideLists(context, undefined, undefined) } };
}

/** /search/: Pagefind's UI over the bundle src/search.ts writes to /pagefind/; reads ?q= from the header's search box. */
function searchPage(context: RenderContext): PageSpec {
  const { config, labels } = context;
  const layout = layoutView(context, { pageTitle: `${labels.search} - ${config.title}`, canonicalPath: '/search/', robots: 'noindex' });
  return {
    path: 'search/index.html',
    template: 'search',
    data: {
      layout,
      heading: labels.search,
      bundle: hrefFor(config, '/pagefind/'),
      basePath: config.basePath,
      noScript: labels.searchNoScript,
      unavailable: labels.searchUnavailable,
    },
  };
}

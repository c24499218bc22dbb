// Assembles the Site: the published articles, their related links and the ranking
// lists, after checking that no two things claim one URL.
import type { Config } from '../config.ts';
import { compareText, type Diagnostic } from '../errors.ts';
import { slugCollisionKey } from '../slug.ts';
import type { Article, RelatedLink } from '../types.ts';
import { computeRankings, type Rankings } from './rankings.ts';
import type { PageViewTable } from './pageviews.ts';
import { computeRelated, type RelatedExplanation, type RelatedOptions, type RelatedResult } from './related.ts';
import { computeListings, type Listings } from './listings.ts';
import { localParts } from '../time.ts';

export interface Site {
  config: Config;
  /** Build time, epoch ms. */
  now: number;
  /** Published articles, newest first (ties: slug), the order every listing starts from. */
  articles: Article[];
  bySlug: Map<string, Article>;
  related: Map<string, RelatedLink[]>;
  rankings: Rankings;
  listings: Listings;
}

/** Newest first, then slug: one fixed order whatever order files were read in. */
export function byDateDesc(a: Article, b: Article): number {
  return b.date - a.date || compareText(a.slug, b.slug);
}

/** Articles a reader may see at build time `now`. */
export function publishedArticles(articles: readonly Article[], now: number, includeDrafts: boolean): Article[] {
  return articles.filter((a) => includeDrafts || (!a.draft && a.date <= now));
}

/**
 * Slugs, URLs and alias paths must be unique across all articles, drafts included
 * (a draft published tomorrow must not collide then). Both files are named.
 */
export function checkCollisions(articles: readonly Article[], displayPath: (a: Article) => string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const bySlugKey = new Map<string, Article>();
  const byPath = new Map<string, { article: Article; what: string }>();
  const sorted = [...articles].sort((a, b) => compareText(a.sourcePath, b.sourcePath));
  const claim = (key: string, article: Article, what: string) => {
    const owner = byPath.get(key);
    if (!owner) {
      byPath.set(key, { article, what });
      return;
    }
    if (owner.article === article) return;
    diagnostics.push({
      severity: 'error',
      file: displayPath(article),
      line: undefined,
      code: 'site/path-collision',
      message: `its ${what} ${key} is also the ${owner.what} of ${displayPath(owner.article)}`,
      hint: 'give one of the two articles another slug, date or alias',
    });
  };
  for (const article of sorted) {
    const key = slugCollisionKey(article.slug);
    const owner = bySlugKey.get(key);
    if (owner) {
      diagnostics.push({
        severity: 'error',
        file: displayPath(article),
        line: undefined,
        code: 'site/duplicate-slug',
        message: `the slug "${article.slug}" is already used by ${displayPath(owner)}${owner.slug === article.slug ? '' : ` (as "${owner.slug}", equal after case folding)`}`,
        hint: 'rename one of the files or set a different `slug:`',
      });
    } else {
      bySlugKey.set(key, article);
    }
    claim(pathKey(article.url), article, 'URL');
  }
  for (const article of sorted) {
    for (const alias of article.aliases) claim(pathKey(alias), article, 'alias');
  }
  const reserved = (article: Article, what: string, sitePath: string) => {
    if (isReserved(sitePath)) {
      diagnostics.push({
        severity: 'error',
        file: displayPath(article),
        line: undefined,
        code: 'site/reserved-path',
        message: `its ${what} ${sitePath} is a path the site generates itself`,
        hint: `choose another; ${[...RESERVED_FOLDERS].map((f) => `/${f}/`).join(', ')} and ${[...RESERVED_FILES].join(', ')} are taken`,
      });
    }
  };
  for (const article of sorted) {
    reserved(article, 'URL', article.url);
    for (const alias of article.aliases) reserved(article, 'alias', alias);
  }
  return diagnostics;
}

/** Whether `after` claims what `before` claimed: the slug, URL and aliases, all checkCollisions reads of an article but its file. */
export function sameClaims(before: Article | undefined, after: Article | undefined): boolean {
  if (before === undefined || after === undefined) return before === after;
  return before.slug === after.slug && before.url === after.url && before.aliases.length === after.aliases.length && before.aliases.every((alias, i) => alias === after.aliases[i]);
}

/** Folders and files every site has; no article or alias may claim them or live inside them. */
const RESERVED_FOLDERS = new Set(['assets', 'categories', 'tags', 'authors', 'sources', 'page', 'search', 'pagefind', 'sitemaps']);
const RESERVED_FILES = new Set(['/feed.xml', '/atom.xml', '/feed.json', '/robots.txt', '/sitemap.xml', '/sitemap-news.xml', '/404.html', '/.broadsheet-site']);

function isReserved(sitePath: string): boolean {
  const lower = sitePath.toLowerCase();
  // The first path segment: what lies between the first slash and the next.
  const slash = lower.indexOf('/');
  const end = slash === -1 ? -1 : lower.indexOf('/', slash + 1);
  const first = slash === -1 ? '' : lower.slice(slash + 1, end === -1 ? undefined : end);
  return RESERVED_FOLDERS.has(first) || RESERVED_FILES.has(lower.endsWith('/') ? lower.slice(0, -1) : lower);
}

/** Paths that a static host serves from the same file compare equal. */
function pathKey(sitePath: string): string {
  // Most URLs are plain ASCII ending in '/' (/2018/03/slug/): nothing to normalize,
  // decode or complete. Checked first: every article's URL and alias comes here.
  if (PLAIN_FOLDER_PATH.test(sitePath)) return sitePath.toLowerCase();
  let key = sitePath.normalize('NFC');
  try {
    if (key.includes('%')) key = decodeURIComponent(key);
  } catch {
    // aliases were validated; keep the raw form
  }
  key = key.replace(/\/index\.html?$/i, '/');
  if (!key.endsWith('/') && !/\.[a-z0-9]+$/i.test(key)) key += '/';
  return key.toLowerCase();
}

/** ASCII with no %, ending in '/': pathKey's slow steps would change nothing. */
const PLAIN_FOLDER_PATH = /^[\x20-\x24\x26-\x7e]*\/$/;

export interface SiteResult {
  site: Site;
  diagnostics: Diagnostic[];
  /** With `explainRelated`: that article's related list with reasons (related.ts). */
  relatedExplanation?: RelatedExplanation[] | undefined;
}

/** Runs one named step of a stage; the build passes one that records the step's time. */
export type StepTimer = <T>(step: string, run: () => T) => T;

export function assembleSite(published: Article[], views: PageViewTable | undefined, config: Config, now: number, time: StepTimer = (_step, run) => run(), relatedOptions: Pick<RelatedOptions, 'explain' | 'termMemo' | 'queryHelper' | 'versionOf' | 'previous'> = {}): SiteResult {
  return finishSite(relateArticles(published, config, time, relatedOptions), views, config, now, time);
}

/** The first step of assembling a site: the articles newest first, with their related links (which need no page views). */
export interface RelatedArticles {
  articles: Article[];
  links: RelatedResult;
}

export function relateArticles(published: Article[], config: Config, time: StepTimer = (_step, run) => run(), relatedOptions: Pick<RelatedOptions, 'explain' | 'termMemo' | 'queryHelper' | 'versionOf' | 'previous'> = {}): RelatedArticles {
  const articles = [...published].sort(byDateDesc);
  return { articles, links: time('related', () => computeRelated(articles, { ...relatedOptions, limit: config.lists.related, settings: config.related })) };
}

/** The rest: rankings (from the page views) and listings. */
export function finishSite({ articles, links }: RelatedArticles, views: PageViewTable | undefined, config: Config, now: number, time: StepTimer = (_step, run) => run(), keptRankings?: Rankings): SiteResult {
  const bySlug = new Map(articles.map((a) => [a.slug, a]));
  // `keptRankings`: the lists a build with the same inputs computed (build.ts decides).
  const rankings = time('rankings', () => keptRankings ?? computeRankings(articles, views, now, config));
  const listings = time('listings', () => computeListings(articles, (article) => localParts(article.date, config.timezone)));
  return {
    site: { config, now, articles, bySlug, related: links.lists, rankings, listings },
    diagnostics: links.diagnostics,
    relatedExplanation: links.explanation,
  };
}

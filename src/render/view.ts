// Small, pure formatting helpers that turn Site data into the plain strings the
// templates print. Templates hold no logic beyond loops; everything a template shows
// is prepared here.
import type { Config, Language } from '../config.ts';
import type { Article } from '../types.ts';
import { isoInZone, localParts, pad } from '../time.ts';
import { labelsFor, type Labels } from './labels.ts';
import { articleDigest, jsonDigest, sharedView } from './shared-view.ts';
import { truncateToWidth } from './width.ts';

export interface LinkItem {
  href: string;
  /** Title cut to the list's display width. */
  text: string;
  /** Full title, for the `title` attribute. */
  title: string;
}

export interface ListBlock {
  /** The `data-list` value: related, most-read, trending, headlines, recommended, latest. */
  key: string;
  label: string;
  items: LinkItem[];
  /** Most read shows rank numbers. */
  numbered: boolean;
}

export interface LayoutView {
  lang: string;
  siteTitle: string;
  pageTitle: string;
  description: string;
  canonical: string;
  homeHref: string;
  cssHref: string;
  labels: Labels;
  /** JSON-LD, already serialized safely for a <script> element; empty for none. */
  jsonLd: string;
  footer: string;
  /** Archive links in the footer: sections, tags, years. */
  footerLinks: { href: string; text: string }[];
  /** Extra <meta>: e.g. noindex on 404 and redirect pages. */
  robots: string;
  /** Section links in the header. */
  nav: { href: string; text: string; current: boolean }[];
  /** <link rel="alternate"> feeds for this page. */
  alternates: { type: string; href: string; title: string }[];
  /** Open Graph and Twitter card values. */
  og: { type: string; title: string; description: string; image: string; publishedTime: string; modifiedTime: string; section: string };
  breadcrumbs: { href: string; text: string }[];
  searchHref: string;
}

/** A listing entry: title, summary, date, section. */
export interface Teaser extends LinkItem {
  summary: string;
  dateIso: string;
  dateText: string;
  category: string;
  lang: string;
}

/** Site-relative path ('/2018/03/x/') -> link honouring the base path ('/archive/2018/03/x/'). */
export function hrefFor(config: Config, sitePath: string): string {
  return config.basePath + sitePath.replace(/^\//, '');
}

/** Site-relative path -> absolute URL, for canonical links, feeds and sitemaps. */
export function absoluteUrl(config: Config, sitePath: string): string {
  const relative = sitePath.replace(/^\//, '');
  // A path of plain characters with no dot segment resolves to itself after the base:
  // the same string without parsing a URL (~1.5 µs each, ~6 ms of a 4,000-article
  // sitemap). Anything else (non-ASCII, %, dot segments, a base with a query) is URL's.
  if (PLAIN_RELATIVE.test(relative) && isPlainBase(config.baseUrl)) return config.baseUrl + relative;
  return new URL(relative, config.baseUrl).href;
}

/** Unreserved characters and slashes, no segment that is `.` or `..`, no leading slash (`//host/` is another host). */
const PLAIN_RELATIVE = /^(?!\/|\.\.?(?:\/|$))(?:[A-Za-z0-9\-_~]|\/(?!\.\.?(?:\/|$))|\.)*$/;
/** An http(s) base as normalizeBaseUrl leaves it: a trailing slash, no query, no fragment, no backslash. */
const PLAIN_BASE = /^https?:\/\/[^/?#\\]+\/(?:[^?#\\]*\/)?$/;
const plainBases = new Map<string, boolean>();

/** True for a base that URL would write back unchanged (host in lower case, and so on). */
function isPlainBase(base: string): boolean {
  let plain = plainBases.get(base);
  if (plain === undefined) plainBases.set(base, (plain = PLAIN_BASE.test(base) && new URL(base).href === base));
  return plain;
}

/**
 * A view of an article that depends only on the article and the config, made once
 * per pair and shared by every page that shows it. Configs are told apart by content,
 * not identity: a dev server reads site.yaml again for every build, and its unchanged
 * articles keep their views (and the views' fingerprint tokens) from one build to the next.
 */
function perArticle<T extends object>(make: (config: Config, article: Article) => T): (config: Config, article: Article) => T {
  const made = new Map<string, WeakMap<Article, T>>();
  return (config, article) => {
    const key = configKey(config);
    let forConfig = made.get(key);
    if (!forConfig) {
      // A session goes back and forth between a few configs at most.
      if (made.size >= MAX_CONFIGS_KEPT) made.clear();
      made.set(key, (forConfig = new WeakMap()));
    }
    let view = forConfig.get(article);
    if (!view) forConfig.set(article, (view = sharedView(make(config, article))));
    return view;
  };
}

const MAX_CONFIGS_KEPT = 4;
const configKeys = new WeakMap<Config, string>();

/** The config's JSON, made once per config object: what per-config memos and keys are made of. */
export function configKey(config: Config): string {
  let key = configKeys.get(config);
  if (key === undefined) configKeys.set(config, (key = JSON.stringify(config)));
  return key;
}

/**
 * What fingerprints and memo keys hold for "this article, as it is": the digest parsing
 * made of it, or for an article made some other way (tests), one made on first use.
 */
export function articleToken(article: Article): string {
  if (article.digest !== undefined) return article.digest;
  let token = articleTokens.get(article);
  if (token === undefined) articleTokens.set(article, (token = articleDigest(article)));
  return token;
}

const articleTokens = new WeakMap<Article, string>();

// Every page lists some forty articles in its side column; cutting each title by
// grapheme is the costliest part of building page data.
export const linkItem = perArticle<LinkItem>((config, article) => ({
  href: hrefFor(config, article.url),
  text: truncateToWidth(article.title, config.listTitleWidth),
  title: article.title,
}));

export function listBlock(config: Config, key: string, label: string, articles: Article[], numbered = false): ListBlock | undefined {
  if (articles.length === 0) return undefined;
  return { key, label, items: articles.map((a) => linkItem(config, a)), numbered };
}

/**
 * Dates are formatted by hand, not by Intl's locale data: ICU versions differ
 * between machines, and output must be byte-identical wherever it is built.
 */
export function formatDate(epochMs: number, config: Pick<Config, 'timezone' | 'language'>, withTime = true): string {
  const p = localParts(epochMs, config.timezone);
  const time = withTime ? ` ${pad(p.hour)}:${pad(p.minute)}` : '';
  if (config.language === 'en') return `${p.day} ${MONTHS[p.month - 1]} ${p.year}${time}`;
  return `${p.year}年${p.month}月${p.day}日${time}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function isoDate(epochMs: number, config: Pick<Config, 'timezone'>): string {
  return isoInZone(epochMs, config.timezone);
}

/**
 * JSON for a <script type="application/ld+json"> element. Escaping <, > and & as
 * \u sequences keeps the JSON equal while making `</script>` and `<!--` impossible.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function htmlLang(language: Language): string {
  return language;
}

export interface LayoutContext {
  config: Config;
  now: number;
  cssHref: string;
  nav: { path: string; text: string }[];
  footerLinks: { path: string; text: string }[];
}

/** The parts of the layout that are the same on every page, made once per context. */
const sameOnEveryPage = new WeakMap<LayoutContext, Pick<LayoutView, 'footer' | 'footerLinks' | 'alternates'>>();

function layoutConstants(context: LayoutContext): Pick<LayoutView, 'footer' | 'footerLinks' | 'alternates'> {
  let made = sameOnEveryPage.get(context);
  if (!made) {
    const { config } = context;
    made = {
      footer: `© ${localParts(context.now, config.timezone).year} ${config.title}`,
      footerLinks: sharedView(context.footerLinks.map((item) => ({ href: hrefFor(config, item.path), text: item.text }))),
      alternates: sharedView([
        { type: 'application/rss+xml', href: hrefFor(config, '/feed.xml'), title: `${config.title} RSS` },
        { type: 'application/atom+xml', href: hrefFor(config, '/atom.xml'), title: `${config.title} Atom` },
        { type: 'application/feed+json', href: hrefFor(config, '/feed.json'), title: `${config.title} JSON Feed` },
      ]),
    };
    sameOnEveryPage.set(context, made);
  }
  return made;
}

/**
 * Everything layoutView reads from its context, as one string made once per context:
 * pages whose fingerprint is made of their inputs (PageSpec.fingerprintInputs) include
 * it in place of their layout. The build time counts only as the footer's year, so a
 * dev server rebuilding on the clock still finds its pages unchanged. A field that
 * layoutView or layoutConstants starts to read belongs here too.
 */
export function layoutContextToken(context: LayoutContext): string {
  let token = layoutTokens.get(context);
  if (token === undefined) {
    const fields = JSON.stringify({ cssHref: context.cssHref, nav: context.nav, footerLinks: context.footerLinks, footer: layoutConstants(context).footer });
    // Short, as it goes into the fingerprint JSON of every such page.
    token = jsonDigest(`${configKey(context.config)}\0${fields}`);
    layoutTokens.set(context, token);
  }
  return token;
}

const layoutTokens = new WeakMap<LayoutContext, string>();

/** Section links by which of them are current: one shared view per combination (most pages have none). */
const navViews = new WeakMap<LayoutContext, Map<string, LayoutView['nav']>>();

function navView(context: LayoutContext, canonicalPath: string): LayoutView['nav'] {
  const current = context.nav.map((item) => item.path === canonicalPath || (canonicalPath.startsWith(item.path) && item.path !== '/'));
  let views = navViews.get(context);
  if (!views) navViews.set(context, (views = new Map()));
  const key = current.map((flag) => (flag ? '1' : '0')).join('');
  let nav = views.get(key);
  if (!nav) {
    nav = sharedView(context.nav.map((item, index) => ({ href: hrefFor(context.config, item.path), text: item.text, current: current[index]! })));
    views.set(key, nav);
  }
  return nav;
}

export function layoutView(context: LayoutContext, fields: Partial<LayoutView> & { pageTitle: string; canonicalPath: string }): LayoutView {
  const { config } = context;
  const labels = labelsFor(config.language);
  const { canonicalPath, ...rest } = fields;
  const description = fields.description ?? config.description;
  const constants = layoutConstants(context);
  return {
    lang: htmlLang(config.language),
    siteTitle: config.title,
    description,
    homeHref: hrefFor(config, '/'),
    cssHref: context.cssHref,
    labels,
    jsonLd: '',
    footer: constants.footer,
    footerLinks: constants.footerLinks,
    robots: '',
    nav: navView(context, canonicalPath),
    alternates: constants.alternates,
    og: { type: 'website', title: fields.pageTitle, description, image: '', publishedTime: '', modifiedTime: '', section: '' },
    breadcrumbs: [],
    searchHref: config.search ? hrefFor(config, '/search/') : '',
    ...rest,
    canonical: absoluteUrl(config, canonicalPath),
  };
}

// An article appears on some ten listing pages (home, category, each tag, author,
// source, year, month).
export const teaser = perArticle<Teaser>((config, article) => ({
  ...linkItem(config, article),
  text: article.title,
  summary: article.summary,
  dateIso: isoDate(article.date, config),
  dateText: formatDate(article.date, config),
  category: article.category ?? '',
  lang: articleLang(article, config.language),
}));

/**
 * The language of an article's own text, for `lang` attributes: an English story on
 * a Chinese site is read (and hyphenated, and voiced by screen readers) as English.
 */
export function articleLang(article: Pick<Article, 'title' | 'summary'>, siteLanguage: Language): string {
  const sample = article.title + article.summary;
  if (/\p{Script=Han}/u.test(sample)) return siteLanguage === 'en' ? 'zh' : siteLanguage;
  return /[A-Za-z]/.test(sample) ? 'en' : siteLanguage;
}

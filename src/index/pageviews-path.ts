// Analytics tools record the same page under many spellings: with the scheme and
// host, with a query string from a campaign link, without the trailing slash, as
// .../index.html, percent-encoded, under the site's base path. Both sides of the
// match (export rows and article URLs/aliases) go through normalizeViewPath, so
// they meet on one spelling.
import type { Article } from '../types.ts';

const SCHEME_AND_HOST = /^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/?#]*/i;
const INDEX_FILE = /\/index\.html?$/i;

/** Pure: URL or path as found in analytics exports -> site path like '/2026/11/slug/' (no base path). */
export function normalizeViewPath(raw: string, basePath: string): string {
  let p = raw.trim().replace(SCHEME_AND_HOST, '');
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p);
    } catch {
      // A malformed escape stays as written: it can still match an alias written the same way.
    }
  }
  if (p.includes('\\')) p = p.replace(/\\/g, '/');
  if (!p.startsWith('/')) p = '/' + p;
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  p = p.replace(INDEX_FILE, '/');
  if (!p.endsWith('/')) p += '/';
  return stripBase(p, basePath);
}

function stripBase(p: string, basePath: string): string {
  // Only a base path other than '/' needs stripping; '/archive/' also matches the bare '/archive/'.
  if (basePath.length <= 1) return p;
  // Rows are decoded before this point; a base path like /财经/ arrives percent-encoded.
  let decodedBase = basePath;
  try {
    decodedBase = decodeURIComponent(basePath);
  } catch {
    // keep it as written
  }
  const base = decodedBase.endsWith('/') ? decodedBase : decodedBase + '/';
  const withSlash = base.startsWith('/') ? base : '/' + base;
  return p.startsWith(withSlash) ? p.slice(withSlash.length - 1) : p;
}

/**
 * Pure: the `resolve` function readPageViews needs, built from the articles. A key may be
 * a normalized path (article URL or any of its aliases) or a bare slug. An article's own
 * URL wins over another article's alias of the same spelling. URLs and aliases are
 * site-relative already, so no base path is stripped from them: a category that happens
 * to be named like the base path must not lose its first segment.
 */
export function pathResolver(
  articles: readonly Pick<Article, 'slug' | 'url' | 'aliases'>[],
): (key: string) => string | undefined {
  const byKey = new Map<string, string>();
  for (const article of articles) {
    for (const alias of article.aliases) {
      const key = normalizeViewPath(alias, '/');
      if (!byKey.has(key)) byKey.set(key, article.slug);
    }
  }
  for (const article of articles) byKey.set(normalizeViewPath(article.url, '/'), article.slug);
  const slugs = new Map(articles.map((a) => [a.slug, a.slug]));
  // The article's own slug string is returned, never `key`, which may be a slice of a large buffer.
  return (key) => byKey.get(key) ?? slugs.get(key);
}

// The article page and the redirect pages of its old URLs.
import { localParts, pad } from '../time.ts';
import type { Article, PageSpec } from '../types.ts';
import type { RenderContext } from './pages.ts';
import { withDigestedHtml } from './shared-view.ts';
import { asideLists, bySlugs } from './pages.ts';
import { absoluteUrl, articleLang, formatDate, hrefFor, isoDate, layoutView, linkItem, listBlock, scriptSafeJson } from './view.ts';

export function articlePage(context: RenderContext, article: Article): PageSpec {
  const { site, config, labels } = context;
  const listings = site.listings;
  const group = listings.categoryOf.get(article.slug);
  const categoryPath = group ? `/categories/${group.slug}/` : undefined;
  const image = article.image ? (article.image.startsWith('/') ? absoluteUrl(config, article.image) : article.image) : '';
  const published = isoDate(article.date, config);
  const modified = article.updated === undefined ? published : isoDate(article.updated, config);
  const layout = layoutView(context, {
    pageTitle: `${article.title} - ${config.title}`,
    canonicalPath: article.url,
    description: article.summary,
    breadcrumbs: [
      { href: hrefFor(config, '/'), text: labels.home },
      ...(group && categoryPath ? [{ href: hrefFor(config, categoryPath), text: group.name }] : []),
    ],
    og: { type: 'article', title: article.title, description: article.summary, image, publishedTime: published, modifiedTime: modified, section: article.category ?? '' },
  });
  layout.jsonLd = scriptSafeJson({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: article.title,
    description: article.summary,
    datePublished: published,
    dateModified: modified,
    ...(article.authors.length > 0 ? { author: article.authors.map((name) => ({ '@type': 'Person', name })) } : article.source ? { author: { '@type': 'Organization', name: article.source } } : {}),
    ...(image ? { image: [image] } : {}),
    ...(article.category ? { articleSection: article.category } : {}),
    ...(article.tags.length > 0 ? { keywords: article.tags.join(', ') } : {}),
    publisher: { '@type': 'Organization', name: config.title },
    mainEntityOfPage: absoluteUrl(config, article.url),
    inLanguage: articleLang(article, config.language),
  });

  const relatedLinks = article.related.hidden ? [] : (site.related.get(article.slug) ?? []);
  const related = listBlock(config, 'related', labels.related, bySlugs(site, relatedLinks.map((link) => link.slug)));
  const linkTo = (kind: 'tags' | 'authors' | 'sources', name: string, byKey: Map<string, { slug: string; name: string }>) => {
    const found = byKey.get(name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase());
    return { text: name, href: found ? hrefFor(config, `/${kind}/${found.slug}/`) : '' };
  };
  const siblings = group?.articles;
  const index = listings.positionInCategory.get(article.slug) ?? -1;
  // Category lists are newest first: the previous (older) story follows in the list.
  const older = siblings && index >= 0 ? siblings[index + 1] : undefined;
  const newer = siblings && index > 0 ? siblings[index - 1] : undefined;

  return {
    path: outputPathFor(article.url),
    template: 'article',
    data: {
      layout,
      article: withDigestedHtml({
        title: article.title,
        lang: articleLang(article, config.language),
        dateIso: published,
        dateText: formatDate(article.date, config),
        monthHref: hrefFor(config, monthPath(article.date, config.timezone)),
        updatedIso: article.updated === undefined ? '' : modified,
        updatedText: article.updated === undefined ? '' : formatDate(article.updated, config),
        category: group ? { text: group.name, href: hrefFor(config, categoryPath!) } : undefined,
        authors: article.authors.map((name) => linkTo('authors', name, listings.authorByKey)),
        source: article.source ? linkTo('sources', article.source, listings.sourceByKey) : undefined,
        tags: article.tags.map((tag) => linkTo('tags', tag, listings.tagByKey)),
        tickers: article.tickers,
        summary: article.summary,
        html: article.html,
        toc: article.headings.filter((h) => h.depth === 2).map((h) => ({ href: `#${encodeURIComponent(h.id)}`, text: h.text })),
      }, article.htmlDigest),
      sequence: older || newer ? { older: older ? linkItem(config, older) : undefined, newer: newer ? linkItem(config, newer) : undefined } : undefined,
      related,
      aside: asideLists(context, article, article.category),
    },
  };
}

function monthPath(date: number, timeZone: string): string {
  const local = localParts(date, timeZone);
  return `/${local.year}/${pad(local.month)}/`;
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

export function* aliasPages(context: RenderContext, article: Article): Generator<PageSpec> {
  const { config } = context;
  const target = absoluteUrl(config, article.url);
  for (const alias of article.aliases) {
    const layout = layoutView(context, { pageTitle: article.title, canonicalPath: article.url, robots: 'noindex' });
    yield { path: outputPathFor(alias), template: 'redirect', data: { layout, target, title: article.title } };
  }
}

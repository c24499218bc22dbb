// The article page and the redirect pages of its old URLs.
import { localParts, pad } from '../time.ts';
import type { Article, PageSpec, ShownArticles } from '../types.ts';
import { foldName } from '../index/text.ts';
import type { RenderContext } from './pages.ts';
import { asideLists, bySlugs, showAside } from './pages.ts';
import type { Labels } from './labels.ts';
import { jsonDigest, sharedViewToken } from './shared-view.ts';
import { absoluteUrl, articleLang, articleToken, formatDate, hrefFor, isoDate, layoutContextToken, layoutView, linkItem, listBlock, scriptSafeJson, type LayoutContext, type LinkItem, type ListBlock } from './view.ts';

export function articlePage(context: RenderContext, article: Article): PageSpec {
  let inputs: ArticlePageInputs | undefined;
  const inputsOnce = () => (inputs ??= articlePageInputs(context, article));
  let data: object | undefined;
  return {
    path: outputPathFor(article.url),
    template: 'article',
    dependencyKey: (renderKey, shown) => articleDependencyKey(renderKey, context, article, shown),
    // The layout's context and the article's own fields as one digest each, and what the
    // page takes from the rest of the site; made only when a fingerprint is wanted
    // (never in a build without cache or session).
    get fingerprintInputs() {
      return [layoutContextToken(context), articleToken(article), inputsOnce()];
    },
    get data() {
      return (data ??= articlePageData(context, article, inputsOnce()));
    },
  };
}

/**
 * What an article page takes from the rest of the site, as the articles and slugs
 * themselves: its inputs (the views made of them) and its dependency key (their
 * digests) are both made from this, so the key cannot miss an input.
 */
interface Surroundings {
  group: { name: string; slug: string; articles: readonly Article[] } | undefined;
  older: Article | undefined;
  newer: Article | undefined;
  /** Slug of the listing page of each author, tag and source, where it has one. */
  authorSlugs: (string | undefined)[];
  tagSlugs: (string | undefined)[];
  sourceSlug: string | undefined;
  related: Article[];
  aside: ListBlock[];
}

function surroundingsOf(context: RenderContext, article: Article): Surroundings {
  const { site } = context;
  const listings = site.listings;
  const group = listings.categoryOf.get(article.slug);
  const slugOf = (name: string, byKey: Map<string, { slug: string }>) => byKey.get(foldName(name))?.slug;
  const siblings = group?.articles;
  const index = listings.positionInCategory.get(article.slug) ?? -1;
  const relatedLinks = article.related.hidden ? [] : (site.related.get(article.slug) ?? []);
  return {
    group,
    // Category lists are newest first: the previous (older) story follows in the list.
    older: siblings && index >= 0 ? siblings[index + 1] : undefined,
    newer: siblings && index > 0 ? siblings[index - 1] : undefined,
    authorSlugs: article.authors.map((name) => slugOf(name, listings.authorByKey)),
    tagSlugs: article.tags.map((tag) => slugOf(tag, listings.tagByKey)),
    sourceSlug: article.source ? slugOf(article.source, listings.sourceByKey) : undefined,
    related: bySlugs(site, relatedLinks.map((link) => link.slug)),
    aside: asideLists(context, article, article.category),
  };
}

/**
 * The page's surroundings with each article standing as its digest: the same key, the
 * same inputs, so the same page. Made without the page's views: a warm build tells
 * ~4,000 unchanged pages in a few ms.
 */
function articleDependencyKey(renderKey: string, context: RenderContext, article: Article, recorder: ShownArticles | undefined): string {
  const around = surroundingsOf(context, article);
  const shown = recorder ? recorder.article : articleToken;
  const tokenOf = (other: Article | undefined) => (other ? shown(other) : NONE);
  if (recorder) showAside(around.aside, recorder);
  // Fields joined by NUL, which none holds (digests are base64 or hex, slugs hold no NUL,
  // the free text goes through JSON): ~2x faster than one JSON of the whole, whose
  // ~800 characters were a third of the key's cost.
  return jsonDigest([
    renderKey,
    'article',
    layoutContextToken(context),
    shown(article),
    around.group ? JSON.stringify([around.group.name, around.group.slug]) : NONE,
    tokenOf(around.older),
    tokenOf(around.newer),
    JSON.stringify(around.authorSlugs),
    JSON.stringify(around.tagSlugs),
    around.sourceSlug ?? NONE,
    // Digests hold no space.
    around.related.map(shown).join(' '),
    sharedViewToken(around.aside),
  ].join('\0'));
}

/** A field that is absent: no slug, digest or JSON text is this. */
const NONE = '\u0001';

/** What an article page shows of the rest of the site. */
interface ArticlePageInputs {
  category: { name: string; slug: string } | undefined;
  authorSlugs: (string | undefined)[];
  tagSlugs: (string | undefined)[];
  sourceSlug: string | undefined;
  sequence: { older: LinkItem | undefined; newer: LinkItem | undefined } | undefined;
  related: ListBlock | undefined;
  aside: ListBlock[];
}

function articlePageInputs(context: RenderContext, article: Article): ArticlePageInputs {
  const { config, labels } = context;
  const { group, older, newer, authorSlugs, tagSlugs, sourceSlug, related, aside } = surroundingsOf(context, article);
  return {
    category: group && { name: group.name, slug: group.slug },
    authorSlugs,
    tagSlugs,
    sourceSlug,
    sequence: older || newer ? { older: older ? linkItem(config, older) : undefined, newer: newer ? linkItem(config, newer) : undefined } : undefined,
    related: listBlock(config, 'related', labels.related, related),
    aside,
  };
}

/** Reads nothing of the site but `inputs`: the page's fingerprint is made of them, the article and the layout context. */
function articlePageData(context: LayoutContext & { labels: Labels }, article: Article, inputs: ArticlePageInputs): object {
  const { config, labels } = context;
  const group = inputs.category;
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
  const linkTo = (kind: 'tags' | 'authors' | 'sources', name: string, slug: string | undefined) => ({ text: name, href: slug !== undefined ? hrefFor(config, `/${kind}/${slug}/`) : '' });

  return {
    layout,
    article: {
      title: article.title,
      lang: articleLang(article, config.language),
      dateIso: published,
      dateText: formatDate(article.date, config),
      monthHref: hrefFor(config, monthPath(article.date, config.timezone)),
      updatedIso: article.updated === undefined ? '' : modified,
      updatedText: article.updated === undefined ? '' : formatDate(article.updated, config),
      category: group ? { text: group.name, href: hrefFor(config, categoryPath!) } : undefined,
      authors: article.authors.map((name, i) => linkTo('authors', name, inputs.authorSlugs[i])),
      source: article.source ? linkTo('sources', article.source, inputs.sourceSlug) : undefined,
      tags: article.tags.map((tag, i) => linkTo('tags', tag, inputs.tagSlugs[i])),
      tickers: article.tickers,
      summary: article.summary,
      html: article.html,
      toc: article.headings.filter((h) => h.depth === 2).map((h) => ({ href: `#${encodeURIComponent(h.id)}`, text: h.text })),
    },
    sequence: inputs.sequence,
    related: inputs.related,
    aside: inputs.aside,
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
    if (sitePath.includes('%')) decoded = decodeURIComponent(sitePath);
  } catch {
    // validated earlier; keep as is
  }
  const relative = decoded.replace(/^\/+/, '');
  if (relative === '' || relative.endsWith('/')) return `${relative}index.html`;
  if (/\.html?$/i.test(relative)) return relative;
  return `${relative}/index.html`;
}

export function* aliasPages(context: RenderContext, article: Article): Generator<PageSpec> {
  // Most articles have no old URL: nothing is made for them (this runs for every article).
  if (article.aliases.length === 0) return;
  const { config } = context;
  const target = absoluteUrl(config, article.url);
  for (const alias of article.aliases) {
    const layout = layoutView(context, { pageTitle: article.title, canonicalPath: article.url, robots: 'noindex' });
    yield { path: outputPathFor(alias), template: 'redirect', data: { layout, target, title: article.title } };
  }
}

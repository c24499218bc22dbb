// Archive pages: one paginated listing per category, tag, author, source, year and
// month, plus the index of all categories and tags with their counts. The number of
// pages is linear in the articles: each article appears in a bounded number of
// listings (its category, tags, authors, source, year, month).
import type { Group, TimeGroup } from '../index/listings.ts';
import { pad } from '../time.ts';
import type { PageSpec } from '../types.ts';
import { asideLists, paginatedPages, type RenderContext } from './pages.ts';
import { hrefFor, layoutView } from './view.ts';

type GroupKind = 'categories' | 'tags' | 'authors' | 'sources';

export function* listingPages(context: RenderContext): Generator<PageSpec> {
  const { listings } = context.site;
  const homeCrumb = { href: hrefFor(context.config, '/'), text: context.labels.home };
  const defaultAside = asideLists(context, undefined, undefined);

  for (const group of listings.categories) {
    const path = `/categories/${group.slug}/`;
    yield* paginatedPages(context, {
      path,
      title: `${group.name} - ${context.config.title}`,
      heading: group.name,
      articles: group.articles,
      aside: asideLists(context, undefined, group.name, true),
      breadcrumbs: [homeCrumb, { href: hrefFor(context.config, '/categories/'), text: context.labels.categories }],
      alternates: categoryFeeds(context, group, path),
    });
  }
  yield* groupPages(context, 'tags', listings.tags, context.labels.tag, defaultAside);
  yield* groupPages(context, 'authors', listings.authors, context.labels.author, defaultAside);
  yield* groupPages(context, 'sources', listings.sources, context.labels.source, defaultAside);
  for (const group of listings.years) yield* timePages(context, group, defaultAside);
  for (const group of listings.months) yield* timePages(context, group, defaultAside);
  yield indexPage(context, 'categories', listings.categories, context.labels.categories);
  yield indexPage(context, 'tags', listings.tags, context.labels.tags);
}

function* groupPages(context: RenderContext, kind: GroupKind, groups: Group[], label: string, aside: ReturnType<typeof asideLists>): Generator<PageSpec> {
  const crumbs = [{ href: hrefFor(context.config, '/'), text: context.labels.home }];
  for (const group of groups) {
    const heading = `${label}: ${group.name}`;
    yield* paginatedPages(context, { path: `/${kind}/${group.slug}/`, title: `${heading} - ${context.config.title}`, heading, articles: group.articles, aside, breadcrumbs: crumbs });
  }
}

function* timePages(context: RenderContext, group: TimeGroup, aside: ReturnType<typeof asideLists>): Generator<PageSpec> {
  const { config, labels } = context;
  const path = group.month === undefined ? `/${group.year}/` : `/${group.year}/${pad(group.month)}/`;
  const heading = group.month === undefined ? labels.yearArchive(group.year) : labels.monthArchive(group.year, group.month);
  const crumbs = [{ href: hrefFor(config, '/'), text: labels.home }];
  if (group.month !== undefined) crumbs.push({ href: hrefFor(config, `/${group.year}/`), text: labels.yearArchive(group.year) });
  yield* paginatedPages(context, { path, title: `${heading} - ${config.title}`, heading, articles: group.articles, aside, breadcrumbs: crumbs });
}

function indexPage(context: RenderContext, kind: 'categories' | 'tags', groups: Group[], heading: string): PageSpec {
  const { config, labels } = context;
  const layout = layoutView(context, {
    pageTitle: `${heading} - ${config.title}`,
    canonicalPath: `/${kind}/`,
    breadcrumbs: [{ href: hrefFor(config, '/'), text: labels.home }],
  });
  // Most used first, so the index reads like a newsroom's beat list; ties by name.
  const entries = [...groups]
    .sort((a, b) => b.articles.length - a.articles.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((group) => ({ href: hrefFor(config, `/${kind}/${group.slug}/`), text: group.name, count: labels.articleCount(group.articles.length) }));
  return { path: `${kind}/index.html`, template: 'index', data: { layout, heading, entries } };
}

function categoryFeeds(context: RenderContext, group: Group, path: string) {
  const { config } = context;
  return [
    { type: 'application/rss+xml', href: hrefFor(config, `${path}feed.xml`), title: `${group.name} RSS` },
    { type: 'application/atom+xml', href: hrefFor(config, `${path}atom.xml`), title: `${group.name} Atom` },
    { type: 'application/feed+json', href: hrefFor(config, `${path}feed.json`), title: `${group.name} JSON Feed` },
  ];
}

// Archive listings: categories, tags, authors, sources, years and months. Pure; one
// pass over the articles (already sorted newest first), so every group is born sorted.
//
// URL scheme for names in Chinese: a name's URL segment is its slug by the same
// scheme as `broadsheet new` (toneless pinyin, e.g. 消费金融 -> xiao-fei-jin-rong;
// Latin words lower-cased), so URLs are stable, readable and never percent-encoded.
// Names are grouped by a key folded for width (全角/半角, NFKC) and case, so
// "ＡＩ", "AI" and "ai" are one tag; the form shown is the one most articles use
// (ties: the first in code-point order). Two different names whose slugs meet get
// -2, -3... in key order, so the scheme stays deterministic.
import { compareText } from '../errors.ts';
import { foldName } from './text.ts';
import { slugFromText } from '../slug.ts';
import type { Article } from '../types.ts';

export interface Group {
  /** Folded identity: NFKC + lower case. */
  key: string;
  /** The name as most articles write it. */
  name: string;
  /** URL segment, unique within its kind. */
  slug: string;
  /** Newest first. */
  articles: Article[];
}

export interface TimeGroup {
  year: number;
  /** 1-12, or undefined for a year group. */
  month: number | undefined;
  articles: Article[];
}

export interface Listings {
  categories: Group[];
  tags: Group[];
  authors: Group[];
  sources: Group[];
  years: TimeGroup[];
  months: TimeGroup[];
  /** Article slug -> its category group, for breadcrumbs and previous/next links. */
  categoryOf: Map<string, Group>;
  /** Article slug -> its index in its category's list: previous/next in O(1), not a search. */
  positionInCategory: Map<string, number>;
  /** Folded tag key -> group, for linking an article's tags. */
  tagByKey: Map<string, Group>;
  authorByKey: Map<string, Group>;
  sourceByKey: Map<string, Group>;
}

/** `articles` newest first; `yearMonthOf` gives the archive year and month of an article. */
export function computeListings(articles: readonly Article[], yearMonthOf: (article: Article) => { year: number; month: number }): Listings {
  const categories = new GroupBuilder('category');
  const tags = new GroupBuilder('tag');
  const authors = new GroupBuilder('author');
  const sources = new GroupBuilder('source');
  const years = new Map<number, TimeGroup>();
  const months = new Map<string, TimeGroup>();

  for (const article of articles) {
    if (article.category) categories.add(article.category, article);
    for (const tag of article.tags) tags.add(tag, article);
    for (const author of article.authors) authors.add(author, article);
    if (article.source) sources.add(article.source, article);
    const { year, month } = yearMonthOf(article);
    let yearGroup = years.get(year);
    if (!yearGroup) years.set(year, (yearGroup = { year, month: undefined, articles: [] }));
    yearGroup.articles.push(article);
    const monthKey = `${year}-${month}`;
    let monthGroup = months.get(monthKey);
    if (!monthGroup) months.set(monthKey, (monthGroup = { year, month, articles: [] }));
    monthGroup.articles.push(article);
  }

  const categoryGroups = categories.finish();
  const tagGroups = tags.finish();
  const authorGroups = authors.finish();
  const sourceGroups = sources.finish();
  const categoryByKey = new Map(categoryGroups.map((g) => [g.key, g]));
  const categoryOf = new Map<string, Group>();
  const positionInCategory = new Map<string, number>();
  for (const article of articles) {
    if (article.category) categoryOf.set(article.slug, categoryByKey.get(foldName(article.category))!);
  }
  for (const group of categoryGroups) group.articles.forEach((article, index) => positionInCategory.set(article.slug, index));
  const newestFirst = (a: TimeGroup, b: TimeGroup) => b.year - a.year || (b.month ?? 0) - (a.month ?? 0);
  return {
    categories: categoryGroups,
    tags: tagGroups,
    authors: authorGroups,
    sources: sourceGroups,
    years: [...years.values()].sort(newestFirst),
    months: [...months.values()].sort(newestFirst),
    categoryOf,
    positionInCategory,
    tagByKey: new Map(tagGroups.map((g) => [g.key, g])),
    authorByKey: new Map(authorGroups.map((g) => [g.key, g])),
    sourceByKey: new Map(sourceGroups.map((g) => [g.key, g])),
  };
}

class GroupBuilder {
  private readonly groups = new Map<string, { articles: Article[]; spellings: Map<string, number> }>();

  constructor(private readonly fallbackSlug: string) {}

  add(name: string, article: Article): void {
    const key = foldName(name);
    if (key === '') return;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { articles: [], spellings: new Map() }));
    // One article listing the same tag twice in two spellings still appears once.
    if (group.articles[group.articles.length - 1] !== article) group.articles.push(article);
    group.spellings.set(name, (group.spellings.get(name) ?? 0) + 1);
  }

  /** Groups in key order, with display names and unique slugs settled. */
  finish(): Group[] {
    const keys = [...this.groups.keys()].sort(compareText);
    const usedSlugs = new Set<string>();
    return keys.map((key) => {
      const group = this.groups.get(key)!;
      const name = [...group.spellings.entries()].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))[0]![0];
      const base = slugFromText(name) || this.fallbackSlug;
      let slug = base;
      for (let n = 2; usedSlugs.has(slug); n++) slug = `${base}-${n}`;
      usedSlugs.add(slug);
      return { key, name, slug, articles: group.articles };
    });
  }
}

// The named lists beside every page: 排行 most read, 今日热点 trending, 今日要闻
// headlines, 为您推荐 recommended, 最新 latest. Pure: articles + page views + now in,
// slugs out. Each list is computed once per build, kept one item longer than its
// configured length, and cut per page by listsForPage, so a page can drop itself and
// still show a full list at O(list length) per page.
//
// Decisions:
// - Ties: score desc, then date desc, then slug asc in code-point order, everywhere.
// - Zero views: an article with no views in the window is not in most read or trending.
//   A most-read list of 3 when only 3 articles were read is honest; topping it up with
//   unread articles would put them under a heading that says they were read.
// - No data: when no article has views in a list's window (no file, or a stale one),
//   that list falls back to recency and `viewsFallback` is set, for the build to say so.
// - Recommended: the category's `pick: true` articles, newest first, then its most read,
//   then its newest articles. It makes no claim about views, so it is always filled when
//   the category has enough articles. Pages without a category get the site-wide picks.
// - Rankings rank what they are given: drafts and scheduled articles are the caller's
//   to leave out. Only headlines look at `now`, through their window.
// - The instant a day's row stands for, and the windows: rankings-scores.ts.
import { foldName } from './text.ts';
import type { Config, ListLengths } from '../config.ts';
import { compareText } from '../errors.ts';
import { HOUR_MS } from '../time.ts';
import type { Article } from '../types.ts';
import type { PageViewTable } from './pageviews.ts';
import { viewScores } from './rankings-scores.ts';

export { TRENDING_HORIZON_HALF_LIVES, viewsNeededSince } from './rankings-scores.ts';

export interface Rankings {
  /** Slugs, rank order, site-wide. */
  mostRead: string[];
  trending: string[];
  headlines: string[];
  latest: string[];
  /** Keyed by the folded category name (foldName): AI, ai and ＡＩ are one category. */
  mostReadByCategory: Map<string, string[]>;
  recommendedByCategory: Map<string, string[]>;
  /** Site-wide recommended, for pages with no category (or a category with no articles). */
  recommended: string[];
  /** True when there was no page-view data and the view-based lists fell back to recency. */
  viewsFallback: boolean;
}

export interface PageLists {
  mostRead: string[];
  trending: string[];
  headlines: string[];
  latest: string[];
  recommended: string[];
  /** Empty on pages with no category. */
  mostReadInCategory: string[];
}

type RankingConfig = Pick<Config, 'lists' | 'rankings' | 'timezone'>;

export function computeRankings(articles: readonly Article[], views: PageViewTable | undefined, now: number, config: RankingConfig): Rankings {
  const lengths = config.lists;
  // The recency order is every tie-break after the score, so it is computed once and
  // turned into a rank: comparing two ranks is cheaper than comparing dates and slugs.
  const recent = articles.map((_, i) => i).sort((a, b) => compareRecency(articles[a]!, articles[b]!));
  const rank = new Int32Array(articles.length);
  recent.forEach((index, position) => (rank[index] = position));
  const byScore = (score: Float64Array) =>
    recent.filter((i) => score[i]! > 0).sort((a, b) => score[b]! - score[a]! || rank[a]! - rank[b]!);

  const scores = views && viewScores(articles.map((a) => a.slug), views, now, config.rankings, config.timezone);
  const mostReadOrder = scores ? byScore(scores.mostRead) : [];
  const trendingOrder = scores ? byScore(scores.trending) : [];
  const viewsFallback = mostReadOrder.length === 0 || trendingOrder.length === 0;
  const readOrder = mostReadOrder.length > 0 ? mostReadOrder : recent;
  const slugs = (indexes: readonly number[]) => indexes.map((i) => articles[i]!.slug);

  const byCategory = categoryLists(articles, recent, readOrder, lengths);
  const recommendedByCategory = new Map<string, string[]>();
  for (const [category, lists] of byCategory) {
    recommendedByCategory.set(category, slugs(fill(lengths.recommended + 1, lists.picks, lists.mostRead, lists.recent)));
  }
  const sitePicks = recent.filter((i) => articles[i]!.pick);
  return {
    mostRead: slugs(readOrder.slice(0, lengths.mostRead + 1)),
    trending: slugs((trendingOrder.length > 0 ? trendingOrder : recent).slice(0, lengths.trending + 1)),
    headlines: slugs(headlines(articles, recent, rank, now, config)),
    latest: slugs(recent.slice(0, lengths.latest + 1)),
    mostReadByCategory: new Map([...byCategory].map(([category, lists]) => [category, slugs(lists.mostRead.slice(0, lengths.mostRead + 1))])),
    recommendedByCategory,
    recommended: slugs(fill(lengths.recommended + 1, sitePicks, readOrder, recent)),
    viewsFallback,
  };
}

/** Newest first; at the same instant, slug in code-point order. */
function compareRecency(a: Article, b: Article): number {
  return b.date - a.date || compareText(a.slug, b.slug);
}

/**
 * 今日要闻: `headline: true` articles dated within the window before `now`, by weight,
 * then recency; then the newest other articles when there are too few.
 */
function headlines(articles: readonly Article[], recent: readonly number[], rank: Int32Array, now: number, config: RankingConfig): number[] {
  const from = now - config.rankings.headlineWindowHours * HOUR_MS;
  const flagged = recent
    .filter((i) => articles[i]!.headline && articles[i]!.date >= from && articles[i]!.date <= now)
    .sort((a, b) => articles[b]!.weight - articles[a]!.weight || rank[a]! - rank[b]!);
  return fill(config.lists.headlines + 1, flagged, recent);
}

interface CategoryLists {
  /** Enough of each to fill recommended with distinct articles, and most read one longer than its length. */
  picks: number[];
  mostRead: number[];
  recent: number[];
}

/**
 * All per-category lists in one pass over each site-wide order: each category takes its
 * first k articles as they come, so no category is ever sorted on its own.
 */
function categoryLists(articles: readonly Article[], recent: readonly number[], readOrder: readonly number[], lengths: ListLengths): Map<string, CategoryLists> {
  const want = lengths.recommended + 1;
  // Recommended draws from three sources that overlap: each must reach past the
  // articles the sources before it may already have given.
  const mostReadKeep = Math.max(lengths.mostRead + 1, 2 * want);
  const recentKeep = 3 * want;
  const lists = new Map<string, CategoryLists>();
  const of = (category: string) => {
    let entry = lists.get(category);
    if (!entry) {
      entry = { picks: [], mostRead: [], recent: [] };
      lists.set(category, entry);
    }
    return entry;
  };
  for (const i of recent) {
    const article = articles[i]!;
    if (article.category === undefined) continue;
    const entry = of(foldName(article.category));
    if (article.pick && entry.picks.length < want) entry.picks.push(i);
    if (entry.recent.length < recentKeep) entry.recent.push(i);
  }
  for (const i of readOrder) {
    const category = articles[i]!.category;
    if (category === undefined) continue;
    const entry = of(foldName(category));
    if (entry.mostRead.length < mostReadKeep) entry.mostRead.push(i);
  }
  return lists;
}

/** The first `n` distinct items of the sources, in source order. */
function fill(n: number, ...sources: (readonly number[])[]): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const source of sources) {
    for (const i of source) {
      if (out.length >= n) return out;
      if (seen.has(i)) continue;
      seen.add(i);
      out.push(i);
    }
  }
  return out;
}

/**
 * The slugs whose own page gets other lists than a page without them (listsForPage's
 * `self`): those within the first `n` of a list that page may show, in any section. A
 * page of any other article shows what a section page shows, and can share its side
 * column without working the lists out again.
 */
export function slugsShapingLists(rankings: Rankings, lengths: ListLengths): Set<string> {
  const shaping = new Set<string>();
  const take = (list: readonly string[], n: number) => {
    for (let i = 0; i < Math.min(n, list.length); i++) shaping.add(list[i]!);
  };
  take(rankings.mostRead, lengths.mostRead);
  take(rankings.trending, lengths.trending);
  take(rankings.headlines, lengths.headlines);
  take(rankings.latest, lengths.latest);
  take(rankings.recommended, lengths.recommended);
  for (const list of rankings.recommendedByCategory.values()) take(list, lengths.recommended);
  for (const list of rankings.mostReadByCategory.values()) take(list, lengths.mostRead);
  return shaping;
}

/**
 * The lists for one page: each leaves out `self` (an article page's own slug, or
 * undefined on other pages) and is cut to its length in `lengths` (pass the lengths the
 * rankings were computed with). `category` selects recommended and most read in category;
 * without one, recommended is site-wide and most read in category is empty.
 */
export function listsForPage(rankings: Rankings, lengths: ListLengths, self: string | undefined, category: string | undefined): PageLists {
  const cut = (list: readonly string[], n: number) => {
    const out: string[] = [];
    for (const slug of list) {
      if (out.length >= n) break;
      if (slug !== self) out.push(slug);
    }
    return out;
  };
  // Categories are one name whatever their case or width, as on the listing pages.
  const key = category === undefined ? undefined : foldName(category);
  const recommended = (key !== undefined && rankings.recommendedByCategory.get(key)) || rankings.recommended;
  return {
    mostRead: cut(rankings.mostRead, lengths.mostRead),
    trending: cut(rankings.trending, lengths.trending),
    headlines: cut(rankings.headlines, lengths.headlines),
    latest: cut(rankings.latest, lengths.latest),
    recommended: cut(recommended, lengths.recommended),
    mostReadInCategory: key === undefined ? [] : cut(rankings.mostReadByCategory.get(key) ?? [], lengths.mostRead),
  };
}

import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config, type ListLengths } from '../../src/config.ts';
import type { PageViewTable } from '../../src/index/pageviews.ts';
import { computeRankings, listsForPage, slugsShapingLists, viewsNeededSince, type Rankings } from '../../src/index/rankings.ts';
import type { Article } from '../../src/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-11-10 12:00 in Asia/Shanghai (UTC+8, no DST): local noon, so day rows sit on whole days from now. */
const NOON = Date.UTC(2026, 10, 10, 4);

function article(slug: string, fields: Partial<Article> = {}): Article {
  return {
    sourcePath: `${slug}.md`, slug, url: `/2026/11/${slug}/`, title: slug, date: NOON - DAY, updated: undefined,
    category: undefined, tags: [], authors: [], source: undefined, summary: '', headline: false, pick: false,
    weight: 0, draft: false, tickers: [], aliases: [], related: { pinned: [], hidden: false, line: undefined },
    html: '', text: '', headings: [], ...fields,
  };
}

/** rows: [slug, local date 'YYYY-MM-DD', views] */
function table(rows: [string, string, number][]): PageViewTable {
  const bySlug = new Map<string, Map<number, number>>();
  for (const [slug, date, views] of rows) {
    const day = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY;
    const days = bySlug.get(slug) ?? new Map<number, number>();
    days.set(day, (days.get(day) ?? 0) + views);
    bySlug.set(slug, days);
  }
  return { bySlug, rows: rows.length };
}

function config(lists: Partial<ListLengths> = {}, rankings: Partial<Config['rankings']> = {}) {
  return {
    lists: { ...defaultConfig.lists, ...lists },
    rankings: { ...defaultConfig.rankings, ...rankings },
    timezone: 'Asia/Shanghai',
  };
}

describe('most read', () => {
  it('counts the 7 days before now: a row exactly at the window start is in, a day earlier is out', () => {
    // now = noon of the 10th; the 3rd's row stands for noon of the 3rd = now - 7 days exactly.
    const articles = [article('edge'), article('before'), article('today'), article('unread')];
    const views = table([
      ['edge', '2026-11-03', 5],
      ['before', '2026-11-02', 100],
      ['today', '2026-11-10', 3],
    ]);
    const r = computeRankings(articles, views, NOON, config());
    // 'before' and 'unread' have no views in the window: not in the list, not topped up.
    expect(r.mostRead).toEqual(['edge', 'today']);
    expect(r.viewsFallback).toBe(false);
  });

  it('sums a window of several days, and ignores days after today', () => {
    const articles = [article('a'), article('b'), article('future')];
    const views = table([
      ['a', '2026-11-08', 4], ['a', '2026-11-09', 4],
      ['b', '2026-11-10', 7],
      ['future', '2026-11-11', 1000],
    ]);
    expect(computeRankings(articles, views, NOON, config()).mostRead).toEqual(['a', 'b']);
  });

  it('settles ties by date desc, then slug in code-point order (not locale order)', () => {
    const articles = [
      article('older', { date: NOON - 3 * DAY }),
      article('b', { date: NOON - DAY }),
      article('B', { date: NOON - DAY }),
      article('a', { date: NOON - DAY }),
      article('top', { date: NOON - 9 * DAY }),
    ];
    const views = table([['older', '2026-11-09', 5], ['b', '2026-11-09', 5], ['B', '2026-11-09', 5], ['a', '2026-11-09', 5], ['top', '2026-11-09', 6]]);
    // 'B' (U+0042) sorts before 'a' (U+0061); localeCompare would put 'a' first.
    expect(computeRankings(articles, views, NOON, config()).mostRead).toEqual(['top', 'B', 'a', 'b', 'older']);
  });

  it('ranks per category with the same window, one longer than the list length', () => {
    const articles = [
      article('m1', { category: 'macro' }), article('m2', { category: 'macro' }), article('m3', { category: 'macro' }),
      article('s1', { category: 'stocks' }), article('none'),
    ];
    const views = table([['m1', '2026-11-09', 1], ['m2', '2026-11-09', 3], ['m3', '2026-11-09', 2], ['s1', '2026-11-09', 9], ['none', '2026-11-09', 50]]);
    const r = computeRankings(articles, views, NOON, config({ mostRead: 1 }));
    expect(r.mostRead).toEqual(['none', 's1']);
    expect(r.mostReadByCategory).toEqual(new Map([['macro', ['m2', 'm3']], ['stocks', ['s1']]]));
  });
});

describe('trending', () => {
  it('lets a smaller count today beat a bigger count yesterday', () => {
    // now = 08:00 on the 10th.
    //   rising: 300 views today; today's row stands for now (noon is still ahead): 300 * 0.5^0 = 300
    //   peaked: 500 views yesterday; noon of the 9th is 20 h ago: 500 * 0.5^(20/24) = 500 * 0.5612 = 280.6
    //   steady: 200 on each of the 8th and 9th: 200 * 0.5^(44/24) + 200 * 0.5^(20/24) = 56.1 + 112.2 = 168.4
    // Most read over the same days: peaked 500, steady 400, rising 300.
    const now = Date.UTC(2026, 10, 10, 0); // 08:00 in Shanghai
    const articles = [article('rising'), article('peaked'), article('steady')];
    const views = table([
      ['rising', '2026-11-10', 300],
      ['peaked', '2026-11-09', 500],
      ['steady', '2026-11-08', 200], ['steady', '2026-11-09', 200],
    ]);
    const r = computeRankings(articles, views, now, config());
    expect(r.trending).toEqual(['rising', 'peaked', 'steady']);
    expect(r.mostRead).toEqual(['peaked', 'steady', 'rising']);
  });

  it('follows the configured half-life', () => {
    // Half-life 6 h, now = noon of the 10th: big, 1000 views a day ago, weighs 1000 * 0.5^4 = 62.5;
    // small, 70 views today, weighs 70. With the default 24 h: 500 against 70.
    const articles = [article('big'), article('small')];
    const views = table([['big', '2026-11-09', 1000], ['small', '2026-11-10', 70]]);
    expect(computeRankings(articles, views, NOON, config({}, { trendingHalfLifeHours: 6 })).trending).toEqual(['small', 'big']);
    expect(computeRankings(articles, views, NOON, config()).trending).toEqual(['big', 'small']);
  });

  it('ignores views older than ten half-lives', () => {
    // Half-life 12 h: ten half-lives = 5 days. The 5th is exactly 5 days back (in); the 4th is out.
    const articles = [article('in'), article('out')];
    const views = table([['in', '2026-11-05', 1], ['out', '2026-11-04', 1_000_000]]);
    expect(computeRankings(articles, views, NOON, config({}, { trendingHalfLifeHours: 12 })).trending).toEqual(['in']);
  });

  it('does not let the order of rows decide a tie', () => {
    // The same views on the same days, summed in another order: unrounded, x's sum is
    // 16.416007456524582 and y's 16.41600745652458, and x would win on the last bit.
    // Rounded, they tie and y, the newer article, comes first.
    const now = Date.UTC(2026, 10, 10, 0); // 08:00 in Shanghai: ages 68, 44, 20 h, no exact powers of two
    const articles = [article('x', { date: NOON - 2 * DAY }), article('y', { date: NOON - DAY })];
    const views = table([
      ['x', '2026-11-07', 1], ['x', '2026-11-08', 32], ['x', '2026-11-09', 13],
      ['y', '2026-11-09', 13], ['y', '2026-11-08', 32], ['y', '2026-11-07', 1],
    ]);
    expect(computeRankings(articles, views, now, config()).trending).toEqual(['y', 'x']);
  });
});

describe('headlines', () => {
  it('takes flagged articles in the window by weight, then recency, topped up with the newest', () => {
    const articles = [
      article('h-weight0', { headline: true, weight: 0, date: NOON - 1 * HOUR }),
      article('h-weight5-old', { headline: true, weight: 5, date: NOON - 20 * HOUR }),
      article('h-weight5-new', { headline: true, weight: 5, date: NOON - 2 * HOUR }),
      article('h-edge', { headline: true, weight: 1, date: NOON - 24 * HOUR }),
      article('h-too-old', { headline: true, weight: 9, date: NOON - 25 * HOUR }),
      article('newest', { date: NOON - HOUR / 2 }),
      article('plain', { date: NOON - 3 * HOUR }),
      article('oldest', { date: NOON - 30 * HOUR }),
    ];
    const r = computeRankings(articles, undefined, NOON, config({ headlines: 6 }));
    // Flagged in [now - 24 h, now]: weight 5 (newer first), weight 1 (exactly 24 h back), weight 0.
    // Top-up in date order, skipping those already in: newest, plain, h-too-old (outside the window,
    // so it gets no headline privilege, only its place by date). Kept: 6 + 1.
    expect(r.headlines).toEqual(['h-weight5-new', 'h-weight5-old', 'h-edge', 'h-weight0', 'newest', 'plain', 'h-too-old']);
  });

  it('honours the configured window', () => {
    const articles = [article('flagged', { headline: true, date: NOON - 30 * HOUR }), article('fresh', { date: NOON - HOUR })];
    expect(computeRankings(articles, undefined, NOON, config({}, { headlineWindowHours: 48 })).headlines).toEqual(['flagged', 'fresh']);
    expect(computeRankings(articles, undefined, NOON, config()).headlines).toEqual(['fresh', 'flagged']);
  });
});

describe('recommended', () => {
  const articles = [
    article('p1', { category: 'macro', pick: true, date: NOON - 1 * DAY }),
    article('m1', { category: 'macro', date: NOON - 2 * DAY }),
    article('p2', { category: 'macro', pick: true, date: NOON - 3 * DAY }),
    article('m2', { category: 'macro', date: NOON - 4 * DAY }),
    article('m3', { category: 'macro', date: NOON - 5 * DAY }),
    article('s1', { category: 'stocks', date: NOON - 1 * DAY }),
    article('s2', { category: 'stocks', date: NOON - 2 * DAY }),
    article('s3', { category: 'stocks', date: NOON - 3 * DAY }),
    article('x1', { date: NOON - 6 * DAY }),
  ];
  const views = table([['m3', '2026-11-09', 100], ['m1', '2026-11-09', 50], ['s2', '2026-11-09', 10], ['x1', '2026-11-09', 80]]);
  const r = computeRankings(articles, views, NOON, config({ recommended: 2 }));

  it('puts the category picks first, newest first, then the category most read', () => {
    expect(r.recommendedByCategory.get('macro')).toEqual(['p1', 'p2', 'm3']);
    // On p1's own page: p1 drops out and the list is still full.
    expect(listsForPage(r, config({ recommended: 2 }).lists, 'p1', 'macro').recommended).toEqual(['p2', 'm3']);
  });

  it('without picks uses the category most read, then its newest articles', () => {
    expect(r.recommendedByCategory.get('stocks')).toEqual(['s2', 's1', 's3']);
  });

  it('names exactly the articles whose own page shows other lists than a page without them', () => {
    // Short lists, so that some articles fall beyond each cut.
    const lengths = { ...config({ recommended: 2 }).lists, mostRead: 2, trending: 2, headlines: 1, latest: 2 };
    const shaping = slugsShapingLists(r, lengths);
    for (const a of articles) {
      const differs = [undefined, 'macro', 'stocks', 'no-such-category'].some((category) => JSON.stringify(listsForPage(r, lengths, a.slug, category)) !== JSON.stringify(listsForPage(r, lengths, undefined, category)));
      expect(shaping.has(a.slug), a.slug).toBe(differs);
    }
    expect(shaping.size).toBeGreaterThan(0);
    expect(shaping.size).toBeLessThan(articles.length);
  });

  it('on pages without a category uses the site-wide picks, then the site-wide most read', () => {
    expect(r.recommended).toEqual(['p1', 'p2', 'm3']);
    expect(listsForPage(r, config({ recommended: 2 }).lists, undefined, undefined).recommended).toEqual(['p1', 'p2']);
    expect(listsForPage(r, config({ recommended: 2 }).lists, 'x1', undefined).mostReadInCategory).toEqual([]);
    expect(listsForPage(r, config({ recommended: 2 }).lists, undefined, 'no-such-category').recommended).toEqual(['p1', 'p2']);
  });
});

describe('latest', () => {
  it('is by date, newest first, ties by slug', () => {
    const articles = [article('c', { date: NOON - 3 * DAY }), article('b', { date: NOON }), article('a', { date: NOON }), article('d', { date: NOON - DAY })];
    expect(computeRankings(articles, undefined, NOON, config({ latest: 3 })).latest).toEqual(['a', 'b', 'd', 'c']);
  });
});

describe('listsForPage', () => {
  const articles = ['a', 'b', 'c', 'd', 'e'].map((slug, i) => article(slug, { date: NOON - i * HOUR, category: 'macro' }));
  const views = table([['a', '2026-11-09', 50], ['b', '2026-11-09', 40], ['c', '2026-11-09', 30], ['d', '2026-11-09', 20], ['e', '2026-11-09', 10]]);
  const lengths = config({ mostRead: 3, trending: 3, headlines: 3, latest: 3, recommended: 3 }).lists;
  const r = computeRankings(articles, views, NOON, { ...config(), lists: lengths });

  it('keeps each list one longer than its length', () => {
    expect(r.mostRead).toEqual(['a', 'b', 'c', 'd']);
    expect(r.latest).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves out the page itself and still fills the list', () => {
    expect(listsForPage(r, lengths, 'b', 'macro')).toEqual({
      mostRead: ['a', 'c', 'd'],
      trending: ['a', 'c', 'd'],
      headlines: ['a', 'c', 'd'],
      latest: ['a', 'c', 'd'],
      recommended: ['a', 'c', 'd'],
      mostReadInCategory: ['a', 'c', 'd'],
    });
  });

  it('cuts to the length when the page is not in the list', () => {
    expect(listsForPage(r, lengths, undefined, undefined).mostRead).toEqual(['a', 'b', 'c']);
    expect(listsForPage(r, lengths, 'e', undefined).latest).toEqual(['a', 'b', 'c']);
  });
});

describe('without page-view data', () => {
  const articles = [
    article('old', { date: NOON - 5 * DAY, category: 'macro' }),
    article('new', { date: NOON - 1 * DAY, category: 'macro' }),
    article('mid', { date: NOON - 2 * DAY }),
  ];

  function expectRecency(r: Rankings) {
    expect(r.viewsFallback).toBe(true);
    expect(r.mostRead).toEqual(['new', 'mid', 'old']);
    expect(r.trending).toEqual(['new', 'mid', 'old']);
    expect(r.mostReadByCategory.get('macro')).toEqual(['new', 'old']);
  }

  it('falls back to recency when there is no table', () => {
    expectRecency(computeRankings(articles, undefined, NOON, config()));
  });

  it('falls back to recency when the table has nothing in the windows', () => {
    expectRecency(computeRankings(articles, table([['old', '2026-09-01', 500]]), NOON, config()));
  });

  it('handles no articles at all', () => {
    const r = computeRankings([], undefined, NOON, config());
    expect(listsForPage(r, config().lists, undefined, undefined)).toEqual({ mostRead: [], trending: [], headlines: [], latest: [], recommended: [], mostReadInCategory: [] });
  });
});

describe('viewsNeededSince', () => {
  it('reaches back over the longer of the most-read window and the trending horizon, plus a day', () => {
    // Defaults: most read 7 days; trending 10 half-lives of 24 h = 10 days.
    expect(viewsNeededSince(NOON, defaultConfig.rankings)).toBe(NOON - 11 * DAY);
    expect(viewsNeededSince(NOON, { ...defaultConfig.rankings, mostReadDays: 30 })).toBe(NOON - 31 * DAY);
  });
});

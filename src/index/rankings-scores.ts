// Page views -> one most-read and one trending score per article. Pure.
//
// What instant a day's row stands for: the export says only "N views on day D", so each
// row is taken to happen at local noon of D, the middle of the day, except that today's
// row is taken to happen at `now` (noon may not have come yet, and those views are
// certainly not in the future). Rows for days after today are ignored: they cannot be
// real and would otherwise outrank everything.
//   Most read counts the rows whose instant lies in [now - mostReadDays, now]. At build
//   time 12:00 with 7 days, day D-7 (noon exactly 7 days back) is in, D-8 is out.
//   Trending weighs each row by 0.5 ^ (age / half-life), age = now - instant, and
//   ignores rows older than TRENDING_HORIZON_HALF_LIVES half-lives.
import type { RankingSettings } from '../config.ts';
import { DAY_MS, HOUR_MS, zonedToEpoch } from '../time.ts';
import { localDayNumber } from './pageviews-columns.ts';
import type { PageViewTable } from './pageviews.ts';

/** Past this many half-lives a view weighs under 1/1000 of a fresh one: not worth reading. Default 10. */
export const TRENDING_HORIZON_HALF_LIVES = 10;
/** Hour of the local day a row's views are taken to happen at. Default 12, the middle of the day. */
export const ROW_HOUR = 12;

/**
 * The earliest instant whose views can count in any list. Pass it as readPageViews's
 * `since` to keep a long export's history out of memory. One day of slack: a row counts
 * from its local noon, and the table keeps whole days.
 */
export function viewsNeededSince(now: number, settings: RankingSettings): number {
  return now - lookbackMs(settings) - DAY_MS;
}

function lookbackMs(settings: RankingSettings): number {
  return Math.max(settings.mostReadDays * DAY_MS, trendingHorizonMs(settings));
}

function trendingHorizonMs(settings: RankingSettings): number {
  return TRENDING_HORIZON_HALF_LIVES * settings.trendingHalfLifeHours * HOUR_MS;
}

export interface ViewScores {
  /** Per article index: views within the most-read window. */
  mostRead: Float64Array;
  /** Per article index: time-decayed views. */
  trending: Float64Array;
}

/** Scores for `slugs[i]` at index i; slugs in the table that are not in `slugs` are ignored. */
export function viewScores(slugs: readonly string[], table: PageViewTable, now: number, settings: RankingSettings, timeZone: string): ViewScores {
  const mostRead = new Float64Array(slugs.length);
  const trending = new Float64Array(slugs.length);
  const indexOf = new Map<string, number>();
  slugs.forEach((slug, i) => indexOf.set(slug, i));
  const weights = dayWeights(now, settings, timeZone);
  for (const [slug, days] of table.bySlug) {
    const i = indexOf.get(slug);
    if (i === undefined) continue;
    let read = 0;
    let trend = 0;
    for (const [day, views] of days) {
      const w = weights(day);
      if (w === undefined) continue;
      if (w.inMostRead) read += views;
      trend += views * w.trending;
    }
    // Sums of decayed floats depend on the order of the rows in the export: round away
    // the last bits so that equal views on equal days tie, and the tie-break decides.
    mostRead[i] = quantize(read);
    trending[i] = quantize(trend);
  }
  return { mostRead, trending };
}

function quantize(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

interface DayWeight {
  inMostRead: boolean;
  trending: number;
}

/** Per day number: whether it counts as most read, and its trending weight. Cached: few distinct days. */
function dayWeights(now: number, settings: RankingSettings, timeZone: string): (day: number) => DayWeight | undefined {
  const today = localDayNumber(now, timeZone);
  const mostReadFrom = now - settings.mostReadDays * DAY_MS;
  const horizon = trendingHorizonMs(settings);
  const halfLife = settings.trendingHalfLifeHours * HOUR_MS;
  const cache = new Map<number, DayWeight | undefined>();
  return (day) => {
    if (cache.has(day)) return cache.get(day);
    let weight: DayWeight | undefined;
    if (day <= today) {
      const instant = Math.min(rowInstant(day, timeZone), now);
      const age = now - instant;
      weight = { inMostRead: instant >= mostReadFrom, trending: age <= horizon ? 0.5 ** (age / halfLife) : 0 };
    }
    cache.set(day, weight);
    return weight;
  };
}

/** Local noon (ROW_HOUR) of a day number in `timeZone`, as epoch milliseconds. */
export function rowInstant(day: number, timeZone: string): number {
  const date = new Date(day * DAY_MS);
  return zonedToEpoch(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: ROW_HOUR, minute: 0, second: 0 },
    timeZone,
  );
}

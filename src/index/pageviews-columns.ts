// Which column of an analytics export holds what, and how its cells read. Pure.
//
// README, "Page-view data" (copy from here):
//
//   Put an analytics export at content/data/pageviews.csv (or pageviews.json, an array
//   of row objects with the same names as keys; JSON is read whole, so use CSV for big
//   exports). With both files present the CSV is read and the JSON ignored, with a
//   warning. One row per page per day; rows for the same article and day are added up;
//   a row with both a slug and a page uses the slug. Column names are matched without
//   regard to case, spaces, '_', '-' or '+', so "Page path", "page_path" and "pagePath"
//   are one name. Recognized names, first match wins within each role:
//     page:  Page path and screen class, Page path + query string and screen class,
//            Page path, Page path + query string, Page location (GA4; pagePath),
//            path, url path, pathname, page, url, page url (Plausible, Umami, Matomo),
//            label, name (Matomo, Plausible) -- or `slug` for the article's slug.
//     date:  date, day, datetime, created at. Written YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD
//            (GA4), or an ISO date-time: with Z or an offset it is moved to the site's
//            time zone; without one it is read as the site's local time.
//     views: views, screen page views (GA4; screenPageViews), pageviews, page views,
//            nb_hits, hits (Matomo), visitors, nb_visits, visits. A count of views is
//            preferred over a count of visitors when an export has both.
//   GA4 "#" comment lines, blank lines, a UTF-8 byte order mark, CRLF line ends and
//   quoted fields ("1,234") are fine. A file may hold several tables, each under its own
//   header after a blank or "#" line: tables without page, date and views columns (such
//   as GA4's "Nth day" chart data) are skipped.
//   Page URLs may carry a scheme and host, a query string, a fragment, percent-escapes,
//   index.html, the site's base path, or lack the trailing slash: all match the same
//   article, and so do the old URLs listed in its `aliases`. Rows for the home page and
//   GA's "(not set)" or total rows are skipped silently; other rows that name no article,
//   have a bad date, or views that are not a count of 0 or more are skipped with a
//   warning (the first 20 of each kind by line, then one count).
import { isRealDate, localParts } from '../time.ts';

export type Role = 'path' | 'slug' | 'date' | 'views';

/** Accepted header names per role, in priority order, as written in the README above. */
export const COLUMN_NAMES: Readonly<Record<Role, readonly string[]>> = {
  path: [
    'Page path and screen class',
    'Page path + query string and screen class',
    'Page path',
    'Page path + query string',
    'Page location',
    'path',
    'url path',
    'pathname',
    'page',
    'url',
    'page url',
    'label',
    'name',
  ],
  slug: ['slug'],
  date: ['date', 'day', 'datetime', 'created at'],
  views: ['views', 'screen page views', 'pageviews', 'page views', 'nb_hits', 'hits', 'visitors', 'nb_visits', 'visits'],
};

/** 'Page path', 'page_path' and 'pagePath' are one name. */
export function headerKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ROLE_KEYS = Object.fromEntries(
  (Object.keys(COLUMN_NAMES) as Role[]).map((role) => [role, COLUMN_NAMES[role].map(headerKey)]),
) as Record<Role, string[]>;

/** Column index per role; path or slug (or both) is always set when the header is usable. */
export interface Columns {
  path: number | undefined;
  slug: number | undefined;
  date: number;
  views: number;
}

/** Column index per role, undefined where the header has no such column. */
export function columnIndexes(header: readonly string[]): Partial<Record<Role, number>> {
  const at = new Map<string, number>();
  header.forEach((name, i) => {
    const key = headerKey(name);
    if (!at.has(key)) at.set(key, i);
  });
  const found: Partial<Record<Role, number>> = {};
  for (const role of Object.keys(ROLE_KEYS) as Role[]) {
    const key = ROLE_KEYS[role].find((k) => at.has(k));
    if (key !== undefined) found[role] = at.get(key);
  }
  return found;
}

/** The roles a header row covers, or the roles it lacks. */
export function findColumns(header: readonly string[]): { columns: Columns } | { missing: string[] } {
  const { path, slug, date, views } = columnIndexes(header);
  if ((path === undefined && slug === undefined) || date === undefined || views === undefined) {
    const missing: string[] = [];
    if (path === undefined && slug === undefined) missing.push('page');
    if (date === undefined) missing.push('date');
    if (views === undefined) missing.push('views');
    return { missing };
  }
  return { columns: { path, slug, date, views } };
}

/** A count of views, 'negative', or undefined when the cell is no number at all. */
export function parseViews(cell: string | undefined): number | 'negative' | undefined {
  if (cell === undefined) return undefined;
  const quick = quickCount(cell);
  if (quick !== undefined) return quick;
  let text = cell.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // Spreadsheet-formatted counts ("1,234") arrive quoted in CSV.
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(text)) text = text.replace(/,/g, '');
  if (/^\d+(?:\.\d+)?(?:e\d+)?$/i.test(text)) return Number(text);
  if (/^-\s*\d/.test(text)) return 'negative';
  return undefined;
}

/**
 * A plain run of digits as a number, without a regular expression or a new string: the
 * views cell of nearly every row of a big export, read millions of times.
 */
function quickCount(cell: string): number | undefined {
  const n = cell.length;
  if (n === 0 || n > 15) return undefined;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const digit = cell.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/** The number written by cell[from, to) when it is all digits, else -1. */
function digitsAt(cell: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = cell.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** YYYY-MM-DD and YYYYMMDD, the spellings that fill big exports, read without a regex; else undefined. */
function quickDay(cell: string): number | undefined {
  let year: number;
  let month: number;
  let day: number;
  if (cell.length === 10 && cell.charCodeAt(4) === 45 && cell.charCodeAt(7) === 45) {
    year = digitsAt(cell, 0, 4);
    month = digitsAt(cell, 5, 7);
    day = digitsAt(cell, 8, 10);
  } else if (cell.length === 8) {
    year = digitsAt(cell, 0, 4);
    month = digitsAt(cell, 4, 6);
    day = digitsAt(cell, 6, 8);
  } else return undefined;
  if (year < 0 || month < 1 || month > 12 || day < 1 || (day > 28 && !isRealDate(year, month, day))) return undefined;
  return dayNumber(year, month, day);
}

/**
 * Day number (days since 1970-01-01) of a calendar date: Date.UTC(y, m-1, d) / DAY_MS,
 * in integer arithmetic (H. Hinnant's days_from_civil) because it runs once per row.
 */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Day number of the site-local date at `epochMs`. */
export function localDayNumber(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return dayNumber(p.year, p.month, p.day);
}

const DATE_ONLY = /^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|(\d{2})(\d{2}))$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Site-local day number of a date cell, or undefined when it is no date. */
export function parseDay(cell: string | undefined, timeZone: string): number | undefined {
  if (cell === undefined) return undefined;
  const text = cell.trim();
  const d = DATE_ONLY.exec(text);
  if (d) {
    const year = Number(d[1]);
    const month = Number(d[2] ?? d[4]);
    const day = Number(d[3] ?? d[5]);
    return isRealDate(year, month, day) ? dayNumber(year, month, day) : undefined;
  }
  const t = DATE_TIME.exec(text);
  if (!t) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(t[i] ?? 0)) as [number, number, number, number, number, number];
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = t[7];
  // No offset: the exporter wrote wall-clock time, which we take to be the site's.
  if (zone === undefined) return dayNumber(year, month, day);
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return localDayNumber(epochMs, timeZone);
}

/**
 * parseDay with memory: an export repeats each date string once per page, so a big file
 * has few distinct dates, and Intl time-zone conversion is too slow to run per row.
 */
export function cachedDayParser(timeZone: string, limit = 10_000): (cell: string | undefined) => number | undefined {
  const cache = new Map<string, number | undefined>();
  return (cell) => {
    if (cell === undefined) return undefined;
    const quick = quickDay(cell);
    if (quick !== undefined) return quick;
    if (cache.has(cell)) return cache.get(cell);
    const day = parseDay(cell, timeZone);
    if (cache.size >= limit) cache.clear();
    cache.set(cell, day);
    return day;
  };
}

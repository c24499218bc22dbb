// Where export rows become table entries, whatever the file format. A bad row is a
// warning, never a stop: a page-view file is a by-product of analytics, and one odd row
// must not block publishing. A big export names thousands of non-article pages, so each
// kind of warning is reported for the first rows only and then summed up.
import type { Diagnostic } from '../errors.ts';
import { cachedDayParser, localDayNumber, parseViews } from './pageviews-columns.ts';
import { normalizeViewPath } from './pageviews-path.ts';
import { detach, TableBuilder } from './pageviews-table.ts';
import type { PageViewsOptions, PageViewTable } from './pageviews.ts';

/** Warnings of one kind reported line by line before the rest are only counted. Default 20. */
export const WARNINGS_PER_KIND = 20;
/** Raw page keys remembered with their article; past this the memory is dropped and rebuilt. */
const LOOKUP_CACHE_LIMIT = 500_000;

/** Analytics placeholders and total rows: not pages, so not worth a warning. */
const NOT_PAGES = new Set(['(not set)', '(other)', 'total', 'totals', 'grand total']);

const UNKNOWN = Symbol('unknown');
const IGNORED = Symbol('ignored');
/** What a page key found: the article's slot in the table builder. */
type Lookup = number | typeof UNKNOWN | typeof IGNORED;

const KINDS = {
  'pageviews/bad-views': { hint: 'write the number of views as a whole number, 0 or more', more: 'have bad views' },
  'pageviews/bad-date': { hint: 'write the day as YYYY-MM-DD or YYYYMMDD', more: 'have a bad date' },
  'pageviews/missing-path': { hint: 'give each row a page path, URL or slug', more: 'name no page' },
  'pageviews/unknown-path': {
    hint: "rows for pages that are not articles are skipped; if it is an article's old URL, add it to that article's `aliases`",
    more: 'name no article',
  },
  'pageviews/bad-row': { hint: 'each row must be an object like {"path": "/2026/11/slug/", "date": "2026-11-03", "views": 12}', more: 'are not objects' },
} as const;
export type RowWarning = keyof typeof KINDS;

export interface RowSink {
  /** One row's cells, untrimmed, undefined where the file has no such column. */
  add(path: string | undefined, slug: string | undefined, date: string | undefined, views: string | undefined, line: number): void;
  /** A row-level problem found by the reader (counted against the same cap). */
  warn(code: RowWarning, line: number, message: string): void;
  /** A file-level problem: always reported. */
  fail(line: number | undefined, code: string, message: string, hint: string): void;
  finish(): { table: PageViewTable; diagnostics: Diagnostic[] };
}

export function createRowSink(file: string, options: PageViewsOptions): RowSink {
  const diagnostics: Diagnostic[] = [];
  const table = new TableBuilder();
  const dayOf = cachedDayParser(options.timezone);
  const firstDay = options.since === undefined ? -Infinity : localDayNumber(options.since, options.timezone);
  const lookups = new Map<string, Lookup>();
  const totals = new Map<RowWarning, number>();
  const reported = new Map<RowWarning, number>();
  /** Per kind, the line of the first row not reported on its own: where the summary points. */
  const firstUnlisted = new Map<RowWarning, number>();
  const reportedUnknown = new Set<string>();

  const count = (code: RowWarning, line: number) => {
    totals.set(code, (totals.get(code) ?? 0) + 1);
    if (!firstUnlisted.has(code) && (reported.get(code) ?? 0) >= WARNINGS_PER_KIND) firstUnlisted.set(code, line);
  };
  const warn = (code: RowWarning, line: number, message: string) => {
    count(code, line);
    const shown = reported.get(code) ?? 0;
    if (shown >= WARNINGS_PER_KIND) return;
    reported.set(code, shown + 1);
    diagnostics.push({ severity: 'warning', file, line, code, message, hint: KINDS[code].hint });
  };

  const lookup = (pathText: string, slugText: string): Lookup => {
    if (slugText !== '') {
      const slug = options.resolve(slugText);
      return slug === undefined ? UNKNOWN : table.slotOf(slug);
    }
    const key = normalizeViewPath(pathText, options.basePath);
    // The home page is never an article (every permalink holds the slug): no warning.
    if (key === '/') return IGNORED;
    const slug = options.resolve(key) ?? (pathText.includes('/') ? undefined : options.resolve(pathText));
    if (slug !== undefined) return table.slotOf(slug);
    return NOT_PAGES.has(pathText.toLowerCase()) ? IGNORED : UNKNOWN;
  };

  return {
    add(pathCell, slugCell, dateCell, viewsCell, line) {
      const pathText = pathCell?.trim() ?? '';
      const slugText = slugCell?.trim() ?? '';
      const views = parseViews(viewsCell);
      if (views === undefined || views === 'negative') {
        if (pathText === '' && slugText === '' && !dateCell?.trim() && !viewsCell?.trim()) return;
        const shown = quote(viewsCell ?? '');
        return warn('pageviews/bad-views', line, views === 'negative' ? `views ${shown} is negative` : `views ${shown} is not a number`);
      }
      const day = dayOf(dateCell);
      if (day === undefined) return warn('pageviews/bad-date', line, `date ${quote(dateCell ?? '')} is not a date`);
      // The cheap checks come first: old rows are the bulk of a long export.
      if (day < firstDay || views === 0) return;
      if (pathText === '' && slugText === '') return warn('pageviews/missing-path', line, 'row names no page');
      const key = slugText !== '' ? '\u0000' + slugText : pathText;
      let found = lookups.get(key);
      if (found === undefined) {
        found = lookup(pathText, slugText);
        if (lookups.size >= LOOKUP_CACHE_LIMIT) lookups.clear();
        lookups.set(detach(key), found);
      }
      if (found === IGNORED) return;
      if (found === UNKNOWN) {
        // Each unknown page is named once; its other days only add to the count.
        if (reportedUnknown.has(key)) count('pageviews/unknown-path', line);
        else {
          if (reportedUnknown.size < WARNINGS_PER_KIND) reportedUnknown.add(detach(key));
          warn('pageviews/unknown-path', line, unknownMessage(pathText, slugText, options.basePath));
        }
        return;
      }
      table.add(found, day, views);
    },
    warn,
    fail(line, code, message, hint) {
      diagnostics.push({ severity: 'warning', file, line, code, message, hint });
    },
    finish() {
      for (const [code, total] of totals) {
        const rest = total - (reported.get(code) ?? 0);
        const kind = KINDS[code];
        const line = firstUnlisted.get(code);
        if (rest > 0) diagnostics.push({ severity: 'warning', file, line, code, message: `${rest} more rows ${kind.more}, from this line on`, hint: kind.hint });
      }
      return { table: { bySlug: table.build(), rows: table.length }, diagnostics };
    },
  };
}

function unknownMessage(pathText: string, slugText: string, basePath: string): string {
  if (slugText !== '') return `slug ${quote(slugText)} is not the slug of any article`;
  const key = normalizeViewPath(pathText, basePath);
  const shown = key === pathText ? quote(pathText) : `${quote(pathText)} (${key})`;
  return `${shown} is not the URL of any article`;
}

/** A cell as shown in a message: quoted, and cut short so a runaway field cannot flood the log. */
function quote(cell: string): string {
  const text = cell.trim();
  return JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text);
}

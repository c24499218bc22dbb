// The one I/O module of the index stage: reads content/data/pageviews.csv (streamed,
// never held as one string) or pageviews.json into per-article daily views. Which
// column names are understood, and how dates and URLs are read: pageviews-columns.ts.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../errors.ts';
import { dataFileDigest, type KnownFile } from '../load.ts';
import type { Article } from '../types.ts';
import { findColumns, localDayNumber, parseViews, type Columns } from './pageviews-columns.ts';
import { streamCsv } from './pageviews-csv.ts';
import { readJsonRows } from './pageviews-json.ts';
import { createRowSink, type RowSink } from './pageviews-rows.ts';

export { normalizeViewPath, pathResolver } from './pageviews-path.ts';

export interface PageViewTable {
  /**
   * Views per article per local calendar day: slug -> (day number -> views). Day number =
   * days since 1970-01-01 of the LOCAL date in the site time zone (Date.UTC(y, m-1, d) / 86400000).
   */
  bySlug: Map<string, Map<number, number>>;
  /** Rows that added views to the table: valid, naming an article, not older than `since`, views > 0. */
  rows: number;
}

export interface PageViewsResult {
  /** undefined: no data file, or one that could not be read as page views at all. */
  table: PageViewTable | undefined;
  diagnostics: Diagnostic[];
  /** The file read, relative to the content folder ('data/pageviews.csv'); undefined when none. */
  file: string | undefined;
}

export interface PageViewsOptions {
  /** The site's base path, '/' or e.g. '/archive/': stripped from export paths. */
  basePath: string;
  /** IANA zone whose calendar days the table counts in. */
  timezone: string;
  /** Normalized site path ('/2026/11/slug/') or bare slug -> article slug; see pathResolver. */
  resolve: (key: string) => string | undefined;
  /**
   * Rows for local days before the day of this instant are dropped before they are resolved,
   * to keep a long export's history out of memory. Default: undefined, keep every day.
   * Rankings need no more than `viewsNeededSince(now, config.rankings)` from rankings.ts.
   */
  since?: number | undefined;
}

export const PAGEVIEWS_CSV = 'data/pageviews.csv';
export const PAGEVIEWS_JSON = 'data/pageviews.json';
/**
 * A one-shot build reads an export at least this big on a thread of its own
 * (readPageViewsOnThread); a smaller one reads faster than a thread starts.
 */
export const PAGEVIEWS_THREAD_MIN_BYTES = 32 * 1024 * 1024;

/** Bytes of the export readPageViews would read (the CSV when there is one), 0 for none. */
export function pageViewsFileBytes(contentDir: string): number {
  for (const file of [PAGEVIEWS_CSV, PAGEVIEWS_JSON]) {
    const stats = statSync(path.join(contentDir, file), { throwIfNoEntry: false });
    if (stats) return stats.size;
  }
  return 0;
}

/**
 * Reads `<contentDir>/data/pageviews.csv`, else `pageviews.json`. When both exist the CSV
 * wins and the JSON gets a warning: CSV is what analytics tools export and the one that
 * scales, so a JSON beside it is most likely a leftover, and a leftover should not stop a
 * build. Every problem is a warning; diagnostics name the file relative to `contentDir`.
 */
export async function readPageViews(contentDir: string, options: PageViewsOptions): Promise<PageViewsResult> {
  const hasCsv = existsSync(path.join(contentDir, PAGEVIEWS_CSV));
  const hasJson = existsSync(path.join(contentDir, PAGEVIEWS_JSON));
  if (!hasCsv && !hasJson) return { table: undefined, diagnostics: [], file: undefined };
  const file = hasCsv ? PAGEVIEWS_CSV : PAGEVIEWS_JSON;
  const sink = createRowSink(file, options);
  let usable: boolean;
  try {
    const absolutePath = path.join(contentDir, file);
    usable = hasCsv ? await readCsvRows(absolutePath, sink) : await readJsonRows(absolutePath, sink);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sink.fail(undefined, 'pageviews/unreadable', `page-view file cannot be read: ${message}`, 'check that it is a readable file');
    usable = false;
  }
  const { table, diagnostics } = sink.finish();
  if (hasCsv && hasJson) {
    diagnostics.unshift({
      severity: 'warning',
      file: PAGEVIEWS_JSON,
      line: undefined,
      code: 'pageviews/ignored-file',
      message: `${PAGEVIEWS_JSON} is ignored because ${PAGEVIEWS_CSV} is present`,
      hint: 'keep one page-view file in content/data/',
    });
  }
  return { table: usable ? table : undefined, diagnostics, file };
}

export interface PageViewsThreadRequest {
  contentDir: string;
  settings: Omit<PageViewsOptions, 'resolve'>;
  articles: Pick<Article, 'slug' | 'url' | 'aliases'>[];
}

export type PageViewsThreadReply = { ok: true; result: PageViewsResult; ms: number } | { ok: false; message: string };

/**
 * readPageViews on a thread of its own, resolving paths against `articles`: the same
 * result (the same code reads the same file), with the time the thread took. At
 * 100,000 articles the export holds ~5,000,000 rows, ~3 s that the build's main thread
 * would spend before the related links, which do not need them, while the other core
 * idles.
 */
export function readPageViewsOnThread(contentDir: string, settings: PageViewsThreadRequest['settings'], articles: readonly Pick<Article, 'slug' | 'url' | 'aliases'>[]): Promise<{ result: PageViewsResult; ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pageviews-worker.js', import.meta.url));
    // Never keeps the process alive: a build that fails meanwhile still ends.
    worker.unref();
    const settle = (outcome: () => void) => {
      void worker.terminate();
      outcome();
    };
    worker.once('message', (reply: PageViewsThreadReply) => settle(() => (reply.ok ? resolve({ result: reply.result, ms: reply.ms }) : reject(new Error(`reading page views: ${reply.message}`)))));
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => reject(new Error(`the page-view thread stopped (exit code ${code})`)));
    const request: PageViewsThreadRequest = { contentDir, settings, articles: articles.map(({ slug, url, aliases }) => ({ slug, url, aliases })) };
    worker.postMessage(request);
  });
}

/**
 * Everything readPageViews' result depends on, for a caller that keeps the result
 * between builds (the dev server, where re-reading a large export on every edit cost
 * a tenth of the rebuild): the files' contents (by dataFileDigest, which trusts a
 * file's stat as source files do), the settings, the first day read, and the
 * articles' paths.
 */
export async function pageViewsKey(contentDir: string, articles: readonly Pick<Article, 'slug' | 'url' | 'aliases'>[], options: Pick<PageViewsOptions, 'basePath' | 'timezone' | 'since'>, known?: Map<string, KnownFile>): Promise<string> {
  const hash = createHash('sha256');
  let anyExport = false;
  for (const file of [PAGEVIEWS_CSV, PAGEVIEWS_JSON]) {
    const digest = await dataFileDigest(contentDir, file, known);
    anyExport ||= digest !== 'none';
    hash.update(`${file}\0${digest}\n`);
  }
  const firstDay = options.since === undefined ? '-' : localDayNumber(options.since, options.timezone);
  hash.update(`${options.basePath}\0${options.timezone}\0${firstDay}\n`);
  // With no export there is no table, whatever the articles' paths are.
  if (anyExport) {
    const paths: string[] = [];
    for (const article of articles) paths.push(`${article.slug}\0${article.url}\0${article.aliases.join('\0')}\n`);
    hash.update(paths.join(''));
  }
  return hash.digest('hex');
}

/**
 * GA4 writes several tables into one file, each under its own header and set apart by
 * blank or '#' lines (e.g. an "Nth day,Views" chart table before the page table). Every
 * table whose header names a page, a date and views is read; other tables are skipped.
 * A blank line inside a table does not end it: a row after a gap that reads as data under
 * the current header is data.
 */
async function readCsvRows(absolutePath: string, sink: RowSink): Promise<boolean> {
  let columns: Columns | undefined;
  let afterGap = true;
  let skipping = false;
  let firstMismatch: { line: number; missing: string[] } | undefined;
  await streamCsv(absolutePath, {
    gap: () => {
      afterGap = true;
      skipping = false;
    },
    record: (fields, line) => {
      if (skipping) return;
      if (afterGap) {
        afterGap = false;
        const found = findColumns(fields);
        if ('columns' in found) {
          columns = found.columns;
          return;
        }
        if (columns === undefined || parseViews(fields[columns.views]) === undefined) {
          firstMismatch ??= { line, missing: found.missing };
          skipping = true;
          return;
        }
      }
      if (columns === undefined) return;
      sink.add(cell(fields, columns.path), cell(fields, columns.slug), fields[columns.date], fields[columns.views], line);
    },
  });
  if (columns !== undefined) return true;
  if (firstMismatch) {
    sink.fail(firstMismatch.line, 'pageviews/missing-column', `header row has no ${firstMismatch.missing.join(', ')} column`, 'start the table with a header row such as `path,date,views`');
  } else sink.fail(undefined, 'pageviews/missing-column', 'page-view file has no header row', 'start the file with a header row such as `path,date,views`');
  return false;
}

function cell(fields: string[], index: number | undefined): string | undefined {
  return index === undefined ? undefined : fields[index];
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeViewPath, pathResolver, readPageViews, readPageViewsOnThread, type PageViewsResult } from '../../src/index/pageviews.ts';
import type { Article } from '../../src/types.ts';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'pageviews');
const zone = 'Asia/Shanghai';
const day = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;

function article(slug: string, fields: Partial<Article> = {}): Article {
  return {
    sourcePath: `${slug}.md`, slug, url: `/2026/11/${slug}/`, title: slug, date: 0, updated: undefined,
    category: undefined, tags: [], authors: [], source: undefined, summary: '', headline: false, pick: false,
    weight: 0, draft: false, tickers: [], aliases: [], related: { pinned: [], hidden: false, line: undefined },
    html: '', text: '', headings: [], ...fields,
  };
}

const articles = [
  article('pboc-rate-cut'),
  article('a-share-rally', { aliases: ['/news/old-123.html'] }),
  article('央行降准'),
];
const resolve = pathResolver(articles);

/** The table as plain objects, days written as dates: easy to compare and to read in a failure. */
function views(result: PageViewsResult): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [slug, days] of result.table?.bySlug ?? []) {
    out[slug] = Object.fromEntries([...days].map(([d, v]) => [new Date(d * 86_400_000).toISOString().slice(0, 10), v]));
  }
  return out;
}

const brief = (result: PageViewsResult) => result.diagnostics.map((d) => `${d.file}:${d.line ?? '-'} ${d.code} ${d.message}`);

const temps: string[] = [];
function contentDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'broadsheet-pageviews-'));
  temps.push(dir);
  mkdirSync(path.join(dir, 'data'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, 'data', name), body);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('normalizeViewPath', () => {
  it.each([
    ['/2026/11/slug/', '/', '/2026/11/slug/'],
    ['/2026/11/slug', '/', '/2026/11/slug/'],
    ['2026/11/slug', '/', '/2026/11/slug/'],
    ['https://news.example.com/2026/11/slug/?utm_source=x&b=1#comments', '/', '/2026/11/slug/'],
    ['//news.example.com/2026/11/slug', '/', '/2026/11/slug/'],
    ['/2026/11/slug/index.html', '/', '/2026/11/slug/'],
    ['/2026/11/slug/INDEX.HTM?x=1', '/', '/2026/11/slug/'],
    ['/2026/11/%E5%A4%AE%E8%A1%8C/', '/', '/2026/11/央行/'],
    ['/2026/11/100%-bad/', '/', '/2026/11/100%-bad/'],
    ['/archive/2026/11/slug/', '/archive/', '/2026/11/slug/'],
    ['https://example.com/archive/2026/11/slug', '/archive/', '/2026/11/slug/'],
    ['/archive', '/archive/', '/'],
    ['/archive/', '/archive/', '/'],
    ['/archived/2026/', '/archive/', '/archived/2026/'],
    ['/2026/11/slug/', '/archive/', '/2026/11/slug/'],
    ['/a//b/', '/', '/a/b/'],
    ['  /news/old-123.html ', '/', '/news/old-123.html/'],
  ])('%s (base %s) -> %s', (raw, base, expected) => {
    expect(normalizeViewPath(raw, base)).toBe(expected);
  });
});

describe('readPageViews', () => {
  const options = { basePath: '/archive/', timezone: zone, resolve };

  it('returns no table and no warnings when there is no data file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'broadsheet-pageviews-'));
    temps.push(dir);
    expect(await readPageViews(dir, options)).toEqual({ table: undefined, diagnostics: [], file: undefined });
  });

  it('reads a GA4 export: # comment lines, a chart table skipped, YYYYMMDD, base path, quoted "1,234", home page and (not set) skipped', async () => {
    const result = await readPageViews(path.join(fixtures, 'ga4'), options);
    expect(result.file).toBe('data/pageviews.csv');
    expect(views(result)).toEqual({
      'pboc-rate-cut': { '2026-11-09': 1200, '2026-11-10': 300 },
      'a-share-rally': { '2026-11-10': 1234 },
    });
    expect(result.table?.rows).toBe(3);
    expect(brief(result)).toEqual(['data/pageviews.csv:19 pageviews/unknown-path "/archive/tags/macro/" (/tags/macro/) is not the URL of any article']);
  });

  it('matches URL variants, percent-encoding, aliases, quoted commas and ISO date-times to one article', async () => {
    const result = await readPageViews(path.join(fixtures, 'plain'), options);
    expect(views(result)).toEqual({
      // host + query + fragment (10) and no trailing slash (5) on the 9th; index.html on the 10th
      'pboc-rate-cut': { '2026-11-09': 15, '2026-11-10': 1 },
      '央行降准': { '2026-11-10': 2 },
      // alias (4) + quoted query with a comma at 09:30 +08:00 (6) + 20:00Z on the 9th = 04:00 on the 10th in Shanghai (1)
      'a-share-rally': { '2026-11-10': 11 },
    });
    expect(result.diagnostics).toEqual([]);
  });

  it('reads a JSON array of rows, with line numbers for bad rows', async () => {
    const result = await readPageViews(path.join(fixtures, 'json'), options);
    expect(result.file).toBe('data/pageviews.json');
    expect(views(result)).toEqual({
      'pboc-rate-cut': { '2026-11-09': 12 },
      'a-share-rally': { '2026-11-10': 8 },
    });
    expect(brief(result)).toEqual([
      'data/pageviews.json:4 pageviews/unknown-path slug "no-such-article" is not the slug of any article',
      'data/pageviews.json:5 pageviews/bad-row row is not an object',
      'data/pageviews.json:6 pageviews/bad-views views "-2" is negative',
    ]);
  });

  it('warns about bad rows with their 1-based lines and goes on', async () => {
    const result = await readPageViews(path.join(fixtures, 'bad-rows'), options);
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-09': 12 }, 'a-share-rally': { '2026-11-09': 2 } });
    expect(brief(result)).toEqual([
      'data/pageviews.csv:3 pageviews/bad-date date "2026-13-01" is not a date',
      'data/pageviews.csv:4 pageviews/bad-views views "abc" is not a number',
      'data/pageviews.csv:5 pageviews/bad-views views "-5" is negative',
      'data/pageviews.csv:6 pageviews/unknown-path slug "no-such-article" is not the slug of any article',
      // a quoted field over two lines is one record, reported at the line it starts on
      'data/pageviews.csv:7 pageviews/unknown-path slug "multi\\nline" is not the slug of any article',
      'data/pageviews.csv:10 pageviews/missing-path row names no page',
    ]);
    expect(result.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  });

  it('handles a UTF-8 BOM, CRLF line ends and case-insensitive Umami/Plausible column names', async () => {
    const csv = '\uFEFFURL,Created_At,Visitors,Pageviews\r\n/2026/11/pboc-rate-cut/,2026-11-10 09:00:00,3,7\r\n"/2026/11/a-share-rally/",2026-11-10,1,2\r\n';
    const result = await readPageViews(contentDir({ 'pageviews.csv': csv }), { ...options, basePath: '/' });
    // pageviews is preferred over visitors
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-10': 7 }, 'a-share-rally': { '2026-11-10': 2 } });
    expect(result.diagnostics).toEqual([]);
  });

  it('reads Matomo names (Label, nb_hits) and a file without a final newline', async () => {
    const csv = 'date,label,nb_visits,nb_hits\n2026-11-10,/2026/11/pboc-rate-cut,4,9';
    const result = await readPageViews(contentDir({ 'pageviews.csv': csv }), { ...options, basePath: '/' });
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-10': 9 } });
  });

  it('reads on across a blank line inside a table', async () => {
    const csv = 'slug,date,views\npboc-rate-cut,2026-11-09,1\n\npboc-rate-cut,2026-11-10,2\n';
    const result = await readPageViews(contentDir({ 'pageviews.csv': csv }), options);
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-09': 1, '2026-11-10': 2 } });
  });

  it('prefers the CSV when both files exist, with a warning on the JSON', async () => {
    const dir = contentDir({
      'pageviews.csv': 'slug,date,views\npboc-rate-cut,2026-11-10,1\n',
      'pageviews.json': '[{"slug": "a-share-rally", "date": "2026-11-10", "views": 1}]',
    });
    const result = await readPageViews(dir, options);
    expect(result.file).toBe('data/pageviews.csv');
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-10': 1 } });
    expect(brief(result)).toEqual(['data/pageviews.json:- pageviews/ignored-file data/pageviews.json is ignored because data/pageviews.csv is present']);
  });

  it('gives no table, and says why, when the header lacks a needed column', async () => {
    const result = await readPageViews(contentDir({ 'pageviews.csv': '# export\n\npage,hits\n/2026/11/pboc-rate-cut/,3\n' }), options);
    expect(result.table).toBeUndefined();
    expect(brief(result)).toEqual(['data/pageviews.csv:3 pageviews/missing-column header row has no date column']);
  });

  it('gives no table for JSON that is not an array', async () => {
    const result = await readPageViews(contentDir({ 'pageviews.json': '{"rows": []}' }), options);
    expect(result.table).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['pageviews/invalid-json']);
  });

  it('reports the first 20 problems of a kind by line, then one count; an unknown page only once', async () => {
    const lines = ['path,date,views'];
    for (let i = 0; i < 30; i++) lines.push(`/2026/11/missing-${i}/,2026-11-10,1`);
    for (let i = 0; i < 5; i++) lines.push('/2026/11/missing-0/,2026-11-09,1');
    for (let i = 0; i < 25; i++) lines.push('/2026/11/pboc-rate-cut/,yesterday,1');
    const result = await readPageViews(contentDir({ 'pageviews.csv': lines.join('\n') }), { ...options, basePath: '/' });
    const unknown = result.diagnostics.filter((d) => d.code === 'pageviews/unknown-path');
    expect(unknown).toHaveLength(21);
    expect(unknown.slice(0, 20).map((d) => d.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    // Lines 2-21 are listed; from line 22 on: 10 more unknown pages and 5 repeats of missing-0.
    expect(unknown[20]).toMatchObject({ line: 22, message: '15 more rows name no article, from this line on' });
    const dates = result.diagnostics.filter((d) => d.code === 'pageviews/bad-date');
    expect(dates).toHaveLength(21);
    expect(dates[20]).toMatchObject({ line: 57, message: '5 more rows have a bad date, from this line on' });
  });

  it('drops rows before `since` without resolving them', async () => {
    const csv = 'path,date,views\n/2026/11/pboc-rate-cut/,2026-11-01,5\n/2026/11/unknown/,2026-11-01,5\n/2026/11/pboc-rate-cut/,2026-11-02,7\n';
    const since = Date.UTC(2026, 10, 1, 18, 0, 0); // 2026-11-02 02:00 in Shanghai
    const result = await readPageViews(contentDir({ 'pageviews.csv': csv }), { ...options, basePath: '/', since });
    expect(views(result)).toEqual({ 'pboc-rate-cut': { '2026-11-02': 7 } });
    expect(result.table?.rows).toBe(1);
    expect(result.diagnostics).toEqual([]);
  });

  it('counts day numbers as days since 1970-01-01 of the local date', async () => {
    const result = await readPageViews(contentDir({ 'pageviews.csv': 'slug,date,views\npboc-rate-cut,2026-11-10T23:30:00+08:00,1\npboc-rate-cut,2026-11-10T16:00:00Z,2\n' }), options);
    // 16:00Z is already the 11th in Shanghai
    expect(result.table?.bySlug.get('pboc-rate-cut')).toEqual(new Map([[day('2026-11-10'), 1], [day('2026-11-11'), 2]]));
  });
});

describe('readPageViewsOnThread', () => {
  it('reads what readPageViews reads, warnings included, on a thread of its own', async () => {
    const settings = { basePath: '/archive/', timezone: zone };
    const options = { ...settings, resolve };
    for (const fixture of ['ga4', 'bad-rows']) {
      const dir = path.join(fixtures, fixture);
      const { result, ms } = await readPageViewsOnThread(dir, settings, articles);
      expect(result, fixture).toEqual(await readPageViews(dir, options));
      expect(ms).toBeGreaterThan(0);
    }
    // No export: no table, as on the calling thread.
    const empty = contentDir({});
    expect((await readPageViewsOnThread(empty, settings, articles)).result).toEqual(await readPageViews(empty, options));
  });
});

describe('pathResolver', () => {
  it('maps URLs, aliases and slugs; an article URL beats another article\'s alias', () => {
    const resolveAll = pathResolver([
      article('one', { aliases: ['/2026/11/two/', 'http://old.example.com/news/1.html?x=1'] }),
      article('two'),
    ]);
    expect(resolveAll('/2026/11/two/')).toBe('two');
    expect(resolveAll('/news/1.html/')).toBe('one');
    expect(resolveAll('one')).toBe('one');
    expect(resolveAll('/2026/11/three/')).toBeUndefined();
  });
});

describe('CSV quoting (regression: a stray quote swallowed the rest of the file)', () => {
  /** Writes `rows` as a CSV file and returns every record the reader gives back. */
  const readRows = async (rows: string[]) => {
    const { streamCsv } = await import('../../src/index/pageviews-csv.ts');
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'csv-')), 'views.csv');
    await writeFile(file, rows.join('\n'));
    const records: { fields: string[]; line: number }[] = [];
    await streamCsv(file, { record: (fields, line) => records.push({ fields, line }), gap: () => {} });
    return records;
  };

  it('reads a literal quote inside an unquoted field, and keeps reading after it', async () => {
    const rows = ['path,title,date,views', '/a/,5" screen,2026-11-20,10', '"/b/","quoted, with comma",2026-11-20,20'];
    for (let i = 0; i < 1000; i++) rows.push(`/c${i}/,t,2026-11-20,${i}`);
    const records = await readRows(rows);
    expect(records).toHaveLength(1003);
    expect(records[1]).toEqual({ fields: ['/a/', '5" screen', '2026-11-20', '10'], line: 2 });
    expect(records[2]!.fields).toEqual(['/b/', 'quoted, with comma', '2026-11-20', '20']);
    expect(records[1002]).toEqual({ fields: ['/c999/', 't', '2026-11-20', '999'], line: 1003 });
  });

  it('gives up on an unclosed quoted field after 100 lines and reads on', async () => {
    const rows = ['path,date,views', '"/broken/,2026-11-20,1'];
    for (let i = 0; i < 300; i++) rows.push(`/c${i}/,2026-11-20,${i}`);
    const lines = (await readRows(rows)).map((r) => r.line);
    expect(lines.at(-1)).toBe(302);
    expect(lines.length).toBeGreaterThan(200);
  });
});

// Scale check for the rankings stage: npx tsx test/bench/rankings.ts [articles] [rows] [--keep-all]
// Writes a synthetic pageviews.csv (default 5,000,000 rows for 100,000 articles, 60 days,
// with the URL variants real exports carry) to a temp dir, then times readPageViews,
// computeRankings and listsForPage for every article page, and prints peak RSS.
// --keep-all reads without `since`, keeping every day of the export in the table.
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { defaultConfig } from '../../src/config.ts';
import { pathResolver, readPageViews } from '../../src/index/pageviews.ts';
import { computeRankings, listsForPage, viewsNeededSince } from '../../src/index/rankings.ts';
import type { Article } from '../../src/types.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const articleCount = Number(args[0] ?? 100_000);
const rowCount = Number(args[1] ?? 5_000_000);
const keepAll = process.argv.includes('--keep-all');
const DAY = 86_400_000;
const EXPORT_DAYS = 60;
const now = Date.UTC(2026, 10, 10, 2); // 10:00 in Shanghai
const config = { ...defaultConfig, basePath: '/archive/' };

/** mulberry32: a seeded generator, so every run ranks the same data. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeArticles(n: number): Article[] {
  const rnd = random(1);
  return Array.from({ length: n }, (_, i): Article => {
    const date = now - Math.floor(rnd() * 3 * 365 * DAY);
    const d = new Date(date);
    const slug = `story-${i}`;
    return {
      sourcePath: `${slug}.md`, slug, url: `/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${slug}/`,
      title: slug, date, updated: undefined, category: `cat-${i % 40}`, tags: [], authors: [], source: undefined,
      summary: '', headline: rnd() < 0.02, pick: rnd() < 0.01, weight: Math.floor(rnd() * 3), draft: false, tickers: [],
      aliases: i % 20 === 0 ? [`/news/${i}.html`] : [], related: { pinned: [], hidden: false, line: undefined },
      html: '', text: '', headings: [],
    };
  });
}

async function writeCsv(file: string, articles: Article[], rows: number): Promise<void> {
  const rnd = random(2);
  const out = createWriteStream(file);
  const dates = Array.from({ length: EXPORT_DAYS }, (_, k) => new Date(now - k * DAY + 8 * 3_600_000).toISOString().slice(0, 10));
  let block = 'Page path,Date,Views\n';
  for (let r = 0; r < rows; r++) {
    // Skewed popularity: a few articles get most rows, like a real archive.
    const i = Math.floor(articles.length * rnd() ** 2);
    const a = articles[i]!;
    const kind = rnd();
    const p =
      kind < 0.8 ? `/archive${a.url}`
      : kind < 0.85 ? `/archive${a.url}?utm_source=wechat&id=${r % 97}`
      : kind < 0.9 ? `https://news.example.com/archive${a.url}`
      : kind < 0.95 ? `/archive${a.url.slice(0, -1)}`
      : kind < 0.98 ? (a.aliases[0] ?? `/archive${a.url}index.html`)
      : `/archive/tags/t${r % 500}/`;
    block += `${p},${dates[Math.floor(rnd() * EXPORT_DAYS)]},${1 + Math.floor(rnd() ** 3 * 500)}\n`;
    if (block.length > 1 << 20) {
      if (!out.write(block)) await once(out, 'drain');
      block = '';
    }
  }
  out.end(block);
  await once(out, 'finish');
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const timed = async <T>(label: string, work: () => T | Promise<T>): Promise<T> => {
  const start = performance.now();
  const value = await work();
  console.log(`${label.padEnd(28)} ${((performance.now() - start) / 1000).toFixed(2).padStart(7)} s   rss ${mb(process.memoryUsage().rss)}`);
  return value;
};

const dir = mkdtempSync(path.join(tmpdir(), 'broadsheet-bench-'));
try {
  mkdirSync(path.join(dir, 'data'));
  const csv = path.join(dir, 'data', 'pageviews.csv');
  const articles = makeArticles(articleCount);
  await writeCsv(csv, articles, rowCount);
  console.log(`${articleCount} articles, ${rowCount} rows, ${mb(statSync(csv).size)} CSV, ${keepAll ? 'all days kept' : 'since = viewsNeededSince'}`);
  const start = performance.now();
  const resolve = await timed('resolver', () => pathResolver(articles));
  const result = await timed('readPageViews', () =>
    readPageViews(dir, { basePath: config.basePath, timezone: config.timezone, resolve, since: keepAll ? undefined : viewsNeededSince(now, config.rankings) }),
  );
  const rankings = await timed('computeRankings', () => computeRankings(articles, result.table, now, config));
  let items = 0;
  await timed('listsForPage x all articles', () => {
    for (const a of articles) items += listsForPage(rankings, config.lists, a.slug, a.category).recommended.length;
  });
  let entries = 0;
  for (const days of result.table?.bySlug.values() ?? []) entries += days.size;
  console.log(`total (excluding generation)  ${((performance.now() - start) / 1000).toFixed(2).padStart(7)} s`);
  console.log(`peak RSS (whole process)      ${mb(process.resourceUsage().maxRSS * 1024)}`);
  console.log(`rows counted ${result.table?.rows}, table entries ${entries}, warnings ${result.diagnostics.length}, recommended items ${items}`);
  console.log(`most read: ${rankings.mostRead.slice(0, 5).join(' ')} | trending: ${rankings.trending.slice(0, 5).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// A Chinese finance archive at scale: articles of 1-3 KB (text from the related-links
// benchmark's generator: topic vocabulary, ~5% English, ~10% Traditional) with full
// frontmatter (dates over 10 years, 8 categories, ~500 tags, tickers, authors,
// sources, some headlines and picks), headings, lists, a table now and then, links
// between stories, and content/data/pageviews.csv with ~50 rows per article over the
// 60 days before the build time.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { generateArticles } from './related.ts';
import { random, writeFiles } from './files.ts';

/** Build time for this corpus: just after its newest article (the generator's dates end at 2025-01-01). */
export const CHINESE_NOW = '2025-01-01T12:00:00+08:00';
const NOW_MS = Date.parse(CHINESE_NOW);
const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;
const VIEW_DAYS = 60;
const ROWS_PER_ARTICLE = 50;

const TAG_BASES = ['利率', '汇率', '财报', '并购', '分红', '回购', '减持', '增持', '评级', '监管', '降准', '降息', '通胀', '就业', '出口',
  '消费', '基建', '债券', '可转债', '基金', '私募', '信托', '外资', '港股', '美股', 'A股', '科创板', '北交所', 'ETF', '期货', '黄金', '白银',
  '铜价', '煤炭', '光伏', '风电', '储能', '锂电', '医药', '集采', '白酒', '家电', '航运', '航空', '物流', '电商', '游戏', '传媒', '教育', '农业'];
const TAG_KINDS = ['', '政策', '数据', '观察', '前瞻', '调查', '专题', '评论', '周报', '月报'];
/** 500 tags; lower indexes are used more, like real tag clouds. */
const TAGS = TAG_KINDS.flatMap((kind) => TAG_BASES.map((base) => base + kind));
const HEADINGS = ['事件回顾', '市场反应', '业绩拆解', '机构观点', '风险提示', '后市展望', '政策背景', '数据一览', '行业比较', '公司回应'];
const TABLE_ROWS = ['营业收入', '净利润', '毛利率', '资产负债率', '每股收益', '经营现金流', '研发投入', '市场份额'];

export interface ChineseCorpus {
  /** Content-relative path of one article, for the warm run's edit. */
  samplePath: string;
}

/** Writes `n` articles and a page-view CSV into `contentDir`; same (n, seed), same bytes. */
export async function writeChineseCorpus(contentDir: string, n: number, seed = 1): Promise<ChineseCorpus> {
  const { articles } = generateArticles(n, seed);
  const rnd = random(seed + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const urls: string[] = [];
  const files: string[] = [];
  for (const a of articles) {
    const local = new Date(a.date + SHANGHAI);
    const year = local.getUTCFullYear();
    const month = String(local.getUTCMonth() + 1).padStart(2, '0');
    urls.push(`/${year}/${month}/${a.slug}/`);
    files.push(`${year}/${month}/${a.slug}.md`);
  }

  await writeFiles(n, (i) => {
    const a = articles[i]!;
    const tags = [...a.tags, TAGS[Math.floor(TAGS.length * rnd() ** 2)]!];
    if (rnd() < 0.5) tags.push(pick(TAGS));
    const lines = [
      '---',
      `title: ${JSON.stringify(a.title)}`,
      `date: ${new Date(a.date + SHANGHAI).toISOString().slice(0, 19)}+08:00`,
      ...(rnd() < 0.1 ? [`updated: ${new Date(a.date + SHANGHAI + DAY).toISOString().slice(0, 19)}+08:00`] : []),
      `category: ${JSON.stringify(a.category)}`,
      `tags: ${JSON.stringify([...new Set(tags)])}`,
      `authors: ${JSON.stringify(a.authors)}`,
      `source: ${JSON.stringify(a.source)}`,
      ...(a.tickers.length > 0 ? [`tickers: ${JSON.stringify(a.tickers)}`] : []),
      ...(rnd() < 0.02 ? ['headline: true', `weight: ${Math.floor(rnd() * 10)}`] : []),
      ...(rnd() < 0.01 ? ['pick: true'] : []),
      '---',
      '',
      markdownBody(a.text, rnd, () => urls[Math.floor(rnd() * i)] ?? urls[0]!),
    ];
    return { file: path.join(contentDir, files[i]!), text: lines.join('\n') };
  });
  await writePageViews(path.join(contentDir, 'data', 'pageviews.csv'), urls, rnd);
  return { samplePath: files[Math.floor(n / 2)]! };
}

/** The generator's running text, laid out as a news story: paragraphs, headings, a list, sometimes a table and a link. */
function markdownBody(text: string, rnd: () => number, olderUrl: () => string): string {
  const sentences = text.split(/(?<=[。.])\s*/).filter((s) => s.trim() !== '');
  const blocks: string[] = [];
  let s = 0;
  let paragraph = 0;
  while (s < sentences.length) {
    const take = 2 + Math.floor(rnd() * 3);
    let body = sentences.slice(s, s + take).join('');
    s += take;
    if (rnd() < 0.15) body = `**${body.slice(0, 6)}**${body.slice(6)}`;
    if (rnd() < 0.05) body += ` [相关报道](${olderUrl()})`;
    blocks.push(body);
    paragraph++;
    if (paragraph % 3 === 1 && s < sentences.length) blocks.push(`## ${HEADINGS[Math.floor(rnd() * HEADINGS.length)]}`);
    if (paragraph === 2 && rnd() < 0.3) {
      const items = sentences.slice(s, s + 3 + Math.floor(rnd() * 3));
      s += items.length;
      if (items.length > 0) blocks.push(items.map((item) => `- ${item}`).join('\n'));
    }
    if (paragraph === 3 && rnd() < 0.1) {
      const rows = TABLE_ROWS.filter(() => rnd() < 0.5).map((name) => `| ${name} | ${(rnd() * 1000).toFixed(2)} | ${(rnd() * 40 - 20).toFixed(1)}% |`);
      blocks.push(['| 指标 | 数值（亿元） | 同比 |', '| --- | ---: | ---: |', ...rows].join('\n'));
    }
  }
  return `${blocks.join('\n\n')}\n`;
}

/** ~50 rows per article: popular stories get many rows, most get few; some URLs carry the variants real exports have. */
async function writePageViews(file: string, urls: readonly string[], rnd: () => number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const days = Array.from({ length: VIEW_DAYS }, (_, k) => new Date(NOW_MS - k * DAY + SHANGHAI).toISOString().slice(0, 10));
  const rows = urls.length * ROWS_PER_ARTICLE;
  let block = 'Page path,Date,Views\n';
  for (let r = 0; r < rows; r++) {
    // Newer stories (later in the list) are read more.
    const url = urls[urls.length - 1 - Math.floor(urls.length * rnd() ** 2)]!;
    const kind = rnd();
    const shown = kind < 0.9 ? url : kind < 0.95 ? `${url}?utm_source=wechat` : `https://news.example.com${url}`;
    block += `${shown},${days[Math.floor(rnd() * VIEW_DAYS)]},${1 + Math.floor(rnd() ** 3 * 500)}\n`;
    if (block.length > 1 << 20) {
      if (!out.write(block)) await once(out, 'drain');
      block = '';
    }
  }
  out.end(block);
  await once(out, 'finish');
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.ts';
import { computeRelated, type RelatedOptions } from '../../src/index/related.ts';
import { tokenize } from '../../src/index/text.ts';
import type { Article } from '../../src/types.ts';
import { loadLabelled, makeArticle, precisionAtK } from '../fixtures/related-labelled/load.ts';

const OPTIONS: RelatedOptions = { limit: defaultConfig.lists.related, settings: defaultConfig.related };
/** One article's list with reasons, as `broadsheet related <slug>` gets it. */
const explainRelated = (articles: Parameters<typeof computeRelated>[0], slug: string, options: RelatedOptions) => computeRelated(articles, { ...options, explain: slug }).explanation;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(`${iso}T12:00:00+08:00`);
const slugsOf = (lists: Map<string, { slug: string }[]>, slug: string) => (lists.get(slug) ?? []).map((l) => l.slug);

/** Deterministic shuffle (a fixed LCG), so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const labelled = loadLabelled();

describe('related links on the labelled archive', () => {
  const { articles, topicOf } = labelled;
  const { lists, diagnostics } = computeRelated(articles, OPTIONS);

  it('has enough of an archive to mean something', () => {
    expect(articles.length).toBeGreaterThanOrEqual(30);
    expect(new Set(topicOf.values()).size).toBeGreaterThanOrEqual(3);
    expect(diagnostics).toEqual([]);
  });

  // minScore cuts filler, so some lists are shorter than 5: precision counts the links shown.
  it('links the same topic: precision@5 of shown links ≥ 0.9', () => {
    let same = 0;
    let shown = 0;
    for (const [slug, links] of lists) {
      for (const link of links.slice(0, 5)) {
        shown++;
        if (topicOf.get(link.slug) === topicOf.get(slug)) same++;
      }
    }
    expect(same / shown).toBeGreaterThanOrEqual(0.9);
    // ...and does not get there by showing nothing.
    expect(shown / lists.size).toBeGreaterThanOrEqual(2.5);
    expect(precisionAtK(lists, topicOf, 5)).toBeGreaterThan(0.45);
  });

  it('gives every article a list, never itself, never twice, only articles it was given', () => {
    const given = new Set(articles.map((a) => a.slug));
    expect([...lists.keys()].sort()).toEqual([...given].sort());
    for (const [slug, links] of lists) {
      const slugs = links.map((l) => l.slug);
      expect(slugs).not.toContain(slug);
      expect(new Set(slugs).size).toBe(slugs.length);
      expect(slugs.every((s) => given.has(s))).toBe(true);
      expect(links.length).toBeLessThanOrEqual(OPTIONS.limit);
    }
  });

  it('ranks by score, then newer first, then slug', () => {
    const dateOf = new Map(articles.map((a) => [a.slug, a.date]));
    for (const links of lists.values()) {
      for (let i = 1; i < links.length; i++) {
        const [x, y] = [links[i - 1]!, links[i]!];
        const order = y.score - x.score || dateOf.get(x.slug)! - dateOf.get(y.slug)! || (x.slug < y.slug ? 1 : -1);
        expect(order).toBeLessThan(0);
      }
    }
  });

  it('links only what the caller passed: articles left out (drafts) are never linked', () => {
    const drafts = new Set(articles.filter((_, i) => i % 5 === 0).map((a) => a.slug));
    const published = articles.filter((a) => !drafts.has(a.slug));
    const result = computeRelated(published, OPTIONS);
    for (const links of result.lists.values()) for (const link of links) expect(drafts.has(link.slug)).toBe(false);
  });

  it('is deterministic: any input order gives the same lists and scores', () => {
    const sortedLists = (result: ReturnType<typeof computeRelated>) => [...result.lists].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const seed of [1, 2, 3]) expect(sortedLists(computeRelated(shuffled(articles, seed), OPTIONS))).toEqual(sortedLists(computeRelated(articles, OPTIONS)));
    // The site's own order (newest first, by slug within a time) gives them too.
    const newestFirst = [...articles].sort((a, b) => b.date - a.date || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    expect(sortedLists(computeRelated(newestFirst, OPTIONS))).toEqual(sortedLists(computeRelated(articles, OPTIONS)));
    // So does that order with a second file of one slug, at another time: the first file wins, whatever the order.
    const twin = { ...newestFirst[3]!, sourcePath: `zz-${newestFirst[3]!.sourcePath}`, date: newestFirst[3]!.date - 400 * DAY, title: '另一篇同名文章' };
    const withTwin = [...newestFirst, twin].sort((a, b) => b.date - a.date || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    expect(sortedLists(computeRelated(withTwin, OPTIONS))).toEqual(sortedLists(computeRelated(newestFirst, OPTIONS)));
    expect(sortedLists(computeRelated(shuffled(withTwin, 4), OPTIONS))).toEqual(sortedLists(computeRelated(newestFirst, OPTIONS)));
  });

  it('explains exactly the list it computes', () => {
    for (const slug of ['zhaoshang-2024-nianbao', 'zhongyou-315-quanyi', 'nvidia-earnings-english']) {
      const explained = explainRelated(articles, slug, OPTIONS)!;
      expect(explained.map(({ slug: s, score, pinned }) => ({ slug: s, score, pinned }))).toEqual(lists.get(slug));
      for (const e of explained) {
        expect(e.score).toBeCloseTo(e.baseScore * e.timeFactor, 6);
        expect(e.sharedTerms.length + e.sharedTags.length + e.sharedTickers.length).toBeGreaterThan(0);
      }
    }
    const cmb = explainRelated(articles, 'zhaoshang-2024-nianbao', OPTIONS)!.find((e) => e.slug === 'cmb-profit-english')!;
    expect(cmb.sharedTickers).toEqual(['600036.SH']);
    expect(explainRelated(articles, 'no-such-slug', OPTIONS)).toBeUndefined();
  });

  it('explains one list while computing all of them, and leaves every list as it is', () => {
    for (const slug of ['zhaoshang-2024-nianbao', 'zhongyou-315-quanyi', 'nvidia-earnings-english']) {
      const both = computeRelated(articles, { ...OPTIONS, explain: slug });
      expect(both.explanation!.length).toBeGreaterThan(0);
      expect(both.lists).toEqual(lists);
    }
    expect(computeRelated(articles, { ...OPTIONS, explain: 'no-such-slug' }).explanation).toBeUndefined();
    expect(computeRelated(articles, OPTIONS).explanation).toBeUndefined();
  });
});

// Three topics, written without a single space: a whitespace tokenizer sees one "word" per article.
const PURE_CHINESE: [topic: string, text: string][] = [
  ['bank', '招商银行发布年度报告，净息差收窄至百分之一点九八，不良贷款率保持稳定，拨备覆盖率仍处高位。银行管理层表示，净息差下行压力仍在，将加强不良贷款处置。'],
  ['bank', '工商银行净息差继续收窄，利息净收入下降，不良贷款率小幅回落，拨备覆盖率充足。分析师认为，银行净息差企稳还需存款成本进一步下降。'],
  ['bank', '平安银行零售贷款不良率上升，净息差承压，拨备覆盖率下降，银行加大不良资产处置。信用卡和消费贷款是不良贷款的主要来源。'],
  ['bank', '多家银行下调存款利率以稳定净息差，分析师认为银行业不良贷款率总体可控，拨备覆盖率足以应对资产质量波动。'],
  ['oil', '国际油价大幅上涨，布伦特原油期货突破每桶九十美元，国内成品油价格随之上调。分析人士认为，原油供应偏紧，油价短期仍将高位震荡。'],
  ['oil', '欧佩克延长原油减产，国际油价应声走高，布伦特原油期货上涨，国内成品油调价窗口即将开启，成品油价格或将上调。'],
  ['oil', '原油库存意外下降，布伦特原油价格反弹，国际油价回升，炼油企业成品油利润改善，国内成品油价格面临上调压力。'],
  ['oil', '成品油价格迎来年内第五次上调，国际原油价格震荡上行，布伦特原油期货站上高位，加油站排队加满油箱。'],
  ['ev', '比亚迪新能源汽车月销量突破五十万辆，插电混动车型销量增长最快，动力电池成本下降，纯电动车型销量同样走高。'],
  ['ev', '新能源汽车价格战升级，多家车企下调纯电动车型售价，动力电池价格持续走低，插电混动车型也加入降价行列。'],
  ['ev', '蔚来换电站数量突破两千座，新能源汽车补能焦虑缓解，纯电动车型销量回升，动力电池租用服务降低购车门槛。'],
  ['ev', '新能源汽车渗透率首次超过一半，插电混动和纯电动车型销量齐升，动力电池装车量增长，充电桩建设提速。'],
];

function pureChineseArchive(): Article[] {
  return PURE_CHINESE.map(([topic, text], i) =>
    makeArticle({ slug: `${topic}-${i}`, title: text.slice(0, text.indexOf('，')), text, date: at('2024-06-01') + i * DAY }),
  );
}

describe('Chinese without spaces', () => {
  const articles = pureChineseArchive();
  const topic = (slug: string) => slug.split('-')[0];

  it('relates pure-Chinese articles of one topic to each other and not to the others', () => {
    const { lists } = computeRelated(articles, OPTIONS);
    let links = 0;
    for (const a of articles) {
      const slugs = slugsOf(lists, a.slug);
      expect(slugs.length, a.slug).toBeGreaterThanOrEqual(1);
      expect(slugs.every((s) => topic(s) === topic(a.slug)), `${a.slug}: ${slugs.join(' ')}`).toBe(true);
      links += slugs.length;
    }
    expect(links).toBeGreaterThanOrEqual((articles.length * 3 * 2) / 3); // most of the 3 same-topic links each
  });

  it('is beyond a whitespace tokenizer, which finds nothing to share', () => {
    const naive = (text: string) => text.toLowerCase().split(/\s+/).filter(Boolean);
    const { lists } = computeRelated(articles, OPTIONS, naive);
    const sameTopic = articles.reduce((n, a) => n + slugsOf(lists, a.slug).filter((s) => topic(s) === topic(a.slug)).length, 0);
    expect(sameTopic).toBe(0);
  });
});

describe('editor control', () => {
  const articles = pureChineseArchive();
  const withRelated = (slug: string, related: Article['related']) =>
    articles.map((a) => (a.slug === slug ? { ...a, sourcePath: `2024/06/${slug}.md`, related } : a));

  it('puts pins first, in the order written, then computed links, without duplicates', () => {
    const pinned = ['ev-11', 'oil-4', 'bank-1'];
    const { lists, diagnostics } = computeRelated(withRelated('bank-0', { pinned, hidden: false, line: 4 }), OPTIONS);
    const links = lists.get('bank-0')!;
    expect(diagnostics).toEqual([]);
    expect(links.slice(0, 3).map((l) => [l.slug, l.pinned])).toEqual([['ev-11', true], ['oil-4', true], ['bank-1', true]]);
    expect(links.slice(3).every((l) => !l.pinned && l.slug !== 'bank-1')).toBe(true);
    expect(links.filter((l) => l.slug === 'bank-1')).toHaveLength(1);
    // A pin that is also related keeps its computed score.
    expect(links[2]!.score).toBeGreaterThan(0);
  });

  it('keeps pins up to the limit, and warns about the rest', () => {
    const pinned = ['ev-11', 'oil-4', 'bank-1', 'bank-2'];
    const { lists, diagnostics } = computeRelated(withRelated('bank-0', { pinned, hidden: false, line: 4 }), { ...OPTIONS, limit: 3 });
    expect(lists.get('bank-0')!.map((l) => l.slug)).toEqual(['ev-11', 'oil-4', 'bank-1']);
    expect(diagnostics).toMatchObject([{ severity: 'warning', code: 'related/too-many-pins', file: '2024/06/bank-0.md', line: 4 }]);
  });

  it('reports a pin naming no published article, and a pin of the article itself, with file and line', () => {
    const pinned = ['no-such-article', 'bank-0', 'oil-4'];
    const { lists, diagnostics } = computeRelated(withRelated('bank-0', { pinned, hidden: false, line: 7 }), OPTIONS);
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', file: '2024/06/bank-0.md', line: 7, code: 'related/unknown-slug' });
    expect(diagnostics[0]!.message).toContain('no-such-article');
    expect(diagnostics[0]!.hint).toContain('published articles only');
    expect(diagnostics[1]).toMatchObject({ severity: 'error', line: 7, code: 'related/self-link' });
    expect(lists.get('bank-0')![0]).toMatchObject({ slug: 'oil-4', pinned: true });
    expect(slugsOf(lists, 'bank-0')).not.toContain('bank-0');
  });

  it('gives `related: false` an empty list, and still links to that article from others', () => {
    const { lists } = computeRelated(withRelated('bank-0', { pinned: [], hidden: true, line: 3 }), OPTIONS);
    expect(lists.get('bank-0')).toEqual([]);
    expect(slugsOf(lists, 'bank-1')).toContain('bank-0');
  });

  it('gives nothing at all when lists.related is 0', () => {
    const { lists } = computeRelated(articles, { ...OPTIONS, limit: 0 });
    expect([...lists.values()].every((l) => l.length === 0)).toBe(true);
  });
});

describe('minimum score', () => {
  it('leaves an article with nothing truly related without links, rather than filler', () => {
    const lonely = makeArticle({
      slug: 'hongshao-rou-zuofa', title: '红烧肉的家常做法', date: labelled.articles[0]!.date,
      text: '五花肉切块焯水，加冰糖炒出糖色，放入葱姜八角，加生抽老抽和黄酒，小火慢炖一个半小时，大火收汁即可出锅。',
      category: '银行', authors: ['李明'], source: '证券时报',
    });
    const { lists } = computeRelated([...labelled.articles, lonely], OPTIONS);
    expect(lists.get(lonely.slug)).toEqual([]);
    for (const links of lists.values()) expect(links.map((l) => l.slug)).not.toContain(lonely.slug);
  });
});

describe('time', () => {
  const text = (extra: string) =>
    `招商银行发布年度报告，全年净利润增长，净息差收窄，不良贷款率保持稳定，零售客户总资产突破新高。${extra}`;
  const article = (slug: string, date: string, title: string, body: string) =>
    makeArticle({ slug, title, text: body, date: at(date), tickers: ['600036.SH'], tags: ['招商银行'] });
  const base = article('cmb-annual-2025', '2025-03-25', '招商银行年报：净利润增长，净息差收窄', text('董事会建议派发末期股息。'));
  const sameWeek = article('cmb-dividend-2025', '2025-03-28', '招商银行宣布派息方案，股息率升至五厘', '招商银行公布末期派息方案，每股派发现金股息，派息比率维持百分之三十五，股息率升至五厘，分析师称派息稳定。');
  const fiveYearsAgo = article('cmb-annual-2020', '2020-03-25', '招商银行年报：净利润增长，净息差收窄', text('董事会建议派发末期股息。'));
  const followUp = article('cmb-q1-2025', '2025-04-20', '招商银行一季度净息差继续收窄', '招商银行一季度净息差继续收窄，净利润小幅下降，不良贷款率保持稳定。');

  it('ranks a same-week story about the same company above one from five years ago with the same words', () => {
    const { lists } = computeRelated([fiveYearsAgo, followUp, base, sameWeek], OPTIONS);
    const slugs = slugsOf(lists, base.slug);
    expect(slugs.indexOf(sameWeek.slug)).toBeGreaterThanOrEqual(0);
    expect(slugs.indexOf(sameWeek.slug)).toBeLessThan(slugs.indexOf(fiveYearsAgo.slug));
    // Background and follow-ups both qualify: the old story is still listed, and so is the later one.
    expect(slugs).toContain(fiveYearsAgo.slug);
    expect(slugs).toContain(followUp.slug);
    const old = explainRelated([fiveYearsAgo, followUp, base, sameWeek], base.slug, OPTIONS)!.find((e) => e.slug === fiveYearsAgo.slug)!;
    const week = explainRelated([fiveYearsAgo, followUp, base, sameWeek], base.slug, OPTIONS)!.find((e) => e.slug === sameWeek.slug)!;
    expect(old.baseScore).toBeGreaterThan(week.baseScore); // more words in common...
    expect(week.timeFactor).toBeGreaterThan(old.timeFactor); // ...but five years older
  });
});

describe('noise and scripts', () => {
  const reference = readFileSync(new URL('../fixtures/seed/reference-page.txt', import.meta.url), 'utf8').split('\n');
  const consumerFinance = makeArticle({
    slug: 'zhongyou-315', title: reference[0]!, text: reference.slice(1, 12).join('\n'), date: at('2018-03-15'),
  });
  // A story about football, glossed with the same readings the crawl added to the finance page.
  const football = makeArticle({
    slug: 'zuqiu-bisai', title: '足球(zú qiú)聯(lián)賽(sài)開(kāi)幕(mù)',
    text: '國(guó)際(jì)足球(qiú)友誼(yì)賽(sài)昨晚開(kāi)踢(tī)，主隊(duì)(duì)憑藉(jiè)下半場(chǎng)進(jìn)球(qiú)取勝(shèng)，費(fèi)消(xiāo)權(quán)務(wù)強(qiáng)險(xiǎn)業(yè)責(zé)產(chǎn)點(diǎn)時(shí)。',
    date: at('2018-03-16'),
  });

  it('does not let bracketed pinyin readings make unrelated articles related', () => {
    const readings = [...(football.title + football.text).matchAll(/\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(readings.length).toBeGreaterThan(20);
    const tokens = new Set([...tokenize(consumerFinance.text), ...tokenize(football.text), ...tokenize(football.title)]);
    for (const reading of readings) for (const syllable of reading.split(' ')) expect(tokens.has(syllable)).toBe(false);
    const { lists } = computeRelated([consumerFinance, football], { ...OPTIONS, settings: { ...OPTIONS.settings, minScore: 0.01 } });
    expect(lists.get(football.slug)).toEqual([]);
    expect(lists.get(consumerFinance.slug)).toEqual([]);
  });

  it('meets Traditional and Simplified versions of the same story', () => {
    const traditional = makeArticle({
      slug: 'hengji-trad', title: '恒基地產新盤首輪開售沽清', date: at('2024-03-18'),
      text: '恒基地產旗下新盤首輪開售的三百個單位全部沽清，一手樓市交投回暖，發展商加快推盤，樓價能否止跌仍取決於按揭利率。',
    });
    const simplified = makeArticle({
      slug: 'hengji-simp', title: '恒基地产新盘开售反应热烈', date: at('2024-03-20'),
      text: '恒基地产新盘开售反应热烈，一手楼市交投回暖，发展商加快推盘，但楼价走势仍取决于按揭利率。',
    });
    const unrelated = pureChineseArchive();
    const { lists } = computeRelated([traditional, simplified, ...unrelated], OPTIONS);
    expect(slugsOf(lists, traditional.slug)[0]).toBe(simplified.slug);
    expect(slugsOf(lists, simplified.slug)[0]).toBe(traditional.slug);
    const why = explainRelated([traditional, simplified, ...unrelated], traditional.slug, OPTIONS)![0]!;
    expect(why.sharedTerms.map((t) => t.term)).toEqual(expect.arrayContaining(['恒基', '地产', '楼市', '按揭']));
  });
});

// Benchmark of related links on a synthetic archive:
//   npx tsx test/bench/related.ts [N=100000]         time and peak RSS of computeRelated
//   npx tsx test/bench/related.ts [N] --tokenizers   bigram vs Intl.Segmenter: speed and quality
// The generator is exported for other benchmarks: same (n, seed), same articles.
import { random } from './files.ts';
import { pathToFileURL } from 'node:url';
import OpenCC from 'opencc-js';
import type { Article } from '../../src/types.ts';
import { defaultConfig } from '../../src/config.ts';
import { computeRelated } from '../../src/index/related.ts';
import { buildModel } from '../../src/index/related/model.ts';
import { foldToSimplified, tokenize, type TokenizeOptions } from '../../src/index/text.ts';
import { loadLabelled, makeArticle, precisionAtK } from '../fixtures/related-labelled/load.ts';

interface Topic {
  category: string;
  tags: string[];
  companies: [name: string, ticker: string][];
  words: string[];
  english: string[];
}

const TOPICS: Topic[] = [
  { category: '银行', tags: ['银行', '年报', '净息差', '不良贷款'], companies: [['招商银行', '600036.SH'], ['工商银行', '601398.SH'], ['平安银行', '000001.SZ'], ['建设银行', '601939.SH']],
    words: ['净息差', '不良贷款率', '拨备覆盖率', '存款利率', '贷款投放', '零售客户', '财富管理', '资本充足率', '信用卡', '中间业务收入', '对公贷款', '理财产品'], english: ['bank', 'lending', 'deposits', 'margin', 'loans'] },
  { category: '消费金融', tags: ['消费金融', '催收', '监管'], companies: [['马上消费金融', ''], ['招联消费金融', ''], ['中邮消费金融', ''], ['蚂蚁消费金融', '']],
    words: ['消费贷款', '借款人', '催收', '综合年化利率', '风控模型', '消费者权益', '持牌机构', '助贷平台', '逾期率', '授信额度', '征信'], english: ['consumer', 'credit', 'borrowers', 'collection', 'lenders'] },
  { category: '汽车', tags: ['新能源汽车', '销量', '价格战'], companies: [['比亚迪', '002594.SZ'], ['特斯拉', 'TSLA'], ['蔚来', 'NIO'], ['理想汽车', 'LI']],
    words: ['新能源汽车', '纯电动', '插电混动', '动力电池', '交付量', '渗透率', '充电桩', '换电站', '智能驾驶', '乘联会', '车型', '降价'], english: ['electric', 'vehicles', 'deliveries', 'battery', 'cars'] },
  { category: '能源', tags: ['原油', '油价', 'OPEC'], companies: [['中国石油', '601857.SH'], ['中国石化', '600028.SH'], ['中海油', '0883.HK']],
    words: ['国际油价', '布伦特原油', '成品油', '炼油', '天然气', '减产', '库存', '桶', '页岩油', '调价窗口', '炼厂', '液化天然气'], english: ['crude', 'oil', 'barrel', 'refinery', 'gas'] },
  { category: '地产', tags: ['楼市', '房价', '按揭'], companies: [['万科', '000002.SZ'], ['新鸿基地产', '0016.HK'], ['恒基地产', '0012.HK'], ['保利发展', '600048.SH']],
    words: ['楼价', '新盘', '按揭利率', '二手房', '土地出让', '开发商', '库存去化', '首付比例', '限购', '租金', '销售面积', '保交楼'], english: ['property', 'housing', 'mortgage', 'developers', 'homes'] },
  { category: '科技', tags: ['芯片', '人工智能', '半导体'], companies: [['英伟达', 'NVDA'], ['苹果', 'AAPL'], ['台积电', 'TSM'], ['中芯国际', '0981.HK']],
    words: ['芯片', '半导体', '算力', '数据中心', '先进制程', '出口管制', '晶圆代工', '人工智能', '大模型', '服务器', '光刻机', '智能手机'], english: ['chips', 'semiconductor', 'data', 'center', 'AI'] },
  { category: '证券', tags: ['A股', 'IPO', '券商'], companies: [['中信证券', '600030.SH'], ['东方财富', '300059.SZ'], ['华泰证券', '601688.SH']],
    words: ['成交额', '两融余额', '北向资金', '注册制', '新股发行', '经纪业务', '投行业务', '自营', '指数', '上证指数', '创业板', '融资'], english: ['stocks', 'brokerage', 'listing', 'shares', 'index'] },
  { category: '保险', tags: ['保险', '保费', '寿险'], companies: [['中国平安', '601318.SH'], ['中国人寿', '601628.SH'], ['友邦保险', '1299.HK']],
    words: ['保费收入', '新业务价值', '代理人', '寿险', '财险', '偿付能力', '投资收益率', '分红险', '健康险', '理赔', '银保渠道', '内含价值'], english: ['insurance', 'premiums', 'insurers', 'policy', 'life'] },
];

const COMMON = ['市场', '投资者', '分析师', '增长', '下降', '公司', '行业', '政策', '监管部门', '业绩', '营业收入', '净利润', '季度', '规模',
  '机构', '风险', '需求', '供给', '价格', '预期', '经济', '发展', '企业', '客户', '业务', '平台', '资金', '项目', '战略', '调整', '提升', '影响',
  '竞争', '压力', '改善', '稳定', '回升', '放缓', '扩大', '推动', '加快', '布局', '转型', '国内', '海外', '全球', '上半年', '下半年'];
const VERBS = ['表示', '认为', '指出', '预计', '披露', '宣布', '透露', '强调'];
const UNITS = ['亿元', '万辆', '个百分点', '%', '美元', '万户', '家'];
const AUTHORS = Array.from({ length: 40 }, (_, i) => `记者${String.fromCharCode(0x4e00 + 37 * i)}${String.fromCharCode(0x5e00 + 53 * i)}`);
const SOURCES = ['新华社', '证券时报', '第一财经', '财新', '香港经济日报', 'Reuters'];
/** Vocabulary beyond the hand-written words: generated, so the archive has a realistic long tail. */
interface Lexicon {
  topicWords: string[][];
  commonWords: string[];
  /** People, places, products: many, each rare. */
  names: string[];
}

let lexicon: Lexicon | undefined;

/** Characters Simplified text uses (t2s leaves them alone), topic word lists and common words, from a fixed seed. */
function buildLexicon(): Lexicon {
  const chars: string[] = [];
  for (let code = 0x4e00; code <= 0x9fa5 && chars.length < 3200; code += 5) {
    const ch = String.fromCharCode(code);
    if (foldToSimplified(ch) === ch) chars.push(ch);
  }
  const rnd = random(12345);
  const word = (from: readonly string[]) => Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => from[Math.floor(rnd() * from.length)]!).join('');
  const topicWords = TOPICS.map((topic, t) => {
    const own = chars.slice(t * 300, t * 300 + 300);
    return [...topic.words, ...Array.from({ length: 250 }, () => word(own))];
  });
  const names = Array.from({ length: 50_000 }, () => word(chars));
  return { topicWords, commonWords: [...COMMON, ...Array.from({ length: 400 }, () => word(chars))], names };
}

const START = Date.UTC(2015, 0, 1);
const SPAN = Date.UTC(2025, 0, 1) - START;

let toTraditional: ((text: string) => string) | undefined;

/** n synthetic Chinese finance articles (1-3 KB of UTF-8 each, ~5% English, ~10% Traditional), and each one's topic. */
export function generateArticles(n: number, seed = 1): { articles: Article[]; topicOf: string[] } {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  // Word frequencies fall off steeply (roughly Zipf): the first words of a list are the common ones.
  const skewed = <T>(list: readonly T[]): T => list[Math.floor(rnd() * rnd() * list.length)]!;
  lexicon ??= buildLexicon();
  const { topicWords, commonWords, names } = lexicon;
  const name = () => skewed(names);
  toTraditional ??= OpenCC.Converter({ from: 'cn', to: 'hk' });
  const articles: Article[] = [];
  const topicOf: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rnd() * TOPICS.length);
    const topic = TOPICS[t]!;
    const [company, ticker] = pick(topic.companies);
    const english = rnd() < 0.05;
    const sentence = (): string => {
      if (english) return `${pick(topic.english)} ${pick(topic.english)} at ${company} ${pick(['rose', 'fell', 'grew'])} ${Math.floor(rnd() * 90)}% as ${pick(topic.english)} demand ${pick(['slowed', 'recovered'])}. `;
      const words = topicWords[t]!;
      const parts = [rnd() < 0.5 ? company : skewed(commonWords), pick(VERBS), skewed(words), skewed(commonWords), `${Math.floor(rnd() * 1000)}${pick(UNITS)}`, '，',
        skewed(words), rnd() < 0.3 ? name() : skewed(commonWords), skewed(words), rnd() < 0.5 ? skewed(commonWords) : name(), '。'];
      return parts.join('');
    };
    const target = 1000 + Math.floor(rnd() * 2000);
    let text = '';
    while (Buffer.byteLength(text) < target) text += sentence();
    const title = english ? `${company}: ${pick(topic.english)} ${pick(topic.english)} update` : `${company}${skewed(topicWords[t]!)}${skewed(commonWords)}${pick(['创新高', '承压', '回暖', '提速'])}`;
    const traditional = !english && rnd() < 0.1;
    const fold = (s: string) => (traditional ? toTraditional!(s) : s);
    articles.push(makeArticle({
      slug: `a${String(i).padStart(6, '0')}`, title: fold(title), text: fold(text), summary: fold(text.slice(0, 60)),
      date: START + Math.floor(rnd() * SPAN), category: topic.category,
      tags: rnd() < 0.7 ? [pick(topic.tags), company] : [], tickers: ticker && rnd() < 0.7 ? [ticker] : [],
      authors: [pick(AUTHORS)], source: pick(SOURCES),
    }));
    topicOf.push(String(t));
  }
  return { articles, topicOf };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function benchRelated(n: number): void {
  const t0 = performance.now();
  const { articles, topicOf } = generateArticles(n, 1);
  const t1 = performance.now();
  const kb = articles.reduce((sum, a) => sum + Buffer.byteLength(a.text), 0) / 1024;
  console.log(`generated ${n} articles (${(kb / 1024).toFixed(0)} MB of text) in ${((t1 - t0) / 1000).toFixed(1)} s; rss ${mb(process.memoryUsage().rss)}`);
  const options = { limit: defaultConfig.lists.related, settings: defaultConfig.related };
  if (process.argv.includes('--phases')) {
    const b0 = process.cpuUsage();
    buildModel(articles, options.settings);
    const b1 = process.cpuUsage(b0);
    console.log(`  build phase alone: ${((b1.user + b1.system) / 1e6).toFixed(2)} s CPU`);
  }
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  const result = computeRelated(articles, options);
  const t3 = performance.now();
  const used = process.cpuUsage(cpu);
  const lengths = [...result.lists.values()].map((l) => l.length);
  const slugTopic = new Map(articles.map((a, i) => [a.slug, topicOf[i]!]));
  console.log(`computeRelated: ${((t3 - t2) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU for ${n} articles; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
  console.log(`  links/article ${(lengths.reduce((s, x) => s + x, 0) / n).toFixed(2)}, empty lists ${lengths.filter((x) => x === 0).length}, same-topic P@5 ${precisionAtK(result.lists, slugTopic, 5).toFixed(3)}`);
}

/** Share of same-topic links among the first k shown, and links shown per article. */
function shownPrecision(lists: Map<string, { slug: string }[]>, topicOf: Map<string, string>, k: number): string {
  let same = 0;
  let shown = 0;
  for (const [slug, links] of lists) {
    for (const link of links.slice(0, k)) {
      shown++;
      if (topicOf.get(link.slug) === topicOf.get(slug)) same++;
    }
  }
  return `${(same / shown).toFixed(3)} with ${(shown / lists.size).toFixed(2)} links`;
}

function benchTokenizers(n: number): void {
  const { articles } = generateArticles(n, 2);
  const { articles: labelled, topicOf } = loadLabelled();
  const realText = labelled.map((a) => `${a.title}\n${a.text}`);
  const s = defaultConfig.related;
  const textOnly = { ...s, weights: { ...s.weights, tags: 0, tickers: 0, category: 0, authors: 0 } };
  for (const cjk of ['bigram', 'word'] as const) {
    const options: TokenizeOptions = { cjk };
    const speed = (texts: string[], rounds: number) => {
      const t0 = performance.now();
      let tokens = 0;
      for (let r = 0; r < rounds; r++) for (const text of texts) tokens += tokenize(text, options).length;
      return `${(tokens / ((performance.now() - t0) / 1000) / 1e6).toFixed(2)} M tokens/s`;
    };
    const run = (settings: typeof s) => computeRelated(labelled, { limit: 8, settings }, (text) => tokenize(text, options)).lists;
    console.log(`${cjk}: ${speed(articles.map((a) => `${a.title}\n${a.text}`), 1)} on ${n} generated articles, ${speed(realText, 200)} on the labelled archive`);
    console.log(`  ranking P@5 (no minScore): text-only ${precisionAtK(run({ ...textOnly, minScore: 0 }), topicOf, 5).toFixed(3)}, all signals ${precisionAtK(run({ ...s, minScore: 0 }), topicOf, 5).toFixed(3)}`);
    console.log(`  with minScore ${s.minScore}: text-only ${shownPrecision(run(textOnly), topicOf, 5)}, all signals ${shownPrecision(run(s), topicOf, 5)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
  if (process.argv.includes('--tokenizers')) benchTokenizers(n);
  else benchRelated(n);
}

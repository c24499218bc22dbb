// Parse-time token records (src/index/related/terms.ts): replaying one must count exactly what
// scanning the article's text counts, so related lists and scores stay the same to the bit.
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.ts';
import { computeRelated, type RelatedOptions } from '../../src/index/related.ts';
import { TermMemo, type TermMemoSnapshot } from '../../src/index/related/counts.ts';
import { buildModel, STRONG_SIGNALS } from '../../src/index/related/model.ts';
import { sealState, type RelatedState } from '../../src/index/related/reuse.ts';
import { recordedTerms, recordTerms } from '../../src/index/related/terms.ts';
import { scanTokens } from '../../src/index/text.ts';
import { random as seededRandom } from '../bench/files.ts';
import type { Article } from '../../src/types.ts';
import { loadLabelled, makeArticle } from '../fixtures/related-labelled/load.ts';

const OPTIONS: RelatedOptions = { limit: defaultConfig.lists.related, settings: defaultConfig.related };

type Counted = [token: string, times: number][];

/** What a field's record must hold: its distinct tokens in order of first appearance, with counts. */
function expected(text: string): Counted {
  const counts = new Map<string, number>();
  const add = (token: string) => counts.set(token, (counts.get(token) ?? 0) + 1);
  scanTokens(text, { pair: (first, second) => add(`pair ${String.fromCharCode(first, second)}`), token: (token) => add(`token ${token}`) });
  return [...counts];
}

function replayed(article: Article): Counted[] {
  const terms = recordedTerms(article);
  if (!terms) throw new Error(`${article.slug}: no usable record`);
  return [0, 1, 2].map(() => {
    const field: Counted = [];
    terms.nextField({
      repeatedPair: (first, second, times) => field.push([`pair ${String.fromCharCode(first, second)}`, times]),
      repeatedToken: (token, times) => field.push([`token ${token}`, times]),
    });
    return field;
  });
}

function recorded(article: Article): Article {
  return { ...article, terms: recordTerms(article) };
}

/** Deterministic (a fixed LCG), so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

const FRAGMENTS = [
  '招商银行', '发布年报', '净利润增长', '零售金融', '騰訊控股', '發展', '消费者的权益', '我们表示', '𠮷野家', '々', 'A股', '港股通',
  '600036.SH', '0700.hk', 'AAPL', 'BRK.B', '2025年3月18日', '2025-03-18', '2025年', 'Q1-', 'bank', "Bank's", 'company’s', 'e.g.',
  'iPhone', 'GDP.', 'Zürich', 'qǐng', '消費(fèi)', '12', '，', '。', ' ', '\n', '（', '）', '：', 'the', 'ＡＡＰＬ２０２５',
];

function randomArticles(count: number, seed: number): Article[] {
  const pick = random(seed);
  const text = (parts: number) => Array.from({ length: parts }, () => FRAGMENTS[pick(FRAGMENTS.length)]!).join('');
  return Array.from({ length: count }, (_, i) =>
    makeArticle({ slug: `story-${i}`, date: Date.UTC(2025, 0, 1 + pick(60)), title: text(1 + pick(6)), summary: pick(3) === 0 ? '' : text(pick(12)), text: text(pick(400)) }),
  );
}

describe('token records', () => {
  it('hold each field’s distinct tokens in order of first appearance, with their counts', () => {
    const article = makeArticle({
      slug: 'mixed',
      title: '招商银行发布2025年年报：招商银行净利润增长',
      summary: '',
      // Counts of 2 to 29 and beyond, in one unit or more; astral and Traditional characters;
      // a Latin word longer than any one-unit length.
      text: `${'银行'.repeat(200)}，${'年报 '.repeat(29)}${'零售 '.repeat(30)}𠮷野家 騰訊控股 AAPL BRK.B 600036.SH ${'x'.repeat(300)} Bank's company’s`,
    });
    const fields = replayed(recorded(article));
    expect(fields).toEqual([expected(article.title), expected(article.summary), expected(article.text)]);
    expect(fields[2]!.find(([token]) => token === 'pair 银行')?.[1]).toBe(200);
    expect(fields[1]).toEqual([]);
  });

  it('hold what scanning finds, field by field, for any mixture of scripts', () => {
    for (const article of randomArticles(300, 7)) {
      expect(replayed(recorded(article))).toEqual([expected(article.title), expected(article.summary), expected(article.text)]);
    }
  });

  it('let a field’s bigram keys be read ahead without moving past the field', () => {
    for (const article of randomArticles(200, 11)) {
      const terms = recordedTerms(recorded(article))!;
      for (let field = 0; field < 3; field++) {
        const ahead = new Int32Array(4096);
        const count = terms.peekPairs(ahead);
        const short = new Int32Array(2);
        expect(terms.peekPairs(short)).toBe(count); // counts past a full buffer, writes only what fits
        const pairs: number[] = [];
        terms.nextField({ repeatedPair: (first, second) => pairs.push((first << 16) | second), repeatedToken: () => {} });
        expect([...ahead.subarray(0, count)]).toEqual(pairs);
        expect([...short]).toEqual(pairs.length >= 2 ? pairs.slice(0, 2) : [...pairs, 0, 0].slice(0, 2));
      }
    }
  });

  it('are small: bigrams that follow one another take a unit each, English takes a byte a character', () => {
    // Three text lengths, a tag and the first character, one unit per bigram (seven), three field ends.
    expect(recordTerms(makeArticle({ slug: 'cn', title: '招商银行发布年报' }))).toHaveLength(3 + 2 + 7 + 3);
    const english = makeArticle({ slug: 'en', title: 'Bank profits rise', text: 'Retail banking drove profits at the lender. Shares rose 3% in Hong Kong.' });
    expect([...recordTerms(english)!].every((ch) => ch.charCodeAt(0) < 0x100)).toBe(true);
  });

  it('fail loudly when damaged, instead of reading past their end', () => {
    const article = recorded(makeArticle({ slug: 'a', title: '招商银行年报', summary: 'Bank results', text: '零售金融贡献过半' }));
    const cut = { ...article, terms: article.terms!.slice(0, -2) };
    const terms = recordedTerms(cut)!;
    const sink = { repeatedPair: () => {}, repeatedToken: () => {} };
    expect(() => [0, 1, 2].forEach(() => terms.nextField(sink))).toThrow(/damaged/);
  });

  it('are ignored when the article’s text is not the one recorded', () => {
    const article = recorded(makeArticle({ slug: 'a', title: '招商银行年报', text: '零售金融贡献过半' }));
    expect(recordedTerms(article)).toBeDefined();
    expect(recordedTerms({ ...article, title: '平安银行年报出炉' })).toBeUndefined();
    expect(recordedTerms({ ...article, terms: undefined })).toBeUndefined();
  });
});

describe('related links from token records', () => {
  const strip = (articles: Article[]) => articles.map((a) => ({ ...a, terms: undefined }));

  it('are the lists and scores of scanning, on the labelled archive', () => {
    const { articles } = loadLabelled();
    const withRecords = articles.map(recorded);
    expect(withRecords.every((a) => a.terms !== undefined)).toBe(true);
    expect(computeRelated(withRecords, OPTIONS)).toEqual(computeRelated(strip(withRecords), OPTIONS));
  });

  it('are the lists and scores of scanning, on random archives, some articles recorded and some not', () => {
    for (const seed of [1, 2]) {
      const articles = randomArticles(300, seed);
      const mixed = articles.map((a, i) => (i % 3 === 0 ? a : recorded(a)));
      const result = computeRelated(mixed, OPTIONS);
      expect(result).toEqual(computeRelated(articles, OPTIONS));
      expect([...result.lists.values()].some((links) => links.length > 0)).toBe(true);
    }
  });

  it('fall back to scanning for a record left from other text', () => {
    const { articles } = loadLabelled();
    const stale = articles.map((a, i) => (i % 2 === 0 ? { ...recorded(a), title: `${a.title}（更新）` } : a));
    expect(computeRelated(stale, OPTIONS)).toEqual(computeRelated(strip(stale), OPTIONS));
  });
});

describe('a dev session\'s term memo', () => {
  /**
   * Everything the model holds that links and explanations read, features by what they
   * are: a memo's model numbers terms its own way (links never depend on the numbering),
   * so its feature and postings arrays differ from a fresh count's, and what they say does not.
   */
  const modelOf = (articles: Article[], memo?: TermMemo) => {
    const model = buildModel(articles, OPTIONS.settings, undefined, memo);
    const { docs, ids, term, weights, termCount, feature, weight, postStart, postDoc, postWeight, extras, ...arrays } = model;
    const V = termCount;
    const featureName = (f: number) => (f < 2 * V ? `${f < V ? 'title' : 'body'} ${term(f % V)}` : `label ${f - 2 * V}`);
    const vectors = docs.map((_, d) => Array.from({ length: STRONG_SIGNALS }, (_, s) => {
      const signal: [string, number][] = [];
      for (let i = model.sigStart[d * STRONG_SIGNALS + s]!; i < model.sigStart[d * STRONG_SIGNALS + s + 1]!; i++) signal.push([featureName(feature[i]!), weight[i]!]);
      return signal;
    }));
    // Each postings list as the docs and weights it holds, by feature name.
    const postings = new Map<string, number[]>();
    for (let f = 0; f + 1 < postStart.length; f++) {
      if (postStart[f + 1]! > postStart[f]!) postings.set(featureName(f), [...postDoc.subarray(postStart[f]!, postStart[f + 1]!), ...postWeight.subarray(postStart[f]!, postStart[f + 1]!)]);
    }
    return { docs: docs.map((a) => a.slug), vectors, postings: [...postings].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)), arrays };
  };

  it('gives the model and links of counting anew, across edits, additions, deletions and date changes', () => {
    const pick = random(7);
    const memo = new TermMemo();
    let seen = new Set<string>();
    let articles = randomArticles(120, 3).map(recorded);
    let next = articles.length;
    for (let step = 0; step < 12; step++) {
      // Every fourth build starts from a memo that let go of everything (as when its dictionary is mostly dead).
      const forgotten = step % 4 === 3;
      if (forgotten) memo.forget();
      const keyOf = (a: Article) => `${a.sourcePath}\0${a.terms}`;
      const changed = articles.filter((a) => !seen.has(keyOf(a))).length;
      expect(modelOf(articles, memo), `step ${step}`).toEqual(modelOf(articles));
      // The memo was used, and counted again only the records it had not seen (all, once it let go of its counts).
      expect(memo.recounted).toBe(forgotten ? articles.length : changed);
      seen = new Set(articles.map(keyOf));
      expect(computeRelated(articles, { ...OPTIONS, termMemo: memo }), `step ${step}`).toEqual(computeRelated(articles, OPTIONS));
      const fresh = randomArticles(4, 100 + step).map((a) => recorded({ ...a, slug: `story-${next}`, sourcePath: `content/story-${next++}.md` }));
      articles = articles
        .filter(() => pick(20) !== 0)
        .map((a) => {
          const roll = pick(10);
          if (roll === 0) return recorded({ ...a, text: `${a.text}${FRAGMENTS[pick(FRAGMENTS.length)]}新词${step}` });
          if (roll === 1) return recorded({ ...a, title: `${a.title}${FRAGMENTS[pick(FRAGMENTS.length)]}` });
          if (roll === 2) return { ...a, date: a.date + 86_400_000 * (pick(9) - 4) };
          return a;
        })
        .concat(fresh);
    }
  });

  it('checks the records of only the docs it counts anew when it compares versions, and counts anew when one has none', () => {
    const articles = randomArticles(60, 9).map(recorded);
    const versions = new Map(articles.map((a) => [a.sourcePath, createHash('sha256').update(a.terms!).digest('hex')]));
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    const memo = new TermMemo(versionOf);
    expect(modelOf(articles, memo)).toEqual(modelOf(articles));
    // A kept doc's record is not read again (its version stands for it): one made
    // unreadable leaves the memo in use, and the counts those of its file's record.
    const unread = articles.map((a, i) => (i === 5 ? { ...a, terms: 'not a record' } : a));
    expect(recordedTerms(unread[5]!)).toBeUndefined();
    expect(modelOf(unread, memo)).toEqual(modelOf(articles));
    expect(memo.recounted).toBe(0);
    expect(memo.size).toBe(articles.length);
    // A doc to be counted anew without a record: the memo lets go of everything, and
    // every doc is counted as it stands.
    const edited = articles.map((a, i) => (i === 7 ? { ...a, text: `${a.text}新词`, terms: undefined } : a));
    versions.set(edited[7]!.sourcePath, 'edited');
    expect(modelOf(edited, memo)).toEqual(modelOf(edited));
    expect(memo.size).toBe(0);
    // Nor a version: no entry can match it either.
    versions.delete(edited[7]!.sourcePath);
    expect(modelOf(edited, memo)).toEqual(modelOf(edited));
  });

  it('takes the document frequencies a snapshot wrote only from vouched-for bytes, and writes none it cannot vouch for', () => {
    const articles = randomArticles(80, 11).map(recorded);
    const versions = new Map(articles.map((a) => [a.sourcePath, createHash('sha256').update(a.terms!).digest('hex')]));
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    const memo = new TermMemo(versionOf);
    const fresh = modelOf(articles);
    expect(modelOf(articles, memo)).toEqual(fresh);
    const snapshot = memo.snapshot(versionOf);
    expect(snapshot.df).toBeInstanceOf(Int32Array);
    // Frequencies made wrong after writing: bytes no checksum vouched for are not
    // trusted for it (counted again), bytes one did are taken as they are.
    const damaged = () => {
      const copy = deserialize(serialize(snapshot)) as TermMemoSnapshot;
      for (let id = 0; id < copy.df!.length; id++) if (copy.df![id]! > 0) copy.df![id]! += 3;
      return copy;
    };
    expect(modelOf(articles, TermMemo.restore(damaged(), versionOf, false))).toEqual(fresh);
    expect(modelOf(articles, TermMemo.restore(damaged(), versionOf, true))).not.toEqual(fresh);
    // A doc with no version is left out of the snapshot, and with it the frequencies,
    // which counted it: the memo read back counts them again.
    const withoutOne = (sourcePath: string) => (sourcePath === articles[3]!.sourcePath ? undefined : versionOf(sourcePath));
    const partial = memo.snapshot(withoutOne);
    expect(partial.docKeys).toHaveLength(articles.length - 1);
    expect(partial.df).toBeUndefined();
    expect(modelOf(articles, TermMemo.restore(deserialize(serialize(partial)) as TermMemoSnapshot, versionOf, true))).toEqual(fresh);
  });

  it('refuses a snapshot that deserializes but is not what snapshot() wrote', () => {
    const articles = randomArticles(60, 9).map(recorded);
    const versionOf = (sourcePath: string) => sourcePath;
    const memo = new TermMemo(versionOf);
    buildModel(articles, OPTIONS.settings, undefined, memo);
    const bytes = serialize(memo.snapshot(versionOf));
    const copy = () => deserialize(bytes) as TermMemoSnapshot;
    expect(TermMemo.restore(copy(), versionOf).size).toBe(articles.length);
    const damaged: [string, (s: TermMemoSnapshot) => void][] = [
      ['a term id past the dictionary', (s) => (s.ids[5] = s.dictionary.keys.length)],
      ['a table with another shift', (s) => (s.dictionary.shift -= 1)],
      ['a slot naming another term', (s) => {
        const at = s.dictionary.slots.findIndex((key, i) => i % 4 === 0 && key !== 0);
        s.dictionary.slots[at + 1] = (s.dictionary.slots[at + 1]! + 1) % s.dictionary.keys.length;
      }],
      ['a full table', (s) => (s.dictionary.pairCount = s.dictionary.slots.length)],
      ['entries out of order', (s) => (s.entryStart[1] = s.ids.length + 1)],
      ['a missing version', (s) => s.versions.pop()],
    ];
    for (const [what, damage] of damaged) {
      const snapshot = copy();
      damage(snapshot);
      expect(() => TermMemo.restore(snapshot, versionOf), what).toThrow(/term memo/);
    }
  });

  it('kept on disk (a snapshot through v8 serialization, restored) gives the model and links of counting anew, by versions', () => {
    const pick = random(11);
    let articles = randomArticles(120, 5).map(recorded);
    let next = articles.length;
    // As the build cache does, a doc's version is the content hash of its source: here, of its record.
    let versions = new Map<string, string>();
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    let memo = new TermMemo(versionOf);
    let kept = new Set<string>();
    for (let step = 0; step < 10; step++) {
      versions = new Map(articles.map((a) => [a.sourcePath, createHash('sha256').update(a.terms!).digest('hex')]));
      const changed = articles.filter((a) => !kept.has(`${a.sourcePath}\0${versions.get(a.sourcePath)}`)).length;
      expect(modelOf(articles, memo), `step ${step}`).toEqual(modelOf(articles));
      expect(memo.recounted).toBe(changed);
      expect(computeRelated(articles, { ...OPTIONS, termMemo: memo }), `step ${step}`).toEqual(computeRelated(articles, OPTIONS));
      // Only what serialization keeps goes to the next build: every other build as the
      // build cache reads it, its bytes vouched for by a checksum (the memo then takes the
      // document frequencies it wrote instead of counting them again).
      memo = TermMemo.restore(deserialize(serialize(memo.snapshot(versionOf))), versionOf, step % 2 === 0);
      expect(memo.size).toBe(articles.length);
      kept = new Set(articles.map((a) => `${a.sourcePath}\0${versions.get(a.sourcePath)}`));
      const fresh = randomArticles(3, 200 + step).map((a) => recorded({ ...a, slug: `story-${next}`, sourcePath: `content/story-${next++}.md` }));
      articles = articles
        .filter(() => pick(20) !== 0)
        .map((a) => (pick(8) === 0 ? recorded({ ...a, text: `${a.text}${FRAGMENTS[pick(FRAGMENTS.length)]}新词${step}` }) : a))
        .concat(fresh);
    }
  });
});

describe('related lists kept from the last build', () => {
  /** Seeded, from the high bits: the LCG's low bits cycle, and this test draws small ranges. */
  const draw = (seed: number) => {
    const next = seededRandom(seed);
    return (n: number) => Math.floor(next() * n);
  };
  const TAGS = ['银行', '券商', '地产', '新能源', 'AI', '黄金', '债券', '汇率'];
  const CATEGORIES = ['市场', '公司', '宏观', undefined];
  const AUTHORS = ['王明', '李华', 'Anna Lee', '陈静'];

  /** An archive with labels too: one tag in ~45% of the docs, so that its postings are long enough for windows. */
  function labelledArticles(count: number, seed: number, from = 0): Article[] {
    const pick = draw(seed);
    const text = (parts: number) => Array.from({ length: parts }, () => FRAGMENTS[pick(FRAGMENTS.length)]!).join('');
    return Array.from({ length: count }, (_, i) => {
      const n = from + i;
      return recorded(makeArticle({
        slug: `story-${n}`, sourcePath: `content/story-${n}.md`, date: Date.UTC(2025, 0, 1) + pick(90) * 86_400_000 + pick(4) * 3_600_000,
        title: text(1 + pick(6)), summary: pick(3) === 0 ? '' : text(pick(12)), text: text(pick(300)),
        tags: [...(pick(20) < 9 ? ['要闻'] : []), ...(pick(2) === 0 ? [TAGS[pick(TAGS.length)]!] : [])],
        tickers: pick(4) === 0 ? [`60003${pick(6)}.SH`] : [],
        category: CATEGORIES[pick(CATEGORIES.length)], authors: [AUTHORS[pick(AUTHORS.length)]!],
      }));
    });
  }

  const listsOf = (result: ReturnType<typeof computeRelated>) => ({ lists: result.lists, diagnostics: result.diagnostics });

  // The defaults, and short lists behind a high gate: there a list often has room, and
  // an edit that only repeats a word (no document frequency moves) is decided by score.
  it.each([
    { limit: OPTIONS.limit, minScore: OPTIONS.settings.minScore, size: 900, seed: 21 },
    { limit: 3, minScore: 0.3, size: 300, seed: 22 },
  ])('are those of computing anew, over seeded edits, relabelling, pins, moves in time, additions and deletions (%o)', ({ limit, minScore, size, seed }) => {
    const options: RelatedOptions = { limit, settings: { ...OPTIONS.settings, minScore } };
    const pick = draw(seed);
    let articles = labelledArticles(size, 4);
    let next = articles.length;
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    let versions = new Map<string, string>();
    // As a build cache keeps them: the memo only when it was worth writing, the state after every build.
    let diskMemo: Buffer | undefined;
    let previous: RelatedState | undefined;
    const queried: number[] = [];
    let partial = 0;
    for (let step = 0; step < 24; step++) {
      versions = new Map(articles.map((a) => [a.sourcePath, createHash('sha256').update(JSON.stringify(a)).digest('hex')]));
      // Read from a copy, as from the file: a restored memo's arrays are views of what it was read from.
      const memo = diskMemo ? TermMemo.restore(deserialize(Buffer.from(diskMemo)) as TermMemoSnapshot, versionOf) : new TermMemo(versionOf);
      const result = computeRelated(articles, { ...options, termMemo: memo, versionOf, previous });
      expect(listsOf(result), `step ${step}`).toEqual(listsOf(computeRelated(articles, options)));
      queried.push(result.queried!);
      if (result.queried! < articles.length) partial++;
      if (!diskMemo || pick(3) === 0) {
        const snapshot = memo.snapshot(versionOf);
        diskMemo = serialize(snapshot);
        memo.persisted(snapshot);
      }
      const sealed = result.state && sealState(result.state, memo);
      previous = sealed && (deserialize(serialize(sealed)) as RelatedState);

      // The next build's changes: mostly one to three edited articles, as between two CI runs.
      const edit = (a: Article): Article => {
        switch (pick(8)) {
          case 0: return recorded({ ...a, title: `${a.title}${FRAGMENTS[pick(FRAGMENTS.length)]}` });
          case 1: return recorded({ ...a, tags: pick(2) === 0 ? [...a.tags, TAGS[pick(TAGS.length)]!] : a.tags.slice(1) });
          case 2: return recorded({ ...a, category: CATEGORIES[pick(CATEGORIES.length)], authors: [AUTHORS[pick(AUTHORS.length)]!] });
          case 3: return recorded({ ...a, related: { pinned: [`story-${pick(next)}`], hidden: false, line: 3 } });
          case 4: return recorded({ ...a, related: { pinned: [], hidden: pick(2) === 0, line: undefined } });
          case 5: {
            // A word the article has already, once more: weights move, no document frequency does.
            const known = FRAGMENTS.filter((fragment) => a.text.includes(fragment));
            return known.length > 0 ? recorded({ ...a, text: `${a.text}。${known[pick(known.length)]}。` }) : a;
          }
          default: return recorded({ ...a, text: `${a.text}${FRAGMENTS[pick(FRAGMENTS.length)]}新词${step}` });
        }
      };
      const edited = new Set(Array.from({ length: 1 + pick(3) }, () => pick(articles.length)));
      articles = articles.map((a, i) => (edited.has(i) ? edit(a) : a));
      const roll = pick(8);
      if (roll === 0) articles = articles.concat(labelledArticles(2, 300 + step, next)), (next += 2);
      if (roll === 1) articles = articles.filter(() => pick(100) !== 0);
      if (roll === 2) articles = articles.map((a, i) => (i === pick(articles.length) ? recorded({ ...a, date: a.date + 86_400_000 }) : a));
    }
    // Builds after edits kept lists (in this small vocabulary most docs share terms, so
    // not many); after additions, deletions and moves in time they computed them all.
    expect(partial, queried.join(' ')).toBeGreaterThanOrEqual(8);
  });

  it('are not taken from a state that deserializes but is not what a build wrote', () => {
    const versions = new Map<string, string>();
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    let articles = labelledArticles(300, 8);
    const stamp = () => {
      versions.clear();
      for (const a of articles) versions.set(a.sourcePath, createHash('sha256').update(JSON.stringify(a)).digest('hex'));
    };
    stamp();
    const memo = new TermMemo(versionOf);
    const first = computeRelated(articles, { ...OPTIONS, termMemo: memo, versionOf });
    const bytes = serialize(sealState(first.state!, memo, true));
    articles = articles.map((a, i) => (i === 7 ? recorded({ ...a, text: `${a.text}招商银行发布年报` }) : a));
    stamp();
    const fresh = listsOf(computeRelated(articles, OPTIONS));
    const copy = () => deserialize(bytes) as RelatedState;
    // Undamaged, it is used: few lists computed, the same links.
    const kept = computeRelated(articles, { ...OPTIONS, termMemo: memo, versionOf, previous: copy() });
    expect(listsOf(kept)).toEqual(fresh);
    expect(kept.queried).toBeLessThan(articles.length);
    const damaged: [string, (s: RelatedState) => void][] = [
      ['a short sigStart', (s) => (s.sigStart = s.sigStart.subarray(0, s.sigStart.length - 5))],
      ['a feature past the features', (s) => (s.feature[3] = 2 * s.termCount + s.labelKeys.length)],
      ['a negative feature', (s) => (s.feature[0] = -2)],
      ['a link to no doc', (s) => (s.linkDoc[0] = articles.length)],
      ['a list longer than the limit', (s) => (s.linkStart = Int32Array.from(s.linkStart, (x, d) => (d === 0 ? 0 : x + 20 * d)))],
      ['moved terms of the wrong count', (s) => s.movedTerms.push('x')],
      ['dates of another kind', (s) => ((s as { dates: unknown }).dates = Array.from(s.dates))],
      ['a missing version', (s) => s.versions.pop()],
    ];
    for (const [what, damage] of damaged) {
      const state = copy();
      damage(state);
      const result = computeRelated(articles, { ...OPTIONS, termMemo: memo, versionOf, previous: state });
      expect(listsOf(result), what).toEqual(fresh);
      expect(result.queried, what).toBe(articles.length);
    }
  });


  it('are not taken from a state sealed against another save of the term memo', () => {
    const hashes = (list: Article[]) => new Map(list.map((a) => [a.sourcePath, createHash('sha256').update(JSON.stringify(a)).digest('hex')]));
    let versions = new Map<string, string>();
    const versionOf = (sourcePath: string) => versions.get(sourcePath);
    const base = labelledArticles(200, 12);
    versions = hashes(base);
    const first = new TermMemo(versionOf);
    const firstResult = computeRelated(base, { ...OPTIONS, termMemo: first, versionOf });
    const firstSnapshot = first.snapshot(versionOf);
    const disk = serialize(firstSnapshot);
    first.persisted(firstSnapshot);
    const firstState = serialize(sealState(firstResult.state!, first));
    /** A build from the memo and state on disk, as two processes sharing a cache run it: the memo saved after it, then the state. */
    const run = (articles: Article[]) => {
      versions = hashes(articles);
      const memo = TermMemo.restore(deserialize(Buffer.from(disk)) as TermMemoSnapshot, versionOf);
      const result = computeRelated(articles, { ...OPTIONS, termMemo: memo, versionOf, previous: deserialize(firstState) as RelatedState });
      const snapshot = memo.snapshot(versionOf);
      memo.persisted(snapshot);
      return { memo: serialize(snapshot), state: serialize(sealState(result.state!, memo)) };
    };
    // Each adds words of its own, which the memo numbers from the same first free id.
    const one = base.map((a, i) => (i === 3 ? recorded({ ...a, text: `${a.text}甲乙丙丁戊己庚辛` }) : a));
    const two = base.map((a, i) => (i === 5 ? recorded({ ...a, text: `${a.text}子丑寅卯辰巳午未` }) : a));
    const p1 = run(one);
    const p2 = run(two);
    // On disk: the second process's memo, the first one's state (written last).
    const next = (state: Buffer) => {
      versions = hashes(two);
      const memo = TermMemo.restore(deserialize(Buffer.from(p2.memo)) as TermMemoSnapshot, versionOf);
      return computeRelated(two, { ...OPTIONS, termMemo: memo, versionOf, previous: deserialize(state) as RelatedState });
    };
    const fresh = listsOf(computeRelated(two, OPTIONS));
    const mismatched = next(p1.state);
    expect(listsOf(mismatched)).toEqual(fresh);
    expect(mismatched.queried).toBe(two.length);
    // The pair that belongs together is used.
    const matched = next(p2.state);
    expect(listsOf(matched)).toEqual(fresh);
    expect(matched.queried).toBeLessThan(two.length);
  });


  /**
   * Seeded builds of one archive shape, each compared with a fresh computation; returns
   * how many lists the builds kept. `edit` makes the next build's articles.
   */
  function keptOverBuilds(seeds: number, steps: number, make: (pick: (n: number) => number) => { options: RelatedOptions; articles: Article[]; edit: (articles: Article[]) => Article[] }): number {
    let kept = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const pick = draw(seed);
      const shape = make(pick);
      let articles = shape.articles;
      let versions = new Map<string, string>();
      const versionOf = (sourcePath: string) => versions.get(sourcePath);
      const memo = new TermMemo(versionOf);
      let previous: RelatedState | undefined;
      for (let step = 0; step < steps; step++) {
        versions = new Map(articles.map((a) => [a.sourcePath, createHash('sha256').update(JSON.stringify(a)).digest('hex')]));
        const result = computeRelated(articles, { ...shape.options, termMemo: memo, versionOf, previous });
        expect(listsOf(result), `seed ${seed} step ${step}`).toEqual(listsOf(computeRelated(articles, shape.options)));
        kept += articles.length - result.queried!;
        previous = deserialize(serialize(sealState(result.state!, memo, true))) as RelatedState;
        articles = shape.edit(articles);
      }
    }
    return kept;
  }

  it('are those of computing anew where lists are short and an edit only repeats a word the article has', () => {
    const kept = keptOverBuilds(40, 12, (pick) => {
      const vocabulary = 30 + pick(60);
      const text = (words: number) => Array.from({ length: words }, () => `w${pick(vocabulary)}`).join(' ');
      const articles = Array.from({ length: 25 + pick(40) }, (_, i) => recorded(makeArticle({
        slug: `s${i}`, sourcePath: `s${i}.md`, date: Date.UTC(2025, 0, 1 + pick(3)), title: text(2 + pick(4)), text: text(pick(10)),
      })));
      return {
        options: { limit: 1 + pick(8), settings: { ...OPTIONS.settings, minScore: 0.1 + pick(50) / 100 } },
        articles,
        edit: (list) => {
          const i = pick(list.length);
          const words = `${list[i]!.title} ${list[i]!.text}`.split(' ').filter(Boolean);
          const again = words[pick(words.length)]!;
          return list.map((a, j) => (j !== i ? a : recorded(pick(2) === 0 ? { ...a, title: `${a.title} ${again}` } : { ...a, text: `${a.text} ${again}` })));
        },
      };
    });
    expect(kept).toBeGreaterThan(0);
  });

  it('are those of computing anew where a label in most articles comes and goes, so long posting lists shift', () => {
    const kept = keptOverBuilds(8, 12, (pick) => {
      const n = 205 + pick(30);
      const word = () => `u${pick(100_000)}`;
      const articles = Array.from({ length: n }, (_, i) => recorded(makeArticle({
        slug: `s${i}`, sourcePath: `s${i}.md`, date: Date.UTC(2025, 0, 1) + i * 3_600_000 * (pick(3) === 0 ? 0 : 1) + i,
        title: `${word()} ${word()}`, tags: ['hot', `g${pick(40)}`],
      })));
      return {
        options: { limit: 1 + pick(12), settings: { ...OPTIONS.settings, minScore: 0.05 + pick(30) / 100, halfLifeDays: 1000 } },
        articles,
        edit: (list) => {
          const i = pick(5) === 0 ? pick(20) : n - 1 - pick(20);
          return list.map((a, j) => (j !== i ? a : recorded({ ...a, tags: a.tags.includes('hot') ? a.tags.filter((t) => t !== 'hot') : ['hot', ...a.tags] })));
        },
      };
    });
    expect(kept).toBeGreaterThan(0);
  });

});

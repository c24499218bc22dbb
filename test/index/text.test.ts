import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { charactersOpenCCChanges, foldName, foldToSimplified, normalizeTicker, remembered, stripReadings, tokenize } from '../../src/index/text.ts';

const REFERENCE = readFileSync(new URL('../fixtures/seed/reference-page.txt', import.meta.url), 'utf8');
/** Latin letters with pinyin tone marks, or a bare pinyin syllable: what a reading leaves behind. */
const PINYIN_LEFTOVER = /[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]|^(?:fei|xiao|qiang|wu|feng|quan|guo|lai|hu|ze|chan|ye|dian)$/;

describe('tokenize', () => {
  it('cuts Chinese without spaces into overlapping bigrams', () => {
    const tokens = tokenize('招商银行发布年报');
    expect(tokens).toEqual(['招商', '商银', '银行', '行发', '发布', '布年', '年报']);
  });

  it('drops function characters and stop words, and never bridges them', () => {
    const tokens = tokenize('消费者的权益和银行的服务');
    expect(tokens).toEqual(['消费', '费者', '权益', '银行', '服务']);
    expect(tokens.some((t) => /[的和]/.test(t))).toBe(false);
    expect(tokenize('我们表示：市场')).toEqual(['市场']);
  });

  it('lower-cases Latin words and drops English stop words', () => {
    expect(tokenize('The Bank posted Strong EARNINGS and the iPhone sold')).toEqual(['bank', 'posted', 'strong', 'earnings', 'iphone', 'sold']);
    // Short all-capital words are tickers or acronyms, kept as written.
    expect(tokenize('GDP and HSBC')).toEqual(['GDP', 'HSBC']);
  });

  it('reads a word the same whatever punctuation follows it, and joined words as one stretch', () => {
    expect(tokenize('Profits rose. Banks’ shares, AAPL. 600036.SH. Zürich-based 5G 12ab Q1- 2025. 2025')).toEqual(
      ['profits', 'banks', 'shares', 'AAPL', '600036.SH', 'zürich', 'based', '5g', '12ab', 'q1'],
    );
  });

  it('keeps tickers whole and canonical', () => {
    expect(tokenize('招商银行(600036.SH)与腾讯(0700.HK、00700.hk)及AAPL、BRK.B')).toEqual(
      expect.arrayContaining(['600036.SH', '0700.HK', 'AAPL', 'BRK.B']),
    );
    expect(tokenize('00700.hk').filter((t) => t === '0700.HK')).toHaveLength(1);
    expect(normalizeTicker(' 700.hk ')).toBe('0700.HK');
    expect(normalizeTicker('600036.sh')).toBe('600036.SH');
  });

  it('keeps dates whole', () => {
    expect(tokenize('2025年净利润')).toContain('2025年');
    expect(tokenize('2025年3月18日晚间')).toContain('2025-03-18');
    expect(tokenize('on 2025-03-18 and 2025/3/8')).toEqual(['2025-03-18', '2025-03-08']);
    expect(tokenize('2025年3月')).toEqual(['2025-03']);
    expect(tokenize('增长1380亿元')).not.toContain('1380');
  });

  it('folds full-width forms', () => {
    expect(tokenize('ＡＡＰＬ２０２５年')).toEqual(['AAPL', '2025年']);
  });

  it('ignores bracketed pinyin readings', () => {
    expect(tokenize('消費(fèi)金融加強(qiáng)服務(wù)')).toEqual(tokenize('消費金融加強服務'));
    expect(tokenize('銀行(yín háng) 行(hang2) (xiāo)')).toEqual(tokenize('銀行 行'));
    const tokens = tokenize(REFERENCE);
    expect(tokens.length).toBeGreaterThan(500);
    expect(tokens.filter((t) => PINYIN_LEFTOVER.test(t))).toEqual([]);
  });

  it('keeps brackets that are not readings', () => {
    expect(stripReadings('苹果(AAPL)、银行(bank)(以下简称中邮)')).toBe('苹果(AAPL)、银行(bank)(以下简称中邮)');
    expect(stripReadings('消費(fèi)者')).toBe('消費者');
  });

  it('meets Traditional and Simplified on the same terms', () => {
    expect(tokenize('中郵消費金融發展，樓市與銀行')).toEqual(tokenize('中邮消费金融发展，楼市与银行'));
    expect(foldToSimplified('恒基地產新盤開售')).toBe('恒基地产新盘开售');
    const simplified = '招商银行发布年报';
    expect(foldToSimplified(simplified)).toBe(simplified);
  });

  it('lists in traditional-characters.ts exactly the characters the installed OpenCC converts', async () => {
    // After an opencc-js upgrade that changes them: npx vitest run -u test/index/text.test.ts
    await expect(traditionalCharactersSource(charactersOpenCCChanges())).toMatchFileSnapshot('../../src/index/traditional-characters.ts');
  });

  it('converts a Traditional character that only OpenCC knows, and leaves text without one alone', () => {
    const listed = charactersOpenCCChanges();
    expect(listed.length).toBeGreaterThan(3000);
    for (const ch of [...listed].filter((_, i) => i % 97 === 0)) expect(foldToSimplified(`a${ch}b`)).not.toBe(`a${ch}b`);
    expect(foldToSimplified('中文简体，English, ١٢٣')).toBe('中文简体，English, ١٢٣');
  });

  it('can cut words with Intl.Segmenter instead', () => {
    const words = tokenize('招商银行发布年报', { cjk: 'word' });
    expect(words).toContain('发布');
    expect(words).toContain('年报');
    expect(words.every((w) => !/\s/.test(w))).toBe(true);
  });
});

describe('foldName', () => {
  it('folds width, spacing and case, the same whether remembered or not, past its memo\'s bound too', () => {
    const plain = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
    const names = ['ＡＩ', ' ai ', 'Ping  An\tBank', '招商银行', '招商 銀行', 'Ⅻ', 'ﬁnance'];
    for (const name of [...names, ...names]) expect(foldName(name)).toBe(plain(name));
    expect(foldName('ＡＩ')).toBe(foldName('ai'));
    // A memo fed more distinct names than it keeps starts again, and stays right.
    const memo = new Map<string, string>();
    let made = 0;
    const make = (text: string) => (made++, plain(text));
    for (let i = 0; i < 100_005; i++) expect(remembered(memo, `Tag ${i}`, make)).toBe(`tag ${i}`);
    expect(memo.size).toBeLessThanOrEqual(100_000);
    expect(remembered(memo, 'Tag 100004', make)).toBe('tag 100004');
    expect(made).toBe(100_005);
    expect(remembered(memo, 'Tag 0', make)).toBe('tag 0');
    expect(made).toBe(100_006);
  });
});

/** The generated module: the characters in lines of 64, so that a diff after an upgrade stays readable. */
function traditionalCharactersSource(characters: string): string {
  const lines: string[] = [];
  for (let i = 0; i < characters.length; i += 64) lines.push(`  '${characters.slice(i, i + 64)}',`);
  return [
    '// Generated from opencc-js by test/index/text.test.ts; do not edit. After an opencc-js',
    '// upgrade that test fails until this file is made again: npx vitest run -u test/index/text.test.ts',
    '//',
    '// Every character of the CJK blocks that OpenCC\'s t2s changes when converted on its own.',
    '// foldToSimplified (text.ts) converts only text holding one of them.',
    'export const TRADITIONAL_CHARACTERS = [',
    ...lines,
    "].join('');",
    '',
  ].join('\n');
}

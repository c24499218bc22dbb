// Display-width truncation: CJK and emoji count two columns, Latin one; a cut never
// splits a surrogate pair, a combining mark or a ZWJ emoji sequence.
import { describe, expect, it } from 'vitest';
import { displayWidth, graphemeWidth, ONE_UNIT_CLUSTERS, truncateToWidth } from '../../src/render/width.ts';
import { random } from '../bench/files.ts';

describe('display width', () => {
  it.each([
    ['招商银行', 8],
    ['Apple', 5],
    ['招行AAPL', 8],
    ['ＡＩ', 4],
    ['😀', 2],
    ['👨‍👩‍👧', 2],
    ['e\u0301', 1],
    ['𠀀', 2],
    ['', 0],
  ])('%j is %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe('truncateToWidth', () => {
  it('leaves a title that fits as it is', () => {
    expect(truncateToWidth('招商银行年报', 12)).toBe('招商银行年报');
  });

  it('cuts Chinese at two columns a character, ellipsis included', () => {
    // 10 columns: 3 for "...", so 7 for text: three characters (6), not four (8).
    expect(truncateToWidth('招商银行发布年报', 10)).toBe('招商银...');
    expect(displayWidth(truncateToWidth('招商银行发布年报', 10))).toBeLessThanOrEqual(10);
  });

  it('mixes CJK and Latin by their own widths', () => {
    expect(truncateToWidth('腾讯Q3 revenue beats', 12)).toBe('腾讯Q3 re...');
    expect(truncateToWidth('Apple 苹果公司发布新品', 13)).toBe('Apple 苹果...');
  });

  it('never splits an emoji, a ZWJ sequence, a combining mark or a surrogate pair', () => {
    expect(truncateToWidth('👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧', 7)).toBe('👨‍👩‍👧👨‍👩‍👧...');
    expect(truncateToWidth('e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301', 5)).toBe('e\u0301e\u0301...');
    const cut = truncateToWidth('𠀀𠀁𠀂𠀃𠀄', 7);
    expect(cut).toBe('𠀀𠀁...');
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

describe('one UTF-16 unit a cluster', () => {
  const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
  const clusters = (text: string) => [...segmenter.segment(text)].length;

  // What lets width.ts skip Intl.Segmenter: with nothing that joins (marks, joiners,
  // Hangul jamo, surrogates) every unit listed breaks from its neighbours.
  it('is what Intl.Segmenter says of every unit listed', () => {
    let listed = 0;
    for (let unit = 0; unit <= 0xffff; unit++) {
      const c = String.fromCharCode(unit);
      if (!ONE_UNIT_CLUSTERS.test(c)) continue;
      listed++;
      // After and before a letter, next to itself, and between ideographs.
      expect(clusters(`x${c}${c}${c}x中${c}中`), `U+${unit.toString(16)}`).toBe(8);
    }
    expect(listed).toBeGreaterThan(30_000);
  });

  it('gives the widths and cuts that cluster by cluster counting gives', () => {
    const widthByClusters = (text: string) => [...segmenter.segment(text)].reduce((sum, { segment }) => sum + graphemeWidth(segment), 0);
    const truncateByClusters = (text: string, maxWidth: number) => {
      if (text.length * 2 <= maxWidth) return text;
      const budget = Math.max(0, maxWidth - 3);
      let width = 0;
      let cut = -1;
      for (const { segment, index } of segmenter.segment(text)) {
        width += graphemeWidth(segment);
        if (cut === -1 && width > budget) cut = index;
        if (width > maxWidth) return text.slice(0, cut).trimEnd() + '...';
      }
      return text;
    };
    const rnd = random(3);
    const pieces = [...'招商银行年报，。“”：、（）《》ＡＩ０１ａ？！　·—…abc XYZ019-_.,;é©®™€¥£½→①■★♥ぁアヴー々〇'].concat(['e\u0301', '😀', '👨‍👩‍👧', '𠀀', '\u00ad', '\u200b', '가', '\u1100\u1161', '\u3099', '\uff9e', '\t', '\n', '\ufe0f', '🇨🇳']);
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 60) }, () => pieces[Math.floor(rnd() * pieces.length)]!).join('');
      const maxWidth = Math.floor(rnd() * 80);
      expect(displayWidth(text), JSON.stringify(text)).toBe(widthByClusters(text));
      expect(truncateToWidth(text, maxWidth), JSON.stringify([text, maxWidth])).toBe(truncateByClusters(text, maxWidth));
    }
  });
});

// Display-width truncation: CJK and emoji count two columns, Latin one; a cut never
// splits a surrogate pair, a combining mark or a ZWJ emoji sequence.
import { describe, expect, it } from 'vitest';
import { displayWidth, truncateToWidth } from '../../src/render/width.ts';

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

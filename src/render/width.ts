// Display width as a terminal or a CJK layout counts it: East Asian wide and
// fullwidth characters (and emoji) take two columns, others one. Cutting works on
// grapheme clusters, so a surrogate pair, a combining mark or a ZWJ emoji sequence
// is never split.
import { eastAsianWidth } from 'get-east-asian-width';

// Made on first use: creating a segmenter costs ~6 ms (ICU's break rules), and ASCII
// and Chinese text, nearly all text here, is measured without one (ONE_UNIT_CLUSTERS).
let segmenter: Intl.Segmenter | undefined;
const graphemes = () => (segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' }));
const ELLIPSIS = '...';
const EMOJI = /\p{Extended_Pictographic}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]+$/u;

export function graphemeWidth(cluster: string): number {
  if (ZERO_WIDTH.test(cluster)) return 0;
  if (EMOJI.test(cluster)) return 2;
  const codePoint = cluster.codePointAt(0) ?? 0;
  return eastAsianWidth(codePoint, { ambiguousAsWide: false });
}

/** Printable ASCII: one column a character, no clusters. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Text made only of these UTF-16 units is one grapheme cluster per unit: Latin,
 * general punctuation, common symbols, CJK punctuation, kana, CJK ideographs and
 * fullwidth forms, leaving out every combining mark, joiner, control, surrogate and
 * Hangul jamo in those blocks. So such text (nearly every Chinese summary) is
 * measured unit by unit instead of through Intl.Segmenter, which costs ~0.5 µs a
 * cluster. test/render/width.test.ts asks Intl.Segmenter about every unit listed.
 */
export const ONE_UNIT_CLUSTERS = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027\u2030-\u205e\u2100-\u214f\u2190-\u23ff\u2460-\u27bf\u3000-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff9d\uffe0-\uffe6\uffe8-\uffee]*$/;

/** graphemeWidth of each one-unit cluster, filled in as units are met; -1 is not yet known. */
const unitWidths = new Int8Array(0x10000).fill(-1);

function unitWidth(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  let width = unitWidths[unit]!;
  if (width === -1) unitWidths[unit] = width = graphemeWidth(text[index]!);
  return width;
}

export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes().segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Cuts `text` to at most `maxWidth` columns, ending in '...' when anything was cut.
 * The ellipsis counts toward the width.
 */
export function truncateToWidth(text: string, maxWidth: number): string {
  // A grapheme takes at most 2 columns and at least one UTF-16 unit.
  if (text.length * 2 <= maxWidth) return text;
  const budget = Math.max(0, maxWidth - ELLIPSIS.length);
  if (PRINTABLE_ASCII.test(text)) return text.length <= maxWidth ? text : text.slice(0, budget).trimEnd() + ELLIPSIS;
  // One pass, stopping as soon as the text is known not to fit.
  let width = 0;
  let cut = -1;
  if (ONE_UNIT_CLUSTERS.test(text)) {
    for (let index = 0; index < text.length; index++) {
      width += unitWidth(text, index);
      if (cut === -1 && width > budget) cut = index;
      if (width > maxWidth) return text.slice(0, cut).trimEnd() + ELLIPSIS;
    }
    return text;
  }
  for (const { segment, index } of graphemes().segment(text)) {
    width += graphemeWidth(segment);
    if (cut === -1 && width > budget) cut = index;
    if (width > maxWidth) return text.slice(0, cut).trimEnd() + ELLIPSIS;
  }
  return text;
}

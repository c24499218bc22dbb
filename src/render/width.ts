// Display width as a terminal or a CJK layout counts it: East Asian wide and
// fullwidth characters (and emoji) take two columns, others one. Cutting works on
// grapheme clusters, so a surrogate pair, a combining mark or a ZWJ emoji sequence
// is never split.
import { eastAsianWidth } from 'get-east-asian-width';

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
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

export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
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
  for (const { segment, index } of graphemes.segment(text)) {
    width += graphemeWidth(segment);
    if (cut === -1 && width > budget) cut = index;
    if (width > maxWidth) return text.slice(0, cut).trimEnd() + ELLIPSIS;
  }
  return text;
}

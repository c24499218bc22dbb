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

export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Cuts `text` to at most `maxWidth` columns, ending in '...' when anything was cut.
 * The ellipsis counts toward the width.
 */
export function truncateToWidth(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  const budget = Math.max(0, maxWidth - ELLIPSIS.length);
  let width = 0;
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    const w = graphemeWidth(segment);
    if (width + w > budget) break;
    width += w;
    kept += segment;
  }
  return kept.trimEnd() + ELLIPSIS;
}

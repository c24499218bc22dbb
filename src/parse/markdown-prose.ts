// Most of a news story is plain prose: paragraphs of words and punctuation, and
// headings like `## 市场反应`. micromark reads those a character at a time through its
// state machines, ~85% of the Markdown time of the standard benchmark's articles. A
// block whose every character is inert (none that starts or ends any construct, see
// INERT_LINE) parses to one paragraph (or heading) holding one text node, whatever
// surrounds it, so this module builds those nodes itself and hands micromark only the
// stretches in between, each parsed alone and moved to its place.
//
// That is sound only where no construct spans into or out of a prose block:
// - a block counts only if every line of it, up to a blank line or a heading, is inert:
//   an inert line cannot start a list, quote, table or setext underline, nor continue
//   one lazily, since it follows a blank line, a heading or another inert line;
// - documents with fenced code, the HTML blocks that run past blank lines (`<pre`,
//   `<script`, `<style`, `<textarea`, `<!`, `<?`) or a definition (`]:`, links and
//   footnotes refer to one from anywhere) are parsed whole by micromark;
// - a heading counts only after a blank line, another such heading or a prose block
//   (anything else could be an HTML block it belongs to).
// The trees are the ones micromark builds for the whole document, positions included:
// test/parse/markdown-prose.test.ts compares them on random documents.
import type { Heading, List, ListItem, Paragraph, PhrasingContent, Root, RootContent, Text } from 'mdast';
import type { Point, Position } from 'unist';

/**
 * A line that can only be paragraph text: no leading or trailing whitespace, no
 * character that opens any inline construct (emphasis, code, links, HTML, entities,
 * escapes, GFM strikethrough, tables, footnotes and autolink literals' triggers), none
 * that starts a block (lists, quotes, headings, breaks, tables' delimiter rows), no
 * control characters (tabs, NUL, CR), and no U+2028/U+2029: `.` stops at them, so the
 * `www`/`http:` look-ahead would not see past one, while GFM's autolinks take them
 * for whitespace before a URL (found by review: `a\u2028www.a.bc`).
 * Only for CommonMark and GFM: a syntax extension with constructs of its own (math,
 * directives, MDX) would make other characters active.
 */
const INERT_LINE = /^(?![#>*+\-=_:~|`<[\s]|\d{1,9}[.)])(?!.*(?:www|https?:))[^\\`*_[\]<&~|@\x00-\x1f\u2028\u2029]*(?<!\s)$/i;
/** An ATX heading whose text is inert and holds no `#` (a closing sequence is not text). */
const INERT_HEADING = /^(#{1,6}) (?!\s)(?!.*(?:www|https?:))[^\\`*_[\]<&~|@#\x00-\x1f\u2028\u2029]+(?<!\s)$/i;
const BLANK_LINE = /^[ \t]*$/;
/** What makes a document unsafe to cut into pieces (see the top of this file). */
const SPANS_BLOCKS = /```|~~~|\]:|<(?:pre|script|style|textarea|[!?])/i;

/**
 * `**text**` whose text starts and ends with a letter or digit: the opening run is then
 * left-flanking and the closing one right-flanking whatever surrounds them (neither
 * is next to whitespace or punctuation on the inside), and two runs of two make
 * strong emphasis of what is between (the rule of three cannot apply: 2 + 2).
 * The bold lead-in of news paragraphs (`**央行表示**……`) is this.
 */
const STRONG = /\*\*([\p{L}\p{N}](?:[^*\n]*[\p{L}\p{N}])?)\*\*/u;
/**
 * `[text](/site/path/)`: an inline link to a site path (links between stories), its
 * text free of spaces at either end and of `^` at the start (a footnote call's shape),
 * not after `!` (an image). Without a definition in the document (`]:` sends it all
 * to micromark) a link is only ever this.
 */
const LINK = /(?<!!)\[([^\s[\]^](?:[^[\]\n]*[^\s[\]])?)\]\((\/[\w/.?=#%-]*)\)/;

/**
 * A paragraph's one strong span or link, by offsets in its line: the span, and the
 * text inside it. Its line must be inert with the markers taken out, so it holds no
 * other construct.
 */
interface InlineSpan {
  line: number;
  open: number;
  textStart: number;
  textEnd: number;
  end: number;
  /** A link's destination; none for strong emphasis. */
  url: string | undefined;
}

function inlineSpanOf(line: string, index: number): InlineSpan | undefined {
  for (const pattern of [STRONG, LINK]) {
    const match = pattern.exec(line);
    if (!match) continue;
    const open = match.index;
    const text = match[1]!;
    const textStart = open + (pattern === STRONG ? 2 : 1);
    const end = open + match[0].length;
    if (!INERT_LINE.test(line.slice(0, open) + text + line.slice(end))) return undefined;
    return { line: index, open, textStart, textEnd: textStart + text.length, end, url: match[2] };
  }
  return undefined;
}

/** A stretch that micromark parses: [first line, last line], both inclusive. */
interface Stretch {
  first: number;
  last: number;
}

/**
 * The mdast tree of `markdown`, as `parse` gives it, with prose blocks built here.
 * `parse` is the document's processor's parser (its GFM extensions included).
 */
export function parseWithProseBlocks(markdown: string, parse: (markdown: string) => Root): Root {
  // micromark drops a byte order mark at the start of what it is given: keep it out of the pieces.
  if (markdown.includes('\r') || markdown.includes('\uFEFF') || SPANS_BLOCKS.test(markdown)) return parse(markdown);
  const lines = markdown.split('\n');
  const lineStarts = new Array<number>(lines.length);
  for (let i = 0, offset = 0; i < lines.length; i++) {
    lineStarts[i] = offset;
    offset += lines[i]!.length + 1;
  }
  const children: RootContent[] = [];
  let pending: Stretch | undefined;
  const flush = (): void => {
    if (!pending) return;
    for (const node of parseStretch(markdown, lines, lineStarts, pending, parse)) children.push(node);
    pending = undefined;
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (BLANK_LINE.test(line)) {
      // Blank lines go with the stretch before them: indented code ends after its
      // whitespace-only lines, in micromark's positions.
      if (pending) pending.last = i;
      i++;
      continue;
    }
    // Here the line before is blank, an inert heading or the end of a prose block.
    const heading = INERT_HEADING.exec(line);
    if (heading) {
      flush();
      children.push(headingNode(heading[1]!.length, line, i, lineStarts[i]!));
      i++;
      continue;
    }
    let end = i;
    let inert = true;
    let span: InlineSpan | undefined;
    while (end < lines.length && !BLANK_LINE.test(lines[end]!)) {
      // A heading ends a paragraph; after anything else it may belong to what precedes.
      if (inert && end > i && INERT_HEADING.test(lines[end]!)) break;
      if (inert && !INERT_LINE.test(lines[end]!)) {
        span = span ? undefined : inlineSpanOf(lines[end]!, end);
        if (!span) inert = false;
      }
      end++;
    }
    if (inert) {
      flush();
      children.push(paragraphNode(lines, i, end - 1, lineStarts, span));
    } else if (!pending && isTightList(lines, i, end)) {
      children.push(listNode(lines, i, end - 1, lineStarts));
    } else if (pending) pending.last = end - 1;
    else pending = { first: i, last: end - 1 };
    i = end;
  }
  // Stretches are parsed only before a block built here: none built, no node yet.
  if (children.length === 0) return parse(markdown);
  flush();
  return { type: 'root', children, position: { start: { line: 1, column: 1, offset: 0 }, end: endOfLine(lines, lineStarts, lines.length - 1) } };
}

function paragraphNode(lines: readonly string[], first: number, last: number, lineStarts: readonly number[], span: InlineSpan | undefined): Paragraph {
  const start = lineStarts[first]!;
  const end = lineStarts[last]! + lines[last]!.length;
  const at = (offset: number): Point => pointAt(offset, first, last, lineStarts);
  const joined = lines.slice(first, last + 1).join('\n');
  const text = (from: number, to: number): Text => ({ type: 'text', value: joined.slice(from - start, to - start), position: { start: at(from), end: at(to) } });
  if (!span) return { type: 'paragraph', children: [text(start, end)], position: { start: at(start), end: at(end) } };
  const lineStart = lineStarts[span.line]!;
  const [open, close] = [lineStart + span.open, lineStart + span.end];
  const inside = [text(lineStart + span.textStart, lineStart + span.textEnd)];
  const position = { start: at(open), end: at(close) };
  const children: PhrasingContent[] = [];
  if (open > start) children.push(text(start, open));
  // Keys in micromark's order, so that the trees compare as JSON.
  children.push(span.url === undefined ? { type: 'strong', children: inside, position } : { type: 'link', title: null, url: span.url, children: inside, position });
  if (close < end) children.push(text(close, end));
  return { type: 'paragraph', children, position: { start: at(start), end: at(end) } };
}

/** `- item` (an item with no text starts an empty item, whatever follows) */
const LIST_ITEM = /^- ./;
/** What could continue a list after blank lines: an indented line, or any list item. */
const CONTINUES_LIST = /^(?:\s|[-*+](?:[ \t]|$)|\d{1,9}[.)])/;

/**
 * Lines first..end-1 are `- ` items of inert text, and the next block after them (blank
 * lines apart) cannot join the list: a tight bullet list of one paragraph per item.
 * The caller makes sure that no stretch left to micromark comes before it (one could
 * be a list this one continues); a list built here is never followed by another, by
 * this same check.
 */
function isTightList(lines: readonly string[], first: number, end: number): boolean {
  for (let i = first; i < end; i++) {
    const line = lines[i]!;
    if (!LIST_ITEM.test(line) || !INERT_LINE.test(line.slice(2))) return false;
  }
  let next = end;
  while (next < lines.length && BLANK_LINE.test(lines[next]!)) next++;
  return next === lines.length || !CONTINUES_LIST.test(lines[next]!);
}

function listNode(lines: readonly string[], first: number, last: number, lineStarts: readonly number[]): List {
  const items: ListItem[] = [];
  for (let i = first; i <= last; i++) {
    const line = lines[i]!;
    const point = (column: number): Point => ({ line: i + 1, column, offset: lineStarts[i]! + column - 1 });
    const content = (): Position => ({ start: point(3), end: point(line.length + 1) });
    const paragraph: Paragraph = { type: 'paragraph', children: [{ type: 'text', value: line.slice(2), position: content() }], position: content() };
    items.push({ type: 'listItem', spread: false, checked: null, children: [paragraph], position: { start: point(1), end: point(line.length + 1) } });
  }
  return { type: 'list', ordered: false, start: null, spread: false, children: items, position: { start: { line: first + 1, column: 1, offset: lineStarts[first]! }, end: endOfLine(lines, lineStarts, last) } };
}

/** The point of a source offset inside lines first..last. */
function pointAt(offset: number, first: number, last: number, lineStarts: readonly number[]): Point {
  let line = first;
  while (line < last && lineStarts[line + 1]! <= offset) line++;
  return { line: line + 1, column: offset - lineStarts[line]! + 1, offset };
}

function headingNode(depth: number, line: string, index: number, lineStart: number): Heading {
  const end = (): Point => ({ line: index + 1, column: line.length + 1, offset: lineStart + line.length });
  const text: Text = {
    type: 'text',
    value: line.slice(depth + 1),
    position: { start: { line: index + 1, column: depth + 2, offset: lineStart + depth + 1 }, end: end() },
  };
  return { type: 'heading', depth: depth as Heading['depth'], children: [text], position: { start: { line: index + 1, column: 1, offset: lineStart }, end: end() } };
}

function endOfLine(lines: readonly string[], lineStarts: readonly number[], index: number): Point {
  return { line: index + 1, column: lines[index]!.length + 1, offset: lineStarts[index]! + lines[index]!.length };
}

/** The stretch parsed alone (it starts where a block may start), its positions moved to where it sits. */
function parseStretch(markdown: string, lines: readonly string[], lineStarts: readonly number[], stretch: Stretch, parse: (markdown: string) => Root): RootContent[] {
  const offset = lineStarts[stretch.first]!;
  const tree = parse(markdown.slice(offset, endOfLine(lines, lineStarts, stretch.last).offset));
  for (const node of tree.children) movePositions(node, stretch.first, offset);
  return tree.children;
}

function movePositions(node: RootContent, lines: number, offset: number): void {
  const position = node.position;
  // New points: a parser may share point objects between nodes.
  if (position) node.position = { start: movePoint(position.start, lines, offset), end: movePoint(position.end, lines, offset) };
  if ('children' in node) for (const child of node.children) movePositions(child, lines, offset);
}

function movePoint(point: Point, lines: number, offset: number): Point {
  const moved: Point = { line: point.line + lines, column: point.column };
  if (point.offset !== undefined) moved.offset = point.offset + offset;
  return moved;
}

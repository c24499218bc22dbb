// Markdown -> sanitized HTML through one frozen unified processor per site language
// and set of GFM extensions (markdown-gfm.ts: each document gets only those it needs).
// Raw HTML in articles is parsed (only when present: re-parsing every tree through
// parse5 costs more than all the rest) and then sanitized with GitHub's schema, which
// drops <script>, event handlers and any URL whose protocol is not http(s)/mailto
// (javascript:, vbscript:, data:text/html...), inline or reference-style alike.
import { unified, type Plugin } from 'unified';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import type { Root as HastRoot, Element, ElementContent, RootContent } from 'hast';
import type { Root as MdastRoot } from 'mdast';
import type { Language } from '../config.ts';
import { gfmFeaturesOf, remarkGfmFeatures, type GfmFeature } from './markdown-gfm.ts';
import { parseWithProseBlocks } from './markdown-prose.ts';

export interface RenderedMarkdown {
  html: string;
  /** Visible text, block elements separated by newlines: for summaries and related links. */
  text: string;
  headings: { depth: number; id: string; text: string }[];
}

/** Deeper nesting than this is refused: 3,000 nested `>` overflow remark's stack. */
export const MAX_NESTING = 64;

const FOOTNOTE_LABELS: Record<Language, { label: string; back: string }> = {
  'zh-CN': { label: '注释', back: '返回正文' },
  en: { label: 'Footnotes', back: 'Back to content' },
};

type RawHtmlAttacher = () => (tree: HastRoot) => HastRoot;
let rehypeRaw: RawHtmlAttacher | undefined;

/**
 * Loads what raw HTML in Markdown needs (rehype-raw and parse5: ~0.45 MB of code, a
 * third of the Markdown stack): a thread parses a text that may hold raw HTML
 * (mayHoldRawHtml) only once this has settled. Most articles hold none, so a build,
 * or a warm build re-parsing one edited article, usually never loads it.
 */
export async function loadRawHtmlSupport(): Promise<void> {
  rehypeRaw ??= (await import('rehype-raw')).default as unknown as RawHtmlAttacher;
}

/** False when `source` (an article file, or its Markdown) cannot hold raw HTML: it has no `<`. */
export function mayHoldRawHtml(source: string | Uint8Array): boolean {
  return typeof source === 'string' ? source.includes('<') : source.includes(0x3c);
}

/**
 * Re-parses raw HTML only in trees that contain some. Raw nodes come from HTML in the
 * Markdown, which always starts with `<`: when the source is at hand and has none, the
 * tree is not even walked.
 */
const rehypeRawWhenNeeded: Plugin<[], HastRoot> = function () {
  let reparse: ((tree: HastRoot) => HastRoot) | undefined;
  return (tree, file) => {
    const mayHoldHtml = typeof file.value !== 'string' || mayHoldRawHtml(file.value);
    if (!mayHoldHtml || !containsRaw(tree)) return tree;
    if (!rehypeRaw) throw new Error('raw HTML met before loadRawHtmlSupport() settled: await it before parsing text that holds `<`');
    reparse ??= rehypeRaw.call(this);
    return reparse(tree);
  };
};

function containsRaw(node: HastRoot | RootContent): boolean {
  if (node.type === 'raw') return true;
  return 'children' in node && node.children.some((child) => containsRaw(child));
}

const sanitizeSchema = {
  ...defaultSchema,
  attributes: {
    ...defaultSchema.attributes,
    // GFM table alignment arrives as `align`; keep it so tables of figures stay right-aligned.
    th: [...(defaultSchema.attributes?.['th'] ?? []), 'align'],
    td: [...(defaultSchema.attributes?.['td'] ?? []), 'align'],
  },
};

/**
 * false: no GFM; a list: those extensions (markdown-gfm.ts). A plugin stands for all of
 * GFM: the tests pass remark-gfm itself, the reference the per-extension choice is
 * checked against (a build never loads it, nor the Markdown writer it brings).
 */
type GfmChoice = false | readonly GfmFeature[] | Plugin<[], MdastRoot>;

function createProcessor(language: Language, gfm: GfmChoice) {
  const labels = FOOTNOTE_LABELS[language];
  const parser = unified().use(remarkParse);
  // `use` adds to the processor it is called on; these plugins only configure the parser.
  if (typeof gfm === 'function') parser.use(gfm);
  else if (gfm !== false && gfm.length > 0) parser.use(remarkGfmFeatures, gfm);
  return parser
    .use(remarkRehype, {
      allowDangerousHtml: true,
      // The sanitizer prefixes every id with user-content-; prefixing here too would double it.
      clobberPrefix: '',
      footnoteLabel: labels.label,
      footnoteBackLabel: labels.back,
    })
    .use(rehypeRawWhenNeeded)
    .use(rehypeSanitize, sanitizeSchema)
    .freeze();
}

const processors = new Map<string, ReturnType<typeof createProcessor>>();

function processorFor(language: Language, gfm: GfmChoice): ReturnType<typeof createProcessor> {
  const key = `${language} ${typeof gfm === 'function' ? `plugin ${gfm.name}` : String(gfm)}`;
  let processor = processors.get(key);
  if (!processor) processors.set(key, (processor = createProcessor(language, gfm)));
  return processor;
}
const stringifier = unified().use(rehypeStringify).freeze();
const headingSlugger = unified().use(rehypeSlug).freeze();

/** Milliseconds this thread spent in renderMarkdown: the build reports it as the `markdown` phase. */
export const markdownClock = { ms: 0 };

/**
 * `basePath` ('/archive/' for a site served under a subpath): authors link to other
 * stories by site path (/2024/03/x/), and those links must carry the base path.
 */
export function renderMarkdown(markdown: string, language: Language, basePath = '/'): RenderedMarkdown {
  const start = performance.now();
  try {
    return renderMarkdownAs(markdown, language, basePath, gfmFeaturesOf(markdown));
  } finally {
    markdownClock.ms += performance.now() - start;
  }
}

/** renderMarkdown with a given choice of GFM whatever the text holds: for the tests that the choices agree. */
export function renderMarkdownAs(markdown: string, language: Language, basePath: string, gfm: GfmChoice): RenderedMarkdown {
  const processor = processorFor(language, gfm);
  // The source goes along as the file so rehypeRawWhenNeeded can look for `<` in it.
  const tree = processor.runSync(parseWithProseBlocks(markdown, (text) => processor.parse(text)), markdown) as HastRoot;
  const survey = surveyTree(tree, basePath);
  slugHeadings(survey);
  followClobberedIds(survey);
  return { html: stringifier.stringify(tree), text: survey.text.join('').replace(/[ \t]*\n\s*/g, '\n').trim(), headings: headingList(survey) };
}

/** Deepest run of block containers (`>`, list markers) at a line start: a cheap guard run before parsing. */
export function containerDepth(markdown: string): { depth: number; line: number } {
  let deepest = { depth: 0, line: 0 };
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))+/.exec(lines[i]!);
    if (!match) continue;
    const depth = (match[0].match(/>|[-*+]|\d{1,9}[.)]/g) ?? []).length;
    if (depth > deepest.depth) deepest = { depth, line: i + 1 };
  }
  return deepest;
}

const BLOCK = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'tr', 'blockquote', 'pre', 'table', 'div', 'section', 'br', 'hr', 'dt', 'dd']);
/** Only lower-case names get here: the sanitizer keeps only the schema's tag names. */
const HEADING = /^h[1-6]$/;
const WHITESPACE_ONLY = /^\s+$/;

interface TreeSurvey {
  /** Visible text in pieces, block elements followed by newlines. */
  text: string[];
  ids: Set<string>;
  /** Links to `#fragment`s. */
  inPageLinks: Element[];
  /** Every heading, in document order. */
  headings: Element[];
  /** Headings that are not inside another heading. */
  outermostHeadings: Element[];
}

/**
 * One walk over the sanitized tree gathers what the steps after the sanitizer read,
 * and prefixes site paths with the base path on the way: a walk per step cost more
 * than some of the steps.
 */
function surveyTree(tree: HastRoot, basePath: string): TreeSurvey {
  const survey: TreeSurvey = { text: [], ids: new Set(), inPageLinks: [], headings: [], outermostHeadings: [] };
  const prefixPaths = basePath !== '/';
  const walk = (node: RootContent, visible: boolean, inHeading: boolean): void => {
    if (node.type === 'text') {
      // Whitespace between table cells and list items is source formatting, not text.
      if (visible) survey.text.push(WHITESPACE_ONLY.test(node.value) ? ' ' : node.value);
      return;
    }
    if (node.type !== 'element') return;
    const { properties, tagName } = node;
    const id = properties['id'];
    if (typeof id === 'string') survey.ids.add(id);
    const href = properties['href'];
    if (tagName === 'a' && typeof href === 'string' && href.startsWith('#')) survey.inPageLinks.push(node);
    if (prefixPaths) prefixSitePaths(node, basePath);
    const heading = HEADING.test(tagName);
    if (heading) {
      survey.headings.push(node);
      if (!inHeading) survey.outermostHeadings.push(node);
    }
    // Footnotes are not part of the story's text (summaries, related links).
    const childrenVisible = visible && !(tagName === 'section' && properties['dataFootnotes'] !== undefined);
    for (const child of node.children) walk(child, childrenVisible, inHeading || heading);
    if (!childrenVisible) return;
    if (BLOCK.has(tagName)) survey.text.push('\n');
    else if (tagName === 'td' || tagName === 'th') survey.text.push(' ');
  };
  for (const child of tree.children) walk(child, true, false);
  return survey;
}

/**
 * rehype-slug walks every node of the tree to find the headings; surveyTree found them
 * already, so it gets a root of just those (nested ones are reached through their outer
 * one, in document order as in the whole tree). The ids it gives count as targets.
 */
function slugHeadings(survey: TreeSurvey): void {
  if (survey.outermostHeadings.length === 0) return;
  headingSlugger.runSync({ type: 'root', children: survey.outermostHeadings });
  for (const heading of survey.headings) {
    const id = heading.properties['id'];
    if (typeof id === 'string') survey.ids.add(id);
  }
}

/** The outline: headings of the story itself (the footnotes' heading and authors' raw ids are clobbered). */
function headingList(survey: TreeSurvey): RenderedMarkdown['headings'] {
  const headings: RenderedMarkdown['headings'] = [];
  for (const heading of survey.outermostHeadings) {
    const id = heading.properties['id'];
    if (typeof id === 'string' && !id.startsWith('user-content-')) headings.push({ depth: Number(heading.tagName[1]), id, text: textOf(heading) });
  }
  return headings;
}

/**
 * The sanitizer prefixes ids (so an author's id="main" cannot shadow the page's own)
 * but leaves `#fragment` links alone; point in-page links at the prefixed ids.
 */
function followClobberedIds({ ids, inPageLinks }: TreeSurvey): void {
  for (const link of inPageLinks) {
    const target = safeDecode(String(link.properties['href']).slice(1));
    if (!ids.has(target) && ids.has(`user-content-${target}`)) link.properties['href'] = `#user-content-${target}`;
  }
}

function textOf(node: Element | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function prefixSitePaths(element: Element, basePath: string): void {
  for (const attribute of ['href', 'src'] as const) {
    const value = element.properties[attribute];
    if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) element.properties[attribute] = basePath + value.slice(1);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

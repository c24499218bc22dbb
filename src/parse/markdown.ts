// Markdown -> sanitized HTML through one frozen unified processor per site language.
// Raw HTML in articles is parsed (only when present: re-parsing every tree through
// parse5 costs more than all the rest) and then sanitized with GitHub's schema, which
// drops <script>, event handlers and any URL whose protocol is not http(s)/mailto
// (javascript:, vbscript:, data:text/html...), inline or reference-style alike.
import { unified, type Plugin } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkRehype from 'remark-rehype';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import type { Root as HastRoot, Element, ElementContent, RootContent } from 'hast';
import type { Language } from '../config.ts';

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

/** Re-parses raw HTML only in trees that contain some. */
const rehypeRawWhenNeeded: Plugin<[], HastRoot> = function () {
  const reparse = (rehypeRaw as unknown as () => (tree: HastRoot) => HastRoot).call(this);
  return (tree) => (containsRaw(tree) ? reparse(tree) : tree);
};

/**
 * The sanitizer prefixes ids (so an author's id="main" cannot shadow the page's own)
 * but leaves `#fragment` links alone; point in-page links at the prefixed ids.
 */
const rehypeFollowClobberedIds: Plugin<[], HastRoot> = () => (tree) => {
  const ids = new Set<string>();
  const anchors: Element[] = [];
  const walk = (node: HastRoot | RootContent) => {
    if (node.type !== 'element' && node.type !== 'root') return;
    if (node.type === 'element') {
      const id = node.properties['id'];
      if (typeof id === 'string') ids.add(id);
      const href = node.properties['href'];
      if (node.tagName === 'a' && typeof href === 'string' && href.startsWith('#')) anchors.push(node);
    }
    for (const child of node.children) walk(child);
  };
  walk(tree);
  for (const anchor of anchors) {
    const target = safeDecode(String(anchor.properties["href"]).slice(1));
    if (!ids.has(target) && ids.has(`user-content-${target}`)) anchor.properties['href'] = `#user-content-${target}`;
  }
  return tree;
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
 * GFM's extensions (tables, autolink literals, footnotes, strikethrough, task lists)
 * make micromark 2-3x slower on every document, and most articles use none of them.
 * Each needs something a document without them never holds: `|` or a delimiter-row
 * line such as `:--` for a table (`a\n:-` is a one-column table), `~` for
 * strikethrough, `[^` for a footnote, `[ ]`/`[x]` for a task, and `@`, `www` or
 * `http` for an autolink literal (`&` and `\` too, since an entity or escape can
 * spell one out). Without any of these, plain CommonMark gives the very same tree;
 * test/parse/markdown-gfm.test.ts checks that on thousands of random documents.
 */
const GFM_TRIGGER = /[|~@&\\]|\[\^|\[[\sxX]\]|www|https?:|^[ \t>]*[-: \t]*-[-: \t]*$/im;

export function needsGfm(markdown: string): boolean {
  return GFM_TRIGGER.test(markdown);
}

function createProcessor(language: Language, gfm: boolean) {
  const labels = FOOTNOTE_LABELS[language];
  const parser = unified().use(remarkParse);
  return (gfm ? parser.use(remarkGfm) : parser)
    .use(remarkRehype, {
      allowDangerousHtml: true,
      // The sanitizer prefixes every id with user-content-; prefixing here too would double it.
      clobberPrefix: '',
      footnoteLabel: labels.label,
      footnoteBackLabel: labels.back,
    })
    .use(rehypeRawWhenNeeded)
    .use(rehypeSanitize, sanitizeSchema)
    .use(rehypeSlug)
    .use(rehypeFollowClobberedIds)
    .freeze();
}

const processors = new Map<string, ReturnType<typeof createProcessor>>();
const stringifier = unified().use(rehypeStringify).freeze();

/** Milliseconds this thread spent in renderMarkdown: the build reports it as the `markdown` phase. */
export const markdownClock = { ms: 0 };

/**
 * `basePath` ('/archive/' for a site served under a subpath): authors link to other
 * stories by site path (/2024/03/x/), and those links must carry the base path.
 */
export function renderMarkdown(markdown: string, language: Language, basePath = '/'): RenderedMarkdown {
  const start = performance.now();
  try {
    return renderMarkdownAs(markdown, language, basePath, needsGfm(markdown));
  } finally {
    markdownClock.ms += performance.now() - start;
  }
}

/** renderMarkdown with GFM on or off whatever the text holds: for the test that they agree. */
export function renderMarkdownAs(markdown: string, language: Language, basePath: string, gfm: boolean): RenderedMarkdown {
  const key = `${language} ${gfm}`;
  let processor = processors.get(key);
  if (!processor) {
    processor = createProcessor(language, gfm);
    processors.set(key, processor);
  }
  const tree = processor.runSync(processor.parse(markdown)) as HastRoot;
  if (basePath !== '/') prefixSitePaths(tree, basePath);
  const headings: RenderedMarkdown['headings'] = [];
  collectHeadings(tree, headings);
  return { html: stringifier.stringify(tree), text: visibleText(tree), headings };
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

function visibleText(tree: HastRoot): string {
  const parts: string[] = [];
  const walk = (node: HastRoot | ElementContent) => {
    if (node.type === 'text') {
      // Whitespace between table cells and list items is source formatting, not text.
      parts.push(/^\s+$/.test(node.value) ? ' ' : node.value);
    }
    else if (node.type === 'element' || node.type === 'root') {
      if (node.type === 'element' && node.tagName === 'section' && node.properties?.['dataFootnotes'] !== undefined) return;
      for (const child of node.children) walk(child as ElementContent);
      if (node.type === 'element' && BLOCK.has(node.tagName)) parts.push('\n');
      else if (node.type === 'element' && (node.tagName === 'td' || node.tagName === 'th')) parts.push(' ');
    }
  };
  walk(tree);
  return parts.join('').replace(/[ \t]*\n\s*/g, '\n').trim();
}

function collectHeadings(node: HastRoot | ElementContent, into: RenderedMarkdown['headings']): void {
  if (node.type !== 'element' && node.type !== 'root') return;
  if (node.type === 'element' && /^h[1-6]$/.test(node.tagName)) {
    const id = node.properties?.['id'];
    if (typeof id === 'string' && !id.startsWith('user-content-')) into.push({ depth: Number(node.tagName[1]), id, text: textOf(node) });
    return;
  }
  for (const child of node.children) collectHeadings(child as ElementContent, into);
}

function textOf(node: Element | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function prefixSitePaths(node: HastRoot | RootContent, basePath: string): void {
  if (node.type === 'element') {
    for (const attribute of ['href', 'src'] as const) {
      const value = node.properties[attribute];
      if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) node.properties[attribute] = basePath + value.slice(1);
    }
  }
  if ('children' in node) for (const child of node.children) prefixSitePaths(child, basePath);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// SourceFile -> Article. Pure: decoding, frontmatter, Markdown and URL, with every
// problem in the file reported (not only the first).
import type { Config } from '../config.ts';
import type { Diagnostic } from '../errors.ts';
import { truncateToWidth } from '../render/width.ts';
import { slugFromText, slugProblem } from '../slug.ts';
import { localParts, pad } from '../time.ts';
import type { Article, SourceFile } from '../types.ts';
import { isRecord, readBoolean, readDate, readNumber, readText, readTextList, type FieldResult } from './fields.ts';
import { reporterFor, splitFrontmatter } from './frontmatter.ts';
import { containerDepth, MAX_NESTING, renderMarkdown } from './markdown.ts';
import type { YamlValue } from './yaml.ts';

export const KNOWN_FIELDS = [
  'title', 'date', 'updated', 'slug', 'category', 'tags', 'authors', 'source', 'summary',
  'headline', 'pick', 'weight', 'draft', 'tickers', 'aliases', 'related', 'image',
] as const;
const KNOWN = new Set<string>(KNOWN_FIELDS);

export type ParseSettings = Pick<Config, 'timezone' | 'permalink' | 'language' | 'maxFileBytes' | 'summaryWidth' | 'basePath'>;

export interface ParseResult {
  article: Article | undefined;
  diagnostics: Diagnostic[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `displayPath` is how messages name the file (e.g. relative to the working directory). */
export function parseArticle(source: SourceFile, settings: ParseSettings, displayPath: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const report = reporterFor(displayPath, diagnostics);
  const fail = (): ParseResult => ({ article: undefined, diagnostics });

  if (source.bytes.length > settings.maxFileBytes) {
    report.error(undefined, 'file/too-large', `the file is ${formatBytes(source.bytes.length)}, over the ${formatBytes(settings.maxFileBytes)} limit`, 'split the article, or raise maxFileBytes in site.yaml');
    return fail();
  }
  const nul = source.bytes.indexOf(0);
  if (nul !== -1) {
    report.error(lineAtByte(source.bytes, nul), 'file/binary', 'the file contains a NUL byte: it is not a text file', 'save it as UTF-8 text, or move it out of content/');
    return fail();
  }
  let text: string;
  try {
    text = utf8.decode(source.bytes);
  } catch {
    report.error(undefined, 'file/encoding', 'the file is not valid UTF-8', 'save it as UTF-8 (GBK and Big5 files must be converted)');
    return fail();
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') {
    report.error(undefined, 'file/empty', 'the file is empty', 'add frontmatter with title and date, then the article text, or delete the file');
    return fail();
  }

  const split = splitFrontmatter(text, report.error);
  if (!split) return fail();
  const { yaml } = split;
  const lineOf = (key: string) => {
    const line = yaml.keyLines.get(key);
    return line === undefined ? 1 : line + split.yamlLineOffset;
  };
  for (const problem of yaml.problems) {
    const line = problem.line === undefined ? 1 : problem.line + split.yamlLineOffset;
    if (problem.duplicateKey) report.error(line, 'frontmatter/duplicate-key', 'a frontmatter field is given twice', 'keep one of the two lines');
    else report.error(line, 'frontmatter/invalid-yaml', `the frontmatter is not valid YAML: ${problem.message}`, 'check quoting and indentation; a colon followed by a space inside a value needs quotes');
  }
  if (yaml.problems.length > 0) return fail();
  if (yaml.value === null && split.body.trim() === '') {
    report.error(1, 'file/empty', 'the file holds empty frontmatter and no text', 'add title, date and the article text, or delete the file');
    return fail();
  }
  if (!isRecord(yaml.value)) {
    report.error(2, 'frontmatter/not-a-map', 'the frontmatter must be `field: value` lines', 'write e.g. `title: 标题` and `date: 2024-03-05` between the --- lines');
    return fail();
  }
  const data = yaml.value;
  for (const key of Object.keys(data)) {
    if (!KNOWN.has(key)) report.warning(lineOf(key), 'frontmatter/unknown-field', `unknown field "${key}" is ignored`, `known fields: ${KNOWN_FIELDS.join(', ')}`);
  }

  let valid = true;
  const field = <T>(key: string, read: (value: YamlValue) => FieldResult<T>, fallback: T): T => {
    if (!Object.hasOwn(data, key)) return fallback;
    const result = read(data[key] ?? null);
    if (result.ok) return result.value;
    report.error(lineOf(key), `frontmatter/${key}`, result.message, result.hint);
    valid = false;
    return fallback;
  };

  const title = field('title', (v) => readText('title', v), '');
  if (title === '' && !diagnostics.some((d) => d.code === 'frontmatter/title')) {
    report.error(Object.hasOwn(data, 'title') ? lineOf('title') : 2, 'frontmatter/title', 'the article has no title', 'add `title: 标题` to the frontmatter');
    valid = false;
  }
  const date = field('date', (v) => readDate('date', v, settings.timezone), NaN);
  if (!Object.hasOwn(data, 'date')) {
    report.error(2, 'frontmatter/date', 'the article has no date', 'add e.g. `date: 2024-03-05T09:30:00+08:00`');
    valid = false;
  }
  const updated = field<number | undefined>('updated', (v) => readDate('updated', v, settings.timezone), undefined);
  const fileSlug = source.path.replace(/^.*\//, '').replace(/\.md$/i, '');
  const slug = field('slug', (v) => readText('slug', v), fileSlug).normalize('NFC');
  const problem = slugProblem(slug);
  if (problem) {
    const fromField = Object.hasOwn(data, 'slug');
    report.error(fromField ? lineOf('slug') : undefined, 'frontmatter/slug', `the slug "${slug}" ${problem}`, fromField ? 'use letters, digits and hyphens, e.g. `slug: zhaoshang-yinhang-nianbao`' : 'rename the file, or set `slug:` in the frontmatter');
    valid = false;
  }
  const category = field<string | undefined>('category', (v) => readText('category', v), undefined) || undefined;
  const tags = field('tags', (v) => readTextList('tags', v, false), []);
  const authors = field('authors', (v) => readTextList('authors', v, true), []);
  const sourceName = field<string | undefined>('source', (v) => readText('source', v), undefined) || undefined;
  const summaryField = field('summary', (v) => readText('summary', v), '');
  const headline = field('headline', (v) => readBoolean('headline', v), false);
  const pick = field('pick', (v) => readBoolean('pick', v), false);
  const draft = field('draft', (v) => readBoolean('draft', v), false);
  const weight = field('weight', (v) => readNumber('weight', v), 0);
  const tickers = field('tickers', (v) => readTextList('tickers', v, true), []).map((t) => t.toUpperCase());
  const aliases = field('aliases', (v) => readTextList('aliases', v, true), []);
  const image = field<string | undefined>('image', (v) => readImage(v), undefined) || undefined;
  const related = readRelated(data['related'], Object.hasOwn(data, 'related'));
  if (!related.ok) {
    report.error(lineOf('related'), 'frontmatter/related', related.message, related.hint);
    valid = false;
  }
  for (const [index, alias] of aliases.entries()) {
    const aliasProblem = aliasPathProblem(alias);
    if (aliasProblem) {
      report.error(yaml.itemLine('aliases', index)! + split.yamlLineOffset, 'frontmatter/aliases', `the alias "${alias}" ${aliasProblem}`, 'write old site paths such as /news/2017/12345.html or /2017/old-id/');
      valid = false;
    }
  }

  const depth = containerDepth(split.body);
  if (depth.depth > MAX_NESTING) {
    report.error(split.bodyLine + depth.line - 1, 'markdown/too-deep', `blocks are nested ${depth.depth} deep, over the limit of ${MAX_NESTING}`, 'remove the extra `>` or list markers');
    return fail();
  }
  if (!valid) return fail();

  let rendered;
  try {
    rendered = renderMarkdown(split.body, settings.language, settings.basePath);
  } catch (error) {
    const overflow = error instanceof RangeError;
    report.error(split.bodyLine, overflow ? 'markdown/too-deep' : 'markdown/failed', overflow ? 'the Markdown is nested too deeply to parse' : `the Markdown could not be rendered: ${(error as Error).message}`, overflow ? 'flatten nested quotes, lists or brackets' : 'simplify the Markdown around the problem');
    return fail();
  }

  const summary = summaryField || truncateToWidth(firstParagraph(rendered.text), settings.summaryWidth);
  const article: Article = {
    sourcePath: source.path,
    slug,
    url: permalinkFor(settings.permalink, slug, date, category, settings.timezone),
    title,
    date,
    updated,
    category,
    tags,
    authors,
    source: sourceName,
    summary,
    headline,
    pick,
    weight,
    draft,
    tickers,
    aliases,
    related: related.ok ? { ...related.value, line: Object.hasOwn(data, 'related') ? lineOf('related') : undefined } : { pinned: [], hidden: false, line: undefined },
    image,
    html: rendered.html,
    text: rendered.text,
    headings: rendered.headings,
  };
  // The related-link token record and the digest come after (finish-article.ts), maybe on another thread.
  return { article, diagnostics };
}

function readImage(value: YamlValue): FieldResult<string> {
  const text = readText('image', value);
  if (!text.ok || text.value === '') return text;
  if (/^https?:\/\//i.test(text.value) || (text.value.startsWith('/') && !text.value.startsWith('//'))) return text;
  return { ok: false, message: `image "${text.value}" must be an http(s) URL or a site path starting with /`, hint: 'e.g. `image: /images/2026/cmb.jpg` or `image: https://cdn.example.com/cmb.jpg`' };
}

function readRelated(value: YamlValue | undefined, present: boolean): FieldResult<{ pinned: string[]; hidden: boolean }> {
  if (!present || value === '' || value === null || value === 'true') return { ok: true, value: { pinned: [], hidden: false } };
  if (value === 'false') return { ok: true, value: { pinned: [], hidden: true } };
  const list = readTextList('related', value ?? null, true);
  if (!list.ok) return { ok: false, message: 'related must be a list of slugs, or false', hint: 'write `related: [other-slug]` to pin articles, or `related: false` to hide the block' };
  return { ok: true, value: { pinned: list.value, hidden: false } };
}

/** Site path for an article; the slug was already checked, so the path holds no `..`. */
export function permalinkFor(pattern: string, slug: string, date: number, category: string | undefined, timeZone: string): string {
  const local = Number.isFinite(date) ? localParts(date, timeZone) : { year: 1970, month: 1, day: 1 };
  const dated = pattern
    .replaceAll(':year', String(local.year))
    .replaceAll(':month', pad(local.month))
    .replaceAll(':day', pad(local.day));
  const url = (dated.includes(':category') ? dated.replaceAll(':category', categorySlug(category)) : dated).replaceAll(':slug', slug);
  const withSlashes = `/${url}/`.replace(/\/{2,}/g, '/');
  return withSlashes;
}

// Reading a category as pinyin costs ~50 µs (and pinyin-pro's load), and an archive
// has a few dozen categories: each is read once per thread.
const categorySlugs = new Map<string, string>();
const MAX_CACHED_CATEGORIES = 10_000;

/** The same readable scheme as /categories/<name>/: 银行 -> yin-hang, never a '/' or '%'. */
function categorySlug(category: string | undefined): string {
  if (!category) return 'uncategorized';
  let slug = categorySlugs.get(category);
  if (slug === undefined) {
    if (categorySlugs.size >= MAX_CACHED_CATEGORIES) categorySlugs.clear();
    slug = slugFromText(category) || 'uncategorized';
    categorySlugs.set(category, slug);
  }
  return slug;
}

/** Why an alias cannot become a redirect page inside the output folder, or undefined. */
export function aliasPathProblem(alias: string): string | undefined {
  if (!alias.startsWith('/')) return 'must start with "/"';
  if (/[\\\u0000-\u001f?#]/.test(alias)) return 'contains a backslash, a control character, "?" or "#"';
  let decoded: string;
  try {
    decoded = decodeURIComponent(alias);
  } catch {
    return 'has broken percent-encoding';
  }
  if (decoded.split('/').some((segment) => segment === '..' || segment === '.')) return 'contains a "." or ".." segment';
  if (/[\\\u0000-\u001f]/.test(decoded)) return 'decodes to a backslash or control character';
  if (alias === '/') return 'is the home page';
  return undefined;
}

/** The first line of 20 characters or more, trimmed, else the whole text; scanned, as splitting would copy every line of the article. */
function firstParagraph(text: string): string {
  for (let start = 0; ; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (end - start >= 20) {
      const line = text.slice(start, end).trim();
      if (line.length >= 20) return line;
    }
    if (newline === -1) return text.trim();
    start = newline + 1;
  }
}

function lineAtByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

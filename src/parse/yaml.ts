// YAML is read with the failsafe schema: every scalar stays the exact text the
// author wrote. A Hong Kong ticker `0700` must not become 448 (YAML 1.1 octal), a
// price `1.10` must not become 1.1, and `2024-02-30` must not roll over into March
// the way js-yaml 3 (gray-matter's default) silently does. Types are checked by the
// callers, who know what each field should be.
import { CST, LineCounter, Parser, parseDocument, isMap, isScalar, type Node } from 'yaml';

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue } | null;

export interface YamlProblem {
  /** 1-based line within the YAML text. */
  line: number | undefined;
  message: string;
  duplicateKey: boolean;
}

export interface YamlResult {
  value: YamlValue;
  problems: YamlProblem[];
  /** 1-based line of each top-level key, within the YAML text. */
  keyLines: Map<string, number>;
  /** 1-based line of the n-th item of a top-level sequence, `key[n]`, within the YAML text. */
  itemLine(key: string, index: number): number | undefined;
}

export function readYaml(text: string): YamlResult {
  return readFrontmatterLines(text) ?? readPlainFrontmatter(text) ?? readWithComposer(text);
}

/** Any YAML, through the yaml package's Composer and Document. */
export function readWithComposer(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'failsafe',
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  const problems: YamlProblem[] = doc.errors.map((error) => ({
    line: lineOf(error.pos[0]),
    message: firstLine(error.message),
    duplicateKey: error.code === 'DUPLICATE_KEY',
  }));

  const keyLines = new Map<string, number>();
  const topLevel = new Map<string, Node>();
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      const line = lineOf((pair.key as Node).range?.[0]);
      if (line !== undefined && !keyLines.has(key)) keyLines.set(key, line);
      if (pair.value && !topLevel.has(key)) topLevel.set(key, pair.value as Node);
    }
  }

  let value: YamlValue = null;
  if (problems.length === 0) {
    try {
      // A small alias budget stops "billion laughs" expansion; frontmatter rarely needs any.
      value = doc.toJS({ maxAliasCount: 20 }) as YamlValue;
    } catch (error) {
      problems.push({ line: undefined, message: firstLine(String((error as Error).message)), duplicateKey: false });
    }
  }

  return {
    value,
    problems,
    keyLines,
    itemLine(key, index) {
      const node = topLevel.get(key) as { items?: Node[] } | undefined;
      const item = node?.items?.[index];
      return item ? lineOf(item.range?.[0]) : keyLines.get(key);
    },
  };
}

/**
 * Frontmatter as nearly every article writes it: `key: value` lines at column 0, each
 * value a one-line scalar, a one-line `[a, b]` or a block list of one-line scalars,
 * with no comments, anchors, aliases, tags or repeated keys. Such text is read from
 * the yaml package's own parse tree (its lexer, parser and scalar resolver), skipping
 * its Composer, Document and toJS: a third more time on top of the parse, and much
 * more while a fresh worker's JIT warms up.
 * Only shapes in which the Composer can find no problem are accepted, and the values
 * are what toJS returns for them; anything else returns undefined, for
 * readWithComposer. test/parse/yaml.test.ts compares the two on random frontmatter.
 */
export function readPlainFrontmatter(text: string): YamlResult | undefined {
  let document: CST.Document | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type === 'newline' && document === undefined) continue;
    if (token.type !== 'document' || document !== undefined) return undefined;
    document = token;
  }
  const map = document?.value;
  if (!document || document.start.length > 0 || !onlyLineBreaks(document.end) || map?.type !== 'block-map' || map.indent !== 0) return undefined;

  const data: { [key: string]: YamlValue } = {};
  const keyOffsets = new Map<string, number>();
  const itemOffsets = new Map<string, number[]>();
  for (const { start, key, sep, value } of map.items) {
    if (!onlyLineBreaks(start) || key?.type !== 'scalar' || key.indent !== 0 || key.end?.length || !PLAIN_KEY.test(key.source)) return undefined;
    const name = key.source;
    if (keyOffsets.has(name)) return undefined;
    const indicator = sep?.[0];
    if (indicator?.type !== 'map-value-ind' || indicator.offset !== key.offset + name.length) return undefined;
    let valueOnNextLine = false;
    for (let i = 1; i < sep!.length; i++) {
      const token = sep![i]!;
      if (token.type === 'newline') valueOnNextLine = true;
      else if (!isSpaces(token)) return undefined;
    }
    keyOffsets.set(name, key.offset);

    if (value === undefined) {
      data[name] = '';
    } else if (value.type === 'block-seq') {
      if (!valueOnNextLine) return undefined;
      const items: string[] = [];
      const offsets: number[] = [];
      for (const item of value.items) {
        if (!isSequenceItemStart(item.start) || item.value === undefined) return undefined;
        const resolved = oneLineScalar(item.value, true);
        if (resolved === undefined) return undefined;
        items.push(resolved);
        offsets.push(item.value.offset);
      }
      data[name] = items;
      itemOffsets.set(name, offsets);
    } else if (valueOnNextLine) {
      return undefined;
    } else if (value.type === 'flow-collection') {
      const [close, ...after] = value.end;
      if (value.start.source !== '[' || close?.type !== 'flow-seq-end' || !after.every((token) => token.type === 'newline' || isSpaces(token))) return undefined;
      const items: string[] = [];
      const offsets: number[] = [];
      for (const [index, item] of value.items.entries()) {
        if (item.key !== undefined || item.sep !== undefined || item.value === undefined || !isFlowItemStart(item.start, index === 0)) return undefined;
        const resolved = oneLineScalar(item.value, false);
        if (resolved === undefined) return undefined;
        items.push(resolved);
        offsets.push(item.value.offset);
      }
      data[name] = items;
      itemOffsets.set(name, offsets);
    } else {
      const resolved = oneLineScalar(value, true);
      if (resolved === undefined) return undefined;
      data[name] = resolved;
    }
  }

  const lineAt = (offset: number) => {
    let line = 1;
    for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) line++;
    return line;
  };
  // Lines are wanted only for diagnostics (and `related`), so they are counted on demand.
  let keyLines: Map<string, number> | undefined;
  const linesOfKeys = () => (keyLines ??= new Map([...keyOffsets].map(([name, offset]) => [name, lineAt(offset)])));
  return {
    value: data,
    problems: [],
    get keyLines() {
      return linesOfKeys();
    },
    itemLine(key, index) {
      const offset = itemOffsets.get(key)?.[index];
      return offset === undefined ? linesOfKeys().get(key) : lineAt(offset);
    },
  };
}

/**
 * The commonest frontmatter of all, read line by line without the yaml package: `key:
 * value` lines whose values are unquoted text with no YAML indicator in it, quotes with
 * no escape or quote inside, `[a, "b"]` lists of such items, or `key:` followed by
 * `- item` lines. The yaml package's lexer and parser took ~100 µs for the eight lines
 * of a typical article (a tenth of its parse time, 10 s of CPU at 100,000 articles);
 * this takes a few. Anything else (comments, tabs, escapes, `#`, `: ` or a bracket in
 * unquoted text, odd spacing) returns undefined, for readPlainFrontmatter. The values
 * are what the Composer gives: test/parse/yaml.test.ts compares them on random text.
 */
export function readFrontmatterLines(text: string): YamlResult | undefined {
  if (NOT_SIMPLE.test(text)) return undefined;
  const data: { [key: string]: YamlValue } = {};
  const keyLines = new Map<string, number>();
  const itemLines = new Map<string, number[]>();
  /** The block list being read: its key, items and their indentation. */
  let list: { key: string; items: string[]; lines: number[]; indent: number } | undefined;
  let line = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    line++;
    if (end > start) {
      const first = text.charCodeAt(start);
      const item = first === 0x20 || first === 0x2d ? LIST_ITEM.exec(text.slice(start, end)) : null;
      if (item) {
        const value = item[2]!;
        const indent = item[1]!.length;
        if (!list || (list.items.length > 0 && indent !== list.indent)) return undefined;
        const scalar = blockScalar(value);
        if (scalar === undefined) return undefined;
        list.indent = indent;
        list.items.push(scalar);
        list.lines.push(line);
      } else {
        if (list) endList(list);
        list = undefined;
        const colon = text.indexOf(':', start);
        if (colon === -1 || colon >= end) return undefined;
        const key = text.slice(start, colon);
        if (!PLAIN_KEY.test(key) || keyLines.has(key)) return undefined;
        keyLines.set(key, line);
        if (colon + 1 === end) {
          list = { key, items: [], lines: [], indent: 0 };
        } else {
          if (text.charCodeAt(colon + 1) !== 0x20) return undefined;
          const raw = text.slice(colon + 2, end);
          const value = raw.charCodeAt(0) === 0x5b ? flowList(raw) : blockScalar(raw);
          if (value === undefined) return undefined;
          // A one-line list's items are on its key's line, which itemLine falls back to.
          data[key] = value;
        }
      }
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  if (list) endList(list);
  if (keyLines.size === 0) return undefined;
  return {
    value: data,
    problems: [],
    keyLines,
    itemLine: (key, index) => itemLines.get(key)?.[index] ?? keyLines.get(key),
  };

  function endList({ key, items, lines }: NonNullable<typeof list>): void {
    data[key] = items.length > 0 ? items : '';
    if (items.length > 0) itemLines.set(key, lines);
  }
}

/** Tabs, carriage returns, other control characters, BOMs, line and paragraph separators: the yaml package has rules for each. */
const NOT_SIMPLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
const LIST_ITEM = /^( *)- (.*)$/;
/**
 * Unquoted text that YAML reads as it stands: no indicator first; no `#`, bracket,
 * brace or quote anywhere; no space or `:` at the end; no `: ` inside (a lookahead).
 * Inside `[...]` a comma ends the item, so none is allowed there either.
 */
const plainText = (alsoExcluded: string) => new RegExp(`^(?!.*: )[^\\s\\-?:,[\\]{}#&*!|>'"%@\`](?:[^#[\\]{}'"${alsoExcluded}]*[^\\s:#[\\]{}'"${alsoExcluded}])?$`);
const SIMPLE_PLAIN = plainText('');
const SIMPLE_FLOW_PLAIN = plainText(',');
const SIMPLE_DOUBLE_QUOTED = /^"([^"\\]*)"$/;
const SIMPLE_SINGLE_QUOTED = /^'([^']*)'$/;

function blockScalar(raw: string): string | undefined {
  if (SIMPLE_PLAIN.test(raw)) return raw;
  return quoted(raw);
}

function quoted(raw: string): string | undefined {
  return (SIMPLE_DOUBLE_QUOTED.exec(raw) ?? SIMPLE_SINGLE_QUOTED.exec(raw))?.[1];
}

/** `[a, "b", 'c']` on one line: a comma and at most one space between items, no other spacing. */
function flowList(raw: string): string[] | undefined {
  if (raw.charCodeAt(raw.length - 1) !== 0x5d) return undefined;
  const inner = raw.slice(1, -1);
  if (inner === '') return [];
  const items: string[] = [];
  for (const [index, part] of inner.split(',').entries()) {
    const item = index > 0 && part.charCodeAt(0) === 0x20 ? part.slice(1) : part;
    // A quoted item holding a comma was split above: its halves are not simple, so it falls back.
    const value = SIMPLE_FLOW_PLAIN.test(item) ? item : quoted(item);
    if (value === undefined) return undefined;
    items.push(value);
  }
  return items;
}

/** Keys that toJS stores as they are: no `__proto__`, no `<<` merge key, nothing numeric. */
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

function isSpaces(token: CST.SourceToken): boolean {
  return token.type === 'space' && /^ +$/.test(token.source);
}

function onlyLineBreaks(tokens: CST.SourceToken[] | undefined): boolean {
  return tokens === undefined || tokens.every((token) => token.type === 'newline');
}

/** Indentation, `-`, a space: nothing else before a block list item. */
function isSequenceItemStart(tokens: CST.SourceToken[]): boolean {
  let indicators = 0;
  for (const token of tokens) {
    if (token.type === 'seq-item-ind') indicators++;
    else if (!isSpaces(token)) return false;
  }
  return indicators === 1;
}

/** A comma before every item but the first, and spaces. */
function isFlowItemStart(tokens: CST.SourceToken[], first: boolean): boolean {
  let commas = 0;
  for (const token of tokens) {
    if (token.type === 'comma') commas++;
    else if (!isSpaces(token)) return false;
  }
  return commas === (first ? 0 : 1);
}

/**
 * The text of a plain or quoted scalar on one line, as the Composer resolves it
 * (escapes, quote doubling), or undefined when it is anything else or has a problem.
 */
function oneLineScalar(token: CST.Token, lineBreakAfter: boolean): string | undefined {
  if (token.type !== 'scalar' && token.type !== 'single-quoted-scalar' && token.type !== 'double-quoted-scalar') return undefined;
  if (token.source.includes('\n')) return undefined;
  for (const after of token.end ?? []) if (!(isSpaces(after) || (lineBreakAfter && after.type === 'newline'))) return undefined;
  let problem = false;
  const resolved = CST.resolveAsScalar(token, true, () => (problem = true));
  return problem || resolved === null ? undefined : resolved.value;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}


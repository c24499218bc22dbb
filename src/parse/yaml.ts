// YAML is read with the failsafe schema: every scalar stays the exact text the
// author wrote. A Hong Kong ticker `0700` must not become 448 (YAML 1.1 octal), a
// price `1.10` must not become 1.1, and `2024-02-30` must not roll over into March
// the way js-yaml 3 (gray-matter's default) silently does. Types are checked by the
// callers, who know what each field should be.
import { LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml';

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

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

export function isRecord(value: YamlValue | undefined): value is { [key: string]: YamlValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

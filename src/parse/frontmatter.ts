// Splits a source file into frontmatter and body, and reads the frontmatter as YAML
// data. Frontmatter is data, never code:
// - gray-matter evaluates `---js` blocks with eval, and `engines: {js: false}` does
//   not stop it (its engine lookup falls through `js` to its `javascript` alias).
//   So any language tag after the opening fence is refused before gray-matter sees
//   the file, and every code engine is replaced by one that throws.
// - gray-matter caches every string it parses forever when called without options;
//   it is always called with options here.
import matter from 'gray-matter';
import type { Diagnostic } from '../errors.ts';
import { readYaml, type YamlResult } from './yaml.ts';

export interface SplitSource {
  /** The YAML between the fences, parsed. */
  yaml: YamlResult;
  body: string;
  /** 1-based file line of the first YAML line: YAML line n is file line n + yamlLineOffset. */
  yamlLineOffset: number;
  /** 1-based file line where the body starts. */
  bodyLine: number;
}

const refuseCode = () => {
  throw new Error('code in frontmatter is never evaluated');
};
const GRAY_MATTER_OPTIONS = {
  language: 'yaml',
  engines: {
    javascript: refuseCode,
    js: refuseCode,
    coffee: refuseCode,
    coffeescript: refuseCode,
    cson: refuseCode,
  } as Record<string, (input: string) => object>,
};

const OPENING_FENCE = /^---[ \t]*([^\n]*?)[ \t]*$/;
const CLOSING_FENCE = /^(---|\.\.\.)[ \t]*$/;

type Report = (line: number | undefined, code: string, message: string, hint: string) => void;

/**
 * `text` is already decoded, BOM removed and line endings normalized to '\n'.
 * Returns undefined when the file cannot be split; problems go to `report`.
 */
export function splitFrontmatter(text: string, report: Report): SplitSource | undefined {
  const firstNewline = text.indexOf('\n');
  const firstLine = firstNewline === -1 ? text : text.slice(0, firstNewline);
  const opening = OPENING_FENCE.exec(firstLine);
  if (!opening) {
    report(1, 'frontmatter/missing', 'the file does not start with frontmatter', 'begin the file with a line `---`, then `title:` and `date:`, then a closing `---`');
    return undefined;
  }
  const language = opening[1] ?? '';
  if (language !== '' && !/^ya?ml$/i.test(language)) {
    report(1, 'frontmatter/code', `frontmatter marked \`---${language}\` is refused: only YAML data is read, code is never run`, 'write the opening fence as a plain `---` and the fields as YAML');
    return undefined;
  }
  // The closing fence by offsets: splitting every file into lines cost more than the YAML.
  let closingIndex = -1;
  let closingStart = 0;
  let closingEnd = 0;
  /** 0-based index of the first line before the closing fence that starts with `---` but is no fence. */
  let strayIndex = -1;
  for (let index = 1, lineStart = firstNewline + 1; firstNewline !== -1; index++) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const first = text.charCodeAt(lineStart);
    if ((first === 0x2d || first === 0x2e) && CLOSING_FENCE.test(text.slice(lineStart, lineEnd))) {
      [closingIndex, closingStart, closingEnd] = [index, lineStart, lineEnd];
      break;
    }
    if (strayIndex === -1 && first === 0x2d && text.startsWith('---', lineStart)) strayIndex = index;
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (closingIndex === -1) {
    report(1, 'frontmatter/unclosed', 'the frontmatter opened on line 1 is never closed', 'add a line `---` after the last frontmatter field');
    return undefined;
  }
  // YAML reads such a line as a document marker, and gray-matter as the closing fence:
  // the fields after it would become article text, and the error would be a missing date.
  if (strayIndex !== -1) {
    report(strayIndex + 1, 'frontmatter/stray-fence', `line ${strayIndex + 1} starts with \`---\` inside the frontmatter, which closes on line ${closingIndex + 1}`, 'end the frontmatter with a line of exactly `---`; indent the line under its field, or remove it');
    return undefined;
  }

  // gray-matter gets the frontmatter block alone, with fences of exactly `---`: the
  // language tag was checked above and must not reach its engine lookup, and the body
  // is already found (the line after the closing fence on). Handed the whole file, it
  // encoded all of it to a Buffer it keeps as `orig` and looked it up in its cache by
  // the whole text: a third of the time spent outside Markdown for 1 KB files.
  let parsedYaml: YamlResult | undefined;
  const yamlEngine = (input: string) => {
    parsedYaml = readYaml(input);
    return {};
  };
  const block = `---${text.slice(firstLine.length, closingStart)}---`;
  matter(block, { ...GRAY_MATTER_OPTIONS, engines: { ...GRAY_MATTER_OPTIONS.engines, yaml: yamlEngine } });
  return {
    yaml: parsedYaml ?? readYaml(''),
    body: closingEnd < text.length ? text.slice(closingEnd + 1) : '',
    // gray-matter hands over the text right after the opening `---`, newline included,
    // so YAML line n is already file line n.
    yamlLineOffset: 0,
    bodyLine: closingIndex + 2,
  };
}

/** Helper for stages that build diagnostics for one file. */
export function reporterFor(file: string, sink: Diagnostic[]) {
  return {
    error: (line: number | undefined, code: string, message: string, hint: string) =>
      sink.push({ severity: 'error', file, line, code, message, hint }),
    warning: (line: number | undefined, code: string, message: string, hint: string) =>
      sink.push({ severity: 'warning', file, line, code, message, hint }),
  };
}

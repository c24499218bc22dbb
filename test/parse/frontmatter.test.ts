// splitFrontmatter finds the fences by offsets and hands gray-matter the file itself
// when its fences are plain `---`; it must cut every file exactly as the earlier code
// did (split into lines, fences rewritten, then gray-matter: kept below as the
// reference), quirks included.
import matter from 'gray-matter';
import { describe, expect, it } from 'vitest';
import { splitFrontmatter } from '../../src/parse/frontmatter.ts';
import { readYaml, type YamlResult } from '../../src/parse/yaml.ts';
import { random } from '../bench/files.ts';

type Reported = [number | undefined, string, string, string][];

function splitWithGrayMatter(text: string, report: (line: number | undefined, code: string, message: string, hint: string) => void) {
  const lines = text.split('\n');
  const opening = /^---[ \t]*([^\n]*?)[ \t]*$/.exec(lines[0] ?? '');
  if (!opening) {
    report(1, 'frontmatter/missing', 'the file does not start with frontmatter', 'begin the file with a line `---`, then `title:` and `date:`, then a closing `---`');
    return undefined;
  }
  const language = opening[1] ?? '';
  if (language !== '' && !/^ya?ml$/i.test(language)) {
    report(1, 'frontmatter/code', `frontmatter marked \`---${language}\` is refused: only YAML data is read, code is never run`, 'write the opening fence as a plain `---` and the fields as YAML');
    return undefined;
  }
  const closingIndex = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)[ \t]*$/.test(line));
  if (closingIndex === -1) {
    report(1, 'frontmatter/unclosed', 'the frontmatter opened on line 1 is never closed', 'add a line `---` after the last frontmatter field');
    return undefined;
  }
  let parsedYaml: YamlResult | undefined;
  const refuse = () => {
    throw new Error('code in frontmatter is never evaluated');
  };
  const engines = { javascript: refuse, js: refuse, coffee: refuse, coffeescript: refuse, cson: refuse, yaml: (input: string) => ((parsedYaml = readYaml(input)), {}) };
  const normalized = ['---', ...lines.slice(1, closingIndex), '---', ...lines.slice(closingIndex + 1)].join('\n');
  const file = matter(normalized, { language: 'yaml', engines } as never);
  return { yaml: parsedYaml ?? readYaml(''), body: file.content, yamlLineOffset: 0, bodyLine: closingIndex + 2 };
}

function observe(split: ReturnType<typeof splitWithGrayMatter>) {
  if (!split) return undefined;
  const { yaml, ...rest } = split;
  const keys = [...yaml.keyLines.keys(), 'absent'];
  return { ...rest, value: yaml.value, problems: yaml.problems, keyLines: [...yaml.keyLines], items: keys.map((key) => [0, 1, 2].map((i) => yaml.itemLine(key, i))) };
}

function bothWays(text: string) {
  const reported: [Reported, Reported] = [[], []];
  const fresh = observe(splitFrontmatter(text, (...args) => reported[0].push(args)));
  const reference = observe(splitWithGrayMatter(text, (...args) => reported[1].push(args)));
  return { fresh: { split: fresh, reported: reported[0] }, reference: { split: reference, reported: reported[1] } };
}

describe('splitFrontmatter', () => {
  it('splits a file into YAML and body, YAML line n being file line n', () => {
    const split = splitFrontmatter('---\ntitle: 标题\ndate: 2024-03-05\n---\n\n正文。\n', () => {});
    expect(split?.body).toBe('\n正文。\n');
    expect(split?.bodyLine).toBe(5);
    expect(split?.yaml.value).toEqual({ title: '标题', date: '2024-03-05' });
    expect(split?.yaml.keyLines.get('date')).toBe(3);
  });

  it.each([
    ['---yaml\ntitle: x\n...  \nbody\n'],
    ['---\n# only a comment\n---\nbody'],
    ['---\n#\n---\n'],
    ['---\n---'],
    ['---js\n{}\n---\n'],
    ['--- \ntitle: x\n---\t'],
    ['---\ntitle: x'],
    ['title: x\n---\n'],
  ])('cuts %j as gray-matter did', (text) => {
    const { fresh, reference } = bothWays(text);
    expect(fresh).toEqual(reference);
  });

  // gray-matter closes at the first line starting with `---`, this splitter at the
  // first fence: the reference cut those files in two and reported a missing date.
  it.each([
    ['---\ntitle: x\n----\ndate: y\n---\nbody', 3],
    ['---\ntitle: x\n--- not a fence\n...\nbody', 3],
    ['---\n---x\n---', 2],
  ])('reports a line starting with --- inside the frontmatter of %j, on its line', (text, line) => {
    const reported: Reported = [];
    expect(splitFrontmatter(text, (...args) => reported.push(args))).toBeUndefined();
    expect(reported).toEqual([[line, 'frontmatter/stray-fence', expect.stringContaining(`line ${line} starts with`), expect.any(String)]]);
  });

  it('cuts random files as gray-matter did', () => {
    const rnd = random(5);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
    const LINES = ['title: 标题', 'date: 2024-03-05', 'tags: [a, b]', 'tags:', '  - 银行', '', ' ', '# comment', '#', '  # indented', '---', '--- ', '---\t', '----', '---x', '--- x', '...', '... ', '....', '..', '--', '-', 'x: ---', 'x: "a', '\t', '正文。', '> quote'];
    let strays = 0;
    for (let i = 0; i < 5000; i++) {
      const opening = pick(['---', '---', '---', '--- ', '---yaml', '---YML', '--- yml ', '---js', '----', '', 'x']);
      const lines = Array.from({ length: Math.floor(rnd() * 10) }, () => pick(LINES));
      const text = [opening, ...lines].join('\n') + pick(['', '\n', '\n\n']);
      const { fresh, reference } = bothWays(text);
      if (fresh.reported.some((problem) => problem[1] === 'frontmatter/stray-fence')) {
        strays++;
        continue;
      }
      expect(fresh, JSON.stringify(text)).toEqual(reference);
    }
    expect(strays).toBeGreaterThan(100);
  });
});

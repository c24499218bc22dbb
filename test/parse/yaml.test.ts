// Frontmatter YAML: failsafe values that stay the exact text, problems with lines, and
// a fast reader for plain frontmatter that must agree with the yaml package's
// Composer on everything it accepts (and hand everything else over).
import { describe, expect, it } from 'vitest';
import { readPlainFrontmatter, readFrontmatterLines, readWithComposer, readYaml, type YamlResult } from '../../src/parse/yaml.ts';
import { random } from '../bench/files.ts';

/** Everything a caller can ask of a result, lines included. */
function observe(result: YamlResult) {
  const keys = [...result.keyLines.keys(), 'absent'];
  return {
    value: result.value,
    problems: result.problems,
    keyLines: [...result.keyLines],
    itemLines: keys.map((key) => [key, Array.from({ length: 6 }, (_, index) => result.itemLine(key, index))]),
  };
}

describe('readYaml', () => {
  it('keeps every scalar as the text written', () => {
    const result = readYaml('\ntitle: 腾讯\ntickers: [0700.HK, 0700]\nprice: 1.10\ndate: 2024-02-30\ndraft: yes\nempty:\nnull: ~\n');
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual({ title: '腾讯', tickers: ['0700.HK', '0700'], price: '1.10', date: '2024-02-30', draft: 'yes', empty: '', null: '~' });
  });

  // Lines count from the text's start: frontmatter.ts passes the newline after `---` too, so YAML line n is file line n.
  it('reports a duplicate key on the line of the second one', () => {
    const result = readYaml('\ntitle: 一\ndate: 2026-11-20\ntitle: 二');
    expect(result.problems).toEqual([{ line: 4, message: 'Map keys must be unique', duplicateKey: true }]);
  });

  it('stops alias expansion', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const result = readYaml(bomb);
    expect(result.value).toBeNull();
    expect(result.problems).toHaveLength(1);
  });

  it('gives key and item lines', () => {
    for (const text of ['\ntitle: x\naliases: [/a/, /b/]\ntags:\n  - 银行\n  - 年报\n', '\ntitle: x\naliases: [/a/, /b/]\ntags:\n  - 银行\n  - 年报\n# comment\n']) {
      const result = readYaml(text);
      expect(Object.fromEntries(result.keyLines)).toEqual({ title: 2, aliases: 3, tags: 4 });
      expect([result.itemLine('aliases', 1), result.itemLine('tags', 0), result.itemLine('tags', 1), result.itemLine('tags', 2), result.itemLine('title', 0)]).toEqual([3, 5, 6, 4, 2]);
    }
  });

  it('reads the frontmatter of the benchmark corpora and the sample without the Composer', () => {
    for (const text of [
      '\ntitle: est velit proident officia aliquip\ndate: 2020-01-01',
      '\ntitle: "招商银行不良贷款率创新高"\ndate: 2025-01-01T03:58:25+08:00\nupdated: 2025-01-02T03:58:25+08:00\ncategory: "银行"\ntags: ["年报","招商银行","利率"]\nauthors: ["记者严帵"]\ntickers: [600036.SH, 03968.HK]\nsource: "财新"',
      "\ntitle: '银行'\ndate: 2024-03-05\ntags:\n  - 银行\n  - \"年报\"\nrelated: false\nheadline: true\nweight: 5\n",
      '\ntitle: 央行 http://pbc.gov.cn/a?b=c&d\ntags:\n- 货币政策\n- "M2: 增速"\n\naliases: [/news/2017/12345.html, "/a b/"]\nempty:\nquoted: ""\n',
    ]) {
      for (const fast of [readFrontmatterLines(text), readPlainFrontmatter(text)]) {
        expect(fast, text).toBeDefined();
        expect(observe(fast!)).toEqual(observe(readWithComposer(text)));
      }
    }
  });

  it('leaves everything else to the Composer', () => {
    for (const text of ['\ntitle: x # comment', '\ntitle: &a x\nsource: *a', '\ntitle: !!str x', '\ntitle: |\n  block', '\ntitle: a\n  b', '\ntitle:\tx',
      '\ntitle: x\ntitle: y', '\n__proto__: x', '\n<<: {a: b}', '\ntags: [a, [b]]', '\ntags: [a,]', '\ntags: [a,\n b]', '\nmeta:\n  a: b', '\n- a', '%YAML 1.2\n---\na: b', '\ntitle: "a\\q"', '\n"title": x']) {
      expect(readPlainFrontmatter(text), text).toBeUndefined();
      expect(readFrontmatterLines(text), text).toBeUndefined();
    }
  });

  it('leaves quotes with escapes, odd spacing and indicators to the yaml package', () => {
    for (const text of ["\ntitle: 'It''s'", '\ntitle: "a\\"b"', '\ntitle:  x', '\ntitle: x ', '\ntitle: a: b', '\ntitle: a #b', '\ntitle: -x', '\ntags: [ a]', '\ntags: [a ]', '\ntags: [a,  b]', '\ntags:\n  - a\n - b', '\ntags:\n  -  a', '\n  title: x', '\ntitle: x\n  ', '\ntags: ["a, b"]']) {
      expect(readFrontmatterLines(text), text).toBeUndefined();
      expect(observe(readYaml(text))).toEqual(observe(readWithComposer(text)));
    }
  });

  // 200,000 documents agreed when the fast reader was written; 10,000 keep the suite fast.
  it('agrees with the Composer on random near-plain frontmatter', () => {
    const rnd = random(41);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
    const KEYS = ['title', 'date', 'tags', 'tickers', 'a', 'B_2', 'x-y', 'constructor', 'toString', '__proto__', '<<', '0700', 'k'.repeat(100), 'k'.repeat(101), '"q"', 'é'];
    const ATOMS = ['招商银行', 'a b', '0700', '1.10', '~', 'null', 'true', '', ' ', '  ', '\t', '"x"', "'y'", '"a\\"b"', '"\\u4e2d\\n"', '"\\q"', "'it''s'", '"open', "'open", '#', ' #c', 'a#b', 'a: b', 'a:b', ':', '-', '- x', '?', '&a', '*a', '!!str', '!x', '|', '>', '@x', '`x`', '%x', ',x', 'x,', '[', ']', '{', '}', '[a]', '{a: b}', '😀', 'e\u0301', '\u00a0', '\u2028', '\r', '---', '...', '\\'];
    const scalar = () => (rnd() < 0.6 ? pick(['招商银行', 'a b', '"引号"', "'单引号'", '0700.HK', '2024-03-05T09:30:00+08:00', 'x']) : pick(ATOMS) + (rnd() < 0.3 ? pick(ATOMS) : ''));
    const line = () => {
      const key = rnd() < 0.85 ? pick(KEYS.slice(0, 7)) : pick(KEYS);
      const sep = rnd() < 0.9 ? ': ' : pick([':', ':  ', ' : ', ':\t', '::', ': #c ']);
      const roll = rnd();
      if (roll < 0.45) return `${key}${sep}${scalar()}${rnd() < 0.1 ? pick([' ', '  ', '\t', ' # c']) : ''}`;
      if (roll < 0.7) {
        const comma = () => (rnd() < 0.9 ? pick([',', ', ']) : pick([',,', ' ,', '\t,', ', #c\n']));
        const items = Array.from({ length: Math.floor(rnd() * 4) }, scalar);
        return `${key}${sep}[${items.map((item, i) => (i ? comma() : '') + item).join('')}${rnd() < 0.9 ? ']' : pick(['', ',]', '] x', ']]', ' ]', '\n]'])}`;
      }
      if (roll < 0.9) {
        const indent = pick(['  ', '  ', '', ' ', '    ', '\t']);
        const items = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `\n${rnd() < 0.9 ? indent : pick(['', '   ', ' '])}${rnd() < 0.95 ? '- ' : pick(['-', '-  ', '- - ', '-\t'])}${scalar()}`);
        return `${key}:${rnd() < 0.9 ? '' : pick([' ', ' #c', ' &a'])}${items.join('')}`;
      }
      if (roll < 0.95) return `${key}:${pick(['', ' ', '\n  next line', '\n'])}`;
      return pick(['', '# comment', '  indented: x', '\tx: y', '---', '...', '%YAML 1.2', '? k', '- item', 'key', `${key}: |\n  block`, `${key}: "multi\n  line"`, `${key}: plain\n  continued`, `${key}: &a x`, `${key}: *a`, `${key}: {a: b}`, '\uFEFFbom: x']);
    };
    let plain = 0;
    let simple = 0;
    for (let i = 0; i < 10_000; i++) {
      let text = (rnd() < 0.9 ? '\n' : '') + Array.from({ length: 1 + Math.floor(rnd() * 5) }, line).join('\n') + (rnd() < 0.2 ? pick(['\n', '\n\n', ' ', '\n# end']) : '');
      if (rnd() < 0.03) text = text.replace(/\n/g, '\r\n');
      const simplest = readFrontmatterLines(text);
      const fast = readPlainFrontmatter(text);
      if (simplest) {
        simple++;
        expect(fast, `${JSON.stringify(text)}: the simple reader accepts only what the plain one does`).toBeDefined();
        expect(observe(simplest), JSON.stringify(text)).toEqual(observe(readWithComposer(text)));
      }
      if (!fast) continue;
      plain++;
      expect(observe(fast), JSON.stringify(text)).toEqual(observe(readWithComposer(text)));
    }
    expect(plain).toBeGreaterThan(1500);
    expect(simple).toBeGreaterThan(500);
  }, 60_000);
});

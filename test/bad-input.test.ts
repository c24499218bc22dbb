// Every kind of bad input gets a clear `path:line: what (how to fix)` message, exit 1,
// and all problems are reported in one run.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { md, NOW_ISO, runCli, writeArchive, tempDir } from './helpers.ts';

const good = md({ title: '好文章', date: '2026-11-20T09:00:00+08:00' });

async function buildFiles(files: Record<string, string | Buffer>) {
  const contentDir = await writeArchive({ '2026/11/good.md': good, ...files });
  const outDir = path.join(path.dirname(contentDir), 'dist');
  const run = await runCli(['build', '--content', contentDir, '--out', outDir, '--now', NOW_ISO]);
  const lines = run.stderr.split('\n');
  /** The message line for a file, as the user sees it (path relative to the working directory). */
  const lineFor = (file: string) => lines.find((l) => l.startsWith(path.relative(process.cwd(), path.join(contentDir, file)) + ':')) ?? '';
  return { ...run, contentDir, outDir, lines, lineFor };
}

describe('bad input', () => {
  it('reports invalid YAML with the file line', async () => {
    const r = await buildFiles({ '2026/11/bad.md': '---\ntitle: 好\ndate: 2026-11-20\ntags: [a, b\n---\n正文' });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/bad.md')).toMatch(/bad\.md:\d+: the frontmatter is not valid YAML.*\(.+\)$/);
  });

  it('reports a duplicate key on the line of the second key', async () => {
    const r = await buildFiles({ '2026/11/dup.md': '---\ntitle: 一\ndate: 2026-11-20\ntitle: 二\n---\n正文' });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/dup.md')).toMatch(/dup\.md:4: a frontmatter field is given twice/);
  });

  it('detects a missing closing fence instead of reading the body as YAML', async () => {
    const r = await buildFiles({ '2026/11/open.md': '---\ntitle: 没有结尾\ndate: 2026-11-20\n\n正文第一段。\n' });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/open.md')).toMatch(/open\.md:1: the frontmatter opened on line 1 is never closed \(add a line `---`/);
  });

  it('requires a title, and a title that is text', async () => {
    const r = await buildFiles({
      '2026/11/notitle.md': md({ date: '2026-11-20' }),
      '2026/11/listtitle.md': md({ title: '[a, b]', date: '2026-11-20' }),
    });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/notitle.md')).toMatch(/has no title/);
    expect(r.lineFor('2026/11/listtitle.md')).toMatch(/listtitle\.md:2: title must be text, not a list/);
  });

  it.each([
    ['2024-02-30', /not a real calendar day/],
    ['2024-13-01', /not a real calendar day/],
    ['next tuesday', /is not a date/],
    ['2024-01-01T25:00:00+08:00', /impossible time of day/],
  ])('refuses the date %s instead of rolling it over', async (date, message) => {
    const r = await buildFiles({ '2026/11/date.md': md({ title: '日期', date }) });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/date.md')).toMatch(new RegExp(`date\\.md:3: date.*${message.source}`));
  });

  it('requires a date', async () => {
    const r = await buildFiles({ '2026/11/nodate.md': md({ title: '没有日期' }) });
    expect(r.lineFor('2026/11/nodate.md')).toMatch(/has no date \(add e\.g\./);
  });

  it('requires tags to be a list', async () => {
    const r = await buildFiles({ '2026/11/tags.md': md({ title: '标签', date: '2026-11-20', tags: '银行' }) });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/tags.md')).toMatch(/tags\.md:4: tags must be a list \(write `tags: \[银行\]`/);
  });

  it('warns about an unknown field and still builds', async () => {
    const r = await buildFiles({ '2026/11/extra.md': md({ title: '多余', date: '2026-11-20', autor: '张三' }) });
    expect(r.code).toBe(0);
    expect(r.lineFor('2026/11/extra.md')).toMatch(/extra\.md:4: warning: unknown field "autor" is ignored \(known fields: title, date/);
    expect(existsSync(path.join(r.outDir, '2026/11/extra/index.html'))).toBe(true);
  });

  it('names both files when two articles share a slug, also after case folding and Unicode normalization', async () => {
    const r = await buildFiles({
      '2026/11/same.md': md({ title: '一', date: '2026-11-20' }),
      '2025/01/same.md': md({ title: '二', date: '2025-01-20' }),
      '2026/10/Fold.md': md({ title: '三', date: '2026-10-20' }),
      '2026/09/fold.md': md({ title: '四', date: '2026-09-20' }),
      '2026/08/a.md': md({ title: '五', date: '2026-08-20', slug: 'ｗｉｄｅ' }),
      '2026/08/b.md': md({ title: '六', date: '2026-08-21', slug: 'wide' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2026\/11\/same\.md: the slug "same" is already used by .*2025\/01\/same\.md/);
    expect(r.stderr).toMatch(/[Ff]old\.md: the slug "(Fold|fold)" is already used by .*[Ff]old\.md \(as "(Fold|fold)", equal after case folding\)/);
    expect(r.stderr).toMatch(/the slug "(wide|ｗｉｄｅ)" is already used by .*2026\/08\/[ab]\.md/);
  });

  it.each(['a/b', 'a\\b', '..', 'x..y', '%2e%2e', 'CON', 'nul.txt', 'a b', '.hidden', 'x.'])('refuses the unsafe slug %j', async (slug) => {
    const r = await buildFiles({ '2026/11/unsafe.md': md({ title: '不安全', date: '2026-11-20', slug: JSON.stringify(slug) }) });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/unsafe.md')).toMatch(/unsafe\.md:4: the slug .* \(use letters, digits and hyphens/);
    const files = await import('./helpers.ts').then((h) => (existsSync(r.outDir) ? h.listFiles(r.outDir) : []));
    expect(files).toEqual([]);
  });

  it.each(['js', 'javascript', 'JS', 'coffee'])('refuses ---%s frontmatter without evaluating it', async (language) => {
    const marker = `pwned_${language}`;
    const body = `---${language}\n{ title: (globalThis.${marker} = true, "x"), date: "2026-11-20" }\n---\n正文`;
    const r = await buildFiles({ '2026/11/code.md': body });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/code.md')).toMatch(new RegExp(`code\\.md:1: frontmatter marked \`---${language}\` is refused`));
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a file that is not UTF-8, and one with a NUL byte', async () => {
    const gbk = Buffer.concat([Buffer.from('---\ntitle: '), Buffer.from([0xd5, 0xd0, 0xc9, 0xcc]), Buffer.from('\ndate: 2026-11-20\n---\n')]);
    const nul = Buffer.from('---\ntitle: x\ndate: 2026-11-20\n---\nab\0cd\n');
    const r = await buildFiles({ '2026/11/gbk.md': gbk, '2026/11/nul.md': nul });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/gbk.md')).toMatch(/gbk\.md: the file is not valid UTF-8 \(save it as UTF-8/);
    expect(r.lineFor('2026/11/nul.md')).toMatch(/nul\.md:5: the file contains a NUL byte/);
  });

  it('accepts a UTF-8 BOM and CRLF line endings', async () => {
    const text = '\uFEFF---\r\ntitle: 带BOM\r\ndate: 2026-11-20\r\n---\r\n\r\n正文。\r\n';
    const r = await buildFiles({ '2026/11/bom.md': text });
    expect(r.code).toBe(0);
    const html = await readFile(path.join(r.outDir, '2026/11/bom/index.html'), 'utf8');
    expect(html).toContain('<h1>带BOM</h1>');
  });

  it('refuses an empty file and one holding only empty frontmatter', async () => {
    const r = await buildFiles({ '2026/11/empty.md': '', '2026/11/fences.md': '---\n---\n' });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/empty.md')).toMatch(/the file is empty/);
    expect(r.lineFor('2026/11/fences.md')).toMatch(/empty frontmatter and no text/);
  });

  it('refuses a file over the size cap before parsing it', async () => {
    const big = md({ title: '大', date: '2026-11-20' }, '长'.repeat(1_100_000));
    const r = await buildFiles({ '2026/11/big.md': big });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/big.md')).toMatch(/big\.md: the file is 3\.\d MB, over the 2\.0 MB limit \(split the article, or raise maxFileBytes/);
  });

  it('refuses nesting deep enough to overflow the parser, and the process survives', async () => {
    const r = await buildFiles({
      '2026/11/deep.md': md({ title: '深', date: '2026-11-20' }, '>'.repeat(3000) + ' 引用'),
      '2026/11/deeplist.md': md({ title: '深列表', date: '2026-11-20' }, '- '.repeat(3000) + 'x'),
    });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/deep.md')).toMatch(/deep\.md:6: blocks are nested 3000 deep, over the limit of 64/);
    expect(r.lineFor('2026/11/deeplist.md')).toMatch(/deeplist\.md:6: blocks are nested 3000 deep/);
  });

  it('refuses aliases that would leave the output folder', async () => {
    const r = await buildFiles({ '2026/11/alias.md': md({ title: '别名', date: '2026-11-20', aliases: '[/../../etc/passwd, "relative/x.html", /ok/%2e%2e/x]' }) });
    expect(r.code).toBe(1);
    expect(r.lineFor('2026/11/alias.md')).toMatch(/alias\.md:4: the alias/);
    expect(r.stderr.match(/the alias/g)).toHaveLength(3);
  });

  it('reports every bad or misspelt site setting, nested ones included, with its line', async () => {
    const yaml = ['title: 档案', 'timezone: Mars/Olympus', 'lists:', '  mostread: 5', '  related: -1', 'related:', '  weights: 3', 'rankings:', '  trendingHalfLife: 6', 'feedSise: 10', ''].join('\n');
    const run = await buildFiles({ 'site.yaml': yaml });
    expect(run.code).toBe(1);
    const messages = run.lines.filter((line) => line.includes('site.yaml:'));
    const expected: [number, string][] = [
      [2, 'timezone: unknown time zone "Mars/Olympus"'],
      [3, 'lists.mostread: unknown setting'],
      [3, 'lists.related: must be a number of at least 0'],
      [6, 'related.weights: must be a map'],
      [8, 'rankings.trendingHalfLife: unknown setting'],
      [10, 'feedSise: unknown setting'],
    ];
    for (const [line, text] of expected) expect(messages.some((m) => m.includes(`site.yaml:${line}:`) && m.includes(text)), text).toBe(true);
    expect(messages.find((m) => m.includes('lists.mostread'))).toContain('mostRead');
    expect(messages).toHaveLength(expected.length);
  });

  it('reports every problem of every file in one run, sorted by file and line', async () => {
    const r = await buildFiles({
      '2026/11/a.md': md({ title: '[x]', date: '2024-02-30', tags: '单个' }),
      '2026/11/b.md': '---\ntitle: b\n',
      '2026/11/c.md': md({ date: '2026-11-20', weight: 'heavy' }),
    });
    expect(r.code).toBe(1);
    const errors = r.lines.filter((l) => /\.md(:\d+)?: /.test(l) && !l.includes('warning:'));
    expect(errors.length).toBe(6);
    expect(errors.map((l) => l.replace(/^.*\/(\w\.md:?\d*):.*$/, '$1'))).toEqual(['a.md:2', 'a.md:3', 'a.md:4', 'b.md:1', 'c.md:2', 'c.md:3']);
    expect(r.stderr).toMatch(/6 errors: nothing was written/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps the last good site when a build fails', async () => {
    const root = await tempDir();
    const contentDir = await writeArchive({ '2026/11/good.md': good }, root);
    const outDir = path.join(root, 'dist');
    expect((await runCli(['build', '--content', contentDir, '--out', outDir, '--now', NOW_ISO])).code).toBe(0);
    const before = await readFile(path.join(outDir, '2026/11/good/index.html'), 'utf8');
    await writeArchive({ '2026/11/broken.md': '---\ntitle: [\n---\n' }, root);
    expect((await runCli(['build', '--content', contentDir, '--out', outDir, '--now', NOW_ISO])).code).toBe(1);
    expect(await readFile(path.join(outDir, '2026/11/good/index.html'), 'utf8')).toBe(before);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(root)).sort()).toEqual(['content', 'dist']);
  });
});

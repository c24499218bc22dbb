// Nothing escapes: hostile text in any field or the body is escaped or stripped,
// unsafe URLs are dropped, YAML keys cannot pollute prototypes, and values keep the
// exact text the author wrote.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildArchive, md } from './helpers.ts';

const XSS = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

function jsonLdOf(html: string): unknown {
  const match = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!);
}

describe('hostile content', () => {
  it('escapes markup in the title, tags, authors, source, category and summary, everywhere they appear', async () => {
    const site = await buildArchive({
      '2026/11/xss.md': md(
        { title: JSON.stringify(`标题${XSS}`), date: '2026-11-20', tags: JSON.stringify([`tag${XSS}`]), authors: JSON.stringify([`作者${XSS}`]), source: JSON.stringify(XSS), category: JSON.stringify(`cat${XSS}`), summary: JSON.stringify(`摘要</script><script>alert(3)</script>`) },
        `正文 ${XSS}\n\n<iframe src="https://evil.example"></iframe>\n\n<a href="https://ok.example" onclick="steal()">ok</a>`,
      ),
      '2026/11/other.md': md({ title: '另一篇', date: '2026-11-21' }),
    });
    for (const page of ['2026/11/xss/index.html', 'index.html', '2026/11/other/index.html']) {
      const html = await site.read(page);
      expect(html).not.toMatch(/<script>alert|<img[^>]*onerror|<iframe|<a[^>]*onclick/i);
      // Exactly one script element: the JSON-LD (article page only), never one from content.
      expect((html.match(/<script/g) ?? []).length).toBeLessThanOrEqual(1);
    }
    const article = await site.read('2026/11/xss/index.html');
    expect(article).toContain('标题&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(article).toContain('<a href="https://ok.example">ok</a>');
    const ld = jsonLdOf(article) as { headline: string; description: string; author: { name: string }[] };
    // The JSON-LD keeps the exact text, yet `</script>` cannot close its element.
    expect(ld.headline).toBe(`标题${XSS}`);
    expect(ld.description).toBe('摘要</script><script>alert(3)</script>');
    expect(ld.author[0]!.name).toBe(`作者${XSS}`);
  });

  it('drops javascript:, vbscript: and data:text/html URLs, inline or reference-style, links or images', async () => {
    const body = [
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:msgbox(1)) [d](data:text/html,<script>alert(1)</script>)',
      '![i](javascript:alert(1)) ![j](data:text/html;base64,PHNjcmlwdD4=)',
      '[e][r1] [f][r2] ![g][r3]',
      '<a href="jav&#x09;ascript:alert(1)">h</a> <a href=" javascript:alert(1)">k</a>',
      '[safe](https://example.com/x) [internal](/2026/11/other/) [mail](mailto:desk@example.com)',
      '',
      '[r1]: javascript:alert(1)',
      '[r2]: JAVASCRIPT:alert(1)',
      '[r3]: vbscript:alert(1)',
    ].join('\n');
    const site = await buildArchive({ '2026/11/links.md': md({ title: '链接', date: '2026-11-20' }, body) });
    const html = await site.read('2026/11/links/index.html');
    expect(html).not.toMatch(/javascript:|vbscript:|data:text/i);
    expect(html).toContain('<a href="https://example.com/x">safe</a>');
    expect(html).toContain('<a href="/2026/11/other/">internal</a>');
    expect(html).toContain('<a href="mailto:desk@example.com">mail</a>');
  });

  it('does not let __proto__ keys pollute prototypes', async () => {
    const site = await buildArchive({
      '2026/11/proto.md': '---\ntitle: 原型\ndate: 2026-11-20\n__proto__:\n  polluted: yes\nconstructor:\n  prototype:\n    polluted2: yes\n---\n正文\n',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted2']).toBeUndefined();
    expect(site.result.diagnostics.map((d) => d.message)).toEqual(['unknown field "__proto__" is ignored', 'unknown field "constructor" is ignored']);
    expect(await site.read('2026/11/proto/index.html')).toContain('<h1>原型</h1>');
  });

  it('keeps scalars as written: ticker 0700 is not octal 448, 1.10 is not 1.1', async () => {
    const site = await buildArchive({ '2026/11/tencent.md': md({ title: '1.10', date: '2026-11-20', tickers: '[0700.HK, 0700]', summary: '1.10', tags: '[0700, 1.10, true, null]' }) });
    const html = await site.read('2026/11/tencent/index.html');
    expect(html).toContain('<span class="ticker">0700.HK</span> <span class="ticker">0700</span>');
    expect(html).toContain('<h1>1.10</h1>');
    expect([...html.matchAll(/<a class="tag" href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1])).toEqual(['0700', '1.10', 'true', 'null']);
  });

  it('builds the reference page, bracketed pinyin and all, and escapes it', async () => {
    const seed = await readFile(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/seed/reference-page.txt'), 'utf8');
    const [title, ...rest] = seed.split('\n');
    const site = await buildArchive({ '2018/03/zhongyou.md': md({ title: JSON.stringify(title), date: '2018-03-15T10:00:00+08:00', category: '消费金融' }, rest.join('\n\n')) }, { now: Date.parse('2018-03-16T00:00:00+08:00') });
    const html = await site.read('2018/03/zhongyou/index.html');
    expect(html).toContain('<h1>中郵消費(fèi)金融加強(qiáng)服務(wù)及風(fēng)控能力,保障消費(fèi)者權(quán)益</h1>');
    expect(html).toContain('《關(guān)于加強(qiáng)金融消費(fèi)者權(quán)益保護(hù)工作的指導(dǎo)意見(jiàn)》');
    expect(site.result.diagnostics).toEqual([]);
  });
});

describe('ids', () => {
  it('keeps heading ids from colliding with the page ids', async () => {
    const site = await buildArchive({ 'a.md': md({ title: 'A', date: '2026-11-20' }, '## main\n\n## List related\n\n<div id="main">raw</div>'), 'b.md': md({ title: 'B', date: '2026-11-21' }) });
    const html = await site.read('2026/11/a/index.html');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain('<h2 id="main">main</h2>');
    expect(html).toContain('<main id="BS-main"');
  });
});

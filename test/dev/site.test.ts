// The dev server's pure parts: request target -> file, MIME types, and what is
// added to HTML at serve time.
import { describe, expect, it } from 'vitest';
import { injectDev, noSitePage, overlayHtml, scriptJson, OVERLAY_ID, CLIENT_MARKER } from '../../src/dev/inject.ts';
import { contentType, pageIdentity, resolveRequest, sameIdentity, snapshotOf, type Resolution } from '../../src/dev/site.ts';

const pages = [
  { path: 'index.html', content: '<html><body>home</body></html>' },
  { path: '404.html', content: '<html><body>not found</body></html>' },
  { path: '2026/11/a/index.html', content: '<html><body>a</body></html>' },
  { path: 'feed.xml', content: '<rss/>' },
  { path: 'assets/style.css', content: 'body{}' },
  { path: 'tags/消费/index.html', content: '<html><body>tag</body></html>' },
];

function shape(resolution: Resolution): string {
  switch (resolution.kind) {
    case 'file':
      return `file ${resolution.key}`;
    case 'redirect':
      return `redirect ${resolution.location}`;
    default:
      return resolution.kind;
  }
}

describe('resolveRequest', () => {
  it('maps folders to index.html, files to themselves, and redirects a folder without its slash', () => {
    const site = snapshotOf(pages, '/', 'b1', 1);
    const cases: Record<string, string> = {
      '/': 'file index.html',
      '/index.html': 'file index.html',
      '/?q=1': 'file index.html',
      '/2026/11/a/': 'file 2026/11/a/index.html',
      '/2026/11/a/index.html': 'file 2026/11/a/index.html',
      '/2026/11/a/#top': 'file 2026/11/a/index.html',
      '/2026/11/a': 'redirect /2026/11/a/',
      '/2026/11/a?ref=x': 'redirect /2026/11/a/?ref=x',
      '/feed.xml': 'file feed.xml',
      '/feed.xml/': 'missing',
      '/assets/style.css?v=123': 'file assets/style.css',
      '/tags/%E6%B6%88%E8%B4%B9/': 'file tags/消费/index.html',
      '/tags/%E6%B6%88%E8%B4%B9': 'redirect /tags/%E6%B6%88%E8%B4%B9/',
      '/./2026/11/a/': 'file 2026/11/a/index.html',
      '/2026//11/a/': 'file 2026/11/a/index.html',
      '/nope': 'missing',
      '/2026/11/': 'missing',
    };
    for (const [target, expected] of Object.entries(cases)) expect([target, shape(resolveRequest(site, target))]).toEqual([target, expected]);
  });

  it('keeps everything under the base path', () => {
    const site = snapshotOf(pages, '/archive/', 'b1', 1);
    const cases: Record<string, string> = {
      '/': 'redirect /archive/',
      '/archive': 'redirect /archive/',
      '/archive?x=1': 'redirect /archive/?x=1',
      '/archive/': 'file index.html',
      '/archive/2026/11/a': 'redirect /archive/2026/11/a/',
      '/archive/2026/11/a/': 'file 2026/11/a/index.html',
      '/2026/11/a/': 'missing',
      '/archived/': 'missing',
      '/feed.xml': 'missing',
    };
    for (const [target, expected] of Object.entries(cases)) expect([target, shape(resolveRequest(site, target))]).toEqual([target, expected]);
  });

  it('refuses traversal, encoded separators, NUL and bad escapes before any lookup', () => {
    const site = snapshotOf(pages, '/', 'b1', 1);
    for (const target of ['/../etc/passwd', '/a/../../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E/', '/a%2f..%2f..%2fetc', '/..%5c..%5cetc', '/%00', '/a%00.html', '/%E0%A4%A', 'index.html', 'http://evil.example/']) {
      expect([target, resolveRequest(site, target).kind]).toEqual([target, 'bad']);
    }
  });

  it('never redirects off the site', () => {
    const site = snapshotOf([...pages, { path: 'evil.example/index.html', content: 'x' }], '/', 'b1', 1);
    const resolution = resolveRequest(site, '//evil.example');
    expect(resolution).toEqual({ kind: 'redirect', location: '/evil.example/' });
  });
});

describe('contentType', () => {
  it('names the types a site and its search index use', () => {
    const cases: Record<string, string> = {
      'a/index.html': 'text/html; charset=utf-8',
      'assets/style.css': 'text/css; charset=utf-8',
      'pagefind/pagefind.js': 'text/javascript; charset=utf-8',
      'feed.json': 'application/json; charset=utf-8',
      'feed.xml': 'application/xml; charset=utf-8',
      'favicon.svg': 'image/svg+xml',
      'a.png': 'image/png',
      'a.JPG': 'image/jpeg',
      'a.webp': 'image/webp',
      'robots.txt': 'text/plain; charset=utf-8',
      'pagefind/wasm.zh.pagefind': 'application/octet-stream',
      'pagefind/pagefind.wasm': 'application/wasm',
      'pagefind/pagefind-entry.json': 'application/json; charset=utf-8',
      'pagefind/index/zh_1.pf_index': 'application/octet-stream',
      'pagefind/fragment/zh_1.pf_fragment': 'application/octet-stream',
      'pagefind/pagefind.zh.pf_meta': 'application/octet-stream',
      'README': 'application/octet-stream',
    };
    for (const [file, type] of Object.entries(cases)) expect([file, contentType(file)]).toEqual([file, type]);
  });
});

describe('serve-time additions', () => {
  it('puts the client (and the overlay) before the last </body>, or at the end without one', () => {
    const html = injectDev('<html><body><p>x</p></body></html>', { build: 'b7', errors: [] });
    expect(html).toMatch(new RegExp(`^<html><body><p>x</p><script ${CLIENT_MARKER}>.*"b7".*</script></body></html>$`, 's'));
    expect(html).not.toContain(`id="${OVERLAY_ID}"`);
    const withErrors = injectDev('<p>fragment</p>', { build: 'b7', errors: ['a.md:3: bad date (write YYYY-MM-DD)'] });
    expect(withErrors.startsWith('<p>fragment</p>')).toBe(true);
    expect(withErrors).toContain(`id="${OVERLAY_ID}"`);
    expect(withErrors).toContain('a.md:3: bad date (write YYYY-MM-DD)');
  });

  it('escapes what a broken article says, in the overlay and in the script', () => {
    const overlay = overlayHtml(['a.md:1: title "<script>alert(1)</script>" & more (fix it)']);
    expect(overlay).not.toContain('<script>');
    expect(overlay).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(scriptJson('</script><!--\u2028')).toBe('"\\u003c/script\\u003e\\u003c!--\\u2028"');
    expect(injectDev('<body></body>', { build: '</script>', errors: [] })).not.toContain('"</script>"');
  });

  it('serves a placeholder page until a build has succeeded', () => {
    expect(noSitePage({ build: '', errors: [] })).toContain('being built');
    const failed = noSitePage({ build: '', errors: ['a.md:1: no title (add one)'] });
    expect(failed).toContain('first build failed');
    expect(failed).toContain('a.md:1: no title (add one)');
  });
});

describe('pageIdentity', () => {
  it('tells whether a tab open at a path sees a different page after a build', () => {
    const before = snapshotOf(pages, '/', 'b1', 1);
    const after = snapshotOf(
      pages.map((page) => (page.path === '2026/11/a/index.html' ? { ...page, content: '<html><body>a, edited</body></html>' } : page)),
      '/',
      'b2',
      1,
    );
    const changed = (target: string) => !sameIdentity(pageIdentity(before, target), pageIdentity(after, target));
    expect(changed('/2026/11/a/')).toBe(true);
    expect(changed('/2026/11/a/?utm=x')).toBe(true);
    expect(changed('/')).toBe(false);
    expect(changed('/nope/')).toBe(false);
    const added = snapshotOf([...pages, { path: 'nope/index.html', content: 'new' }], '/', 'b3', 1);
    expect(sameIdentity(pageIdentity(before, '/nope/'), pageIdentity(added, '/nope/'))).toBe(false);
    expect(sameIdentity(Buffer.from('x'), Buffer.from('x'))).toBe(true);
  });
});

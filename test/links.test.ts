// A link checker over the whole sample site built for a subpath: every internal link,
// asset and fragment resolves, and every internal URL carries the base path.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build } from '../src/build.ts';
import { listFiles, NOW, tempDir } from './helpers.ts';

const SAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'content');
const BASE = 'https://example.com/archive/';

describe('sample site under a subpath', { timeout: 120_000 }, () => {
  it('has no broken internal link, asset or anchor', async () => {
    const outDir = path.join(await tempDir(), 'dist');
    await build({ contentDir: SAMPLE, outDir, now: NOW, baseUrl: BASE, search: false });
    const files = await listFiles(outDir);
    const htmlFiles = files.filter((f) => f.endsWith('.html'));
    const idsCache = new Map<string, Set<string>>();
    const idsOf = async (file: string) => {
      let ids = idsCache.get(file);
      if (!ids) {
        const html = await readFile(path.join(outDir, file), 'utf8');
        ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => decodeEntities(m[1]!)));
        idsCache.set(file, ids);
      }
      return ids;
    };
    const broken: string[] = [];
    let checked = 0;
    for (const file of htmlFiles) {
      const html = await readFile(path.join(outDir, file), 'utf8');
      const pageUrl = new URL(file.replace(/index\.html$/, ''), BASE);
      for (const match of html.matchAll(/\s(?:href|src|content)="([^"]*)"/g)) {
        const raw = decodeEntities(match[1]!);
        if (!/^(\/|#|https?:)/.test(raw) && !match[0].includes('href') && !match[0].includes('src')) continue;
        if (match[0].trimStart().startsWith('content=') && !raw.startsWith('http') && !raw.includes('url=')) continue;
        const target = raw.replace(/^0; url=/, '');
        let url: URL;
        try {
          url = new URL(target, pageUrl);
        } catch {
          continue;
        }
        if (url.origin !== new URL(BASE).origin) continue;
        checked++;
        if (!url.pathname.startsWith('/archive/')) {
          broken.push(`${file}: ${raw} leaves the base path`);
          continue;
        }
        let relative = decodeURIComponent(url.pathname.slice('/archive/'.length));
        if (relative === '' || relative.endsWith('/')) relative += 'index.html';
        if (!existsSync(path.join(outDir, relative))) {
          if (!existsSync(path.join(outDir, relative, 'index.html'))) broken.push(`${file}: ${raw} -> missing ${relative}`);
          continue;
        }
        if (url.hash && relative.endsWith('.html')) {
          const id = decodeURIComponent(url.hash.slice(1));
          if (!(await idsOf(relative)).has(id)) broken.push(`${file}: ${raw} -> no #${id} in ${relative}`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
    // Feeds and sitemaps carry the subpath too.
    expect(await readFile(path.join(outDir, 'feed.xml'), 'utf8')).toContain('<link>https://example.com/archive/</link>');
    expect(await readFile(path.join(outDir, 'sitemaps/sitemap-1.xml'), 'utf8')).not.toMatch(/<loc>https:\/\/example\.com\/(?!archive\/)/);
    expect(await readFile(path.join(outDir, 'robots.txt'), 'utf8')).toContain('Sitemap: https://example.com/archive/sitemap.xml');
  });
});

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

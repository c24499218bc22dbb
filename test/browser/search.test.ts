/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
// Static search in the browser: the Pagefind bundle built over the sample archive,
// queried through the search page's UI, at the root and under a subpath. Chinese
// words inside running text, an English company name and a stock code each find the
// articles that hold them, with an excerpt.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleSiteInBrowser, SAMPLE_CONTENT } from './support.ts';

const RESULT = '.pagefind-ui__result';

interface Hit {
  path: string;
  title: string;
  excerpt: string;
  marked: string[];
}

/** Slugs (file names) of the sample articles whose source text contains `term`, case-insensitively. */
async function articlesContaining(term: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.md') && (await readFile(full, 'utf8')).toLowerCase().includes(term.toLowerCase())) found.push(entry.name.replace(/\.md$/, ''));
    }
  };
  await walk(SAMPLE_CONTENT);
  return found.sort();
}

describe.each([
  ['at the site root', '/'],
  ['under a subpath', '/archive/'],
])('search %s', { timeout: 60_000 }, (where, prefix) => {
  const session = sampleSiteInBrowser(prefix);

  /** Types `term` into Pagefind's box on the search page and reads the results it shows (the first five). */
  const search = async (term: string): Promise<Hit[]> => {
    if (!session.tab.page.url().includes('/search/')) await session.tab.visit(session.site.url('/search/'));
    const input = session.tab.page.locator('.pagefind-ui__search-input');
    await input.fill('');
    await input.pressSequentially(term, { delay: 20 });
    return readResults(term);
  };

  const readResults = async (term: string): Promise<Hit[]> => {
    await session.tab.page.waitForFunction(
      // The message names the term once the search ran; each result shows its link once its data loaded.
      (q) => {
        const results = document.querySelectorAll('.pagefind-ui__result').length;
        const loaded = document.querySelectorAll('.pagefind-ui__result-link').length;
        return Boolean(document.querySelector('.pagefind-ui__message')?.textContent?.includes(q)) && results > 0 && loaded === results;
      },
      term,
      { timeout: 10_000 },
    );
    return session.tab.page.locator(RESULT).evaluateAll((results) =>
      results.map((result) => {
        const link = result.querySelector<HTMLAnchorElement>('.pagefind-ui__result-link');
        const excerpt = result.querySelector('.pagefind-ui__result-excerpt');
        return {
          path: link ? new URL(link.href).pathname : '',
          title: link?.textContent?.trim() ?? '',
          excerpt: excerpt?.textContent?.trim() ?? '',
          marked: [...(excerpt?.querySelectorAll('mark') ?? [])].map((mark) => mark.textContent ?? ''),
        };
      }),
    );
  };

  /**
   * Every hit is under the base path with a title and an excerpt; the best ones are
   * the articles that hold the term as written (Pagefind also matches the term's
   * segments apart, so 风控 goes on to find 风险控制 after the exact matches), and an
   * excerpt marks it.
   */
  const expectGoodHits = (hits: Hit[], term: string, holders: string[]) => {
    expect(hits.length, `results for ${term}`).toBeGreaterThan(0);
    for (const hit of hits) {
      expect(hit.path.startsWith(prefix), `${hit.path} is outside ${prefix}`).toBe(true);
      expect(hit.title.length, `title of ${hit.path}`).toBeGreaterThan(0);
      expect(hit.excerpt.length, `excerpt of ${hit.path}`).toBeGreaterThan(10);
    }
    const best = hits.slice(0, holders.length).map((hit) => hit.path.replace(/\/$/, '').split('/').pop()!);
    for (const slug of best) expect(holders, `${slug} does not contain ${term}`).toContain(slug);
    const lower = term.toLowerCase();
    expect(hits.some((hit) => hit.marked.some((m) => m.trim() !== '' && lower.includes(m.trim().toLowerCase().replace(/'s$/, '')))), `${term} marked in an excerpt`).toBe(true);
  };

  it('reaches the search page from the header box without JavaScript help, and searches ?q=', async () => {
    await session.tab.visit(session.site.url('/'));
    await session.tab.page.locator('.site-search input[name="q"]').fill('消费金融');
    await Promise.all([session.tab.page.waitForURL(/\/search\/\?q=/), session.tab.page.locator('.site-search button').click()]);
    expect(new URL(session.tab.page.url()).pathname).toBe(`${prefix}search/`);
    const hits = await readResults('消费金融');
    expectGoodHits(hits, '消费金融', await articlesContaining('消费金融'));
    expect(session.tab.takeProblems()).toEqual([]);
  });

  it('finds 风控 inside running Chinese text', async () => {
    const holders = await articlesContaining('风控');
    const hits = await search('风控');
    expectGoodHits(hits, '风控', holders);
    expect(hits.length).toBeGreaterThanOrEqual(holders.length);
    expect(session.tab.takeProblems()).toEqual([]);
  });

  it('finds an English company name: Nvidia', async () => {
    const holders = await articlesContaining('nvidia');
    const hits = await search('Nvidia');
    expectGoodHits(hits, 'Nvidia', holders);
    expect(hits).toHaveLength(Math.min(5, holders.length));
    expect(session.tab.takeProblems()).toEqual([]);
  });

  it('finds a stock code: 600036', async () => {
    const hits = await search('600036');
    expectGoodHits(hits, '600036', await articlesContaining('600036'));
    expect(hits).toHaveLength(5);
    expect(session.tab.takeProblems()).toEqual([]);
  });

  it('opens a result', async () => {
    const hits = await search('风控');
    await session.tab.follow(`${RESULT} a`, 'search result link');
    expect(new URL(session.tab.page.url()).pathname).toBe(hits[0]!.path);
    expect(await session.tab.page.locator('article h1').count()).toBe(1);
    expect(session.tab.takeProblems()).toEqual([]);
  });
});

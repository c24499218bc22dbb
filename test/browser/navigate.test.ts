/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
// A reader's path through the sample archive in Chromium, at the site root and under
// a subpath: home -> article -> related link -> ranking link -> section (and its page
// 2) -> tag -> month archive. Every page visited must load without a console error,
// an uncaught exception, a failed request or an HTTP error.
import { describe, expect, it } from 'vitest';
import { sampleSiteInBrowser, PHONE, Tab } from './support.ts';

const MONTH_PATH = /\/\d{4}\/\d{2}\/$/;

describe.each([
  ['at the site root', '/'],
  ['under a subpath', '/archive/'],
])('browsing the sample archive %s', { timeout: 60_000 }, (where, prefix) => {
  const session = sampleSiteInBrowser(prefix);
  const name = (what: string) => `${what}${prefix === '/' ? '' : '-subpath'}`;

  /** The page loaded cleanly and sits under the base path. */
  const expectClean = () => {
    expect(session.tab.takeProblems()).toEqual([]);
    expect(new URL(session.tab.page.url()).pathname.startsWith(prefix), `${session.tab.page.url()} is outside ${prefix}`).toBe(true);
  };

  it('opens the home page, with articles and ranking lists', async () => {
    await session.tab.screenshotOnFailure(name('home'), async () => {
      await session.tab.visit(session.site.url('/'));
      expectClean();
      expect(await session.tab.page.locator('h1').count()).toBe(1);
      expect(await session.tab.page.locator('[data-list="archive"] li').count()).toBeGreaterThan(0);
      expect(await session.tab.page.locator('[data-list="most-read"] a').count()).toBeGreaterThan(0);
    });
  });

  it('opens an article from the home page, then a related link, then a ranking link', async () => {
    await session.tab.visit(session.site.url('/'));
    await session.tab.follow('[data-list="archive"] h2 a', 'article link in the home page list');
    await session.tab.screenshotOnFailure(name('article'), async () => {
      expectClean();
      expect(await session.tab.page.locator('article h1').count()).toBe(1);
      expect((await session.tab.page.locator('.article-body').innerText()).length).toBeGreaterThan(50);
    });
    const from = session.tab.page.url();
    const related = await session.tab.follow('[data-list="related"] a', 'related link');
    expectClean();
    expect(session.tab.page.url()).not.toBe(from);
    expect(new URL(session.tab.page.url()).pathname).toBe(new URL(related, session.tab.page.url()).pathname);
    expect(await session.tab.page.locator('article h1').count()).toBe(1);
    await session.tab.follow('[data-list="most-read"] a', 'most-read ranking link');
    expectClean();
    expect(await session.tab.page.locator('article h1').count()).toBe(1);
  });

  it('has no sideways scroll on a 375 px phone, home and article', async () => {
    const phone = await Tab.open(session.browser);
    try {
      await phone.page.setViewportSize(PHONE);
      await phone.screenshotOnFailure(name('home-phone'), async () => {
        await phone.visit(session.site.url('/'));
        expect(phone.takeProblems()).toEqual([]);
        expect(await phone.horizontalOverflow()).toBeLessThanOrEqual(0);
      });
      await phone.follow('[data-list="archive"] h2 a', 'article link in the home page list');
      await phone.screenshotOnFailure(name('article-phone'), async () => {
        expect(phone.takeProblems()).toEqual([]);
        expect(await phone.horizontalOverflow()).toBeLessThanOrEqual(0);
      });
    } finally {
      await phone.close();
    }
  });

  it('follows an article section link to the section page, and a section to its page 2', async () => {
    await session.tab.visit(session.site.url('/'));
    await session.tab.follow('[data-list="archive"] h2 a', 'article link in the home page list');
    await session.tab.follow('article .kicker a', "link to the article's section");
    expectClean();
    expect(await session.tab.page.locator('[data-list="archive"] li').count()).toBeGreaterThan(0);

    // The sections in the header; the first one with a second page.
    const sections = await session.tab.page.locator('.site-nav a').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
    expect(sections.length, 'section links in the header').toBeGreaterThan(0);
    let paged = false;
    for (const section of sections) {
      await session.tab.visit(section);
      expectClean();
      if ((await session.tab.page.locator('.pagination a[rel="next"]').count()) === 0) continue;
      const firstPage = await session.tab.page.locator('[data-list="archive"] h2 a').allInnerTexts();
      await session.tab.follow('.pagination a[rel="next"]', 'link to page 2');
      expectClean();
      expect(session.tab.page.url()).toMatch(/\/page\/2\/$/);
      const secondPage = await session.tab.page.locator('[data-list="archive"] h2 a').allInnerTexts();
      expect(secondPage.length).toBeGreaterThan(0);
      expect(secondPage.filter((title) => firstPage.includes(title))).toEqual([]);
      paged = true;
      break;
    }
    expect(paged, 'no section has a page 2').toBe(true);
  });

  it('follows a tag link from an article to the tag page', async () => {
    await session.tab.visit(session.site.url('/'));
    await session.tab.follow('[data-list="archive"] h2 a', 'article link in the home page list');
    const title = await session.tab.page.locator('article h1').innerText();
    await session.tab.follow('article .tags a', 'tag link on the article');
    expectClean();
    expect(await session.tab.page.locator('[data-list="archive"] h2 a').allInnerTexts()).toContain(title);
  });

  it('renders the archive of a month', async () => {
    await session.tab.visit(session.site.url('/2026/11/'));
    expectClean();
    expect(await session.tab.page.locator('[data-list="archive"] li').count()).toBeGreaterThan(0);
  });

  it('links to the archive by month from an article or the home page', async () => {
    let found = '';
    for (const start of [session.site.url('/'), undefined]) {
      if (start) await session.tab.visit(start);
      else await session.tab.follow('[data-list="archive"] h2 a', 'article link in the home page list');
      const hrefs = await session.tab.page.locator('a[href]').evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
      found = hrefs.find((href) => MONTH_PATH.test(new URL(href).pathname)) ?? '';
      if (found) break;
    }
    expect(found, 'no link to a month archive (a URL ending in /YYYY/MM/) on the home page or an article').not.toBe('');
    await session.tab.follow(`a[href="${new URL(found).pathname}"]`, 'link to the month archive');
    expectClean();
    expect(await session.tab.page.locator('[data-list="archive"] li').count()).toBeGreaterThan(0);
  });

  it('answers a missing page with the 404 page', async () => {
    const response = await session.tab.page.goto(session.site.url('/no/such/page/'));
    expect(response?.status()).toBe(404);
    expect(await session.tab.page.locator('h1').innerText()).toMatch(/页面不存在/);
    session.tab.takeProblems(); // the 404 itself is the point here
  });
});

/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
// Accessibility in the browser: axe-core on the home, article, section and search
// pages (no serious or critical violation), plus what axe leaves to a person: one h1
// and no skipped heading level, one main landmark, a lang, and a focus ring you can
// see when moving through the page with the keyboard.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { sampleSiteInBrowser } from './support.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

describe('accessibility of the sample archive', { timeout: 60_000 }, () => {
  const session = sampleSiteInBrowser('/');

  /** Runs axe on the open page; returns serious and critical violations, summarized for a readable failure. */
  const seriousViolations = async (): Promise<string[]> => {
    await session.tab.page.addScriptTag({ path: AXE });
    const violations = (await session.tab.page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: unknown[] }> } }).axe;
      return (await axe.run(document, { resultTypes: ['violations'] })).violations;
    })) as Violation[];
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  };

  /** Document outline: one h1, no level skipped going down, one <main>, a lang. */
  const structure = () =>
    session.tab.page.evaluate(() => {
      const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
      const skips: string[] = [];
      levels.forEach((level, i) => {
        const previous = i === 0 ? 0 : levels[i - 1]!;
        if (level > previous + 1) skips.push(`h${previous} -> h${level}`);
      });
      return {
        h1: levels.filter((l) => l === 1).length,
        firstHeading: levels[0],
        skips,
        main: document.querySelectorAll('main').length,
        lang: document.documentElement.lang,
      };
    });

  const pages: [string, () => Promise<void>][] = [
    ['home page', () => session.tab.visit(session.site.url('/'))],
    [
      'article page',
      async () => {
        await session.tab.visit(session.site.url('/'));
        await session.tab.follow('[data-list="archive"] h2 a', 'article link in the home page list');
      },
    ],
    ['section page', () => session.tab.visit(session.site.url('/categories/xiao-fei-jin-rong/'))],
    [
      'search page with results',
      async () => {
        await session.tab.visit(session.site.url('/search/?q=%E6%B6%88%E8%B4%B9%E9%87%91%E8%9E%8D'));
        await session.tab.page.waitForSelector('.pagefind-ui__result-link', { timeout: 10_000 });
      },
    ],
  ];

  it.each(pages)('%s: no serious or critical axe violation, headings in order, one main, a lang', async (name, open) => {
    await open();
    expect(session.tab.takeProblems()).toEqual([]);
    expect(await seriousViolations()).toEqual([]);
    const outline = await structure();
    expect(outline.h1, 'one h1').toBe(1);
    expect(outline.firstHeading, 'the first heading is the h1').toBe(1);
    expect(outline.skips, 'heading levels skipped').toEqual([]);
    expect(outline.main, 'one <main> landmark').toBe(1);
    expect(outline.lang).toMatch(/^(zh|en)/);
  });

  it('shows where the keyboard focus is: the skip link first, then every control with a visible outline', async () => {
    await session.tab.visit(session.site.url('/'));
    const focused = () =>
      session.tab.page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const style = getComputedStyle(element);
        const box = element.getBoundingClientRect();
        return {
          tag: element.tagName,
          className: element.className,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < innerWidth,
        };
      });
    await session.tab.page.keyboard.press('Tab');
    const first = await focused();
    expect(first.className).toBe('skip-link');
    expect(first.onScreen, 'the skip link appears when focused').toBe(true);
    for (let i = 0; i < 8; i++) {
      const now = await focused();
      expect(now.outline, `focus ring on ${now.tag}.${now.className}`).toBe(true);
      expect(now.onScreen, `${now.tag}.${now.className} on screen when focused`).toBe(true);
      await session.tab.page.keyboard.press('Tab');
    }
  });
});

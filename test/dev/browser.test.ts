// The live-reload client in a real browser (Debian's Chromium, as test/browser/
// uses): an edit reloads the open tab, a broken save shows the overlay without a
// reload, the fix reloads and clears it; no console errors along the way.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLAY_ID } from '../../src/dev/inject.ts';
import { launchChromium, Tab, type Browser } from '../browser/support.ts';
import { md } from '../helpers.ts';
import { startFixture, type Fixture } from './helpers.ts';

const PAGE = '/archive/2026/11/alpha/';

let fx: Fixture;
let browser: Browser;

beforeAll(async () => {
  [fx, browser] = await Promise.all([
    startFixture({
      'site.yaml': 'title: 浏览器档案\nbaseUrl: https://news.example.com/archive/\n',
      '2026/11/alpha.md': md({ title: '招商银行发布三季报', date: '2026-11-25T09:00:00+08:00', category: '银行' }, '第一版正文。'),
      '2026/11/beta.md': md({ title: '宁德时代发布新电池', date: '2026-11-24T09:00:00+08:00', category: '科技' }, '电池正文。'),
    }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([browser?.close(), fx?.server.close()]);
});

describe('live reload in Chromium', { timeout: 60_000 }, () => {
  it('reloads on an edit, shows the overlay for a broken save, and clears it on the fix', async () => {
    const tab = await Tab.open(browser);
    const { page } = tab;
    const file = path.join(fx.contentDir, '2026/11/alpha.md');
    await tab.visit(fx.server.origin + PAGE);
    await expect.poll(() => page.locator('article').innerText()).toContain('第一版正文。');
    // The tab has connected to the event stream before any edit is made.
    await expect.poll(() => fx.server.connections(), { timeout: 15_000 }).toBe(1);

    await tab.screenshotOnFailure('dev-reload', async () => {
      const reloaded = page.waitForEvent('load');
      await appendFile(file, '\n第二版。\n');
      await reloaded;
      await expect.poll(() => page.locator('article').innerText()).toContain('第二版。');
    });

    const good = await readFile(file, 'utf8');
    await tab.screenshotOnFailure('dev-overlay', async () => {
      await writeFile(file, md({ title: '招商银行发布三季报', date: '2024-02-30' }, '坏的。'));
      const overlay = page.locator(`#${OVERLAY_ID}`);
      await overlay.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await overlay.innerText()).toMatch(/alpha\.md:3: /);
      expect(await page.locator('article').innerText()).toContain('第二版。');
    });

    await tab.screenshotOnFailure('dev-recovered', async () => {
      const reloaded = page.waitForEvent('load');
      await writeFile(file, `${good}\n修好了。\n`);
      await reloaded;
      await expect.poll(() => page.locator('article').innerText()).toContain('修好了。');
      expect(await page.locator(`#${OVERLAY_ID}`).count()).toBe(0);
    });

    // A reload aborts the old page's event stream: that is the only request allowed to fail.
    expect(tab.takeProblems().filter((problem) => !/request failed: .*\/__broadsheet\/events\?.*ERR_ABORTED/.test(problem))).toEqual([]);
    await page.close();
  });
});

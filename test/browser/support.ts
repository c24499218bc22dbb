/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser: they need the DOM types.)
// Browser end-to-end support: the sample archive built into a temp folder, a tiny
// static server on loopback (optionally under a subpath), and Debian's Chromium
// driven by playwright-core. No browser is ever downloaded: .ci/run installs the
// `chromium` package when /usr/bin/chromium is missing.
import { afterAll, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from '../../src/build.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SAMPLE_CONTENT = path.resolve(import.meta.dirname, '../../content');
/** The fixed build time of the browser suite. */
export const NOW = Date.parse('2026-11-27T10:00:00+08:00');
/** The sample's sections hold 3-14 articles: a page size of 10 gives the bigger ones a page 2. */
export const PAGE_SIZE = 10;
/** Screenshots of failed tests; git-ignored, kept by CI. */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
export const PHONE = { width: 375, height: 812 };

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** origin + prefix: where the site's home page is. */
  siteUrl: string;
  close(): Promise<void>;
}

/**
 * Serves `root` under `prefix` ('/' or '/archive/') on 127.0.0.1, port 0. Folders
 * serve their index.html (and redirect to the trailing-slash form, as static hosts
 * do), misses get 404.html with status 404, anything outside the prefix is a miss.
 * `root` is read on each request, so the site may be built after the server starts
 * (its base URL needs the port).
 */
export async function serveStatic(root: string, prefix = '/'): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    void respond(root, prefix, request.method ?? 'GET', request.url ?? '/')
      .then(({ status, headers, body }) => {
        response.writeHead(status, headers);
        response.end(request.method === 'HEAD' ? undefined : body);
      })
      .catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    siteUrl: origin + prefix,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

async function respond(root: string, prefix: string, method: string, rawUrl: string): Promise<Reply> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' }, body: '' };
  const url = new URL(rawUrl, 'http://127.0.0.1');
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return notFound(root);
  }
  if (!pathname.startsWith(prefix) || pathname.includes('\0')) return notFound(root);
  const file = path.resolve(root, `.${pathname.slice(prefix.length - 1)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return notFound(root);
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) return { status: 301, headers: { location: `${url.pathname}/${url.search}` }, body: '' };
    return serveFile(path.join(file, 'index.html'), 200).catch(() => notFound(root));
  }
  if (info?.isFile()) return serveFile(file, 200);
  return notFound(root);
}

async function serveFile(file: string, status: number): Promise<Reply> {
  const body = await readFile(file);
  const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  return { status, headers: { 'content-type': type, 'content-length': String(body.length), 'cache-control': 'no-store' }, body };
}

async function notFound(root: string): Promise<Reply> {
  return serveFile(path.join(root, '404.html'), 404).catch(() => ({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' }));
}

export interface BuiltSite {
  server: StaticServer;
  outDir: string;
  /** A URL on the site: url('tags/') -> http://127.0.0.1:<port>/archive/tags/ */
  url(sitePath: string): string;
  dispose(): Promise<void>;
}

/** Builds the sample archive (with PAGE_SIZE) and serves it, at the root or under `prefix`. */
export async function buildAndServe(prefix = '/'): Promise<BuiltSite> {
  const work = await mkdtemp(path.join(tmpdir(), 'broadsheet-browser-'));
  const contentDir = path.join(work, 'content');
  const outDir = path.join(work, 'dist');
  await cp(SAMPLE_CONTENT, contentDir, { recursive: true });
  const siteYaml = path.join(contentDir, 'site.yaml');
  if (existsSync(siteYaml)) await appendFile(siteYaml, `\npageSize: ${PAGE_SIZE}\n`);
  else await writeFile(siteYaml, `pageSize: ${PAGE_SIZE}\n`);
  const server = await serveStatic(outDir, prefix);
  await build({ contentDir, outDir, now: NOW, baseUrl: server.siteUrl });
  return {
    server,
    outDir,
    url: (sitePath) => new URL(sitePath.replace(/^\//, ''), server.siteUrl).href,
    dispose: async () => {
      await server.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile that is deleted on close. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium), as .ci/run does`);
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'broadsheet-chromium-'));
  // launchPersistentContext owns the --user-data-dir flag: a fresh folder per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A tab that records every console error, uncaught exception, failed request and
 * HTTP error response, so a test can assert that each page it visited was clean.
 */
export class Tab {
  readonly problems: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
    page.on('requestfailed', (request) => this.problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`));
    page.on('response', (response) => {
      if (response.status() >= 400) this.problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
  }

  static async open(browser: Browser): Promise<Tab> {
    return new Tab(await browser.context.newPage());
  }

  async visit(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  /** Clicks the first link matching `selector` and waits for the page it leads to. Fails clearly when there is none. */
  async follow(selector: string, what: string): Promise<string> {
    const link = this.page.locator(selector).first();
    if ((await link.count()) === 0) throw new Error(`no ${what} on ${this.page.url()} (looked for \`${selector}\`)`);
    const href = await link.getAttribute('href');
    const before = this.page.url();
    await Promise.all([this.page.waitForURL((url) => url.href !== before, { waitUntil: 'load' }), link.click()]);
    return href ?? '';
  }

  /** Asserts that nothing went wrong since the last call, then starts afresh. */
  takeProblems(): string[] {
    return this.problems.splice(0);
  }

  /** scrollWidth - clientWidth of the document: > 0 means the page scrolls sideways. */
  horizontalOverflow(): Promise<number> {
    return this.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  }

  /** Runs `check`; if it throws, saves a full-page screenshot to test-artifacts/<name>.png first. */
  async screenshotOnFailure(name: string, check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (error) {
      await mkdir(ARTIFACTS, { recursive: true });
      await this.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => {});
      throw error;
    }
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

export interface BrowserSession {
  readonly site: BuiltSite;
  readonly browser: Browser;
  readonly tab: Tab;
}

/**
 * For the describe block it is called in: builds and serves the sample site under
 * `prefix`, launches Chromium and opens a tab before the tests, and closes both after.
 */
export function sampleSiteInBrowser(prefix = '/'): BrowserSession {
  const state: Partial<{ site: BuiltSite; browser: Browser; tab: Tab }> = {};
  beforeAll(async () => {
    [state.site, state.browser] = await Promise.all([buildAndServe(prefix), launchChromium()]);
    state.tab = await Tab.open(state.browser);
  }, 120_000);
  afterAll(async () => {
    await state.browser?.close();
    await state.site?.dispose();
  });
  return {
    get site() {
      return state.site!;
    },
    get browser() {
      return state.browser!;
    },
    get tab() {
      return state.tab!;
    },
  };
}

// One build, read top to bottom as a checklist:
//   config -> load -> parse -> check -> page views -> index -> render + write
// Each stage is timed. Content problems are collected across all stages that can
// still run, then reported together; nothing is written when there is an error.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from './config.ts';
import { ContentErrors, Diagnostics, UsageError, type Diagnostic } from './errors.ts';
import { pathResolver, readPageViews } from './index/pageviews.ts';
import { viewsNeededSince } from './index/rankings.ts';
import { assembleSite, checkCollisions, publishedArticles, type Site } from './index/site.ts';
import { loadSources } from './load.ts';
import { parseArticle } from './parse/article.ts';
import { sitePages, type Assets } from './render/pages.ts';
import { createRenderer } from './render/templates.ts';
import type { Article, Page } from './types.ts';
import { openSiteWriter } from './write.ts';

export const BUILTIN_TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

export interface BuildOptions {
  contentDir: string;
  /** Where the site goes. Ignored when `write` is false. */
  outDir: string;
  /** Build time, epoch ms: decides what is published, "today", and every ranking. */
  now: number;
  baseUrl?: string | undefined;
  /** Include drafts and articles dated after `now`. */
  drafts?: boolean;
  /** false: render into memory and return the pages (tests, `check`). Default true. */
  write?: boolean;
  /** false: stop after indexing, render nothing (`check`). Default true. */
  render?: boolean;
  templatesDir?: string;
  /** Called as each stage starts and as long stages advance; the CLI shows it on a terminal. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface StageTiming {
  stage: string;
  ms: number;
}

export interface BuildResult {
  config: Config;
  site: Site | undefined;
  /** Warnings (errors throw ContentErrors). */
  diagnostics: Diagnostic[];
  timings: StageTiming[];
  articleCount: number;
  pageCount: number;
  /** Only when `write` is false. */
  pages: Page[] | undefined;
  /** A note for the user, such as "no page-view data: ranking by recency". */
  notes: string[];
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const timings: StageTiming[] = [];
  const progress = options.onProgress ?? (() => {});
  const timed = async <T>(stage: string, run: () => T | Promise<T>): Promise<T> => {
    progress(stage, 0, 0);
    const start = performance.now();
    const result = await run();
    timings.push({ stage, ms: performance.now() - start });
    return result;
  };
  const diagnostics = new Diagnostics();
  const notes: string[] = [];
  const contentDir = path.resolve(options.contentDir);
  const shown = (file: string) => path.relative(process.cwd(), path.join(contentDir, file)) || file;
  const stopIfErrors = () => {
    if (diagnostics.hasErrors) throw new ContentErrors(diagnostics.sorted());
  };

  if (!existsSync(contentDir)) throw new UsageError(`the content folder ${options.contentDir} does not exist (pass --content DIR)`);
  const config = await timed('config', () => loadConfig(contentDir, { baseUrl: options.baseUrl }, diagnostics));
  stopIfErrors();

  const sources = await timed('load', () => loadSources(contentDir));

  const parsed = await timed('parse', () => {
    const articles: Article[] = [];
    sources.forEach((source, index) => {
      const result = parseArticle(source, config, shown(source.path));
      diagnostics.add(result.diagnostics);
      if (result.article) articles.push(result.article);
      if (index % 500 === 0) progress('parse', index, sources.length);
    });
    return articles;
  });

  await timed('check', () => diagnostics.add(checkCollisions(parsed, (a) => shown(a.sourcePath))));
  stopIfErrors();

  const published = publishedArticles(parsed, options.now, options.drafts ?? false);

  const views = await timed('pageviews', async () => {
    const result = await readPageViews(contentDir, {
      basePath: config.basePath,
      timezone: config.timezone,
      resolve: pathResolver(published),
      // Rows older than any ranking window are dropped before their path is resolved.
      since: viewsNeededSince(options.now, config.rankings),
    });
    diagnostics.add(result.diagnostics.map((d) => ({ ...d, file: shown(d.file) })));
    return result.table;
  });

  const { site, diagnostics: indexDiagnostics } = await timed('index', () => assembleSite(published, views, config, options.now));
  diagnostics.add(indexDiagnostics.map((d) => ({ ...d, file: shown(d.file) })));
  stopIfErrors();
  if (site.rankings.viewsFallback && published.length > 0) {
    notes.push('no page-view data (content/data/pageviews.csv): most-read and trending lists follow recency');
  }

  const result: BuildResult = {
    config,
    site,
    diagnostics: diagnostics.sorted(),
    timings,
    articleCount: published.length,
    pageCount: 0,
    pages: undefined,
    notes,
  };
  if (options.render === false) return result;

  const templatesDir = path.resolve(options.templatesDir ?? BUILTIN_TEMPLATES);
  const renderer = createRenderer(templatesDir);
  const assets = await loadAssets(templatesDir, config);
  const estimatedPages = published.length + Math.ceil(published.length / config.pageSize) + 2;

  if (options.write === false) {
    result.pages = await timed('render', () => [...sitePages(site, renderer, assets)]);
    result.pageCount = result.pages.length;
    return result;
  }

  await timed('render+write', async () => {
    const writer = await openSiteWriter(options.outDir);
    try {
      for (const page of sitePages(site, renderer, assets)) {
        await writer.write(page);
        if (writer.pagesWritten % 500 === 0) progress('render+write', writer.pagesWritten, estimatedPages);
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    result.pageCount = writer.pagesWritten;
  });
  return result;
}

/** Theme files under templates/assets/, served at /assets/. */
async function loadAssets(templatesDir: string, config: Config): Promise<Assets> {
  const assetsDir = path.join(templatesDir, 'assets');
  const files = new Map<string, Buffer>();
  if (existsSync(assetsDir)) {
    for (const name of (await readdir(assetsDir)).sort()) {
      files.set(`/assets/${name}`, await readFile(path.join(assetsDir, name)));
    }
  }
  const css = files.get('/assets/style.css');
  const version = css ? createHash('sha256').update(css).digest('hex').slice(0, 10) : '0';
  return { files, cssHref: `${config.basePath}assets/style.css?v=${version}` };
}

// One build, read top to bottom as a checklist:
//   config -> load -> parse -> check -> page views -> index -> render + write
// Each stage is timed. Content problems are collected across all stages that can
// still run, then reported together; nothing is written when there is an error.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { ContentErrors, Diagnostics, UsageError, type Diagnostic } from './errors.ts';
import { PAGEVIEWS_CSV, PAGEVIEWS_JSON, pageViewsFileBytes, pageViewsKey, pathResolver, PAGEVIEWS_THREAD_MIN_BYTES, readPageViews, readPageViewsOnThread, type PageViewsResult, type PageViewTable } from './index/pageviews.ts';
import type { RelatedExplanation } from './index/related.ts';
import type { RelatedState } from './index/related/reuse.ts';
import type { Arrangement } from './render/page-plan.ts';
import type { TermMemo } from './index/related/counts.ts';
import type { QueryHelper } from './index/related/query-pool.ts';
import type { Site, StepTimer } from './index/site.ts';
import { dataFileDigest, displayPathFrom, knownAfterPatch, knownDataFileDigest, loadSources, NO_BYTES, readsSince, readUnread, sourcesCheckFor, sourcesPatch, sourcesUnchanged, type KnownFile, type SourcesCheck, type SourcesWalk } from './load.ts';
import { keepHeapNearLiveSize } from './memory.ts';
import type { Assets } from './render/pages.ts';
import { BUILTIN_TEMPLATES } from './render/template-files.ts';
import type { Article, MadePage, Page, PageSpec, SourceFile } from './types.ts';
import { knownZoneOffsets, learnZoneOffsets, zoneDataVersion, zoneOffsetsAsked } from './time.ts';
import { BuildCache, DEFAULT_CACHE_DIR, type KeptPageViews, digest, folderFingerprint, madeFingerprint, pageFingerprint, renderKey, toolVersion, type CachedParse, type PageRecord } from './cache.ts';
import { DuplicatePage, openSiteWriter, outputFolderProblem } from './write.ts';



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
  /** A slug whose related list to explain as it is computed (`broadsheet related`): BuildResult.relatedExplanation. */
  explainRelated?: string;
  templatesDir?: string;
  /**
   * Worker threads for parsing; 0 parses on the main thread. Default: BROADSHEET_WORKERS,
   * else one per core, and 0 below 8 MB of sources (parse/pool.ts). Output never depends on it.
   */
  workers?: number;
  /**
   * true: read the page-view export on a thread of its own, beside the related links;
   * false: on the calling thread. Default: on a thread for a one-shot build of an export
   * of PAGEVIEWS_THREAD_MIN_BYTES or more. Output never depends on it.
   */
  pageViewsThread?: boolean;
  /** false: no search: no Pagefind index, no /search/ page, no header box (`--no-search`). Default true. */
  search?: boolean;
  /**
   * true: use the persistent cache under `cacheDir`. The CLI turns it on (unless
   * --no-cache); for the API it is off by default, so a test never leaves state behind.
   */
  cache?: boolean;
  /** Where the cache lives. Default `.cache/broadsheet` in the working directory. */
  cacheDir?: string;
  /**
   * In-memory cache kept by a long-running caller (the dev server) across builds:
   * parsed articles and rendered pages, reused under the same rules as the disk cache.
   */
  session?: BuildSession;
  /** Called as each stage starts and as long stages advance; the CLI shows it on a terminal. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface BuildSession {
  parseKey: string;
  /** What the last build read of each file: an unchanged file is not read again. */
  files: Map<string, KnownFile>;
  articles: Map<string, CachedParse>;
  pages: Map<string, { fingerprint: string; content: string | Buffer; key?: string }>;
  /** The last page-view table read, and what it was read from (pageViewsKey). */
  pageViews?: KeptPageViews | undefined;
  /** Related-link term counts of the articles seen so far (made by the first build that counts them). */
  termMemo?: TermMemo | undefined;
  /** A related-link query thread kept between builds, once the archive is big enough (SESSION_QUERY_THREAD_MIN_DOCS). */
  queryHelper?: QueryHelper | undefined;
  /** The last build's related lists and vectors (related/reuse.ts), in termMemo's ids. */
  relatedState?: RelatedState | undefined;
}

/**
 * From this many published articles a session keeps a related-link query thread. A
 * one-shot build starts one only from MIN_DOCS_FOR_QUERY_THREAD (10,000): below that,
 * loading and warming up the thread's code costs more than it saves. A session pays
 * that once, in the background, and each rebuild then shares the queries with a warm
 * thread (4,000 Chinese articles: ~90 ms of queries a rebuild).
 */
export const SESSION_QUERY_THREAD_MIN_DOCS = 2_000;

export function createSession(): BuildSession {
  return { parseKey: '', files: new Map(), articles: new Map(), pages: new Map() };
}

/** Lets go of what a session holds beyond memory (its query thread); settles once that has stopped. */
export async function closeSession(session: BuildSession): Promise<void> {
  const helper = session.queryHelper;
  session.queryHelper = undefined;
  await helper?.close();
}

export interface StageTiming {
  stage: string;
  ms: number;
}

export interface BuildResult {
  config: Config;
  /** The indexed site. After a build that wrote without a session, articles hold no body (`html` is '') but those feeds carry. */
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
  /** Source files parsed by this build; the others came from the cache. */
  filesParsed: number;
  /** Source files read from disk; the others were known unchanged by their time stamps. */
  filesRead: number;
  /** Pages the cache let this build take from the previous site without rendering. */
  pagesReused: number;
  /** True when every input matched the last build into this folder: nothing was written. */
  unchanged: boolean;
  /** With `explainRelated`: that article's related list with reasons; undefined for an unknown slug. */
  relatedExplanation?: RelatedExplanation[] | undefined;
  /** Related lists computed by this build; the others were the last build's (related/reuse.ts). */
  relatedComputed?: number | undefined;
  /** Page dependency keys made by this build, and those kept from the last one without looking (render/page-plan.ts). */
  pageKeys?: { made: number; kept: number } | undefined;
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
  const shown = displayPathFrom(process.cwd(), contentDir);
  const stopIfErrors = () => {
    if (diagnostics.hasErrors) throw new ContentErrors(diagnostics.sorted());
  };

  if (!existsSync(contentDir)) throw new UsageError(`the content folder ${options.contentDir} does not exist (pass --content DIR)`);
  const config = await timed('config', () => loadConfig(contentDir, { baseUrl: options.baseUrl, search: options.search }, diagnostics));
  stopIfErrors();

  const parseKey = parseKeyFor(config, contentDir);
  const session = options.session;
  // What a session knows of its files (stat and content hash) does not depend on the
  // settings: after a settings change the sources it holds no parse for are read again.
  if (session && session.parseKey !== parseKey) Object.assign(session, { parseKey, articles: new Map(), pages: new Map(), relatedState: undefined });
  const cache = options.cache === true ? { parseKey, store: BuildCache.open(options.cacheDir ?? DEFAULT_CACHE_DIR, parseKey, options.outDir) } : undefined;
  const templatesDir = path.resolve(options.templatesDir ?? BUILTIN_TEMPLATES);

  // Everything a build reads: when it all matches the last build into this folder,
  // that site is already what this build would write, and the build ends here,
  // repeating what the last one reported.
  const writes = options.write !== false && options.render !== false;
  // What a page's fingerprint depends on besides its data: parsing, the tool, the templates.
  // The templates are hashed once: both keys below hold them.
  const templatesFingerprint = writes || session ? folderFingerprint(templatesDir) : '';
  const templatesKey = (cache && writes) || session ? renderKey(parseKey, templatesFingerprint) : '';
  // Messages name files relative to the working directory; cached parses hold their
  // display paths and are keyed by the content folder (parseKey, in templatesKey).
  const inputsOf = (siteKey: string) => digest(siteKey, templatesKey, process.cwd());
  const last = cache?.store.previous;
  const unchanged = (filesRead: number): BuildResult => ({
    config, site: undefined, diagnostics: last!.report!.diagnostics, timings, articleCount: last!.report!.articleCount, pageCount: last!.pageCount,
    pages: undefined, notes: last!.report!.notes, filesParsed: 0, filesRead, pagesReused: 0, unchanged: true,
  });
  // Everything but the files, digested once: the static folder's files are hashed here only.
  const settings = writes ? siteSettings(templatesFingerprint, config, options, contentDir) : '';
  const otherInputs = cache && writes ? inputsOf(settings) : undefined;
  // The quick way first: the files the last build read, each with the stat it trusted,
  // compared with no record unpacked and no object made per file; only when nothing
  // else changed (a build whose time comes from the clock never gets this far).
  const check = cache && writes && last?.report && last.sourcesCheck?.otherInputs === otherInputs ? last.sourcesCheck : undefined;
  // What a check that failed found of the folder: the load takes it instead of walking again.
  let walked: SourcesWalk | undefined;
  if (check) {
    const start = performance.now();
    // A data file that changed is read once, below, not here too (an export runs to hundreds of MB).
    const read = await sourcesUnchanged(contentDir, check, (walk) => (walked = walk));
    const dataDigests = read === undefined ? [] : await Promise.all(DATA_FILES.map((file) => knownDataFileDigest(contentDir, file, check.others)));
    const same = read !== undefined && dataDigests.every((d): d is string => d !== undefined) && inputsOf(siteInputs(settings, dataDigests, check.digest)) === last!.inputs;
    timings.push({ stage: same ? 'load' : 'load (quick check)', ms: performance.now() - start });
    if (same) return unchanged(read!);
  }

  // What the last build read of each file: unchanged files are not read and hashed again.
  // Where the quick check failed on a stat, the walk found the files its columns list:
  // the load takes their hashes from those by index (load.ts, SourcesPatch), and the
  // Map holds only the data files and the files read.
  const patch = !session && check && walked?.stats ? sourcesPatch(check, walked.relativePaths.length) : undefined;
  const remembered = patch ? { contentDir, known: new Map(patch.check.others) } : cache?.store.previous.sources;
  const knownFiles = session?.files ?? (cache ? (remembered?.contentDir === contentDir ? remembered.known : new Map<string, KnownFile>()) : undefined);
  const readsBefore = knownFiles ? readsSince(knownFiles) : 0;
  const sources = await timed('load', () => loadSources(contentDir, knownFiles, undefined, walked, patch));
  // The walk's paths and stats (145,000 files at 100,000 articles): not kept through the build.
  walked = undefined;
  let filesRead = sources.filter((source) => source.bytes !== NO_BYTES).length;
  // A file written to between its stat and a later read of it (readUnread, below) makes
  // these digests stale: they are made again, no check of the sources is kept (the next
  // build reads the slow way), and no step is skipped on the strength of the last build.
  let sourcesMoved = false;
  let sourcesDigest = '';
  let siteKey: string | undefined;
  let inputs: string | undefined;
  const digestInputs = () => {
    sourcesDigest = digest(...sources.map((s) => `${s.path}:${s.hash}`));
    siteKey = writes ? siteInputs(settings, dataDigests, sourcesDigest) : undefined;
    inputs = cache && siteKey !== undefined ? inputsOf(siteKey) : undefined;
  };
  const sourcesCheck = () => (knownFiles && otherInputs !== undefined && !sourcesMoved ? sourcesCheckFor(contentDir, sources, knownFiles, sourcesDigest, otherInputs, patch) : undefined);
  /** What the cache keeps of each file beside `check`: nothing, unless there is none (cache.ts). */
  const sourcesRecord = (nextCheck: SourcesCheck | undefined) => ({ contentDir, known: patch?.applied && !nextCheck ? knownAfterPatch(patch, sources, knownFiles!) : knownFiles! });
  const dataDigests = writes ? await Promise.all(DATA_FILES.map((file) => dataFileDigest(contentDir, file, knownFiles))) : [];
  digestInputs();
  if (inputs !== undefined && inputs === last?.inputs && last.report) {
    // Files read again (sources or data files changed too recently to be trusted last
    // time) may be trusted now: remembering them spares the next build reading them again.
    if (knownFiles && readsSince(knownFiles) !== readsBefore) {
      const nextCheck = sourcesCheck();
      await cache!.store.saveSources(options.outDir, sourcesRecord(nextCheck), nextCheck);
    }
    return unchanged(filesRead);
  }

  // Loaded only now: a build that ends above never pays for the site's modules (with
  // the slug library and the YAML parser, ~0.5 MB of code, ~10 ms of a ~0.13 s build),
  // nor for the parse pool, the ranking windows and the related model's term memo and
  // query thread (with the tokenizer: ~2.5 ms more).
  const [{ knowSlugs, takeSlugsUsed }, { checkCollisions, finishSite, relateArticles, publishedArticles, sameClaims }, { parseAll }, { viewsNeededSince }, { TermMemo }, { QueryHelper }] = await Promise.all([
    import('./slug.ts'), import('./index/site.ts'), import('./parse/pool.ts'), import('./index/rankings.ts'), import('./index/related/counts.ts'), import('./index/related/query-pool.ts'),
  ]);
  takeSlugsUsed(); // from here on, this build's names
  const slugsKept = cache?.store.slugs();
  if (slugsKept) knowSlugs(slugsKept);
  // The site's zone offsets by hour, as the last build learned them from Intl: under
  // the tool's version and the settings (parseKey: the zone among them) and Intl's data.
  const zoneKey = cache ? digest(parseKey, zoneDataVersion()) : undefined;
  const zonesKept = zoneKey === undefined ? undefined : cache!.store.zoneOffsets(zoneKey);
  if (zonesKept) learnZoneOffsets(config.timezone, zonesKept);
  const zoneHoursAsked = zoneOffsetsAsked();

  // On worker threads for large archives; results and diagnostics come back in source
  // order. Files whose bytes the cache has seen skip parsing altogether.
  let filesParsed = 0;
  let claimsKept = false;
  const parsed = await timed('parse', async () => {
    const previous = cache?.store.previous.articles ?? session?.articles;
    const fresh = previous ? sources.filter((s) => previous.get(s.path)?.hash !== s.hash || previous.get(s.path)?.displayPath !== shown(s.path)) : sources;
    // A file known by its time stamps (session or cache) with no parse held for it (a build
    // that failed half-way, changed settings) is read after all.
    const unread = await readUnread(fresh);
    filesRead += unread.read;
    sourcesMoved = unread.moved > 0;
    filesParsed = fresh.length;
    const result = await parseAll(fresh, config, {
      workers: options.workers,
      displayPath: shown,
      onProgress: (done, total) => progress('parse', done, total),
      releaseBytes: true,
    });
    // Thread time summed over the workers, so together they may exceed the parse stage.
    timings.push({ stage: 'frontmatter', ms: result.frontmatterMs }, { stage: 'markdown', ms: result.markdownMs });
    const freshByPath = new Map(fresh.map((source, index) => [source.path, result.results[index]!]));
    // The collision check reads each file's path, and its article's slug, URL and
    // aliases. Where the files are those the last successful build read (the patch), the
    // check would find what it found then (nothing, or that build would have failed)
    // when each file whose bytes are not the ones that build read was parsed again here
    // and claims what that build's parse of it claimed: the store's entry, if it is
    // still of those bytes (a build that failed since may have replaced it). ~6 ms of a
    // warm build at 4,000 files.
    claimsKept = patch?.applied === true && !sourcesMoved && patch.read.length <= 16 && patch.read.every((index) => {
      const source = sources[index]!;
      const recorded = patch.hashes[index] || patch.check.unsure.get(source.path);
      if (source.hash === recorded) return true;
      const before = previous?.get(source.path);
      const now = freshByPath.get(source.path);
      return now !== undefined && before !== undefined && before.hash === recorded && sameClaims(before.result.article, now.article);
    });
    const entries = new Map<string, CachedParse>();
    const articles: Article[] = [];
    for (const source of sources) {
      const parse = freshByPath.get(source.path) ?? previous!.get(source.path)!.result;
      entries.set(source.path, { hash: source.hash, displayPath: shown(source.path), result: parse });
      diagnostics.add(parse.diagnostics);
      if (parse.article) articles.push(parse.article);
    }
    if (cache && fresh.length > 0) await cache.store.saveArticles(entries, cache.parseKey);
    if (session) session.articles = entries;
    // Past parsing the file bytes are dead weight (225 MB at 100,000 articles); paths and hashes stay.
    for (const source of sources) source.bytes = NO_BYTES;
    // A long-running caller (the dev server) rebuilds a small live set again and again:
    // there, collecting at every 25% of growth would cost more than memory is worth.
    if (!session) keepHeapNearLiveSize();
    return articles;
  });

  if (sourcesMoved) digestInputs();
  if (!claimsKept) await timed('check', () => diagnostics.add(checkCollisions(parsed, (a) => shown(a.sourcePath))));
  stopIfErrors();

  const published = publishedArticles(parsed, options.now, options.drafts ?? false);

  // The page-view table, or the promise of it: a large export is read on a thread of
  // its own while the related links, which do not need it, are computed.
  // (In a box: a promise returned from the stage would be awaited by it.)
  // `key`: what the table was read from (pageViewsKey), when a cache or session asked.
  const views: { table: PageViewTable | undefined | Promise<PageViewTable | undefined>; key: string | undefined } = await timed('pageviews', async () => {
    const settings = {
      basePath: config.basePath,
      timezone: config.timezone,
      // Rows older than any ranking window are dropped before their path is resolved.
      since: viewsNeededSince(options.now, config.rankings),
    };
    // A session keeps the table between builds, the cache between runs: reading a
    // large export again on every edit cost a tenth of a warm build (4,000 Chinese
    // articles, 200,000 rows: 0.11 s to read, 3 ms to take from the cache).
    const key = session || cache ? await pageViewsKey(contentDir, published, settings, knownFiles) : undefined;
    const found = session?.pageViews?.key === key ? session?.pageViews : key !== undefined ? cache?.store.pageViews(key) : undefined;
    const keep = async (kept: KeptPageViews) => {
      if (!found && cache && key !== undefined) await cache.store.savePageViews(kept);
      if (session) session.pageViews = kept;
      diagnostics.add(kept.diagnostics.map((d) => ({ ...d, file: shown(d.file) })));
      return kept.table;
    };
    const keepRead = (read: PageViewsResult) => keep({ key: key ?? '', table: read.table, diagnostics: read.diagnostics });
    const readHere = () => readPageViews(contentDir, { ...settings, resolve: pathResolver(published) });
    if (found) return { table: await keep(found), key };
    if (options.pageViewsThread ?? (!session && pageViewsFileBytes(contentDir) >= PAGEVIEWS_THREAD_MIN_BYTES)) {
      // The thread's own time is listed once known (this stage lists only starting it).
      const table = readPageViewsOnThread(contentDir, settings, published)
        .then(({ result, ms }) => {
          timings.push({ stage: 'pageviews-thread', ms });
          return result;
        })
        // A thread that cannot start or fails leaves the reading to this one.
        .catch((error: unknown) => {
          if (process.env.BROADSHEET_DEBUG_BOOT) console.error('broadsheet: reading page views on the main thread:', error);
          return readHere();
        })
        .then(keepRead);
      // Awaited by the index stage, which reports a failure; handled here in case that stage fails first.
      table.catch(() => {});
      return { table, key };
    }
    return { table: await keepRead(await readHere()), key };
  });

  const step: StepTimer = (stage, run) => {
    const start = performance.now();
    const value = run();
    timings.push({ stage, ms: performance.now() - start });
    return value;
  };
  // Related links count each article's token record: a session keeps the counts in
  // memory, the cache between runs, so that only changed articles are counted again
  // (archives up to TermMemo.MAX_DOCS; past that, keeping them costs more than it saves).
  const keepsTerms = !session && cache !== undefined && published.length <= TermMemo.MAX_DOCS;
  // Related lists are kept where term counts are: between runs with the cache, or in a session's memory.
  const keepsRelated = keepsTerms || session !== undefined;
  let relatedComputed: number | undefined;
  let arrangement: Arrangement | undefined;
  const { site, diagnostics: indexDiagnostics, relatedExplanation } = await timed('index', async () => {
    // Parsing is a function of the file's bytes and the settings the cache is keyed by.
    const hashes = keepsRelated ? new Map(sources.map((source) => [source.path, source.hash])) : undefined;
    const versionOf = (sourcePath: string) => hashes?.get(sourcePath);
    const termMemo = session ? (session.termMemo ??= new TermMemo()) : keepsTerms ? ((await cache!.store.termMemo(versionOf)) ?? new TermMemo(versionOf)) : undefined;
    const keptDocs = termMemo?.size;
    // A helper that stopped (it crashed) is replaced: the queries would run on one thread from then on.
    if (session && !session.queryHelper?.alive && published.length >= SESSION_QUERY_THREAD_MIN_DOCS) session.queryHelper = new QueryHelper();
    // ...and the related lists with the vectors they came from: only what an edit can
    // have changed is computed again (related/reuse.ts).
    const previous = session ? session.relatedState : keepsTerms ? cache!.store.relatedState() : undefined;
    const withLinks = relateArticles(published, config, step, {
      explain: options.explainRelated, termMemo, queryHelper: session?.queryHelper, versionOf: keepsRelated ? versionOf : undefined, previous,
    });
    if (keepsTerms && termMemo) await cache!.store.saveTermMemoIfWorthIt(termMemo, keptDocs!, versionOf);
    if (termMemo && keepsRelated) {
      const draft = withLinks.links.state;
      const { sealState } = await import('./index/related/reuse.ts');
      // A session's memo never leaves memory: every id it gave still names its term.
      const state = draft && sealState(draft, termMemo, session !== undefined);
      if (session) session.relatedState = state;
      else await cache!.store.saveRelatedState(state);
    }
    relatedComputed = withLinks.links.queried;
    // The ranking lists are a function of the page views, the build time, the settings
    // and the articles' arrangement (render/page-plan.ts): an edit that moves no article
    // takes the last build's (36 ms of a warm build at 4,000 Chinese articles and 200,000
    // page-view rows).
    if (cache && writes) {
      const { arrange } = await import('./render/page-plan.ts');
      arrangement = arrange(withLinks.articles, cache.store.previous.plan);
    }
    const rankingsKey = arrangement && digest(JSON.stringify([config.rankings, config.lists, config.timezone, options.now, views.key ?? null]), arrangement.arrangements);
    const keptRankings = rankingsKey === undefined ? undefined : cache!.store.rankings(rankingsKey);
    const finished = finishSite(withLinks, await views.table, config, options.now, step, keptRankings);
    if (rankingsKey !== undefined && !keptRankings) await cache!.store.saveRankings(rankingsKey, finished.site.rankings);
    return finished;
  });
  diagnostics.add(indexDiagnostics.map((d) => ({ ...d, file: shown(d.file) })));
  // The names this build slugged, kept when any was new or some went out of use.
  const slugsUsed = takeSlugsUsed();
  if (cache && slugsKept && (slugsUsed.made > 0 || slugsUsed.slugs.size !== slugsKept.size)) await cache.store.saveSlugs(slugsUsed.slugs);
  stopIfErrors();
  // Related-link tokens serve indexing only (and the cache, already saved): a one-shot
  // build lets them go before rendering. The dev server keeps them for its next build.
  if (!session && writes) for (const article of parsed) article.terms = undefined;
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
    pagesReused: 0,
    unchanged: false,
    filesParsed,
    filesRead,
    relatedExplanation,
    relatedComputed,
  };
  if (options.render === false) return result;

  if (options.write !== false) {
    const problem = outputFolderProblem(options.outDir, [contentDir, templatesDir, ...(cache ? [options.cacheDir ?? DEFAULT_CACHE_DIR] : [])]);
    if (problem) throw new UsageError(`refusing to write the site to ${options.outDir}: it ${problem} (choose another --out)`);
  }
  // Loaded only now: a build that ends early because nothing changed never pays for the
  // template engine, the feed and sitemap libraries or Pagefind (~60 ms of its ~0.28 s).
  const [{ createRenderer }, { outputPathFor, sitePages }, { articlesInFeeds, syndicationPages }, { indexSite, SEARCH_BUNDLE }, { DependencyRecorder, planBasis, planSite }] = await Promise.all([
    import('./render/templates.ts'), import('./render/pages.ts'), import('./render/feeds.ts'), import('./search.ts'), import('./render/page-plan.ts'),
  ]);
  const renderer = createRenderer(templatesDir);
  const assets = loadAssets(templatesDir, config, contentDir);
  const estimatedPages = published.length + Math.ceil(published.length / config.pageSize) + 2;
  // A one-shot build lets each article's body go once its page is handled, unless a
  // feed carries it: at 100,000 Chinese articles the bodies are ~350 MB of the heap,
  // and the pages rendered after them leave garbage that grows it until the end.
  const bodiesInFeeds = !session && writes ? articlesInFeeds(site) : undefined;
  const releaseBody = bodiesInFeeds && ((article: Article) => {
    if (!bodiesInFeeds.has(article)) article.html = '';
  });
  const allPages = async function* () {
    yield* sitePages(site, assets, releaseBody);
    yield* syndicationPages(site);
  };
  /** What a cache or session knows a page by: its data or inputs for the pages made here, its bytes for the others. */
  const fingerprintOf = (page: PageSpec | MadePage | Page) =>
    'template' in page ? pageFingerprint(templatesKey, page) : 'make' in page ? madeFingerprint(templatesKey, page) : digest(page.content);
  /**
   * A page's dependency key (if it has one) and fingerprint; where the key matches the
   * one recorded with `before`, the recorded fingerprint stands for it and the page's
   * data is never made.
   */
  const identify = (page: PageSpec | MadePage | Page, before: { fingerprint: string; key?: string | undefined } | undefined, planning?: Planning) => {
    const key = 'dependencyKey' in page && page.dependencyKey ? page.dependencyKey(templatesKey, planning?.recorder) : undefined;
    if (planning && key !== undefined) {
      // A key the plan would have kept (it comes here only when the plan is checked:
      // BROADSHEET_CHECK_PAGE_PLAN=1, as the tests comparing incremental builds with
      // clean ones set) must be the last build's.
      const keptByPlan = before?.key !== undefined && planning.reuse !== undefined && !planning.reuse.affected.has(page.path);
      if (keptByPlan && key !== before.key) throw new Error(`the page plan kept a stale key for ${page.path}`);
      if (keptByPlan) planning.kept++;
      else planning.made++;
    }
    return { key, fingerprint: key !== undefined && before?.key === key ? before.fingerprint : fingerprintOf(page) };
  };
  const contentOf = async (page: PageSpec | MadePage | Page) => ('template' in page ? renderer.render(page.template, page.data) : 'make' in page ? await page.make() : page.content);

  if (options.write === false) {
    result.pages = await timed('render', async () => {
      const pages: Page[] = [];
      const rendered: BuildSession['pages'] = new Map();
      for await (const page of allPages()) {
        if ('content' in page) {
          pages.push(page);
          continue;
        }
        const before = session?.pages.get(page.path);
        const { key, fingerprint } = session ? identify(page, before) : { key: undefined, fingerprint: '' };
        const reused = before !== undefined && before.fingerprint === fingerprint;
        const content = reused ? before.content : await contentOf(page);
        if (reused) result.pagesReused++;
        if (session) rendered.set(page.path, key === undefined ? { fingerprint, content } : { fingerprint, content, key });
        pages.push({ path: page.path, content });
      }
      if (session) session.pages = rendered;
      return pages;
    });
    result.pageCount = result.pages.length;
    return result;
  }

  await timed('render+write', async () => {
    const previousPages = cache?.store.previous.pages ?? new Map<string, PageRecord>();
    // A site the cache vouches for (its marker matched) is updated in place.
    const trusted = cache !== undefined && cache.store.previous.marker !== undefined;
    const planned = cache && inputs !== undefined ? planSite(site, planBasis(templatesKey, settings, site.rankings), trusted ? cache.store.previous.plan : undefined, () => previousPages.keys(), arrangement) : undefined;
    const planning: Planning | undefined = planned && { recorder: new DependencyRecorder(site, planned.reuse?.previous), reuse: planned.reuse, made: 0, kept: 0 };
    const writer = await openSiteWriter(options.outDir, { currentPages: trusted ? previousPages.keys() : undefined, siteKey });
    const records = new Map<string, PageRecord>();
    // Time spent writing pages (their synchronous part included) or waiting to link
    // reused ones into a new folder: the rest of the page loop (identifying pages,
    // making them, claiming the reused ones) is the `render` step. Measured around the
    // writes, not around each page produced: two clock reads for each of ~4,600 kept
    // pages were ~5 ms of a warm build.
    let writingMs = 0;
    const timedWrite = async <T>(write: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      try {
        return await write();
      } finally {
        writingMs += performance.now() - start;
      }
    };
    let htmlRendered = false;
    try {
      // Keyed pages the plan vouches for are kept as the page functions meet them, never
      // made. (Checking the plan, they are made and their keys compared in identify instead.)
      const checkPagePlan = process.env.BROADSHEET_CHECK_PAGE_PLAN === '1';
      const reuse = planning?.reuse;
      /** Takes a kept page's record and file as they were (true: the page functions skip it). */
      const keepPage = (pagePath: string, before: PageRecord): true => {
        planning!.kept++;
        planning!.recorder.endPage({ plan: reuse!.previous, record: reuse!.recordOf(pagePath) });
        records.set(pagePath, before);
        result.pagesReused++;
        // A plan is used only on a site the cache vouches for, which is updated in place:
        // a kept page is not touched, so there is nothing to wait for.
        if (writer.reuse(pagePath, before.size) !== undefined) throw new Error(`${pagePath}: a kept page of a site not updated in place`);
        return true;
      };
      const keep = reuse && !checkPagePlan
        ? (pagePath: string) => {
          const before = previousPages.get(pagePath);
          return before?.key !== undefined && !reuse.affected.has(pagePath) && keepPage(pagePath, before);
        }
        : undefined;
      // Pages made of the arrangement alone (sitemaps) are kept whenever it is the last build's.
      const keepArranged = reuse && !checkPagePlan
        ? (pagePath: string) => {
          const before = previousPages.get(pagePath);
          return before !== undefined && keepPage(pagePath, before);
        }
        : undefined;
      const madePage = async (page: PageSpec | MadePage | Page) => {
        const before = previousPages.get(page.path);
        const { key, fingerprint } = cache ? identify(page, before, planning) : { key: undefined, fingerprint: '' };
        planning?.recorder.endPage();
        if (cache && before?.fingerprint === fingerprint) {
          const linking = writer.reuse(page.path, before.size);
          if (linking) await timedWrite(() => linking);
          records.set(page.path, key === before.key ? before : { ...before, key });
          result.pagesReused++;
          return;
        }
        const content = await contentOf(page);
        const size = await timedWrite(() => writer.write({ path: page.path, content }));
        if (page.path.endsWith('.html')) htmlRendered = true;
        records.set(page.path, key === undefined ? { fingerprint, size } : { fingerprint, size, key });
        if (writer.pagesWritten % 500 === 0) progress('render+write', writer.pagesWritten, estimatedPages);
      };
      // The site's own pages are iterated synchronously, awaiting only what must be: a
      // warm build keeps ~4,600 pages, and a trip through an async generator for each
      // cost more than everything else done with them (~15 ms).
      const loopStart = performance.now();
      for (const page of sitePages(site, assets, releaseBody, keep)) await madePage(page);
      for await (const page of syndicationPages(site, keepArranged)) await madePage(page);
      timings.push({ stage: 'render', ms: performance.now() - loopStart - writingMs });
      // The search index is built in the staging folder before the swap; its time is
      // its own stage ('search') and also counts inside render+write.
      // Pagefind reads only the HTML pages: when the cache took every one of them from
      // the previous site, that site's index is still exact and is carried over.
      const indexStillValid = trusted && !htmlRendered && existsSync(path.join(path.resolve(options.outDir), SEARCH_BUNDLE));
      await writer.commit(
        !config.search || indexStillValid
          ? { previousFolder: { path: SEARCH_BUNDLE, keep: config.search } }
          : { previousFolder: { path: SEARCH_BUNDLE, keep: false }, beforeSwap: (dir) => timed('search', async () => void (await indexSite(dir))) },
      );
    } catch (error) {
      await writer.abort();
      if (error instanceof DuplicatePage) throw new ContentErrors([duplicatePageDiagnostic(error.pagePath, published, shown, outputPathFor)]);
      // A file where the site needs a folder, or the other way round: two claims on one path.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw new ContentErrors([{ severity: 'error', file: '(site)', line: undefined, code: 'site/path-collision', message: `a page and a folder of pages claim the same path (${(error as Error).message})`, hint: 'look for an alias or permalink that names a file the site generates, such as a feed or sitemap' }]);
      }
      throw error;
    }
    if (cache && inputs) {
      const report = { articleCount: result.articleCount, diagnostics: result.diagnostics, notes };
      const dependencies = planning?.recorder.finish();
      // One dependency record per page record, in the same order, or none kept.
      const plan = planned && dependencies && dependencies.depStart.length === records.size + 1 ? { ...planned.plan, ...dependencies } : undefined;
      const nextCheck = sourcesCheck();
      await cache.store.savePages(records, inputs, options.outDir, writer.marker, report, sourcesRecord(nextCheck), nextCheck, plan);
      if (planning) result.pageKeys = { made: planning.made, kept: planning.kept };
      if (zoneKey !== undefined && zoneOffsetsAsked() > zoneHoursAsked) await cache.store.saveZoneOffsets(zoneKey, knownZoneOffsets(config.timezone));
    }
    result.pageCount = writer.pagesWritten;
  });
  return result;
}

/**
 * A digest of everything a site is made from: the same digest, the same site. Free of
 * where the build runs (folders, working directory), as the site is: it goes into the
 * site marker. `settings` is siteSettings', the rest are the files'.
 */
function siteInputs(settings: string, dataDigests: readonly string[], sourcesDigest: string): string {
  return digest(settings, ...dataDigests, sourcesDigest);
}

/** What a site is made from besides the content folder's articles and data files: the tool, templates, settings, build time and static files. */
function siteSettings(templatesFingerprint: string, config: Config, options: BuildOptions, contentDir: string): string {
  return digest(toolVersion(), templatesFingerprint, JSON.stringify(config), String(options.now), String(options.drafts ?? false), folderFingerprint(path.join(contentDir, 'static')));
}

/** A build's use of the page plan (render/page-plan.ts). */
interface Planning {
  recorder: InstanceType<typeof import('./render/page-plan.ts').DependencyRecorder>;
  reuse: import('./render/page-plan.ts').PlanReuse | undefined;
  made: number;
  kept: number;
}

/** The data files a site is made from besides the articles, in siteInputs' order. */
const DATA_FILES = [PAGEVIEWS_CSV, PAGEVIEWS_JSON];

/** Everything a parsed article depends on besides its bytes: the tool's code and the settings parsing reads. */
function parseKeyFor(config: Config, contentDir: string): string {
  return digest(toolVersion(), JSON.stringify({ timezone: config.timezone, permalink: config.permalink, language: config.language, maxFileBytes: config.maxFileBytes, summaryWidth: config.summaryWidth, basePath: config.basePath, contentDir }));
}

/**
 * Article URLs and aliases were checked against each other before rendering; what
 * is left is one of them shadowing a page the site itself generates (a listing,
 * feed or archive page). Name the article that claims it.
 */
function duplicatePageDiagnostic(pagePath: string, articles: readonly Article[], shown: (file: string) => string, outputPathFor: (sitePath: string) => string): Diagnostic {
  for (const article of articles) {
    for (const claimed of [article.url, ...article.aliases]) {
      if (outputPathFor(claimed) === pagePath) {
        return { severity: 'error', file: shown(article.sourcePath), line: undefined, code: 'site/path-collision', message: `${claimed} is also a page the site generates (${pagePath})`, hint: 'choose another slug or alias; /categories/, /tags/, /authors/, /sources/, /page/ and /YYYY/ are taken' };
      }
    }
  }
  return { severity: 'error', file: '(site)', line: undefined, code: 'site/path-collision', message: `two pages were built for ${pagePath}`, hint: 'check permalink and aliases for paths that overlap generated pages' };
}

/**
 * Theme files under templates/assets/ (served at /assets/), and the site's own files
 * under content/static/ (images, PDFs: served at the root, /static/images/x.jpg at
 * /images/x.jpg), copied as they are, subfolders included.
 */
function loadAssets(templatesDir: string, config: Config, contentDir: string): Assets {
  const files = new Map<string, Buffer>();
  // Synchronous reads: the build waits for them anyway, and each awaited call waited
  // for a round trip through libuv's threads.
  const copy = (dir: string, prefix: string) => {
    if (!existsSync(dir)) return;
    const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
    const names = entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    for (const name of names.sort()) files.set(`${prefix}${name}`, readFileSync(path.join(dir, name)));
  };
  copy(path.join(templatesDir, 'assets'), '/assets/');
  copy(path.join(contentDir, 'static'), '/');
  const css = files.get('/assets/style.css');
  const version = css ? createHash('sha256').update(css).digest('hex').slice(0, 10) : '0';
  return { files, cssHref: `${config.basePath}assets/style.css?v=${version}` };
}

// The persistent build cache under .cache/broadsheet/ (git-ignored; CI may restore
// it between runs). It remembers six things, meant to change only how much work a
// build does, never what it writes:
//
// 1. Parsed articles by source path and content hash (with their related-link
//    tokens), so an unchanged file skips frontmatter and Markdown. The entries are
//    keyed by everything parsing reads (the tool's own code, the parse settings):
//    change either and they are dropped.
// 2. For the output folder, each page's fingerprint: a hash of the template name and
//    the exact data it was rendered from (or, for feeds and assets, of its bytes),
//    the digest of every input of the build, and what it reported. A page whose
//    fingerprint is unchanged is not rendered again and its file is left as it is
//    (write.ts updates the site in place). Whatever another article contributes to a
//    page (a related link, a ranking, previous/next, a listing) is part of that page's
//    data, so editing one article re-renders exactly the pages whose data shows it.
//    Article and listing pages also record a dependency key (PageSpec.dependencyKey):
//    a digest of the digests of the articles they show and of the rest of their
//    inputs, made without their data. Where it matches, the page is taken as it is
//    without making its data or fingerprint (4,000 articles: ~0.1 s of a warm build).
//    With the records goes the page plan (render/page-plan.ts): what the keys were
//    made from, so that a build whose site is arranged as the last one was makes only
//    the keys of pages that show a changed article.
// 3. With the page records, what that build read of each source and page-view file:
//    its size, time stamps and inode with its content hash (load.ts). A file whose stat still
//    matches is not read; the change time and the 2-second rule for freshly changed
//    files are what make a stat trustworthy.
// 4. The last page-view table read (pageviews.v8), under the digest of everything it
//    was read from (pageviews.ts, pageViewsKey) and the tool's version.
// 5. The related-link term counts of each article's token record (terms.v8, a
//    TermMemo of related/counts.ts, as a dev session keeps them in memory): an
//    unchanged article's record is not counted again. The file carries a CRC-32 of
//    its bytes, so a damaged one is refused without walking its arrays.
// 6. The related links of the last build, with the vectors they came from
//    (related.v8, a RelatedState of related/reuse.ts): a warm build computes only the
//    vectors and lists an edit can have changed.
// 7. The slugs made of names (tags, authors, sections: slugs.v8), so that a build
//    whose names are all known needs no pinyin dictionary.
// 8. The ranking lists (rankings.v8), under the digest of what they are computed from:
//    an edit that moves no article (render/page-plan.ts, arrange) ranks the same.
//
// Safety: the cache is read optimistically and validated. A missing, corrupt or
// foreign cache file is ignored (a cold build); page records are trusted only while
// the output folder's marker is the one the recording build wrote.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import zlib from 'node:zlib';
import type { ParseResult } from './parse/article.ts';
import { knownFromCheck, type KnownFile, type SourcesCheck } from './load.ts';
import type { PageViewTable } from './index/pageviews.ts';
import type { TermMemo, TermMemoSnapshot } from './index/related/counts.ts';
import type { RelatedState } from './index/related/reuse.ts';
import type { PagePlan } from './render/page-plan.ts';
import type { Rankings } from './index/rankings.ts';
import type { Article, MadePage, PageSpec } from './types.ts';
import type { Diagnostic } from './errors.ts';
import { SITE_MARKER } from './write.ts';
import { withTokens } from './render/shared-view.ts';

export const DEFAULT_CACHE_DIR = path.join('.cache', 'broadsheet');
/** An article store's name, this layout's or an earlier one's (a folder). */
const STORE_NAME = /^articles-[0-9a-f]{16}(\.v8(\.delta)?)?$/;
/** The cache's one-file stores, keyed inside (readSerialized). */
const PAGE_VIEWS_FILE = 'pageviews.v8';
const TERMS_FILE = 'terms.v8';
const RELATED_FILE = 'related.v8';
const RANKINGS_FILE = 'rankings.v8';
const SLUGS_FILE = 'slugs.v8';
const ZONES_FILE = 'zones.v8';
/** Bump when the cache layout changes. */
const FORMAT = 13;

export interface CachedParse {
  hash: string;
  displayPath: string;
  result: ParseResult;
}

/**
 * A page-view table as read, with its diagnostics (files named relative to the content
 * folder), under the key of everything it was read from (pageviews.ts, pageViewsKey).
 */
export interface KeptPageViews {
  key: string;
  table: PageViewTable | undefined;
  diagnostics: Diagnostic[];
}

export interface PageRecord {
  fingerprint: string;
  size: number;
  /** The page's dependency key (PageSpec.dependencyKey), for the pages that have one. */
  key?: string;
}

/** What a build reported, so that a build finding nothing changed can say it again. */
export interface BuildReport {
  articleCount: number;
  diagnostics: Diagnostic[];
  notes: string[];
}

export interface CacheState {
  readonly articles: Map<string, CachedParse>;
  /** Deserialized when first read: a build that finds nothing changed needs only their count. */
  readonly pages: Map<string, PageRecord>;
  readonly pageCount: number;
  report: BuildReport | undefined;
  /** Fingerprint of every input of the last successful build into this output folder. */
  inputs: string | undefined;
  /** The site marker that build wrote: the records hold only while the folder still carries it. */
  marker: string | undefined;
  /** What that build read of each source file (load.ts), and from which content folder. Unpacked when first read. */
  readonly sources: { contentDir: string; known: Map<string, KnownFile> } | undefined;
  /** The same, as the build that finds nothing changed compares it first (load.ts, sourcesUnchanged). */
  readonly sourcesCheck: SourcesCheck | undefined;
  /** What the last build's page keys were made from (render/page-plan.ts); unpacked when first read. */
  readonly plan: PagePlan | undefined;
}

/**
 * The pages file. The page records are serialized apart, inside it: a build that finds
 * nothing changed reads the rest (the sources' stats above all) and never unpacks the
 * records (~4,600 of them at 4,000 articles: 3 ms, and their garbage).
 */
interface StoredPages {
  pages: Uint8Array;
  pageCount: number;
  inputs: string;
  marker: string;
  report: BuildReport;
  /**
   * CacheState['sources'], serialized apart as the records are (a build whose check
   * passes never unpacks it); undefined when `sourcesCheck` holds it all (knownFromCheck).
   */
  sources: Uint8Array | undefined;
  sourcesCheck: SourcesCheck | undefined;
  /** The site's PagePlan (render/page-plan.ts), serialized apart as the records are. */
  plan: Uint8Array | undefined;
}

export class BuildCache {
  private constructor(
    private readonly dir: string,
    private readonly articlesFile: string,
    private readonly pagesFile: string,
    private readonly parseKey: string,
    readonly previous: CacheState,
    /** How the articles file read by this build is laid out (undefined when it was not read). */
    private readonly articlesLayout: () => ArticlesFileLayout | undefined,
    /** The pages file as read, its page records still packed. */
    private readonly storedPages: StoredPages | undefined,
  ) {}

  /** `parseKey` names everything parsing depends on; `outDir` the site the page records describe. */
  static open(cacheDir: string, parseKey: string, outDir: string): BuildCache {
    const dir = path.resolve(cacheDir);
    const articlesFile = path.join(dir, `articles-${digest(parseKey).slice(0, 16)}.v8`);
    const pagesFile = path.join(dir, `pages-${digest(path.resolve(outDir)).slice(0, 16)}.v8`);
    // Read when first asked for: a build that finds nothing changed never needs them.
    let read: ReturnType<typeof readArticles> | null = null;
    const readOnce = () => (read === null ? (read = readArticles(articlesFile, parseKey)) : read);
    let pageState = readSerialized<StoredPages>(pagesFile, path.resolve(outDir));
    // A build without the cache, with another cache folder, or a hand edit may have
    // replaced the site since: then the records describe files that are gone.
    if (pageState && readText(path.join(outDir, SITE_MARKER)) !== pageState.marker) pageState = undefined;
    let pages: Map<string, PageRecord> | undefined;
    let sources: CacheState['sources'] | null = null;
    let plan: PagePlan | undefined | null = null;
    const state: CacheState = {
      get articles() {
        return readOnce()?.articles ?? new Map();
      },
      get pages() {
        return (pages ??= pageState ? (deserialize(pageState.pages) as Map<string, PageRecord>) : new Map());
      },
      pageCount: pageState?.pageCount ?? 0,
      inputs: pageState?.inputs,
      marker: pageState?.marker,
      report: pageState?.report,
      get sources() {
        if (sources === null) {
          // Kept apart only where there is no check; else made from the check's columns,
          // a fraction of the cost of deserializing a record per file (~5 ms at 4,000).
          const check = pageState?.sourcesCheck;
          const known = !pageState?.sources && check ? knownFromCheck(check) : undefined;
          sources = pageState?.sources ? (deserialize(pageState.sources) as CacheState['sources']) : known && { contentDir: check!.contentDir, known };
        }
        return sources;
      },
      sourcesCheck: pageState?.sourcesCheck,
      get plan() {
        return plan === null ? (plan = pageState?.plan ? readPlan(pageState.plan) : undefined) : plan;
      },
    };
    return new BuildCache(dir, articlesFile, pagesFile, parseKey, state, () => (read === null ? undefined : read?.layout), pageState);
  }

  async saveArticles(articles: Map<string, CachedParse>, parseKey: string): Promise<ArticlesSaved> {
    const saved = writeArticles(this.dir, this.articlesFile, parseKey, articles, this.articlesLayout());
    // Parses under other settings will not be read again: a changed setting or tool
    // version would otherwise leave one stale file per change (or folder, from versions
    // that kept one file per bucket).
    for (const name of readdirSync(this.dir)) {
      // Only names a store takes (not another build's temporary file); a failed cleanup never fails the build.
      if (STORE_NAME.test(name) && path.join(this.dir, name) !== this.articlesFile && path.join(this.dir, name) !== overlayOf(this.articlesFile)) await rm(path.join(this.dir, name), { recursive: true, force: true }).catch(() => {});
    }
    return saved;
  }

  /** The page-view table kept under `key` (pageViewsKey), if that is the one kept. */
  pageViews(key: string): KeptPageViews | undefined {
    return readSerialized<KeptPageViews>(path.join(this.dir, PAGE_VIEWS_FILE), digest(this.parseKey, key));
  }

  async savePageViews(kept: KeptPageViews): Promise<void> {
    // Under the tool's version too (in parseKey): a change to how exports are read makes another table.
    await writeSerialized(this.dir, path.join(this.dir, PAGE_VIEWS_FILE), digest(this.parseKey, kept.key), kept);
  }

  /** Slugs the last build made of names (slug.ts), if made by this version of the tool. */
  slugs(): Map<string, string> {
    return readSerialized<Map<string, string>>(path.join(this.dir, SLUGS_FILE), this.parseKey) ?? new Map();
  }

  async saveSlugs(slugs: Map<string, string>): Promise<void> {
    await writeSerialized(this.dir, path.join(this.dir, SLUGS_FILE), this.parseKey, slugs);
  }

  /** Offsets of the site's time zone by hour (time.ts, knownZoneOffsets), if kept for this zone and zone data. */
  zoneOffsets(key: string): Float64Array | undefined {
    const pairs = readSerialized<unknown>(path.join(this.dir, ZONES_FILE), key);
    return pairs instanceof Float64Array ? pairs : undefined;
  }

  async saveZoneOffsets(key: string, pairs: Float64Array): Promise<void> {
    await writeSerialized(this.dir, path.join(this.dir, ZONES_FILE), key, pairs);
  }

  /**
   * The related-link term counts of the last build (related/counts.ts), if kept under
   * these settings; `versionOf` gives a source file's content hash by its path, which
   * decides whether its article's counts still hold.
   */
  async termMemo(versionOf: (sourcePath: string) => string | undefined): Promise<TermMemo | undefined> {
    const snapshot = readSerialized<TermMemoSnapshot>(path.join(this.dir, TERMS_FILE), this.parseKey, true);
    // Loaded only here: a build that finds nothing changed never needs the related model's code.
    const { TermMemo } = await import('./index/related/counts.ts');
    try {
      return snapshot && TermMemo.restore(snapshot, versionOf, CHECKSUMS);
    } catch {
      return undefined; // damaged: counted anew
    }
  }

  /**
   * Saves `memo` after a build that started from `keptDocs` kept docs (0: none kept),
   * when it holds much that the kept one lacks: after a few edits, counting their records
   * again costs less than writing the memo (12 MB at 4,000 Chinese articles). So: when
   * nothing was kept, more than 1/16 was counted anew, or a tenth of the docs went away.
   */
  async saveTermMemoIfWorthIt(memo: TermMemo, keptDocs: number, versionOf: (sourcePath: string) => string | undefined): Promise<void> {
    if (keptDocs === 0 || memo.recounted * 16 > keptDocs || memo.size < keptDocs * 0.9) {
      const snapshot = memo.snapshot(versionOf);
      await writeSerialized(this.dir, path.join(this.dir, TERMS_FILE), this.parseKey, snapshot, true);
      memo.persisted(snapshot);
    }
  }

  /** The related links and vectors of the last build (related/reuse.ts), if kept under these settings. */
  relatedState(): RelatedState | undefined {
    return readSerialized<RelatedState>(path.join(this.dir, RELATED_FILE), this.parseKey);
  }

  /**
   * The ranking lists kept under `key` (build.ts: everything they are computed from: the
   * page views read, the build time, the settings and the articles' arrangement), if
   * those are the ones kept and well formed.
   */
  rankings(key: string): Rankings | undefined {
    const kept = readSerialized<Rankings>(path.join(this.dir, RANKINGS_FILE), digest(this.parseKey, key));
    const list = (value: unknown) => Array.isArray(value) && value.every((slug) => typeof slug === 'string');
    const lists = (value: unknown) => value instanceof Map && [...value].every(([category, slugs]) => typeof category === 'string' && list(slugs));
    return kept && list(kept.mostRead) && list(kept.trending) && list(kept.headlines) && list(kept.latest) && list(kept.recommended)
      && lists(kept.mostReadByCategory) && lists(kept.recommendedByCategory) && typeof kept.viewsFallback === 'boolean' ? kept : undefined;
  }

  async saveRankings(key: string, rankings: Rankings): Promise<void> {
    await writeSerialized(this.dir, path.join(this.dir, RANKINGS_FILE), digest(this.parseKey, key), rankings);
  }

  /** Keeps `state`, or drops the kept one when there is none to keep: it would describe an older build. */
  async saveRelatedState(state: RelatedState | undefined): Promise<void> {
    const file = path.join(this.dir, RELATED_FILE);
    if (state) await writeSerialized(this.dir, file, this.parseKey, state);
    else await rm(file, { force: true });
  }

  /**
   * The last build's pages file again with only what was read of the sources changed
   * (a build that found nothing changed but read files it could not trust before): the
   * page records are written back as they were read, still packed.
   */
  async saveSources(outDir: string, sources: NonNullable<CacheState['sources']>, sourcesCheck: SourcesCheck | undefined): Promise<void> {
    if (this.storedPages) await writeSerialized(this.dir, this.pagesFile, path.resolve(outDir), { ...this.storedPages, sources: sourcesRecord(sources, sourcesCheck), sourcesCheck } satisfies StoredPages);
  }

  async savePages(pages: Map<string, PageRecord>, inputs: string, outDir: string, marker: string, report: BuildReport, sources: NonNullable<CacheState['sources']>, sourcesCheck: SourcesCheck | undefined, plan: PagePlan | undefined): Promise<void> {
    await writeSerialized(this.dir, this.pagesFile, path.resolve(outDir), { pages: serialize(pages), pageCount: pages.size, inputs, marker, report, sources: sourcesRecord(sources, sourcesCheck), sourcesCheck, plan: plan && serialize(plan) } satisfies StoredPages);
  }
}

/** What the sources' record is stored as: nothing where the check holds it all (same folder), else the Map serialized. */
function sourcesRecord(sources: NonNullable<CacheState['sources']>, check: SourcesCheck | undefined): Uint8Array | undefined {
  return check && check.contentDir === sources.contentDir ? undefined : serialize(sources);
}

/** A stored PagePlan, if whole: a damaged one means every page key is made again. */
function readPlan(bytes: Uint8Array): PagePlan | undefined {
  try {
    const plan = deserialize(bytes) as PagePlan;
    const wellFormed = typeof plan.basis === 'string' && typeof plan.tokens === 'string' && typeof plan.arrangements === 'string' && typeof plan.related === 'string'
      && csrWellFormed(plan.depStart, plan.deps) && csrWellFormed(plan.groupStart, plan.groupDeps);
    return wellFormed ? plan : undefined;
  } catch {
    return undefined;
  }
}

/** Offsets into `values` that start at 0, never go back, and end at its length. */
function csrWellFormed(starts: unknown, values: unknown): boolean {
  if (!(starts instanceof Int32Array) || !(values instanceof Int32Array) || starts.length === 0 || starts[0] !== 0 || starts[starts.length - 1] !== values.length) return false;
  for (let i = 1; i < starts.length; i++) if (starts[i]! < starts[i - 1]!) return false;
  return true;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * zlib's CRC-32 (Node 20.15 and later): ~7 GB/s, where walking a big store's arrays to
 * check them took ~10 ms. Without it, checksummed files are written and read without one,
 * and their readers check the contents.
 */
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
/** True when checksummed files carry a checksum that readSerialized verified. */
export const CHECKSUMS = crc32 !== undefined;

/** `checksummed`: the file is [CRC-32 of the rest, 4 bytes][serialized], as writeSerialized wrote it with `checksummed`. */
function readSerialized<T>(file: string, expectedKey: string, checksummed = false): T | undefined {
  try {
    let bytes = readFileSync(file);
    if (checksummed && crc32) {
      if (bytes.length < 4 || crc32(bytes.subarray(4)) !== bytes.readUInt32LE(0)) return undefined;
      bytes = bytes.subarray(4);
    }
    const stored = deserialize(bytes) as { format: number; key: string; value: T };
    return stored.format === FORMAT && stored.key === expectedKey ? stored.value : undefined;
  } catch {
    return undefined;
  }
}

// Written with synchronous calls: the build waits for each save anyway, and every
// awaited call waited ~0.5-1 ms for a round trip through libuv's threads (three per
// file, several files per build).
async function writeSerialized(dir: string, file: string, key: string, value: unknown, checksummed = false): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const body = serialize({ format: FORMAT, key, value });
    const out = openSync(temporary, 'w');
    try {
      if (checksummed && crc32) {
        const sum = Buffer.alloc(4);
        sum.writeUInt32LE(crc32(body));
        writeAll(out, sum);
      }
      writeAll(out, body);
    } finally {
      closeSync(out);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

// The parsed articles are the biggest thing the cache holds (~430 MB serialized at
// 100,000 articles). Serialized whole, that is one buffer of that size on top of the
// live archive, at the build's peak; so they are written and read as a run of
// length-prefixed frames: [header][bucket]..., each bucket a v8-serialized array of
// the entries whose path hashes to it. After an edit only the buckets holding a
// changed entry are serialized again, into an overlay file beside the store
// (`<store>.delta`, [header][bucket]... of just those buckets), which names the store
// it amends; a reader takes those buckets from it. Once the overlay holds a quarter
// of the buckets, the store is written whole again, unchanged buckets copied as bytes.
// Writing only the overlay spares a warm build copying the other buckets: 16 MB read
// and written again for one edit of 4,000 Chinese articles, ~20 ms.
interface ArticlesHeader {
  format: number;
  key: string;
  count: number;
  buckets: number;
}

interface OverlayHeader {
  format: number;
  key: string;
  /** fileIdentity of the store it amends: an overlay of any other file is ignored. */
  store: string;
  /** Entries in the store with the overlay applied. */
  count: number;
  buckets: number;
  /** The buckets it holds, in the order of its frames. */
  present: number[];
}

/** Where the entries read came from, so that unchanged buckets can be kept or copied. */
interface ArticlesFileLayout {
  buckets: number;
  /** Per bucket: the file its frame is in, its byte offset and length (length prefix included), and its entries. */
  spans: { inOverlay: boolean; offset: number; length: number; entries: number }[];
  /** The store and the overlay as they were read: bytes are copied only while they are still those files. */
  identity: string;
  overlayIdentity: string | undefined;
  entries: Map<string, CachedParse>;
}

// Small buckets: a warm build serializes again the whole bucket of each edited
// article. At 1,000 entries a bucket, one edit of the standard 4,000 wrote 250 entries
// (0.6 MB, ~6 ms); at 64, 63 entries (0.15 MB, ~4 ms), for ~0.02 ms more a bucket read
// (a frame and a deserialize call each: 64 buckets at 4,000 articles, 2,048 at 100,000).
const ENTRIES_PER_BUCKET = 64;
/** The overlay holds at most this share of the buckets; past it, the store is written whole. */
const MAX_OVERLAY_SHARE = 1 / 4;

function bucketCountFor(entries: number): number {
  let buckets = 16;
  while (buckets * ENTRIES_PER_BUCKET < entries) buckets *= 2;
  return buckets;
}

/** FNV-1a of the path's UTF-16 code units: stable across runs and machines. */
function bucketOf(sourcePath: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sourcePath.length; i++) hash = Math.imul(hash ^ sourcePath.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % buckets;
}

function fileIdentity(stat: { ino: number; size: number; mtimeMs: number }): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

const overlayOf = (file: string) => `${file}.delta`;

/** How a save went: buckets in the store, how many were serialized (the rest were kept or copied), and how many the overlay holds (0: the store was written whole). */
export interface ArticlesSaved {
  buckets: number;
  serialized: number;
  inOverlay: number;
}

// Written with synchronous calls: the build waits for the save anyway, and a copy of
// fifteen buckets through the promise API left the main thread idle ~0.1 s between
// its round trips (4,000 Chinese articles, tmpfs).
function writeArticles(dir: string, file: string, key: string, articles: Map<string, CachedParse>, layout: ArticlesFileLayout | undefined): ArticlesSaved {
  mkdirSync(dir, { recursive: true });
  const buckets = bucketCountFor(articles.size);
  const grouped: [string, CachedParse][][] = Array.from({ length: buckets }, () => []);
  for (const entry of articles) grouped[bucketOf(entry[0], buckets)]!.push(entry);
  // A bucket is kept when it holds exactly the entries that were read into it.
  const reusable = new Set<number>();
  if (layout && layout.buckets === buckets) {
    for (let bucket = 0; bucket < buckets; bucket++) reusable.add(bucket);
    for (const [sourcePath, entry] of articles) {
      const before = layout.entries.get(sourcePath);
      if (before === undefined || before.result !== entry.result || before.hash !== entry.hash || before.displayPath !== entry.displayPath) reusable.delete(bucketOf(sourcePath, buckets));
    }
    for (let bucket = 0; bucket < buckets; bucket++) if (layout.spans[bucket]!.entries !== grouped[bucket]!.length) reusable.delete(bucket);
  }
  const opened: number[] = [];
  /** `path` opened for reading, if it is still the file `identity` names. */
  const openIfSame = (path: string, identity: string | undefined): number | undefined => {
    if (identity === undefined) return undefined;
    try {
      const fd = openSync(path, 'r');
      opened.push(fd);
      return fileIdentity(fstatSync(fd)) === identity ? fd : undefined;
    } catch {
      return undefined;
    }
  };
  const temporaries: string[] = [];
  try {
    const store = reusable.size > 0 ? openIfSame(file, layout!.identity) : undefined;
    const overlay = reusable.size > 0 ? openIfSame(overlayOf(file), layout!.overlayIdentity) : undefined;
    /** The bytes of a bucket as read, or undefined when its file is no longer the one read. */
    const bytesOf = (bucket: number): Buffer | undefined => {
      const span = layout!.spans[bucket]!;
      const fd = span.inOverlay ? overlay : store;
      if (fd === undefined) return undefined;
      const bytes = Buffer.allocUnsafe(span.length);
      return readSync(fd, bytes, 0, span.length, span.offset) === span.length ? bytes : undefined;
    };
    let serialized = 0;
    const writeFrames = (target: string, header: unknown, present: number[]) => {
      const temporary = `${target}.${process.pid}.tmp`;
      temporaries.push(temporary);
      const out = openSync(temporary, 'w');
      try {
        const frame = (value: unknown) => {
          const body = serialize(value);
          const length = Buffer.alloc(4);
          length.writeUInt32LE(body.length);
          writeAll(out, length);
          writeAll(out, body);
        };
        frame(header);
        for (const bucket of present) {
          const kept = reusable.has(bucket) ? bytesOf(bucket) : undefined;
          if (kept) {
            writeAll(out, kept);
          } else {
            frame(packBucket(grouped[bucket]!));
            serialized++;
          }
        }
      } finally {
        closeSync(out);
      }
      renameSync(temporary, target);
    };
    // Only the changed buckets, and those already in the overlay, go to the overlay,
    // while the store it amends is the one read and the overlay stays small.
    if (store !== undefined && (layout!.overlayIdentity === undefined || overlay !== undefined)) {
      const present: number[] = [];
      for (let bucket = 0; bucket < buckets; bucket++) if (!reusable.has(bucket) || layout!.spans[bucket]!.inOverlay) present.push(bucket);
      if (present.length <= buckets * MAX_OVERLAY_SHARE) {
        const changed = present.some((bucket) => !reusable.has(bucket));
        if (changed) writeFrames(overlayOf(file), { format: FORMAT, key, store: layout!.identity, count: articles.size, buckets, present } satisfies OverlayHeader, present);
        return { buckets, serialized, inOverlay: present.length };
      }
    }
    writeFrames(file, { format: FORMAT, key, count: articles.size, buckets } satisfies ArticlesHeader, Array.from({ length: buckets }, (_, bucket) => bucket));
    // The new store has another identity: an overlay left now would be ignored, but it is litter.
    rmSync(overlayOf(file), { force: true });
    return { buckets, serialized, inOverlay: 0 };
  } catch (error) {
    for (const temporary of temporaries) rmSync(temporary, { force: true });
    throw error;
  } finally {
    for (const fd of opened) {
      try {
        closeSync(fd);
      } catch {
        // the original error, if any, is the one to report
      }
    }
  }
}

// A bucket as it is serialized: its entries' fields in columns (each entry and parse
// result is made again as it is read: a literal of known shape costs less than a
// deserialized object), with one empty array for all the empty lists of its articles
// (no tags, no aliases, no diagnostics...) and one related-link setting for all the
// articles that leave it as it is: V8's serializer writes a repeated object once and
// the reader gets back one object. Reading the standard 4,000 back made ~48,000
// objects, 28,000 of them empty arrays; now ~8,000.
interface PackedBucket {
  paths: string[];
  hashes: string[];
  displayPaths: string[];
  articles: (Article | undefined)[];
  diagnostics: Diagnostic[][];
}

/** An article's related-link setting when its frontmatter says nothing of them, as parsing makes it. */
const isDefaultRelated = (related: Article['related']) => {
  const keys = Object.keys(related);
  return keys.length === 3 && keys[0] === 'pinned' && keys[1] === 'hidden' && keys[2] === 'line' && related.pinned.length === 0 && related.hidden === false && related.line === undefined;
};

function packBucket(entries: [string, CachedParse][]): PackedBucket {
  const empty: never[] = [];
  const share = <T>(list: T[]): T[] => (list.length === 0 ? empty : list);
  const defaultRelated: Article['related'] = { pinned: empty, hidden: false, line: undefined };
  return {
    paths: entries.map(([sourcePath]) => sourcePath),
    hashes: entries.map(([, entry]) => entry.hash),
    displayPaths: entries.map(([, entry]) => entry.displayPath),
    // Copies: the parsed articles themselves are left as they are.
    articles: entries.map(([, { result: { article } }]) => article && {
      ...article,
      tags: share(article.tags), authors: share(article.authors), tickers: share(article.tickers), aliases: share(article.aliases), headings: share(article.headings),
      related: isDefaultRelated(article.related) ? defaultRelated : { ...article.related, pinned: share(article.related.pinned) },
    }),
    diagnostics: entries.map(([, { result }]) => share(result.diagnostics)),
  };
}

/** Adds a bucket's entries to `into`; returns how many it holds. */
function unpackBucket(frame: unknown, into: Map<string, CachedParse>): number {
  const { paths, hashes, displayPaths, articles, diagnostics } = frame as PackedBucket;
  if (!Array.isArray(paths) || !Array.isArray(hashes) || !Array.isArray(displayPaths) || !Array.isArray(articles) || !Array.isArray(diagnostics)
    || hashes.length !== paths.length || displayPaths.length !== paths.length || articles.length !== paths.length || diagnostics.length !== paths.length) throw new Error('damaged bucket');
  for (let i = 0; i < paths.length; i++) into.set(paths[i]!, { hash: hashes[i]!, displayPath: displayPaths[i]!, result: { article: articles[i], diagnostics: diagnostics[i]! } });
  return paths.length;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Reads length-prefixed frames from an open file. */
class FrameReader {
  position = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  /** The next frame's length prefix and body length, checked against the file's size. */
  private nextLength(): number {
    const length = Buffer.alloc(4);
    if (readSync(this.fd, length, 0, 4, this.position) !== 4) throw new Error('truncated');
    // A damaged length must not make us allocate gigabytes.
    if (length.readUInt32LE() > this.size - this.position - 4) throw new Error('truncated');
    return length.readUInt32LE();
  }

  next(): unknown {
    const body = Buffer.allocUnsafe(this.nextLength());
    if (readSync(this.fd, body, 0, body.length, this.position + 4) !== body.length) throw new Error('truncated');
    this.position += 4 + body.length;
    return deserialize(body);
  }

  skip(): void {
    this.position += 4 + this.nextLength();
  }
}

/**
 * The store's entries with its overlay applied (when the overlay names this store); the
 * store alone when the overlay cannot be read whole (its entries are older, and their
 * hashes send the files that changed since to be parsed again).
 */
function readArticles(file: string, expectedKey: string): { articles: Map<string, CachedParse>; layout: ArticlesFileLayout } | undefined {
  return readStore(file, expectedKey, true) ?? (existsSync(overlayOf(file)) ? readStore(file, expectedKey, false) : undefined);
}

function readStore(file: string, expectedKey: string, withOverlay: boolean): { articles: Map<string, CachedParse>; layout: ArticlesFileLayout } | undefined {
  const opened: number[] = [];
  const open = (path: string) => {
    const fd = openSync(path, 'r');
    opened.push(fd);
    return { fd, stat: fstatSync(fd) };
  };
  try {
    const store = open(file);
    const identity = fileIdentity(store.stat);
    const frames = new FrameReader(store.fd, store.stat.size);
    const header = frames.next() as ArticlesHeader;
    if (header.format !== FORMAT || header.key !== expectedKey) return undefined;
    let overlay: { frames: FrameReader; header: OverlayHeader; identity: string } | undefined;
    try {
      if (!withOverlay) throw new Error('the store alone');
      const { fd, stat } = open(overlayOf(file));
      const overlayFrames = new FrameReader(fd, stat.size);
      const overlayHeader = overlayFrames.next() as OverlayHeader;
      const { present } = overlayHeader;
      const valid = overlayHeader.format === FORMAT && overlayHeader.key === expectedKey && overlayHeader.store === identity && overlayHeader.buckets === header.buckets
        && Array.isArray(present) && present.every((bucket, i) => Number.isInteger(bucket) && bucket >= 0 && bucket < header.buckets && (i === 0 || bucket > present[i - 1]!));
      if (valid) overlay = { frames: overlayFrames, header: overlayHeader, identity: fileIdentity(stat) };
    } catch {
      overlay = undefined; // none, or unreadable: the store alone
    }
    const inOverlay = new Set(overlay?.header.present);
    const articles = new Map<string, CachedParse>();
    const spans: ArticlesFileLayout['spans'] = [];
    for (let bucket = 0; bucket < header.buckets; bucket++) {
      const offset = frames.position;
      if (inOverlay.has(bucket)) {
        frames.skip();
        continue;
      }
      const entries = unpackBucket(frames.next(), articles);
      spans[bucket] = { inOverlay: false, offset, length: frames.position - offset, entries };
    }
    if (frames.position !== frames.size) return undefined;
    if (overlay) {
      for (const bucket of overlay.header.present) {
        const offset = overlay.frames.position;
        const entries = unpackBucket(overlay.frames.next(), articles);
        spans[bucket] = { inOverlay: true, offset, length: overlay.frames.position - offset, entries };
      }
      if (overlay.frames.position !== overlay.frames.size) return undefined;
    }
    if (articles.size !== (overlay ? overlay.header.count : header.count)) return undefined;
    return { articles, layout: { buckets: header.buckets, spans, identity, overlayIdentity: overlay?.identity, entries: articles } };
  } catch {
    return undefined;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

export function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  // Strings are joined first, the same bytes in one update: the sources' digest has a
  // part per file (8,000 updates at 4,000 files, ~3 ms).
  if (parts.length > 0 && parts.every((part) => typeof part === 'string')) hash.update(`${parts.join('\0')}\0`);
  else for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

const SOURCE_ROOT = fileURLToPath(new URL('./', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
const PACKAGE_LOCK = fileURLToPath(new URL('../package-lock.json', import.meta.url));
let toolFingerprint: string | undefined;

/**
 * The tool's own version: package.json (dependencies included) and every source file.
 * Any change to Broadsheet itself drops every cached result.
 */
export function toolVersion(): string {
  if (toolFingerprint) return toolFingerprint;
  const hash = createHash('sha256').update(String(FORMAT)).update(readFileSync(PACKAGE_JSON));
  // The lock file pins every dependency: a new sanitizer or Markdown parser must
  // re-parse every article even when package.json's ranges did not change.
  if (existsSync(PACKAGE_LOCK)) hash.update(readFileSync(PACKAGE_LOCK));
  for (const file of listFiles(SOURCE_ROOT)) hash.update(file).update(readFileSync(path.join(SOURCE_ROOT, file)));
  toolFingerprint = hash.digest('hex');
  return toolFingerprint;
}

/**
 * What every rendered page depends on besides its own data: the templates and the
 * tool's code (escaping, helpers), which `parseKey` already names.
 */
export function renderKey(parseKey: string, templatesFingerprint: string): string {
  return digest(parseKey, templatesFingerprint);
}

/** A page's fingerprint: its template and the exact data it shows. */
export function pageFingerprint(renderKeyValue: string, page: PageSpec): string {
  // Hashed as UTF-16, the way the string is held: for Chinese pages, encoding ~10 KB
  // of JSON to UTF-8 first cost more than the hash itself.
  const hashed = page.fingerprintInputs === undefined ? page.data : page.fingerprintInputs;
  return createHash('sha256').update(renderKeyValue).update('\0').update(page.template).update('\0').update(JSON.stringify(withTokens(hashed)), 'utf16le').digest('hex');
}

/** A made page's fingerprint (a feed, a child sitemap): what it is made from, and the tool that makes it. */
export function madeFingerprint(renderKeyValue: string, page: MadePage): string {
  return digest(renderKeyValue, 'made', page.inputsDigest);
}

/** Fingerprint of a folder's files (names and bytes), e.g. the templates. */
export function folderFingerprint(dir: string): string {
  const hash = createHash('sha256');
  if (existsSync(dir)) for (const file of listFiles(dir)) hash.update(file).update('\0').update(readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}


/**
 * Every file under `root`, links followed as Eta and the asset copy follow them (a
 * template that is a link to a file elsewhere is still a template), each folder once.
 */
function listFiles(root: string, relative = '', visited = new Set([realpathSync(root)])): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    let kind: { isDirectory(): boolean; isFile(): boolean } | undefined = entry;
    if (entry.isSymbolicLink()) {
      try {
        kind = statSync(path.join(root, child));
      } catch {
        kind = undefined; // a dangling link: nothing to read
      }
    }
    if (kind?.isDirectory()) {
      const real = realpathSync(path.join(root, child));
      if (!visited.has(real)) found.push(...listFiles(root, child, new Set([...visited, real])));
    } else if (kind?.isFile()) {
      found.push(child);
    }
  }
  return found;
}

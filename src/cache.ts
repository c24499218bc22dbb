// The persistent build cache under .cache/broadsheet/ (git-ignored; CI may restore
// it between runs). It remembers three things, meant to change only how much work a
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
//    (write.ts updates the site in place). Dependencies need no separate
//    bookkeeping: whatever another article contributes to a page (a related link, a
//    ranking, previous/next, a listing) is part of that page's data, so editing one
//    article re-renders exactly the pages whose data shows it.
// 3. With the page records, what that build read of each source and page-view file:
//    its size, time stamps and inode with its content hash (load.ts). A file whose stat still
//    matches is not read; the change time and the 2-second rule for freshly changed
//    files are what make a stat trustworthy.
//
// Safety: the cache is read optimistically and validated. A missing, corrupt or
// foreign cache file is ignored (a cold build); page records are trusted only while
// the output folder's marker is the one the recording build wrote.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ParseResult } from './parse/article.ts';
import type { KnownFile } from './load.ts';
import type { MadePage, PageSpec } from './types.ts';
import type { Diagnostic } from './errors.ts';
import { SITE_MARKER } from './write.ts';

export const DEFAULT_CACHE_DIR = path.join('.cache', 'broadsheet');
/** Bump when the cache layout changes. */
const FORMAT = 7;

export interface CachedParse {
  hash: string;
  displayPath: string;
  result: ParseResult;
}

export interface PageRecord {
  fingerprint: string;
  size: number;
}

/** What a build reported, so that a build finding nothing changed can say it again. */
export interface BuildReport {
  articleCount: number;
  diagnostics: Diagnostic[];
  notes: string[];
}

export interface CacheState {
  readonly articles: Map<string, CachedParse>;
  pages: Map<string, PageRecord>;
  report: BuildReport | undefined;
  /** Fingerprint of every input of the last successful build into this output folder. */
  inputs: string | undefined;
  /** The site marker that build wrote: the records hold only while the folder still carries it. */
  marker: string | undefined;
  /** What that build read of each source file (load.ts), and from which content folder. */
  sources: { contentDir: string; known: Map<string, KnownFile> } | undefined;
}

export class BuildCache {
  private constructor(
    private readonly dir: string,
    private readonly articlesDir: string,
    private readonly pagesFile: string,
    readonly previous: CacheState,
    /** How the article store read by this build was laid out (undefined when it was not read). */
    private readonly articlesLayout: () => ArticlesLayout | undefined,
  ) {}

  /** `parseKey` names everything parsing depends on; `outDir` the site the page records describe. */
  static open(cacheDir: string, parseKey: string, outDir: string): BuildCache {
    const dir = path.resolve(cacheDir);
    const articlesDir = path.join(dir, `articles-${digest(parseKey).slice(0, 16)}`);
    const pagesFile = path.join(dir, `pages-${digest(path.resolve(outDir)).slice(0, 16)}.v8`);
    // Read when first asked for: a build that finds nothing changed never needs them.
    let read: ReturnType<typeof readArticles> | null = null;
    const readOnce = () => (read === null ? (read = readArticles(articlesDir, parseKey)) : read);
    let pageState = readSerialized<{ pages: Map<string, PageRecord>; inputs: string; marker: string; report: BuildReport; sources: CacheState['sources'] }>(pagesFile, path.resolve(outDir));
    // A build without the cache, with another cache folder, or a hand edit may have
    // replaced the site since: then the records describe files that are gone.
    if (pageState && readText(path.join(outDir, SITE_MARKER)) !== pageState.marker) pageState = undefined;
    const state: CacheState = {
      get articles() {
        return readOnce()?.articles ?? new Map();
      },
      pages: pageState?.pages ?? new Map(),
      inputs: pageState?.inputs,
      marker: pageState?.marker,
      report: pageState?.report,
      sources: pageState?.sources,
    };
    return new BuildCache(dir, articlesDir, pagesFile, state, () => (read === null ? undefined : read?.layout));
  }

  async saveArticles(articles: Map<string, CachedParse>, parseKey: string): Promise<ArticlesSaved> {
    const saved = writeArticles(this.articlesDir, parseKey, articles, this.articlesLayout());
    // Parses under other settings will not be read again: a changed setting or tool
    // version would otherwise leave one stale store per change.
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('articles-') && path.join(this.dir, name) !== this.articlesDir) await rm(path.join(this.dir, name), { recursive: true, force: true });
    }
    return saved;
  }

  async savePages(pages: Map<string, PageRecord>, inputs: string, outDir: string, marker: string, report: BuildReport, sources: NonNullable<CacheState['sources']>): Promise<void> {
    await writeSerialized(this.dir, this.pagesFile, path.resolve(outDir), { pages, inputs, marker, report, sources });
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readSerialized<T>(file: string, expectedKey: string): T | undefined {
  try {
    const stored = deserialize(readFileSync(file)) as { format: number; key: string; value: T };
    return stored.format === FORMAT && stored.key === expectedKey ? stored.value : undefined;
  } catch {
    return undefined;
  }
}

async function writeSerialized(dir: string, file: string, key: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, serialize({ format: FORMAT, key, value }));
  await rename(temporary, file);
}

// The parsed articles are the biggest thing the cache holds (~430 MB serialized at
// 100,000 articles). They are kept in a folder of bucket files, each entry in the
// bucket its path hashes to (16 buckets or more, ~1,000 entries at most each): a
// build serializes and writes only the buckets holding an entry that changed (one
// file of ~250 entries after an edit, where one store file meant rewriting all of
// it), and no buffer ever holds more than one bucket. A file named `buckets` says
// how many there are; it is written last when their number changes.
//
// Each bucket file is replaced by a rename, so a reader sees a whole file or none;
// two builds may leave buckets of each other's, which is harmless: an entry is used
// only for a source whose path and content hash match it.
const ENTRIES_PER_BUCKET = 1000;
const BUCKET_COUNT_FILE = 'buckets';

interface BucketFile {
  format: number;
  key: string;
  buckets: number;
  bucket: number;
  entries: [string, CachedParse][];
}

/** What a build read of the store, so that it writes back only the buckets that changed. */
interface ArticlesLayout {
  buckets: number;
  /** Buckets read whole and valid; the others are written at the next save. */
  read: boolean[];
  entries: Map<string, CachedParse>;
}

/** How a save went: buckets in the store, and how many of them were written (the rest were left as they were). */
export interface ArticlesSaved {
  buckets: number;
  serialized: number;
}

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

const bucketFileName = (buckets: number, bucket: number) => `bucket-${buckets}-${bucket}.v8`;

// Written with synchronous calls: the build waits for the save anyway, and through
// the promise API each file costs round trips through the thread pool.
function writeArticles(dir: string, key: string, articles: Map<string, CachedParse>, layout: ArticlesLayout | undefined): ArticlesSaved {
  mkdirSync(dir, { recursive: true });
  const buckets = bucketCountFor(articles.size);
  const grouped: [string, CachedParse][][] = Array.from({ length: buckets }, () => []);
  for (const entry of articles) grouped[bucketOf(entry[0], buckets)]!.push(entry);
  // A bucket is left alone when it holds exactly the entries that were read from it.
  const unchanged = new Set<number>();
  if (layout && layout.buckets === buckets) {
    for (let bucket = 0; bucket < buckets; bucket++) if (layout.read[bucket]) unchanged.add(bucket);
    for (const [sourcePath, entry] of articles) {
      const before = layout.entries.get(sourcePath);
      if (before === undefined || before.result !== entry.result || before.hash !== entry.hash || before.displayPath !== entry.displayPath) unchanged.delete(bucketOf(sourcePath, buckets));
    }
    const counts = new Array<number>(buckets).fill(0);
    for (const sourcePath of layout.entries.keys()) counts[bucketOf(sourcePath, buckets)]!++;
    for (let bucket = 0; bucket < buckets; bucket++) if (counts[bucket] !== grouped[bucket]!.length) unchanged.delete(bucket);
  }
  let serialized = 0;
  for (let bucket = 0; bucket < buckets; bucket++) {
    if (unchanged.has(bucket)) continue;
    writeFileAtomically(path.join(dir, bucketFileName(buckets, bucket)), serialize({ format: FORMAT, key, buckets, bucket, entries: grouped[bucket]! } satisfies BucketFile));
    serialized++;
  }
  if (layout?.buckets !== buckets) {
    writeFileAtomically(path.join(dir, BUCKET_COUNT_FILE), Buffer.from(String(buckets)));
    // Buckets of another count are not read again.
    for (const name of readdirSync(dir)) if (name.startsWith('bucket-') && !name.startsWith(`bucket-${buckets}-`)) rmSync(path.join(dir, name), { force: true });
  }
  return { buckets, serialized };
}

function writeFileAtomically(file: string, bytes: Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The store's entries; a missing, damaged or foreign bucket file just leaves its entries out. */
function readArticles(dir: string, expectedKey: string): { articles: Map<string, CachedParse>; layout: ArticlesLayout } | undefined {
  let buckets: number;
  try {
    buckets = Number(readFileSync(path.join(dir, BUCKET_COUNT_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1 << 20) return undefined;
  const articles = new Map<string, CachedParse>();
  const read: boolean[] = [];
  for (let bucket = 0; bucket < buckets; bucket++) {
    read.push(false);
    try {
      const stored = deserialize(readFileSync(path.join(dir, bucketFileName(buckets, bucket)))) as BucketFile;
      if (stored.format !== FORMAT || stored.key !== expectedKey || stored.buckets !== buckets || stored.bucket !== bucket || !Array.isArray(stored.entries)) continue;
      for (const [sourcePath, entry] of stored.entries) if (bucketOf(sourcePath, buckets) === bucket) articles.set(sourcePath, entry);
      read[bucket] = true;
    } catch {
      // missing or damaged: its entries are parsed again, and the bucket written anew
    }
  }
  return { articles, layout: { buckets, read, entries: articles } };
}

export function digest(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
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
export function renderKey(parseKey: string, templatesDir: string): string {
  return digest(parseKey, folderFingerprint(templatesDir));
}

/** A page's fingerprint: its template and the exact data it shows. */
export function pageFingerprint(renderKeyValue: string, page: PageSpec): string {
  // Hashed as UTF-16, the way the string is held: for Chinese pages, encoding ~10 KB
  // of JSON to UTF-8 first cost more than the hash itself.
  const hashed = page.fingerprintInputs === undefined ? page.data : page.fingerprintInputs;
  return createHash('sha256').update(renderKeyValue).update('\0').update(page.template).update('\0').update(JSON.stringify(hashed), 'utf16le').digest('hex');
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


function listFiles(root: string, relative = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listFiles(root, child));
    else if (entry.isFile()) found.push(child);
  }
  return found;
}

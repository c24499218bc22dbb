// Walks the content folder and reads every article file. Reads, nothing more:
// decoding and validation belong to parse/.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFile as readFileCallback, readFileSync, realpathSync, stat as statCallback, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { compareText } from './errors.ts';
import type { SourceFile } from './types.ts';

/** Folders under content/ that hold data, not articles. */
const NON_ARTICLE_DIRS = new Set(['data', 'static']);
const READ_CONCURRENCY = 64;
// fs/promises' readFile reads in several round trips and costs 3-4x the time of the
// callback one for small files (20,000 articles: 1.6-2.0 s against 0.5 s).
const readFile = promisify(readFileCallback);
const statFile = promisify(statCallback);

/**
 * What a build remembers of a file it has read: enough to tell it is unchanged without
 * reading it. The change time cannot be set from user space: a copy that keeps the
 * modification time (cp -p, rsync -t, tar, a restored CI checkout) still gets a new one.
 */
export interface KnownFile {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  hash: string;
}

/**
 * A file whose time stamps are no older than this at the start of a walk is not
 * remembered: on a file system with coarse time stamps, a second edit in the same
 * tick would keep them. (Git treats such "racily clean" index entries the same way.)
 */
const RACY_MS = 2000;

/** What a build compares of a file's stat. */
type FileStat = Pick<Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino'>;

/** True when `stats` still describe the file `before` recorded. */
function stillKnown(before: KnownFile | undefined, stats: FileStat): before is KnownFile {
  return before !== undefined && before.size === stats.size && before.mtimeMs === stats.mtimeMs && before.ctimeMs === stats.ctimeMs && before.ino === stats.ino;
}

/** Records (or forgets) what was just read of `relative`, by the rule of RACY_MS before `startedAt`. */
function remember(known: Map<string, KnownFile>, relative: string, stats: FileStat, hash: string, startedAt: number): void {
  const trustedBefore = startedAt - RACY_MS;
  if (stats.mtimeMs < trustedBefore && stats.ctimeMs < trustedBefore) known.set(relative, { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, hash });
  // A file still too new to trust, and not known before, leaves nothing new to save:
  // the build right after an edit reads it again, and rewriting the cache's record of
  // every file's stat for it cost that build ~5 ms (4,000 files).
  else if (!known.delete(relative)) return;
  readsRecorded.set(known, readsSince(known) + 1);
}

const readsRecorded = new WeakMap<Map<string, KnownFile>, number>();

/**
 * How many times what `known` holds was changed by a read (a file remembered, or
 * forgotten after being known) so far: a build that saw this grow has something new
 * to save, even when it writes nothing else.
 */
export function readsSince(known: Map<string, KnownFile>): number {
  return readsRecorded.get(known) ?? 0;
}

/**
 * A stat or a read that takes longer than these on average over the first SYNC_SAMPLE
 * files means a slow file system (a network mount, a cold disk), where they are better
 * made concurrently. On a local disk or tmpfs a synchronous stat costs ~3 µs of the main
 * thread and an asynchronous one ~25 µs (a promise and a thread-pool round trip): 4,000
 * files took ~110 ms of a warm build that way. Reading and hashing 100,000 articles of
 * 1-3 KB took 1.2 s synchronously against 2.0 s concurrently.
 */
const SYNC_STAT_MAX_MS = 0.1;
const SYNC_READ_MAX_MS = 0.2;
const SYNC_SAMPLE = 64;

/**
 * The stats of `files`, in order, as columns: per file its size, mtimeMs, ctimeMs and
 * ino (StatColumns); synchronously while they come fast, else concurrently. Node 20
 * makes a Stats object and four Dates per file (~5 MB at 4,000 files): kept until the
 * load, they were copied twice by the young generation's collector; now each dies
 * young.
 */
export async function statAll(files: readonly string[], maxSyncMs = SYNC_STAT_MAX_MS): Promise<StatColumns> {
  const columns = new Float64Array(4 * files.length);
  const put = (index: number, stat: Stats) => {
    const at = 4 * index;
    columns[at] = stat.size;
    columns[at + 1] = stat.mtimeMs;
    columns[at + 2] = stat.ctimeMs;
    columns[at + 3] = stat.ino;
  };
  await eachAdaptively(files.length, maxSyncMs, (index) => put(index, statSync(files[index]!)), async (index) => put(index, await statFile(files[index]!)));
  return columns;
}

/** Per file: size, mtimeMs, ctimeMs, ino (as SourcesCheck.stats lays them out). */
export type StatColumns = Float64Array;

/** File `index`'s stat of `columns`. */
function statAt(columns: StatColumns, index: number): FileStat {
  const at = 4 * index;
  return { size: columns[at]!, mtimeMs: columns[at + 1]!, ctimeMs: columns[at + 2]!, ino: columns[at + 3]! };
}

/** What `columns` record of file `index`, with its content hash. */
function knownAt(columns: StatColumns, index: number, hash: string): KnownFile {
  return { ...statAt(columns, index), hash };
}

/** True when file `index` of `columns` has the stat `recorded` holds for it (NaN, a stat not recorded, equals nothing). */
function sameStatAt(columns: StatColumns, recorded: Float64Array, index: number): boolean {
  const at = 4 * index;
  return columns[at] === recorded[at] && columns[at + 1] === recorded[at + 1] && columns[at + 2] === recorded[at + 2] && columns[at + 3] === recorded[at + 3];
}

/**
 * Calls `now(i)` for every i below `count`, in order, while the first SYNC_SAMPLE calls
 * average at most `maxSyncMs`; past a slower sample, `later(i)` for the rest, concurrently.
 */
async function eachAdaptively(count: number, maxSyncMs: number, now: (index: number) => void, later: (index: number) => Promise<void>): Promise<void> {
  const sampleEnd = Math.min(count, SYNC_SAMPLE);
  const start = performance.now();
  let next = 0;
  for (; next < sampleEnd; next++) now(next);
  if ((performance.now() - start) / Math.max(1, sampleEnd) <= maxSyncMs) {
    for (; next < count; next++) now(next);
    return;
  }
  const rest = Array.from({ length: count - next }, (_, k) => next + k);
  await eachConcurrently(rest, later);
}

/** Runs `run` on every item, READ_CONCURRENCY at a time. */
async function eachConcurrently<T>(items: readonly T[], run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
}

/** The bytes of a source that was not read, or whose bytes were let go after parsing. */
export const NO_BYTES = Buffer.alloc(0);

/**
 * Every `*.md` file under `contentDir`, in path order (so every later stage sees one
 * fixed order). With `known` (what the last build read: the dev server's memory, or
 * the build cache's), a file whose size, time stamps and inode are unchanged is not
 * read again: it comes back with its known hash and no bytes, and the caller must
 * already hold what it parsed to (else read it with readUnread). `known` is updated
 * to what this walk found. `readMaxSyncMs`: see SYNC_READ_MAX_MS (tests force either way).
 */
export async function loadSources(contentDir: string, known?: Map<string, KnownFile>, readMaxSyncMs = SYNC_READ_MAX_MS, walked?: SourcesWalk, patch?: SourcesPatch): Promise<SourceFile[]> {
  const usable = walked?.contentDir === contentDir ? walked : undefined;
  const relativePaths = usable?.relativePaths ?? sourcePaths(contentDir);

  const files: SourceFile[] = new Array(relativePaths.length);
  const startedAt = usable?.stats ? usable.startedAt : Date.now();
  const absolutePaths = usable?.absolutePaths ?? relativePaths.map(joinerUnder(contentDir));
  const stats = known ? (usable?.stats ?? (await statAll(absolutePaths))) : undefined;
  const toRead: number[] = [];
  if (patch && known && stats && stats.length === 4 * patch.hashes.length) {
    // By index, from the check's columns: the walk found the files it lists, in order.
    patch.applied = true;
    const recorded = patch.check.stats;
    for (let index = 0; index < patch.hashes.length; index++) {
      // NaN (a file the check was unsure of) equals nothing: such a file is read.
      if (sameStatAt(stats, recorded, index)) {
        files[index] = { path: relativePaths[index]!, absolutePath: absolutePaths[index]!, bytes: NO_BYTES, hash: patch.hashes[index]! };
        continue;
      }
      toRead.push(index);
      patch.read.push(index);
      // Known as the check recorded it, for remember() below to replace or forget.
      if (!Number.isNaN(recorded[4 * index])) known.set(relativePaths[index]!, knownAt(recorded, index, patch.hashes[index]!));
    }
  } else {
    relativePaths.forEach((relative, index) => {
      const before = known?.get(relative);
      if (stats && stillKnown(before, statAt(stats, index))) files[index] = { path: relative, absolutePath: absolutePaths[index]!, bytes: NO_BYTES, hash: before.hash };
      else toRead.push(index);
    });
  }
  await readAll(toRead.map((index) => absolutePaths[index]!), readMaxSyncMs, (k, bytes, hash) => {
    const index = toRead[k]!;
    const relative = relativePaths[index]!;
    if (stats) remember(known!, relative, statAt(stats, index), hash, startedAt);
    files[index] = { path: relative, absolutePath: absolutePaths[index]!, bytes, hash };
  });
  if (known) {
    // Data files (dataFileDigest) are remembered by their own reader.
    const present = new Set(relativePaths);
    for (const file of known.keys()) if (!present.has(file) && !NON_ARTICLE_DIRS.has(file.split('/')[0]!)) known.delete(file);
  }
  return files;
}

/**
 * path.join(dir, relative) for the paths the walk gives (segments joined by '/', none
 * of them '.' or '..': it skips dotfiles), as one string concatenation: path.join
 * normalized each of 4,000 paths anew, ~4 ms of every warm build.
 */
function joinerUnder(dir: string): (relative: string) => string {
  if (path.sep !== '/') return (relative) => path.join(dir, relative);
  const prefix = path.join(dir, '_').slice(0, -1);
  return (relative) => prefix + relative;
}

/** Every `*.md` file under `contentDir`, relative to it, in path order: what loadSources reads. */
export function sourcePaths(contentDir: string): string[] {
  const relativePaths: string[] = [];
  walk(contentDir, '', relativePaths, new Set([realpathSync(contentDir)]));
  return relativePaths.sort(compareText);
}

/**
 * What a build needs to tell, with no object made per file, that the content folder
 * holds the very files the last build read: their paths and the stats it trusted.
 * A no-change build of 4,000 files spent ~10 ms making and collecting a record, a
 * source and a few strings for each (the cache's record of each file's stat, read
 * back as a Map of objects, included).
 */
export interface SourcesCheck {
  contentDir: string;
  /** sourcePaths(contentDir), joined by newlines (no file name holds one that the walk keeps). */
  paths: string;
  /** Per file: size, mtimeMs, ctimeMs, ino, as recorded (KnownFile); NaN for a file in `unsure`. */
  stats: Float64Array;
  /** Per file: its content hash as recorded (KnownFile), '' for a file in `unsure`; joined by newlines. */
  hashes: string;
  /**
   * Content hashes of the few files whose stat was too new to trust (just edited: the
   * build right after an edit finds it so): read and hashed again by each check.
   */
  unsure: Map<string, string>;
  /** The caller's digest of the files' paths and content hashes. */
  digest: string;
  /** The caller's digest of every input but the content folder's files: the check is made only when it still matches. */
  otherInputs: string;
  /** What was known of the other files the build read (data files: page-view exports). */
  others: Map<string, KnownFile>;
}

/**
 * The last build's check, for a load whose walk found the very files it lists (a quick
 * check that failed on a stat): the load takes each unchanged file's hash from it by
 * index, and the next check is this one with the files read again put right. Every
 * warm build made a Map of a record per file from the columns (~2-6 ms at 4,000
 * files), looked each file up in it, and made the columns again from it (~2 ms); now
 * the Map holds the data files and the files read. Undefined when the columns do not
 * line up with `files` files.
 */
export interface SourcesPatch {
  check: SourcesCheck;
  /** The check's hashes, split. */
  hashes: string[];
  /** Indices of the files the load read (their stat not the one recorded), in order. */
  read: number[];
  /** Set by the load that took it: until then `read` says nothing. */
  applied: boolean;
}

export function sourcesPatch(check: SourcesCheck, files: number): SourcesPatch | undefined {
  const hashes = files === 0 ? [] : String(check.hashes).split('\n');
  const whole = check.stats instanceof Float64Array && check.stats.length === 4 * files && hashes.length === files && check.others instanceof Map;
  return whole ? { check, hashes, read: [], applied: false } : undefined;
}

/** What a patched load knew of every file, as loadSources keeps it without a patch (for a cache that keeps no check). */
export function knownAfterPatch(patch: SourcesPatch, sources: readonly SourceFile[], known: Map<string, KnownFile>): Map<string, KnownFile> {
  const all = knownFromCheck(patch.check) ?? new Map<string, KnownFile>();
  for (const index of patch.read) all.delete(sources[index]!.path);
  // The data files are all in `known` as this build left them (one gone is not).
  for (const file of patch.check.others.keys()) if (!known.has(file)) all.delete(file);
  for (const [file, entry] of known) all.set(file, entry);
  return all;
}

/** The check for `sources` as just loaded, when every one of them is known by a trusted stat; else undefined. */
export function sourcesCheckFor(contentDir: string, sources: readonly SourceFile[], known: Map<string, KnownFile>, digest: string, otherInputs: string, patch?: SourcesPatch): SourcesCheck | undefined {
  if (patch?.applied) return patchedCheck(contentDir, sources, known, digest, otherInputs, patch);
  const stats = new Float64Array(4 * sources.length);
  const hashes: string[] = new Array(sources.length);
  const unsure = new Map<string, string>();
  for (let i = 0; i < sources.length; i++) if (!recordInCheck(stats, hashes, unsure, i, sources[i]!, known)) return undefined;
  const paths = sources.map((source) => source.path);
  if (paths.some((file) => file.includes('\n'))) return undefined;
  const listed = new Set(paths);
  const others = new Map<string, KnownFile>();
  for (const [file, entry] of known) if (!listed.has(file)) others.set(file, entry);
  return { contentDir, paths: paths.join('\n'), stats, hashes: hashes.join('\n'), unsure, digest, otherInputs, others };
}

/**
 * Puts source `index` into a check's columns: its stat and hash as `known` holds them,
 * or, not known (a stat too new to trust), its hash among the unsure files. False when
 * the check cannot be made: too many unsure files, or a record not of this content.
 */
function recordInCheck(stats: Float64Array, hashes: string[], unsure: Map<string, string>, index: number, source: SourceFile, known: Map<string, KnownFile>): boolean {
  const entry = known.get(source.path);
  if (entry === undefined) {
    // Many such files (a fresh checkout): the slow way reads them once and remembers them.
    if (unsure.size >= MAX_UNSURE_FILES) return false;
    unsure.set(source.path, source.hash);
    stats.fill(NaN, 4 * index, 4 * index + 4);
    hashes[index] = '';
    return true;
  }
  if (entry.hash !== source.hash || entry.hash.includes('\n')) return false;
  hashes[index] = entry.hash;
  stats[4 * index] = entry.size;
  stats[4 * index + 1] = entry.mtimeMs;
  stats[4 * index + 2] = entry.ctimeMs;
  stats[4 * index + 3] = entry.ino;
  return true;
}

/** sourcesCheckFor for a patched load: the last check with the files read again put right. */
function patchedCheck(contentDir: string, sources: readonly SourceFile[], known: Map<string, KnownFile>, digest: string, otherInputs: string, patch: SourcesPatch): SourcesCheck | undefined {
  const stats = patch.check.stats.slice();
  const hashes = patch.hashes.slice();
  const unsure = new Map<string, string>();
  const read = new Set<string>();
  // The files not read still have the stat the check recorded, so the hash too (a file
  // it was unsure of has none, and is always read).
  for (const index of patch.read) {
    read.add(sources[index]!.path);
    if (!recordInCheck(stats, hashes, unsure, index, sources[index]!, known)) return undefined;
  }
  const others = new Map<string, KnownFile>();
  for (const [file, entry] of known) if (!read.has(file)) others.set(file, entry);
  return { contentDir, paths: patch.check.paths, stats, hashes: hashes.join('\n'), unsure, digest, otherInputs, others };
}

/**
 * What `check` says the build that made it knew of each file (the Map sourcesCheckFor was
 * made from, less the files it was unsure of): the cache keeps the check alone, and a
 * Map of a record per file is made from its columns only when a build needs it.
 * Undefined when the check is not whole.
 */
export function knownFromCheck(check: SourcesCheck): Map<string, KnownFile> | undefined {
  const paths = check.paths === '' ? [] : check.paths.split('\n');
  const hashes = paths.length === 0 ? [] : String(check.hashes).split('\n');
  if (!(check.stats instanceof Float64Array) || check.stats.length !== 4 * paths.length || hashes.length !== paths.length || !(check.others instanceof Map)) return undefined;
  const known = new Map<string, KnownFile>();
  for (let i = 0; i < paths.length; i++) if (!Number.isNaN(check.stats[4 * i])) known.set(paths[i]!, knownAt(check.stats, i, hashes[i]!));
  for (const [file, entry] of check.others) known.set(file, entry);
  return known;
}

/** Files a check may have to read and hash each time; more, and no check is kept. */
const MAX_UNSURE_FILES = 64;

/**
 * What a walk of the content folder found: handed from a quick check that failed to
 * loadSources, which would walk and stat the same files again (~20 ms at 4,000 files).
 * The stats are as of `startedAt` or later, which is what loadSources's rule for
 * freshly changed files needs.
 */
export interface SourcesWalk {
  contentDir: string;
  relativePaths: string[];
  absolutePaths: string[];
  stats?: StatColumns | undefined;
  startedAt: number;
}

/**
 * When the article files under `contentDir` are exactly those `check` lists, each with
 * the stat recorded (or the content, for an unsure one): how many files were read to
 * tell. Otherwise undefined, and what the walk found goes to `walked`, for loadSources.
 * (Handed over, not returned: a caller's async frame keeps what it awaited alive until
 * it returns, and at 100,000 articles the walk's paths are ~15 MB through the build.)
 */
export async function sourcesUnchanged(contentDir: string, check: SourcesCheck, walked: (walk: SourcesWalk) => void = () => {}): Promise<number | undefined> {
  if (check.contentDir !== contentDir) return undefined;
  const relativePaths = sourcePaths(contentDir);
  const absolutePaths = relativePaths.map(joinerUnder(contentDir));
  const startedAt = Date.now();
  if (relativePaths.join('\n') !== check.paths) {
    walked({ contentDir, relativePaths, absolutePaths, startedAt });
    return undefined;
  }
  const stats = await statAll(absolutePaths);
  const recorded = check.stats;
  for (let i = 0; i < relativePaths.length; i++) {
    const same = Number.isNaN(recorded[4 * i])
      ? contentHash(readFileSync(absolutePaths[i]!)) === check.unsure.get(relativePaths[i]!)
      : sameStatAt(stats, recorded, i);
    if (!same) {
      walked({ contentDir, relativePaths, absolutePaths, stats, startedAt });
      return undefined;
    }
  }
  // An unsure file stays unsure here, read again by every such check: learning that it
  // can be trusted would mean writing the whole record again; the next build that
  // reads the slow way (any change) remembers it.
  return check.unsure.size;
}

/**
 * sha256 of a data file under `contentDir` (a page-view export), or 'none' when there
 * is none. With `known`, a file whose stat still matches is not read: exports run to
 * hundreds of MB, and a build asks for this digest every time.
 */
export async function dataFileDigest(contentDir: string, relative: string, known?: Map<string, KnownFile>): Promise<string> {
  const startedAt = Date.now();
  // Synchronous: a stat through a promise waited ~1 ms for libuv's threads (twice a build).
  const stats = statOrNothing(path.join(contentDir, relative));
  if (!stats) {
    known?.delete(relative);
    return 'none';
  }
  const before = known?.get(relative);
  if (stillKnown(before, stats)) return before.hash;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path.join(contentDir, relative))) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (known) remember(known, relative, stats, digest, startedAt);
  return digest;
}

/** The file's stat, or undefined when it cannot be had (absent, unreadable). */
function statOrNothing(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** dataFileDigest where it can be told without reading: the file is absent, or its stat matches `known`'s; else undefined. */
export async function knownDataFileDigest(contentDir: string, relative: string, known: ReadonlyMap<string, KnownFile>): Promise<string | undefined> {
  const stats = statOrNothing(path.join(contentDir, relative));
  if (!stats) return 'none';
  const before = known.get(relative);
  return stillKnown(before, stats) ? before.hash : undefined;
}

/**
 * Reads the sources among `sources` that came back unread (known unchanged, but the
 * caller holds no parse for them: after a change of settings, say). Returns how many,
 * and how many of them no longer had the content their stat stood for (written to
 * since the walk: the caller's digests of the sources are stale).
 */
export async function readUnread(sources: readonly SourceFile[]): Promise<{ read: number; moved: number }> {
  const unread = sources.filter((source) => source.bytes === NO_BYTES);
  let moved = 0;
  await readAll(unread.map((source) => source.absolutePath), SYNC_READ_MAX_MS, (k, bytes, hash) => {
    const source = unread[k]!;
    if (source.hash !== hash) moved++;
    Object.assign(source, { bytes, hash });
  });
  return { read: unread.length, moved };
}

/** Reads and hashes each of `files`, handing each to `keep` with its index: synchronously while reads come fast, else concurrently. */
async function readAll(files: readonly string[], maxSyncMs: number, keep: (index: number, bytes: Buffer, hash: string) => void): Promise<void> {
  const hashed = (index: number, bytes: Buffer) => keep(index, bytes, contentHash(bytes));
  await eachAdaptively(files.length, maxSyncMs, (index) => hashed(index, readFileSync(files[index]!)), async (index) => hashed(index, await readFile(files[index]!)));
}

/** A source's content hash, as SourceFile.hash and KnownFile.hash hold it. */
function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a link points at; undefined for a dangling link or a loop of links. */
function linkTarget(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Names a file of the content folder (`a/b.md`) the way messages and the cache show it:
 * relative to `cwd`. A warm build of 4,000 articles named each source twice, and
 * path.relative took ~35 ms of it; a plain prefix gives the same string where it plainly
 * is the same: POSIX separators, a clean relative file name, and `cwd` not inside the
 * content folder (where path.relative would climb out and back in).
 */
export function displayPathFrom(cwd: string, contentDir: string): (file: string) => string {
  const slow = (file: string) => path.relative(cwd, path.join(contentDir, file)) || file;
  const base = path.relative(cwd, contentDir);
  if (path.sep !== '/' || path.isAbsolute(base) || /^\.\.(\/\.\.)*$/.test(base)) return slow;
  return (file) => (CLEAN_RELATIVE.test(file) ? (base === '' ? file : `${base}/${file}`) : slow(file));
}

/** Segments of one or more characters, none of them `.` or `..`, no leading or trailing slash. */
const CLEAN_RELATIVE = /^(?!\.\.?(?:\/|$))[^/]+(?:\/(?!\.\.?(?:\/|$))[^/]+)*$/;

/**
 * `visited` holds the real paths of folders on the way down: a link back up is not followed twice.
 * Synchronous: the build waits for the list anyway, and through the promise API each
 * folder cost two round trips to libuv's threads (134 folders of a 4,000-article
 * archive: ~35 ms of the main thread idle, a tenth of a warm build's reading).
 */
function walk(root: string, relativeDir: string, found: string[], visited: Set<string>): void {
  const entries = readdirSync(path.join(root, relativeDir), { withFileTypes: true });
  for (const entry of entries) {
    // Editors and OSes leave dotfiles and lock files (.#x.md, .DS_Store) next to articles.
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    // Newsrooms link shared folders into content/: a link counts as what it points at.
    const kind = entry.isSymbolicLink() ? linkTarget(path.join(root, relative)) : entry;
    if (kind?.isDirectory()) {
      if (relativeDir === '' && NON_ARTICLE_DIRS.has(entry.name)) continue;
      const real = realpathSync(path.join(root, relative));
      if (visited.has(real)) continue;
      walk(root, relative, found, new Set([...visited, real]));
    } else if (kind?.isFile() && entry.name.toLowerCase().endsWith('.md')) {
      found.push(relative);
    }
  }
}

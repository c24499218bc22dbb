// Pages -> a complete site in a temporary folder beside the output folder, then one
// swap. A failed or interrupted build never leaves a half-written site: the previous
// one stays in place until the new one is whole. Nothing is written outside the
// output folder, whatever a page path says.
import { copyFile, cp, link, mkdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Page } from './types.ts';

/** Writes in flight at once: enough to keep the disk busy, few enough to bound memory. */
export const WRITE_CONCURRENCY = 32;

export class UnsafeOutputPath extends Error {
  override readonly name = 'UnsafeOutputPath';
}

/** Resolves a page path inside `root`, or throws: a page may never land outside the site. */
export function resolveInside(root: string, pagePath: string): string {
  if (pagePath === '' || pagePath.includes('\0') || pagePath.includes('\\') || path.isAbsolute(pagePath)) {
    throw new UnsafeOutputPath(`refusing to write "${pagePath}": not a relative path inside the output folder`);
  }
  const target = path.resolve(root, pagePath);
  const relative = path.relative(root, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UnsafeOutputPath(`refusing to write "${pagePath}": it resolves outside the output folder`);
  }
  return target;
}

/**
 * A page path that is its own key: segments that are neither empty nor start with a
 * dot (so no `.` or `..`), with no backslash, colon or NUL. Resolving it inside the
 * output folder and back gives it unchanged, so the common case skips that (~7 µs a page).
 */
const CANONICAL_PAGE_PATH = /^[^/.\\:\0][^/\\:\0]*(?:\/[^/.\\:\0][^/\\:\0]*)*$/;

/** Two pages claimed one file: an alias or slug that shadows a page the site generates. */
export class DuplicatePage extends Error {
  override readonly name = 'DuplicatePage';
  constructor(readonly pagePath: string) {
    super(`two pages were built for ${pagePath}`);
  }
}

export interface SiteWriter {
  /**
   * Adds one page to the new site and resolves to its size (UTF-16 units for a string,
   * bytes for a Buffer: what the marker counts). Rejects a duplicate path: two pages
   * must never race for one file.
   */
  write(page: Page): Promise<number>;
  /**
   * Puts the new site in place. Nothing the build wrote is visible before this: a
   * failure up to here leaves the previous site as it was.
   */
  commit(options?: CommitOptions): Promise<void>;
  /**
   * Takes `pagePath` unchanged from the current site. Only for a site whose marker
   * matched the cache's records: the file is trusted to be there, of the `size` that
   * write() gave it. Settles at once (undefined) when the site is updated in place,
   * which is when a warm build reuses thousands of pages: no promise for each.
   */
  reuse(pagePath: string, size: number): Promise<void> | undefined;
  /** The text of SITE_MARKER for the pages added so far. */
  readonly marker: string;
  /** Throws the new site away; the old one stays. */
  abort(): Promise<void>;
  readonly pagesWritten: number;
}

export interface CommitOptions {
  /**
   * Runs once every page is on disk, with a folder holding the whole new site, before
   * anyone can see it (the search index reads the finished site and adds to it); if
   * it throws, nothing changes.
   */
  beforeSwap?: (siteDir: string) => Promise<void>;
  /**
   * A folder of the previous site that no page record describes (the search bundle):
   * kept as it is when `keep`, else gone from the new site.
   */
  previousFolder?: { path: string; keep: boolean };
}

export interface SiteWriterOptions {
  /**
   * A digest of everything the site was made from (build.ts): it goes into the marker
   * with each page's path and size, so that a site another build made from other
   * inputs never passes for the one a cache recorded, even when every size matches.
   */
  siteKey?: string;
  /**
   * The page paths of the site now in the output folder, when a cache has
   * checked its marker. The writer may then update that folder in place: only changed
   * pages are written (to staging first) and renamed over their old versions at commit,
   * unchanged ones are not touched, removed ones are deleted. Without it, the whole
   * site is staged and swapped in.
   */
  currentPages?: Iterable<string>;
  /**
   * How the writer thread writes: `adaptive` (the default) writes synchronously while
   * that is fast and turns concurrent when files are slow to create (write-thread.ts);
   * `concurrent` overlaps writes from the first file (what `adaptive` turns to; the
   * tests choose it to cover that path on any disk).
   */
  threadWrites?: 'adaptive' | 'concurrent';
}

/**
 * Every site Broadsheet writes carries this file. Its text is a hash of the site's
 * pages and their sizes, so a cache can tell whether the folder still holds the site it
 * recorded; and its presence tells the next build that the folder is Broadsheet's to replace.
 */
export const SITE_MARKER = '.broadsheet-site';

/**
 * Why `outDir` must not be replaced, or undefined. The build swaps the whole folder
 * out: pointed at the content, the project or a home folder, it would delete them.
 */
export function outputFolderProblem(outDir: string, protectedDirs: readonly string[]): string | undefined {
  const target = realPath(path.resolve(outDir));
  const inside = (child: string, parent: string) => {
    const relative = path.relative(parent, child);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  if (target === path.parse(target).root) return 'is the root of the file system';
  if (target === realPath(homedir())) return 'is your home folder';
  if (target === realPath(process.cwd())) return 'is the working directory (the project itself)';
  for (const dir of protectedDirs) {
    const guarded = realPath(path.resolve(dir));
    if (inside(guarded, target)) return `holds ${dir}, which the build reads`;
    if (inside(target, guarded)) return `is inside ${dir}, which the build reads`;
  }
  if (existsSync(target) && !existsSync(path.join(target, SITE_MARKER)) && readdirSync(target).length > 0) {
    return `exists, is not empty and was not written by Broadsheet (it has no ${SITE_MARKER}); empty or remove it first`;
  }
  return undefined;
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export async function openSiteWriter(outDir: string, options: SiteWriterOptions = {}): Promise<SiteWriter> {
  const finalDir = path.resolve(outDir);
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  // Synchronous calls: awaited one by one, each waited for a round trip through libuv's threads.
  mkdirSync(parent, { recursive: true });
  await removeLeftovers(parent, base);
  const stagingDir = path.join(parent, `.${base}.tmp-${process.pid}`);
  rmSync(stagingDir, { recursive: true, force: true });
  mkdirSync(stagingDir, { recursive: true });

  /** A page path as the writer keys it: relative, normalized, '/'-separated. */
  const keyOf = (pagePath: string) => (CANONICAL_PAGE_PATH.test(pagePath) ? pagePath : path.relative(stagingDir, resolveInside(stagingDir, pagePath)).split(path.sep).join('/'));
  // Keyed like the new pages, so that a page cannot look removed (and be deleted) only
  // because its path was spelled another way.
  const currentPages = options.currentPages && new Set(Array.from(options.currentPages, keyOf));
  /** Page path -> size, for every page of the new site. */
  const sizes = new Map<string, number>();
  /** Pages with new bytes in the staging folder; the others are reused from the current site. */
  const staged: string[] = [];
  const reused: string[] = [];
  // Made once per set of pages: commit writes it and the cache records it. The pages go
  // in in the order they were added, which a build's page order fixes, unsorted
  // (sorting 6,000 paths was ~5 ms of a warm build, 145,000 ~0.2 s).
  let marker: { pages: number; text: string } | undefined;
  const markerText = () => {
    if (marker?.pages === sizes.size) return marker.text;
    // One string, hashed once: a list of four parts per page, joined, was ~2 MB of
    // garbage at 4,600 pages (and forEach makes no [file, size] pair per page).
    let listing = '';
    sizes.forEach((size, file) => {
      listing += `${file}\0${size}\n`;
    });
    marker = { pages: sizes.size, text: `Broadsheet site ${createHash('sha256').update(options.siteKey ?? '').update('\n').update(listing).digest('hex')}\n` };
    return marker.text;
  };
  const jobs = new BoundedJobs(WRITE_CONCURRENCY);
  let thread: PageWriterThread | undefined;
  const finishThread = async () => {
    if (!thread) return;
    try {
      await thread.flush();
    } finally {
      await thread.close();
      thread = undefined;
    }
  };
  const createdDirs = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (createdDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    createdDirs.add(dir);
  };
  const ensureDirSync = (dir: string) => {
    if (createdDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    createdDirs.add(dir);
  };

  /** Claims a page path for the new site: its normalized key. */
  const claim = (pagePath: string, size: number) => {
    const key = keyOf(pagePath);
    if (sizes.has(key)) throw new DuplicatePage(pagePath);
    sizes.set(key, size);
    return key;
  };

  /** A reused page into the staging folder: a hard link, no bytes copied. */
  const linkReused = (key: string) => {
    const target = path.join(stagingDir, key);
    return jobs.add(async () => {
      await ensureDir(path.dirname(target));
      await link(path.join(finalDir, key), target).catch(() => copyFile(path.join(finalDir, key), target));
    }, (error) => new Error(`${key} of the previous site changed since it was built (${error.code ?? error.message}); build again with --no-cache`));
  };

  /** Links every reused page into the staging folder, which then holds the whole site. */
  const materialize = async () => {
    for (const key of reused) await linkReused(key);
    reused.length = 0;
    await jobs.drain();
  };

  const swap = async (previousFolder: CommitOptions['previousFolder'], beforeSwap: CommitOptions['beforeSwap']) => {
    await writeFile(path.join(stagingDir, SITE_MARKER), markerText());
    if (previousFolder?.keep && existsSync(path.join(finalDir, previousFolder.path))) {
      await cp(path.join(finalDir, previousFolder.path), path.join(stagingDir, previousFolder.path), { recursive: true });
    }
    if (beforeSwap) await beforeSwap(stagingDir);
    const previousDir = path.join(parent, `.${base}.old-${process.pid}`);
    let hadPrevious = true;
    try {
      await rename(finalDir, previousDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      hadPrevious = false;
    }
    try {
      await rename(stagingDir, finalDir);
    } catch (error) {
      if (hadPrevious) await rename(previousDir, finalDir);
      throw error;
    }
    if (hadPrevious) await rm(previousDir, { recursive: true, force: true });
  };

  // Every page is rendered and staged before the output folder is touched; then the
  // marker says "update in progress" (a cache never trusts that text, so a build killed
  // in the next few renames is followed by a full one), changed pages are renamed
  // over their old versions, removed ones deleted, and the real marker written last.
  // The marker, the staging folder and a warm build's few changed pages are handled
  // with synchronous calls: each awaited call waited ~0.5-1 ms for a round trip through
  // libuv's threads, where the work itself takes a few microseconds on a local disk.
  const updateInPlace = async (current: ReadonlySet<string>, previousFolder: CommitOptions['previousFolder']) => {
    const markerFile = path.join(finalDir, SITE_MARKER);
    writeFileSync(markerFile, UPDATING_MARKER);
    const emptied = new Set<string>();
    for (const key of current) {
      if (sizes.has(key)) continue;
      emptied.add(path.dirname(key));
      await jobs.add(() => rm(path.join(finalDir, key), { force: true }));
    }
    await jobs.drain();
    const few = staged.length <= PAGES_WRITTEN_IN_PLACE;
    for (const key of staged) {
      const target = path.join(finalDir, key);
      const from = path.join(stagingDir, key);
      if (few) {
        ensureDirSync(path.dirname(target));
        renameSync(from, target);
      } else {
        await jobs.add(async () => {
          await ensureDir(path.dirname(target));
          await rename(from, target);
        });
      }
    }
    await jobs.drain();
    await removeEmptyFolders(finalDir, emptied);
    // Looked for first: a site built without a search index has none, and a first call of
    // the promise API's recursive rm loads Node's rimraf code (~3 ms of a warm build).
    const dropped = previousFolder && !previousFolder.keep ? path.join(finalDir, previousFolder.path) : undefined;
    if (dropped !== undefined && existsSync(dropped)) await rm(dropped, { recursive: true, force: true });
    writeFileSync(`${markerFile}.tmp-${process.pid}`, markerText());
    renameSync(`${markerFile}.tmp-${process.pid}`, markerFile);
    rmSync(stagingDir, { recursive: true, force: true });
  };

  return {
    get pagesWritten() {
      return sizes.size;
    },
    async write(page) {
      jobs.throwIfFailed();
      // In UTF-16 units for strings: counting UTF-8 bytes cost a scan of every page
      // (~3 s of 100,000 Chinese ones). The marker also digests every input of the
      // build (siteKey), so a same-length edit still changes it.
      const size = sizeOf(page.content);
      const key = claim(page.path, size);
      const target = path.join(stagingDir, key);
      staged.push(key);
      if (staged.length > PAGES_BEFORE_THREAD) {
        thread ??= new PageWriterThread(options.threadWrites ?? 'adaptive');
        await thread.write(target, page.content);
      } else if (staged.length <= PAGES_WRITTEN_IN_PLACE) {
        // The first few pages are written here and now: a warm build writes only a
        // handful, and its commit waited for their round trips through libuv's threads
        // (0.5-6 ms for one page) where writing them took ~0.1 ms.
        ensureDirSync(path.dirname(target));
        writeFileSync(target, page.content);
      } else {
        await jobs.add(async () => {
          await ensureDir(path.dirname(target));
          await writeFile(target, page.content);
        });
      }
      return size;
    },
    reuse(pagePath, size) {
      jobs.throwIfFailed();
      // Its place in the staging folder is worked out only if it must be linked there
      // (path.join for each of ~6,000 unchanged pages was ~8 ms of a warm build).
      const key = claim(pagePath, size);
      // Updating in place, an unchanged page is not touched at all (unless commit
      // finds it must stage the whole site after all).
      if (!currentPages) return linkReused(key);
      reused.push(key);
      return undefined;
    },
    get marker() {
      return markerText();
    },
    async commit(commitOptions = {}) {
      await jobs.drain();
      await finishThread();
      const { beforeSwap, previousFolder } = commitOptions;
      // A step that reads the whole site needs it in one folder; an update that turns a
      // page into a folder or back cannot be done by renames; a site with nothing
      // reused gains nothing from updating in place.
      if (!currentPages || beforeSwap || reused.length === 0 || !renamesSuffice(currentPages, staged)) {
        await materialize();
        await swap(previousFolder, beforeSwap);
      } else {
        await updateInPlace(currentPages, previousFolder);
      }
    },
    async abort() {
      await jobs.settle();
      await thread?.close();
      await rm(stagingDir, { recursive: true, force: true });
    },
  };
}

/** What the writer thread (write-thread.ts) starts with. */
export interface WriterThreadData {
  writes: NonNullable<SiteWriterOptions['threadWrites']>;
}
/** Messages to the writer thread: pages encoded into a chunk (transferred, not copied), each as its byte range. */
export type WriterRequest = { kind: 'write'; chunk: ArrayBuffer; items: [file: string, start: number, end: number][] } | { kind: 'flush'; id: number };
/** Its replies: a chunk whose pages are all written, handed back for reuse; the end of a flush with the first error, if any. */
export type WriterReply = { kind: 'written'; chunk: ArrayBuffer } | { kind: 'flushed'; id: number; error: { message: string; code: string | undefined } | undefined };

/** A site this small is written from the main thread: starting a thread would cost more. */
const PAGES_BEFORE_THREAD = 256;
/** Pages written synchronously, before any goes through a promise. */
const PAGES_WRITTEN_IN_PLACE = 16;
/** Pages sent to the writer thread per message at most, so that it starts on them early. */
const THREAD_BATCH = 64;
/** Pages travel to the writer thread as UTF-8 in chunks of this size, which come back to be reused. */
const CHUNK_BYTES = 1 << 20;
/** Bytes of chunks out at the writer thread before `write` waits: bounds memory when the disk is slower than rendering. */
export const MAX_BYTES_OUT = 32 << 20;
const utf8 = new TextEncoder();

/** A page's size as the site marker counts it: UTF-16 units for a string, bytes for a Buffer. */
export function sizeOf(content: string | Uint8Array): number {
  return typeof content === 'string' ? content.length : content.byteLength;
}

/**
 * Writes files on a worker thread (write-thread.ts); `flush` waits for all of them and
 * reports the first failure. A page is encoded once, straight into a chunk that is
 * transferred to the thread and back: posting a rendered Chinese page as a string
 * cost ~50 µs of the main thread (the message's copy of ~40,000 UTF-16 units), and the
 * thread then encoded it to UTF-8 again to write it; encoding into a chunk costs ~25.
 */
export class PageWriterThread {
  private readonly worker: Worker;
  /** Bytes of the chunks made so far: MAX_BYTES_OUT bounds it, pages bigger than a chunk aside (tests check it). */
  chunkBytesMade = 0;
  /** Where the next page goes; undefined between sending a chunk and taking the next. */
  private chunk: Uint8Array | undefined = new Uint8Array(CHUNK_BYTES);
  private used = 0;
  private items: [string, number, number][] = [];
  private readonly spareChunks: Uint8Array[] = [];
  /** Bytes of the chunks at the thread. */
  private bytesOut = 0;
  private readonly roomWaiters: (() => void)[] = [];
  /** Writes run one at a time, in call order: a page is placed in the chunk the previous one left. */
  private tail: Promise<void> = Promise.resolve();
  private readonly flushes = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  private nextFlush = 0;
  private crashed: unknown;

  constructor(writes: NonNullable<SiteWriterOptions['threadWrites']>) {
    this.worker = new Worker(new URL('./write-worker.js', import.meta.url), { workerData: { writes } satisfies WriterThreadData });
    // Not unref'd: while a flush waits for the thread, its port may be the only thing
    // keeping the process alive. commit() and abort() always close it.
    this.worker.on('message', (reply: WriterReply) => {
      if (reply.kind === 'written') {
        this.bytesOut -= reply.chunk.byteLength;
        if (reply.chunk.byteLength === CHUNK_BYTES) this.spareChunks.push(new Uint8Array(reply.chunk));
        for (const wake of this.roomWaiters.splice(0)) wake();
        return;
      }
      const flush = this.flushes.get(reply.id);
      this.flushes.delete(reply.id);
      if (reply.error) flush?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else flush?.resolve();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread stopped (exit code ${code})`)));
  }

  write(file: string, content: string | Uint8Array): Promise<void> {
    const written = this.tail.then(() => this.writeNow(file, content));
    this.tail = written.catch(() => {});
    return written;
  }

  async flush(): Promise<void> {
    await this.tail;
    if (this.crashed) throw this.crashed;
    this.send();
    const id = this.nextFlush++;
    const done = new Promise<void>((resolve, reject) => this.flushes.set(id, { resolve, reject }));
    this.worker.postMessage({ kind: 'flush', id } satisfies WriterRequest);
    await done;
  }

  async close(): Promise<void> {
    this.crashed ??= new Error('the writer thread was closed');
    await this.worker.terminate();
  }

  private async writeNow(file: string, content: string | Uint8Array): Promise<void> {
    if (this.crashed) throw this.crashed;
    let placed = this.place(content);
    if (placed === undefined) {
      this.send();
      await this.takeChunk(bytesNeeded(content));
      if (this.crashed) throw this.crashed;
      placed = this.place(content);
      if (placed === undefined) throw new Error(`a page of ${sizeOf(content)} units did not fit a chunk taken for it (${file})`);
    }
    this.items.push([file, placed, this.used]);
    if (this.items.length >= THREAD_BATCH) this.send();
  }

  /** Copies or encodes `content` into the current chunk; returns where it starts, or undefined when it does not fit. */
  private place(content: string | Uint8Array): number | undefined {
    const chunk = this.chunk;
    const start = this.used;
    // Every UTF-16 unit takes at least a byte: a page longer than the room cannot fit.
    if (chunk === undefined || sizeOf(content) > chunk.length - start) return undefined;
    if (typeof content === 'string') {
      const { read, written } = utf8.encodeInto(content, chunk.subarray(start));
      if (read < content.length) return undefined;
      this.used += written;
    } else {
      chunk.set(content, start);
      this.used += content.byteLength;
    }
    return start;
  }

  /** Hands the current chunk and its pages to the thread (or keeps the chunk, if it holds none). */
  private send(): void {
    const chunk = this.chunk;
    if (chunk === undefined || this.items.length === 0) return;
    // Counted before the transfer, which leaves `chunk` detached (of length 0).
    this.bytesOut += chunk.byteLength;
    this.worker.postMessage({ kind: 'write', chunk: chunk.buffer as ArrayBuffer, items: this.items } satisfies WriterRequest, [chunk.buffer as ArrayBuffer]);
    this.chunk = undefined;
    this.used = 0;
    this.items = [];
  }

  /**
   * An empty chunk of at least `bytes`: a spare one, a new one, or one of its own for a
   * page bigger than a chunk; once the chunks out leave room for it (a page bigger than
   * that bound waits until nothing is out).
   */
  private async takeChunk(bytes: number): Promise<void> {
    if (this.chunk !== undefined && this.items.length === 0 && this.chunk.length === CHUNK_BYTES) this.spareChunks.push(this.chunk);
    this.chunk = undefined;
    this.used = 0;
    const size = Math.max(bytes, CHUNK_BYTES);
    const spareFits = () => size === CHUNK_BYTES && this.spareChunks.length > 0;
    while (!spareFits() && this.bytesOut > 0 && this.bytesOut + size > MAX_BYTES_OUT && !this.crashed) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    this.chunk = size === CHUNK_BYTES ? this.spareChunks.pop() : undefined;
    if (this.chunk === undefined) {
      this.chunk = new Uint8Array(size);
      this.chunkBytesMade += size;
    }
  }

  private fail(error: unknown): void {
    this.crashed ??= error;
    for (const flush of this.flushes.values()) flush.reject(error);
    this.flushes.clear();
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}

/** The chunk a page needs: its exact UTF-8 size when that may exceed a chunk (3 bytes a UTF-16 unit at most). */
function bytesNeeded(content: string | Uint8Array): number {
  if (typeof content !== 'string') return content.byteLength;
  return content.length * 3 <= CHUNK_BYTES ? CHUNK_BYTES : Buffer.byteLength(content);
}

/** What an interrupted in-place update leaves as the marker: no cache record matches it. */
const UPDATING_MARKER = 'Broadsheet site (update in progress)\n';

/**
 * True when renaming the staged pages into the current site cannot meet a file where
 * a folder must be, or the other way round.
 */
export function renamesSuffice(current: ReadonlySet<string>, staged: readonly string[]): boolean {
  for (const key of staged) for (let dir = path.posix.dirname(key); dir !== '.'; dir = path.posix.dirname(dir)) if (current.has(dir)) return false;
  // Is a staged page a folder of the current site? For a few pages (a warm build's),
  // a scan for paths under each; for more, the current site's folders, made once.
  if (staged.length <= 16) {
    for (const key of staged) {
      const prefix = `${key}/`;
      for (const page of current) if (page.startsWith(prefix)) return false;
    }
    return true;
  }
  const currentFolders = new Set<string>();
  for (const key of current) for (let dir = path.posix.dirname(key); dir !== '.'; dir = path.posix.dirname(dir)) currentFolders.add(dir);
  return staged.every((key) => !currentFolders.has(key));
}

/** Removes the folders removed pages left empty, and their parents once empty too. */
async function removeEmptyFolders(root: string, folders: ReadonlySet<string>): Promise<void> {
  const deepestFirst = [...folders].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1));
  for (const folder of deepestFirst) {
    for (let dir = folder; dir !== '.' && dir !== ''; dir = path.posix.dirname(dir)) {
      try {
        await rmdir(path.join(root, dir));
      } catch {
        break; // not empty (or already gone): its parents are not empty either
      }
    }
  }
}

/**
 * File-system jobs with at most `limit` in flight: enough to keep the disk busy, few
 * enough to bound memory. The first failure is kept and rethrown by the next call.
 */
class BoundedJobs {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly limit: number) {}

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  async add(run: () => Promise<unknown>, describe?: (error: NodeJS.ErrnoException) => unknown): Promise<void> {
    this.throwIfFailed();
    const job = run().then(
      () => undefined,
      (error: NodeJS.ErrnoException) => {
        this.failure ??= describe ? describe(error) : error;
      },
    );
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    if (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }
}

/** A build killed mid-way leaves its staging folder behind; the next build clears it. */
async function removeLeftovers(parent: string, base: string): Promise<void> {
  const prefixes = [`.${base}.tmp-`, `.${base}.old-`];
  for (const entry of readdirSync(parent)) {
    if (prefixes.some((prefix) => entry.startsWith(prefix))) {
      const pid = Number(entry.slice(entry.lastIndexOf('-') + 1));
      if (pid !== process.pid && !isRunning(pid)) await rm(path.join(parent, entry), { recursive: true, force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

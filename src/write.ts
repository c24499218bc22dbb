// Pages -> a complete site in a temporary folder beside the output folder, then one
// swap. A failed or interrupted build never leaves a half-written site: the previous
// one stays in place until the new one is whole. Nothing is written outside the
// output folder, whatever a page path says.
import { copyFile, link, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Page } from './types.ts';

/** Writes in flight at once: enough to keep the disk busy, few enough to bound memory. */
const WRITE_CONCURRENCY = 32;

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

/** Two pages claimed one file: an alias or slug that shadows a page the site generates. */
export class DuplicatePage extends Error {
  override readonly name = 'DuplicatePage';
  constructor(readonly pagePath: string) {
    super(`two pages were built for ${pagePath}`);
  }
}

export interface SiteWriter {
  /** Adds one page to the new site. Rejects a duplicate path: two pages must never race for one file. */
  write(page: Page): Promise<void>;
  /**
   * Swaps the new site in. `beforeSwap` runs once every page is on disk, with the
   * staging folder, so a step that reads the finished site (the search index) adds
   * to it before anyone can see it; if that step throws, nothing is swapped.
   */
  commit(beforeSwap?: (stagingDir: string) => Promise<void>): Promise<void>;
  /**
   * Takes `pagePath` unchanged from the current site (a hard link: no bytes copied).
   * Only for a site whose marker matched the cache's records: the file is trusted to be
   * there with `size` bytes, and the build fails if it is not.
   */
  reuse(pagePath: string, size: number): Promise<boolean>;
  /** The text of SITE_MARKER for the pages added so far. */
  readonly marker: string;
  /** Throws the new site away; the old one stays. */
  abort(): Promise<void>;
  readonly pagesWritten: number;
}

/**
 * Every site Broadsheet writes carries this file. Its text names the site's pages and
 * their sizes, so a cache can tell whether the folder still holds the site it
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

export async function openSiteWriter(outDir: string): Promise<SiteWriter> {
  const finalDir = path.resolve(outDir);
  const parent = path.dirname(finalDir);
  const base = path.basename(finalDir);
  await mkdir(parent, { recursive: true });
  await removeLeftovers(parent, base);
  const stagingDir = path.join(parent, `.${base}.tmp-${process.pid}`);
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });

  const written = new Set<string>();
  const sizes = new Map<string, number>();
  const markerText = () => {
    const listing = [...sizes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([file, size]) => `${file}\0${size}\n`);
    return `Broadsheet site ${createHash('sha256').update(listing.join('')).digest('hex')}\n`;
  };
  const createdDirs = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const writeOne = async (target: string, content: string | Buffer) => {
    const dir = path.dirname(target);
    if (!createdDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      createdDirs.add(dir);
    }
    await writeFile(target, content);
  };

  return {
    get pagesWritten() {
      return written.size;
    },
    async write(page) {
      if (failure) throw failure;
      const target = resolveInside(stagingDir, page.path);
      const key = path.relative(stagingDir, target);
      if (written.has(key)) throw new DuplicatePage(page.path);
      written.add(key);
      sizes.set(page.path, Buffer.byteLength(page.content));
      const job = writeOne(target, page.content).catch((error) => {
        failure ??= error;
      });
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
      if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
    },
    async reuse(pagePath, size) {
      if (failure) throw failure;
      const target = resolveInside(stagingDir, pagePath);
      const key = path.relative(stagingDir, target);
      if (written.has(key)) throw new DuplicatePage(pagePath);
      const current = resolveInside(finalDir, pagePath);
      written.add(key);
      sizes.set(pagePath, size);
      // The caller only reuses pages of a site whose marker it checked, so the file is
      // there; links run concurrently like writes (one at a time cost 0.4 ms a page).
      const job = (async () => {
        const dir = path.dirname(target);
        if (!createdDirs.has(dir)) {
          await mkdir(dir, { recursive: true });
          createdDirs.add(dir);
        }
        await link(current, target).catch(() => copyFile(current, target));
      })().catch((error: NodeJS.ErrnoException) => {
        failure ??= new Error(`${pagePath} of the previous site changed since it was built (${error.code ?? error.message}); build again with --no-cache`);
      });
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
      if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
      return true;
    },
    get marker() {
      return markerText();
    },
    async commit(beforeSwap) {
      await Promise.all(inFlight);
      if (failure) throw failure;
      await writeFile(path.join(stagingDir, SITE_MARKER), markerText());
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
    },
    async abort() {
      await Promise.allSettled(inFlight);
      await rm(stagingDir, { recursive: true, force: true });
    },
  };
}

/** A build killed mid-way leaves its staging folder behind; the next build clears it. */
async function removeLeftovers(parent: string, base: string): Promise<void> {
  const prefixes = [`.${base}.tmp-`, `.${base}.old-`];
  for (const entry of await readdir(parent)) {
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

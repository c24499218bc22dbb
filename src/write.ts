// Pages -> a complete site in a temporary folder beside the output folder, then one
// swap. A failed or interrupted build never leaves a half-written site: the previous
// one stays in place until the new one is whole. Nothing is written outside the
// output folder, whatever a page path says.
import { copyFile, link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
   * Takes `pagePath` unchanged from the current site (a hard link: no bytes copied)
   * when it is there with `size` bytes; false when it is not, and the caller renders.
   */
  reuse(pagePath: string, size: number): Promise<boolean>;
  /** Throws the new site away; the old one stays. */
  abort(): Promise<void>;
  readonly pagesWritten: number;
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
      try {
        if ((await stat(current)).size !== size) return false;
        const dir = path.dirname(target);
        if (!createdDirs.has(dir)) {
          await mkdir(dir, { recursive: true });
          createdDirs.add(dir);
        }
        await link(current, target).catch(() => copyFile(current, target));
      } catch {
        return false;
      }
      written.add(key);
      return true;
    },
    async commit(beforeSwap) {
      await Promise.all(inFlight);
      if (failure) throw failure;
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

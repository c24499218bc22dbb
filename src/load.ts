// Walks the content folder and reads every article file. Reads, nothing more:
// decoding and validation belong to parse/.
import { createHash } from 'node:crypto';
import { readFile as readFileCallback, stat as statCallback } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
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
export const RACY_MS = 2000;

/** The bytes of a source that was not read, or whose bytes were let go after parsing. */
export const NO_BYTES = Buffer.alloc(0);

/**
 * Every `*.md` file under `contentDir`, in path order (so every later stage sees one
 * fixed order). With `known` (what the last build read: the dev server's memory, or
 * the build cache's), a file whose size, time stamps and inode are unchanged is not
 * read again: it comes back with its known hash and no bytes, and the caller must
 * already hold what it parsed to (else read it with readSource). `known` is updated
 * to what this walk found.
 */
export async function loadSources(contentDir: string, known?: Map<string, KnownFile>): Promise<SourceFile[]> {
  const relativePaths: string[] = [];
  await walk(contentDir, '', relativePaths, new Set([await realpath(contentDir)]));
  relativePaths.sort(compareText);

  const files: SourceFile[] = new Array(relativePaths.length);
  let next = 0;
  const recordBefore = Date.now() - RACY_MS;
  const worker = async () => {
    while (next < relativePaths.length) {
      const index = next++;
      const relative = relativePaths[index]!;
      const absolutePath = path.join(contentDir, relative);
      const stats = known && (await statFile(absolutePath));
      const before = known?.get(relative);
      if (stats && before && before.size === stats.size && before.mtimeMs === stats.mtimeMs && before.ctimeMs === stats.ctimeMs && before.ino === stats.ino) {
        files[index] = { path: relative, absolutePath, bytes: NO_BYTES, hash: before.hash };
        continue;
      }
      const { bytes, hash } = await readSource(absolutePath);
      if (stats && stats.mtimeMs < recordBefore && stats.ctimeMs < recordBefore) known!.set(relative, { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino, hash });
      else known?.delete(relative);
      files[index] = { path: relative, absolutePath, bytes, hash };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, relativePaths.length) }, worker));
  if (known) {
    const present = new Set(relativePaths);
    for (const file of known.keys()) if (!present.has(file)) known.delete(file);
  }
  return files;
}

/**
 * Reads the sources among `sources` that came back unread (known unchanged, but the
 * caller holds no parse for them: after a change of settings, say). Returns how many.
 */
export async function readUnread(sources: readonly SourceFile[]): Promise<number> {
  const unread = sources.filter((source) => source.bytes.length === 0);
  let next = 0;
  const worker = async () => {
    while (next < unread.length) {
      const source = unread[next++]!;
      Object.assign(source, await readSource(source.absolutePath));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, unread.length) }, worker));
  return unread.length;
}

/** One file's bytes and hash. */
export async function readSource(absolutePath: string): Promise<{ bytes: Buffer; hash: string }> {
  const bytes = await readFile(absolutePath);
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
}

/** `visited` holds the real paths of folders on the way down: a link back up is not followed twice. */
async function walk(root: string, relativeDir: string, found: string[], visited: Set<string>): Promise<void> {
  const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
  for (const entry of entries) {
    // Editors and OSes leave dotfiles and lock files (.#x.md, .DS_Store) next to articles.
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    // Newsrooms link shared folders into content/: a link counts as what it points at.
    const kind = entry.isSymbolicLink() ? await stat(path.join(root, relative)).catch(() => undefined) : entry;
    if (kind?.isDirectory()) {
      if (relativeDir === '' && NON_ARTICLE_DIRS.has(entry.name)) continue;
      const real = await realpath(path.join(root, relative));
      if (visited.has(real)) continue;
      await walk(root, relative, found, new Set([...visited, real]));
    } else if (kind?.isFile() && entry.name.toLowerCase().endsWith('.md')) {
      found.push(relative);
    }
  }
}

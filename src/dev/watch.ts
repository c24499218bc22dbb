// chokidar events -> debounced change sets, each file sorted into a kind (Zola's
// dev server does the same), so the log can say what changed and a later build can
// redo only what that kind needs.
//
// Each watched folder (content/, the templates) gets two chokidar watchers: one on
// the folder's tree, and one on its parent that sees only the folder's own name.
// chokidar drops a root that is moved away or deleted and never picks it up again;
// the parent watcher notices it leave and come back, and the tree watcher is started
// afresh. Editors' atomic saves (write a temp file, rename it over the article) come
// out as one `change`: chokidar's `atomic` option pairs the unlink and add, the
// temp file itself is editor litter and ignored, and the debounce merges the rest.
import { statSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { SITE_CONFIG_FILE } from '../config.ts';

/**
 * Quiet time after the last event before a batch is handed on (ms): part of every
 * edit's way to the browser. Editors' saves (a write, or a temp file and a rename)
 * arrive within a few ms; webpack waits 20 ms by default.
 */
export const DEFAULT_DEBOUNCE_MS = 50;
/** A steady stream of events still yields a batch this often (× the debounce). */
const MAX_WAIT_FACTOR = 10;

/** content: articles; template: templates/ (and its assets); config: site.yaml; data: content/data/. */
export type ChangeKind = 'content' | 'template' | 'config' | 'data';
/** chokidar's event names; `unlinkDir` on a watched root means the whole folder is gone. */
export type ChangeEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface Change {
  /** Absolute path. */
  file: string;
  kind: ChangeKind;
  event: ChangeEvent;
}

export interface ChangeSet {
  /** The latest event per file, in the order files were first seen. */
  changes: Change[];
  kinds: Set<ChangeKind>;
}

export interface WatchRoots {
  contentDir: string;
  templatesDir: string;
}

/** Which kind of change `file` (absolute) is, or undefined when it is outside both roots. */
export function classifyChange(file: string, roots: WatchRoots): ChangeKind | undefined {
  // Templates first: a templates folder kept inside content/ is still templates.
  if (relativeInside(roots.templatesDir, file) !== undefined) return 'template';
  const relative = relativeInside(roots.contentDir, file);
  if (relative === undefined) return undefined;
  const parts = relative.split(path.sep);
  if (parts.length === 1 && parts[0] === SITE_CONFIG_FILE) return 'config';
  if (parts[0] === 'data') return 'data';
  return 'content';
}

/**
 * Files editors and systems leave beside the real ones: dotfiles and dot-folders
 * (.git, .DS_Store, vim's .x.md.swp, atomic-save temp files), backups (x.md~),
 * Emacs autosaves (#x.md#), vim's write probe (4913), *.tmp and *.crswap.
 */
export function isEditorLitter(relative: string): boolean {
  const parts = relative.split(/[\\/]/);
  if (parts.some((part) => part.startsWith('.'))) return true;
  const name = parts[parts.length - 1] ?? '';
  return name.endsWith('~') || name === '4913' || /^#.*#$/.test(name) || /\.(swp|swx|swo|tmp|crswap)$/i.test(name);
}

export function mergeChanges(into: ChangeSet, from: ChangeSet): ChangeSet {
  const byFile = new Map(into.changes.map((change) => [change.file, change]));
  for (const change of from.changes) byFile.set(change.file, change);
  return { changes: [...byFile.values()], kinds: new Set([...into.kinds, ...from.kinds]) };
}

export interface WatchOptions {
  roots: WatchRoots;
  /** Called with each batch, at most once per debounce period. */
  onChanges: (changes: ChangeSet) => void;
  /** A watcher error (such as running out of inotify watches). Default: ignored. */
  onError?: (error: unknown) => void;
  /** Default DEFAULT_DEBOUNCE_MS. */
  debounceMs?: number;
}

export interface SourceWatcher {
  /** Stops watching; no batch is delivered after it resolves. */
  close(): Promise<void>;
}

/** Starts watching both roots; resolves once chokidar has scanned them, so no later change is missed. */
export async function watchSources(options: WatchOptions): Promise<SourceWatcher> {
  const onError = options.onError ?? (() => {});
  const batcher = createBatcher(options.onChanges, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  const record = (event: ChangeEvent, file: string) => {
    const kind = classifyChange(file, options.roots);
    if (kind !== undefined) batcher.add({ file, kind, event });
  };
  const dirs = [...new Set([options.roots.contentDir, options.roots.templatesDir].map((dir) => path.resolve(dir)))];
  const watchers = await Promise.all(dirs.map((dir) => watchRoot(dir, record, onError)));
  return {
    async close() {
      batcher.stop();
      await Promise.all(watchers.map((watcher) => watcher.close()));
    },
  };
}

/** Trailing-edge debounce that also fires after `MAX_WAIT_FACTOR × delay` of constant events. */
function createBatcher(deliver: (changes: ChangeSet) => void, delayMs: number) {
  let pending: Map<string, Change> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let firstAt = 0;
  let stopped = false;
  const flush = () => {
    timer = undefined;
    if (!pending) return;
    const changes = [...pending.values()];
    pending = undefined;
    deliver({ changes, kinds: new Set(changes.map((change) => change.kind)) });
  };
  return {
    add(change: Change) {
      if (stopped) return;
      if (!pending) {
        pending = new Map();
        firstAt = Date.now();
      }
      pending.set(change.file, change);
      if (timer) clearTimeout(timer);
      const waited = Date.now() - firstAt;
      timer = setTimeout(flush, Math.max(0, Math.min(delayMs, delayMs * MAX_WAIT_FACTOR - waited)));
    },
    /** Drops what is pending and ignores everything after. */
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}

/** One root: its tree while it exists, and its parent folder to see it leave and return. */
async function watchRoot(root: string, record: (event: ChangeEvent, file: string) => void, onError: (error: unknown) => void) {
  const parent = path.dirname(root);
  let tree: FSWatcher | undefined;
  let closed = false;
  // Presence events are handled one at a time: a folder moved away and straight back
  // must not start two tree watchers, or none.
  let queue: Promise<void> = Promise.resolve();
  const serially = (step: () => Promise<void>) => {
    queue = queue.then(step).catch(onError);
    return queue;
  };

  const startTree = async () => {
    const watcher = watch(root, {
      ignoreInitial: true,
      ignored: (file: string) => file !== root && isEditorLitter(path.relative(root, file)),
    });
    watcher.on('all', (event, file) => {
      // A new empty folder changes nothing; its files come with their own events.
      if (event !== 'add' && event !== 'change' && event !== 'unlink' && event !== 'unlinkDir') return;
      if (file === root && event === 'unlinkDir') void serially(reconcile);
      else record(event, file);
    });
    watcher.on('error', onError);
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
    tree = watcher;
  };

  /** Brings the tree watcher in line with whether the root exists now; reports a flip. */
  const reconcile = async () => {
    if (closed) return;
    const exists = isDirectory(root);
    if (exists && !tree) {
      await startTree();
      // After `ready`: anything written while the watcher started is read by the build this triggers.
      record('addDir', root);
    } else if (!exists && tree) {
      const gone = tree;
      tree = undefined;
      await gone.close();
      record('unlinkDir', root);
    }
  };

  const presence = watch(parent, {
    ignoreInitial: true,
    depth: 0,
    ignored: (file: string) => file !== parent && file !== root,
  });
  presence.on('all', (_event, file) => {
    if (file === root) void serially(reconcile);
  });
  presence.on('error', onError);
  await new Promise<void>((resolve) => presence.once('ready', resolve));
  if (isDirectory(root)) await serially(startTree);

  return {
    async close() {
      closed = true;
      await queue;
      await Promise.all([presence.close(), tree?.close()]);
      tree = undefined;
    },
  };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function relativeInside(dir: string, file: string): string | undefined {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return relative;
}

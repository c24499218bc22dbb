// `broadsheet dev` as a function: build the site into memory, serve it, watch the
// sources, rebuild on change, tell open pages. One build runs at a time; changes
// that arrive during it are merged into exactly one more build after it. A failed
// build leaves the last good site in place and shows its errors instead.
import { statSync } from 'node:fs';
import path from 'node:path';
import { build, closeSession, createSession, type BuildOptions } from '../build.ts';
import { BUILTIN_TEMPLATES } from '../render/template-files.ts';
import { defaultConfig, type Config } from '../config.ts';
import { formatDiagnostic, UsageError } from '../errors.ts';
import { EventHub } from './events.ts';
import { overlayHtml } from './inject.ts';
import { clockTime, describeChanges, describeFailure } from './report.ts';
import { listen, type ServedState } from './server.ts';
import { pageIdentity, sameIdentity, snapshotOf, type SiteSnapshot } from './site.ts';
import { mergeChanges, watchSources, type ChangeSet, type SourceWatcher } from './watch.ts';

export const DEFAULT_PORT = 4000;
export const DEFAULT_HOST = '127.0.0.1';

export interface DevLog {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface DevServerOptions {
  contentDir: string;
  /** Default: the built-in templates. Watched either way. */
  templatesDir?: string | undefined;
  /** Default DEFAULT_PORT (4000); 0 picks any free port. */
  port?: number;
  /** Default DEFAULT_HOST (127.0.0.1): loopback only. */
  host?: string;
  /** Include drafts and articles dated after `now`. Default false. */
  drafts?: boolean;
  /** Build time: a fixed instant (epoch ms), or a clock read at each build. Default Date.now. */
  now?: number | (() => number);
  /** Quiet time after the last change before rebuilding (ms). Default DEFAULT_DEBOUNCE_MS (watch.ts). */
  debounceMs?: number;
  /** More build() options for every build (say, an article cache). Cannot turn writing on. */
  build?: Partial<BuildOptions>;
  /** Default: stdout and stderr. */
  log?: DevLog;
  /** The build function; default build(). Tests wrap it to hold a build open. */
  builder?: typeof build;
}

export interface BuildOutcome {
  ok: boolean;
  /** The build now served (the previous one when this one failed); '' when none yet. */
  build: string;
  /** Error lines, `path:line: message (hint)`. */
  errors: string[];
}

export interface DevServer {
  /** Where the site is: `http://127.0.0.1:4000/archive/` (with the base path at the time of the first build). */
  url: string;
  /** `http://127.0.0.1:4000` */
  origin: string;
  port: number;
  /** What is being served now. */
  state(): ServedState;
  /** Open pages listening for reloads (event streams connected). */
  connections(): number;
  /**
   * Resolves when the build running now, or else the next one, has finished and open
   * pages were told. A build overtaken by newer changes does not count: the one after it does.
   */
  nextBuild(): Promise<BuildOutcome>;
  /** Stops watching, ends event streams and connections, closes the port, waits for a running build. */
  close(): Promise<void>;
}

/** A change set for the first build: nothing changed, everything is new. */
const START: ChangeSet = { changes: [], kinds: new Set() };

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const contentDir = path.resolve(options.contentDir);
  const templatesDir = path.resolve(options.templatesDir ?? BUILTIN_TEMPLATES);
  const host = options.host ?? DEFAULT_HOST;
  const log = options.log ?? { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };
  const clock = typeof options.now === 'number' ? () => options.now as number : (options.now ?? Date.now);
  const shown = (file: string) => path.relative(process.cwd(), file) || '.';
  const roots = [contentDir, templatesDir];
  if (!isDirectory(contentDir)) throw new UsageError(`the content folder ${options.contentDir} does not exist (pass --content DIR)`);

  const hub = new EventHub();
  let state: ServedState = { site: undefined, errors: [], version: 0 };
  /** What open pages were last told: a build reloads a page when its bytes differ from that site's, or when they show errors. */
  let announced: { site: SiteSnapshot | undefined; failed: boolean } = { site: undefined, failed: false };
  const warned = new Set<string>();
  let waiters: ((outcome: BuildOutcome) => void)[] = [];
  let closed = false;
  const buildIds = idSequence();

  /** One build into memory; never throws. The one place build() is called. */
  const session = createSession();
  // Started now rather than after the first build: a big archive's first build parses on
  // worker threads while this thread waits, so the Markdown stack loads in that idle time
  // instead of in front of an edit made as soon as the site is up. The site's own
  // settings are warmed again after the build.
  void warmUpParser(defaultConfig);
  let parserWarmedUp = false;
  const buildOnce = async (changes: ChangeSet): Promise<Outcome> => {
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1000).toFixed(2);
    if (!isDirectory(contentDir)) {
      return { ok: false, errors: [`${shown(contentDir)}: the content folder is gone (put it back: the dev server rebuilds when it returns)`], warnings: [], seconds: seconds() };
    }
    const buildOptions: BuildOptions = {
      outDir: '', // nothing is written: write is false
      ...options.build,
      contentDir,
      templatesDir,
      drafts: options.drafts ?? false,
      now: clock(),
      write: false,
      // Parsed articles and rendered pages carry over between rebuilds: an edit
      // re-parses one file and re-renders only the pages whose data changed.
      session,
    };
    try {
      const result = await (options.builder ?? build)(buildOptions);
      if (!parserWarmedUp) {
        parserWarmedUp = true;
        void warmUpParser(result.config);
      }
      const site = snapshotOf(result.pages ?? [], result.config.basePath, buildIds(), result.articleCount);
      return { ok: true, site, warnings: [...result.diagnostics.map(formatDiagnostic), ...result.notes.map((note) => `note: ${note}`)], seconds: seconds() };
    } catch (error) {
      return { ok: false, ...describeFailure(error, changes, shown), seconds: seconds() };
    }
  };

  const apply = (changes: ChangeSet, outcome: Outcome, superseded: boolean) => {
    const what = changes === START ? '' : ` ${describeChanges(changes, shown, roots)}:`;
    for (const line of outcome.warnings) {
      if (!warned.has(line)) log.err(line);
      warned.add(line);
    }
    if (outcome.ok) {
      state = { site: outcome.site, errors: [], version: state.version + 1 };
      // More changes came in while building: serve this build, tell pages after the next.
      if (superseded) return;
      const previous = announced.site;
      const reloadAll = announced.failed || previous === undefined || changes.kinds.has('template');
      announced = { site: outcome.site, failed: false };
      const changed = (page: string | undefined) =>
        reloadAll || page === undefined || !sameIdentity(pageIdentity(previous, page), pageIdentity(outcome.site, page));
      const reloaded = hub.broadcast('reload', { build: outcome.site.build }, (client) => changed(client.page));
      const pages = reloaded === 0 ? '' : `, reloading ${reloaded} page${reloaded === 1 ? '' : 's'}`;
      log.out(`${clockTime()}${what} built ${outcome.site.articleCount} articles in ${outcome.seconds} s${pages}`);
    } else {
      // A build that raced with more edits (a file deleted mid-read): the next one decides.
      if (superseded) return;
      state = { site: state.site, errors: outcome.errors, version: state.version + 1 };
      announced = { site: announced.site, failed: true };
      hub.broadcast('error', { build: state.site?.build ?? '', overlay: overlayHtml(outcome.errors), errors: outcome.errors });
      log.err(`${clockTime()}${what} build failed${state.site ? ', still serving the last good build' : ''}:`);
      for (const line of outcome.errors) log.err(line);
    }
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve({ ok: outcome.ok, build: state.site?.build ?? '', errors: [...state.errors] });
  };

  let pending: ChangeSet | undefined;
  let building: Promise<void> | undefined;
  const drain = async () => {
    await Promise.resolve(); // always asynchronous, so `building` is assigned before this can end
    try {
      while (pending && !closed) {
        const changes = pending;
        pending = undefined;
        const outcome = await buildOnce(changes);
        if (closed) return;
        apply(changes, outcome, pending !== undefined);
      }
    } finally {
      building = undefined;
    }
  };
  const request = (changes: ChangeSet) => {
    if (closed) return;
    if (building) log.out(`${clockTime()} ${describeChanges(changes, shown, roots)}: queued, building again after the running build`);
    pending = pending ? mergeChanges(pending, changes) : changes;
    building ??= drain();
  };
  const nextBuild = () => new Promise<BuildOutcome>((resolve) => waiters.push(resolve));

  // Listen first, so a busy port fails before a long build; then watch, then build,
  // so that no change after the build has read its files goes unseen.
  const http = await listen({ host, port: options.port ?? DEFAULT_PORT, state: () => state, hub });
  let watcher: SourceWatcher;
  try {
    watcher = await watchSources({
      roots: { contentDir, templatesDir },
      debounceMs: options.debounceMs,
      onChanges: request,
      onError: (error) => log.err(`watcher: ${(error as Error).message ?? String(error)}`),
    });
  } catch (error) {
    await http.close();
    throw error;
  }
  const first = nextBuild();
  request(START);
  await first;

  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${hostInUrl}:${http.port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${state.site?.basePath ?? '/'}`,
    origin,
    port: http.port,
    state: () => state,
    connections: () => hub.size,
    nextBuild,
    close() {
      closing ??= (async () => {
        closed = true;
        try {
          await watcher.close();
          await http.close();
          await building;
        } finally {
          await closeSession(session);
        }
      })();
      return closing;
    },
  };
}

type Outcome =
  | { ok: true; site: SiteSnapshot; warnings: string[]; seconds: string }
  | { ok: false; errors: string[]; warnings: string[]; seconds: string };

/** Build ids unique across restarts of the server: a page from an earlier run reloads. */
function idSequence(): () => string {
  const run = Date.now().toString(36);
  let count = 0;
  return () => `${run}-${++count}`;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The first build parses a big archive on worker threads; the author's first edit is
 * then parsed and finished (token record, digest) on the main thread, which would load
 * the Markdown stack and build its processors right then (about a second on a busy
 * 2-core machine).
 */
async function warmUpParser(config: Config): Promise<void> {
  try {
    const [{ parseArticle }, { finishArticle }] = await Promise.all([import('../parse/article.ts'), import('../parse/finish-article.ts')]);
    const sample = '---\ntitle: 预热\ndate: 2026-01-01\ntags: [a]\n---\n\n## 标题\n\n正文 **粗体** [链接](/x/)。\n\n- 一\n- 二\n\n| a | b |\n| - | - |\n| 1 | 2 |\n';
    finishArticle(parseArticle({ path: 'warm-up.md', absolutePath: 'warm-up.md', bytes: Buffer.from(sample), hash: '' }, config, 'warm-up.md'));
  } catch {
    // Only a head start: the real parse reports any real problem.
  }
}

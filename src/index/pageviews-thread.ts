// Reads the page-view export on a worker thread (see readPageViewsOnThread): the
// related-links step that runs meanwhile on the main thread leaves a core idle.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Article } from '../types.ts';
import { pathResolver, readPageViews, type PageViewsOptions, type PageViewsResult } from './pageviews.ts';

/**
 * Exports at least this big are read on a worker: starting one costs ~0.1 s; reading
 * costs ~18 ms a MB (a 171 MB export of 100,000 articles: ~3 s).
 */
export const MIN_BYTES_FOR_THREAD = 8_000_000;

const WORKER_ENTRY = new URL('./pageviews-worker.js', import.meta.url);

interface ThreadInput {
  contentDir: string;
  options: Omit<PageViewsOptions, 'resolve'>;
  articles: Pick<Article, 'slug' | 'url' | 'aliases'>[];
}

/** A read of the export under way on a worker. */
export interface PageViewsOnThread {
  /** readPageViews' result; `onThread` is false when the worker could not run and this thread read the export. */
  result: Promise<PageViewsResult & { onThread: boolean }>;
  /** Stops the worker (a build that failed before it needed the views); the result is then never used. */
  cancel: () => void;
}

/**
 * readPageViews on a worker thread; the same result. If the worker cannot run (it
 * failed to start, or crashed), the export is read on this thread instead.
 */
export function readPageViewsOnThread(contentDir: string, options: Omit<PageViewsOptions, 'resolve'>, articles: readonly Pick<Article, 'slug' | 'url' | 'aliases'>[], workerEntry = WORKER_ENTRY): PageViewsOnThread {
  const compact = articles.map(({ slug, url, aliases }) => ({ slug, url, aliases }));
  const onThisThread = async () => ({ ...(await readPageViews(contentDir, { ...options, resolve: pathResolver(compact) })), onThread: false });
  let worker: Worker | undefined;
  let cancelled = false;
  const result = new Promise<PageViewsResult & { onThread: boolean }>((resolve) => {
    let settled = false;
    const fallBack = () => {
      if (settled) return;
      settled = true;
      void worker?.terminate();
      resolve(cancelled ? { table: undefined, diagnostics: [], file: undefined, onThread: false } : onThisThread());
    };
    try {
      worker = new Worker(workerEntry, { workerData: { contentDir, options, articles: compact } satisfies ThreadInput });
    } catch {
      return fallBack();
    }
    worker.once('message', (read: PageViewsResult) => {
      settled = true;
      void worker!.terminate();
      resolve({ ...read, onThread: true });
    });
    worker.once('error', fallBack);
    worker.once('exit', fallBack);
  });
  // Nobody awaits a cancelled read: its failure must not surface as an unhandled rejection.
  result.catch(() => {});
  return {
    result,
    cancel: () => {
      cancelled = true;
      void worker?.terminate();
    },
  };
}

if (parentPort && (workerData as Partial<ThreadInput> | undefined)?.articles) {
  const { contentDir, options, articles } = workerData as ThreadInput;
  parentPort.postMessage(await readPageViews(contentDir, { ...options, resolve: pathResolver(articles) }));
}

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

interface ThreadInput {
  contentDir: string;
  options: Omit<PageViewsOptions, 'resolve'>;
  articles: Pick<Article, 'slug' | 'url' | 'aliases'>[];
}

/**
 * readPageViews on a worker thread; the same result. If the worker cannot run (it
 * failed to start, or crashed), the export is read on this thread instead.
 */
export function readPageViewsOnThread(contentDir: string, options: Omit<PageViewsOptions, 'resolve'>, articles: readonly Pick<Article, 'slug' | 'url' | 'aliases'>[]): Promise<PageViewsResult> {
  const compact = articles.map(({ slug, url, aliases }) => ({ slug, url, aliases }));
  const onThisThread = () => readPageViews(contentDir, { ...options, resolve: pathResolver(compact) });
  return new Promise<PageViewsResult>((resolve) => {
    let settled = false;
    const worker = new Worker(new URL('./pageviews-worker.js', import.meta.url), { workerData: { contentDir, options, articles: compact } satisfies ThreadInput });
    const fallBack = () => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(onThisThread());
    };
    worker.once('message', (result: PageViewsResult) => {
      settled = true;
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', fallBack);
    worker.once('exit', fallBack);
  });
}

if (parentPort && (workerData as Partial<ThreadInput> | undefined)?.articles) {
  const { contentDir, options, articles } = workerData as ThreadInput;
  parentPort.postMessage(await readPageViews(contentDir, { ...options, resolve: pathResolver(articles) }));
}

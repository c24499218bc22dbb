// The thread that reads a large page-view export beside the related-links step
// (readPageViewsOnThread in pageviews.ts).
import { parentPort } from 'node:worker_threads';
import { pathResolver, readPageViews, type PageViewsThreadReply, type PageViewsThreadRequest } from './pageviews.ts';

const port = parentPort!;
port.once('message', (request: PageViewsThreadRequest) => {
  const start = performance.now();
  readPageViews(request.contentDir, { ...request.settings, resolve: pathResolver(request.articles) }).then(
    (result) => port.postMessage({ ok: true, result, ms: performance.now() - start } satisfies PageViewsThreadReply),
    (error: unknown) => port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies PageViewsThreadReply),
  );
});

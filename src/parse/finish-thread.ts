// The finishing thread (finishing.ts): token records and digests of parsed articles.
import { parentPort } from 'node:worker_threads';
import { finishedParts } from './finish-article.ts';
import type { FinishReply, FinishRequest } from './finishing.ts';

parentPort!.on('message', ({ first, articles }: FinishRequest) => {
  const start = performance.now();
  const parts = articles.map(finishedParts);
  parentPort!.postMessage({ first, terms: parts.map((part) => part.terms), digests: parts.map((part) => part.digest), ms: performance.now() - start } satisfies FinishReply);
});
// A request that cannot be read would never be answered: stop, and the main thread finishes it.
parentPort!.on('messageerror', (error) => {
  throw error;
});

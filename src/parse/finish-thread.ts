// The finishing thread (finishing.ts): token records and digests of parsed articles.
import { parentPort } from 'node:worker_threads';
import { recordTerms } from '../index/related/terms.ts';
import { articleDigest } from '../render/shared-view.ts';
import type { FinishReply, FinishRequest } from './finishing.ts';

parentPort!.on('message', ({ first, articles }: FinishRequest) => {
  const start = performance.now();
  const terms = articles.map((article) => recordTerms(article));
  const digests = articles.map((article) => articleDigest(article));
  parentPort!.postMessage({ first, terms, digests, ms: performance.now() - start } satisfies FinishReply);
});
// A request that cannot be read would never be answered: stop, and the main thread finishes it.
parentPort!.on('messageerror', (error) => {
  throw error;
});

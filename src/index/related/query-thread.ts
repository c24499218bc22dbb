// The helper thread of the related-link queries (query-pool.ts): takes chunks of docs
// from the shared counter until none are left, and says so after each one.
import { parentPort } from 'node:worker_threads';
import { queryChunk, type QueryJob } from './query-pool.ts';
import { makeScratch } from './query.ts';

// Tells the pool its code is loaded (only tests wait for that).
parentPort!.postMessage('ready');
parentPort!.on('message', (job: QueryJob) => {
  const chunks = job.finished.length;
  const scratch = makeScratch(job.counts.length);
  for (let chunk = Atomics.add(job.control, 0, 1); chunk < chunks; chunk = Atomics.add(job.control, 0, 1)) {
    queryChunk(job, chunk, scratch);
    Atomics.store(job.finished, chunk, 1);
    Atomics.add(job.control, 1, 1);
    Atomics.notify(job.control, 1);
  }
});

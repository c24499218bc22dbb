// The helper thread of the related-link queries (query-pool.ts).
import { parentPort } from 'node:worker_threads';
import { helpWith, type QueryJob } from './query-pool.ts';

// Tells the pool its code is loaded (only tests wait for that).
parentPort!.postMessage('ready');
parentPort!.on('message', (job: QueryJob) => helpWith(job));

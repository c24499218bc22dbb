// The queries of the related-links step on two threads: the calling thread and one
// helper that share the model's arrays (SharedArrayBuffer) and take chunks of docs
// from one atomic counter. At 100,000 articles the queries are ~6 s of the main
// thread while the other core idles.
//
// The caller stays synchronous: it takes chunks itself until none are left, then
// waits (Atomics.wait) only for the chunks the helper took. A helper that is still
// starting takes none; one that stops making progress (it crashed) has its unfinished
// chunks recomputed by the caller. A query depends only on the model, so either
// thread writes the same results: the output never depends on who ran what.
import { Worker } from 'node:worker_threads';
import type { RelatedSettings } from '../../config.ts';
import type { RelatedModel } from './model.ts';
import { inSharedMemory } from './buffers.ts';
import { makeScratch, query } from './query.ts';

/** Docs per claim: small enough to balance the two threads, large enough that claiming is noise. */
export const QUERY_CHUNK = 64;
/** Below this many articles the queries stay on the calling thread: starting a thread would cost more. */
export const MIN_DOCS_FOR_QUERY_THREAD = 10_000;
/** A helper that finishes no chunk in this long is taken for dead, and the caller does the rest. */
const STALLED_MS = 2_000;

/** The model arrays a query reads. */
export type QueryArrays = Pick<RelatedModel, 'sigStart' | 'feature' | 'weight' | 'postStart' | 'postDoc' | 'postWeight' | 'dates' | 'category' | 'authorStart' | 'authorIds' | 'present'>;
const ARRAY_NAMES = ['sigStart', 'feature', 'weight', 'postStart', 'postDoc', 'postWeight', 'dates', 'category', 'authorStart', 'authorIds', 'present'] as const satisfies readonly (keyof QueryArrays)[];

/** One run's shared state: what to query, who took what, and the results. */
export interface QueryJob {
  arrays: QueryArrays;
  weights: RelatedModel['weights'];
  settings: RelatedSettings;
  limit: number;
  /** 1 for each doc the pool queries (no pins, not hidden, not explained); the caller does the others. */
  plain: Uint8Array;
  /** [next chunk to take, chunks the helper finished] */
  control: Int32Array;
  /** Per chunk: 1 once the helper finished it. */
  finished: Int32Array;
  /** Per doc: how many candidates; per doc and rank: candidate doc, score, base, time factor. */
  counts: Int32Array;
  docs: Int32Array;
  scores: Float64Array;
}

/** Slots of QueryJob.control. */
const NEXT = 0;
const HELPER_DONE = 1;

/** A helper thread, started early so that it has loaded its code when the queries begin. */
export class QueryHelper {
  private readonly worker = new Worker(new URL('./query-worker.js', import.meta.url));
  /** Settles once the helper has loaded its code (tests wait for it; builds do not). */
  readonly ready: Promise<void>;
  /** False once the thread has stopped (closed, or crashed): a caller that keeps a helper starts another. */
  alive = true;

  constructor() {
    // Never keeps the process alive, and its failures only mean the caller does its share.
    this.worker.unref();
    this.ready = new Promise((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.on('error', () => {});
    this.worker.once('exit', () => (this.alive = false));
  }

  /** Queries every plain doc of `model` on this thread and the helper; returns the shared results. Synchronous. */
  run(model: RelatedModel, settings: RelatedSettings, limit: number, plain: Uint8Array): QueryJob {
    const job = createJob(model, settings, limit, plain);
    this.start(job);
    runJob(job);
    return job;
  }

  /** Hands `job` to the helper, which takes chunks of it until none are left. */
  start(job: QueryJob): void {
    this.worker.postMessage(job);
  }

  /** Stops the thread; settles once it has stopped. */
  async close(): Promise<void> {
    await this.worker.terminate();
    this.alive = false;
  }
}

/** A job over `model`'s plain docs, its arrays copied into shared memory. */
export function createJob(model: RelatedModel, settings: RelatedSettings, limit: number, plain: Uint8Array): QueryJob {
  const n = model.docs.length;
  return {
    arrays: shareArrays(model),
    weights: model.weights,
    settings,
    limit,
    plain: inSharedMemory(plain),
    control: new Int32Array(new SharedArrayBuffer(8)),
    finished: new Int32Array(new SharedArrayBuffer(4 * Math.ceil(n / QUERY_CHUNK))),
    counts: new Int32Array(new SharedArrayBuffer(4 * n)),
    docs: new Int32Array(new SharedArrayBuffer(4 * n * limit)),
    scores: new Float64Array(new SharedArrayBuffer(8 * 3 * n * limit)),
  };
}

/**
 * The calling thread's side of a job: takes chunks until none are left, then waits for
 * those the helper took, or does them itself once the helper has finished none for
 * `stalledMs`.
 */
export function runJob(job: QueryJob, stalledMs = STALLED_MS): void {
  const chunks = job.finished.length;
  const mine = new Uint8Array(chunks);
  let taken = 0;
  const scratch = makeScratch(job.counts.length);
  for (let chunk = Atomics.add(job.control, NEXT, 1); chunk < chunks; chunk = Atomics.add(job.control, NEXT, 1)) {
    queryChunk(job, chunk, scratch);
    mine[chunk] = 1;
    taken++;
  }
  const helperChunks = chunks - taken;
  for (let done = Atomics.load(job.control, HELPER_DONE); done < helperChunks; done = Atomics.load(job.control, HELPER_DONE)) {
    if (Atomics.wait(job.control, HELPER_DONE, done, stalledMs) === 'timed-out' && Atomics.load(job.control, HELPER_DONE) === done) {
      for (let chunk = 0; chunk < chunks; chunk++) if (mine[chunk] === 0 && Atomics.load(job.finished, chunk) === 0) queryChunk(job, chunk, scratch);
      return;
    }
  }
}

/** The helper thread's side of a job (query-thread.ts): takes chunks until none are left, saying so after each one. */
export function helpWith(job: QueryJob): void {
  const chunks = job.finished.length;
  const scratch = makeScratch(job.counts.length);
  for (let chunk = Atomics.add(job.control, NEXT, 1); chunk < chunks; chunk = Atomics.add(job.control, NEXT, 1)) {
    queryChunk(job, chunk, scratch);
    Atomics.store(job.finished, chunk, 1);
    Atomics.add(job.control, HELPER_DONE, 1);
    Atomics.notify(job.control, HELPER_DONE);
  }
}

/** Queries the plain docs of one chunk into the job's results. */
function queryChunk(job: QueryJob, chunk: number, scratch: ReturnType<typeof makeScratch>): void {
  const model = { ...job.arrays, weights: job.weights } as RelatedModel;
  const n = job.counts.length;
  const none = new Set<number>();
  const unused = new Map();
  for (let d = chunk * QUERY_CHUNK; d < Math.min(n, (chunk + 1) * QUERY_CHUNK); d++) {
    if (job.plain[d] !== 1) continue;
    const found = query(model, d, job.limit, job.settings, scratch, none, unused);
    job.counts[d] = found.length;
    found.forEach((c, rank) => {
      const at = d * job.limit + rank;
      job.docs[at] = c.doc;
      job.scores[3 * at] = c.score;
      job.scores[3 * at + 1] = c.base;
      job.scores[3 * at + 2] = c.timeFactor;
    });
  }
}

/** The arrays a query reads, in shared memory: the big ones are there already when the model was built for a helper. */
function shareArrays(model: RelatedModel): QueryArrays {
  const shared = {} as Record<(typeof ARRAY_NAMES)[number], unknown>;
  for (const name of ARRAY_NAMES) shared[name] = inSharedMemory(model[name]);
  return shared as QueryArrays;
}

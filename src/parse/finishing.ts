// The last step of parsing an article, on a thread of its own when an archive is parsed
// on the main thread (below MIN_BYTES_FOR_WORKERS): its related-link token record and
// its digest follow from the parsed article alone, so they are made here while the main
// thread parses the next files. On 4,000 standard files they took ~0.25 s of the main
// thread's ~1.7 s of parsing; posting the articles here costs it ~60 ms.
import { Worker } from 'node:worker_threads';
import type { Article } from '../types.ts';
import { finishArticle, applyFinish } from './finish-article.ts';

/** Articles per message: the thread starts on the first ones early, and messaging stays noise. */
const BATCH = 64;
const ENTRY = new URL('./finish-worker.js', import.meta.url);

/** What the thread is sent: articles as parsed, numbered from `first` in the order sent. */
export interface FinishRequest {
  first: number;
  articles: Article[];
}
/** Per article of a request, in its order: the token record (undefined: none could be made) and the digest. */
export interface FinishReply {
  first: number;
  terms: (string | undefined)[];
  digests: string[];
  /** Thread time spent on the request. */
  ms: number;
}

export class FinishingThread {
  private readonly worker = new Worker(ENTRY);
  private readonly sent: Article[] = [];
  private readonly done: boolean[] = [];
  private batch: Article[] = [];
  private failed = false;
  private closed = false;
  private wake: (() => void) | undefined;
  /** Articles the thread has finished so far. */
  finished = 0;
  /** Time spent finishing: the thread's, and the main thread's for what the thread did not. */
  ms = 0;

  constructor() {
    // Never holds the process open but while waited for (finish); its failure only means
    // the main thread finishes what it did not.
    this.worker.unref();
    this.worker.on('message', (reply: FinishReply) => {
      // After close, the main thread has finished (or is finishing) these itself.
      if (this.closed) return;
      reply.terms.forEach((terms, offset) => {
        const at = reply.first + offset;
        if (this.done[at]) return;
        applyFinish(this.sent[at]!, terms, reply.digests[offset]!);
        this.done[at] = true;
        this.finished++;
      });
      this.ms += reply.ms;
      this.settle();
    });
    // 'exit' follows 'error' once the thread's replies so far have been delivered: only
    // then is nothing more to come.
    this.worker.on('error', (error) => {
      if (process.env['BROADSHEET_DEBUG_BOOT']) console.error('broadsheet: the finishing thread failed, finishing on the main thread:', error);
    });
    this.worker.on('exit', () => this.stop());
    // A reply that cannot be read would never be counted: give up on the thread.
    this.worker.on('messageerror', () => this.stop());
  }

  /** Queues a freshly parsed article; its record and digest are set on it by `finish`. */
  add(article: Article): void {
    this.batch.push(article);
    if (this.batch.length >= BATCH) this.send();
  }

  /**
   * Waits for every queued article to be finished (by the main thread for any the thread
   * could not); returns how many the thread finished.
   */
  async finish(): Promise<number> {
    this.send();
    if (this.finished < this.sent.length && !this.failed) {
      // While waiting, the thread is what keeps the process alive.
      this.worker.ref();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.close();
    const start = performance.now();
    for (let at = 0; at < this.sent.length; at++) {
      if (this.done[at]) continue;
      finishArticle({ article: this.sent[at], diagnostics: [] });
      this.done[at] = true;
    }
    this.ms += performance.now() - start;
    return this.finished;
  }

  /** Stops the thread (unref'd, it never holds the process open, but a dev session lives on). */
  close(): void {
    this.closed = true;
    void this.worker.terminate();
  }

  private send(): void {
    if (this.batch.length === 0) return;
    const request: FinishRequest = { first: this.sent.length, articles: this.batch };
    this.sent.push(...this.batch);
    this.batch = [];
    if (this.failed || this.closed) return;
    this.worker.postMessage(request);
  }

  private stop(): void {
    this.failed = true;
    this.settle();
  }

  private settle(): void {
    if ((this.failed || this.finished === this.sent.length) && this.batch.length === 0) {
      this.wake?.();
      this.wake = undefined;
    }
  }
}

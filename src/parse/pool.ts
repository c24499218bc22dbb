// Parses every source file, on worker threads when the archive is big enough to
// pay for them. Each worker holds its own frozen Markdown processors; files go out
// in batches, results come back as plain Article objects (structured clone) and are
// put back in source order, so the output and the order of diagnostics never depend
// on the worker count or on which worker finished first.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { Diagnostic } from '../errors.ts';
import type { Article, SourceFile } from '../types.ts';
import type { ParseResult } from './article.ts';
import { defaultHeapGrowth, defaultOptimization, optimizeLater } from '../memory.ts';
import { finishArticle } from './finish-article.ts';
import { FinishingThread } from './finishing.ts';
import { NO_BYTES } from '../load.ts';

/**
 * Below this many bytes of sources a build parses on the main thread (with the
 * finishing thread from 1,000 files). Each worker loads and compiles the Markdown
 * stack anew, and on two cores two isolates warming up at once slow each other.
 * Measured on a 2-core VM once prose skipped micromark (markdown-prose.ts), cold
 * builds, main thread against two workers: 16,000 standard files (17.5 MB) 3.23-3.46
 * against 3.60-3.75 s; 8,000 Chinese articles (18.9 MB) 4.82-4.97 against 4.78-5.13 s
 * (parse 1.60-1.69 against 1.88-1.90 s); 20,000 Chinese (47 MB) 9.72-9.89 against
 * 9.52-9.58 s. (With micromark reading everything, workers won from ~8 MB.) The cost
 * of parsing follows the bytes, not the file count.
 */
export const MIN_BYTES_FOR_WORKERS = 24_000_000;
/** Parsing fewer files than this on the main thread, starting the finishing thread would cost more than it saves. */
export const MIN_FILES_FOR_FINISHING_THREAD = 1_000;
/**
 * ...and more bytes than this (an archive parsed on the main thread by choice,
 * BROADSHEET_WORKERS=0): the thread's replies are taken when the parse loop ends, and
 * until then every article keeps its plain text (~320 MB at 100,000 Chinese articles).
 */
export const MAX_BYTES_FOR_FINISHING_THREAD = 2 * MIN_BYTES_FOR_WORKERS;
/** Files per message: large enough that messaging is noise, small enough to balance the workers. */
const MAX_BATCH = 128;
const WORKER_ENTRY = new URL('./worker.js', import.meta.url);

export interface ParseAllOptions {
  /**
   * Worker threads; 0 parses on the main thread. Default: the `BROADSHEET_WORKERS`
   * environment variable, else one per core, and 0 below MIN_BYTES_FOR_WORKERS.
   */
  workers?: number | undefined;
  /** How diagnostics name a file (relative to the working directory). */
  displayPath: (sourcePath: string) => string;
  onProgress?: (done: number, total: number) => void;
  /**
   * Let each source's bytes go (NO_BYTES) as soon as it is parsed or handed to a worker,
   * for a caller that needs only paths and hashes afterwards: at 100,000 articles that
   * is ~225 MB less held at the end of parsing, where a build's memory peaks.
   */
  releaseBytes?: boolean;
  /**
   * Parsing on the main thread, finish articles (finish-article.ts) on a thread of their
   * own. Default: from MIN_FILES_FOR_FINISHING_THREAD files, up to
   * MAX_BYTES_FOR_FINISHING_THREAD bytes of sources. The result is the same.
   */
  finishingThread?: boolean | undefined;
}

export interface ParseAllResult {
  /** One per source, in source order: what the build cache stores. */
  results: ParseResult[];
  /** In source order; files with errors are left out. */
  articles: Article[];
  /** In source order, each file's in the order found. */
  diagnostics: Diagnostic[];
  /** Thread time spent in Markdown and in everything else (frontmatter, fields, summary), summed over threads. */
  markdownMs: number;
  frontmatterMs: number;
  workers: number;
  /** Articles the finishing thread finished (the rest were finished where they were parsed). */
  finishedOnThread: number;
}

/** What a worker is sent: settings once, then batches. */
export interface WorkerBatch {
  id: number;
  items: { source: SourceFile; display: string }[];
}
export interface WorkerReply {
  id: number;
  results: ParseResult[];
  totalMs: number;
  markdownMs: number;
}

/** The worker count a build uses for `bytes` bytes of sources when the caller did not say. */
export function defaultWorkerCount(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env['BROADSHEET_WORKERS'];
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return bytes < MIN_BYTES_FOR_WORKERS ? 0 : availableParallelism();
}

export async function parseAll(sources: readonly SourceFile[], config: Config, options: ParseAllOptions): Promise<ParseAllResult> {
  const bytes = sources.reduce((sum, source) => sum + source.bytes.length, 0);
  const requested = options.workers ?? defaultWorkerCount(bytes);
  const workers = Math.max(0, Math.min(requested, Math.ceil(sources.length / 16)));
  const results: ParseResult[] = new Array(sources.length);
  let markdownMs = 0;
  let totalMs = 0;
  let finishedOnThread = 0;
  if (workers === 0) {
    // Started first, so that it loads its code while the Markdown stack loads here.
    const finisher = (options.finishingThread ?? (sources.length >= MIN_FILES_FOR_FINISHING_THREAD && bytes <= MAX_BYTES_FOR_FINISHING_THREAD)) ? new FinishingThread() : undefined;
    try {
      // Loaded only here: with workers, the main thread never pays for the Markdown stack.
      const { parseArticle } = await import('./article.ts');
      const { loadRawHtmlSupport, markdownClock, mayHoldRawHtml } = await import('./markdown.ts');
      if (sources.some((source) => mayHoldRawHtml(source.bytes))) await loadRawHtmlSupport();
      const before = markdownClock.ms;
      const start = performance.now();
      // As on the workers (worker-thread.ts): the yaml parser reads process.env once per
      // token, a call into C++ each time on the real one. The loop is synchronous, so no
      // other code sees the plain copy.
      const env = process.env;
      process.env = { ...env };
      try {
        sources.forEach((source, index) => {
          const result = parseArticle(source, config, options.displayPath(source.path));
          if (finisher && result.article) finisher.add(result.article);
          results[index] = finisher ? result : finishArticle(result);
          if (options.releaseBytes) source.bytes = NO_BYTES;
          if (index % 500 === 0) options.onProgress?.(index, sources.length);
        });
      } finally {
        process.env = env;
      }
      // Thread time: this thread's parsing (not its wait for the finishing thread) and the finishing.
      const parsedMs = performance.now() - start;
      finishedOnThread = (await finisher?.finish()) ?? 0;
      totalMs = parsedMs + (finisher?.ms ?? 0);
      markdownMs = markdownClock.ms - before;
    } catch (error) {
      finisher?.close();
      throw error;
    }
  } else {
    const times = await parseOnWorkers(sources, config, workers, options, results);
    totalMs = times.totalMs;
    markdownMs = times.markdownMs;
  }
  const articles: Article[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const result of results) {
    diagnostics.push(...result.diagnostics);
    if (result.article) articles.push(result.article);
  }
  return { results, articles, diagnostics, markdownMs, frontmatterMs: totalMs - markdownMs, workers, finishedOnThread };
}

async function parseOnWorkers(sources: readonly SourceFile[], config: Config, count: number, options: ParseAllOptions, results: ParseResult[]) {
  const batchSize = Math.max(8, Math.min(MAX_BATCH, Math.ceil(sources.length / (count * 8))));
  const batches: { start: number; end: number }[] = [];
  for (let start = 0; start < sources.length; start += batchSize) batches.push({ start, end: Math.min(sources.length, start + batchSize) });
  let nextBatch = 0;
  let done = 0;
  let totalMs = 0;
  let markdownMs = 0;

  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      let pending: number | undefined;
      const send = () => {
        const batch = batches[nextBatch];
        if (!batch) {
          pending = undefined;
          return resolve();
        }
        pending = nextBatch++;
        const items = [];
        for (let i = batch.start; i < batch.end; i++) items.push({ source: sources[i]!, display: options.displayPath(sources[i]!.path) });
        worker.postMessage({ id: pending, items } satisfies WorkerBatch);
        // The message holds its own copy of the bytes.
        if (options.releaseBytes) for (let i = batch.start; i < batch.end; i++) sources[i]!.bytes = NO_BYTES;
      };
      worker.on('message', (reply: WorkerReply) => {
        const batch = batches[reply.id]!;
        reply.results.forEach((result, offset) => (results[batch.start + offset] = result));
        totalMs += reply.totalMs;
        markdownMs += reply.markdownMs;
        done += reply.results.length;
        options.onProgress?.(done, sources.length);
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (pending !== undefined) reject(new Error(`a parse worker stopped before finishing its files (exit code ${code})`));
      });
      send();
    });

  defaultHeapGrowth();
  optimizeLater();
  const pool: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) pool.push(new Worker(WORKER_ENTRY, { workerData: { config } }));
    await Promise.all(pool.map(run));
  } finally {
    defaultOptimization();
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return { totalMs, markdownMs };
}

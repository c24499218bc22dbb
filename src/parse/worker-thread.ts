// One parse worker: parses the batches the pool sends, with its own frozen Markdown
// processors, and replies with plain results (structured clone) and thread times.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { parseArticle } from './article.ts';
import { loadRawHtmlSupport, markdownClock, mayHoldRawHtml } from './markdown.ts';
import { finishArticle } from './finish-article.ts';
import type { WorkerBatch, WorkerReply } from './pool.ts';

const { config } = workerData as { config: Config };

// The yaml parser reads process.env.LOG_TOKENS once per token, and each read of the
// real process.env is a call into C++: a third of the YAML parser's time. A worker's
// environment is its own copy anyway; a plain object makes those reads free.
process.env = { ...process.env };

parentPort!.on('message', async ({ id, items }: WorkerBatch) => {
  // Replies carry the batch id: one that waits here may be overtaken by the next.
  if (items.some(({ source }) => mayHoldRawHtml(source.bytes))) await loadRawHtmlSupport();
  const start = performance.now();
  const before = markdownClock.ms;
  const results = items.map(({ source, display }) => {
    // A Buffer arrives as a plain Uint8Array; parseArticle reads it as a Buffer.
    const bytes = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
    return finishArticle(parseArticle({ ...source, bytes }, config, display));
  });
  const reply: WorkerReply = { id, results, totalMs: performance.now() - start, markdownMs: markdownClock.ms - before };
  parentPort!.postMessage(reply);
});

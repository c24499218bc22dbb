// The file writes of one build, on a thread of their own (PageWriterThread in
// write.ts): creating a file costs system calls that would otherwise take the main
// thread's time between pages, and on a slow disk stall it. Writes run
// concurrently up to a limit, so a disk that can overlap them does.
import { mkdir, writeFile } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { WRITE_CONCURRENCY, type WriterReply, type WriterRequest } from './write.ts';

/** Written bytes are reported in chunks of at least this, so the main thread can bound what is in flight. */
const REPORT_BYTES = 1 << 20;
const port = parentPort!;
const createdDirs = new Set<string>();
const queue: Extract<WriterRequest, { kind: 'write' }>['items'] = [];
let active = 0;
let writtenBytes = 0;
let firstError: Extract<WriterReply, { kind: 'flushed' }>['error'];
let pendingFlush: number | undefined;

function pump(): void {
  while (active < WRITE_CONCURRENCY && queue.length > 0) {
    const [file, content] = queue.shift()!;
    active++;
    const size = typeof content === 'string' ? content.length : content.byteLength;
    const done = (error: NodeJS.ErrnoException | null) => {
      active--;
      writtenBytes += size;
      if (error && !firstError) firstError = { message: error.message, code: error.code };
      pump();
    };
    const dir = path.dirname(file);
    if (createdDirs.has(dir)) writeFile(file, content, done);
    else {
      mkdir(dir, { recursive: true }, (error) => {
        if (error) return done(error);
        createdDirs.add(dir);
        writeFile(file, content, done);
      });
    }
  }
  const idle = active === 0 && queue.length === 0;
  if (writtenBytes >= REPORT_BYTES || (idle && writtenBytes > 0)) {
    port.postMessage({ kind: 'written', bytes: writtenBytes } satisfies WriterReply);
    writtenBytes = 0;
  }
  if (idle && pendingFlush !== undefined) {
    port.postMessage({ kind: 'flushed', id: pendingFlush, error: firstError } satisfies WriterReply);
    pendingFlush = undefined;
  }
}

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'write') queue.push(...request.items);
  else pendingFlush = request.id;
  pump();
});

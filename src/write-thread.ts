// The file writes of one build, on a thread of their own (PageWriterThread in
// write.ts): creating a file costs system calls that would otherwise take the main
// thread's time between pages, and on a slow disk stall it.
//
// In `adaptive` mode writes start synchronous: where creating a file does not block
// (tmpfs, a local disk's page cache) that costs about half the CPU of an asynchronous
// write, whose open, write and close each make a round trip through libuv's thread
// pool, and that CPU is taken from rendering. Where creating a file blocks, writing
// one file at a time is slow: the thread times its writes and switches to concurrent
// asynchronous ones for the rest of the build.
import { mkdir, mkdirSync, writeFile, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { sizeOf, WRITE_CONCURRENCY, type WriterReply, type WriterRequest, type WriterThreadData } from './write.ts';

/** Written bytes are reported in chunks of at least this, so the main thread can bound what is in flight. */
const REPORT_BYTES = 1 << 20;
/** Synchronous writes are timed in samples of this many files... */
const SAMPLE_FILES = 64;
/** ...and given up for concurrent ones when a sample averages more than this. */
const SLOW_SYNC_WRITE_MS = 0.15;

const port = parentPort!;
const createdDirs = new Set<string>();
const queue: Extract<WriterRequest, { kind: 'write' }>['items'] = [];
let synchronous = (workerData as WriterThreadData).writes === 'adaptive';
let sampleFiles = 0;
let sampleMs = 0;
let active = 0;
let writtenBytes = 0;
let firstError: Extract<WriterReply, { kind: 'flushed' }>['error'];
let pendingFlush: number | undefined;

function noteError(error: NodeJS.ErrnoException | null): void {
  if (error && !firstError) firstError = { message: error.message, code: error.code };
}

function reportWritten(): void {
  port.postMessage({ kind: 'written', bytes: writtenBytes } satisfies WriterReply);
  writtenBytes = 0;
}

function writeSynchronously(): void {
  while (synchronous && queue.length > 0) {
    const [file, content] = queue.shift()!;
    const start = performance.now();
    try {
      const dir = path.dirname(file);
      if (!createdDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        createdDirs.add(dir);
      }
      writeFileSync(file, content);
    } catch (error) {
      noteError(error as NodeJS.ErrnoException);
    }
    sampleMs += performance.now() - start;
    writtenBytes += sizeOf(content);
    if (writtenBytes >= REPORT_BYTES) reportWritten();
    if (++sampleFiles === SAMPLE_FILES) {
      synchronous = sampleMs / SAMPLE_FILES <= SLOW_SYNC_WRITE_MS;
      sampleFiles = 0;
      sampleMs = 0;
    }
  }
}

function pump(): void {
  writeSynchronously();
  while (active < WRITE_CONCURRENCY && queue.length > 0) {
    const [file, content] = queue.shift()!;
    active++;
    const size = sizeOf(content);
    const done = (error: NodeJS.ErrnoException | null) => {
      active--;
      writtenBytes += size;
      noteError(error);
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
  if (writtenBytes >= REPORT_BYTES || (idle && writtenBytes > 0)) reportWritten();
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

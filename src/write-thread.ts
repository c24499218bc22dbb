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
import { WRITE_CONCURRENCY, type WriterReply, type WriterRequest, type WriterThreadData } from './write.ts';

/** Synchronous writes are timed in samples of this many files... */
const SAMPLE_FILES = 64;
/** ...and given up for concurrent ones when a sample averages more than this. */
const SLOW_SYNC_WRITE_MS = 0.15;

/** A chunk of pages from the main thread, handed back once every page in it is written. */
interface Chunk {
  buffer: ArrayBuffer;
  pagesLeft: number;
}

const port = parentPort!;
const createdDirs = new Set<string>();
const queue: { file: string; bytes: Uint8Array; chunk: Chunk }[] = [];
let synchronous = (workerData as WriterThreadData).writes === 'adaptive';
let sampleFiles = 0;
let sampleMs = 0;
let active = 0;
let firstError: Extract<WriterReply, { kind: 'flushed' }>['error'];
let pendingFlush: number | undefined;

function noteError(error: NodeJS.ErrnoException | null): void {
  if (error && !firstError) firstError = { message: error.message, code: error.code };
}

function pageDone(chunk: Chunk): void {
  if (--chunk.pagesLeft === 0) port.postMessage({ kind: 'written', chunk: chunk.buffer } satisfies WriterReply, [chunk.buffer]);
}

function writeSynchronously(): void {
  while (synchronous && queue.length > 0) {
    const { file, bytes, chunk } = queue.shift()!;
    const start = performance.now();
    try {
      const dir = path.dirname(file);
      if (!createdDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        createdDirs.add(dir);
      }
      writeFileSync(file, bytes);
    } catch (error) {
      noteError(error as NodeJS.ErrnoException);
    }
    sampleMs += performance.now() - start;
    pageDone(chunk);
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
    const { file, bytes, chunk } = queue.shift()!;
    active++;
    const done = (error: NodeJS.ErrnoException | null) => {
      active--;
      noteError(error);
      pageDone(chunk);
      pump();
    };
    const dir = path.dirname(file);
    if (createdDirs.has(dir)) writeFile(file, bytes, done);
    else {
      mkdir(dir, { recursive: true }, (error) => {
        if (error) return done(error);
        createdDirs.add(dir);
        writeFile(file, bytes, done);
      });
    }
  }
  if (active === 0 && queue.length === 0 && pendingFlush !== undefined) {
    port.postMessage({ kind: 'flushed', id: pendingFlush, error: firstError } satisfies WriterReply);
    pendingFlush = undefined;
  }
}

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'write') {
    const chunk: Chunk = { buffer: request.chunk, pagesLeft: request.items.length };
    for (const [file, start, end] of request.items) queue.push({ file, bytes: new Uint8Array(request.chunk, start, end - start), chunk });
  } else pendingFlush = request.id;
  pump();
});

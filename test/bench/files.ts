// Small helpers shared by the benchmark corpora: a seeded generator and a fast,
// bounded-concurrency writer for many small files.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** mulberry32: a seeded generator, so every run benchmarks the same bytes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WRITE_CONCURRENCY = 64;

/** Writes n files made by `make(i)`, in order of i, creating folders as needed. */
export async function writeFiles(n: number, make: (i: number) => { file: string; text: string }): Promise<void> {
  const dirs = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    const { file, text } = make(i);
    const dir = path.dirname(file);
    if (!dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      dirs.add(dir);
    }
    const job: Promise<void> = writeFile(file, text).then(() => void inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** The "warm" edit: one more sentence at the end of one article, as an author would make. */
export async function editArticle(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text.trimEnd()}\n\nEdited for the warm run. 为热构建修改了一句。\n`);
}

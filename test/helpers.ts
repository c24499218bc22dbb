// Fixture archives in temp folders, built by the real pipeline and read back.
import { mkdtemp, mkdir, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { build, type BuildOptions, type BuildResult } from '../src/build.ts';
import { main, type Io } from '../src/cli.ts';

/** Build time used by the tests: 2026-11-27 12:00 in Shanghai. */
export const NOW = Date.parse('2026-11-27T12:00:00+08:00');
export const NOW_ISO = '2026-11-27T12:00:00+08:00';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(prefix = 'broadsheet-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes `files` (path relative to the content folder -> text or bytes) and returns the content folder. */
export async function writeArchive(files: Record<string, string | Buffer>, root?: string): Promise<string> {
  const base = root ?? (await tempDir());
  const contentDir = path.join(base, 'content');
  await mkdir(contentDir, { recursive: true });
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(contentDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return contentDir;
}

/** A Markdown article with the given frontmatter lines (written as-is) and body. */
export function md(frontmatter: Record<string, string>, body = '正文。'): string {
  const lines = Object.entries(frontmatter).map(([key, value]) => `${key}: ${value}`);
  return `---\n${lines.join('\n')}\n---\n\n${body}\n`;
}

export interface Built {
  contentDir: string;
  outDir: string;
  result: BuildResult;
  read(sitePath: string): Promise<string>;
  files(): Promise<string[]>;
}

export async function buildArchive(files: Record<string, string | Buffer>, options: Partial<BuildOptions> = {}): Promise<Built> {
  const contentDir = await writeArchive(files);
  const outDir = path.join(path.dirname(contentDir), 'dist');
  const result = await build({ contentDir, outDir, now: NOW, ...options });
  return {
    contentDir,
    outDir,
    result,
    read: (sitePath) => readFile(path.join(outDir, sitePath), 'utf8'),
    files: () => listFiles(outDir),
  };
}

export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string) => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else found.push(child);
    }
  };
  await walk('');
  return found.sort();
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, env };
  const code = await main(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

// The dev server's edit-to-browser time, as an author sees it: `broadsheet dev` runs
// as its own process; a client holds the page's event stream open (as the reload
// script in every dev page does); an article is edited on disk; the time until the
// `reload` event arrives is one sample.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { editArticle } from './files.ts';
import { BIN } from './measure.ts';

export interface DevMeasurement {
  /** From the first file write to the reload event, ms, one per edit. */
  editToReloadMs: number[];
  /** Wall time until the dev server served its first build, ms. */
  firstBuildMs: number;
}

const EVENTS_PATH = '/__broadsheet/events';

/**
 * `pagePath` is the edited article's URL path: the server tells a page to reload only
 * when that page changed.
 */
export async function measureDev(contentDir: string, editedFile: string, pagePath: string, now: string, edits = 5): Promise<DevMeasurement> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'dev', '--content', contentDir, '--port', String(port), '--now', now], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    // 503 until the first build is served.
    await waitFor(async () => (await status(port, pagePath)) === 200, () => output);
    const events = await waitFor(() => connect(port, pagePath), () => output);
    const firstBuildMs = performance.now() - started;
    const editToReloadMs: number[] = [];
    for (let i = 0; i < edits; i++) {
      const reloaded = events.next('reload');
      const start = performance.now();
      await editArticle(editedFile);
      await reloaded;
      editToReloadMs.push(performance.now() - start);
    }
    events.close();
    return { editToReloadMs, firstBuildMs };
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** The URL path of a benchmark article: /YYYY/MM/<file name>/ (the corpora set no slug and use the default permalink). */
export async function articlePath(file: string): Promise<string> {
  const date = /^date: "?(\d{4})-(\d{2})/m.exec(await readFile(file, 'utf8'));
  if (!date) throw new Error(`${file} has no date line`);
  return `/${date[1]}/${date[2]}/${path.basename(file, '.md')}/`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Retries `attempt` (a throw or false is a miss) every 100 ms while the server starts and builds. */
async function waitFor<T>(attempt: () => Promise<T>, output: () => string): Promise<Exclude<T, false>> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    try {
      const result = await attempt();
      if (result !== false) return result as Exclude<T, false>;
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`the dev server did not start: ${(error as Error).message}\n${output()}`);
    }
    if (performance.now() > deadline) throw new Error(`the dev server did not serve its first build:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function status(port: number, pagePath: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: pagePath }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

function connect(port: number, pagePath: string): Promise<{ next: (event: string) => Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const waiting: { event: string; done: () => void }[] = [];
    const request = get({ host: '127.0.0.1', port, path: `${EVENTS_PATH}?page=${encodeURIComponent(pagePath)}` }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`status ${response.statusCode}`));
      let buffer = '';
      const handle = {
        next: (event: string) => new Promise<void>((done) => waiting.push({ event, done })),
        close: () => request.destroy(),
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = /^event: (.+)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          if (event === 'hello') resolve(handle);
          const at = waiting.findIndex((w) => w.event === event);
          if (at >= 0) waiting.splice(at, 1)[0]!.done();
        }
      });
    });
    request.on('error', reject);
  });
}

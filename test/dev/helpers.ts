// Helpers for the dev server tests: a fixture archive with its own copy of the
// templates (so edits elsewhere in the tree never reach a running test), plain HTTP
// requests sent exactly as written, and an event-stream reader whose waits end on
// an event, not on a timer.
import { cp } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { BUILTIN_TEMPLATES } from '../../src/render/template-files.ts';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/dev/dev.ts';
import { NOW, writeArchive } from '../helpers.ts';

/** Generous: the suite shares the machine with other suites. */
export const WAIT_MS = 15_000;

export interface Fixture {
  server: DevServer;
  root: string;
  contentDir: string;
  templatesDir: string;
  logs: Logs;
}

export class Logs {
  readonly out: string[] = [];
  readonly err: string[] = [];
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  readonly log = {
    out: (line: string) => this.push(this.out, line),
    err: (line: string) => this.push(this.err, line),
  };

  /** Resolves with the first line (on either stream) matching `test` from now on. */
  next(test: RegExp, timeoutMs = WAIT_MS): Promise<string> {
    return withTimeout(new Promise((resolve) => this.waiters.push({ test: (line) => test.test(line), resolve })), timeoutMs, `log line ${test}`);
  }

  private push(into: string[], line: string): void {
    into.push(line);
    for (const waiter of this.waiters.filter((w) => w.test(line))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}

export async function startFixture(files: Record<string, string>, options: Partial<DevServerOptions> = {}): Promise<Fixture> {
  const contentDir = await writeArchive(files);
  const root = path.dirname(contentDir);
  const templatesDir = path.join(root, 'templates');
  await cp(BUILTIN_TEMPLATES, templatesDir, { recursive: true });
  const logs = new Logs();
  const server = await startDevServer({ contentDir, templatesDir, port: 0, now: NOW, log: logs.log, ...options });
  return { server, root, contentDir, templatesDir, logs };
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection; `target` is sent as written (no `..` folding as fetch does). */
export function request(origin: string, target: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const { hostname, port } = new URL(origin);
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = http.request({ host: hostname, port, path: target, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    WAIT_MS,
    `${options.method ?? 'GET'} ${target}`,
  );
}

export interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An open /__broadsheet/events stream, parsed into events as they arrive. */
export class EventStream {
  readonly events: ServerEvent[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(private readonly req: http.ClientRequest) {}

  static open(origin: string, page?: string): Promise<EventStream> {
    const { hostname, port } = new URL(origin);
    const target = `/__broadsheet/events${page === undefined ? '' : `?page=${encodeURIComponent(page)}`}`;
    return withTimeout(
      new Promise((resolve, reject) => {
        const req = http.get({ host: hostname, port, path: target, agent: false }, (res) => {
          if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
            reject(new Error(`event stream answered ${res.statusCode} ${res.headers['content-type']}`));
            return;
          }
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) !== -1) {
              stream.parse(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
          });
          res.on('end', () => stream.end());
          res.on('error', () => stream.end());
          resolve(stream);
        });
        const stream = new EventStream(req);
        req.on('error', (error) => {
          stream.end();
          reject(error);
        });
      }),
      WAIT_MS,
      'event stream',
    );
  }

  /** The next event named `event` after those already taken. */
  async next(event: string, timeoutMs = WAIT_MS): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.events.length) {
        const candidate = this.events[this.cursor++]!;
        if (candidate.event === event) return candidate;
      }
      if (this.ended) throw new Error(`event stream ended before "${event}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${event}" event within ${timeoutMs} ms (got: ${this.events.map((e) => e.event).join(', ') || 'nothing'})`);
      await withTimeout(new Promise<void>((resolve) => (this.wake = resolve)), left, `"${event}" event`).catch(() => {});
    }
  }

  /** Events named `event` received so far, taken or not. */
  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Resolves when the server ends the stream. */
  async whenEnded(timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() >= deadline) throw new Error('event stream still open');
      await withTimeout(new Promise<void>((resolve) => (this.wake = resolve)), deadline - Date.now(), 'end').catch(() => {});
    }
  }

  close(): void {
    this.req.destroy();
    this.end();
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return; // retry: and comments
    this.events.push({ event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
    this.poke();
  }

  private end(): void {
    this.ended = true;
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Kinds of handle that would keep a process alive after the dev server closed. */
export function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (/TCP|Pipe|FSEvent|StatWatcher|Worker|Process/.test(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Polls `check` until it holds or `timeoutMs` passes: for states no event announces. */
export async function settled(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

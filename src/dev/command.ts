// `broadsheet dev`: flags -> startDevServer, print where the site is, run until
// SIGINT or SIGTERM, then close everything so the process ends by itself.
import path from 'node:path';
import type { Io } from '../cli.ts';
import { UsageError } from '../errors.ts';
import { DEFAULT_HOST, DEFAULT_PORT, startDevServer } from './dev.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What the command listens to for Ctrl-C; `process` outside tests. */
export interface Signals {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * `now` is the --now / SOURCE_DATE_EPOCH instant when one was given; without one each
 * rebuild reads the clock, so an article dated a minute ago appears on the next save.
 */
export async function devCommand(
  positionals: string[],
  flags: Record<string, string | boolean | undefined>,
  now: number | undefined,
  io: Io,
  signals: Signals = process,
): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = parsePort(flags['port'] as string | undefined);
  const host = (flags['host'] as string | undefined) ?? DEFAULT_HOST;
  if (!LOOPBACK.has(host)) io.err(`warning: --host ${host} lets other machines on the network see the dev server`);
  const contentDir = flags['content'] as string;
  const templatesDir = flags['templates'] as string | undefined;

  const server = await startDevServer({
    contentDir,
    templatesDir,
    port,
    host,
    drafts: flags['drafts'] === true,
    now: now ?? Date.now,
    log: { out: io.out, err: io.err },
  });
  io.out(`Serving ${server.url}`);
  io.out(`Watching ${path.normalize(contentDir)} and ${templatesDir === undefined ? 'the built-in templates' : path.normalize(templatesDir)} for changes; Ctrl-C to stop.`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      for (const signal of STOP_SIGNALS) signals.off(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) signals.once(signal, stop);
  });
  // A second Ctrl-C while a long build finishes: stop at once.
  const quitNow = () => {
    io.err('Stopped before the running build finished.');
    process.exit(130);
  };
  for (const signal of STOP_SIGNALS) signals.once(signal, quitNow);
  io.out('Stopping.');
  await server.close();
  for (const signal of STOP_SIGNALS) signals.off(signal, quitNow);
  return 0;
}

function parsePort(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(flag) ? Number(flag) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port "${flag}" is not a port number (0 to 65535; 0 picks any free port)`);
  return port;
}

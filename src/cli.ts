// argv -> a command. Prints results and problems, returns the exit code:
// 0 done, 1 content errors, 2 usage errors. No build logic lives here.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { build, type BuildResult } from './build.ts';
import { loadConfig } from './config.ts';
import { ContentErrors, Diagnostics, formatDiagnostic, UsageError, type Diagnostic } from './errors.ts';
import { readDate } from './parse/fields.ts';

export const EXIT_OK = 0;
export const EXIT_CONTENT = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage:
  broadsheet build [--content DIR] [--out DIR] [--now ISO-8601] [--base-url URL] [--drafts] [--templates DIR] [--no-search] [--no-cache] [--verbose]
  broadsheet check [--content DIR] [--now ISO-8601] [--drafts] [--verbose]
  broadsheet new "<title>" [--category C] [--slug S] [--content DIR] [--now ISO-8601]
  broadsheet related <slug> [--content DIR] [--now ISO-8601] [--drafts]
  broadsheet dev [--content DIR] [--port 4000] [--host 127.0.0.1] [--templates DIR] [--drafts] [--now ISO-8601]

Build time: --now, else SOURCE_DATE_EPOCH (seconds), else the clock.
Exit codes: 0 done, 1 content errors, 2 usage errors.`;

const COMMON = {
  content: { type: 'string', default: 'content' },
  now: { type: 'string' },
  drafts: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const COMMANDS = {
  // Node 20's parseArgs has no negated flags, so --no-search is a flag of its own.
  build: { ...COMMON, out: { type: 'string', default: 'dist' }, 'base-url': { type: 'string' }, templates: { type: 'string' }, 'no-search': { type: 'boolean', default: false }, 'no-cache': { type: 'boolean', default: false } },
  check: { ...COMMON, 'base-url': { type: 'string' } },
  new: { ...COMMON, category: { type: 'string' }, slug: { type: 'string' } },
  related: { ...COMMON },
  dev: { ...COMMON, port: { type: 'string', default: '4000' }, host: { type: 'string', default: '127.0.0.1' }, templates: { type: 'string' } },
} as const satisfies Record<string, ParseArgsConfig['options']>;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress on the same terminal line; a no-op when not on a terminal or in CI. */
  progress: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    io.err(`broadsheet: unknown command "${command}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: COMMANDS[command as keyof typeof COMMANDS], allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`broadsheet ${command}: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags['help']) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const verbose = flags['verbose'] === true;
  nameRun(command);
  try {
    const now = await buildTime(flags['now'] as string | undefined, io.env, flags['content'] as string);
    switch (command) {
      case 'build':
      case 'check':
        if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
        return await runBuild(command, flags, now, io);
      // Loaded only for their commands, as `dev` is below: a build never pays for them.
      case 'new':
        return await (await import('./new.ts')).createArticle(parsed.positionals, flags, now, io);
      case 'related':
        return await (await import('./explain.ts')).explainCommand(parsed.positionals, flags, now, io);
      case 'dev': {
        // Loaded only for `dev`: other commands never pay for chokidar and the server.
        const { devCommand } = await import('./dev/command.ts');
        const fixedNow = flags['now'] !== undefined || (io.env['SOURCE_DATE_EPOCH'] ?? '') !== '' ? now : undefined;
        return await devCommand(parsed.positionals, flags, fixedNow, io);
      }
    }
    return EXIT_USAGE;
  } catch (error) {
    io.progress('');
    if (error instanceof UsageError) {
      io.err(`broadsheet ${command}: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof ContentErrors) {
      reportDiagnostics(error.diagnostics, io);
      return EXIT_CONTENT;
    }
    io.err(`broadsheet ${command}: ${(error as Error).message ?? String(error)}`);
    if (verbose) io.err(String((error as Error).stack ?? ''));
    else io.err('(run again with --verbose for details)');
    return EXIT_CONTENT;
  }
}

/** --now, else SOURCE_DATE_EPOCH (the reproducible-builds convention), else the clock. */
/**
 * `--now` reads like frontmatter dates: with an offset it is that instant; a date or
 * date-time without one is wall-clock time in the site's time zone (site.yaml), so the
 * same command gives the same site on any machine. Impossible dates are refused.
 */
export async function buildTime(flag: string | undefined, env: NodeJS.ProcessEnv, contentDir = 'content'): Promise<number> {
  if (flag !== undefined) {
    const timeZone = (await loadConfig(contentDir, {}, new Diagnostics())).timezone;
    const parsed = readDate('--now', flag, timeZone);
    if (!parsed.ok) throw new UsageError(`--now "${flag}" is not a usable ISO-8601 date or date-time: ${parsed.message} (e.g. 2026-11-27T09:00:00+08:00)`);
    return parsed.value;
  }
  const epoch = env['SOURCE_DATE_EPOCH'];
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH "${epoch}" must be whole seconds since 1970`);
    return Number(epoch) * 1000;
  }
  return Date.now();
}

async function runBuild(command: 'build' | 'check', flags: Record<string, string | boolean | undefined>, now: number, io: Io): Promise<number> {
  const started = performance.now();
  const result: BuildResult = await build({
    contentDir: flags['content'] as string,
    outDir: (flags['out'] as string | undefined) ?? 'dist',
    now,
    baseUrl: flags['base-url'] as string | undefined,
    drafts: flags['drafts'] === true,
    render: command === 'build',
    templatesDir: flags['templates'] as string | undefined,
    search: flags['no-search'] !== true,
    cache: flags['no-cache'] !== true,
    onProgress: (stage, done, total) => io.progress(total > 0 ? `${stage} ${done}/${total}` : `${stage}...`),
  });
  io.progress('');
  // Incremental: most pages kept (a warm build keeps all but a few; one after a change of templates, a few assets).
  nameRun(`${command} ${result.unchanged ? 'unchanged' : result.pagesReused * 2 > result.pageCount ? 'incremental' : 'whole'}`);
  reportDiagnostics(result.diagnostics, io);
  for (const note of result.notes) io.err(`note: ${note}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (command === 'check') io.out(`Checked ${result.articleCount} articles: no errors (${seconds} s)`);
  else if (result.unchanged) io.out(`Nothing changed since the last build of ${flags['out']} (${result.articleCount} articles, ${result.pageCount} files) in ${seconds} s`);
  else io.out(`Built ${result.articleCount} articles into ${flags['out']} (${result.pageCount} files${result.pagesReused > 0 ? `, ${result.pagesReused} unchanged` : ''}) in ${seconds} s`);
  if (flags['verbose']) {
    for (const t of result.timings) io.err(`  ${t.stage.padEnd(14)} ${t.ms.toFixed(0).padStart(7)} ms`);
    io.err(`  ${'peak RSS'.padEnd(14)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(7)} MB`);
    if (result.relatedComputed !== undefined) io.err(`  related lists computed: ${result.relatedComputed} of ${result.articleCount}`);
    if (result.pageKeys) io.err(`  page keys made: ${result.pageKeys.made}, kept without looking: ${result.pageKeys.kept}`);
  }
  return EXIT_OK;
}

/**
 * Tells src/boot.js what kind of run this is: the first run of each kind adds what it
 * compiled to the bundle's code caches (boot.js, runWithCodeCache).
 */
function nameRun(kind: string): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for('broadsheet.run-kind')] = kind;
}

function reportDiagnostics(diagnostics: Diagnostic[], io: Io): void {
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (errors > 0) io.err(`${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: nothing was written`);
}

function processIo(): Io {
  const interactive = Boolean(process.stderr.isTTY) && !process.env['CI'];
  let shown = false;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: (text) => {
      if (!interactive) return;
      if (text === '' && !shown) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      shown = text !== '';
    },
    env: process.env,
  };
}

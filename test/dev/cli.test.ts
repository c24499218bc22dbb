// `broadsheet dev` from the command line: the real CLI in a child process, stopped
// with Ctrl-C (SIGINT); its flags' usage errors; and `broadsheet build` output, which
// must never carry anything of the dev server.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLIENT_MARKER, EVENTS_PATH, OVERLAY_ID } from '../../src/dev/inject.ts';
import { listFiles, md, NOW_ISO, runCli, writeArchive } from '../helpers.ts';
import { request, withTimeout, WAIT_MS } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));

const archive = {
  'site.yaml': 'title: 命令行档案\nbaseUrl: https://news.example.com/archive/\n',
  '2026/11/alpha.md': md({ title: '招商银行发布三季报', date: '2026-11-25T09:00:00+08:00', category: '银行' }, '正文。'),
  '2026/11/draft.md': md({ title: '未发布的草稿', date: '2026-11-25T10:00:00+08:00', draft: 'true' }, '草稿。'),
};

describe('broadsheet dev (child process)', { timeout: 60_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints the URL, serves the site, and exits 0 on %s with nothing left running', async (stop) => {
    const contentDir = await writeArchive(archive);
    const child = spawn(process.execPath, [BIN, 'dev', '--content', contentDir, '--port', '0', '--now', NOW_ISO, '--drafts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    try {
      const url = await withTimeout(
        new Promise<string>((resolve, reject) => {
          child.stdout.on('data', () => {
            const match = /Serving (http:\/\/127\.0\.0\.1:\d+\/archive\/)/.exec(stdout);
            if (match) resolve(match[1]!);
          });
          void exited.then(() => reject(new Error(`exited early:\n${stdout}\n${stderr}`)));
        }),
        45_000,
        'the dev server URL',
      );
      const { origin } = new URL(url);
      const home = await request(origin, '/archive/');
      expect(home.status).toBe(200);
      expect(home.body).toContain('招商银行发布三季报');
      expect(home.body).toContain(CLIENT_MARKER);
      // --drafts: drafts are in.
      expect((await request(origin, '/archive/2026/11/draft/')).status).toBe(200);

      child.kill(stop);
      const { code, signal } = await withTimeout(exited, WAIT_MS, 'the dev server to exit');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(stderr.replace(/^note: .*\n/gm, '')).toBe('');
      expect(stdout).toMatch(/Stopping\.\n$/);
      // The port is closed: the request fails to connect.
      await expect(request(origin, '/archive/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('broadsheet dev: usage errors', () => {
  it('refuses a bad port, a busy port, a missing content folder and stray arguments with exit code 2', async () => {
    const contentDir = await writeArchive(archive);
    const badPort = await runCli(['dev', '--content', contentDir, '--port', 'http']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port "http" is not a port number');

    const missing = await runCli(['dev', '--content', path.join(contentDir, 'nope'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');

    expect((await runCli(['dev', 'extra', '--content', contentDir])).code).toBe(2);

    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as { port: number }).port;
      const taken = await runCli(['dev', '--content', contentDir, '--port', String(port), '--now', NOW_ISO]);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toContain(`port ${port} is in use`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('lists dev in the usage text', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('broadsheet dev [--content DIR] [--port 4000] [--host 127.0.0.1]');
  });
});

describe('broadsheet build output', { timeout: 60_000 }, () => {
  it('never holds the live-reload client or the overlay', async () => {
    const contentDir = await writeArchive(archive);
    const outDir = path.join(path.dirname(contentDir), 'dist');
    const result = await runCli(['build', '--content', contentDir, '--out', outDir, '--now', NOW_ISO, '--no-search']);
    expect(result.code).toBe(0);
    const files = await listFiles(outDir);
    expect(files).toContain('2026/11/alpha/index.html');
    for (const file of files) {
      const text = await readFile(path.join(outDir, file), 'utf8');
      for (const mark of [EVENTS_PATH, CLIENT_MARKER, OVERLAY_ID, 'EventSource']) {
        expect([file, mark, text.includes(mark)]).toEqual([file, mark, false]);
      }
    }
  });
});

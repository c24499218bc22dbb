// The dev server end to end over HTTP: one server on a free port over a temp
// archive, driven step by step as an author would: look, edit, break, fix, save
// atomically, delete, rename mid-build, move content/ away and back, then stop.
import { createServer } from 'node:net';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build.ts';
import { CLIENT_MARKER, EVENTS_PATH, OVERLAY_ID } from '../../src/dev/inject.ts';
import { md } from '../helpers.ts';
import { EventStream, liveHandles, request, settled, startFixture, type Fixture } from './helpers.ts';

const ALPHA = '/archive/2026/11/alpha/';
const BETA = '/archive/2026/11/beta/';

const files = {
  'site.yaml': 'title: 开发档案\nbaseUrl: https://news.example.com/archive/\n',
  '2026/11/alpha.md': md({ title: '招商银行发布三季报', date: '2026-11-25T09:00:00+08:00', category: '银行' }, '第一版正文。'),
  '2026/11/beta.md': md({ title: '宁德时代发布新电池', date: '2026-11-24T09:00:00+08:00', category: '科技' }, '电池正文。'),
  '2026/11/gamma.md': md({ title: '央行下调存款准备金率', date: '2026-11-23T09:00:00+08:00', category: '宏观' }, '宏观正文。'),
};

/** A gate the test opens: while shut, a build waits before it reads anything. */
let gate: { shut: Promise<void>; open: () => void; entered: () => void; reached: Promise<void> } | undefined;
let builds = 0;

let fx: Fixture;
let handlesBefore: Record<string, number>;
const article = (file: string) => path.join(fx.contentDir, file);
const get = (target: string, headers?: Record<string, string>) => request(fx.server.origin, target, { headers });

beforeAll(async () => {
  handlesBefore = liveHandles();
  fx = await startFixture(files, {
    // Longer than the product's default: the burst test's own writes (a read, then a
    // write) must land within one quiet period on a CI machine that may be busy.
    debounceMs: 150,
    builder: async (options) => {
      builds++;
      const held = gate;
      if (held) {
        held.entered();
        await held.shut;
      }
      return build(options);
    },
  });
}, 60_000);

afterAll(async () => {
  await fx?.server.close();
});

describe('dev server', { timeout: 30_000 }, () => {
  it('prints where the site is: the base path comes from site.yaml', () => {
    expect(fx.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/archive\/$/);
    expect(fx.server.port).toBeGreaterThan(0);
    expect(fx.logs.out.join('\n')).toMatch(/built 3 articles in [\d.]+ s/);
  });

  it('serves pages with index.html for folders, MIME types, redirects and the 404 page', async () => {
    const home = await get('/archive/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toContain('招商银行发布三季报');

    const page = await get(ALPHA);
    expect(page.status).toBe(200);
    expect(page.body).toContain('第一版正文。');

    const expected: Record<string, string> = {
      '/archive/feed.xml': 'application/xml; charset=utf-8',
      '/archive/feed.json': 'application/json; charset=utf-8',
      '/archive/robots.txt': 'text/plain; charset=utf-8',
      '/archive/assets/style.css': 'text/css; charset=utf-8',
      '/archive/assets/favicon.svg': 'image/svg+xml',
      '/archive/2026/11/alpha/index.html': 'text/html; charset=utf-8',
    };
    for (const [target, type] of Object.entries(expected)) {
      const response = await get(target);
      expect([target, response.status, response.headers['content-type']]).toEqual([target, 200, type]);
    }

    expect(await get('/archive/2026/11/alpha')).toMatchObject({ status: 302, headers: { location: ALPHA } });
    expect(await get('/archive/2026/11/alpha?x=1')).toMatchObject({ status: 302, headers: { location: `${ALPHA}?x=1` } });
    expect(await get('/archive')).toMatchObject({ status: 302, headers: { location: '/archive/' } });
    expect(await get('/')).toMatchObject({ status: 302, headers: { location: '/archive/' } });

    for (const target of ['/archive/no-such-page/', '/archive/2026/11/alpha.md', '/elsewhere/', '/2026/11/alpha/', '/archivex/']) {
      const missing = await get(target);
      expect([target, missing.status]).toEqual([target, 404]);
      expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(missing.body).toContain('<meta name="robots" content="noindex">');
    }
  });

  it('answers HEAD, conditional requests, and refuses other methods', async () => {
    const first = await get('/archive/feed.xml');
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^".+"$/);
    expect((await get('/archive/feed.xml', { 'If-None-Match': etag })).status).toBe(304);
    const html = await get(ALPHA);
    expect((await get(ALPHA, { 'If-None-Match': String(html.headers['etag']) })).status).toBe(304);
    const head = await request(fx.server.origin, ALPHA, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(html.body)));
    expect((await request(fx.server.origin, ALPHA, { method: 'POST' })).status).toBe(405);
  });

  it('never serves anything outside the site, however the path is spelled', async () => {
    const attempts = [
      '/../../etc/passwd',
      '/archive/../../etc/passwd',
      '/archive/../content/2026/11/alpha.md',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/archive/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/archive/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/archive/..%5c..%5c..%5cetc%5cpasswd',
      '/archive/%00',
      '/archive/%E0%A4%A',
      '//etc/passwd',
      '/archive//etc/passwd',
    ];
    for (const target of attempts) {
      const response = await get(target);
      expect([target, [400, 404].includes(response.status)]).toEqual([target, true]);
      expect(response.body).not.toMatch(/root:|第一版正文/);
    }
  });

  it('adds the reload client to HTML as it is served, never to the built pages', async () => {
    const page = await get(ALPHA);
    expect(page.body).toContain(`<script ${CLIENT_MARKER}>`);
    expect(page.body).toContain(EVENTS_PATH);
    expect(page.body.indexOf(CLIENT_MARKER)).toBeLessThan(page.body.lastIndexOf('</body>'));
    expect((await get('/archive/feed.xml')).body).not.toContain('__broadsheet');
    const site = fx.server.state().site!;
    for (const [key, file] of site.files) {
      expect([key, String(file.content).includes('__broadsheet')]).toEqual([key, false]);
    }
  });

  it('rebuilds on change and tells the open page to reload; the new text is served', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    const hello = await events.next('hello');
    expect(hello.data['build']).toBe(fx.server.state().site!.build);
    await appendFile(article('2026/11/alpha.md'), '\n第二版加了一句。\n');
    const reload = await events.next('reload');
    expect(reload.data['build']).not.toBe(hello.data['build']);
    expect((await get(ALPHA)).body).toContain('第二版加了一句。');
    expect(fx.logs.out.at(-1)).toMatch(/content: .*alpha\.md changed: built 3 articles in [\d.]+ s, reloading 1 page/);
    events.close();
  });

  it('a burst of saves is one build', async () => {
    const before = builds;
    const done = fx.server.nextBuild();
    await Promise.all(['alpha', 'beta', 'gamma'].map((name, i) => appendFile(article(`2026/11/${name}.md`), `\n连续保存${i}。\n`)));
    await writeFile(article('2026/11/alpha.md'), (await readFile(article('2026/11/alpha.md'), 'utf8')) + '\n再存一次。\n');
    expect((await done).ok).toBe(true);
    // Another, later change is the next build: nothing else was queued in between.
    const next = fx.server.nextBuild();
    await appendFile(article('2026/11/beta.md'), '\n之后的修改。\n');
    await next;
    expect(builds - before).toBe(2);
    expect((await get(ALPHA)).body).toContain('再存一次。');
  });

  it('changes during a running build make exactly one more build after it', async () => {
    const events = await EventStream.open(fx.server.origin);
    await events.next('hello');
    gate = holdBuilds();
    const before = builds;
    await appendFile(article('2026/11/gamma.md'), '\n第一处修改。\n');
    await gate.reached; // the build for it is running (held)
    const queued1 = fx.logs.next(/queued, building again/);
    await appendFile(article('2026/11/beta.md'), '\n构建中修改一。\n');
    await queued1;
    const queued2 = fx.logs.next(/queued, building again/);
    // Renamed while a build runs: the old URL goes, the new one comes.
    await rename(article('2026/11/gamma.md'), article('2026/11/gamma-renamed.md'));
    await queued2;
    const done = fx.server.nextBuild();
    const held = gate;
    gate = undefined;
    held.open();
    expect(await done).toMatchObject({ ok: true });
    await events.next('reload');
    expect(builds - before).toBe(2);
    expect(events.count('error')).toBe(0);
    expect((await get('/archive/2026/11/gamma-renamed/')).status).toBe(200);
    expect((await get('/archive/2026/11/gamma/')).status).toBe(404);
    expect((await get(BETA)).body).toContain('构建中修改一。');
    events.close();
  });

  it('a file saved with errors keeps the last good site, shows the errors in the terminal and as an overlay, and recovers', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    await events.next('hello');
    const good = await readFile(article('2026/11/alpha.md'), 'utf8');
    await writeFile(article('2026/11/alpha.md'), md({ title: '招商银行发布三季报', date: '2024-02-30' }, '坏掉的版本。'));

    const error = await events.next('error');
    const overlay = String(error.data['overlay']);
    expect(overlay).toContain(`id="${OVERLAY_ID}"`);
    expect(overlay).toMatch(/alpha\.md:3: .+ \(.+\)/);
    expect(fx.logs.err.join('\n')).toMatch(/build failed, still serving the last good build:\n.*alpha\.md:3: .+ \(.+\)/);

    const page = await get(ALPHA);
    expect(page.status).toBe(200);
    expect(page.body).toContain('再存一次。'); // the last good build
    expect(page.body).not.toContain('坏掉的版本');
    expect(page.body).toContain(`id="${OVERLAY_ID}"`);
    expect(page.body).toMatch(/alpha\.md:3: /);
    expect((await get('/archive/feed.xml')).body).not.toContain(`id="${OVERLAY_ID}"`);
    // A page opened now is told about the errors when it connects.
    const late = await EventStream.open(fx.server.origin, BETA);
    expect(String((await late.next('hello')).data['overlay'])).toContain(OVERLAY_ID);
    late.close();

    await writeFile(article('2026/11/alpha.md'), `${good}\n修好了。\n`);
    await events.next('reload');
    const fixed = await get(ALPHA);
    expect(fixed.body).toContain('修好了。');
    expect(fixed.body).not.toContain(`id="${OVERLAY_ID}"`);
    events.close();
  });

  it('an atomic save (temp file, then rename over the article) is one change', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    await events.next('hello');
    const before = builds;
    const text = (await readFile(article('2026/11/alpha.md'), 'utf8')) + '\n原子保存。\n';
    const temp = article('2026/11/.alpha.md.swp-4913');
    await writeFile(temp, text);
    await rename(temp, article('2026/11/alpha.md'));
    await events.next('reload');
    expect(builds - before).toBe(1);
    expect(fx.logs.out.at(-1)).toMatch(/content: .*alpha\.md changed/);
    expect((await get(ALPHA)).body).toContain('原子保存。');
    events.close();
  });

  it('a deleted article is gone from the site', async () => {
    const events = await EventStream.open(fx.server.origin, BETA);
    await events.next('hello');
    await rm(article('2026/11/beta.md'));
    await events.next('reload');
    expect((await get(BETA)).status).toBe(404);
    expect((await get('/archive/')).body).not.toContain('宁德时代发布新电池');
    expect(fx.logs.out.at(-1)).toMatch(/content: .*beta\.md deleted: built 2 articles/);
    events.close();
  });

  it('sorts template and site.yaml changes into their kinds', async () => {
    const events = await EventStream.open(fx.server.origin, '/archive/');
    await events.next('hello');
    await appendFile(path.join(fx.templatesDir, 'assets', 'style.css'), '\n/* dev test */\n');
    await events.next('reload');
    expect(fx.logs.out.at(-1)).toMatch(/template: .*style\.css changed/);
    await appendFile(path.join(fx.contentDir, 'site.yaml'), 'description: 改过的描述\n');
    await events.next('reload');
    expect(fx.logs.out.at(-1)).toMatch(/config: .*site\.yaml changed/);
    expect((await get('/archive/')).body).toContain('改过的描述');
    events.close();
  });

  it('a template that does not compile is blamed by name, and the fix recovers', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    await events.next('hello');
    const template = path.join(fx.templatesDir, 'article.eta');
    const good = await readFile(template, 'utf8');
    await writeFile(template, `${good}\n<% if ( { %>\n`);
    const error = await events.next('error');
    expect(String(error.data['overlay'])).toMatch(/article\.eta: Bad template syntax.{0,300} \(fix the template just changed\)/s);
    expect(fx.logs.err.at(-1)).toMatch(/article\.eta: .+ \(fix the template just changed\)$/);
    expect((await get(ALPHA)).status).toBe(200);
    await writeFile(template, good);
    await events.next('reload');
    expect((await get(ALPHA)).body).not.toContain(`id="${OVERLAY_ID}"`);
    events.close();
  });

  it('reloads only the open pages whose bytes changed', async () => {
    const home = await EventStream.open(fx.server.origin, '/archive/');
    const page = await EventStream.open(fx.server.origin, ALPHA);
    await Promise.all([home.next('hello'), page.next('hello')]);
    // site.yaml's description is on the home page only.
    const config = path.join(fx.contentDir, 'site.yaml');
    const done = fx.server.nextBuild();
    await writeFile(config, (await readFile(config, 'utf8')).replace('改过的描述', '又改过的描述'));
    await done;
    await home.next('reload');
    expect(fx.logs.out.at(-1)).toMatch(/reloading 1 page$/);
    expect(page.count('reload')).toBe(0);
    home.close();
    page.close();
  });

  it('survives content/ moved away and back', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    await events.next('hello');
    const away = path.join(fx.root, 'content-away');
    await rename(fx.contentDir, away);
    const error = await events.next('error');
    expect(String(error.data['overlay'])).toContain('the content folder is gone');
    expect((await get(ALPHA)).body).toContain('原子保存。');

    await rename(away, fx.contentDir);
    await events.next('reload');
    expect((await get(ALPHA)).body).not.toContain(`id="${OVERLAY_ID}"`);
    // The folder is watched again.
    await appendFile(article('2026/11/alpha.md'), '\n回来之后。\n');
    await events.next('reload');
    expect((await get(ALPHA)).body).toContain('回来之后。');
    events.close();
  });

  it('close() ends event streams, frees the port and leaves nothing running', async () => {
    const events = await EventStream.open(fx.server.origin, ALPHA);
    await events.next('hello');
    const port = fx.server.port;
    await fx.server.close();
    await events.whenEnded();
    await expect(canListen(port)).resolves.toBe(true);
    // Sockets finish closing a few ticks after the server says it closed.
    await settled(() => JSON.stringify(liveHandles()) === JSON.stringify(handlesBefore));
    expect(liveHandles()).toEqual(handlesBefore);
  });
});

function holdBuilds() {
  let open!: () => void;
  let entered!: () => void;
  const shut = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { shut, open, entered, reached };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('dev server whose first build fails', { timeout: 30_000 }, () => {
  it('starts anyway, shows the errors on every page, and serves the site once they are fixed', async () => {
    const broken = md({ title: '日期写错了', date: '2026-13-01' }, '正文。');
    const started = await startFixture({ '2026/11/a.md': broken });
    try {
      expect(started.server.state().site).toBeUndefined();
      expect(started.logs.err.join('\n')).toMatch(/build failed:\n.*a\.md:3: .+ \(.+\)/);
      const page = await request(started.server.origin, '/2026/11/a/');
      expect(page.status).toBe(500);
      expect(page.body).toContain('The first build failed');
      expect(page.body).toContain(`id="${OVERLAY_ID}"`);
      expect(page.body).toMatch(/a\.md:3: /);

      const events = await EventStream.open(started.server.origin, '/2026/11/a/');
      expect((await events.next('hello')).data['build']).toBe('');
      await writeFile(path.join(started.contentDir, '2026/11/a.md'), md({ title: '日期改好了', date: '2026-11-01' }, '正文。'));
      await events.next('reload');
      const fixed = await request(started.server.origin, '/2026/11/a/');
      expect(fixed.status).toBe(200);
      expect(fixed.body).toContain('日期改好了');
      events.close();
    } finally {
      await started.server.close();
    }
  });
});

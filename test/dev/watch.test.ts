// The watcher: which kind each change is, what is editor litter, and real chokidar
// runs over a temp folder: a burst is one batch, an atomic save is one change,
// content/ moved away and back is noticed both ways.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeChanges } from '../../src/dev/report.ts';
import { classifyChange, isEditorLitter, mergeChanges, watchSources, type ChangeSet, type SourceWatcher } from '../../src/dev/watch.ts';
import { tempDir } from '../helpers.ts';
import { withTimeout, WAIT_MS } from './helpers.ts';

const roots = { contentDir: '/site/content', templatesDir: '/site/templates' };

describe('classifyChange', () => {
  it('sorts files into content, template, config and data', () => {
    const cases: Record<string, string | undefined> = {
      '/site/content/2026/11/a.md': 'content',
      '/site/content/a.md': 'content',
      '/site/content': 'content',
      '/site/content/site.yaml': 'config',
      '/site/content/2026/site.yaml': 'content',
      '/site/content/data/pageviews.csv': 'data',
      '/site/content/data': 'data',
      '/site/content/database/a.md': 'content',
      '/site/templates/layout.eta': 'template',
      '/site/templates/assets/style.css': 'template',
      '/site/templates': 'template',
      '/site/other/a.md': undefined,
      '/site/content-old/a.md': undefined,
    };
    for (const [file, kind] of Object.entries(cases)) expect([file, classifyChange(file, roots)]).toEqual([file, kind]);
  });

  it('counts templates kept inside content/ as templates', () => {
    expect(classifyChange('/site/content/_theme/layout.eta', { contentDir: '/site/content', templatesDir: '/site/content/_theme' })).toBe('template');
  });
});

describe('isEditorLitter', () => {
  it('ignores what editors and systems leave beside real files', () => {
    for (const file of ['.a.md.swp', 'a.md~', '#a.md#', '4913', '2026/.DS_Store', '.git/index', 'a.md.tmp', 'x.crswap', '2026/.a.md.tmp-123']) {
      expect([file, isEditorLitter(file)]).toEqual([file, true]);
    }
    for (const file of ['a.md', '2026/11/a.md', 'site.yaml', 'data/pageviews.csv', 'assets/style.css', 'tmp/a.md']) {
      expect([file, isEditorLitter(file)]).toEqual([file, false]);
    }
  });
});

describe('change sets', () => {
  it('merge keeping the latest event per file', () => {
    const a: ChangeSet = { changes: [{ file: '/c/a.md', kind: 'content', event: 'add' }], kinds: new Set(['content']) };
    const b: ChangeSet = {
      changes: [
        { file: '/c/a.md', kind: 'content', event: 'unlink' },
        { file: '/t/x.eta', kind: 'template', event: 'change' },
      ],
      kinds: new Set(['content', 'template']),
    };
    const merged = mergeChanges(a, b);
    expect(merged.changes).toEqual([
      { file: '/c/a.md', kind: 'content', event: 'unlink' },
      { file: '/t/x.eta', kind: 'template', event: 'change' },
    ]);
    expect([...merged.kinds].sort()).toEqual(['content', 'template']);
  });

  it('are described for the log line', () => {
    const shown = (file: string) => file.slice(1);
    expect(describeChanges({ changes: [{ file: '/c/a.md', kind: 'content', event: 'change' }], kinds: new Set(['content']) }, shown)).toBe('content: c/a.md changed');
    expect(describeChanges({ changes: [{ file: '/c/a.md', kind: 'content', event: 'unlink' }], kinds: new Set(['content']) }, shown)).toBe('content: c/a.md deleted');
    const three: ChangeSet = {
      changes: [
        { file: '/c/a.md', kind: 'content', event: 'change' },
        { file: '/c/b.md', kind: 'content', event: 'add' },
        { file: '/t/x.eta', kind: 'template', event: 'change' },
      ],
      kinds: new Set(['content', 'template']),
    };
    expect(describeChanges(three, shown)).toBe('3 changes (2 content, 1 template)');
    const gone: ChangeSet = {
      changes: [
        { file: '/c/a.md', kind: 'content', event: 'unlink' },
        { file: '/c', kind: 'content', event: 'unlinkDir' },
      ],
      kinds: new Set(['content']),
    };
    expect(describeChanges(gone, shown, ['/c', '/t'])).toBe('folder c is gone');
    expect(describeChanges({ changes: [{ file: '/c', kind: 'content', event: 'addDir' }], kinds: new Set(['content']) }, shown, ['/c'])).toBe('folder c is back');
  });
});

describe('watchSources', { timeout: 30_000 }, () => {
  let watcher: SourceWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  /** Starts a watcher over a fresh content/ and templates/; batches queue up for `next()`. */
  async function start() {
    const root = await tempDir('broadsheet-watch-');
    const contentDir = path.join(root, 'content');
    const templatesDir = path.join(root, 'templates');
    await mkdir(path.join(contentDir, '2026'), { recursive: true });
    await mkdir(templatesDir, { recursive: true });
    await writeFile(path.join(contentDir, '2026', 'a.md'), 'a');
    const batches: ChangeSet[] = [];
    let wake: (() => void) | undefined;
    watcher = await watchSources({
      roots: { contentDir, templatesDir },
      // Longer than the product's default: a burst here includes a new folder, which
      // chokidar must notice and read before its file, on a CI machine that may be busy.
      debounceMs: 150,
      onChanges: (changes) => {
        batches.push(changes);
        wake?.();
      },
    });
    let taken = 0;
    const next = async (): Promise<ChangeSet> => {
      while (batches.length <= taken) await withTimeout(new Promise<void>((resolve) => (wake = resolve)), WAIT_MS, 'a batch of changes');
      return batches[taken++]!;
    };
    return { root, contentDir, templatesDir, next, batches };
  }

  it('hands on a burst of saves as one batch, sorted by kind', async () => {
    const w = await start();
    await Promise.all([
      writeFile(path.join(w.contentDir, '2026', 'a.md'), 'a2'),
      writeFile(path.join(w.contentDir, '2026', 'b.md'), 'b'),
      writeFile(path.join(w.contentDir, 'site.yaml'), 'title: x\n'),
      writeFile(path.join(w.templatesDir, 'layout.eta'), '<%= it.x %>'),
      mkdir(path.join(w.contentDir, 'data')).then(() => writeFile(path.join(w.contentDir, 'data', 'pageviews.csv'), 'path,date,views\n')),
    ]);
    const batch = await w.next();
    const seen = batch.changes.map((c) => `${c.kind} ${path.relative(w.root, c.file)}`).sort();
    expect(seen).toEqual([
      'config content/site.yaml',
      'content content/2026/a.md',
      'content content/2026/b.md',
      'data content/data/pageviews.csv',
      'template templates/layout.eta',
    ]);
    expect([...batch.kinds].sort()).toEqual(['config', 'content', 'data', 'template']);
  });

  it('sees an atomic save as one change to the article, not to the temp file', async () => {
    const w = await start();
    const temp = path.join(w.contentDir, '2026', '.a.md.tmp-77');
    await writeFile(temp, 'saved atomically');
    await rename(temp, path.join(w.contentDir, '2026', 'a.md'));
    const batch = await w.next();
    expect(batch.changes.map((c) => [path.relative(w.contentDir, c.file), c.kind])).toEqual([['2026/a.md', 'content']]);
  });

  it('notices content/ moved away, and watches it again when it comes back', async () => {
    const w = await start();
    const away = path.join(w.root, 'content-away');
    await rename(w.contentDir, away);
    const gone = await w.next();
    expect(gone.changes).toContainEqual({ file: w.contentDir, kind: 'content', event: 'unlinkDir' });
    // Edits in the moved folder are not edits to content/.
    await writeFile(path.join(away, '2026', 'b.md'), 'b');
    await rename(away, w.contentDir);
    const back = await w.next();
    expect(back.changes).toContainEqual({ file: w.contentDir, kind: 'content', event: 'addDir' });
    await writeFile(path.join(w.contentDir, '2026', 'c.md'), 'c');
    const after = await w.next();
    expect(after.changes.map((c) => path.relative(w.contentDir, c.file))).toEqual(['2026/c.md']);
  });
});

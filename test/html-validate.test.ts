// Every page of the sample archive is valid HTML by html-validate's recommended
// preset: the templates' markup, the sanitized article bodies, redirects, the 404
// and the search page alike.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HtmlValidate, type ConfigData } from 'html-validate';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/build.ts';
import { listFiles, tempDir } from './helpers.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../content');
const NOW = Date.parse('2026-11-27T10:00:00+08:00');

/** The recommended preset; each rule turned off says why. */
const HTML_VALIDATE_CONFIG: ConfigData = {
  extends: ['html-validate:recommended'],
  rules: {
    // A letter-case preference only: the doctype is case-insensitive, and the
    // WHATWG spec writes it `<!doctype html>` as our templates do.
    'doctype-style': 'off',
    // An SEO length heuristic (70 characters), not validity: an article's <title>
    // is its full headline plus the site name, and English headlines run longer.
    // Cutting it would hide words from readers and from assistive technology.
    'long-title': 'off',
  },
};

describe('html-validate', () => {
  let outDir: string;
  let pages: string[];

  beforeAll(async () => {
    outDir = path.join(await tempDir(), 'dist');
    await build({ contentDir: SAMPLE, outDir, now: NOW });
    pages = (await listFiles(outDir)).filter((file) => file.endsWith('.html'));
  }, 60_000);

  it('passes every page of the sample archive', { timeout: 60_000 }, async () => {
    const validator = new HtmlValidate(HTML_VALIDATE_CONFIG);
    const problems: string[] = [];
    for (const page of pages) {
      const report = await validator.validateString(await readFile(path.join(outDir, page), 'utf8'), page);
      for (const result of report.results) {
        for (const m of result.messages) problems.push(`${page}:${m.line}:${m.column}: ${m.message} (${m.ruleId})`);
      }
    }
    expect(pages.length).toBeGreaterThan(100);
    for (const kind of ['index.html', '404.html', 'search/index.html']) expect(pages).toContain(kind);
    expect(problems).toEqual([]);
  });
});

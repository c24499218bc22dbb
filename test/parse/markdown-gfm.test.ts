// renderMarkdown uses plain CommonMark for documents that hold no character a GFM
// extension needs, and otherwise only the extensions whose triggers the document
// holds (markdown-gfm.ts). That must never change the output.
import { beforeAll, describe, expect, it } from 'vitest';
import remarkGfm from 'remark-gfm';
import { loadRawHtmlSupport, renderMarkdownAs } from '../../src/parse/markdown.ts';

// The random documents hold raw HTML now and then.
beforeAll(loadRawHtmlSupport);
import { GFM_FEATURES, gfmFeaturesOf, needsGfm, type GfmFeature } from '../../src/parse/markdown-gfm.ts';

/** Pieces that make Markdown structure, plus near misses of every GFM trigger. */
const PIECES = ['\n', '\n\n', ' ', '  ', '\t', '-', '---', ':', ':-', '*', '**', '_', '#', '## ', '> ', '`', '```', '[', ']', '(', ')', '!', '<',
  '>', '<b>', '</b>', '<!-- x -->', '1. ', '- ', '+ ', '=', '==', '.', '/', '^', '[x', 'x]', '[ ', 'ww', 'w.', 'htt', 'p:', 'ftp://a.b',
  'mailto', 'a', 'b', 'word', '中文', '表格', '。', '，', 'http', 'ww.', 'wwv.', '"', "'", '$', '%', '0', '9', '[^', '&', '@', '~', '|', '\\'];
/** Pieces that may make a GFM construct, rarely, so most documents hold none. */
const RARE = new Set(['[^', '&', '@', '~', '|', '\\']);

function randomDoc(rnd: () => number): string {
  let doc = '';
  const length = 5 + Math.floor(rnd() * 60);
  for (let i = 0; i < length; i++) {
    const piece = PIECES[Math.floor(rnd() * PIECES.length)]!;
    if (!RARE.has(piece) || rnd() < 0.05) doc += piece;
  }
  return doc;
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('GFM only when a document needs it', () => {
  it('knows which documents need GFM', () => {
    for (const text of ['| a | b |\n| - | - |', 'a ~~b~~', 'note[^1]', '- [ ] task', '- [x] done', 'mail me@example.com', 'see www.example.com',
      'see HTTPS://x.y', 'WWW.EXAMPLE.COM', 'a &#64; b', 'www\\.example.com', 'one column\n:-', '> quoted\n> --:']) expect(needsGfm(text), text).toBe(true);
    for (const text of ['plain text', '# title\n\n- item\n- [link](/x/)', '中文段落。', '**bold** _em_ `code`']) expect(needsGfm(text), text).toBe(false);
  });

  // Found by this test: `a\n:-` is a one-column table with no pipe at all. (100,000
  // documents agreed when the trigger was settled; 1,000 keep the suite fast.)
  it('gives the same HTML, text and headings with or without GFM for documents that do not need it', () => {
    const rnd = random(7);
    let compared = 0;
    for (let i = 0; i < 20_000 && compared < 1000; i++) {
      const doc = randomDoc(rnd);
      if (needsGfm(doc)) continue;
      compared++;
      const plain = renderMarkdownAs(doc, 'zh-CN', '/', false);
      const gfm = renderMarkdownAs(doc, 'zh-CN', '/', remarkGfm);
      expect(plain, JSON.stringify(doc)).toEqual(gfm);
    }
    expect(compared).toBe(1000);
  }, 30_000);

  it('knows which GFM extensions a document needs', () => {
    const cases: [string, GfmFeature[]][] = [
      ['| a | b |\n| - | - |', ['table']],
      ['one column\n:-', ['table']],
      ['a ~~b~~', ['strikethrough']],
      ['note[^1]\n\n[^1]: text', ['footnote']],
      ['- [ ] task\n- [X] done', ['taskListItem']],
      ['mail me@example.com', ['autolinkLiteral']],
      ['a &#64; b', ['autolinkLiteral']],
      ['see HTTPS://x.y', ['autolinkLiteral']],
      ['| www.example.com | ~~x~~ |\n| - | - |', ['autolinkLiteral', 'strikethrough', 'table']],
      ['# title\n\n- item\n- [link](/x/)', []],
    ];
    for (const [text, features] of cases) expect(gfmFeaturesOf(text), text).toEqual(features);
  });

  // Documents that mix some extensions' constructs (and near misses) with plain
  // Markdown, so each extension is left out while others are in use.
  it('gives the same HTML, text and headings with only the extensions a document needs as with all of GFM', () => {
    const rnd = random(11);
    const plain = PIECES.filter((piece) => !RARE.has(piece));
    let partial = 0;
    for (let i = 0; i < 1000; i++) {
      const families = GFM_FEATURES.filter(() => rnd() < 0.4).map((feature) => FEATURE_PIECES[feature]);
      let doc = '';
      const length = 5 + Math.floor(rnd() * 60);
      for (let j = 0; j < length; j++) {
        const pieces = families.length > 0 && rnd() < 0.3 ? families[Math.floor(rnd() * families.length)]! : plain;
        doc += pieces[Math.floor(rnd() * pieces.length)]!;
      }
      const features = gfmFeaturesOf(doc);
      if (features.length > 0 && features.length < GFM_FEATURES.length) partial++;
      const some = renderMarkdownAs(doc, 'zh-CN', '/', features);
      const all = renderMarkdownAs(doc, 'zh-CN', '/', remarkGfm);
      expect(some, JSON.stringify(doc)).toEqual(all);
    }
    expect(partial).toBeGreaterThan(500);
  }, 60_000);
});

/** Pieces that make each extension's constructs, or nearly. */
const FEATURE_PIECES: Record<GfmFeature, string[]> = {
  autolinkLiteral: ['www.example.com', 'WWW.x.org/a(b)', 'https://x.y/z?', 'http://a.b.', 'me@example.com', 'a.b@c.d', 'mailto:x@y.z', '&#64;', '&#x77;ww.a.b', 'w\\ww.a.b', '&amp;', '\\'],
  footnote: ['[^1]', '[^1]: note', '\n[^a]: x\n', '[^a]', '[^ 1]', '[^]'],
  strikethrough: ['~~', '~', '~~~', '\n~~~\ncode\n~~~\n'],
  table: ['|', ' | ', '\n| a | b |\n| - | - |\n', '\n|---|:-:|\n', '\n:-', '\n-:|', '\n---\n', '\n- \n'],
  taskListItem: ['[ ]', '[x]', '[X]', '\n- [ ] ', '\n* [x] ', '\n1. [X] ', '[\t]'],
};

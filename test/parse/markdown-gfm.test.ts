// renderMarkdown uses plain CommonMark for documents that hold no character a GFM
// extension needs (markdown.ts, needsGfm). That must never change the output.
import { describe, expect, it } from 'vitest';
import { needsGfm, renderMarkdownAs } from '../../src/parse/markdown.ts';

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
      const gfm = renderMarkdownAs(doc, 'zh-CN', '/', true);
      expect(plain, JSON.stringify(doc)).toEqual(gfm);
    }
    expect(compared).toBe(1000);
  }, 30_000);
});

// The standard SSG Markdown benchmark corpus, so our numbers compare with published
// ones: N files, each a 5-word lorem title and 3 lorem-ipsum paragraphs of 3-7
// sentences of 5-15 words (about 1 KB), from the lorem-ipsum package's defaults.
//
// One deviation: every file also gets `date: 2020-01-01`. Broadsheet requires a date
// (an article's URL and every list hang on it); one fixed line adds 17 bytes a file.
import { LoremIpsum } from 'lorem-ipsum';
import path from 'node:path';
import { random, writeFiles } from './files.ts';

export const STANDARD_DATE = '2020-01-01';
/** Build time for the standard corpus: after its one date. */
export const STANDARD_NOW = '2026-01-01T00:00:00+08:00';

/** Writes `n` files into `contentDir` (flat, post-00000.md ...); same (n, seed), same bytes. */
export async function writeStandardCorpus(contentDir: string, n: number, seed = 1): Promise<void> {
  const lorem = new LoremIpsum({ random: random(seed) });
  const width = String(n - 1).length;
  await writeFiles(n, (i) => {
    const title = lorem.generateWords(5);
    // generateParagraphs(3) joins with single newlines (one Markdown paragraph); the
    // benchmark means three.
    const body = lorem.generateParagraphs(3).split('\n').join('\n\n');
    return {
      file: path.join(contentDir, `post-${String(i).padStart(width, '0')}.md`),
      text: `---\ntitle: ${title}\ndate: ${STANDARD_DATE}\n---\n\n${body}\n`,
    };
  });
}

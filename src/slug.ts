// Slugs: the scheme for titles written in Chinese, and the safety rules every slug
// (from a file name, frontmatter or a title) must pass before it becomes a path.
//
// Scheme: Han characters (simplified or traditional) become toneless pinyin, one
// syllable per character, read as words by pinyin-pro so that 银行 is "yin-hang";
// Latin letters and digits are kept, lower-cased, with diacritics folded; anything
// else separates words. Words are joined with '-' and cut at a word boundary to at
// most 60 characters. A title with nothing to read (only emoji, say) falls back to
// the date: article-20260327-0905. Slugs are plain ASCII, so no URL is ever
// percent-encoded.
import { createRequire } from 'node:module';
import slugify from '@sindresorhus/slugify';
import type * as PinyinPro from 'pinyin-pro';

export const MAX_SLUG_LENGTH = 60;

// pinyin-pro's dictionaries cost every parse worker ~50 ms of start-up, and a worker
// needs them only for a `:category` permalink with a Han category. So they load on
// the first Han text, synchronously: through require, which picks the package's
// CommonJS build (test/slug.test.ts checks it reads every Han character as the ES
// module build does).
let loadedPinyinPro: typeof PinyinPro | undefined;
function pinyinPro(): typeof PinyinPro {
  return (loadedPinyinPro ??= createRequire(import.meta.url)('pinyin-pro') as typeof PinyinPro);
}

const HAN = /\p{Script=Han}/u;

// Slugs made so far, and those a caller handed in from an earlier run (the build cache
// keeps the listings' names between runs): a warm build whose names are all known
// never loads pinyin-pro, ~50 ms of a warm build of 4,000 Chinese articles.
let known = new Map<string, string>();
let used = new Map<string, string>();
let madeSinceUse = 0;

/**
 * Slugs made or reused since the last call, with how many had to be made. Those not
 * used since are forgotten: a long dev session keeps no more than its last build used.
 */
export function takeSlugsUsed(): { slugs: Map<string, string>; made: number } {
  const taken = { slugs: used, made: madeSinceUse };
  if (used.size > 0) known = new Map(used);
  used = new Map();
  madeSinceUse = 0;
  return taken;
}

/** Slugs an earlier run made with this same code (the caller keys them by the tool's version). */
export function knowSlugs(slugs: ReadonlyMap<string, string>): void {
  for (const [text, slug] of slugs) known.set(text, slug);
}

export function slugFromText(text: string): string {
  let slug = known.get(text);
  if (slug === undefined) {
    known.set(text, (slug = makeSlug(text)));
    madeSinceUse++;
  }
  used.set(text, slug);
  return slug;
}

function makeSlug(text: string): string {
  const readable = HAN.test(text)
    ? pinyinPro().pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true }).join(' ')
    : text;
  const slug = slugify(readable, { decamelize: false });
  return cutAtWord(slug, MAX_SLUG_LENGTH);
}

function cutAtWord(slug: string, max: number): string {
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max + 1);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : slug.slice(0, max)).replace(/-+$/, '');
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
// Letters and digits of any script, joined by single '-', '_' or '.': no separators,
// no '%' (so no %2e%2e), no leading or trailing dot, nothing a file system treats specially.
const SAFE_SLUG = /^[\p{L}\p{N}](?:[\p{L}\p{N}_-]|\.(?!\.))*$/u;

/** Why `slug` cannot be used as a path segment, or undefined when it can. */
export function slugProblem(slug: string): string | undefined {
  if (slug === '') return 'is empty';
  if (slug.length > 120) return 'is longer than 120 characters';
  if (/[/\\]/.test(slug)) return 'contains a path separator';
  if (slug.includes('..')) return 'contains ".."';
  if (slug.includes('%')) return 'contains "%" (percent-encoded characters are not allowed)';
  if (WINDOWS_RESERVED.test(slug)) return 'is a name Windows reserves for devices';
  if (slug.endsWith('.')) return 'ends with a dot';
  if (!SAFE_SLUG.test(slug)) return 'may only contain letters, digits, "-", "_" and single dots, starting with a letter or digit';
  return undefined;
}

/** Two slugs that differ only in case or Unicode form would collide on case-insensitive disks and in readers' minds. */
export function slugCollisionKey(slug: string): string {
  // NFKC leaves printable ASCII as it is.
  return (PRINTABLE_ASCII.test(slug) ? slug : slug.normalize('NFKC')).toLowerCase();
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

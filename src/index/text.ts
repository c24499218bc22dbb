// Tokenizing for related links (and later search). Chinese has no spaces, so a run of
// Han/Kana/Hangul becomes overlapping character bigrams, the Lucene CJK analyzer's way:
// no dictionary, so company names a dictionary lacks (招商, 中邮) still meet.
//
// Measured with `npx tsx test/bench/related.ts 20000 --tokenizers` (Node 20, one core of a
// shared 2-core machine; quality on test/fixtures/related-labelled, 48 articles, 6 topics):
//                 speed (tokens/s)               ranking P@5, no minScore   with minScore 0.05
//                 generated    labelled archive  text only   all signals    (all signals)
//   bigram        6.4 M        2.1 M             0.733       0.883          0.933, 2.8 links/article
//   word          0.37 M       0.40 M            0.742       0.879          0.944, 3.8 links/article
// ('word' = Intl.Segmenter('zh'), ICU's dictionary.) Ranking quality is a tie; words give
// somewhat fuller lists at the same minScore, but are 5-17x slower: at 100,000 articles
// that is a minute of segmenting alone, twice the whole time budget. Bigrams are the
// default; `cjk: 'word'` stays for callers that want words (e.g. search snippets).
//
// Before scanning, text is NFKC-normalized (full-width ＡＡＰＬ２０２５ -> AAPL2025),
// stripped of bracketed pinyin readings (消費(fèi) -> 消費), and folded to Simplified
// with OpenCC's t2s tables, so that 發展 and 发展 are one term.
import { createRequire } from 'node:module';
import { TRADITIONAL_CHARACTERS } from './traditional-characters.ts';

/**
 * opencc-js's tables are ~200 KB of code, ~10 ms to load: every build paid it at start,
 * also one that ends because nothing changed, and an English archive never uses them.
 * They are required on first use (its CommonJS build: the same tables; a require
 * through createRequire stays a require in the bundle, resolved from node_modules).
 */
const requireFromHere = createRequire(import.meta.url);
const loadOpenCC = (): typeof import('opencc-js/t2cn').default => requireFromHere('opencc-js/t2cn');

export interface TokenizeOptions {
  /** How a CJK run is cut: 'bigram' (default: as good, and 5-17x faster) or 'word' (Intl.Segmenter). */
  cjk?: 'bigram' | 'word';
}

/** Receives tokens as they are found, in text order. */
export interface TokenSink {
  /** A bigram of two BMP characters, as UTF-16 code units: callers can count it without making a string. */
  pair(first: number, second: number): void;
  /** Any other token. */
  token(token: string): void;
}

/** Terms of `text`: CJK bigrams or words, lower-cased Latin words, tickers, dates. Stop words removed. */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  scanTokens(text, { pair: (x, y) => out.push(String.fromCharCode(x, y)), token: (t) => out.push(t) }, options);
  return out;
}

/** The tokens of `tokenize`, handed to `sink` one by one. */
export function scanTokens(text: string, sink: TokenSink, options: TokenizeOptions = {}): void {
  if (KINDS.length === 0) KINDS = buildKinds();
  const clean = foldToSimplified(stripReadings(text.normalize('NFKC')));
  const word = options.cjk === 'word';
  const n = clean.length;
  // A hand-written scanner: CJK runs (most of the text) are cut into bigrams in place, and
  // only the short Latin/digit stretches between them go through the token regex.
  for (let i = 0; i < n; ) {
    const kind = charKind(clean, i);
    if (kind === CJK) {
      let j = i;
      while (j < n && charKind(clean, j) === CJK) j += clean.charCodeAt(j) >= 0xd800 && clean.charCodeAt(j) <= 0xdbff ? 2 : 1;
      if (word) pushWords(sink, clean.slice(i, j));
      else pushBigrams(sink, clean, i, j);
      i = j;
    } else if (kind === LATIN) {
      let j = i + 1;
      while (j < n && (KINDS[clean.charCodeAt(j)] === LATIN || isJoiner(clean.charCodeAt(j)))) j++;
      let end = j;
      let k = j;
      while (k > i && isDigit(clean.charCodeAt(k - 1))) k--;
      // 2025年3月18日: four digits before 年 start a date that runs into the CJK text.
      if (clean.charCodeAt(j) === 0x5e74 && j - k === 4) {
        CN_DATE.lastIndex = k;
        const m = CN_DATE.exec(clean)!;
        if (k > i) pushStretch(sink, clean, i, k);
        end = k + pushCnDate(sink, m);
      } else pushStretch(sink, clean, i, j);
      i = end;
    } else i++;
  }
}

const CJK = 1;
const LATIN = 2;
/** Not looked at yet (charKind decides on first sight). */
const UNKNOWN = 255;
/**
 * Per BMP code unit: CJK (Han, Kana, Hangul), LATIN (letters, digits), 0, or UNKNOWN
 * until first met. Surrogates are checked by code point. Made by the first scanTokens,
 * not as the module loads (a build that finds nothing changed loads this module and
 * never tokenizes); CJK is decided per character as characters are met: classifying
 * all 63,488 at once cost ~3 ms, and a warm build tokenizes one article.
 */
let KINDS: Uint8Array = new Uint8Array(0);

function buildKinds(): Uint8Array {
  const kinds = new Uint8Array(0x10000).fill(UNKNOWN);
  for (const [first, last] of [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0xc0, 0x24f]] as const) kinds.fill(LATIN, first, last + 1);
  return kinds;
}

const CJK_CHARACTER = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}々〆ー]$/u;

/** The kind of BMP code unit `c`, decided and remembered on first sight. */
function learnKind(c: number): number {
  const kind = c >= 0xd800 && c <= 0xdfff ? 0 : CJK_CHARACTER.test(String.fromCharCode(c)) ? CJK : 0;
  KINDS[c] = kind;
  return kind;
}
const ASTRAL_CJK = /^\p{sc=Han}/u;
/** Characters that may join a Latin token: 600036.SH, 2025-03-18, 2025/3/18, BRK.B, company's (. - / ' ’). */
const isJoiner = (c: number) => c === 0x2e || c === 0x2d || c === 0x2f || c === 0x27 || c === 0x2019;

function charKind(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) {
    const kind = KINDS[c]!;
    return kind === UNKNOWN ? learnKind(c) : kind;
  }
  return ASTRAL_CJK.test(s.slice(i, i + 2)) ? CJK : 0;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * pushSegment of s[from, to), a stretch of letters, digits and joiners. Most stretches are one
 * word, perhaps followed by a full stop: with no joiner inside the word, the only token TOKEN can
 * find is the latin one spanning all of it, so the regex, most of the scanning time of English
 * text, is skipped.
 */
function pushStretch(sink: TokenSink, s: string, from: number, to: number): void {
  let last = to;
  while (last > from && isJoiner(s.charCodeAt(last - 1))) last--;
  let letters = false;
  for (let i = from; i < last; i++) {
    const c = s.charCodeAt(i);
    if (isJoiner(c)) return pushSegment(sink, s.slice(from, to));
    if (!isDigit(c)) letters = true;
  }
  if (letters) pushLatin(sink, s.slice(from, last)); // digits alone are a bare number: no token
}

/** Dates, tickers and Latin words in a stretch without CJK. */
function pushSegment(sink: TokenSink, segment: string): void {
  if (/^\d+$/.test(segment)) return; // a bare number says nothing about topic
  for (const m of segment.matchAll(TOKEN)) {
    const [all, y1, mo1, d1, code, exchange, dotted, latin] = m;
    if (y1 !== undefined) pushDate(sink, y1, mo1, d1, all);
    else if (code !== undefined && exchange !== undefined) sink.token(normalizeTicker(`${code}.${exchange}`));
    else if (dotted !== undefined) sink.token(dotted);
    else if (latin !== undefined) pushLatin(sink, latin);
  }
}

/** 2025年3月18日 -> 2025-03-18, 2025年3月 -> 2025-03, 2025年 -> 2025年; returns the length used. */
function pushCnDate(sink: TokenSink, m: RegExpExecArray): number {
  const [all, year, month, day] = m;
  const mo = Number(month);
  const d = Number(day);
  if (day !== undefined && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) sink.token(`${year}-${pad(month!)}-${pad(day)}`);
  else if (month !== undefined && mo >= 1 && mo <= 12) {
    sink.token(`${year}-${pad(month)}`);
    return all.indexOf('月') + 1;
  } else {
    sink.token(`${year}年`);
    return 5;
  }
  return all.length;
}

/** Canonical ticker: upper case, Hong Kong codes as four digits ('00700.hk' -> '0700.HK'). */
export function normalizeTicker(ticker: string): string {
  const upper = ticker.trim().toUpperCase();
  const hk = /^0*(\d{1,5})\.HK$/.exec(upper);
  return hk ? `${hk[1]!.padStart(4, '0')}.HK` : upper;
}

/**
 * Removes pinyin readings in brackets: `消費(fèi)`, `(xiāo)`, `行(hang2)`. A bracket counts as a
 * reading when every word in it is shaped like a pinyin syllable and it either carries a tone
 * (mark or digit) or follows a Han character directly. `苹果(AAPL)` and `(bank)` are kept.
 */
export function stripReadings(text: string): string {
  if (!text.includes('(')) return text;
  return text.replace(READING, (all: string, inner: string, offset: number) => {
    const syllables = inner.trim().split(/\s+/);
    const bare = syllables.map((s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[1-5]$/, ''));
    if (!bare.every((s) => PINYIN_SYLLABLE.test(s))) return all;
    const toned = TONED.test(inner);
    const afterHan = offset > 0 && HAN.test(text[offset - 1] ?? '');
    return toned || afterHan ? '' : all;
  });
}

// OpenCC t2s converts with phrase segmentation (乾隆 stays, 乾燥 -> 干燥) at about 25 MB/s;
// building it costs ~25 ms and ~8 MB, once. Most archive text is already Simplified, so a
// text is converted only when it holds a character t2s would change: Simplified text
// costs one table look-up per character, and never loads OpenCC. Those characters are
// listed in traditional-characters.ts, generated from OpenCC (its test checks it still
// matches): asking the converter about each CJK character took ~40 ms of every thread
// that met a Chinese text, a fifth of a warm build that re-parsed one edited article.
let t2s: ((text: string) => string) | undefined;
let traditionalFlags: Uint8Array | undefined;

/** Traditional -> Simplified (OpenCC t2s); text without Traditional characters is returned as is. */
export function foldToSimplified(text: string): string {
  if (!traditionalFlags) {
    traditionalFlags = new Uint8Array(0x10000);
    for (let i = 0; i < TRADITIONAL_CHARACTERS.length; i++) traditionalFlags[TRADITIONAL_CHARACTERS.charCodeAt(i)] = 1;
  }
  for (let i = 0; i < text.length; i++) {
    if (traditionalFlags[text.charCodeAt(i)] === 1) return (t2s ??= loadOpenCC().Converter({ from: 't', to: 'cn' }))(text);
  }
  return text;
}

/** The CJK blocks searched for characters t2s changes: none outside them is ever converted. */
const HAN_BLOCKS: readonly (readonly [number, number])[] = [[0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff]];

/**
 * Every character of HAN_BLOCKS that OpenCC's t2s changes when converted on its own, in
 * code order: what traditional-characters.ts must hold for the installed opencc-js.
 */
export function charactersOpenCCChanges(): string {
  const convert = loadOpenCC().Converter({ from: 't', to: 'cn' });
  const characters: string[] = [];
  for (const [from, to] of HAN_BLOCKS) {
    for (let code = from; code <= to; code++) characters.push(String.fromCharCode(code));
  }
  // One call for all ~28,000 characters, a line each (no dictionary entry holds a line
  // break, so each line converts as that character alone would).
  const converted = convert(characters.join('\n')).split('\n');
  const batched = converted.length === characters.length; // else a future opencc-js broke that: ask one by one
  return characters.filter((ch, i) => (batched ? converted[i] : convert(ch)) !== ch).join('');
}

const pad = (n: string) => n.padStart(2, '0');

function pushDate(sink: TokenSink, year: string, month: string | undefined, day: string | undefined, all: string): void {
  const mo = Number(month);
  const d = Number(day);
  if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31) sink.token(`${year}-${pad(month!)}-${pad(day!)}`);
  else pushSegment(sink, all.replace(/[-/.]/g, ' '));
}

function pushLatin(sink: TokenSink, word: string): void {
  // One pass instead of three regexes: this runs for every English word of the archive.
  let capitals = true;
  let plain = true; // ASCII letters only: no tone mark or tone digit, no possessive, surely a letter
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) continue;
    capitals = false;
    if (c < 0x61 || c > 0x7a) plain = false;
  }
  // A toned pinyin word outside brackets: crawls garble brackets too (日?qǐng)?bào)).
  if (!plain && TONED.test(word) && PINYIN_WORD.test(word.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase())) return;
  // All-capital short words are tickers or acronyms (AAPL, GDP, HSBC): kept as written.
  if (capitals && word.length >= 2 && word.length <= 5) {
    sink.token(word);
    return;
  }
  let lower = word.toLowerCase();
  if (!plain) lower = lower.replace(/['’]s$/, '');
  if (lower.length >= 2 && !ENGLISH_STOP.has(lower) && (plain || /[a-z]/.test(lower))) sink.token(lower);
}

// A function character or a two-character stop word ends a piece: 消费者的权益 -> 消费者 + 权益,
// so no bigram spans 的.
// A run of one character is kept as a unigram (A股 -> 股), as Lucene does for isolated
// characters; a one-character piece left by a function character is not (之际 -> 际).
function pushBigrams(sink: TokenSink, s: string, from: number, to: number): void {
  if (to - from === 1) {
    const ch = s[from]!;
    if (FUNCTION_FLAGS[ch.charCodeAt(0)] !== 1 && !CJK_STOP.has(ch)) sink.token(ch);
    return;
  }
  let prev = -1; // code unit of the previous BMP character in this piece, -1 at a piece start
  let prevAstral = ''; // or the previous character itself when outside the BMP
  for (let i = from; i < to; ) {
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const ch = s.slice(i, i + 2);
      if (prev >= 0 || prevAstral !== '') sink.token((prevAstral || String.fromCharCode(prev)) + ch);
      prev = -1;
      prevAstral = ch;
      i += 2;
      continue;
    }
    i++;
    if (FUNCTION_FLAGS[code] === 1) {
      prev = -1;
      prevAstral = '';
      continue;
    }
    // A two-character stop word ends a piece like a function character: 我们表示 gives no 们表.
    if (STOP_FIRST[code] === 1 && i < to && STOP_PAIRS.has((code << 16) | s.charCodeAt(i))) {
      i++;
      prev = -1;
      prevAstral = '';
      continue;
    }
    if (prevAstral !== '') sink.token(prevAstral + String.fromCharCode(code));
    else if (prev >= 0) sink.pair(prev, code);
    prev = code;
    prevAstral = '';
  }
}

let segmenter: Intl.Segmenter | undefined;

function pushWords(sink: TokenSink, run: string): void {
  segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  for (const { segment } of segmenter.segment(run)) {
    if (segment.length === 1 && FUNCTION_FLAGS[segment.charCodeAt(0)] === 1) continue;
    if (!CJK_STOP.has(segment)) sink.token(segment);
  }
}

// Within a stretch without CJK. Dates come first so that 2025-03-18 is one term, not three numbers.
const TOKEN = new RegExp(
  [
    String.raw`(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)`,
    String.raw`(?<![\w.])(\d{4,6})\.(SH|SZ|HK|BJ|SS|sh|sz|hk|bj|ss)(?![A-Za-z])`,
    String.raw`(?<![\w.])([A-Z]{1,5}\.[A-Z]{1,2})(?![\w.])`,
    String.raw`([A-Za-z0-9]*[A-Za-z\u00C0-\u024F][A-Za-z0-9\u00C0-\u024F]*(?:['’][A-Za-z]+)?)`,
  ].join('|'),
  'g',
);
const CN_DATE = /(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?/y;

const TONE_MARKS = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ';
const READING = new RegExp(String.raw`\(\s*((?:[a-zü${TONE_MARKS}]+[1-5]?\s*)+)\)`, 'g');
const TONED = new RegExp(`[${TONE_MARKS}]|[a-zü][1-5]`);
const PINYIN_SYLLABLE = /^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouvü]{1,3}(?:ng|n|r)?$/;
const PINYIN_WORD = /^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouvü]{1,3}(?:ng|n|r)?)+$/;
const HAN = /\p{sc=Han}/u;

/** Characters that carry grammar, not topic. Words using them as content (参与, 了解) are rare in finance text. */
const FUNCTION_CHARS = '的了在是和与及等也将对为之其而或被把从于以又这那着吗呢吧啊很但该此即已';
const FUNCTION_FLAGS = new Uint8Array(0x10000);
for (const ch of FUNCTION_CHARS) FUNCTION_FLAGS[ch.charCodeAt(0)] = 1;

const CJK_STOP = new Set(
  ('一个 一些 一种 我们 你们 他们 她们 它们 这个 那个 这些 那些 这样 那样 没有 已经 可以 进行 表示 认为 以及 因为 所以 但是 ' +
    '如果 虽然 然而 同时 目前 通过 对于 关于 由于 其中 之一 此外 另外 不过 而且 并且 以上 以下 如何 什么 为了 还是 就是 ' +
    '不是 只是 也是 这是 一下 一直 已经 非常 比较 可能 能够 需要 应该 之后 之前 以来 其他 有关 相关 方面 记者 报道 ' +
    '同比 环比 显示 数据 今年 去年 明年 近日 日前 此前 随后 人士 业内 分析 指出 预计 继续 持续 保持 首次 亿元 万元 ' +
    '个 年 月 日 上 下 中 不 有 我 你 他 她 它 们 到 说 就 都 会 要 去 来 把 给 向 让 用 多 大 小').split(' '),
);

/** The two-character stop words as int32 pair keys, so a bigram is checked without making a string. */
const STOP_PAIRS = new Set([...CJK_STOP].filter((w) => w.length === 2).map((w) => (w.charCodeAt(0) << 16) | w.charCodeAt(1)));
const STOP_FIRST = new Uint8Array(0x10000);
for (const w of CJK_STOP) if (w.length === 2) STOP_FIRST[w.charCodeAt(0)] = 1;

const ENGLISH_STOP = new Set(
  ('a an the and or but nor if then else so of to in on at by for with from into onto over under about above below ' +
    'as is are was were be been being am do does did done have has had having will would shall should can could may ' +
    'might must not no yes this that these those it its it’s he she they them their his her we our you your i me my ' +
    'what which who whom whose when where why how all any both each few more most other some such only own same than ' +
    'too very just also there here out up down off again further once per via said says say new one two amid ' +
    'after before during while until since between against through s t according including despite however ' +
    'percent year years quarter first second third fourth last next week month months rose fell rise fall higher lower ' +
    'expected expects expect reported analysts analyst showed shows billion million').split(' '),
);

/**
 * A name as every listing and ranking compares it: compatibility forms (full-width
 * letters), surrounding and repeated spaces, and case folded. Names repeat across
 * thousands of articles (a tag, an author, a section), so each is folded once.
 */
export function foldName(name: string): string {
  return remembered(foldedNames, name, (text) => text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase());
}

const foldedNames = new Map<string, string>();
/** A memo of names outgrows any archive's distinct names only if fed unbounded text: then it starts again. */
const MAX_REMEMBERED = 100_000;

/** `make(text)`, kept in `memo` (pure functions of a string only). */
export function remembered(memo: Map<string, string>, text: string, make: (text: string) => string): string {
  let value = memo.get(text);
  if (value === undefined) {
    if (memo.size >= MAX_REMEMBERED) memo.clear();
    memo.set(text, (value = make(text)));
  }
  return value;
}

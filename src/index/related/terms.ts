// An article's related-link tokens, recorded when the article is parsed (on the parse
// workers, and cached with it) so that the build phase (model.ts) replays a few hundred
// distinct tokens per article on the main thread instead of tokenizing its whole text
// on every build.
//
// The record keeps, per field (title, summary, body), each distinct token once, in order
// of first appearance, with its count. Replayed in that order, the term counter gives
// every term the id, document frequency and per-field frequency that scanning the text
// would: a term's first appearance in the archive is also its first in its field, and
// dropping repeats keeps the order of first appearances.
//
// At 100,000 articles the records live on the main thread next to the whole archive,
// so one is a single string of UTF-16 code units, about 1.3 KB for a Chinese article
// and 0.6 KB for an English one (one byte a unit: V8 keeps a string whose units are
// all below 0x100 at one byte each, and English records are):
//
//   record  = varint(title.length) varint(summary.length) varint(text.length) field field field
//   field   = entry* END
//   entry   = [count] token
//   count   = unit in [SMALL_COUNT, 0x20): times = unit - SMALL_COUNT + 2  |  BIG_COUNT varint
//             (no count: once)
//   token   = unit ≥ 0x20: the CJK bigram (second character of the previous bigram, unit);
//             only right after a bigram, which is how most bigrams follow in text
//           | PAIR first second: a CJK bigram
//           | STRING units ≥ 0x20 ...: any other token, up to the next unit below 0x20
//   varint  = base-128, least significant first: units below 0x100 whatever the value
//
// The text lengths guard, cheaply if not surely, against a record that is not from the
// article's text (an article copied with another title): such a record is ignored and the
// text scanned.
import type { Article } from '../../types.ts';
import { scanTokens, type TokenSink } from '../text.ts';

/** Receives a recorded field's distinct tokens in order of first appearance, each with its count. */
export interface RepeatedTokenSink {
  repeatedPair(first: number, second: number, times: number): void;
  repeatedToken(token: string, times: number): void;
}

type TermText = Pick<Article, 'title' | 'summary' | 'text'>;

const END = 0;
const PAIR = 1;
const STRING = 2;
const BIG_COUNT = 3;
const SMALL_COUNT = 4;
/** Code units below this are tags; no token holds one (the recorder checks). */
const FIRST_TEXT_UNIT = 0x20;
const MAX_SMALL_COUNT = FIRST_TEXT_UNIT - SMALL_COUNT + 1;

/** The record of `article`'s tokens (scanTokens, bigram mode); undefined if a token cannot be recorded. */
export function recordTerms(article: TermText): string | undefined {
  const recorder = (shared ??= new Recorder());
  return recorder.record(article);
}

let shared: Recorder | undefined;

/** The article's record as a reader, if it has one made from its current text. */
export function recordedTerms(article: TermText & { terms?: string | undefined }): RecordedTerms | undefined {
  if (article.terms === undefined) return undefined;
  const terms = new RecordedTerms(article.terms);
  const title = terms.varint();
  const summary = terms.varint();
  const text = terms.varint();
  // The parse step lets the text go once it is recorded (see finish-article.ts): '' then says nothing.
  const matches = title === article.title.length && summary === article.summary.length && (article.text === '' || text === article.text.length);
  return matches ? terms : undefined;
}

/** Reads a record field by field: title, summary, body. */
export class RecordedTerms {
  private at = 0;
  constructor(private readonly record: string) {}

  /** Hands the next field's tokens to `sink`. */
  nextField(sink: RepeatedTokenSink): void {
    const s = this.record;
    let previous = 0; // second character of the previous bigram
    for (;;) {
      let unit = s.charCodeAt(this.at++);
      if (unit === END) break;
      let times = 1;
      if (unit >= SMALL_COUNT && unit < FIRST_TEXT_UNIT) {
        times = unit - SMALL_COUNT + 2;
        unit = s.charCodeAt(this.at++);
      } else if (unit === BIG_COUNT) {
        times = this.varint();
        unit = s.charCodeAt(this.at++);
      }
      if (unit >= FIRST_TEXT_UNIT) {
        sink.repeatedPair(previous, unit, times);
        previous = unit;
      } else if (unit === PAIR) {
        const first = s.charCodeAt(this.at++);
        previous = s.charCodeAt(this.at++);
        sink.repeatedPair(first, previous, times);
      } else if (unit === STRING) {
        const start = this.at;
        while (s.charCodeAt(this.at) >= FIRST_TEXT_UNIT) this.at++;
        sink.repeatedToken(s.slice(start, this.at), times);
      } else throw new Error(`a token record is damaged at unit ${this.at - 1}`); // rather than loop past its end
    }
  }

  /**
   * The pair keys (first << 16 | second) of the next field, into `keys`, without moving
   * past it; returns how many there are (only the first keys.length are written).
   */
  peekPairs(keys: Int32Array): number {
    const s = this.record;
    let at = this.at;
    let previous = 0;
    let count = 0;
    for (;;) {
      let unit = s.charCodeAt(at++);
      if (unit === END) return count;
      if (unit >= SMALL_COUNT && unit < FIRST_TEXT_UNIT) unit = s.charCodeAt(at++);
      else if (unit === BIG_COUNT) {
        while (s.charCodeAt(at++) >= 0x80);
        unit = s.charCodeAt(at++);
      }
      if (unit >= FIRST_TEXT_UNIT) {
        if (count < keys.length) keys[count] = (previous << 16) | unit;
        count++;
        previous = unit;
      } else if (unit === PAIR) {
        const first = s.charCodeAt(at++);
        previous = s.charCodeAt(at++);
        if (count < keys.length) keys[count] = (first << 16) | previous;
        count++;
      } else if (unit === STRING) {
        while (s.charCodeAt(at) >= FIRST_TEXT_UNIT) at++;
      } else return count; // damaged: nextField reports it
    }
  }

  /** A length or count. */
  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const unit = this.record.charCodeAt(this.at++);
      value += (unit & 0x7f) * scale;
      if (!(unit >= 0x80)) return value; // past the end (NaN) too
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The units as a string, exactly (Buffer's utf16le keeps even lone surrogates), and one byte a
 * unit when all are below 0x100. 30x faster than String.fromCharCode(...units).
 */
function unitsToString(units: Uint16Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
  let out = '';
  for (let from = 0; from < units.length; from += 8192) out += String.fromCharCode(...units.subarray(from, from + 8192));
  return out;
}

/**
 * Scans an article's fields and writes the record. One per thread, reused: its tables grow to
 * the largest field seen instead of being allocated per article.
 */
class Recorder implements TokenSink {
  /** Pair key (first << 16 | second) or string -> index of its entry in the current field. */
  private readonly pairEntries = new PairIndex();
  private readonly stringEntries = new Map<string, number>();
  /** Per entry in order of first appearance: the pair key, or 0 for the next string. */
  private keys = new Int32Array(1024);
  private counts = new Int32Array(1024);
  private readonly strings: string[] = [];
  private entries = 0;
  private units = new Uint16Array(4096);
  private size = 0;
  private recordable = true;

  record(article: TermText): string | undefined {
    this.size = 0;
    this.recordable = true;
    for (const text of [article.title, article.summary, article.text]) this.writeVarint(text.length);
    for (const text of [article.title, article.summary, article.text]) {
      scanTokens(text, this);
      this.writeField();
    }
    if (!this.recordable) return undefined;
    return unitsToString(this.units.subarray(0, this.size));
  }

  pair(first: number, second: number): void {
    const key = (first << 16) | second;
    if (key === 0) this.recordable = false; // 0 marks a string; no CJK bigram is two NULs
    const entry = this.pairEntries.get(key);
    if (entry >= 0) this.counts[entry]!++;
    else this.pairEntries.set(key, this.add(key));
  }

  token(token: string): void {
    const entry = this.stringEntries.get(token);
    if (entry !== undefined) this.counts[entry]!++;
    else {
      this.stringEntries.set(token, this.add(0));
      this.strings.push(token);
    }
  }

  private add(key: number): number {
    if (this.entries === this.keys.length) {
      const keys = new Int32Array(this.entries * 2);
      keys.set(this.keys);
      this.keys = keys;
      const counts = new Int32Array(this.entries * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.keys[this.entries] = key;
    this.counts[this.entries] = 1;
    return this.entries++;
  }

  private writeField(): void {
    let previous = -1;
    let nextString = 0;
    for (let e = 0; e < this.entries; e++) {
      const key = this.keys[e]!;
      const token = key === 0 ? this.strings[nextString++]! : '';
      this.reserve(9 + token.length); // a big count (1 + up to 5 units), then the token
      const times = this.counts[e]!;
      if (times >= 2 && times <= MAX_SMALL_COUNT) this.units[this.size++] = SMALL_COUNT + times - 2;
      else if (times > MAX_SMALL_COUNT) {
        this.units[this.size++] = BIG_COUNT;
        this.writeVarint(times);
      }
      if (key !== 0) {
        const first = key >>> 16;
        const second = key & 0xffff;
        if (first !== previous || second < FIRST_TEXT_UNIT) {
          this.units[this.size++] = PAIR;
          this.units[this.size++] = first;
        }
        this.units[this.size++] = second;
        previous = second;
      } else {
        this.units[this.size++] = STRING;
        for (let i = 0; i < token.length; i++) {
          const unit = token.charCodeAt(i);
          if (unit < FIRST_TEXT_UNIT) this.recordable = false;
          this.units[this.size++] = unit;
        }
        previous = -1;
      }
    }
    this.reserve(1);
    this.units[this.size++] = END;
    this.pairEntries.clear();
    this.stringEntries.clear();
    this.strings.length = 0;
    this.entries = 0;
  }

  private writeVarint(value: number): void {
    this.reserve(8);
    while (value >= 0x80) {
      this.units[this.size++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.units[this.size++] = value;
  }

  private reserve(extra: number): void {
    if (this.size + extra <= this.units.length) return;
    const next = new Uint16Array(2 ** Math.ceil(Math.log2(this.size + extra)));
    next.set(this.units.subarray(0, this.size));
    this.units = next;
  }
}

/**
 * Pair key -> entry, for one field at a time. Not a Map: most pair keys are beyond V8's small
 * integers, and a Map keyed by them boxes each one (recording took 5x as long as scanning).
 * Open addressing in an Int32Array, emptied by a generation stamp rather than by clearing.
 */
class PairIndex {
  private slots = new Int32Array(2 << 12); // [key, entry] side by side
  private stamps = new Int32Array(1 << 12); // the generation that filled each slot
  /** The product's high bits are the hash: its low bits depend on the second character only. */
  private shift = 32 - 12;
  private generation = 1;
  private size = 0;

  get(key: number): number {
    const { slots, stamps } = this;
    const mask = stamps.length - 1;
    for (let at = Math.imul(key, 0x9e3779b1) >>> this.shift; ; at = (at + 1) & mask) {
      if (stamps[at] !== this.generation) return -1;
      if (slots[2 * at] === key) return slots[2 * at + 1]!;
    }
  }

  set(key: number, entry: number): void {
    if (++this.size * 2 > this.stamps.length) this.grow(); // load factor 1/2
    this.insert(key, entry);
  }

  clear(): void {
    this.generation++;
    this.size = 0;
  }

  private insert(key: number, entry: number): void {
    const mask = this.stamps.length - 1;
    let at = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.stamps[at] === this.generation) at = (at + 1) & mask;
    this.stamps[at] = this.generation;
    this.slots[2 * at] = key;
    this.slots[2 * at + 1] = entry;
  }

  private grow(): void {
    const { slots, stamps, generation } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.stamps = new Int32Array(stamps.length * 2);
    this.shift--;
    for (let at = 0; at < stamps.length; at++) if (stamps[at] === generation) this.insert(slots[2 * at]!, slots[2 * at + 1]!);
  }
}

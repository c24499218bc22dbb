// The tokenizing pass of the build phase: term ids, document frequencies and each
// article's term frequencies per field. This loop sees every token of the archive
// (tens of millions at 100,000 articles) and millions of distinct terms, so it counts
// CJK bigrams by their two character codes, keeps no string per bigram term, and
// stores counts in typed arrays.
import { scanTokens, type TokenSink } from '../text.ts';

/**
 * Open-addressing hash map from a bigram's int32 pair key (first << 16 | second, never 0) to a
 * term id, key and id side by side: with millions of terms each probe is a cache miss, so one.
 */
class PairTable {
  private slots = new Int32Array(2 << 16);
  private size = 0;

  get(key: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    for (let at = Math.imul(key, 0x9e3779b1) & mask; ; at = (at + 1) & mask) {
      const k = slots[2 * at]!;
      if (k === key) return slots[2 * at + 1]!;
      if (k === 0) return -1;
    }
  }
  set(key: number, value: number): void {
    if (++this.size * 8 > this.slots.length * 3) this.grow(); // load factor 3/4
    this.insert(key, value);
  }
  private insert(key: number, value: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let at = Math.imul(key, 0x9e3779b1) & mask;
    while (slots[2 * at] !== 0) at = (at + 1) & mask;
    slots[2 * at] = key;
    slots[2 * at + 1] = value;
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

/**
 * Term ids, document frequencies and per-doc term frequencies; the sink of scanTokens.
 * Per doc, one byte string holds its entries, title ones first: varint(id), varint(2·tf)
 * (summary tokens count as halves). Ids are given in order of first appearance, so common
 * terms have small ids and short varints: ~3-4 bytes a distinct term instead of 8, on the
 * largest structure of the build.
 */
export class TermCounter implements TokenSink {
  private readonly vocab = new Map<string, number>();
  private readonly pairs = new PairTable();
  private readonly cache = new Int32Array(2 << 13);
  /** Pair key of each term; 0 for a term that is a string in `strings`. */
  private keys = new Int32Array(1 << 14);
  private readonly strings = new Map<number, string>();
  private termCount = 0;
  /** Per term, side by side for the same reason: [last doc seen + 1, df, 2·tf in the current field]. */
  private stats = new Int32Array(3 << 14);
  private readonly touched: number[] = [];
  private readonly packed: (Uint8Array | undefined)[];
  private readonly entryCounts: Int32Array;
  private readonly titleEntries: Int32Array;
  private readonly pending: number[] = [];
  private bytes = new Uint8Array(1 << 16);
  private byteCount = 0;
  readonly lengths: Float64Array[];
  private doc = 0;
  /** 2·share: summary tokens count half, so twice the count stays an integer. */
  private share2 = 2;
  private tokens = 0;

  constructor(n: number) {
    this.packed = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.entryCounts = new Int32Array(n);
    this.titleEntries = new Int32Array(n);
    this.lengths = [new Float64Array(n), new Float64Array(n)];
  }

  get size(): number {
    return this.termCount;
  }

  /** Id -> text of every term, holding only what that needs (the counts can be freed). */
  termLookup(): (id: number) => string {
    const keys = this.keys.slice(0, this.termCount);
    const strings = this.strings;
    return (id) => {
      const key = keys[id] ?? 0;
      return key !== 0 ? String.fromCharCode(key >>> 16, key & 0xffff) : (strings.get(id) ?? '');
    };
  }

  /** Document frequency of every term, once counting is done. */
  documentFrequencies(): Int32Array {
    const df = new Int32Array(this.termCount);
    for (let id = 0; id < this.termCount; id++) df[id] = this.stats[3 * id + 1]!;
    return df;
  }

  /** Counts the tokens of `text` (tokenized by scanTokens) at `share` each, toward `field` (0 title, 1 body). */
  scan(doc: number, field: number, text: string, share: number): void {
    this.begin(doc, text.length, share);
    scanTokens(text, this);
    this.lengths[field]![doc]! += this.tokens * share;
  }

  /** The same for tokens from another tokenizer. */
  add(doc: number, field: number, tokens: string[], share: number): void {
    this.begin(doc, tokens.length, share);
    for (const token of tokens) this.token(token);
    this.lengths[field]![doc]! += this.tokens * share;
  }

  pair(first: number, second: number): void {
    const key = (first << 16) | second;
    // A small direct-mapped cache in front of the big table: common bigrams stay in CPU cache.
    const slot = (Math.imul(key, 0x9e3779b1) >>> 19) << 1;
    const cache = this.cache;
    let id: number;
    if (cache[slot] === key) id = cache[slot + 1]!;
    else {
      id = this.pairs.get(key);
      if (id < 0) {
        id = this.termCount++;
        this.keys[id] = key;
        this.pairs.set(key, id);
      }
      cache[slot] = key;
      cache[slot + 1] = id;
    }
    this.count(id);
  }

  token(token: string): void {
    let id = this.vocab.get(token);
    if (id === undefined) {
      id = this.termCount++;
      this.vocab.set(token, id);
      this.strings.set(id, token);
    }
    this.count(id);
  }

  /** Ends a field of `doc` (title, then body): its counts join the doc's packed entries. */
  flush(doc: number, field: number): void {
    const { touched, stats } = this;
    this.reserveBytes(touched.length * 8);
    for (const id of touched) {
      this.varint(id);
      this.varint(Math.min(0xffff, stats[3 * id + 2]!));
      stats[3 * id + 2] = 0;
    }
    this.entryCounts[doc]! += touched.length;
    if (field === 0) this.titleEntries[doc] = touched.length;
    touched.length = 0;
    if (field === 0) return;
    this.packed[doc] = this.bytes.slice(0, this.byteCount);
    this.byteCount = 0;
  }

  /** Doc `doc`'s entries, handed over once (the caller frees them as it goes), decoded into `ids` and `tf2`. */
  take(doc: number, ids: Int32Array, tf2: Int32Array): { count: number; titleEntries: number } {
    const bytes = this.packed[doc] ?? new Uint8Array(0);
    this.packed[doc] = undefined;
    const count = this.entryCounts[doc]!;
    const titleEntries = this.titleEntries[doc]!;
    let at = 0;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < 2; k++) {
        let value = 0;
        let scale = 1;
        let byte: number;
        do {
          byte = bytes[at++]!;
          value += (byte & 0x7f) * scale;
          scale *= 128;
        } while (byte >= 0x80);
        if (k === 0) ids[i] = value;
        else tf2[i] = value;
      }
    }
    return { count, titleEntries };
  }

  /** Most distinct terms any one doc has: the size `take` needs. */
  get maxEntries(): number {
    return this.entryCounts.reduce((max, x) => Math.max(max, x), 0);
  }

  private varint(value: number): void {
    while (value >= 0x80) {
      this.bytes[this.byteCount++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.byteCount++] = value;
  }

  private reserveBytes(extra: number): void {
    if (this.byteCount + extra <= this.bytes.length) return;
    const next = new Uint8Array(2 ** Math.ceil(Math.log2(this.byteCount + extra)));
    next.set(this.bytes.subarray(0, this.byteCount));
    this.bytes = next;
  }

  private begin(doc: number, maxTokens: number, share: number): void {
    this.reserve(this.termCount + maxTokens);
    this.doc = doc;
    this.share2 = Math.round(share * 2);
    this.tokens = 0;
  }

  private count(id: number): void {
    const stats = this.stats;
    const at = 3 * id;
    if (stats[at + 2] === 0) this.touched.push(id);
    stats[at + 2]! += this.share2;
    if (stats[at] !== this.doc + 1) {
      stats[at] = this.doc + 1;
      stats[at + 1]!++;
    }
    this.tokens++;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.keys.length) return;
    let size = this.keys.length * 2;
    while (size < capacity) size *= 2;
    const keys = new Int32Array(size);
    keys.set(this.keys);
    this.keys = keys;
    const stats = new Int32Array(3 * size);
    stats.set(this.stats);
    this.stats = stats;
  }
}

// The tokenizing pass of the build phase: term ids, document frequencies and each
// article's term frequencies per field. This loop sees every token of the archive
// (tens of millions at 100,000 articles) and millions of distinct terms, so it counts
// CJK bigrams by their two character codes, keeps no string per bigram term, and
// stores counts in typed arrays.
import { scanTokens, type TokenSink } from '../text.ts';
import type { RecordedTerms, RepeatedTokenSink } from './terms.ts';

/**
 * The bigram terms: an open-addressing table from a bigram's int32 pair key (first << 16 |
 * second, never 0) to [key, term id, last doc seen + 1, df], side by side. With millions of
 * terms each probe is a cache miss: this way counting a bigram is one, where a table of ids
 * and an array of counts by id would be two.
 */
class PairTerms {
  slots = new Int32Array(SLOT << 16);
  /**
   * The hash is the product's high bits: its low bits depend only on the key's low bits, the
   * second character, so bigrams ending alike would share slots and probe long clusters.
   */
  private shift = 32 - 16;
  private size = 0;

  /** The slot holding `key`, or ~(the empty slot where it would go). */
  find(key: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let at = Math.imul(key, 0x9e3779b1) >>> this.shift; ; at = (at + 1) & mask) {
      const k = slots[SLOT * at]!;
      if (k === key) return at;
      if (k === 0) return ~at;
    }
  }

  /** Puts `key` with term `id` in `empty`, the slot `find` gave it; returns its slot (a grown table moves it). */
  add(key: number, id: number, empty: number): number {
    if (++this.size * 4 > (this.slots.length / SLOT) * 3) {
      this.grow(); // load factor 3/4
      empty = ~this.find(key);
    }
    this.slots[SLOT * empty] = key;
    this.slots[SLOT * empty + 1] = id;
    return empty;
  }

  /**
   * Reads the slot where each of `keys` would be found first: with millions of terms
   * each is a cache miss, and these reads do not wait on one another, so the CPU
   * overlaps their misses, where the probes that count the terms wait for each in turn.
   */
  touch(keys: Int32Array, count: number): number {
    const slots = this.slots;
    let seen = 0;
    for (let i = 0; i < count; i++) seen |= slots[SLOT * (Math.imul(keys[i]!, 0x9e3779b1) >>> this.shift)]!;
    return seen;
  }

  snapshot(): { slots: Int32Array<ArrayBuffer>; shift: number; pairCount: number } {
    return { slots: this.slots, shift: this.shift, pairCount: this.size };
  }

  /** A table as `snapshot` of another left it (a TermMemo kept on disk). */
  static restore(slots: Int32Array<ArrayBuffer>, shift: number, size: number): PairTerms {
    const pairs = new PairTerms();
    pairs.slots = slots;
    pairs.shift = shift;
    pairs.size = size;
    return pairs;
  }

  /** Writes each bigram term's df into `df`, by term id. */
  documentFrequencies(df: Int32Array): void {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += SLOT) if (slots[at] !== 0) df[slots[at + 1]!] = slots[at + 3]!;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.shift--;
    for (let from = 0; from < old.length; from += SLOT) {
      if (old[from] === 0) continue;
      const to = SLOT * ~this.find(old[from]!);
      for (let k = 0; k < SLOT; k++) this.slots[to + k] = old[from + k]!;
    }
  }
}

/** Int32s a PairTerms slot takes: key, id, last doc + 1, df. */
const SLOT = 4;

/**
 * A field's term frequencies, in order of first appearance: a small table from term id to
 * entry, emptied by a generation stamp. It stays in CPU cache, so the archive-wide arrays
 * are touched once per distinct term and doc, not once per token.
 */
class FieldCounts {
  ids = new Int32Array(1024);
  tf2 = new Int32Array(1024);
  count = 0;
  private table = new Int32Array(2 << 11); // [id, entry] side by side
  private stamps = new Int32Array(1 << 11);
  private generation = 1;

  /** Adds `amount` to term `id`'s count in this field. */
  add(id: number, amount: number): void {
    const { table, stamps } = this;
    const mask = stamps.length - 1;
    let at = Math.imul(id, 0x9e3779b1) & mask;
    for (; stamps[at] === this.generation; at = (at + 1) & mask) {
      if (table[2 * at] === id) {
        this.tf2[table[2 * at + 1]!]! += amount;
        return;
      }
    }
    if ((this.count + 1) * 2 > stamps.length) return this.grow(id, amount);
    stamps[at] = this.generation;
    table[2 * at] = id;
    table[2 * at + 1] = this.count;
    if (this.count === this.ids.length) this.growEntries();
    this.ids[this.count] = id;
    this.tf2[this.count++] = amount;
  }

  clear(): void {
    this.generation++;
    this.count = 0;
  }

  private grow(id: number, amount: number): void {
    const entries = this.count;
    this.table = new Int32Array(this.table.length * 2);
    this.stamps = new Int32Array(this.stamps.length * 2);
    this.generation = 1;
    this.count = 0;
    const { ids, tf2 } = this;
    for (let e = 0; e < entries; e++) this.add(ids[e]!, tf2[e]!);
    this.add(id, amount);
  }

  private growEntries(): void {
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
    const tf2 = new Int32Array(this.tf2.length * 2);
    tf2.set(this.tf2);
    this.tf2 = tf2;
  }
}

/** What the build phase reads once every doc is counted: terms, their document frequencies, each doc's entries. */
export interface DocTermCounts {
  /** Number of terms; ids are 0..size-1, in order of first appearance over the docs in doc order. */
  readonly size: number;
  /** Per field (title, body), each doc's length in tokens (summary tokens at their share). */
  readonly lengths: Float64Array[];
  /** Most distinct terms any one doc has: the size `take` needs. */
  readonly maxEntries: number;
  documentFrequencies(): Int32Array;
  /** Doc `doc`'s entries, title ones first, decoded into `ids` and `tf2` (2 x term frequency). */
  take(doc: number, ids: Int32Array, tf2: Int32Array): { count: number; titleEntries: number };
  termLookup(): (id: number) => string;
}

interface TermsSnapshot {
  /** The bigram table (PairTerms). */
  slots: Int32Array<ArrayBuffer>;
  shift: number;
  pairCount: number;
  /** By term id: its bigram's pair key, 0 for a string term. */
  keys: Int32Array<ArrayBuffer>;
  vocab: Map<string, number>;
  stringStats: Int32Array<ArrayBuffer>;
  strings: Map<number, string>;
}

/**
 * What a TermMemo holds, as plain data, for the build cache to keep between runs: each
 * doc's key and version (given by the caller: a record's counts are reused only for the
 * same version), and every doc's entries in a few flat arrays, which serialize and read
 * back as whole blocks (a Map of small arrays per doc took 35-45 ms to read at 4,000
 * Chinese articles).
 */
export interface TermMemoSnapshot {
  dictionary: TermsSnapshot;
  generation: string;
  docKeys: string[];
  versions: string[];
  /** Doc i's entries are [entryStart[i], entryStart[i + 1]) of ids and tf2. */
  entryStart: Int32Array<ArrayBuffer>;
  ids: Int32Array<ArrayBuffer>;
  tf2: Uint16Array<ArrayBuffer>;
  titleEntries: Int32Array<ArrayBuffer>;
  /** Title and body length of doc i at 2i and 2i + 1. */
  lengths: Float64Array<ArrayBuffer>;
  /**
   * Document frequencies over these docs by term id, and how many are not 0 (TermMemo's,
   * as it keeps them); absent when the memo had none, or kept a doc with no version
   * (left out here, so the frequencies would not be those of the docs written).
   */
  df?: Int32Array<ArrayBuffer> | undefined;
  liveTerms?: number | undefined;
}

/**
 * A snapshot read from disk is checked before it is trusted: one that still
 * deserializes but is not what snapshot() wrote (a damaged file) must not change a
 * link, nor send a probe around a table with no empty slot. O(size), a few ms.
 */
function checkTerms({ slots, shift, pairCount, keys, vocab, stringStats, strings }: TermsSnapshot, verified: boolean): void {
  const capacity = slots.length / SLOT;
  if (!Number.isInteger(capacity) || capacity < 1 || (capacity & (capacity - 1)) !== 0 || 2 ** (32 - shift) !== capacity || pairCount * 4 > capacity * 3) fail('bigram table');
  if (strings.size !== vocab.size || stringStats.length < 3 * vocab.size) fail('term counts');
  // Bytes whose checksum matched are what snapshot() wrote: the walk over every slot
  // and term (~10 ms at 4,000 Chinese articles) only guards against anything else.
  if (verified) return;
  let pairs = 0;
  for (let at = 0; at < slots.length; at += SLOT) {
    const key = slots[at]!;
    if (key === 0) continue;
    const id = slots[at + 1]!;
    if (!(id >= 0 && id < keys.length && keys[id] === key)) fail('bigram ids');
    pairs++;
  }
  if (pairs !== pairCount) fail('term counts');
  for (const [text, ordinal] of vocab) {
    const id = stringStats[3 * ordinal]!;
    if (!(ordinal >= 0 && ordinal < vocab.size && keys[id] === 0 && strings.get(id) === text)) fail('string terms');
  }
}

function fail(what: string): never {
  throw new Error(`term memo: ${what}`);
}

function checkDocs({ dictionary, generation, docKeys, versions, entryStart, ids, tf2, titleEntries, lengths }: TermMemoSnapshot, verified: boolean): void {
  const n = docKeys.length;
  const terms = dictionary.keys.length;
  if (typeof generation !== 'string' || versions.length !== n || titleEntries.length !== n || lengths.length !== 2 * n || entryStart.length !== n + 1 || entryStart[0] !== 0 || entryStart[n] !== ids.length || tf2.length !== ids.length) fail('doc arrays');
  if (verified) return;
  for (let i = 0; i < n; i++) {
    const entries = entryStart[i + 1]! - entryStart[i]!;
    if (!(entries >= 0 && titleEntries[i]! >= 0 && titleEntries[i]! <= entries)) fail('doc entries');
  }
  for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < terms)) fail('term ids');
}

/**
 * One doc's entries in a TermMemo's own ids, title ones first: [start, end) of `ids`
 * and `tf2`, arrays every doc of a memo read back from disk shares (a view of its own
 * for each was two typed arrays per doc to make, ~2 ms of a warm build at 4,000).
 */
interface CountedDoc {
  readonly ids: Int32Array;
  /** Capped at 0xffff when counted (flush), so two bytes hold it. */
  readonly tf2: Uint16Array;
  readonly start: number;
  readonly end: number;
  readonly titleEntries: number;
  readonly titleLength: number;
  readonly bodyLength: number;
}

/**
 * Term ids, document frequencies and per-doc term frequencies; the sink of scanTokens, or of
 * a token record made when the article was parsed (terms.ts), which gives the same counts.
 * Per doc, one byte string holds its entries, title ones first: varint(id), varint(2·tf)
 * (summary tokens count as halves). Ids are given in order of first appearance, so common
 * terms have small ids and short varints: ~3-4 bytes a distinct term instead of 8, on the
 * largest structure of the build.
 */
export class TermCounter implements TokenSink, RepeatedTokenSink, DocTermCounts {
  private pairs = new PairTerms();
  /** A small direct-mapped cache in front of `pairs`, [key, slot]: common bigrams stay in CPU cache. */
  private readonly cache = new Int32Array(2 << 13);
  private vocab = new Map<string, number>();
  /** Per string term, by its order among string terms: [term id, last doc seen + 1, df]. */
  private stringStats = new Int32Array(3 << 10);
  /** Pair key of each term; 0 for a term that is a string in `strings`. */
  private keys = new Int32Array(1 << 14);
  private strings = new Map<number, string>();
  private termCount = 0;
  private readonly field = new FieldCounts();
  private readonly packed: (Uint8Array | undefined)[];
  private readonly entryCounts: Int32Array;
  private readonly titleEntries: Int32Array;
  private bytes = new Uint8Array(1 << 16);
  private byteCount = 0;
  readonly lengths: Float64Array[];
  /** The doc being counted, plus one: what "last doc seen" holds once a term is seen in it. */
  private docMark = 1;
  /** 2·share: summary tokens count half, so twice the count stays an integer. */
  private share2 = 2;
  private tokens = 0;
  /** The pair keys of the field being replayed, read ahead (PairTerms.touch). */
  private pairKeys = new Int32Array(1024);
  /** What touching them read: kept so the reads are not optimized away. */
  touched = 0;

  constructor(n: number) {
    this.packed = new Array<Uint8Array | undefined>(n).fill(undefined);
    this.entryCounts = new Int32Array(n);
    this.titleEntries = new Int32Array(n);
    this.lengths = [new Float64Array(n), new Float64Array(n)];
  }

  get size(): number {
    return this.termCount;
  }

  /**
   * The terms known so far, for a TermMemo's dictionary kept on disk. Only the terms:
   * a dictionary holds no doc between two records (each is detached once counted).
   * The bigram table goes as it is: made again from the keys, it took 60 ms of a warm
   * build (4,000 Chinese articles, 350,000 terms), against 3 ms to read its 8 MB.
   */
  snapshot(): TermsSnapshot {
    const { vocab, stringStats, strings, termCount } = this;
    return { ...this.pairs.snapshot(), keys: this.keys.slice(0, termCount), vocab, stringStats, strings };
  }

  /** A one-doc counter (a TermMemo's dictionary) that knows the terms of `snapshot`, by the same ids. */
  static restore(snapshot: TermsSnapshot, verified = false): TermCounter {
    checkTerms(snapshot, verified);
    const counter = new TermCounter(1);
    const { keys } = snapshot;
    counter.pairs = PairTerms.restore(snapshot.slots, snapshot.shift, snapshot.pairCount);
    counter.keys = new Int32Array(Math.max(counter.keys.length, 2 ** Math.ceil(Math.log2(keys.length + 1))));
    counter.keys.set(keys);
    counter.termCount = keys.length;
    counter.vocab = snapshot.vocab;
    counter.stringStats = snapshot.stringStats;
    counter.strings = snapshot.strings;
    return counter;
  }

  /**
   * What term `id` is, independent of numbering: its bigram's pair key, or its text.
   * Another counter's id for the same term is `idOf` of this.
   */
  identity(id: number): number | string {
    const key = this.keys[id] ?? 0;
    return key !== 0 ? key : (this.strings.get(id) ?? '');
  }

  /** The id of the term `identity` names, or -1 when it is not known here. */
  idOf(identity: number | string): number {
    if (typeof identity === 'number') {
      const slot = this.pairs.find(identity);
      return slot < 0 ? -1 : this.pairs.slots[SLOT * slot + 1]!;
    }
    const ordinal = this.vocab.get(identity);
    return ordinal === undefined ? -1 : this.stringStats[3 * ordinal]!;
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
    this.pairs.documentFrequencies(df);
    for (let ordinal = 0; ordinal < this.vocab.size; ordinal++) df[this.stringStats[3 * ordinal]!] = this.stringStats[3 * ordinal + 2]!;
    return df;
  }

  /** Counts the tokens of `text` (tokenized by scanTokens) at `share` each, toward `field` (0 title, 1 body). */
  scan(doc: number, field: number, text: string, share: number): void {
    this.begin(doc, share);
    scanTokens(text, this);
    this.lengths[field]![doc]! += this.tokens * share;
  }

  /** The same for the next field of a record made when the article was parsed (terms.ts): no scanning. */
  replay(doc: number, field: number, terms: RecordedTerms, share: number): void {
    this.begin(doc, share);
    // At 100,000 articles the bigram table is far bigger than the CPU caches.
    let pairs = terms.peekPairs(this.pairKeys);
    if (pairs > this.pairKeys.length) {
      this.pairKeys = new Int32Array(2 ** Math.ceil(Math.log2(pairs)));
      pairs = terms.peekPairs(this.pairKeys);
    }
    this.touched = this.pairs.touch(this.pairKeys, pairs);
    terms.nextField(this);
    this.lengths[field]![doc]! += this.tokens * share;
  }

  /** The same for tokens from another tokenizer. */
  add(doc: number, field: number, tokens: string[], share: number): void {
    this.begin(doc, share);
    for (const token of tokens) this.token(token);
    this.lengths[field]![doc]! += this.tokens * share;
  }

  pair(first: number, second: number): void {
    this.repeatedPair(first, second, 1);
  }

  token(token: string): void {
    this.repeatedToken(token, 1);
  }

  repeatedPair(first: number, second: number, times: number): void {
    const key = (first << 16) | second;
    const cache = this.cache;
    const cached = (Math.imul(key, 0x9e3779b1) >>> 19) << 1;
    let slot = cache[cached + 1]!;
    let slots = this.pairs.slots;
    // A cached slot is checked against the table itself: growing the table moves slots.
    if (cache[cached] !== key || slots[SLOT * slot] !== key) {
      slot = this.pairs.find(key);
      if (slot < 0) {
        this.reserveKeys(this.termCount + 1);
        this.keys[this.termCount] = key;
        slot = this.pairs.add(key, this.termCount++, ~slot);
        slots = this.pairs.slots;
      }
      cache[cached] = key;
      cache[cached + 1] = slot;
    }
    const at = SLOT * slot;
    if (slots[at + 2] !== this.docMark) {
      slots[at + 2] = this.docMark;
      slots[at + 3]!++;
    }
    this.count(slots[at + 1]!, times);
  }

  repeatedToken(token: string, times: number): void {
    let ordinal = this.vocab.get(token);
    if (ordinal === undefined) {
      ordinal = this.vocab.size;
      this.vocab.set(token, ordinal);
      if (3 * ordinal + 3 > this.stringStats.length) {
        const grown = new Int32Array(this.stringStats.length * 2);
        grown.set(this.stringStats);
        this.stringStats = grown;
      }
      this.reserveKeys(this.termCount + 1);
      this.stringStats[3 * ordinal] = this.termCount;
      this.strings.set(this.termCount++, token);
    }
    const stats = this.stringStats;
    const at = 3 * ordinal;
    if (stats[at + 1] !== this.docMark) {
      stats[at + 1] = this.docMark;
      stats[at + 2]!++;
    }
    this.count(stats[at]!, times);
  }

  /** Ends a field of `doc` (title, then body): its counts join the doc's packed entries. */
  flush(doc: number, field: number): void {
    const { ids, tf2, count } = this.field;
    this.reserveBytes(count * 8);
    for (let e = 0; e < count; e++) {
      this.varint(ids[e]!);
      this.varint(Math.min(0xffff, tf2[e]!));
    }
    this.field.clear();
    this.entryCounts[doc]! += count;
    if (field === 0) this.titleEntries[doc] = count;
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

  /** Takes doc `doc`'s entries and lengths out as they are, and clears the doc so it can be counted again. */
  detachDoc(doc: number): CountedDoc {
    const count = this.entryCounts[doc]!;
    const ids = new Int32Array(count);
    const counts = new Int32Array(count);
    const { titleEntries } = this.take(doc, ids, counts);
    const tf2 = Uint16Array.from(counts);
    const titleLength = this.lengths[0]![doc]!;
    const bodyLength = this.lengths[1]![doc]!;
    this.entryCounts[doc] = 0;
    this.lengths[0]![doc] = 0;
    this.lengths[1]![doc] = 0;
    return { ids, tf2, start: 0, end: count, titleEntries, titleLength, bodyLength };
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

  private begin(doc: number, share: number): void {
    this.docMark = doc + 1;
    this.share2 = Math.round(share * 2);
    this.tokens = 0;
  }

  private count(id: number, times: number): void {
    this.field.add(id, this.share2 * times);
    this.tokens += times;
  }

  private reserveKeys(capacity: number): void {
    if (capacity <= this.keys.length) return;
    const keys = new Int32Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
  }
}

/**
 * Counts kept between builds (in a dev session's memory, or in the build cache).
 * Counting an article's record costs a hash-table probe per distinct term, ~half of the
 * related phase; between two builds most records are the ones counted last time. The
 * memo counts each record once into ids of its own (a dictionary that only grows), and
 * a build's model uses those ids as they are: links never depend on how terms are
 * numbered (model.ts), so they are those of counting anew.
 */
export class TermMemo {
  /**
   * Archives up to this size only: a doc's entries take 6 bytes each here (~3 MB per
   * 1,000 Chinese articles), against ~3 in a build's packed form, which is freed as
   * the model is built; past this, a dev rebuild counts anew.
   */
  static readonly MAX_DOCS = 40_000;

  /**
   * @param versionOf A doc's version by its key, compared instead of its record when
   * given (a memo kept on disk, see snapshot); undefined for a key: compare the record.
   */
  constructor(private readonly versionOf?: (key: string) => string | undefined) {}

  private dictionary = new TermCounter(1);
  /**
   * Names this dictionary as it was last saved: a term's id means the same term in every
   * build whose memo has this generation (ids below `persistedSize`, for a memo read back
   * from disk; the rest are ids given since, which a memo read back from disk may give to
   * other terms). Each save names it anew: two processes that saved the same memo, or a
   * cache restored file by file, cannot pair a related state with another save's ids.
   */
  generation = newGeneration();
  /** The generation before the last save, which this build's counts were made under. */
  renamedFrom: string | undefined;
  /** The generation the last snapshot was made under, for `persisted`. */
  private snapshotGeneration: string | undefined;
  /** Terms of the dictionary as last written to or read from disk; undefined for a memo that never was. */
  persistedSize: number | undefined;
  /** By each doc's key: the record it was counted from (or its version), and its counts. */
  private byKey = new Map<string, { record: string; doc: CountedDoc }>();
  /** Records counted by the last build, as opposed to taken from the memo. */
  recounted = 0;
  /**
   * Document frequencies over the docs in byKey, by term id (0 past its end), and how
   * many are not 0: kept up to date as docs come, change and go, so that a build with
   * one edit does not count them over every doc's entries (~3 ms at 4,000 articles).
   * Undefined until the first build counts them.
   */
  private df: Int32Array | undefined;
  private liveTerms = 0;
  /** Scratch for tally: the last tally to meet each term. */
  private met = new Int32Array(0);
  private tallies = 0;

  /** Whether docs are compared by their versions (a memo the build cache keeps), not by their records. */
  get comparesVersions(): boolean {
    return this.versionOf !== undefined;
  }

  /**
   * The counts of `docs`, given in doc order with each one's key (any string unique per
   * doc, such as its source path) and record; `count` counts a record into a counter's doc 0.
   * Undefined when a doc to be counted is not `countable` (the memo must then be forgotten).
   */
  counts<T>(
    docs: readonly T[], keyOf: (doc: T) => string, recordOf: (doc: T) => string, count: (counter: TermCounter, doc: T) => void, countable: (doc: T) => boolean = () => true,
  ): DocTermCounts | undefined {
    const counted: CountedDoc[] = new Array(docs.length);
    const kept = new Map<string, { record: string; doc: CountedDoc }>();
    this.recounted = 0;
    const incremental = this.df !== undefined;
    let found = 0;
    try {
      for (let d = 0; d < docs.length; d++) {
        const doc = docs[d]!;
        const key = keyOf(doc);
        const record = this.versionOf?.(key) ?? recordOf(doc);
        let entry = this.byKey.get(key);
        if (entry !== undefined) found++;
        // No entry, or one of another record (a doc with neither a version nor a record has none).
        if (entry === undefined || entry.record !== record) {
          if (!countable(doc)) {
            this.df = undefined;
            return undefined;
          }
          count(this.dictionary, doc);
          const replaced = entry;
          entry = { record, doc: this.dictionary.detachDoc(0) };
          if (incremental) {
            if (replaced) this.tally(replaced.doc, -1);
            this.tally(entry.doc, 1);
          }
          this.recounted++;
        }
        kept.set(key, entry);
        counted[d] = entry.doc;
      }
      if (incremental && found < this.byKey.size) {
        // Docs gone since the last build: their terms leave the frequencies.
        for (const [key, entry] of this.byKey) if (!kept.has(key)) this.tally(entry.doc, -1);
      }
    } catch (error) {
      // Counted half-way, the frequencies no longer describe the docs kept: start afresh.
      this.forget();
      throw error;
    }
    // Only the docs of this build are kept: a deleted article's entries go.
    this.byKey = kept;
    if (!incremental) {
      this.df = new Int32Array(this.dictionary.size);
      this.liveTerms = 0;
      for (const doc of counted) this.tally(doc, 1);
    }
    // A copy as long as the dictionary (the memo's runs ahead of it), which the next
    // build's counting does not move under this build's model and state.
    const df = new Int32Array(this.dictionary.size);
    df.set(this.df!.subarray(0, Math.min(df.length, this.df!.length)));
    const counts = new MemoCounts(counted, this.dictionary, this.generation, df, this.liveTerms);
    // The dictionary keeps the terms of every version of every article seen; once most
    // of it is dead, the next build counts everything anew into a fresh one.
    if (this.dictionary.size > 2 * counts.liveTerms + 65_536) this.forget();
    return counts;
  }

  /** Docs whose counts are kept. */
  get size(): number {
    return this.byKey.size;
  }

  /** Adds `doc`'s terms to the document frequencies (sign 1), or takes them away (-1). */
  private tally(doc: CountedDoc, sign: 1 | -1): void {
    const size = this.dictionary.size;
    if (this.df!.length < size) {
      const grown = new Int32Array(Math.max(size, 2 * this.df!.length));
      grown.set(this.df!);
      this.df = grown;
    }
    if (this.met.length < size) this.met = new Int32Array(Math.max(size, 2 * this.met.length));
    const df = this.df!;
    const met = this.met;
    const tally = ++this.tallies;
    const { ids, start, end, titleEntries } = doc;
    const bodyStart = start + titleEntries;
    for (let i = start; i < end; i++) {
      const id = ids[i]!;
      // A term in both the title and the body is one doc for its df.
      if (i >= bodyStart && met[id] === tally) continue;
      met[id] = tally;
      const before = df[id]!;
      df[id] = before + sign;
      if (before === 0) this.liveTerms++;
      else if (before + sign === 0) this.liveTerms--;
    }
  }

  /**
   * The memo as plain data. `versionOf` gives each kept doc's version by its key, such
   * as the content hash of the file its record was made from: a memo restored from it
   * compares versions, not records, so the records need not be kept.
   */
  snapshot(versionOf: (key: string) => string | undefined): TermMemoSnapshot {
    const docKeys: string[] = [];
    const versions: string[] = [];
    let total = 0;
    for (const [key, entry] of this.byKey) {
      const version = versionOf(key);
      if (version === undefined) continue;
      docKeys.push(key);
      versions.push(version);
      total += entry.doc.end - entry.doc.start;
    }
    const n = docKeys.length;
    const entryStart = new Int32Array(n + 1);
    const ids = new Int32Array(total);
    const tf2 = new Uint16Array(total);
    const titleEntries = new Int32Array(n);
    const lengths = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const { doc } = this.byKey.get(docKeys[i]!)!;
      ids.set(doc.ids.subarray(doc.start, doc.end), entryStart[i]!);
      tf2.set(doc.tf2.subarray(doc.start, doc.end), entryStart[i]!);
      entryStart[i + 1] = entryStart[i]! + doc.end - doc.start;
      titleEntries[i] = doc.titleEntries;
      lengths[2 * i] = doc.titleLength;
      lengths[2 * i + 1] = doc.bodyLength;
    }
    this.snapshotGeneration = newGeneration();
    const dictionary = this.dictionary.snapshot();
    // The frequencies are those of the docs written only when every kept doc is.
    let df: Int32Array<ArrayBuffer> | undefined;
    if (this.df && n === this.byKey.size) {
      df = new Int32Array(dictionary.keys.length);
      df.set(this.df.subarray(0, Math.min(df.length, this.df.length)));
    }
    return { dictionary, generation: this.snapshotGeneration, docKeys, versions, entryStart, ids, tf2, titleEntries, lengths, df, liveTerms: df && this.liveTerms };
  }

  /** Says that `snapshot` (the last one of this memo) is now on disk: the memo takes its name. */
  persisted(snapshot: TermMemoSnapshot): void {
    if (snapshot.generation !== this.snapshotGeneration) return;
    this.renamedFrom = this.generation;
    this.generation = snapshot.generation;
    this.persistedSize = snapshot.dictionary.keys.length;
  }

  /** A memo of `snapshot` that takes a doc's version by its key from `versionOf` (not its record). */
  /** `verified`: the snapshot's bytes passed a checksum of what snapshot() wrote (cache.ts), so only its shape is checked. */
  static restore(snapshot: TermMemoSnapshot, versionOf: (key: string) => string | undefined, verified = false): TermMemo {
    checkDocs(snapshot, verified);
    const memo = new TermMemo(versionOf);
    memo.dictionary = TermCounter.restore(snapshot.dictionary, verified);
    memo.generation = snapshot.generation;
    memo.persistedSize = snapshot.dictionary.keys.length;
    const { docKeys, versions, entryStart, ids, tf2, titleEntries, lengths, df, liveTerms } = snapshot;
    for (let i = 0; i < docKeys.length; i++) {
      const doc: CountedDoc = {
        ids, tf2, start: entryStart[i]!, end: entryStart[i + 1]!, titleEntries: titleEntries[i]!, titleLength: lengths[2 * i]!, bodyLength: lengths[2 * i + 1]!,
      };
      memo.byKey.set(docKeys[i]!, { record: versions[i]!, doc });
    }
    // Frequencies are taken as written only from bytes whose checksum matched; else the
    // first build counts them over every doc, as one with no memo does.
    if (verified && df instanceof Int32Array && df.length === snapshot.dictionary.keys.length && Number.isInteger(liveTerms)) {
      memo.df = df;
      memo.liveTerms = liveTerms!;
    }
    return memo;
  }

  /** Lets go of everything counted: a build that cannot use the memo, or a dictionary mostly dead. */
  forget(): void {
    this.dictionary = new TermCounter(1);
    this.generation = newGeneration();
    this.renamedFrom = undefined;
    this.persistedSize = undefined;
    this.byKey = new Map();
    this.recounted = 0;
    this.df = undefined;
    this.liveTerms = 0;
  }
}

/** Names a dictionary: random, so that no two dictionaries share one. */
function newGeneration(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * A build's counts from memo entries, in the memo's term ids. Dead terms (in no doc of
 * this build) keep their ids, with df 0: they are never features.
 */
export class MemoCounts implements DocTermCounts {
  readonly size: number;
  /** Terms in at least one doc. */
  readonly liveTerms: number;
  readonly lengths: Float64Array[];
  readonly maxEntries: number;
  private readonly df: Int32Array;

  /** `df`: the document frequencies over `docs` (the memo keeps them), `liveTerms` how many are not 0. */
  constructor(private readonly docs: readonly CountedDoc[], private readonly dictionary: TermCounter, readonly generation: string, df: Int32Array, liveTerms: number) {
    const size = dictionary.size;
    let maxEntries = 0;
    const lengths = [new Float64Array(docs.length), new Float64Array(docs.length)];
    for (let d = 0; d < docs.length; d++) {
      const doc = docs[d]!;
      lengths[0]![d] = doc.titleLength;
      lengths[1]![d] = doc.bodyLength;
      maxEntries = Math.max(maxEntries, doc.end - doc.start);
    }
    this.size = size;
    this.liveTerms = liveTerms;
    this.lengths = lengths;
    this.maxEntries = maxEntries;
    this.df = df;
  }

  documentFrequencies(): Int32Array {
    return this.df;
  }

  take(doc: number, ids: Int32Array, tf2: Int32Array): { count: number; titleEntries: number } {
    const { ids: from, tf2: tf2From, start, end, titleEntries } = this.docs[doc]!;
    const whole = start === 0 && end === from.length;
    ids.set(whole ? from : from.subarray(start, end));
    tf2.set(whole ? tf2From : tf2From.subarray(start, end));
    return { count: end - start, titleEntries };
  }

  /** Whether doc `doc` has a term flagged 1 in `flagged` (by term id). */
  hasFlaggedTerm(doc: number, flagged: Uint8Array): boolean {
    const { ids, start, end } = this.docs[doc]!;
    for (let i = start; i < end; i++) if (flagged[ids[i]!] === 1) return true;
    return false;
  }

  termLookup(): (id: number) => string {
    return this.dictionary.termLookup();
  }

  identity(id: number): number | string {
    return this.dictionary.identity(id);
  }

  idOf(identity: number | string): number {
    return this.dictionary.idOf(identity);
  }
}

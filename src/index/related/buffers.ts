// Compact growable storage for the build phase: at 100,000 articles, per-article Maps
// and object arrays would cost gigabytes; typed arrays cost a few hundred megabytes.

type NumberArray = Int32Array | Float32Array | Float64Array;
type NumberArrayClass<T extends NumberArray> = { new (length: number): T };

/** A typed array indexed by id that grows as ids appear; unset entries read 0. */
export class Growable<T extends NumberArray> {
  data: T;
  constructor(private readonly Kind: NumberArrayClass<T>, capacity = 1024) {
    this.data = new Kind(capacity);
  }
  get(i: number): number {
    return i < this.data.length ? this.data[i]! : 0;
  }
  set(i: number, value: number): void {
    this.reserve(i);
    this.data[i] = value;
  }
  add(i: number, value: number): void {
    this.reserve(i);
    this.data[i]! += value;
  }
  reserve(i: number): void {
    if (i < this.data.length) return;
    let size = this.data.length * 2;
    while (size <= i) size *= 2;
    const next = new this.Kind(size);
    next.set(this.data);
    this.data = next;
  }
}

/** Sets of labels (tags, tickers, names) per doc and kind, as ids with document frequencies. */
export class LabelSets {
  private readonly vocab = new Map<string, number>();
  private readonly counts: number[] = [];
  // Flat, slot by slot (slot = doc * kinds + kind, filled in order): one array for all
  // docs instead of one per doc and kind (12,000 small arrays at 4,000 articles).
  private readonly start: Int32Array;
  private readonly ids = new Growable(Int32Array);
  private size = 0;
  private slot = 0;
  constructor(private readonly n: number, private readonly kinds: number) {
    this.start = new Int32Array(n * kinds + 1);
  }
  /** Adds `labels` (each through `normalize`) to doc `doc`'s set of `kind`. Slots are filled in order: doc by doc, kind by kind. */
  add(doc: number, kind: number, labels: readonly string[], normalize: (label: string) => string): void {
    const slot = doc * this.kinds + kind;
    if (slot < this.slot) throw new Error('LabelSets.add: slots are filled in order');
    while (this.slot < slot) this.start[++this.slot] = this.size;
    const from = this.start[slot]!;
    for (const raw of labels) {
      const label = normalize(raw);
      if (label === '') continue;
      const key = `${kind}\u0000${label}`;
      let id = this.vocab.get(key);
      if (id === undefined) {
        id = this.counts.length;
        this.vocab.set(key, id);
        this.counts.push(0);
      }
      let seen = false;
      for (let i = from; i < this.size; i++) if (this.ids.data[i] === id) seen = true;
      if (seen) continue;
      this.ids.set(this.size++, id);
      this.start[slot + 1] = this.size;
      this.counts[id]!++;
    }
  }
  /** Ends the last slot: called once every doc is added. */
  private seal(): void {
    while (this.slot < this.n * this.kinds) this.start[++this.slot] = this.size;
  }
  of(doc: number, kind: number): Int32Array {
    this.seal();
    const slot = doc * this.kinds + kind;
    return this.ids.data.subarray(this.start[slot]!, this.start[slot + 1]!);
  }
  /** Whether any label of doc `doc`'s set of `kind` is flagged (by id). */
  anyFlagged(doc: number, kind: number, flagged: Uint8Array): boolean {
    this.seal();
    const slot = doc * this.kinds + kind;
    for (let i = this.start[slot]!; i < this.start[slot + 1]!; i++) if (flagged[this.ids.data[i]!] === 1) return true;
    return false;
  }
  df(id: number): number {
    return this.counts[id] ?? 0;
  }
  /** Each label's key (kind and label) by id: what names it across builds. */
  keys(): string[] {
    return [...this.vocab.keys()];
  }
  /** Document frequencies by id. */
  frequencies(): Int32Array {
    return Int32Array.from(this.counts);
  }
  get count(): number {
    return this.counts.length;
  }
  csr(kind: number): { start: Int32Array; ids: Int32Array } {
    this.seal();
    const start = new Int32Array(this.n + 1);
    for (let d = 0; d < this.n; d++) start[d + 1] = start[d]! + this.start[d * this.kinds + kind + 1]! - this.start[d * this.kinds + kind]!;
    const ids = new Int32Array(start[this.n]!);
    for (let d = 0; d < this.n; d++) ids.set(this.ids.data.subarray(this.start[d * this.kinds + kind]!, this.start[d * this.kinds + kind + 1]!), start[d]!);
    return { start, ids };
  }
}

/**
 * Per doc and signal: the strongest shareable features, strongest first, weights divided by the
 * whole vector's norm. Use: begin(), push() each feature, commit(limit); once per doc and signal.
 */
export class FeatureLists {
  private readonly sigStart: Int32Array;
  private readonly feature = new Growable(Int32Array, 1 << 16);
  private readonly weight = new Growable(Float32Array, 1 << 16);
  private size = 0;
  private slot = 0;
  private ids = new Int32Array(256);
  private weights = new Float64Array(256);
  private shareable = new Uint8Array(256);
  private sorted = new Float64Array(256);
  private count = 0;

  constructor(n: number, signals: number) {
    this.sigStart = new Int32Array(n * signals + 1);
  }

  begin(max: number): void {
    if (max > this.ids.length) {
      const size = 2 ** Math.ceil(Math.log2(max));
      this.ids = new Int32Array(size);
      this.weights = new Float64Array(size);
      this.shareable = new Uint8Array(size);
      this.sorted = new Float64Array(size);
    }
    this.count = 0;
  }

  /** A feature that is not `shareable` (no other doc has it) counts in the norm only. */
  push(id: number, weight: number, shareable: boolean): void {
    this.ids[this.count] = id;
    this.weights[this.count] = weight;
    this.shareable[this.count] = shareable && weight > 0 ? 1 : 0;
    this.count++;
  }

  /** Keeps the `limit` strongest shareable features; equal weights are kept in push order. */
  commit(limit: number): void {
    const { ids, weights, shareable, count } = this;
    let sum = 0;
    let candidates = 0;
    for (let i = 0; i < count; i++) {
      sum += weights[i]! * weights[i]!;
      if (shareable[i] === 1) this.sorted[candidates++] = weights[i]!;
    }
    const norm = Math.sqrt(sum);
    // The weight of the limit-th strongest: stronger ones all stay, equal ones while room is left.
    let threshold = -Infinity;
    if (candidates > limit) threshold = kthSmallest(this.sorted, candidates, candidates - limit);
    let above = 0;
    for (let i = 0; i < count; i++) if (shareable[i] === 1 && weights[i]! > threshold) above++;
    let room = limit - above;
    const start = this.size;
    for (let i = 0; i < count; i++) {
      if (shareable[i] !== 1) continue;
      const w = weights[i]!;
      if (w < threshold || (w === threshold && room-- <= 0)) continue;
      this.feature.set(this.size, ids[i]!);
      this.weight.set(this.size, w / norm);
      this.size++;
    }
    this.strongestFirst(start, this.size);
    this.sigStart[++this.slot] = this.size;
  }

  /**
   * Appends a signal's list as an earlier build committed it (reuse.ts): `features`
   * already in this build's ids, `weights` as they were stored.
   */
  copy(features: Int32Array, weights: Float32Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      this.feature.set(this.size, features[i]!);
      this.weight.set(this.size, weights[i]!);
      this.size++;
    }
    this.sigStart[++this.slot] = this.size;
  }

  /** Insertion sort of [from, to) by weight desc, stable: lists are short (≤ the limit). */
  private strongestFirst(from: number, to: number): void {
    const f = this.feature.data;
    const w = this.weight.data;
    for (let i = from + 1; i < to; i++) {
      const fi = f[i]!;
      const wi = w[i]!;
      let j = i;
      while (j > from && w[j - 1]! < wi) {
        f[j] = f[j - 1]!;
        w[j] = w[j - 1]!;
        j--;
      }
      f[j] = fi;
      w[j] = wi;
    }
  }

  /** `shared`: in shared memory, for a query helper thread (query-pool.ts), at their exact size. */
  finish(shared = false): { sigStart: Int32Array; feature: Int32Array; weight: Float32Array } {
    const feature = this.feature.data.subarray(0, this.size);
    const weight = this.weight.data.subarray(0, this.size);
    if (!shared) return { sigStart: this.sigStart, feature, weight };
    return { sigStart: inSharedMemory(this.sigStart), feature: inSharedMemory(feature), weight: inSharedMemory(weight) };
  }
}

/** The k-th smallest (0-based) of a[0..n), by quickselect; reorders a. */
function kthSmallest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

/** `array` itself when it is in shared memory already, else a copy there. */
export function inSharedMemory<T extends TypedArray>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Kind = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Kind(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

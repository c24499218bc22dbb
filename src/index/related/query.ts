// Query phase: one article's candidates from the postings of its indexed features (at most
// 16 title, 32 body, 16 tag and 16 ticker features: see INDEXED_TERMS in model.ts).
//
// The scale of every score, so that minScore means the same at 30 articles or 100,000:
//   cos_s(A, B)  cosine of signal s, in [0, 1] (approximate: only indexed features meet)
//   content      = Σ_strong W_s·cos_s / Σ_{strong s present in A} W_s        in [0, 1]
//   base         = (Σ_strong W_s·cos_s + W_cat·same + W_auth·cos_auth) / Σ_{s present in A} W_s
//   score        = base × timeFactor(|date A − date B|)
// A link needs content ≥ minScore: text, tags and tickers decide whether two stories are
// related; category and authors (the same for many unrelated stories) and time only order
// the related ones. "Present" means A has something in that signal another article shares.
import type { RelatedSettings } from '../../config.ts';
import { AUTHORS_BIT, CATEGORY_BIT, STRONG_SIGNALS, type RelatedModel } from './model.ts';

const DAY_MS = 86_400_000;
/**
 * Postings visited per feature and query. A longer list (a term in thousands of articles)
 * is visited only over the POSTING_WINDOW articles nearest in date to the querying one:
 * deterministic, and those are the ones the time factor favours anyway. Rare features,
 * which carry most of the signal, are always visited whole.
 */
export const POSTING_WINDOW = 200;
/**
 * Time factor = TIME_FLOOR + (1 − TIME_FLOOR) · 2^(−days / halfLifeDays), days = |Δdate|, so
 * background (earlier) and follow-ups (later) count alike. The part above the floor halves
 * every half-life: with the default 30 days a same-week story gets 0.90, one from a year
 * ago or more 0.35. The floor keeps background linkable: with no floor, anything a year old
 * would score ~0 whatever it shares; with it, a much closer match can still beat recency.
 */
export const TIME_FLOOR = 0.35;

export function timeFactor(deltaMs: number, halfLifeDays: number): number {
  // 2^(−days/h) written as e^(−|Δ|·ln2/(h·day)): the same value, and exp is ~8x faster than pow.
  return TIME_FLOOR + (1 - TIME_FLOOR) * Math.exp(-Math.abs(deltaMs) * (Math.LN2 / (halfLifeDays * DAY_MS)));
}

export interface Candidate {
  doc: number;
  /** base × timeFactor. */
  score: number;
  base: number;
  timeFactor: number;
}

/** Per-query working memory, reused across queries: allocating per article would dominate. */
export interface Scratch {
  /** Strong-signal sum per doc; every contribution is > 0, so 0 means "not touched yet". Float32: half the cache misses. */
  acc: Float32Array;
  touched: Int32Array;
}

export function makeScratch(n: number): Scratch {
  return { acc: new Float32Array(n), touched: new Int32Array(n) };
}

/** Receives each posting's contribution (in strong-weight units, before the denominator). */
export type Recorder = (feature: number, doc: number, contribution: number) => void;

export function strongWeights(w: RelatedSettings['weights']): number[] {
  return [w.title, w.body, w.tags, w.tickers]; // the order of STRONG_SIGNALS
}

/** Σ W_s over the signals present in doc a: strong only, and all. */
export function denominators(model: RelatedModel, a: number): { strong: number; all: number } {
  const w = model.weights;
  const sw = strongWeights(w);
  const bits = model.present[a]!;
  let strong = 0;
  for (let s = 0; s < STRONG_SIGNALS; s++) if (bits & (1 << s)) strong += sw[s]!;
  const all = strong + (bits & CATEGORY_BIT ? w.category : 0) + (bits & AUTHORS_BIT ? w.authors : 0);
  return { strong, all };
}

/**
 * The best `need` computed links of doc `a` (score desc, date desc, slug asc), skipping the
 * docs in `pinned`, whose scores go to `pinnedScores` instead, gate or not.
 */
export function query(
  model: RelatedModel, a: number, need: number, settings: RelatedSettings, scratch: Scratch,
  pinned: ReadonlySet<number>, pinnedScores: Map<number, Candidate>, record?: Recorder,
): Candidate[] {
  const { acc, touched } = scratch;
  const { sigStart, feature, weight, postStart, postDoc, postWeight } = model;
  const sw = strongWeights(model.weights);
  const dateA = model.dates[a]!;
  let count = 0;
  for (let s = 0; s < STRONG_SIGNALS; s++) {
    const ws = sw[s]!;
    if (ws === 0) continue;
    for (let i = sigStart[a * STRONG_SIGNALS + s]!; i < sigStart[a * STRONG_SIGNALS + s + 1]!; i++) {
      const f = feature[i]!;
      const q = ws * weight[i]!;
      let from = postStart[f]!;
      let to = postStart[f + 1]!;
      if (to - from > POSTING_WINDOW) [from, to] = windowOf(model, from, to, dateA);
      for (let p = from; p < to; p++) {
        const b = postDoc[p]!;
        if (b === a) continue;
        if (acc[b] === 0) touched[count++] = b;
        const c = q * postWeight[p]!;
        acc[b]! += c;
        if (record) record(f, b, c);
      }
    }
  }
  const den = denominators(model, a);
  const weakMax = model.weights.category + model.weights.authors;
  const gate = need > 0 && den.strong > 0 ? settings.minScore * den.strong : Infinity;
  const best: Candidate[] = [];
  let last = -1; // score of the last place once the list is full
  for (let t = 0; t < count; t++) {
    const b = touched[t]!;
    const strong = acc[b]!;
    acc[b] = 0;
    if (pinned.size > 0 && pinned.has(b)) {
      pinnedScores.set(b, candidate(model, a, b, strong, den.all, settings));
      continue;
    }
    // Cheapest tests first: most touched docs fail the gate, and the time factor is at most 1.
    if (strong < gate || (strong + weakMax) / den.all < last) continue;
    const factor = timeFactor(dateA - model.dates[b]!, settings.halfLifeDays);
    if (((strong + weakMax) / den.all) * factor < last) continue;
    const base = (strong + weakScore(model, a, b)) / den.all;
    if (base * factor < last) continue;
    insertTop(model, best, { doc: b, score: base * factor, base, timeFactor: factor }, need);
    if (best.length === need) last = best[need - 1]!.score;
  }
  for (const b of pinned) if (!pinnedScores.has(b)) pinnedScores.set(b, candidate(model, a, b, 0, den.all, settings));
  return best;
}

/**
 * Doc b as a candidate of doc a's query, exactly as `query` would score it (the same
 * float32 sums in the same order), or undefined when it would not be one (below the
 * gate, or in no posting a's query visits). For the last build's lists (reuse.ts): a
 * changed doc that cannot enter a list leaves it as it was.
 */
export function candidateFor(model: RelatedModel, a: number, b: number, settings: RelatedSettings): Candidate | undefined {
  const { sigStart, feature, weight, postStart, postDoc, postWeight } = model;
  const sw = strongWeights(model.weights);
  const dateA = model.dates[a]!;
  // A float32 sum, as query's accumulator is: each addition rounded to float32.
  let sum = 0;
  let touched = false;
  for (let s = 0; s < STRONG_SIGNALS; s++) {
    const ws = sw[s]!;
    if (ws === 0) continue;
    for (let i = sigStart[a * STRONG_SIGNALS + s]!; i < sigStart[a * STRONG_SIGNALS + s + 1]!; i++) {
      const f = feature[i]!;
      const [from, to] = windowOf(model, postStart[f]!, postStart[f + 1]!, dateA);
      const at = lowerBound(postDoc, from, to, b);
      if (at === to || postDoc[at] !== b) continue;
      sum = Math.fround(sum + ws * weight[i]! * postWeight[at]!);
      touched = true;
    }
  }
  if (!touched || b === a) return undefined;
  const den = denominators(model, a);
  const gate = den.strong > 0 ? settings.minScore * den.strong : Infinity;
  if (sum < gate) return undefined;
  return candidate(model, a, b, sum, den.all, settings);
}

/** First position in [from, to) of `postDoc` holding a doc ≥ `doc` (each list is in doc order). */
export function lowerBound(postDoc: Int32Array, from: number, to: number, doc: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (postDoc[mid]! < doc) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The part [from, to) of a long posting list [start, end) that a doc dated `date` visits. */
export function windowOf(model: RelatedModel, start: number, end: number, date: number): [number, number] {
  if (end - start <= POSTING_WINDOW) return [start, end];
  const at = firstOnOrAfter(model, start, end, date);
  const from = Math.min(Math.max(start, at - (POSTING_WINDOW >> 1)), end - POSTING_WINDOW);
  return [from, from + POSTING_WINDOW];
}

/** Index of the first posting in [from, to) dated on or after `date` (postings are in date order). */
function firstOnOrAfter(model: RelatedModel, from: number, to: number, date: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (model.dates[model.postDoc[mid]!]! < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function candidate(model: RelatedModel, a: number, b: number, strong: number, all: number, settings: RelatedSettings): Candidate {
  const base = all > 0 ? (strong + weakScore(model, a, b)) / all : 0;
  const factor = timeFactor(model.dates[a]! - model.dates[b]!, settings.halfLifeDays);
  return { doc: b, score: base * factor, base, timeFactor: factor };
}

/** W_cat·(same category) + W_auth·cos(authors and source). */
function weakScore(model: RelatedModel, a: number, b: number): number {
  const w = model.weights;
  const sameCategory = model.category[a]! >= 0 && model.category[a] === model.category[b];
  return (sameCategory ? w.category : 0) + (w.authors > 0 ? w.authors * authorCosine(model, a, b) : 0);
}

function authorCosine(model: RelatedModel, a: number, b: number): number {
  const { authorStart: start, authorIds: ids } = model;
  let shared = 0;
  for (let i = start[a]!; i < start[a + 1]!; i++) {
    for (let j = start[b]!; j < start[b + 1]!; j++) if (ids[i] === ids[j]) shared++;
  }
  if (shared === 0) return 0;
  return shared / Math.sqrt((start[a + 1]! - start[a]!) * (start[b + 1]! - start[b]!));
}

/** Score desc, then newer first, then slug (among equal dates, doc ids are in slug order). */
export function compareCandidates(model: RelatedModel, x: Candidate, y: Candidate): number {
  return y.score - x.score || model.dates[y.doc]! - model.dates[x.doc]! || x.doc - y.doc;
}

function insertTop(model: RelatedModel, best: Candidate[], c: Candidate, need: number): void {
  if (best.length === need && compareCandidates(model, c, best[need - 1]!) >= 0) return;
  let i = best.length;
  if (i === need) i--;
  while (i > 0 && compareCandidates(model, c, best[i - 1]!) < 0) {
    best[i] = best[i - 1]!;
    i--;
  }
  best[i] = c;
}

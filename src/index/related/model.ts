// Build phase of related links: every published article becomes a few short weighted
// feature vectors, and an inverted index over them. Queries (query.ts) then touch only
// the postings of an article's strongest features: no all-pairs comparison.
//
// Signals, each its own L2-normalized vector, so each similarity is a cosine in [0, 1]:
//   title    title terms, plus summary terms at SUMMARY_SHARE of a title term
//   body     body text terms
//   tags, tickers   the listed values, weighted by rarity (idf)
//   category, authors (with source)   compared directly, never through postings
// Text term weight is BM25's: idf x saturated term frequency with length normalization.
import type { Article } from '../../types.ts';
import type { RelatedSettings } from '../../config.ts';
import { compareText } from '../../errors.ts';
import { foldName, foldToSimplified, normalizeTicker, remembered } from '../text.ts';
import { FeatureLists, LabelSets } from './buffers.ts';
import { MemoCounts, TermCounter, TermMemo, type DocTermCounts } from './counts.ts';
import { recordedTerms } from './terms.ts';
import { planReuse, stateApplies, type Reuse, type RelatedState } from './reuse.ts';

/** A summary states the topic densely, but it repeats the body: half a title term. */
const SUMMARY_SHARE = 0.5;
/** BM25 constants, the usual ones. */
const K1 = 1.2;
const B = 0.75;
/** A term in more than this share of articles says nothing about topic (Hugo's cardinality threshold)... */
const MAX_DF_SHARE = 0.5;
/** ...but only once there are enough articles for a share to mean anything. */
const MIN_DOCS_FOR_DF_CUT = 20;
/** Features indexed per article and signal, strongest first. */
const INDEXED_TERMS = { title: 16, body: 32, meta: 16 } as const;

/** Signals that go through postings, in this order: title, body, tags, tickers. */
export const STRONG_SIGNALS = 4;
export const CATEGORY_BIT = 16;
export const AUTHORS_BIT = 32;

export type Tokenizer = (text: string) => string[];

export interface RelatedModel {
  /**
   * Unique by slug, in date order then slug order; the doc id is the index here. Date order puts
   * the postings a query reads (those near its date) close together in memory; and among equal
   * dates, id order is slug order, the last tie-break.
   */
  docs: Article[];
  ids: Map<string, number>;
  dates: Float64Array;
  /** Number of text terms: title feature f < termCount is term f, body feature f is term f - termCount. */
  termCount: number;
  /** The text of a term id. */
  term: (id: number) => string;
  /** Per doc and strong signal, the doc's indexed features: [sigStart[d*4+s], sigStart[d*4+s+1]). */
  sigStart: Int32Array;
  feature: Int32Array;
  /** Normalized weight of each indexed feature (its share of the signal's cosine). */
  weight: Float32Array;
  postStart: Int32Array;
  postDoc: Int32Array;
  postWeight: Float32Array;
  /** Category id per doc, -1 for none; author ids (authors and source) per doc. */
  category: Int32Array;
  authorStart: Int32Array;
  authorIds: Int32Array;
  /** Signals present in the doc, as bit flags: 1 << strong signal index, CATEGORY_BIT, AUTHORS_BIT. */
  present: Uint8Array;
  weights: RelatedSettings['weights'];
}

/** Tags, categories and names meet across case, width and script. */
export function normalizeLabel(label: string): string {
  return remembered(normalizedLabels, label, (name) => foldToSimplified(foldName(name)));
}

const normalizedLabels = new Map<string, string>();

/**
 * The labels normalized so far that normalizing changed, as [label, normalized] pairs,
 * flat: kept for the next build (reuse.ts), whose labels are mostly the same. A
 * Traditional label otherwise loads OpenCC's dictionaries, ~10 ms, every build.
 */
export function changedLabelForms(): string[] {
  const forms: string[] = [];
  for (const [label, normalized] of normalizedLabels) if (normalized !== label) forms.push(label, normalized);
  return forms;
}

/** Takes forms that changedLabelForms gave under the same tool version. */
export function rememberLabelForms(forms: readonly string[]): void {
  for (let i = 0; i + 1 < forms.length; i += 2) if (!normalizedLabels.has(forms[i]!)) normalizedLabels.set(forms[i]!, forms[i + 1]!);
}

/** What buildModel needs to take vectors from the last build (reuse.ts). */
export interface KeptModel {
  previous: RelatedState | undefined;
  versionOf: (sourcePath: string) => string | undefined;
  /** Settings and list length (related.ts): a state made under another basis is not used. */
  basis: string;
}

/** What a build with a term memo knows besides the model: for keeping its work (reuse.ts). */
export interface ModelExtras {
  counts: MemoCounts;
  labels: LabelSets;
  lengthReference: [number, number];
  /** The doc vectors kept from `previous`, when it could be used. */
  reuse: Reuse | undefined;
}

/**
 * The length BM25's norm compares a doc's with: the average, rounded to a step of 2^(1/32)
 * (~2%). The norm moves every weight of every doc; rounded, one edit rarely moves it, so
 * the other docs' weights, and most lists, can be kept from the last build (reuse.ts).
 */
export function lengthReference(total: number, n: number): number {
  const average = total / Math.max(1, n);
  return average > 0 ? 2 ** (Math.round(Math.log2(average) * 32) / 32) : 1;
}

/**
 * `tok` replaces the built-in tokenizer (tests compare tokenizers); without it, the fast path.
 * `shared`: the feature and postings arrays in shared memory, for a query helper thread.
 * `kept`: what the last build with this memo left (reuse.ts), each article's version, and
 * the settings' basis: the vectors of docs whose inputs are unchanged are taken from it.
 */
export function buildModel(
  articles: readonly Article[], settings: RelatedSettings, tok?: Tokenizer, memo?: TermMemo, shared = false, kept?: KeptModel,
): RelatedModel & { extras?: ModelExtras } {
  const docs = inDocOrder(articles);
  const n = docs.length;
  // Fields: title (with summary), body. A memo gives the same counts as counting every
  // record anew, when every doc it counts has one. One that compares versions (content
  // hashes: the build cache's) counted the docs it keeps from their files' records, so
  // only those it counts anew are checked (4,000 checks were ~3 ms of a warm build); a
  // dev session's, comparing records, checks them all.
  const hasRecord = (a: Article) => recordedTerms(a) !== undefined;
  const memoCounts = memo && !tok && n <= TermMemo.MAX_DOCS && (memo.comparesVersions || docs.every(hasRecord))
    ? memo.counts(docs, (a) => a.sourcePath, (a) => a.terms!, (counter, a) => countDoc(counter, 0, a), hasRecord)
    : undefined;
  if (memo && !memoCounts) memo.forget();
  const counts: DocTermCounts = memoCounts ?? countAll(docs, tok);
  const avg = counts.lengths.map((l) => lengthReference(l.reduce((sum, x) => sum + x, 0), n)) as [number, number];
  // The last build's state, where it was made under the same settings, dictionary and sizes.
  const applicable = counts instanceof MemoCounts && kept?.previous && stateApplies(kept.previous, kept.basis, counts, n, avg) ? kept.previous : undefined;
  if (applicable) rememberLabelForms(applicable.labelForms);
  const meta = new LabelSets(n, 2); // tags, tickers
  const people = new LabelSets(n, 1);
  const categoryVocab = new Map<string, number>();
  const category = new Int32Array(n).fill(-1);
  for (let d = 0; d < n; d++) {
    const a = docs[d]!;
    meta.add(d, 0, a.tags, normalizeLabel);
    meta.add(d, 1, a.tickers, normalizeTicker);
    people.add(d, 0, a.authors, normalizeLabel);
    if (a.source) people.add(d, 0, [a.source], normalizeLabel);
    if (a.category) category[d] = idOf(categoryVocab, normalizeLabel(a.category));
  }

  const cutDf = n >= MIN_DOCS_FOR_DF_CUT ? Math.floor(n * MAX_DF_SHARE) : Infinity;
  const idf = (f: number) => Math.log(1 + (n - f + 0.5) / (f + 0.5));
  const df = counts.documentFrequencies();
  const V = counts.size;
  const reuse = applicable ? planReuse(applicable, { docs, counts: counts as MemoCounts, labels: meta, versionOf: kept!.versionOf }) : undefined;
  // One look-up per entry in the hot loop below: idf, negated when only this doc has the term
  // (it counts in the norm, not in the index), 0 when over-common (dropped). Made as terms
  // are met (NaN until then): a warm build meets only the terms of the docs it weighs anew.
  const termIdf = new Float64Array(V).fill(NaN);
  const out = new FeatureLists(n, STRONG_SIGNALS);
  const ids = new Int32Array(counts.maxEntries);
  const tf2 = new Int32Array(counts.maxEntries);
  for (let d = 0; d < n; d++) {
    if (reuse?.keptVector[d] === 1) {
      const at = d * STRONG_SIGNALS;
      for (let s = 0; s < STRONG_SIGNALS; s++) out.copy(reuse.feature, applicable!.weight, applicable!.sigStart[at + s]!, applicable!.sigStart[at + s + 1]!);
      continue;
    }
    const { count, titleEntries } = counts.take(d, ids, tf2);
    for (const field of [0, 1] as const) {
      const from = field === 0 ? 0 : titleEntries;
      const to = field === 0 ? titleEntries : count;
      const norm = 1 - B + (B * counts.lengths[field]![d]!) / avg[field]!;
      out.begin(to - from);
      for (let i = from; i < to; i++) {
        const id = ids[i]!;
        const tf = tf2[i]! / 2;
        let w = termIdf[id]!;
        if (w !== w) {
          const f = df[id]!;
          w = termIdf[id] = f > cutDf ? 0 : f < 2 ? -idf(f) : idf(f);
        }
        if (w !== 0) out.push(field * V + id, (Math.abs(w) * tf * (K1 + 1)) / (tf + K1 * norm), w > 0);
      }
      out.commit(field === 0 ? INDEXED_TERMS.title : INDEXED_TERMS.body);
    }
    for (const kind of [0, 1] as const) {
      const labels = meta.of(d, kind);
      out.begin(labels.length);
      for (const id of labels) if (meta.df(id) <= cutDf) out.push(2 * V + id, idf(meta.df(id)), meta.df(id) >= 2);
      out.commit(INDEXED_TERMS.meta);
    }
  }
  const { sigStart, feature, weight } = out.finish(shared);
  const authors = people.csr(0);
  // Present: the doc has something another doc could share, so it counts in the denominator.
  const present = new Uint8Array(n);
  for (let d = 0; d < n; d++) {
    for (let s = 0; s < STRONG_SIGNALS; s++) {
      if (sigStart[d * STRONG_SIGNALS + s + 1]! > sigStart[d * STRONG_SIGNALS + s]!) present[d]! |= 1 << s;
    }
    if (category[d]! >= 0) present[d]! |= CATEGORY_BIT;
    if (authors.start[d + 1]! > authors.start[d]!) present[d]! |= AUTHORS_BIT;
  }
  const dates = new Float64Array(n);
  for (let d = 0; d < n; d++) dates[d] = docs[d]!.date;
  let slugIds: Map<string, number> | undefined;
  return {
    docs,
    // Made when first asked for: only pins and an explanation look a slug up, and a warm
    // build computes a few lists.
    get ids() {
      return (slugIds ??= new Map(docs.map((a, i) => [a.slug, i])));
    },
    dates, termCount: V, term: counts.termLookup(),
    sigStart, feature, weight, ...invert(feature, weight, sigStart, n, 2 * V + meta.count, shared),
    category, authorStart: authors.start, authorIds: authors.ids, present, weights: settings.weights,
    extras: counts instanceof MemoCounts ? { counts, labels: meta, lengthReference: avg, reuse } : undefined,
  };
}

function countAll(docs: readonly Article[], tok: Tokenizer | undefined): TermCounter {
  const counts = new TermCounter(docs.length);
  for (let d = 0; d < docs.length; d++) countDoc(counts, d, docs[d]!, tok);
  return counts;
}

/** Counts doc `d`'s title with its summary, then its body: from its record when it has one. */
function countDoc(counts: TermCounter, d: number, a: Article, tok?: Tokenizer): void {
  const recorded = tok ? undefined : recordedTerms(a);
  if (tok) {
    counts.add(d, 0, tok(a.title), 1);
    counts.add(d, 0, tok(a.summary), SUMMARY_SHARE);
    counts.flush(d, 0);
    counts.add(d, 1, tok(a.text), 1);
  } else if (recorded) {
    // Tokenized when parsed (on the workers, cached with the article): the same counts, no scan.
    counts.replay(d, 0, recorded, 1);
    counts.replay(d, 0, recorded, SUMMARY_SHARE);
    counts.flush(d, 0);
    counts.replay(d, 1, recorded, 1);
  } else {
    counts.scan(d, 0, a.title, 1);
    counts.scan(d, 0, a.summary, SUMMARY_SHARE);
    counts.flush(d, 0);
    counts.scan(d, 1, a.text, 1);
  }
  counts.flush(d, 1);
}

/** First sourcePath wins a duplicate slug; then date, slug order. Any input order gives the same model. */
function inDocOrder(articles: readonly Article[]): Article[] {
  // Duplicates are settled by a map, not a sort by slug: one sort of 20,000 articles fewer (~20 ms).
  const bySlug = new Map<string, Article>();
  for (const a of articles) {
    const kept = bySlug.get(a.slug);
    if (kept === undefined || compareText(a.sourcePath, kept.sourcePath) < 0) bySlug.set(a.slug, a);
  }
  return [...bySlug.values()].sort((a, b) => a.date - b.date || compareText(a.slug, b.slug));
}

function idOf(map: Map<string, number>, key: string): number {
  let id = map.get(key);
  if (id === undefined) map.set(key, (id = map.size));
  return id;
}

/** Postings (CSR), each list in doc order, which is date order: a query can take a date window. */
function invert(feature: Int32Array, weight: Float32Array, sigStart: Int32Array, n: number, features: number, shared: boolean) {
  const postStart = shared ? new Int32Array(new SharedArrayBuffer(4 * (features + 1))) : new Int32Array(features + 1);
  for (let i = 0; i < feature.length; i++) postStart[feature[i]! + 1]!++;
  for (let f = 0; f < features; f++) postStart[f + 1]! += postStart[f]!;
  const fill = postStart.slice(0, features);
  const postDoc = shared ? new Int32Array(new SharedArrayBuffer(4 * feature.length)) : new Int32Array(feature.length);
  const postWeight = shared ? new Float32Array(new SharedArrayBuffer(4 * feature.length)) : new Float32Array(feature.length);
  for (let d = 0; d < n; d++) {
    for (let i = sigStart[d * STRONG_SIGNALS]!; i < sigStart[(d + 1) * STRONG_SIGNALS]!; i++) {
      const at = fill[feature[i]!]!++;
      postDoc[at] = d;
      postWeight[at] = weight[i]!;
    }
  }
  return { postStart, postDoc, postWeight };
}

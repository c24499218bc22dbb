// Related links kept from the last build. One edit changes the BM25 weights of the
// edited article, and of the articles that share a term whose document frequency it
// changed; the other articles' vectors are as they were. A list can change only when
// the querying article changed, or a posting it reads did: a changed article in a
// posting list it visits, within the part of it that it visits (POSTING_WINDOW). Every
// other list is taken as the last build left it. The links are exactly those of
// computing everything anew.
//
// What must hold for anything to be kept: the same settings and list length, the same
// articles in the same order (same paths, slugs and dates), the same term dictionary as
// saved (counts.ts, TermMemo.generation: a state names the save whose ids it uses), and
// the same length reference (model.ts). Any other change (an article added, removed or
// moved in time) computes everything. test/index/terms.test.ts compares kept lists with
// a fresh computation over seeded sequences of changes; test/cache.test.ts compares
// whole sites built with the cache against clean builds.
import type { Article } from '../../types.ts';
import type { LabelSets } from './buffers.ts';
import type { MemoCounts, TermMemo } from './counts.ts';
import { changedLabelForms, STRONG_SIGNALS, type RelatedModel } from './model.ts';
import { candidateFor, compareCandidates, lowerBound, POSTING_WINDOW, windowOf } from './query.ts';
import type { RelatedSettings } from '../../config.ts';

/** What a build leaves for the next one, as plain data (the build cache keeps it). */
export interface RelatedState {
  /** Settings and list length (related.ts), then the memo's generation, doc count and length references. */
  basis: string;
  docKeys: string[];
  /** Per doc, the content hash its vector and list were computed from ('' when unknown: never kept). */
  versions: string[];
  slugs: string[];
  dates: Float64Array;
  /** The feature ids' term count: title feature t < termCount, body termCount + t, labels after 2 * termCount. */
  termCount: number;
  /** Term ids below this name the same terms in the next build with the same memo generation... */
  stableTerms: number;
  /** ...the others are named by what they are (TermCounter.identity), from stableTerms on. */
  movedTerms: (number | string)[];
  df: Int32Array;
  labelKeys: string[];
  labelDf: Int32Array;
  /** Labels that normalizing changes, with what it makes of them (model.ts, changedLabelForms). */
  labelForms: string[];
  sigStart: Int32Array;
  feature: Int32Array;
  weight: Float32Array;
  /** Per doc, its computed links [linkStart[d], linkStart[d + 1]), when listKept[d] is 1 (not for docs queried every time). */
  listKept: Uint8Array;
  /** Links a kept list could hold (the list length: the basis holds it too). */
  listLimit: number;
  linkStart: Int32Array;
  linkDoc: Int32Array;
  linkScore: Float64Array;
}

/** A state as computeRelated leaves it: sealed once the build knows which term ids it persisted. */
export interface RelatedStateDraft {
  state: Omit<RelatedState, 'stableTerms' | 'movedTerms' | 'basis'>;
  /** The memo generation the counts were made under, and what fullBasis needs besides. */
  generation: string;
  basis: { settings: string; lengthReference: [number, number] };
  identity: (id: number) => number | string;
}

export interface Reuse {
  /** 1 for each doc whose vector is the last build's. */
  keptVector: Uint8Array;
  /** The last build's features in this build's ids (-1: a term no doc has now). */
  feature: Int32Array;
  /** 1 for each doc whose content changed. */
  changed: Uint8Array;
}

interface Current {
  docs: readonly Article[];
  counts: MemoCounts;
  labels: LabelSets;
  versionOf: (sourcePath: string) => string | undefined;
}

/** The full basis: a state is used only under the same one. */
export function fullBasis(basis: string, generation: string, n: number, lengthReference: [number, number]): string {
  return JSON.stringify([basis, generation, n, lengthReference]);
}

/** `state` was made under these settings, dictionary, doc count and length references, and is whole. */
export function stateApplies(state: RelatedState, basis: string, counts: MemoCounts, n: number, lengthReference: [number, number]): boolean {
  return state.basis === fullBasis(basis, counts.generation, n, lengthReference) && wellFormed(state, n);
}

/** Which vectors of `previous` (where stateApplies) hold for this build; undefined when none can. */
export function planReuse(previous: RelatedState, current: Current): Reuse | undefined {
  const { docs, counts, labels } = current;
  const n = docs.length;
  for (let d = 0; d < n; d++) {
    const a = docs[d]!;
    if (previous.docKeys[d] !== a.sourcePath || previous.slugs[d] !== a.slug || previous.dates[d] !== a.date) return undefined;
  }
  const termOf = termTranslation(previous, counts);
  if (!termOf) return undefined;

  // Terms and labels whose document frequency moved: every doc that has one weighs anew.
  const df = counts.documentFrequencies();
  const before = new Int32Array(df.length);
  for (let t = 0; t < previous.df.length; t++) {
    const now = termOf[t]!;
    if (now >= 0) before[now] = previous.df[t]!;
  }
  const movedTerm = new Uint8Array(df.length);
  for (let t = 0; t < df.length; t++) if (df[t] !== before[t]) movedTerm[t] = 1;
  const labelKeys = labels.keys();
  const labelDf = labels.frequencies();
  const labelIds = new Map(labelKeys.map((key, id) => [key, id]));
  const movedLabel = new Uint8Array(labelKeys.length);
  const labelBefore = new Int32Array(labelKeys.length);
  const labelOf = Int32Array.from(previous.labelKeys, (key, old) => {
    const id = labelIds.get(key);
    if (id !== undefined) labelBefore[id] = previous.labelDf[old]!;
    return id ?? -1;
  });
  for (let id = 0; id < labelKeys.length; id++) if (labelDf[id] !== labelBefore[id]) movedLabel[id] = 1;

  const V = counts.size;
  const oldV = previous.termCount;
  const feature = new Int32Array(previous.feature.length);
  for (let i = 0; i < feature.length; i++) {
    const f = previous.feature[i]!;
    if (f >= 2 * oldV) {
      const label = labelOf[f - 2 * oldV]!;
      feature[i] = label < 0 ? -1 : 2 * V + label;
    } else {
      const field = f >= oldV ? 1 : 0;
      const term = termOf[f - field * oldV]!;
      feature[i] = term < 0 ? -1 : field * V + term;
    }
  }

  const keptVector = new Uint8Array(n);
  const changed = new Uint8Array(n);
  for (let d = 0; d < n; d++) {
    const version = current.versionOf(docs[d]!.sourcePath);
    if (version === undefined || version === '' || version !== previous.versions[d]) {
      changed[d] = 1;
      continue;
    }
    if (counts.hasFlaggedTerm(d, movedTerm) || labels.anyFlagged(d, 0, movedLabel) || labels.anyFlagged(d, 1, movedLabel)) continue;
    let whole = true;
    for (let i = previous.sigStart[d * STRONG_SIGNALS]!; i < previous.sigStart[(d + 1) * STRONG_SIGNALS]!; i++) if (feature[i]! < 0) whole = false;
    if (whole) keptVector[d] = 1;
  }
  return { keptVector, feature, changed };
}

/**
 * A state read from disk is checked before it is trusted: one that still deserializes
 * but is not what draftState wrote (a damaged file) must not change a link, nor send a
 * loop past an array's end. O(features and links), ~1 ms at 4,000 articles.
 */
function wellFormed(state: RelatedState, n: number): boolean {
  const { docKeys, versions, slugs, dates, termCount, stableTerms, movedTerms, df, labelKeys, labelDf, labelForms, sigStart, feature, weight, listKept, listLimit, linkStart, linkDoc, linkScore } = state;
  const isInt = (x: unknown): x is number => Number.isInteger(x);
  const arrays = [docKeys, versions, slugs, movedTerms, labelKeys, labelForms].every(Array.isArray)
    && dates instanceof Float64Array && df instanceof Int32Array && labelDf instanceof Int32Array && sigStart instanceof Int32Array
    && feature instanceof Int32Array && weight instanceof Float32Array && listKept instanceof Uint8Array && linkStart instanceof Int32Array
    && linkDoc instanceof Int32Array && linkScore instanceof Float64Array;
  if (!arrays || !isInt(termCount) || !isInt(stableTerms) || !isInt(listLimit) || stableTerms < 0 || stableTerms > termCount) return false;
  if (docKeys.length !== n || versions.length !== n || slugs.length !== n || dates.length !== n || listKept.length !== n || movedTerms.length !== termCount - stableTerms) return false;
  if (df.length !== termCount || labelDf.length !== labelKeys.length || labelForms.length % 2 !== 0 || !labelForms.every((form) => typeof form === 'string')) return false;
  if (!movedTerms.every((term) => typeof term === 'string' || isInt(term))) return false;
  if (sigStart.length !== STRONG_SIGNALS * n + 1 || sigStart[0] !== 0 || sigStart[STRONG_SIGNALS * n] !== feature.length || weight.length !== feature.length) return false;
  for (let i = 0; i < STRONG_SIGNALS * n; i++) if (sigStart[i + 1]! < sigStart[i]!) return false;
  const features = 2 * termCount + labelKeys.length;
  for (let i = 0; i < feature.length; i++) if (!(feature[i]! >= 0 && feature[i]! < features)) return false;
  if (linkStart.length !== n + 1 || linkStart[0] !== 0 || linkStart[n] !== linkDoc.length || linkScore.length !== linkDoc.length) return false;
  for (let d = 0; d < n; d++) if (linkStart[d + 1]! < linkStart[d]! || linkStart[d + 1]! - linkStart[d]! > listLimit) return false;
  for (let i = 0; i < linkDoc.length; i++) if (!(linkDoc[i]! >= 0 && linkDoc[i]! < n)) return false;
  return true;
}

/** The last build's term ids in this build's ids (-1: gone); undefined when they cannot be told. */
function termTranslation(previous: RelatedState, counts: MemoCounts): Int32Array | undefined {
  const { stableTerms, movedTerms, termCount } = previous;
  if (stableTerms > counts.size || stableTerms + movedTerms.length !== termCount) return undefined;
  const termOf = new Int32Array(termCount);
  for (let t = 0; t < stableTerms; t++) termOf[t] = t;
  for (let t = stableTerms; t < termCount; t++) termOf[t] = counts.idOf(movedTerms[t - stableTerms]!);
  return termOf;
}

/**
 * Docs whose list must be computed: those whose vector or content changed, and those
 * whose query meets a changed doc. Where the changed docs are in the same posting
 * lists as before (only their weights moved), a doc's query sees what it saw before
 * but their scores: when none of them was in its list, and none now scores into it
 * (candidateFor, exact), the list stands. Otherwise a doc added to or dropped from a
 * long list shifts the positions after it by one, and with them the window a doc
 * visits (query.ts) by at most one each: with k such changes, a window that comes no
 * nearer than 2k + 2 to any of them sees the same docs as before.
 */
export function docsToQuery(model: RelatedModel, previous: RelatedState, reuse: Reuse, settings: RelatedSettings): Uint8Array {
  const n = model.docs.length;
  const { sigStart, feature, postStart, postDoc } = model;
  const changedDoc = new Uint8Array(n);
  for (let d = 0; d < n; d++) {
    if (reuse.changed[d] === 1 || (reuse.keptVector[d] === 0 && !sameVector(model, previous, reuse, d))) changedDoc[d] = 1;
  }
  const need = Uint8Array.from(changedDoc, (changed, d) => (changed === 1 || previous.listKept[d] !== 1 ? 1 : 0));
  // Per touched feature, its changed docs in doc order, each with whether it had the
  // feature before (1) and has it now (2).
  const changedIn = new Map<number, { docs: number[]; had: number[] }>();
  for (let d = 0; d < n; d++) {
    if (changedDoc[d] === 0) continue;
    const note = (f: number, bit: number) => {
      if (f < 0) return;
      let entry = changedIn.get(f);
      if (!entry) changedIn.set(f, (entry = { docs: [], had: [] }));
      if (entry.docs[entry.docs.length - 1] === d) entry.had[entry.had.length - 1]! |= bit;
      else {
        entry.docs.push(d);
        entry.had.push(bit);
      }
    };
    for (let i = previous.sigStart[d * STRONG_SIGNALS]!; i < previous.sigStart[(d + 1) * STRONG_SIGNALS]!; i++) note(reuse.feature[i]!, 1);
    for (let i = sigStart[d * STRONG_SIGNALS]!; i < sigStart[(d + 1) * STRONG_SIGNALS]!; i++) note(feature[i]!, 2);
  }
  // Docs whose query meets changed docs in the same places as before: those docs, to score.
  const meets = new Map<number, Set<number>>();
  const meet = (a: number, b: number) => {
    if (need[a] === 1) return;
    let docs = meets.get(a);
    if (!docs) meets.set(a, (docs = new Set()));
    docs.add(b);
  };
  for (const [f, { docs: changed, had }] of changedIn) {
    const from = postStart[f]!;
    const to = postStart[f + 1]!;
    const k = changed.length;
    // No window, before or after: every query through f visits the whole list.
    if (to - from + k <= POSTING_WINDOW) {
      for (let p = from; p < to; p++) for (const b of changed) meet(postDoc[p]!, b);
      continue;
    }
    // Where each changed doc is (or would be) in the list: postings are in doc order.
    const positions = changed.map((b) => lowerBound(postDoc, from, to, b));
    const samePlaces = had.every((bits) => bits === 3);
    const margin = samePlaces ? 0 : 2 * k + 2;
    for (let p = from; p < to; p++) {
      const a = postDoc[p]!;
      if (need[a] === 1) continue;
      const [start, end] = windowOf(model, from, to, model.dates[a]!);
      for (let c = 0; c < k; c++) {
        const at = positions[c]!;
        if (at < start - margin || at >= end + margin) continue;
        if (!samePlaces) {
          need[a] = 1;
          break;
        }
        meet(a, changed[c]!);
      }
    }
  }
  for (const [a, docs] of meets) {
    if (need[a] === 1) continue;
    const from = previous.linkStart[a]!;
    const to = previous.linkStart[a + 1]!;
    const last = { doc: previous.linkDoc[to - 1]!, score: previous.linkScore[to - 1]!, base: 0, timeFactor: 0 };
    for (const b of docs) {
      let listed = false;
      for (let i = from; i < to; i++) if (previous.linkDoc[i] === b) listed = true;
      const now = listed ? undefined : candidateFor(model, a, b, settings);
      // Listed before (its score moved), or a candidate now that a list with room, or its last place, lets in.
      if (listed || (now && (to - from < previous.listLimit || compareCandidates(model, now, last) < 0))) {
        need[a] = 1;
        break;
      }
    }
  }
  return need;
}

/** Doc `d`'s new vector is its old one, feature for feature and bit for bit. */
function sameVector(model: RelatedModel, previous: RelatedState, reuse: Reuse, d: number): boolean {
  for (let s = 0; s <= STRONG_SIGNALS; s++) {
    if (model.sigStart[d * STRONG_SIGNALS + s]! - model.sigStart[d * STRONG_SIGNALS]! !== previous.sigStart[d * STRONG_SIGNALS + s]! - previous.sigStart[d * STRONG_SIGNALS]!) return false;
  }
  const from = model.sigStart[d * STRONG_SIGNALS]!;
  const oldFrom = previous.sigStart[d * STRONG_SIGNALS]!;
  for (let i = 0; i < model.sigStart[(d + 1) * STRONG_SIGNALS]! - from; i++) {
    if (model.feature[from + i] !== reuse.feature[oldFrom + i] || model.weight[from + i] !== previous.weight[oldFrom + i]) return false;
  }
  return true;
}

/**
 * This build's state: `links[d]` are doc d's computed links (doc id and score), undefined
 * for docs that are queried every time (pins, hidden lists).
 */
export function draftState(
  model: RelatedModel, counts: MemoCounts, labels: LabelSets, lengthReference: [number, number],
  versionOf: (sourcePath: string) => string | undefined, basis: string, listLimit: number,
  links: readonly ({ doc: number; score: number }[] | undefined)[], plain: Uint8Array, previous: RelatedState | undefined,
): RelatedStateDraft {
  // plain[d]: 0 a list the next build must compute (pins, hidden, explained), 1 one
  // computed now (links[d]), 2 one kept from `previous` (its arrays, no Link made).
  const n = model.docs.length;
  const linkStart = new Int32Array(n + 1);
  const kept = (d: number) => plain[d] === 2;
  for (let d = 0; d < n; d++) linkStart[d + 1] = linkStart[d]! + (kept(d) ? previous!.linkStart[d + 1]! - previous!.linkStart[d]! : plain[d] === 0 ? 0 : links[d]!.length);
  const linkDoc = new Int32Array(linkStart[n]!);
  const linkScore = new Float64Array(linkStart[n]!);
  const listKept = Uint8Array.from(plain, (kind) => (kind === 0 ? 0 : 1));
  for (let d = 0; d < n; d++) {
    let at = linkStart[d]!;
    if (kept(d)) {
      for (let i = previous!.linkStart[d]!; i < previous!.linkStart[d + 1]!; i++, at++) {
        linkDoc[at] = previous!.linkDoc[i]!;
        linkScore[at] = previous!.linkScore[i]!;
      }
    } else if (plain[d] !== 0) {
      for (const link of links[d]!) {
        linkDoc[at] = link.doc;
        linkScore[at++] = link.score;
      }
    }
  }
  return {
    generation: counts.generation,
    basis: { settings: basis, lengthReference },
    identity: (id) => counts.identity(id),
    state: {
      docKeys: model.docs.map((a) => a.sourcePath),
      versions: model.docs.map((a) => versionOf(a.sourcePath) ?? ''),
      slugs: model.docs.map((a) => a.slug),
      dates: model.dates,
      termCount: counts.size,
      df: counts.documentFrequencies(),
      labelKeys: labels.keys(),
      labelDf: labels.frequencies(),
      labelForms: changedLabelForms(),
      sigStart: model.sigStart,
      feature: model.feature,
      weight: model.weight,
      listKept, listLimit, linkStart, linkDoc, linkScore,
    },
  };
}

/**
 * The state to keep, once `memo` is saved or not: term ids it has not persisted may
 * name other terms in the next build, so they are kept by what they are (`inMemory`:
 * a dev session's memo, kept for the next build as it is). Undefined when the memo
 * let go of the dictionary the state's ids are in.
 */
export function sealState(draft: RelatedStateDraft, memo: TermMemo, inMemory = false): RelatedState | undefined {
  // A memo saved since the counts took a new name; one that let go of its dictionary, another.
  if (memo.generation !== draft.generation && memo.renamedFrom !== draft.generation) return undefined;
  const stableTerms = inMemory ? draft.state.termCount : Math.min(memo.persistedSize ?? 0, draft.state.termCount);
  const movedTerms: (number | string)[] = [];
  for (let t = stableTerms; t < draft.state.termCount; t++) movedTerms.push(draft.identity(t));
  // Copies: the model's arrays may be views of larger buffers, or in shared memory.
  const { dates, df, labelDf, sigStart, feature, weight } = draft.state;
  return {
    ...draft.state, stableTerms, movedTerms,
    basis: fullBasis(draft.basis.settings, memo.generation, draft.state.docKeys.length, draft.basis.lengthReference),
    dates: dates.slice(), df: df.slice(), labelDf: labelDf.slice(), sigStart: sigStart.slice(), feature: feature.slice(), weight: weight.slice(),
  };
}

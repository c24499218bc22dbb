// Related links ("您可能也感兴趣"): pure, Article[] in, ranked slugs out. Build phase
// (related/model.ts: tokenize, weigh, invert) then one query per article (related/query.ts:
// postings of its strongest features only, so 100,000 articles take seconds, not hours).
// Scores are in [0, 1]; their scale is written at the top of related/query.ts.
import type { Article, RelatedLink } from '../types.ts';
import type { RelatedSettings } from '../config.ts';
import type { Diagnostic } from '../errors.ts';
import { buildModel, type RelatedModel, type Tokenizer } from './related/model.ts';
import type { TermMemo } from './related/counts.ts';
import { makeScratch, query, type Candidate, type Recorder, type Scratch } from './related/query.ts';
import { MIN_DOCS_FOR_QUERY_THREAD, QueryHelper, type QueryJob } from './related/query-pool.ts';
import { resolvePins } from './related/pins.ts';
import { explainLinks } from './related/explain.ts';
import { docsToQuery, draftState, type RelatedState, type RelatedStateDraft } from './related/reuse.ts';

export interface RelatedOptions {
  /** How many links per article (config.lists.related, default 8). */
  limit: number;
  settings: RelatedSettings;
  /** A slug whose list to explain as it is computed (`broadsheet related <slug>`). */
  explain?: string | undefined;
  /** A dev session's counts of the records it has seen (related/counts.ts): the same links, sooner. */
  termMemo?: TermMemo | undefined;
  /**
   * Run the queries on a helper thread too (related/query-pool.ts). Default: from
   * MIN_DOCS_FOR_QUERY_THREAD articles. The links are the same either way.
   */
  queryThread?: boolean | undefined;
  /**
   * A helper the caller keeps between runs (a dev session), used whatever the archive's
   * size and left open: its code is loaded and warm, so it pays at a few thousand articles.
   */
  queryHelper?: QueryHelper | undefined;
  /**
   * With a termMemo: each article's version by its source path (the file's content hash).
   * The result then carries a state for the next build, which takes from it what still
   * holds (`previous`, related/reuse.ts).
   */
  versionOf?: ((sourcePath: string) => string | undefined) | undefined;
  previous?: RelatedState | undefined;
}

export interface RelatedResult {
  /** slug -> ranked links, for every article given (empty array when none). */
  lists: Map<string, RelatedLink[]>;
  /** Pins naming no published article or the article itself (errors); duplicate or surplus pins (warnings). */
  diagnostics: Diagnostic[];
  /** With `explain`: that article's list with reasons; undefined when no article has the slug. */
  explanation?: RelatedExplanation[] | undefined;
  /** With versionOf and a termMemo: what the next build can take (sealed with sealState). */
  state?: RelatedStateDraft | undefined;
  /** Lists computed, as opposed to taken from `previous`. */
  queried?: number;
}

export interface RelatedExplanation extends RelatedLink {
  title: string;
  /** What drove the score: shared terms with their contributions, shared tags, tickers, category, authors, and the time factor. */
  sharedTerms: { term: string; weight: number }[];
  sharedTags: string[];
  sharedTickers: string[];
  sameCategory: boolean;
  sharedAuthors: string[];
  timeFactor: number;
  /** Score before the time factor. */
  baseScore: number;
}

/**
 * Pure. `articles` are exactly the published articles of this build (drafts and future ones
 * already removed by the caller). Each list: valid pins first in written order (score = the
 * computed one, gate or not), then computed links with content ≥ minScore, by score desc,
 * date desc, slug asc; never the article itself, never twice, at most `limit`. Articles with
 * `related: false` get an empty list. Input order does not matter.
 */
export function computeRelated(articles: readonly Article[], options: RelatedOptions, tokenizer?: Tokenizer): RelatedResult {
  // Started first, so that it has loaded its code by the time the model is built.
  const ownHelper = !options.queryHelper && (options.queryThread ?? articles.length >= MIN_DOCS_FOR_QUERY_THREAD) ? new QueryHelper() : undefined;
  const helper = options.queryHelper ?? ownHelper;
  try {
    // Whatever changes every list; the rest of what they depend on is compared doc by doc.
    const basis = JSON.stringify([options.settings, options.limit]);
    const kept = options.versionOf ? { previous: options.previous, versionOf: options.versionOf, basis } : undefined;
    const model = buildModel(articles, options.settings, tokenizer, options.termMemo, helper !== undefined, kept);
    const n = model.docs.length;
    const reuse = model.extras?.reuse;
    const need = reuse ? docsToQuery(model, options.previous!, reuse, options.settings) : undefined;
    const scratch = makeScratch(n);
    const diagnostics: Diagnostic[] = [];
    const explained = options.explain === undefined ? undefined : model.ids.get(options.explain);
    // Docs with pins, hidden lists or an explanation stay here, in doc order (so their
    // diagnostics keep that order); the plain ones go to the pool when there is one.
    const plain = new Uint8Array(n);
    if (options.limit > 0) {
      for (let d = 0; d < n; d++) {
        const { related } = model.docs[d]!;
        plain[d] = d !== explained && !related.hidden && related.pinned.length === 0 ? 1 : 0;
      }
    }
    // Lists kept from the last build (plain[d] === 2) stay in its arrays: no Link is made for them.
    const links: Link[][] = new Array(n);
    let queried = 0;
    if (need) {
      for (let d = 0; d < n; d++) if (plain[d] !== 0 && need[d] === 0) plain[d] = 2;
    }
    // Without a helper, plain docs are queried here like the others.
    const pooled = helper ? 1 : -1;
    let explanation: RelatedExplanation[] | undefined;
    for (let d = 0; d < n; d++) {
      if (plain[d] === pooled || plain[d] === 2) continue;
      queried++;
      const recording = d === explained ? contributionRecorder() : undefined;
      links[d] = linksFor(model, d, options, scratch, diagnostics, recording?.record);
      if (recording) explanation = explainLinks(model, d, links[d]!, recording.contributions);
    }
    if (helper) {
      const job = helper.run(model, options.settings, options.limit, plain.map((x) => (x === 1 ? 1 : 0)));
      for (let d = 0; d < n; d++) {
        if (plain[d] !== 1) continue;
        links[d] = pooledLinks(job, d);
        queried++;
      }
    }
    const lists = new Map<string, RelatedLink[]>();
    const docs = model.docs;
    const previousLists = options.previous;
    for (let d = 0; d < n; d++) {
      let list: RelatedLink[];
      if (plain[d] === 2) {
        const { linkStart, linkDoc, linkScore } = previousLists!;
        list = [];
        for (let i = linkStart[d]!; i < linkStart[d + 1]!; i++) list.push({ slug: docs[linkDoc[i]!]!.slug, score: linkScore[i]!, pinned: false });
      } else {
        list = links[d]!.map((c) => ({ slug: docs[c.doc]!.slug, score: c.score, pinned: c.pinned }));
      }
      lists.set(docs[d]!.slug, list);
    }
    const extras = model.extras;
    const state = extras && options.versionOf
      ? draftState(model, extras.counts, extras.labels, extras.lengthReference, options.versionOf, basis, options.limit, links, plain, options.previous)
      : undefined;
    return { lists, diagnostics, explanation, state, queried };
  } finally {
    void ownHelper?.close();
  }
}

/** Doc `d`'s computed links as the pool left them. */
function pooledLinks(job: QueryJob, d: number): Link[] {
  const links: Link[] = [];
  for (let rank = 0; rank < job.counts[d]!; rank++) {
    const at = d * job.limit + rank;
    links.push({ doc: job.docs[at]!, score: job.scores[3 * at]!, base: job.scores[3 * at + 1]!, timeFactor: job.scores[3 * at + 2]!, pinned: false });
  }
  return links;
}

/** Collects what each feature contributed to each candidate's score. */
function contributionRecorder(): { record: Recorder; contributions: Map<number, Map<number, number>> } {
  const contributions = new Map<number, Map<number, number>>();
  const record: Recorder = (feature, doc, c) => {
    let forDoc = contributions.get(doc);
    if (!forDoc) contributions.set(doc, (forDoc = new Map()));
    forDoc.set(feature, (forDoc.get(feature) ?? 0) + c);
  };
  return { record, contributions };
}

export type Link = Candidate & { pinned: boolean };

function linksFor(model: RelatedModel, d: number, options: RelatedOptions, scratch: Scratch, diagnostics: Diagnostic[], record?: Recorder): Link[] {
  const pins = resolvePins(model, d, options.limit, diagnostics);
  if (model.docs[d]!.related.hidden || options.limit <= 0) return [];
  const pinnedScores = new Map<number, Candidate>();
  const computed = query(model, d, options.limit - pins.length, options.settings, scratch, new Set(pins), pinnedScores, record);
  return [
    ...pins.map((b) => ({ ...pinnedScores.get(b)!, pinned: true })),
    ...computed.map((c) => ({ ...c, pinned: false })),
  ];
}

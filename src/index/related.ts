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
import { resolvePins } from './related/pins.ts';
import { explainLinks } from './related/explain.ts';

export interface RelatedOptions {
  /** How many links per article (config.lists.related, default 8). */
  limit: number;
  settings: RelatedSettings;
  /** A slug whose list to explain as it is computed (`broadsheet related <slug>`). */
  explain?: string | undefined;
  /** A dev session's counts of the records it has seen (related/counts.ts): the same links, sooner. */
  termMemo?: TermMemo | undefined;
}

export interface RelatedResult {
  /** slug -> ranked links, for every article given (empty array when none). */
  lists: Map<string, RelatedLink[]>;
  /** Pins naming no published article or the article itself (errors); duplicate or surplus pins (warnings). */
  diagnostics: Diagnostic[];
  /** With `explain`: that article's list with reasons; undefined when no article has the slug. */
  explanation?: RelatedExplanation[] | undefined;
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
  const model = buildModel(articles, options.settings, tokenizer, options.termMemo);
  const scratch = makeScratch(model.docs.length);
  const diagnostics: Diagnostic[] = [];
  const lists = new Map<string, RelatedLink[]>();
  const explained = options.explain === undefined ? undefined : model.ids.get(options.explain);
  let explanation: RelatedExplanation[] | undefined;
  for (let d = 0; d < model.docs.length; d++) {
    const recording = d === explained ? contributionRecorder() : undefined;
    const links = linksFor(model, d, options, scratch, diagnostics, recording?.record);
    lists.set(model.docs[d]!.slug, links.map((c) => ({ slug: model.docs[c.doc]!.slug, score: c.score, pinned: c.pinned })));
    if (recording) explanation = explainLinks(model, d, links, recording.contributions);
  }
  for (const a of articles) if (!lists.has(a.slug)) lists.set(a.slug, []);
  return { lists, diagnostics, explanation };
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

// Reasons for `broadsheet related <slug>`: the contributions recorded while querying
// (so they add up to the listed score), plus the labels the two articles share.
import type { Article } from '../../types.ts';
import type { Link, RelatedExplanation } from '../related.ts';
import { normalizeTicker } from '../text.ts';
import { normalizeLabel, type RelatedModel } from './model.ts';
import { denominators } from './query.ts';

/** Term contributions are in base-score units: those of one link sum to at most its baseScore. */
export function explainLinks(model: RelatedModel, d: number, links: Link[], contributions: Map<number, Map<number, number>>): RelatedExplanation[] {
  const a = model.docs[d]!;
  const all = denominators(model, d).all;
  const V = model.termCount;
  return links.map((link) => {
    const b = model.docs[link.doc]!;
    const terms = new Map<string, number>();
    for (const [feature, c] of contributions.get(link.doc) ?? []) {
      if (feature >= 2 * V) continue; // tags and tickers: listed by name below
      const term = model.term(feature % V);
      terms.set(term, (terms.get(term) ?? 0) + c / all);
    }
    const sharedTerms = [...terms]
      .map(([term, weight]) => ({ term, weight }))
      .sort((x, y) => y.weight - x.weight || (x.term < y.term ? -1 : x.term > y.term ? 1 : 0));
    return {
      slug: b.slug,
      score: link.score,
      pinned: link.pinned,
      title: b.title,
      sharedTerms,
      sharedTags: shared(a.tags, b.tags, normalizeLabel),
      sharedTickers: shared(a.tickers, b.tickers, normalizeTicker),
      sameCategory: a.category !== undefined && b.category !== undefined && normalizeLabel(a.category) === normalizeLabel(b.category),
      sharedAuthors: shared(people(a), people(b), normalizeLabel),
      timeFactor: link.timeFactor,
      baseScore: link.base,
    };
  });
}

const people = (a: Article) => [...a.authors, ...(a.source ? [a.source] : [])];

/** Values of `mine` (as written there) that `theirs` also has, after normalizing. */
function shared(mine: string[], theirs: string[], normalize: (s: string) => string): string[] {
  const other = new Set(theirs.map(normalize));
  return [...new Set(mine.filter((x) => other.has(normalize(x))))];
}

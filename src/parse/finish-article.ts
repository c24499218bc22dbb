// What parsing adds to an article once its Markdown is rendered, wherever that runs
// (the main thread, a parse worker, the finishing thread).
import { recordTerms } from '../index/related/terms.ts';
import { articleDigest } from '../render/shared-view.ts';
import type { Article } from '../types.ts';
import type { ParseResult } from './article.ts';

/**
 * Adds the article's related-link token record and its digest. Tokenizing belongs to the
 * related phase, but done here it runs in parallel with parsing and is cached with the
 * article: the main thread then replays a few hundred distinct tokens per article
 * instead of scanning every text.
 */
export function finishArticle(result: ParseResult): ParseResult {
  const article = result.article;
  if (article) {
    const { terms, digest } = finishedParts(article);
    applyFinish(article, terms, digest);
  }
  return result;
}

/** What finishing makes of an article, without setting it (the finishing thread sends it back). */
export function finishedParts(article: Article): { terms: string | undefined; digest: string } {
  return { terms: recordTerms(article), digest: articleDigest(article) };
}

/** Sets what finishArticle made (here or on another thread of the same article). */
export function applyFinish(article: Article, terms: string | undefined, digest: string): void {
  if (terms !== undefined) {
    article.terms = terms;
    // Once recorded, the plain text serves nothing later (summaries are made, related
    // links read the record): not copying it back, holding it or caching it took
    // ~320 MB off the peak, which is at the end of parsing, at 100,000 Chinese articles.
    article.text = '';
  }
  // The digest leaves out the text and the record: it is the same made before or after them.
  article.digest = digest;
}

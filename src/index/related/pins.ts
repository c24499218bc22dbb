// Editor pins: `related: [slug, ...]` in frontmatter. Pins come first, in the order
// written; a pin that names nothing linkable is the author's mistake, reported with
// the line of the `related` key so an editor can jump to it.
import type { Diagnostic } from '../../errors.ts';
import type { RelatedModel } from './model.ts';

/** Doc ids of doc d's valid pins, in written order, without duplicates, at most `limit`. */
export function resolvePins(model: RelatedModel, d: number, limit: number, diagnostics: Diagnostic[]): number[] {
  const article = model.docs[d]!;
  const report = (severity: Diagnostic['severity'], code: string, message: string, hint: string) =>
    diagnostics.push({ severity, file: article.sourcePath, line: article.related.line, code, message, hint });
  const out: number[] = [];
  for (const slug of article.related.pinned) {
    const id = model.ids.get(slug);
    if (id === undefined) {
      report('error', 'related/unknown-slug', `related: "${slug}" names no published article`,
        'check the slug; published articles only (drafts and future articles are not linkable)');
    } else if (id === d) {
      report('error', 'related/self-link', `related: "${slug}" is this article itself`,
        'remove it; an article is never listed as related to itself');
    } else if (out.includes(id)) {
      report('warning', 'related/duplicate-slug', `related: "${slug}" is pinned twice`, 'list each slug once');
    } else {
      out.push(id);
    }
  }
  if (limit > 0 && out.length > limit) {
    report('warning', 'related/too-many-pins', `related: ${out.length} pinned links but lists.related is ${limit}`,
      `only the first ${limit} are shown; remove some or raise lists.related in site.yaml`);
  }
  return out.slice(0, limit);
}

// `broadsheet related <slug>`: the article's related list as the build computes it,
// with what drove each score, so an editor can see why a link is there.
import type { Io } from './cli.ts';
import { build } from './build.ts';
import { UsageError } from './errors.ts';

export async function explainCommand(positionals: string[], flags: Record<string, string | boolean | undefined>, now: number, io: Io): Promise<number> {
  const slug = positionals[0];
  if (!slug || positionals.length > 1) throw new UsageError('give exactly one slug: broadsheet related <slug>');
  // The build explains the list as it computes every list: one related model, not two.
  const result = await build({ contentDir: flags['content'] as string, outDir: '', now, drafts: flags['drafts'] === true, render: false, explainRelated: slug });
  const site = result.site!;
  const article = site.bySlug.get(slug);
  if (!article) throw new UsageError(`no published article has the slug "${slug}"`);
  const explanations = result.relatedExplanation ?? [];
  io.out(`${article.title}  (${article.url})`);
  if (article.related.hidden) io.out('related: false: this article shows no related block.');
  if (explanations.length === 0) io.out(`No article scores above the minimum (${site.config.related.minScore}).`);
  explanations.forEach((e, index) => {
    io.out(`${String(index + 1).padStart(2)}. ${e.score.toFixed(3)}  ${e.title}  [${e.slug}]${e.pinned ? '  (pinned)' : ''}`);
    const reasons: string[] = [];
    if (e.sharedTerms.length > 0) reasons.push(`terms: ${e.sharedTerms.slice(0, 8).map((t) => `${t.term} ${t.weight.toFixed(3)}`).join(', ')}`);
    if (e.sharedTags.length > 0) reasons.push(`tags: ${e.sharedTags.join(', ')}`);
    if (e.sharedTickers.length > 0) reasons.push(`tickers: ${e.sharedTickers.join(', ')}`);
    if (e.sameCategory) reasons.push('same category');
    if (e.sharedAuthors.length > 0) reasons.push(`authors/source: ${e.sharedAuthors.join(', ')}`);
    reasons.push(`time factor ${e.timeFactor.toFixed(2)} (base score ${e.baseScore.toFixed(3)})`);
    for (const reason of reasons) io.out(`      ${reason}`);
  });
  return 0;
}

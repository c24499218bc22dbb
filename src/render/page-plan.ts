// Which pages a warm build must look at again. A page's dependency key (PageSpec.
// dependencyKey) is made of two kinds of input: the site's arrangement (settings,
// templates, rankings, listings, previous/next, each article's related list) and the
// tokens (digests) of the articles the page shows. Making ~4,600 keys cost a warm
// build 35 ms (standard 4,000) to 85 ms (Chinese 4,000, 2,130 listing pages), almost
// all of it spent finding the same keys again.
//
// So each build records, per keyed page, the articles whose tokens its key took, and
// the side column it shows (one entry for the ~40 articles many pages share), and for
// the site what the arrangement is made from. When
// the next build's arrangement is the same, a page's key can have changed only if one
// of those articles changed, or it is the page of an article whose related list
// changed: every other page keeps its recorded key and fingerprint without being
// looked at. When the arrangement differs in any way, every key is made again.
//
// The arrangement is compared by what it is made of, not by what it made: the basis
// (templates, settings, build time, ranking lists), and per article in site order its
// token or, where the token changed, a digest of every field but its text (title,
// summary, body, headings, image), which only ever reach pages through tokens.
import type { Rankings } from '../index/rankings.ts';
import type { Site } from '../index/site.ts';
import type { Article, ShownArticles } from '../types.ts';
import { Growable } from '../index/related/buffers.ts';
import { jsonDigest } from './shared-view.ts';
import { articleToken } from './view.ts';

/** What a build keeps for the next one to compare with (cache.ts stores it with the page records). */
export interface PagePlan {
  /** planBasis of the build. */
  basis: string;
  /** Per article of site.articles, in order: its token, joined by spaces (tokens hold none). */
  tokens: string;
  /** Per article: arrangementOf, joined by spaces. */
  arrangements: string;
  /** Per article: the slugs of its related list as its page shows them, space-separated; articles separated by newlines. */
  related: string;
  /**
   * Per page record, in the order of the records map: what its key took, at
   * deps[depStart[i]] to deps[depStart[i + 1]]: an article's index in site.articles,
   * -1 for an article outside the site (the page is then always looked at), or -2 - g
   * for group g. Pages without a key have none.
   */
  depStart: Int32Array;
  deps: Int32Array;
  /** Groups of articles many pages show (side columns): group g's indices are groupDeps[groupStart[g]] to groupDeps[groupStart[g + 1]]. */
  groupStart: Int32Array;
  groupDeps: Int32Array;
}

/** Everything but the articles that an arrangement is made from. */
export function planBasis(renderKey: string, settings: string, rankings: Rankings): string {
  return jsonDigest(JSON.stringify([renderKey, settings, rankings.mostRead, rankings.trending, rankings.headlines, rankings.latest, rankings.recommended,
    [...rankings.recommendedByCategory], [...rankings.mostReadByCategory]]));
}

/**
 * A digest of an article's fields but its text: slug, URL, dates, sections, names,
 * flags, aliases and related-link settings decide where it is listed and linked;
 * title, summary, body, headings and image only show on pages through its token.
 */
export function arrangementOf(article: Article): string {
  const { html, text, terms, digest, title, summary, headings, image, ...fields } = article;
  return jsonDigest(JSON.stringify(fields));
}

/** The slugs of an article's related list as its page shows them (a hidden list shows none). */
function relatedSlugs(site: Site, article: Article): readonly { slug: string }[] {
  return (article.related.hidden ? undefined : site.related.get(article.slug)) ?? [];
}

/** `links` as PagePlan.related holds them: slugs joined by spaces. */
function relatedLine(links: readonly { slug: string }[]): string {
  let line = '';
  for (let i = 0; i < links.length; i++) line += i === 0 ? links[i]!.slug : ` ${links[i]!.slug}`;
  return line;
}

/**
 * Where the line of `text` starting at `at` ends (at a newline or the end of `text`),
 * if it is relatedLine(links); else -1. Made without the line (slugs hold no space or
 * newline).
 */
function relatedLineEnd(text: string, at: number, links: readonly { slug: string }[]): number {
  for (let i = 0; i < links.length; i++) {
    const slug = links[i]!.slug;
    if (i > 0 && text.charCodeAt(at++) !== 32) return -1;
    if (!text.startsWith(slug, at)) return -1;
    at += slug.length;
  }
  return at === text.length || text.charCodeAt(at) === 10 ? at : -1;
}

/** What a warm build may skip, and what it carries over for the pages it skips. */
export interface PlanReuse {
  /** Paths of recorded pages whose key must be made again. */
  affected: Set<string>;
  previous: PagePlan;
  /** Where page `path` is in the last build's records (its dependencies), given the page asked about before it. */
  recordOf(path: string): number;
}

/**
 * The articles' tokens and arrangements, in site order. Where the last plan's tokens
 * line up with these (digests of one width), they are compared in place, unsplit, and
 * its arrangements stand when those of the articles whose token changed are the same:
 * `changed` then marks those articles. Otherwise each arrangement is taken from the
 * last plan by its token where that is the same, else made (an arrangement is a
 * function of the article alone), and `changed` is undefined.
 */
export interface Arrangement {
  tokens: string;
  arrangements: string;
  changed: Uint8Array | undefined;
}

export function arrange(articles: readonly Article[], previous: PagePlan | undefined): Arrangement {
  const n = articles.length;
  const tokenList = articles.map(articleToken);
  const tokens = tokenList.join(' ');
  if (previous && previous.tokens.length === tokens.length && previous.arrangements.length === tokens.length && tokenList.every((token) => token.length === DIGEST_WIDTH)) {
    const changed = new Uint8Array(n);
    let arranged = true;
    for (let i = 0; i < n && arranged; i++) {
      if (previous.tokens.startsWith(tokenList[i]!, i * (DIGEST_WIDTH + 1))) continue;
      changed[i] = 1;
      const arrangement = arrangementOf(articles[i]!);
      arranged = arrangement.length === DIGEST_WIDTH && previous.arrangements.startsWith(arrangement, i * (DIGEST_WIDTH + 1));
    }
    if (arranged) return { tokens, arrangements: previous.arrangements, changed };
  }
  const byToken = new Map<string, string>();
  if (previous) {
    const previousTokens = previous.tokens.split(' ');
    const previousArrangements = previous.arrangements.split(' ');
    if (previousTokens.length === previousArrangements.length) previousTokens.forEach((token, i) => byToken.set(token, previousArrangements[i]!));
  }
  const arrangements = articles.map((article, i) => byToken.get(tokenList[i]!) ?? arrangementOf(article)).join(' ');
  return { tokens, arrangements, changed: undefined };
}

/**
 * The plan of this build's site (its per-article parts; the dependencies are recorded
 * as keys are made) and, when `previous` describes the same arrangement under the same
 * basis, what may be skipped. `recordedPaths` are the previous page records' paths, in
 * their order; `arrangement` is arrange(site.articles, previous), when made already.
 */
export function planSite(
  site: Site, basis: string, previous: PagePlan | undefined, recordedPaths: () => Iterable<string>, arrangement = arrange(site.articles, previous),
): { plan: Pick<PagePlan, 'basis' | 'tokens' | 'arrangements' | 'related'>; reuse: PlanReuse | undefined } {
  const n = site.articles.length;
  const { tokens, arrangements, changed } = arrangement;
  const usable = previous !== undefined && previous.basis === basis;
  // Related lists: compared with the last build's in place, line by line, and written
  // out again only when one differs.
  const relatedChanged = new Uint8Array(n);
  let anyRelatedChanged = !usable;
  if (usable) {
    const text = previous.related;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const end = at < 0 ? -1 : relatedLineEnd(text, at, relatedSlugs(site, site.articles[i]!));
      if (end < 0) {
        relatedChanged[i] = 1;
        anyRelatedChanged = true;
        // Past a line that differs, the next one starts after the next newline.
        const newline = at < 0 ? -1 : text.indexOf('\n', at);
        at = newline < 0 ? -1 : newline + 1;
      } else {
        at = end + 1;
      }
    }
    // Every line of the text taken, and no more (no articles: no text at all).
    if (n === 0 ? text !== '' : at !== text.length + 1) anyRelatedChanged = true;
  }
  const related = anyRelatedChanged ? site.articles.map((article) => relatedLine(relatedSlugs(site, article))).join('\n') : previous!.related;
  const plan = { basis, tokens, arrangements, related };
  if (!usable || changed === undefined) return { plan, reuse: undefined };
  // The articles whose pages, and the pages showing them, must be looked at again.
  const marked = Uint8Array.from(changed);
  for (let i = 0; i < n; i++) if (relatedChanged[i] === 1) marked[i] = 1;
  return { plan, reuse: reuseOf(previous, marked, recordedPaths) };
}

/** How far past the next record recordOf looks for a path before it makes a map of them all. */
const RECORDS_LOOKED_AHEAD = 32;

/** Width of a token or arrangement digest (base64 of SHA-256). */
const DIGEST_WIDTH = 44;

/** What may be skipped, given the articles `marked` (by index) whose pages, and the pages showing them, must be looked at again. */
function reuseOf(previous: PagePlan, marked: Uint8Array, recordedPaths: () => Iterable<string>): PlanReuse | undefined {
  const n = marked.length;
  const isMarked = (article: number) => article < 0 || article >= n || marked[article] === 1;
  const { depStart, deps, groupStart, groupDeps } = previous;
  const groupMarked = new Uint8Array(groupStart.length - 1);
  for (let g = 0; g < groupMarked.length; g++) {
    for (let at = groupStart[g]!; at < groupStart[g + 1]!; at++) {
      if (isMarked(groupDeps[at]!)) {
        groupMarked[g] = 1;
        break;
      }
    }
  }
  const paths = [...recordedPaths()];
  if (depStart.length !== paths.length + 1) return undefined;
  const affected = new Set<string>();
  for (let i = 0; i < paths.length; i++) {
    for (let at = depStart[i]!; at < depStart[i + 1]!; at++) {
      const dep = deps[at]!;
      const group = -2 - dep;
      if (dep >= 0 ? marked[dep] === 1 || dep >= n : dep === -1 || group >= groupMarked.length || groupMarked[group] === 1) {
        affected.add(paths[i]!);
        break;
      }
    }
  }
  // Pages come in the order they were recorded in, when the arrangement is the same: the
  // record asked about is the next one, or a few further on (past the pages made since
  // the last one asked about: assets, the edited articles'), and a map of every path
  // (~4,600 at 4,000 articles, made by every warm build until this looked ahead) is
  // made only if one ever is not.
  let next = 0;
  let index: Map<string, number> | undefined;
  const recordOf = (path: string) => {
    for (let at = next, end = Math.min(paths.length, next + RECORDS_LOOKED_AHEAD); at < end; at++) {
      if (paths[at] !== path) continue;
      next = at + 1;
      return at;
    }
    index ??= new Map(paths.map((known, i) => [known, i]));
    const at = index.get(path);
    if (at === undefined) throw new Error(`no record of ${path}`);
    next = at + 1;
    return at;
  };
  return { affected, previous, recordOf };
}

/** Collects each keyed page's dependencies in the order its record is made. */
export class DependencyRecorder implements ShownArticles {
  private readonly indexOf: Map<Article, number>;
  private readonly starts: number[] = [0];
  private readonly deps = new Growable(Int32Array);
  private depCount = 0;
  /** This build's groups by identity, and by what they hold (the last build's first, when keys are kept from it: its numbers stay). */
  private readonly groupIds = new WeakMap<object, number>();
  private readonly groupByContent = new Map<string, number>();
  private readonly groupStarts: number[] = [0];
  private readonly groupDeps = new Growable(Int32Array);
  private groupDepCount = 0;

  constructor(site: Site, keptFrom?: PagePlan) {
    this.indexOf = new Map(site.articles.map((article, i) => [article, i]));
    if (keptFrom) {
      const { groupStart, groupDeps } = keptFrom;
      for (let g = 0; g + 1 < groupStart.length; g++) this.addGroup(Array.from(groupDeps.subarray(groupStart[g]!, groupStart[g + 1]!)));
    }
  }

  readonly article = (article: Article): string => {
    this.deps.set(this.depCount++, this.indexOf.get(article) ?? -1);
    return articleToken(article);
  };

  readonly group = (group: object, articles: readonly Article[]): void => {
    let id = this.groupIds.get(group);
    if (id === undefined) {
      const members = articles.map((article) => this.indexOf.get(article) ?? -1);
      id = this.groupByContent.get(members.join(',')) ?? this.addGroup(members);
      this.groupIds.set(group, id);
    }
    this.deps.set(this.depCount++, -2 - id);
  };

  /** Ends the current page's record: its deps are those shown since the last call, or record `keptRecord` of the last build's plan. */
  endPage(kept?: { plan: PagePlan; record: number }): void {
    if (kept) {
      const { depStart, deps } = kept.plan;
      for (let at = depStart[kept.record]!; at < depStart[kept.record + 1]!; at++) this.deps.set(this.depCount++, deps[at]!);
    }
    this.starts.push(this.depCount);
  }

  finish(): Pick<PagePlan, 'depStart' | 'deps' | 'groupStart' | 'groupDeps'> {
    return {
      depStart: Int32Array.from(this.starts), deps: this.deps.data.slice(0, this.depCount),
      groupStart: Int32Array.from(this.groupStarts), groupDeps: this.groupDeps.data.slice(0, this.groupDepCount),
    };
  }

  private addGroup(members: number[]): number {
    const id = this.groupStarts.length - 1;
    for (const member of members) this.groupDeps.set(this.groupDepCount++, member);
    this.groupStarts.push(this.groupDepCount);
    this.groupByContent.set(members.join(','), id);
    return id;
  }
}

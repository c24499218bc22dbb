// The shapes that move between build stages. A stage adds to what it receives and
// never reaches back into an earlier stage, so these are the whole contract.

/** One file read from the content folder, before any parsing. */
export interface SourceFile {
  /** Path relative to the content folder, always with forward slashes. */
  path: string;
  /** Absolute path, for messages that an editor can open. */
  absolutePath: string;
  bytes: Buffer;
  /** sha256 of the bytes, hex: the cache key of everything derived from this file. */
  hash: string;
}

/** Editor control over the related block, from frontmatter `related`. */
export interface RelatedControl {
  /** Slugs pinned first, in the order written. */
  pinned: string[];
  /** `related: false`: the article shows no related block at all. */
  hidden: boolean;
  /** Line of the `related` key in the source file, for errors about unknown slugs. */
  line: number | undefined;
}

export interface Article {
  /** Path of the source file relative to the content folder, with forward slashes. */
  sourcePath: string;
  slug: string;
  /** Site-relative URL path, starting and ending with '/': '/2018/03/slug/'. No base path. */
  url: string;
  title: string;
  /** Publication instant, epoch milliseconds. */
  date: number;
  /** Last substantive update, epoch milliseconds. */
  updated: number | undefined;
  category: string | undefined;
  tags: string[];
  authors: string[];
  /** Originating agency or outlet, e.g. 新华社. */
  source: string | undefined;
  /** Given in frontmatter, or cut from the body text by display width. */
  summary: string;
  headline: boolean;
  pick: boolean;
  /** Editorial order among headlines: higher first. */
  weight: number;
  draft: boolean;
  /** Exchange symbols exactly as written: '600036.SH', '0700.HK', 'AAPL'. */
  tickers: string[];
  /** Old site-relative paths that should redirect here. */
  aliases: string[];
  related: RelatedControl;
  /** Sanitized body HTML. */
  html: string;
  /**
   * A digest of every field but `text`, `terms` and itself (the body's HTML included),
   * made when parsed (on the workers, and cached with the article): page fingerprints
   * and memo keys count "this article, as it is" by it instead of serializing it again
   * on every build. See articleDigest in src/render/shared-view.ts.
   */
  digest?: string | undefined;
  /**
   * Body as plain text, for the summary and related links. Emptied by the parse step
   * once `terms` records its related-link tokens.
   */
  text: string;
  /** Lead image: an absolute http(s) URL or a site path; for Open Graph and JSON-LD. */
  image?: string | undefined;
  /** Heading outline of the body, for a table of contents. */
  headings: { depth: number; id: string; text: string }[];
  /**
   * The related-link tokens of title, summary and text, recorded by the parse step so that
   * related links need not tokenize every article again: see src/index/related/terms.ts.
   */
  terms?: string | undefined;
}

/** One link in an article's related list, with what earned it its place. */
export interface RelatedLink {
  slug: string;
  score: number;
  pinned: boolean;
}

/** An output file, path relative to the output folder with forward slashes. */
export interface Page {
  path: string;
  content: string | Buffer;
}

/**
 * A file made by code rather than a template (a feed, a child sitemap), known before it
 * is made by a digest of everything it is made from: a build whose cache or dev session
 * holds the file made from the same inputs keeps that one and never calls `make`.
 */
export interface MadePage {
  path: string;
  inputsDigest: string;
  make: () => string | Promise<string>;
}

/**
 * A page still to be rendered: a template and the exact data it shows. The data is
 * the page's whole dependency set, which is what lets an incremental build skip
 * pages whose data did not change.
 */
export interface PageSpec {
  path: string;
  template: string;
  data: object;
  /**
   * When set, the page's fingerprint is made of this instead of `data`: values from which
   * `data` is made, cheaper to serialize, so that a build can tell an unchanged page
   * without making its data (which may then be a getter that makes it on first read).
   */
  fingerprintInputs?: unknown;
  /**
   * When set, a digest of everything the page is made from (with `renderKey`, what the
   * templates and the tool add), made without making its data or fingerprint inputs:
   * a page whose key matches the last build's is that build's page. Cheaper than the
   * fingerprint, and unlike it, it may change while the page does not. With `shown`,
   * every article whose token (articleToken) it takes, or which it shows otherwise
   * (the side column), goes through it: render/page-plan.ts records them.
   */
  dependencyKey?: (renderKey: string, shown?: ShownArticles) => string;
}

/** What a dependency key is made from, as render/page-plan.ts records it. */
export interface ShownArticles {
  /** An article whose token the key takes: returns that token. */
  article(article: Article): string;
  /** Articles shown together on many pages (a side column), as `group` (the same object wherever it is shown). */
  group(group: object, articles: readonly Article[]): void;
}

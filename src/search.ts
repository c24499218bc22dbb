// Static full-text search: Pagefind indexes the finished site in its staging folder
// (before the swap, so a failed index never leaves a half site) and writes its
// bundle to /pagefind/. The search page (templates/search.eta) loads that bundle in
// the browser; no server takes part.
//
// What is indexed: only the <article data-pagefind-body> of article pages, so lists,
// headers and ranking columns never match. Pagefind reads each page's <html lang>;
// for zh-* it segments Chinese into words (the extended binary the npm package
// ships), so 消费金融 and 风控 match inside running text.
//
// The output is a pure function of the pages: fragment and index files are named by
// a hash of their content, and two builds of the same input are byte-identical
// (test/search.test.ts checks it).
import path from 'node:path';

/** Where the bundle goes, relative to the site root; the search page loads it from there. */
export const SEARCH_BUNDLE = 'pagefind/';

export class SearchIndexError extends Error {
  override readonly name = 'SearchIndexError';
}

export interface SearchIndexResult {
  /** Pages Pagefind indexed: the article pages. */
  pageCount: number;
}

/** Indexes every HTML page under `siteDir` and writes the bundle into it. */
export async function indexSite(siteDir: string): Promise<SearchIndexResult> {
  // Loaded here, not at the top: a build without search, or one whose pages the cache
  // kept, never pays for the client and the child-process modules it brings (~8 ms).
  let pagefind: typeof import('pagefind');
  try {
    pagefind = await import('pagefind');
  } catch (error) {
    throw failed(`could not load Pagefind: ${(error as Error).message ?? String(error)}`);
  }
  let created;
  try {
    created = await pagefind.createIndex({});
  } catch (error) {
    // A dead service stays dead for the whole process: drop it, so the next build
    // in a long-running process (watch mode) starts a fresh one.
    await pagefind.close();
    throw failed(`could not start Pagefind: ${(error as Error).message ?? String(error)}`);
  }
  const { index, errors } = created;
  if (!index || errors.length > 0) throw failed(errors.join('; ') || 'Pagefind returned no index');
  try {
    const added = await index.addDirectory({ path: siteDir });
    if (added.errors.length > 0) throw failed(added.errors.join('; '));
    const written = await index.writeFiles({ outputPath: path.join(siteDir, SEARCH_BUNDLE) });
    if (written.errors.length > 0) throw failed(written.errors.join('; '));
    return { pageCount: added.page_count };
  } finally {
    // The Pagefind service stays up for the next build in this process (it does not
    // keep Node alive); only this index's memory is given back.
    await index.deleteIndex().catch(() => {});
  }
}

function failed(message: string): SearchIndexError {
  return new SearchIndexError(`search index: ${message} (build with --no-search to skip it)`);
}

// The site the dev server shows: every page of one build, in memory, and the pure
// mapping from a request target to one of them. Nothing is read from disk, so no
// URL can reach a file outside the site, whatever it spells; requests that try
// (`..`, encoded slashes, NUL) are refused before any lookup all the same.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Page } from '../types.ts';

export interface SiteFile {
  content: string | Buffer;
  /** The Content-Type header. */
  type: string;
  html: boolean;
  /** Filled on first use: most files of a build are never requested. */
  bytes?: Buffer;
  etag?: string;
}

/** One successful build. Replaced whole on the next one, never changed in place (beyond the lazy fields). */
export interface SiteSnapshot {
  /** Unique across builds and server restarts: an open page that sees another one reloads. */
  build: string;
  /** The site's base path, '/' or '/archive/'. */
  basePath: string;
  files: ReadonlyMap<string, SiteFile>;
  articleCount: number;
}

export const NOT_FOUND_PAGE = '404.html';

const TEXT = '; charset=utf-8';
/** By file extension; anything else is served as bytes. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.json': `application/json${TEXT}`,
  '.map': `application/json${TEXT}`,
  '.webmanifest': `application/manifest+json${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.xsl': `application/xml${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.csv': `text/csv${TEXT}`,
  '.md': `text/markdown${TEXT}`,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  // Pagefind's index: compressed binary fragments, fetched by pagefind.js.
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pf_filter': 'application/octet-stream',
};
const DEFAULT_TYPE = 'application/octet-stream';

export function contentType(file: string): string {
  return MIME_TYPES[path.posix.extname(file).toLowerCase()] ?? DEFAULT_TYPE;
}

export function snapshotOf(pages: readonly Page[], basePath: string, build: string, articleCount: number): SiteSnapshot {
  const files = new Map<string, SiteFile>();
  for (const page of pages) {
    const type = contentType(page.path);
    files.set(page.path, { content: page.content, type, html: type.startsWith('text/html') });
  }
  return { build, basePath, files, articleCount };
}

export function fileBytes(file: SiteFile): Buffer {
  file.bytes ??= typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
  return file.bytes;
}

/** A strong validator of the file's bytes, quoted as the ETag header wants. */
export function fileEtag(file: SiteFile): string {
  file.etag ??= `"${createHash('sha1').update(fileBytes(file)).digest('base64url')}"`;
  return file.etag;
}

export type Resolution =
  | { kind: 'file'; key: string; file: SiteFile }
  /** Location is built from decoded, re-encoded segments: never `//host`, never outside the base path. */
  | { kind: 'redirect'; location: string }
  /** Serve 404.html, status 404. */
  | { kind: 'missing' }
  /** Malformed or hostile: status 400, no lookup made. */
  | { kind: 'bad'; reason: string };

/**
 * Maps a raw request target (`req.url`: path and query, as sent) to a file of the site:
 * `/x/` is `x/index.html`, `/x` redirects to `/x/` when only the folder exists, and
 * everything lives under `basePath` (`/` and `/archive` redirect to `/archive/`).
 */
export function resolveRequest(site: Pick<SiteSnapshot, 'files' | 'basePath'>, target: string): Resolution {
  const parsed = parseTarget(target);
  if ('reason' in parsed) return { kind: 'bad', reason: parsed.reason };
  const { segments, directory, query } = parsed;
  // Request segments arrive decoded; a base path like /财经/ is stored percent-encoded.
  const base = site.basePath.split('/').filter(Boolean).map(safeDecode);
  const underBase = base.every((part, index) => segments[index] === part);
  if (!underBase) return segments.length === 0 ? { kind: 'redirect', location: site.basePath } : { kind: 'missing' };
  if (segments.length === base.length && !directory && base.length > 0) return { kind: 'redirect', location: site.basePath + query };

  const rest = segments.slice(base.length);
  const relative = rest.join('/');
  const lookup = (key: string): Resolution => {
    const file = site.files.get(key);
    return file ? { kind: 'file', key, file } : { kind: 'missing' };
  };
  if (directory || rest.length === 0) return lookup(relative === '' ? 'index.html' : `${relative}/index.html`);
  if (site.files.has(relative)) return lookup(relative);
  if (site.files.has(`${relative}/index.html`)) {
    return { kind: 'redirect', location: `${site.basePath}${rest.map(encodeURIComponent).join('/')}/${query}` };
  }
  return { kind: 'missing' };
}

interface ParsedTarget {
  /** Decoded path segments, without empty and `.` ones. */
  segments: string[];
  /** The path ended with '/'. */
  directory: boolean;
  /** '' or '?…' as sent. */
  query: string;
}

function parseTarget(target: string): ParsedTarget | { reason: string } {
  const withoutFragment = target.split('#', 1)[0] ?? '';
  const queryAt = withoutFragment.indexOf('?');
  const pathname = queryAt === -1 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const query = queryAt === -1 ? '' : withoutFragment.slice(queryAt);
  if (!pathname.startsWith('/')) return { reason: 'the request target must be a path starting with /' };
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { reason: 'malformed percent-encoding' };
    }
    // An encoded slash or backslash would smuggle a separator into one segment.
    if (/[/\\\0]/.test(segment)) return { reason: 'a path segment holds a slash, backslash or NUL' };
    if (segment === '..') return { reason: 'the path leaves the site (..)' };
    if (segment === '' || segment === '.') continue;
    segments.push(segment);
  }
  return { segments, directory: pathname.endsWith('/'), query };
}

/**
 * What a page at `target` shows in `site`: its bytes, or the not-found page's. Two
 * builds where this is equal look the same to a browser tab open there, so that tab
 * need not reload.
 */
export function pageIdentity(site: SiteSnapshot, target: string): string | Buffer | undefined {
  const resolution = resolveRequest(site, target);
  if (resolution.kind === 'file') return resolution.file.content;
  if (resolution.kind === 'redirect') return `redirect ${resolution.location}`;
  return site.files.get(NOT_FOUND_PAGE)?.content;
}

export function sameIdentity(a: string | Buffer | undefined, b: string | Buffer | undefined): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a === b;
  return a.equals(b);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Views that many pages show, marked so that page fingerprints count each as one token.
import * as crypto from 'node:crypto';
import type { Article } from '../types.ts';

const sharedTokens = new WeakMap<object, string>();

/**
 * A short digest of JSON made for fingerprints and dependency keys. Through Node's
 * one-shot hash (20.12+), which takes the string as UTF-8: 1.0 µs for a 1 KB key
 * against 2.7 µs through a Hash object fed UTF-16, and a warm build makes ~4,600 keys.
 * UTF-8 would merge lone surrogates (JSON.stringify escapes them, but not every caller
 * hashes only JSON): a string holding one is hashed as UTF-16 units, as before.
 */
export function jsonDigest(json: string): string {
  return oneShotHash && isWellFormed(json) ? oneShotHash('sha256', json, 'base64') : crypto.createHash('sha256').update(json, 'utf16le').digest('base64');
}

/** String.prototype.isWellFormed (V8 11.1+), which TypeScript's ES2022 library does not declare. */
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** crypto.hash where this Node has it (20.12 and later). */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

/**
 * A digest of every field of a parsed article but its text and related-link tokens:
 * what fingerprints and memo keys hold for "this article, as it is". Parsing stores it
 * on the article (articles are not changed once parsed).
 */
export function articleDigest(article: Article): string {
  const { text, terms, digest, html, ...fields } = article;
  // The body is hashed as it is, not inside the JSON: escaping it there made a second
  // copy of every article's HTML (garbage that grew the parse workers' heaps).
  return crypto.createHash('sha256').update(JSON.stringify(fields), 'utf16le').update('\0').update(html, 'utf16le').digest('base64');
}

function sharedToken(this: object): string {
  let token = sharedTokens.get(this);
  if (token === undefined) {
    // A shallow copy has no toJSON of its own, so this serializes the view's fields;
    // shared views inside it are tokens themselves.
    const fields = JSON.stringify(Array.isArray(this) ? [...this] : { ...this });
    // A link item's JSON takes less time to repeat than a hash takes to make; only bigger
    // views are hashed. The first character (a control character) tells the two kinds of
    // token apart, and both from a string field that happens to hold the same text.
    token = fields.length <= 256 ? `\u0001${fields}` : `\u0000${jsonDigest(fields)}`;
    sharedTokens.set(this, token);
  }
  return token;
}

/**
 * Marks a view that many pages show (a link item, the side column, the labels) as
 * shared: it is never mutated, and in JSON it stands as one token made once (its own
 * JSON, or a hash of it when that is long). Page fingerprints are the JSON of the
 * page data, so a change to a shared view still changes every page that shows it,
 * while each page no longer serializes the side column's forty links again (half of
 * a cold build's fingerprinting). Only fingerprints serialize views.
 */
export function sharedView<T extends object>(view: T): T {
  Object.defineProperty(view, 'toJSON', { value: sharedToken, enumerable: false });
  return view;
}

/**
 * `value` with every shared view in it replaced by its token, as JSON.stringify would
 * put it: the JSON text is the same, made without V8 calling a toJSON method for each
 * view (its slow path: ~1 µs a call, ~20 calls on a listing page's fingerprint). Other
 * objects with a toJSON of their own and non-plain objects are left as they are.
 */
export function withTokens(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (toJSON === sharedToken) return sharedToken.call(value);
  if (toJSON !== undefined) return value;
  if (Array.isArray(value)) return value.map(withTokens);
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = withTokens((value as Record<string, unknown>)[key]);
  return copy;
}

/** The token a shared view stands as in fingerprints (see sharedView). */
export function sharedViewToken(view: object): string {
  if (!isSharedView(view)) throw new Error('not a shared view');
  return sharedToken.call(view);
}

export function isSharedView(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { toJSON?: unknown }).toJSON === sharedToken;
}

// GFM one extension at a time. remark-gfm turns on all five, and each costs on every
// document whether or not it matches anything: autolink literals alone try an email
// address at every ASCII letter and digit and then search every text node with
// regexes. A document only gets the extensions whose trigger it holds; without its
// trigger an extension cannot match, so the tree is the one full GFM gives
// (test/parse/markdown-gfm.test.ts checks that on random documents).
import type { Data, Plugin } from 'unified';
import type { Root as MdastRoot } from 'mdast';
// remark-parse declares the Data fields that carry parser extensions.
import type {} from 'remark-parse';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmFootnote } from 'micromark-extension-gfm-footnote';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import { gfmTable } from 'micromark-extension-gfm-table';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmFootnoteFromMarkdown } from 'mdast-util-gfm-footnote';
import { gfmStrikethroughFromMarkdown } from 'mdast-util-gfm-strikethrough';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';

/** In remark-gfm's order: where two extensions hook the same character, order decides which is tried first. */
export const GFM_FEATURES = ['autolinkLiteral', 'footnote', 'strikethrough', 'table', 'taskListItem'] as const;
export type GfmFeature = (typeof GFM_FEATURES)[number];

/**
 * What a document must hold for the extension to match anything:
 * - autolink literals: `@`, `www` or `http(s):`, any case; `&` and `\` too, since
 *   the mdast side searches decoded text, where an entity or escape can spell one out;
 * - footnotes: `[^` (a call or a definition; a call needs a definition);
 * - strikethrough: `~`;
 * - tables: `|`, or a line that could be a delimiter row (`a\n:-` is a one-column table);
 * - task list items: `[ ]`, `[x]` or `[X]`.
 */
const TRIGGERS: Record<GfmFeature, RegExp> = {
  autolinkLiteral: /[@&\\]|www|https?:/i,
  footnote: /\[\^/,
  strikethrough: /~/,
  table: /\||^[ \t>]*[-: \t]*-[-: \t]*$/m,
  taskListItem: /\[[\sxX]\]/,
};

/** The union of TRIGGERS, in one pass that rules out most documents. */
const ANY_TRIGGER = /[|~@&\\]|\[\^|\[[\sxX]\]|www|https?:|^[ \t>]*[-: \t]*-[-: \t]*$/im;

export function needsGfm(markdown: string): boolean {
  return ANY_TRIGGER.test(markdown);
}

/** The extensions `markdown` may use, in GFM_FEATURES order. */
export function gfmFeaturesOf(markdown: string): GfmFeature[] {
  if (!ANY_TRIGGER.test(markdown)) return [];
  return GFM_FEATURES.filter((feature) => TRIGGERS[feature].test(markdown));
}

interface FeatureExtensions {
  micromark: () => NonNullable<Data['micromarkExtensions']>[number];
  mdast: () => NonNullable<Data['fromMarkdownExtensions']>[number];
}

const EXTENSIONS: Record<GfmFeature, FeatureExtensions> = {
  autolinkLiteral: { micromark: gfmAutolinkLiteral, mdast: gfmAutolinkLiteralFromMarkdown },
  footnote: { micromark: gfmFootnote, mdast: gfmFootnoteFromMarkdown },
  // remark-gfm passes its (empty) options on; undefined gives the same defaults.
  strikethrough: { micromark: () => gfmStrikethrough(), mdast: gfmStrikethroughFromMarkdown },
  table: { micromark: gfmTable, mdast: gfmTableFromMarkdown },
  taskListItem: { micromark: gfmTaskListItem, mdast: gfmTaskListItemFromMarkdown },
};

/**
 * remark-gfm limited to `features` (parsing only: nothing here serializes Markdown).
 * remark-gfm adds its five as one combined micromark extension; added one by one in
 * the same order they combine into the same construct lists.
 */
export const remarkGfmFeatures: Plugin<[readonly GfmFeature[]], MdastRoot> = function (features) {
  const data = this.data();
  const micromarkExtensions = (data.micromarkExtensions ??= []);
  const fromMarkdownExtensions = (data.fromMarkdownExtensions ??= []);
  for (const feature of GFM_FEATURES) {
    if (!features.includes(feature)) continue;
    micromarkExtensions.push(EXTENSIONS[feature].micromark());
    fromMarkdownExtensions.push(EXTENSIONS[feature].mdast());
  }
};

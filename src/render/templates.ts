// The Eta instance. Every `<%= %>` value is HTML-escaped (autoEscape); the only raw
// outputs (`<%~ %>`) are sanitized article HTML, JSON-LD made script-safe in view.ts,
// and included partials.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Eta } from 'eta';
import { isSharedView } from './shared-view.ts';
import { BUILTIN_TEMPLATES } from './template-files.ts';

export interface Renderer {
  render(template: string, data: object): string;
}

/**
 * The side column partial is rendered once per distinct side column, not once per
 * page: most pages share one of a few dozen (pages.ts), and it was a fifth of the
 * rendering. Eta hands an included partial the whole page's data, so this holds only
 * while the side column's partials are Broadsheet's own, which print nothing but
 * `it.aside` and the labels (one language a build); a site's own versions of them
 * are rendered for every page.
 */
const SIDE_COLUMN_PARTIAL = 'partials/aside.eta';
const SIDE_COLUMN_PARTIALS = [SIDE_COLUMN_PARTIAL, 'partials/list.eta'];

function sideColumnIsBuiltIn(templatesDir: string): boolean {
  if (path.resolve(templatesDir) === path.resolve(BUILTIN_TEMPLATES)) return true;
  try {
    return SIDE_COLUMN_PARTIALS.every((file) => readFileSync(path.join(templatesDir, file)).equals(readFileSync(path.join(BUILTIN_TEMPLATES, file))));
  } catch {
    return false;
  }
}

export function createRenderer(templatesDir: string): Renderer {
  const eta = new Eta({
    views: templatesDir,
    cache: true,
    autoEscape: true,
    // Templates are the only code Broadsheet runs that a site may customize; keep
    // their data on `it` so a typo is a clear ReferenceError, not a silent global.
    useWith: false,
  });

  // Eta resolves an include's path on every call (JSON key, path.join, path.relative);
  // the answer only depends on the including file and the name.
  const resolveUncached = eta.resolvePath!;
  const resolved = new Map<string, string>();
  eta.resolvePath = function (templatePath, options) {
    const key = `${options?.filepath ?? ''}\0${templatePath}`;
    let file = resolved.get(key);
    if (file === undefined) resolved.set(key, (file = resolveUncached.call(this, templatePath, options)));
    return file;
  };

  // A file name no include resolves to when the side column is the site's own.
  const sideColumnFile = sideColumnIsBuiltIn(templatesDir) ? path.join(templatesDir, SIDE_COLUMN_PARTIAL) : '';
  const sideColumns = new WeakMap<object, string>();
  const renderUncached = eta.render;
  eta.render = function (template, data, meta) {
    const aside = (data as { aside?: unknown }).aside;
    if (typeof template !== 'string' || !isSharedView(aside) || sideColumnFile === '' || eta.resolvePath!(template, { ...meta }) !== sideColumnFile) {
      return renderUncached.call(this, template, data, meta);
    }
    let html = sideColumns.get(aside as object);
    if (html === undefined) sideColumns.set(aside as object, (html = renderUncached.call(this, template, data, meta)));
    return html;
  };

  return {
    render(template, data) {
      return eta.render(`./${template}`, data);
    },
  };
}

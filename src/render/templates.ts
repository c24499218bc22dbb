// The Eta instance. Every `<%= %>` value is HTML-escaped (autoEscape); the only raw
// outputs (`<%~ %>`) are sanitized article HTML, JSON-LD made script-safe in view.ts,
// and included partials.
import { Eta } from 'eta';

export interface Renderer {
  render(template: string, data: object): string;
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
  return {
    render(template, data) {
      return eta.render(`./${template}`, data);
    },
  };
}

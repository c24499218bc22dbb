// What the dev server adds to HTML as it serves it: the live-reload client and,
// while the latest build has failed, the error overlay. Added per response, never
// built: pages in memory and on disk stay exactly what `broadsheet build` writes.

/** The server-sent events stream; outside any base path, so one URL works for every site. */
export const EVENTS_PATH = '/__broadsheet/events';
export const OVERLAY_ID = 'broadsheet-dev-overlay';
/** Marks the injected script, so tests and curious readers can find it. */
export const CLIENT_MARKER = 'data-broadsheet-dev';

/** What the dev server knows about the latest build, as a served page needs it. */
export interface DevState {
  /** The build the page's bytes come from. */
  build: string;
  /** Error lines (`path:line: message (hint)`) of the latest build; empty when it succeeded. */
  errors: readonly string[];
}

/**
 * The client: connects to the event stream with its own path, reloads on `reload`
 * (and when it reconnects to a server that has built since it loaded), and shows or
 * clears the overlay on `error` and `hello`. EventSource fires its own `error` on a
 * lost connection: only a server-sent one carries data.
 */
function clientScript(build: string): string {
  const code = `(() => {
  const build = ${scriptJson(build)};
  const events = new EventSource(${scriptJson(EVENTS_PATH)} + "?page=" + encodeURIComponent(location.pathname + location.search));
  const show = (html) => {
    document.getElementById(${scriptJson(OVERLAY_ID)})?.remove();
    if (html) document.body.insertAdjacentHTML("beforeend", html);
  };
  events.addEventListener("hello", (event) => {
    const data = JSON.parse(event.data);
    if (data.build !== build) location.reload();
    else show(data.overlay);
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("error", (event) => {
    if (typeof event.data === "string") show(JSON.parse(event.data).overlay);
  });
  addEventListener("pagehide", () => events.close());
})();`;
  return `<script ${CLIENT_MARKER}>${code}</script>`;
}

/** The overlay for a failed build, or '' when there is nothing to show. */
export function overlayHtml(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  const box =
    'position:fixed;inset:auto 0 0 0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:12px 16px;' +
    'background:#fff5f5;color:#1a1a1a;border-top:4px solid #d32f2f;box-shadow:0 -4px 16px rgba(0,0,0,.25);' +
    'font:14px/1.5 system-ui,sans-serif;text-align:left';
  const pre = 'margin:8px 0 0;white-space:pre-wrap;word-break:break-word;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;color:#b71c1c';
  const close = 'float:right;border:0;background:none;font-size:20px;line-height:1;cursor:pointer;color:#1a1a1a';
  const heading = `Build failed (${errors.length} error${errors.length === 1 ? '' : 's'}). Still showing the last good build; this page updates when the errors are fixed.`;
  return (
    `<div id="${OVERLAY_ID}" role="alert" style="${box}">` +
    `<button type="button" aria-label="Dismiss" style="${close}" onclick="this.parentNode.remove()">×</button>` +
    `<strong>${escapeHtml(heading)}</strong><pre style="${pre}">${errors.map(escapeHtml).join('\n')}</pre></div>`
  );
}

/** The page's HTML with the client (and the overlay, if any) before its last `</body>`. */
export function injectDev(html: string, state: DevState): string {
  const addition = overlayHtml(state.errors) + clientScript(state.build);
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? html + addition : html.slice(0, at) + addition + html.slice(at);
}

/** Served for every page until a build has succeeded: while the first one runs, or after it failed. */
export function noSitePage(state: DevState): string {
  const text =
    state.errors.length > 0
      ? 'The first build failed, so there is no site to show yet. Fix the errors below; this page reloads when a build succeeds.'
      : 'The site is being built; this page reloads when it is ready.';
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Broadsheet dev server</title></head><body><h1>Broadsheet dev server</h1><p>${text}</p></body></html>`;
  return injectDev(page, state);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// The dev server's HTTP side: serves the latest good build from memory (GET and
// HEAD only), adds the live-reload client and error overlay to HTML as it goes out,
// and hands /__broadsheet/events to the event hub. Holds no state of its own: it
// asks `state()` on every request, so a build swaps the whole site in one step.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.ts';
import { EventHub } from './events.ts';
import { EVENTS_PATH, injectDev, noSitePage, overlayHtml, type DevState } from './inject.ts';
import { fileBytes, fileEtag, NOT_FOUND_PAGE, resolveRequest, type SiteFile, type SiteSnapshot } from './site.ts';

export interface ServedState {
  /** The latest good build; undefined until one has succeeded. */
  site: SiteSnapshot | undefined;
  /** Error lines of the latest build; empty when it succeeded. */
  errors: readonly string[];
  /** Bumped on every build, good or bad: part of HTML ETags, since the overlay is part of the page. */
  version: number;
}

export interface HttpOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  state: () => ServedState;
  hub: EventHub;
}

export interface HttpServer {
  /** The port listened on (the chosen one when asked for 0). */
  port: number;
  /** Ends the event streams and every open connection, then stops listening. */
  close(): Promise<void>;
}

export async function listen(options: HttpOptions): Promise<HttpServer> {
  const server = createServer((request, response) => handle(request, response, options.state(), options.hub));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options)));
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server, options.hub),
  };
}

function listenError(error: NodeJS.ErrnoException, options: HttpOptions): Error {
  const where = `${options.host}:${options.port}`;
  if (error.code === 'EADDRINUSE') return new UsageError(`port ${options.port} is in use on ${options.host} (pass another --port, or --port 0 for any free one)`);
  if (error.code === 'EACCES') return new UsageError(`not allowed to listen on ${where} (ports below 1024 need privileges: pass --port 4000)`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return new UsageError(`cannot listen on host ${options.host} (pass --host 127.0.0.1)`);
  return error;
}

async function closeServer(server: Server, hub: EventHub): Promise<void> {
  hub.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets of finished requests would otherwise hold the port open.
    server.closeAllConnections();
  });
}

function handle(request: IncomingMessage, response: ServerResponse, state: ServedState, hub: EventHub): void {
  const target = request.url ?? '/';
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(request, response, 405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, 'Method not allowed\n');
    return;
  }
  const queryAt = target.indexOf('?');
  if ((queryAt === -1 ? target : target.slice(0, queryAt)) === EVENTS_PATH) {
    const page = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1)).get('page') ?? undefined;
    hub.connect(request, response, page, { build: state.site?.build ?? '', overlay: overlayHtml(state.errors) });
    return;
  }
  const dev: DevState = { build: state.site?.build ?? '', errors: state.errors };
  if (!state.site) {
    const status = state.errors.length > 0 ? 500 : 503;
    send(request, response, status, { 'Content-Type': 'text/html; charset=utf-8' }, noSitePage(dev));
    return;
  }
  const resolution = resolveRequest(state.site, target);
  switch (resolution.kind) {
    case 'bad':
      send(request, response, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, `Bad request: ${resolution.reason}\n`);
      return;
    case 'redirect':
      send(request, response, 302, { Location: resolution.location }, '');
      return;
    case 'file':
      serveFile(request, response, 200, resolution.file, dev, state.version);
      return;
    case 'missing': {
      const notFound = state.site.files.get(NOT_FOUND_PAGE);
      if (notFound) serveFile(request, response, 404, notFound, dev, state.version);
      else send(request, response, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not found\n');
    }
  }
}

function serveFile(request: IncomingMessage, response: ServerResponse, status: number, file: SiteFile, dev: DevState, version: number): void {
  const headers: Record<string, string> = { 'Content-Type': file.type };
  let body: Buffer;
  if (file.html) {
    const html = typeof file.content === 'string' ? file.content : file.content.toString('utf8');
    body = Buffer.from(injectDev(html, dev));
    // The overlay comes and goes without the page's own bytes changing.
    if (status === 200) headers['ETag'] = `W/${fileEtag(file).slice(0, -1)}-${version}"`;
  } else {
    body = fileBytes(file);
    if (status === 200) headers['ETag'] = fileEtag(file);
  }
  const etag = headers['ETag'];
  if (etag !== undefined && request.headers['if-none-match'] === etag) {
    send(request, response, 304, { ETag: etag }, '');
    return;
  }
  send(request, response, status, headers, body);
}

function send(request: IncomingMessage, response: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, {
    ...headers,
    ...(status === 304 ? {} : { 'Content-Length': String(bytes.length) }),
    // Always revalidate: a rebuild may change any file at any moment.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(request.method === 'HEAD' || status === 304 ? undefined : bytes);
}

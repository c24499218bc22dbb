// Server-sent events to open pages: `hello` on connect, `reload` after a build that
// changed the page, `error` after a failed build. Each client says which page it
// shows (`?page=/path/`), so a build reloads only the tabs whose page changed.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A comment line this often keeps idle connections open through proxies and sleepy laptops (ms). */
const HEARTBEAT_MS = 20_000;
/** How long a browser waits before reconnecting after the server went away (ms). */
const RETRY_MS = 1_000;

export interface EventClient {
  /** The page's path and query, as the browser has it; undefined when not given. */
  page: string | undefined;
  response: ServerResponse;
}

export class EventHub {
  private readonly clients = new Set<EventClient>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response as an event stream and sends `hello` first. */
  connect(request: IncomingMessage, response: ServerResponse, page: string | undefined, hello: object): void {
    if (this.closed) {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n\n`);
    const client: EventClient = { page, response };
    this.clients.add(client);
    request.socket.setNoDelay(true);
    request.on('close', () => this.drop(client));
    this.send(client, 'hello', hello);
    this.heartbeat ??= setInterval(() => {
      for (const each of this.clients) each.response.write(': ping\n\n');
    }, HEARTBEAT_MS).unref();
  }

  send(client: EventClient, event: string, data: object): void {
    client.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends to every client `which` accepts (default: all); returns how many got it. */
  broadcast(event: string, data: object, which: (client: EventClient) => boolean = () => true): number {
    let sent = 0;
    for (const client of this.clients) {
      if (!which(client)) continue;
      this.send(client, event, data);
      sent++;
    }
    return sent;
  }

  /** Ends every stream; browsers will try to reconnect, and find no server. */
  close(): void {
    this.closed = true;
    for (const client of this.clients) client.response.end();
    this.clients.clear();
    this.stopHeartbeat();
  }

  private drop(client: EventClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

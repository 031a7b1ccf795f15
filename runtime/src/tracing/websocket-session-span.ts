/**
 * `--tracing` for the WebSocket gateway: a SERVER span per data connection, from the upgrade
 * request (its `traceparent` honoured), named by the path as Jina's ASGI instrumentation names a
 * WebSocket scope (`/`). Every request sent on the connection is served in its context, so the
 * executor calls of all of them are its children; it ends when the connection is done.
 */
import type { IncomingMessage } from 'node:http';
import { runInSpan, startServerSpan } from './server-span.js';
import type { Tracing } from './tracing.js';

export function traceWebSocketSession(tracing: Tracing, request: IncomingMessage, serve: () => Promise<void>): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const serverSpan = startServerSpan(tracing, path, request.headers, { 'url.path': path, 'network.protocol.name': 'websocket' });
  return runInSpan(serverSpan, [], serve).finally(() => serverSpan.span.end());
}

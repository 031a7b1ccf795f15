/**
 * The built-in WebSocket gateway (Jina's `--protocol websocket`): one HTTP(S) server with
 *
 * - WebSocket `/`: the `bytes` subprotocol, a DataRequestProto per binary frame (data-socket.ts);
 * - WebSocket `/dry_run`: one StatusProto frame (dry-run-socket.ts);
 * - `GET /` health, `GET /status`, `GET /dry_run` (http-routes.ts).
 *
 * The subprotocol `bytes` is echoed when the client asks for it (Jina accepts without echoing
 * any, which browsers also accept); a client asking for none or `json` is still served binary
 * frames, and a text frame closes with 1003. Frames larger than `bodyLimit` close with 1009.
 *
 * Start-up as the other fronts: bound at once, `GET /` answers 503 and sockets close with 1011
 * naming the deployments not answering until endpoint discovery of every deployment succeeded
 * (Jina only starts its server then). Shutdown: no new connections; open sockets take no more
 * frames, get the responses to the ones taken and close with 1001; after `graceMs` the rest are cut.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { httpHeaders, isAuthorized } from '../auth/authenticator.js';
import { UNAUTHENTICATED_DETAIL } from '../auth/bearer-auth.js';
import { isOpenRequest, logAuthorizeError, urlPath } from '../auth/http-auth.js';
import type { ProtocolServer, ProtocolServerOptions } from '../protocol-server.js';
import { FlowReadiness } from '../grpc/flow-readiness.js';
import { DEFAULT_BODY_LIMIT } from '../http/http-app.js';
import { CLOSE_INTERNAL_ERROR, truncate } from './close-reason.js';
import { traceWebSocketSession } from '../../tracing/websocket-session-span.js';
import { serveDataSocket } from './data-socket.js';
import { serveDryRunSocket } from './dry-run-socket.js';
import { handleHttpRequest } from './http-routes.js';

/** The one subprotocol that works with docarray v2 (Jina's `WebsocketSubProtocols.BYTES`). */
export const BYTES_SUBPROTOCOL = 'bytes';

export interface WebSocketGatewayOptions extends ProtocolServerOptions {
  /** Pause between endpoint-discovery rounds while a deployment does not answer, ms. Default 1000 (Jina's). */
  discoveryRetryMs?: number;
}

export interface WebSocketGateway extends ProtocolServer {
  readonly protocol: 'websocket';
  /** Resolves once every deployment answered discovery and the gateway serves the Flow; rejects if shut down first. */
  readonly ready: Promise<void>;
}

/** Default grace period of `shutdown()`, in ms. */
const DEFAULT_GRACE_MS = 10_000;

interface Session {
  ws: WebSocket;
  done: Promise<void>;
}

export async function startWebSocketGateway(options: WebSocketGatewayOptions): Promise<WebSocketGateway> {
  const { streamer, logger } = options;
  const server: Server = options.tls
    ? createHttpsServer({ cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) })
    : createHttpServer();
  const readiness = new FlowReadiness(streamer, { logger, retryMs: options.discoveryRetryMs });
  const draining = new AbortController();
  const notReady = (): string | undefined =>
    draining.signal.aborted ? 'the gateway is shutting down' : readiness.isReady ? undefined : readiness.notReadyReason();

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(BYTES_SUBPROTOCOL) ? BYTES_SUBPROTOCOL : false),
  });
  const sessions = new Set<Session>();
  const track = (ws: WebSocket, done: Promise<void>) => {
    const session = { ws, done };
    sessions.add(session);
    void done.finally(() => sessions.delete(session));
  };

  /** Whether the authenticator (if any) lets `request` in; the WebSocket upgrade asks as `websocket`. */
  const authorized = async (request: IncomingMessage, protocol: 'http' | 'websocket'): Promise<boolean> =>
    options.auth === undefined ||
    (await isAuthorized(options.auth, { protocol, method: request.method ?? 'GET', path: urlPath(request.url), headers: httpHeaders(request.headers) }, (error) => logAuthorizeError(logger, error)));

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = urlPath(request.url);
    if (path !== '/' && path !== '/dry_run') return refuseUpgrade(socket, 404, 'Not Found');
    if (options.auth === undefined) return upgrade(request, socket, head, path);
    void authorized(request, 'websocket').then((yes) => (yes ? upgrade(request, socket, head, path) : refuseUpgrade(socket, 401, UNAUTHENTICATED_DETAIL)));
  });

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, path: string): void => {
    if (socket.destroyed) return;
    if (draining.signal.aborted) return refuseUpgrade(socket, 503, 'the gateway is shutting down');
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const waiting = notReady();
      if (path === '/dry_run') {
        track(ws, serveDryRunSocket(ws, streamer, logger, waiting));
      } else if (waiting !== undefined) {
        ws.on('error', () => undefined);
        track(ws, new Promise<void>((resolve) => ws.once('close', () => resolve())));
        ws.close(CLOSE_INTERNAL_ERROR, truncate(waiting));
      } else {
        const forwarding = options.forwardMetadata;
        const session = () => serveDataSocket(ws, { streamer, logger, prefetch: options.prefetch, draining: draining.signal });
        // the session's requests forward the upgrade request's listed headers
        const serve = forwarding === undefined ? session : () => forwarding.run(request.headers, session);
        track(ws, streamer.tracing === undefined ? serve() : traceWebSocketSession(streamer.tracing, request, serve));
      }
    });
  };

  const inflight = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    inflight.add(response);
    response.once('close', () => {
      inflight.delete(response);
      if (inflight.size === 0 && sessions.size === 0) onIdle?.();
    });
    if (draining.signal.aborted) response.setHeader('connection', 'close');
    const serve = () => handleHttpRequest(request, response, { streamer, notReady, cors: options.cors === true });
    if (options.auth === undefined || isOpenRequest(request.method, request.url, request.headers)) return serve();
    void authorized(request, 'http').then((yes) => {
      if (yes) return serve();
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ detail: UNAUTHENTICATED_DETAIL }));
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'WebSocket gateway server error'));

  const host = options.host;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`cannot listen on ${host}:${options.port} (WebSocket): ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen({ host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch((error: unknown) => {
    // discovery already started: it would retry forever for a gateway that never served
    readiness.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'wss' : 'ws';
  logger.info(`WebSocket gateway listening on ${scheme}://${host}:${port}, discovering the Flow's endpoints`);

  const ready = readiness.ready.then(() => {
    if (draining.signal.aborted) throw new Error('the WebSocket gateway is shutting down');
    logger.info(`WebSocket gateway ready on ${scheme}://${host}:${port}`);
  });
  ready.catch((error: unknown) => {
    if (!draining.signal.aborted) logger.error({ err: error }, 'WebSocket gateway failed to start');
  });

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (graceMs = DEFAULT_GRACE_MS): Promise<void> => {
    shutdownPromise ??= (async () => {
      draining.abort(new Error('the WebSocket gateway is shutting down'));
      readiness.abort(new Error('the WebSocket gateway is shutting down'));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const busy = () => inflight.size > 0 || sessions.size > 0;
      if (busy()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          const check = () => {
            if (busy()) return;
            clearTimeout(timer);
            resolve();
          };
          onIdle = check;
          for (const session of sessions) void session.done.then(() => setImmediate(check));
        });
      }
      if (sessions.size > 0) logger.warn(`WebSocket gateway on port ${port}: ${sessions.size} connection(s) still open after ${graceMs} ms are cut`);
      // upgraded sockets are not the HTTP server's any more: end them here
      for (const session of sessions) session.ws.terminate();
      server.closeAllConnections();
      await closed;
      sockets.close();
      logger.info(`WebSocket gateway on port ${port} stopped`);
    })();
    return shutdownPromise;
  };

  return { protocol: 'websocket', port, ready, shutdown };
}

/** Answers an upgrade request that will not become a WebSocket, in plain HTTP. */
const REASONS: Readonly<Record<number, string>> = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

function refuseUpgrade(socket: Duplex, status: number, detail: string): void {
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Service Unavailable'}\r\n` +
      (status === 401 ? 'www-authenticate: Bearer\r\n' : '') +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

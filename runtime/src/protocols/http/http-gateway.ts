/**
 * The built-in HTTP gateway as a running server: binds at once, serves the Flow once endpoint
 * discovery is done, drains on shutdown.
 *
 * Start-up, and what a Jina user expects of it: Jina's gateway discovers every deployment first
 * (retrying forever) and only then starts uvicorn, so until then `GET /` is refused and the Flow,
 * `jina ping` and Kubernetes' probes see "not ready". Here the port is bound immediately (no
 * surprise "address in use" later, and the actual port is known at once) and every request gets
 * 503 with a `detail` naming the deployments not answering yet and their addresses, `GET /`
 * included, so readiness probes still read "not ready" until the gateway can serve; only
 * `GET /status` answers (200) from the start, for debugging. `startHttpGateway` resolves once
 * listening; `ready` resolves when the Flow's routes are served.
 *
 * Shutdown: stop accepting, let requests in flight finish (SSE streams included) for up to
 * `graceMs`, then close every connection and the app.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { runtimeInfo } from '../../info.js';
import type { ProtocolServer } from '../protocol-server.js';
import { buildHttpApp, type HttpAppOptions } from './http-app.js';

export type HttpGatewayOptions = Omit<HttpAppOptions, 'serverFactory' | 'signal'>;

export interface HttpGateway extends ProtocolServer {
  readonly protocol: 'http';
  /** Resolves once every deployment answered discovery and the Flow's routes are served; rejects if shut down first. */
  readonly ready: Promise<void>;
  /** The fastify app, once ready. */
  readonly app: FastifyInstance | undefined;
}

/** Default grace period of `shutdown()`, in ms. */
const DEFAULT_GRACE_MS = 10_000;

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const { logger } = options;
  const server: Server = options.tls
    ? createHttpsServer({ cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) })
    : createHttpServer();

  let pending: ReadonlyMap<string, string> = new Map();
  let dispatch: (request: IncomingMessage, response: ServerResponse) => void = (request, response) => startingHandler(request, response, pending);
  let closing = false;
  const inflight = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    inflight.add(response);
    response.once('close', () => {
      inflight.delete(response);
      if (inflight.size === 0) onIdle?.();
    });
    if (closing) response.setHeader('connection', 'close');
    dispatch(request, response);
  });
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));

  const host = options.host;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`cannot listen on ${host}:${options.port} (HTTP): ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen({ host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  logger.info(`HTTP gateway listening on ${scheme}://${host}:${port}, discovering the Flow's endpoints`);

  const discovery = new AbortController();
  let app: FastifyInstance | undefined;
  const ready = buildHttpApp({
    ...options,
    signal: discovery.signal,
    serverFactory: () => server,
    onDiscoveryPending: (now) => {
      pending = now;
    },
  }).then(async (built) => {
    await built.ready();
    app = built;
    dispatch = built.routing;
    logger.info(`HTTP gateway ready on ${scheme}://${host}:${port}`);
  });
  ready.catch((error: unknown) => {
    if (!discovery.signal.aborted) logger.error({ err: error }, 'HTTP gateway failed to start');
  });

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (graceMs = DEFAULT_GRACE_MS): Promise<void> => {
    shutdownPromise ??= (async () => {
      closing = true;
      discovery.abort(new Error('the HTTP gateway is shutting down'));
      for (const response of inflight) if (!response.headersSent) response.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inflight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // Whatever is left: idle keep-alive sockets, and streams that outlived the grace period.
      server.closeAllConnections();
      await closed;
      await app?.close();
      logger.info(`HTTP gateway on port ${port} stopped`);
    })();
    return shutdownPromise;
  };

  return {
    protocol: 'http',
    port,
    ready,
    get app() {
      return app;
    },
    shutdown,
  };
}

/** Before discovery completes: 503 naming what is missing; `/status` already answers. */
function startingHandler(request: IncomingMessage, response: ServerResponse, pending: ReadonlyMap<string, string>): void {
  request.resume(); // discard any body
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && (path === '/status' || path === '/status/')) {
    return sendJson(response, 200, runtimeInfo());
  }
  const waiting = [...pending.values()];
  const detail =
    waiting.length === 0
      ? 'the gateway is starting: endpoint discovery of the Flow is in progress'
      : `the gateway is starting: waiting for endpoint discovery; ${waiting.join('; ')}`;
  response.setHeader('retry-after', '1');
  sendJson(response, 503, { detail });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

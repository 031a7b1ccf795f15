/**
 * The built-in HTTP gateway's fastify app (Jina's docarray-v2 HTTP API, §5.1 of the wire brief),
 * without a listening server: `startHttpGateway` serves it, custom gateways and tests can add
 * routes to it or `inject()` requests.
 *
 * Routes: `POST /{endpoint}` per non-generator Flow endpoint, `GET /{endpoint}` (SSE) per
 * generator endpoint, `GET /` health (`{}`), `GET /status`, `GET /dry_run`, `GET /openapi.json`
 * and Swagger UI at `/docs`. A generator endpoint named `/status` or `/dry_run` takes that GET
 * route, as a Flow endpoint does in Jina; one named `/`, `/openapi.json` or `/docs` is not served
 * (logged).
 *
 * Bodies: JSON (also without a Content-Type, as FastAPI reads them); another Content-Type gives a
 * 422 saying so, as in FastAPI. Malformed JSON: 400; larger than `bodyLimit`: 413; unknown path:
 * 404 `{"detail": "Not Found"}`; a known path with another method: 405 with `Allow`, as Starlette
 * answers; a trailing slash is ignored (FastAPI redirects).
 */
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { fastify, type FastifyError, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { runtimeInfo } from '../../info.js';
import { RUNTIME_VERSION } from '../../version.js';
import type { ProtocolServerOptions } from '../protocol-server.js';
import { BodyValidators } from './body-validator.js';
import { discoverFlow } from './discovery.js';
import { dryRun } from './dry-run.js';
import { DRY_RUN_ENDPOINT, type FlowEndpoint, flowEndpointMap } from './flow-endpoints.js';
import { buildOpenApi, type OpenApiRoute } from './openapi.js';
import { requireAuthorization } from '../auth/http-auth.js';
import { answerMethodNotAllowed } from './method-not-allowed.js';
import { postHandler } from './post-route.js';
import { abortOnDisconnect } from './request-helpers.js';
import { streamHandler } from './stream-route.js';
import { traceFastifyRequests } from '../../tracing/fastify-request-spans.js';

/**
 * Default largest body: 100 MiB. Jina (uvicorn) has no limit at all; fastify's default of 1 MiB
 * refuses an ordinary batch (100 docs with 768-d float embeddings are ~1.5 MB of JSON, one
 * 224×224×3 image tensor ~2–3 MB). 100 MiB admits batches of large tensors while bounding what
 * one request can make the gateway hold (parsed JSON costs several times its text).
 */
export const DEFAULT_BODY_LIMIT = 100 * 1024 * 1024;

export interface HttpAppOptions extends ProtocolServerOptions {
  /** Documents per request sent through the Flow (Jina's `request_size`). Default 100. */
  requestSize?: number;
  /** Serve `GET /` (`{}`). Default true; turn off to define your own health route. */
  healthCheck?: boolean;
  /** Pause between endpoint-discovery rounds while a deployment does not answer, ms. Default 1000. */
  discoveryRetryMs?: number;
  /** Cancels endpoint discovery (which otherwise retries forever, as Jina's does). */
  signal?: AbortSignal;
  /** Called after each discovery round that left deployments unanswered: name → reason. */
  onDiscoveryPending?: (pending: ReadonlyMap<string, string>) => void;
  /** The server the app is served by (startHttpGateway's); default: fastify's own, unused until `listen()`. */
  serverFactory?: FastifyServerFactory;
}

/** Discovers the Flow's endpoints (retrying until every deployment answers), then builds the app. */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const discovered = await discoverFlow(options.streamer, {
    retryMs: options.discoveryRetryMs,
    signal: options.signal,
    logger: options.logger,
    onPending: options.onDiscoveryPending,
  });
  return createHttpApp(options, flowEndpointMap(options.streamer.topology, discovered));
}

/** The app for an already computed endpoint map. */
export async function createHttpApp(options: HttpAppOptions, endpoints: ReadonlyMap<string, FlowEndpoint>): Promise<FastifyInstance> {
  const { streamer, logger } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = fastify({
    logger: false, // requests are not logged (Jina's uvicorn logs errors only); we log failures ourselves
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
  });
  if (streamer.tracing !== undefined) traceFastifyRequests(app, streamer.tracing);
  // The Jina client sends the input doc of a streaming endpoint as a JSON body on GET.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
  installBodyParsers(app);
  installErrorHandlers(app, options);

  if (options.cors) {
    await app.register(fastifyCors, { origin: true, credentials: true, methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS'] });
    logger.warn('CORS is enabled. This service is accessible from any website!');
  }
  // after CORS, so that a refusal carries its headers and a browser sees the 401
  if (options.auth !== undefined) requireAuthorization(app, options.auth, logger);
  const forwarding = options.forwardMetadata;
  // preHandler: the body is parsed by then, and the handler (and the executor calls it makes) runs inside
  if (forwarding !== undefined) app.addHook('preHandler', (request, _reply, done) => forwarding.run(request.headers, done));

  const { routes, status: statusRoute, dryRun: dryRunRoute } = registerFlowRoutes(app, options, endpoints);
  const health = options.healthCheck !== false;
  if (health) app.get('/', async () => ({}));

  const document = buildOpenApi({
    title: options.title,
    description: options.description,
    version: RUNTIME_VERSION,
    routes,
    health,
    status: statusRoute,
    dryRun: dryRunRoute,
  });
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** What registerFlowRoutes served: the routes of the OpenAPI document, and whether `/status` and `/dry_run` are the gateway's. */
export interface FlowRoutes {
  readonly routes: OpenApiRoute[];
  readonly status: boolean;
  readonly dryRun: boolean;
}

export interface FlowRoutesOptions {
  readonly streamer: ProtocolServerOptions['streamer'];
  readonly logger: ProtocolServerOptions['logger'];
  readonly requestSize?: number | undefined;
  /** Largest body per route, when the app's own limit is not the one to apply (a custom gateway's app: fastify's 1 MiB). */
  readonly bodyLimit?: number | undefined;
  /** A route the app already has (`METHOD path`): the Flow endpoint is not served there (logged). */
  readonly taken?: ((method: 'GET' | 'POST', path: string) => boolean) | undefined;
}

/**
 * Jina's HTTP API of the Flow on `app`: `POST /{endpoint}` per non-generator endpoint, SSE
 * `GET /{endpoint}` per generator endpoint, `GET /status` and `GET /dry_run` (unless an
 * endpoint takes them). Used by the built-in app and, as a plugin, by generated gateways.
 */
export function registerFlowRoutes(app: FastifyInstance, options: FlowRoutesOptions, endpoints: ReadonlyMap<string, FlowEndpoint>): FlowRoutes {
  const { streamer, logger } = options;
  const validators = new BodyValidators(logger);
  const requestSize = options.requestSize ?? 100;
  const routes: OpenApiRoute[] = [];
  const taken = new Map<string, string>(); // `METHOD path` → endpoint
  const reservedGet = new Set(['/', '/openapi.json', '/docs']);
  let statusRoute = true;
  let dryRunRoute = true;

  for (const endpoint of endpoints.values()) {
    if (endpoint.endpoint === DRY_RUN_ENDPOINT) continue;
    const path = `/${endpoint.endpoint.replace(/^\/+|\/+$/g, '')}`;
    const method = endpoint.isGenerator ? 'GET' : 'POST';
    const problem = unservablePath(path) ?? (method === 'GET' && (reservedGet.has(path) || path.startsWith('/docs/')) ? `GET ${path} is the gateway's own route` : undefined);
    const key = `${method} ${path}`;
    const elsewhere = options.taken?.(method, path) === true ? `${key} is a route of the gateway's own` : undefined;
    if (problem !== undefined || elsewhere !== undefined || taken.has(key)) {
      logger.warn(`endpoint "${endpoint.endpoint}" is not served over HTTP: ${problem ?? elsewhere ?? `${key} already serves endpoint "${taken.get(key)}"`}`);
      continue;
    }
    taken.set(key, endpoint.endpoint);
    const url = path.replaceAll(':', '::'); // find-my-way: `::` is a literal colon
    if (endpoint.isGenerator) {
      if (path === '/status') statusRoute = false;
      if (path === '/dry_run') dryRunRoute = false;
      app.route({
        method: 'GET',
        url,
        ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
        exposeHeadRoute: false, // HEAD must not start a stream
        handler: streamHandler({
          streamer,
          endpoint,
          validateJson: validators.doc(endpoint, false),
          validateQuery: validators.doc(endpoint, true),
          logger,
        }),
      });
    } else {
      app.route({ method: 'POST', url, ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }), handler: postHandler({ streamer, endpoint, validate: validators.body(endpoint), requestSize, logger }) });
    }
    routes.push({ path, kind: endpoint.isGenerator ? 'stream' : 'post', endpoint });
  }

  if (dryRunRoute && options.taken?.('GET', '/dry_run') !== true) app.get('/dry_run', (_request, reply) => dryRun(streamer, abortOnDisconnect(reply)));
  else dryRunRoute = false;
  if (statusRoute && options.taken?.('GET', '/status') !== true) app.get('/status', async () => runtimeInfo());
  else statusRoute = false;
  return { routes, status: statusRoute, dryRun: dryRunRoute };
}

/** Why `path` cannot be a route as it is, if it cannot (query/fragment marks, wildcards, spaces). */
function unservablePath(path: string): string | undefined {
  return /^[A-Za-z0-9\-._~!$&'()+,;=@/:]*$/.test(path) && !path.includes('//')
    ? undefined
    : `"${path}" has characters a URL path cannot carry as they are`;
}

/**
 * JSON bodies: `application/json`, `*\/*+json`, a body without a Content-Type (FastAPI reads
 * those as JSON too) and `text/plain` (what `fetch(url, {body: string})` sends; FastAPI refuses
 * it). An empty body is "no body" (422 "Field required", as FastAPI says), not a parse error.
 * Other types (a form) are kept as text, so validation answers 422 as FastAPI does.
 */
export function installBodyParsers(app: FastifyInstance): void {
  const parseJson = (body: string): unknown => {
    if (body === '') return undefined;
    try {
      return JSON.parse(body);
    } catch (error) {
      throw Object.assign(new Error(`JSON decode error: ${(error as Error).message}`), { statusCode: 400, code: 'JINA_TS_INVALID_JSON' });
    }
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (!readsAsJson(request.headers['content-type'])) return done(null, body);
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function readsAsJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === '' || type === 'text/plain' || type.endsWith('+json');
}

/** Every failure answers JSON with a `detail`, FastAPI's shape; nothing crashes the process. */
export function installErrorHandlers(app: FastifyInstance, options: Pick<HttpAppOptions, 'logger' | 'bodyLimit'>, notFound = true): void {
  if (notFound) {
    answerMethodNotAllowed(app);
    app.setNotFoundHandler((_request, reply) => {
      void reply.code(404).send({ detail: 'Not Found' });
    });
  }
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (error.code === 'JINA_TS_INVALID_JSON') {
      return void reply.code(400).send({ detail: [{ type: 'json_invalid', loc: ['body'], msg: error.message }] });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return void reply.code(413).send({ detail: `the request body is larger than the limit of ${options.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes` });
    }
    if (status < 500) return void reply.code(status).send({ detail: error.message });
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      return void reply.code(400).send({ detail: 'the request body nests too deeply' });
    }
    options.logger.error({ err: error, method: request.method, url: request.url }, 'HTTP request failed');
    void reply.code(500).send({ detail: 'Internal Server Error' });
  });
}

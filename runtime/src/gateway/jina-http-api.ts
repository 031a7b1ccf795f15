/**
 * Jina's HTTP API on a custom gateway's own fastify app, so that Jina's `Client(protocol='http')`
 * gets through it what it gets through Jina's gateway: the built-in HTTP gateway's routes
 * (`POST /{endpoint}` of the Flow, SSE `GET /{endpoint}` for generator endpoints, `GET /status`,
 * `GET /dry_run`; registerFlowRoutes of protocols/http/http-app.ts, with its body parsing and
 * FastAPI-shaped errors) in a plugin scope of their own, plus `/openapi.json` and Swagger UI at
 * `/docs`.
 *
 * `/openapi.json` is the gateway's own document (a generated project's openapi.json) with Jina's
 * routes added: Jina's HTTP client reads the `post` paths there to decide where to send (it falls
 * back to `/default`, then `/post`, for an endpoint it does not find). Routes the app already has
 * win over Flow endpoints of the same method and path (logged); component names that clash get
 * a `_jina` suffix.
 *
 * The routes are added when the app starts (fastify loads plugins on `listen`), after the
 * FastifyBaseGateway's endpoint discovery, whose results they reuse.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { discoverFlow } from '../protocols/http/discovery.js';
import { flowEndpointMap } from '../protocols/http/flow-endpoints.js';
import { DEFAULT_BODY_LIMIT, installBodyParsers, installErrorHandlers, registerFlowRoutes } from '../protocols/http/http-app.js';
import { buildOpenApi, type OpenApiDocument } from '../protocols/http/openapi.js';
import { RUNTIME_VERSION } from '../version.js';
import type { FastifyApp } from './fastify-base-gateway.js';
import type { Gateway } from './gateway.js';

export interface JinaHttpApiOptions {
  /** The gateway's own OpenAPI document (e.g. a generated project's openapi.json); Jina's routes are added to it. */
  readonly openapi?: unknown;
  /** Documents per request sent through the Flow (Jina's `request_size`). Default 100. */
  readonly requestSize?: number;
  /** Largest body of Jina's routes, in bytes. Default the built-in gateway's (100 MiB: a batch of 100 docs with tensors outgrows fastify's 1 MiB). */
  readonly bodyLimit?: number;
  /** Serve `/docs` (Swagger UI) and `/openapi.json`. Default true. */
  readonly docs?: boolean;
}

/** Adds Jina's HTTP API, `/openapi.json` and `/docs` to `app` (see the module comment). */
export function registerJinaHttpApi(app: FastifyApp, gateway: Gateway<object>, options: JinaHttpApiOptions = {}): void {
  void app.register(async (instance: FastifyInstance) => {
    const discovered = await discoverFlow(gateway.streamer, { logger: gateway.logger, signal: gateway.signal });
    const endpoints = flowEndpointMap(gateway.streamer.topology, discovered);
    let served: ReturnType<typeof registerFlowRoutes> | undefined;
    const has = (method: 'GET' | 'POST', url: string) => instance.hasRoute({ method, url });
    await instance.register(async (scope) => {
      // The Jina client sends the input doc of a streaming endpoint as a JSON body on GET.
      scope.addHttpMethod('GET', { hasBody: true, overrideExisting: true });
      installBodyParsers(scope);
      const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
      installErrorHandlers(scope, { logger: gateway.logger, bodyLimit }, false);
      served = registerFlowRoutes(scope, { streamer: gateway.streamer, logger: gateway.logger, requestSize: options.requestSize, bodyLimit, taken: has }, endpoints);
    });
    if (options.docs === false) return;
    const jina = buildOpenApi({ version: RUNTIME_VERSION, routes: served!.routes, health: false, status: served!.status, dryRun: served!.dryRun });
    const document = mergeOpenApi(options.openapi, jina);
    await instance.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
    await instance.register(fastifySwaggerUi, { routePrefix: '/docs' });
    if (!has('GET', '/openapi.json')) instance.get('/openapi.json', { schema: { hide: true } }, async () => document);
  });
}

/** `own` with the paths and components of `jina` added (own wins; clashing component names of jina's renamed). */
export function mergeOpenApi(own: unknown, jina: OpenApiDocument): OpenApiDocument {
  if (typeof own !== 'object' || own === null) return jina;
  const merged = structuredClone(own) as OpenApiDocument;
  merged.paths ??= {};
  merged.components ??= { schemas: {} };
  merged.components.schemas ??= {};
  const schemas = merged.components.schemas;
  const renames = new Map<string, string>();
  for (const [name, schema] of Object.entries(jina.components.schemas)) {
    if (!Object.hasOwn(schemas, name) || JSON.stringify(schemas[name]) === JSON.stringify(schema)) continue;
    let renamed = `${name}_jina`;
    for (let n = 2; Object.hasOwn(schemas, renamed) || Object.hasOwn(jina.components.schemas, renamed); n += 1) renamed = `${name}_jina${n}`;
    renames.set(name, renamed);
  }
  const rewritten = rewriteRefs(jina, renames) as OpenApiDocument;
  for (const [name, schema] of Object.entries(rewritten.components.schemas)) {
    const target = renames.get(name) ?? name;
    if (!Object.hasOwn(schemas, target)) schemas[target] = schema;
  }
  for (const [path, item] of Object.entries(rewritten.paths)) {
    if (!Object.hasOwn(merged.paths, path)) merged.paths[path] = tagged(item, 'jina');
  }
  const tags = (merged as { tags?: { name: string }[] }).tags;
  if (Array.isArray(tags) && !tags.some((tag) => tag.name === 'jina')) tags.push({ name: 'jina', description: "Jina's HTTP API of the Flow (what Jina's Client(protocol='http') calls)" } as { name: string });
  return merged;
}

function tagged(item: unknown, tag: string): unknown {
  if (typeof item !== 'object' || item === null) return item;
  return Object.fromEntries(Object.entries(item).map(([method, operation]) => [method, typeof operation === 'object' && operation !== null ? { ...operation, tags: [tag] } : operation]));
}

function rewriteRefs(value: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (renames.size === 0) return value;
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$ref' && typeof item === 'string' && item.startsWith('#/components/schemas/')) {
      const name = item.slice('#/components/schemas/'.length);
      out[key] = `#/components/schemas/${renames.get(name) ?? name}`;
    } else out[key] = rewriteRefs(item, renames);
  }
  return out;
}

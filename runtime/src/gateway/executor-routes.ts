/**
 * The HTTP API of a generated gateway: `POST /{executor}{endpoint}` for every endpoint the
 * generator saw (what the project's openapi.json describes), registered on a fastify app by the
 * generated `src/gen/routes.ts`.
 *
 * Body `{ data: [docs] | doc, parameters?: {...} }` in Jina's JSON form; the docs are read with
 * the endpoint's input model (tensors, bytes, nested docs), sent with the typed executor map,
 * and the checked output comes back as `{ data: [docs] }`; a generator endpoint answers
 * `text/event-stream`, one `data:` event per document (an `error` event if it fails mid-way).
 * A malformed body is a 400 naming the path; an executor error or a document that breaks the
 * output model is a 502 naming the executor; an unreachable executor 503, a deadline 504.
 * Each failure is one log line (protocols/failed-request-log.ts) on the gateway's logger when a
 * FastifyBaseGateway serves the app (`useGatewayLogger`), else on the app's own.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from '../executor/errors.js';
import type { ExecutorStreamer } from '../streamer/executor-streamer.js';
import { ReturnTypeError } from '../streamer/return-type-error.js';
import { type BoundExecutor, bindExecutors, type EndpointDescriptor, type ExecutorDescriptors } from '../streamer/typed-executors.js';
import { DocCodecError } from '../wire/codec-error.js';
import type { Doc } from '../wire/doc.js';
import { docFromJson, docsFromJson, writeDocJson, writeDocListJson } from '../wire/doc-json.js';
import { JsonWriter } from '../wire/json-writer.js';
import type { Logger } from 'pino';
import { logFailedRequest } from '../protocols/failed-request-log.js';
import { executorRoutePath, percentEncode } from './route-path.js';

/** The gateway logger of each app a FastifyBaseGateway serves (its routes log failures there). */
const GATEWAY_LOGGERS = new WeakMap<object, Logger>();

/** Failed typed requests of `app` are logged on `logger` (FastifyBaseGateway calls it). */
export function useGatewayLogger(app: object, logger: Logger): void {
  GATEWAY_LOGGERS.set(app, logger);
}

export { executorRoutePath } from './route-path.js';

/** A request path in the canonical form of executorRoutePath (each segment decoded, then encoded), or undefined. */
function canonicalPath(url: string): string | undefined {
  const pathname = url.split('?', 1)[0]!;
  try {
    return pathname.split('/').map((segment) => percentEncode(decodeURIComponent(segment))).join('/');
  } catch {
    return undefined; // malformed percent-encoding
  }
}

/** A path fastify's router takes as a static route (no `:` param, `*` wildcard or encoded bytes). */
function isPlainRoute(routePath: string): boolean {
  return /^[A-Za-z0-9\-._~/]*$/.test(routePath);
}

interface RouteBody {
  data?: unknown;
  parameters?: unknown;
}

export function registerExecutorRoutes(app: FastifyInstance, executor: Readonly<Record<string, ExecutorStreamer>>, descriptors: ExecutorDescriptors): void {
  const executors = bindExecutors(executor, descriptors);
  type Handler = (request: FastifyRequest<{ Body: RouteBody | undefined }>, reply: FastifyReply) => Promise<unknown>;
  // names fastify's router cannot take literally (`:`, `*`, spaces, unicode...) share one catch-all
  const unusual = new Map<string, Handler>();
  for (const name of Object.keys(descriptors)) {
    const endpoints = descriptors[name]!;
    for (const on of Object.keys(endpoints)) {
      const handler = endpointHandler(executors[name]!, name, on, endpoints[on]!, app);
      const routePath = executorRoutePath(name, on);
      if (isPlainRoute(routePath)) app.post<{ Body: RouteBody | undefined }>(routePath, handler);
      else unusual.set(routePath, handler);
    }
  }
  if (unusual.size > 0) {
    app.post<{ Body: RouteBody | undefined }>('/*', async (request, reply) => {
      const handler = unusual.get(canonicalPath(request.url) ?? '');
      if (handler === undefined) return reply.code(404).send({ error: `no route POST ${request.url.split('?', 1)[0]}` });
      return handler(request, reply);
    });
  }
}

function endpointHandler(bound: BoundExecutor, name: string, on: string, endpoint: EndpointDescriptor, app: FastifyInstance) {
  const loggerOf = (request: FastifyRequest): Logger => GATEWAY_LOGGERS.get(app) ?? GATEWAY_LOGGERS.get(request.server) ?? (request.log as Logger);
  const logged = (request: FastifyRequest, error: unknown): void =>
    logFailedRequest(loggerOf(request), { protocol: 'http', what: `POST ${executorRoutePath(name, on)}`, endpoint: on }, error);
  return async (request: FastifyRequest<{ Body: RouteBody | undefined }>, reply: FastifyReply): Promise<unknown> => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send({ error: 'body: expected an object {"data": [documents], "parameters": {...}}' });
    if (body.parameters !== undefined && (typeof body.parameters !== 'object' || body.parameters === null || Array.isArray(body.parameters))) {
      return reply.code(400).send({ error: 'parameters: expected an object' });
    }
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    try {
      endpoint.checkParameters?.(parameters, 'parameters');
      if (endpoint.streaming) {
        const input = Array.isArray(body.data) ? (body.data.length === 1 ? body.data[0] : undefined) : body.data;
        if (input === undefined) return reply.code(400).send({ error: 'data: a generator endpoint takes exactly one document' });
        const doc = docFromJson(input, endpoint.inputSchema, { path: 'data' });
        return streamEvents(reply, bound.stream({ on, input: doc, parameters }), name, (error) => logged(request, error));
      }
      const docs = docsFromJson(Array.isArray(body.data) ? body.data : body.data === undefined ? [] : [body.data], endpoint.inputSchema, { path: 'data' });
      const outputs = (await bound.post({ on, inputs: docs, parameters })) as Doc[];
      return reply.type('application/json; charset=utf-8').send(docsBody(outputs));
    } catch (error) {
      const failure = failureOf(error, name);
      if (failure === undefined) throw error;
      if (failure.status >= 500) logged(request, error);
      return reply.code(failure.status).send(failure.body);
    }
  };
}

/** `{"data": [docs]}` as JSON text, tensors printed straight from their data (wire/json-writer.ts). */
function docsBody(docs: readonly Doc[]): Buffer {
  const body = new JsonWriter(4096).ascii('{"data":');
  writeDocListJson(body, docs);
  return body.ascii('}').bytes();
}

function failureOf(error: unknown, executor: string): { status: number; body: Record<string, string> } | undefined {
  if (error instanceof DocCodecError) return { status: 400, body: { error: error.message } };
  if (error instanceof ReturnTypeError) return error.role === 'parameters' ? { status: 400, body: { error: error.message } } : { status: 502, body: { error: error.message, executor } };
  if (error instanceof ExecutorError) return { status: 502, body: { error: error.message, executor } };
  if (error instanceof ExecutorProtocolError) return { status: 502, body: { error: error.message, executor } };
  if (error instanceof ExecutorNetworkError) {
    const status = error.code === GrpcStatus.DEADLINE_EXCEEDED ? 504 : error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.NOT_FOUND ? 503 : 502;
    return { status, body: { error: error.message } };
  }
  return undefined;
}

async function streamEvents(reply: FastifyReply, docs: AsyncGenerator<unknown>, executor: string, logged: (error: unknown) => void): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  try {
    for await (const doc of docs) {
      const event = new JsonWriter(256).ascii('data: ');
      writeDocJson(event, doc as Doc);
      raw.write(event.ascii('\n\n').bytes());
    }
  } catch (error) {
    const failure = failureOf(error, executor);
    logged(error);
    raw.write(`event: error\ndata: ${JSON.stringify(failure?.body ?? { error: (error as Error).message, executor })}\n\n`);
  }
  raw.end();
}

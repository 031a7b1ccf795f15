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
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from '../executor/errors.js';
import type { ExecutorStreamer } from '../streamer/executor-streamer.js';
import { ReturnTypeError } from '../streamer/return-type-error.js';
import { bindExecutors, type ExecutorDescriptors } from '../streamer/typed-executors.js';
import { DocCodecError } from '../wire/codec-error.js';
import type { Doc } from '../wire/doc.js';
import { docFromJson, docsFromJson, docToJson, docsToJson } from '../wire/doc-json.js';

/** The route of an endpoint: `/encoder/encode` (executor name path-encoded). */
export function executorRoutePath(executor: string, on: string): string {
  return `/${encodeURIComponent(executor)}${on.startsWith('/') ? on : `/${on}`}`;
}

interface RouteBody {
  data?: unknown;
  parameters?: unknown;
}

export function registerExecutorRoutes(app: FastifyInstance, executor: Readonly<Record<string, ExecutorStreamer>>, descriptors: ExecutorDescriptors): void {
  const executors = bindExecutors(executor, descriptors);
  for (const name of Object.keys(descriptors)) {
    const endpoints = descriptors[name]!;
    for (const on of Object.keys(endpoints)) {
      const endpoint = endpoints[on]!;
      app.post<{ Body: RouteBody | undefined }>(executorRoutePath(name, on), async (request, reply) => {
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
            return streamEvents(reply, executors[name]!.stream({ on, input: doc, parameters }), name);
          }
          const docs = docsFromJson(Array.isArray(body.data) ? body.data : body.data === undefined ? [] : [body.data], endpoint.inputSchema, { path: 'data' });
          const outputs = (await executors[name]!.post({ on, inputs: docs, parameters })) as Doc[];
          return { data: docsToJson(outputs) };
        } catch (error) {
          const failure = failureOf(error, name);
          if (failure === undefined) throw error;
          return reply.code(failure.status).send(failure.body);
        }
      });
    }
  }
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

async function streamEvents(reply: FastifyReply, docs: AsyncGenerator<unknown>, executor: string): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  try {
    for await (const doc of docs) raw.write(`data: ${JSON.stringify(docToJson(doc as Doc))}\n\n`);
  } catch (error) {
    const failure = failureOf(error, executor);
    raw.write(`event: error\ndata: ${JSON.stringify(failure?.body ?? { error: (error as Error).message, executor })}\n\n`);
  }
  raw.end();
}

/**
 * `GET /{endpoint}` for generator endpoints: one input doc in, a server-sent event stream out
 * (Jina's `add_streaming_routes` since 3.22.4).
 *
 * The input doc is the JSON body (what the Jina Python client sends, even on GET) or, without
 * one, the query parameters (`?text=hello`; values coerced to the field types, as pydantic's lax
 * mode does). It goes to the Flow's first node with `stream_doc`, as in Jina.
 *
 * Frames as Jina writes them: `event: update\r\ndata: <doc JSON>\r\n\r\n` per doc, then
 * `event: end\r\n\r\n`, and a `: ping - <time>` comment every 15 s. Unlike Jina:
 * - tensors are real JSON number lists (Jina's `json.dumps(doc.dict())` fails on numpy arrays);
 * - a failure before the first doc is an ordinary HTTP error (500/502/503/504 with the same body
 *   as POST), and one after it is an `event: error` frame carrying that body, followed by
 *   `event: end` (Jina raises inside the stream and the connection just breaks).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ExecutorError } from '../../executor/errors.js';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { DocCodecError } from '../../wire/codec-error.js';
import type { Doc } from '../../wire/doc.js';
import { docFromJson, writeDocJson } from '../../wire/doc-json.js';
import { JsonWriter } from '../../wire/json-writer.js';
import { newRequestId } from '../../wire/data-request.js';
import type { CompiledValidator } from './body-validator.js';
import { logFailedRequest } from '../failed-request-log.js';
import { executorErrorBody, failureResponse } from './error-response.js';
import type { FlowEndpoint } from './flow-endpoints.js';
import { idFiller, modelDefaults } from './model-fields.js';
import { abortOnDisconnect, invalidBodyResponse } from './request-helpers.js';
import { detailFromCodecError, validationBody } from './validation-error.js';

export interface StreamRouteOptions {
  streamer: GatewayStreamer;
  endpoint: FlowEndpoint;
  /** Validates a JSON body doc. */
  validateJson: CompiledValidator;
  /** Validates (and coerces in place) a doc made of query parameters. */
  validateQuery: CompiledValidator;
  logger: Logger;
  /** Interval of keep-alive comments, in ms. Default 15 000 (Jina's). */
  pingMs?: number;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // nginx would otherwise buffer the stream
  'x-accel-buffering': 'no',
};

export function streamHandler(options: StreamRouteOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const { streamer, endpoint, logger } = options;
  const inputSchema = endpoint.input?.schema;
  const outputSchema = endpoint.output?.schema;
  const fillId = idFiller(endpoint.input);
  const outputDefaults = modelDefaults(endpoint.output);
  const pingMs = options.pingMs ?? 15_000;

  return async (request, reply) => {
    // a JSON `null` body is a body (and not a document): refused, not read as "no body"
    const fromBody = request.body !== undefined && request.body !== '';
    const input: unknown = fromBody ? request.body : queryDoc(request.query);
    const root = fromBody ? ['body'] : ['query'];
    const validate = fromBody ? options.validateJson : options.validateQuery;
    if (!validate(input)) return void reply.code(422).send(invalidBodyResponse(input, validate.errors ?? [], root));
    fillId(input as Record<string, unknown>);
    let doc: Doc;
    try {
      doc = docFromJson(input, inputSchema);
    } catch (error) {
      if (!(error instanceof DocCodecError)) throw error;
      return void reply.code(422).send(validationBody([detailFromCodecError(error, root)]));
    }

    const requestId = typeof doc.id === 'string' ? doc.id : newRequestId();
    const signal = abortOnDisconnect(reply);
    const docs = streamer.streamDoc(doc, { execEndpoint: endpoint.endpoint, requestId, inputSchema, outputSchema, signal })[Symbol.asyncIterator]();
    let step: IteratorResult<{ doc: Doc | undefined; error: ExecutorError | undefined }>;
    try {
      step = await docs.next();
    } catch (error) {
      if (signal.aborted) return void reply.hijack(); // the client went away
      const failure = failureResponse(error, requestId);
      logFailedRequest(logger, { protocol: 'http', what: `GET ${endpoint.endpoint}`, requestId, endpoint: endpoint.endpoint }, error);
      return void reply.code(failure.status).send(failure.body);
    }
    if (!step.done && step.value.error !== undefined) {
      logFailedRequest(logger, { protocol: 'http', what: `GET ${endpoint.endpoint}`, requestId, endpoint: endpoint.endpoint }, step.value.error);
      await docs.return?.(undefined);
      return void reply.code(500).send(executorErrorBody(step.value.error, requestId));
    }

    // From here on the status line is sent: failures become `error` events.
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { ...headersOf(reply), ...SSE_HEADERS });
    const ping = setInterval(() => void response.write(`: ping - ${new Date().toISOString()}\r\n\r\n`), pingMs);
    try {
      for (; !step.done; step = await docs.next()) {
        const { doc: out, error } = step.value;
        if (error !== undefined) {
          logFailedRequest(logger, { protocol: 'http', what: `GET ${endpoint.endpoint}`, requestId, endpoint: endpoint.endpoint }, error);
          await write(response, frame('error', JSON.stringify(executorErrorBody(error, requestId))));
          break;
        }
        if (out === undefined) continue;
        const event = new JsonWriter(256).ascii('event: update\r\ndata: ');
        writeDocJson(event, out, {}, outputDefaults);
        await write(response, event.ascii('\r\n\r\n').bytes());
      }
    } catch (error) {
      if (!signal.aborted) {
        const failure = failureResponse(error, requestId);
        logFailedRequest(logger, { protocol: 'http', what: `GET ${endpoint.endpoint}`, requestId, endpoint: endpoint.endpoint }, error);
        await write(response, frame('error', JSON.stringify(failure.body)));
      }
    } finally {
      clearInterval(ping);
      await docs.return?.(undefined);
    }
    if (!signal.aborted) response.end('event: end\r\n\r\n');
  };
}

function frame(event: string, data: string): string {
  return `event: ${event}\r\ndata: ${data}\r\n\r\n`;
}

/** Writes, waiting for the socket to drain when its buffer is full (a slow reader must not grow memory). */
function write(response: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  if (response.destroyed) return Promise.resolve();
  if (response.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

/** Query parameters as a doc: a repeated key keeps its last value (Starlette's `dict(query_params)`). */
function queryDoc(query: unknown): Record<string, unknown> {
  const doc: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (typeof query !== 'object' || query === null) return doc;
  for (const [key, value] of Object.entries(query)) {
    Object.defineProperty(doc, key, { value: Array.isArray(value) ? value.at(-1) : value, enumerable: true, writable: true, configurable: true });
  }
  return doc;
}

/** Headers set on the reply so far (CORS), which a hijacked reply would otherwise lose. */
function headersOf(reply: FastifyReply): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = Object.create(null) as Record<string, string | number | string[]>;
  for (const [key, value] of Object.entries(reply.getHeaders())) if (value !== undefined) out[key] = value;
  return out;
}

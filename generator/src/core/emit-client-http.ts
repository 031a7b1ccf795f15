/**
 * The consumer SDK's fetch client (`client/src/http.ts`): the part that does not depend on the
 * schemas, typed by the generated `GatewayEndpoints` and `routes` of `client/src/endpoints.ts`.
 *
 * It speaks the HTTP API of the runtime's `registerExecutorRoutes` (what openapi.json describes):
 * `POST /{executor}{endpoint}` with `{ data, parameters }`, `{ data: [docs] }` back, the error
 * bodies `{ error, executor? }` of 400 / 502 / 503 / 504, and for a generator endpoint
 * `text/event-stream`, one `data:` event per document and `event: error` if it fails mid-way.
 * Every failure is a value (`{ ok: false, kind, status, ... }`), never a throw; only fetch and
 * the web streams are used (Node ≥ 22, browsers), no dependency.
 *
 * Fixed text: no name from an executor is in it (they live in endpoints.ts, as JSON literals).
 */
import { generatedHeader } from './generated-header.js';

export const CLIENT_HTTP_FILE = 'client/src/http.ts';

const SOURCE = String.raw`/**
 * A typed client of this gateway's HTTP API (fetch only: Node >= 22 and browsers):
 *
 *     const client = createClient({ baseUrl: 'http://localhost:8080' });
 *     const result = await client.post('executor', '/endpoint', { data: [doc], parameters: {} });
 *     if (result.ok) result.data; else result.kind, result.status, result.message;
 *     for await (const event of client.stream('executor', '/generate', { data: doc })) ...
 *
 * Executor, endpoint, documents and parameters are typed from the executors' schemas; every
 * failure (an error status, a network error, an error event mid-stream) is a value, not a throw.
 */
import { type GatewayEndpoints, routes } from './endpoints.js';

export type ExecutorName = keyof GatewayEndpoints & string;
type EndpointsOf<E extends ExecutorName> = GatewayEndpoints[E];
type EndpointOf<E extends ExecutorName, On> = On extends keyof EndpointsOf<E> ? EndpointsOf<E>[On] : never;
/** The request-response endpoints of an executor (client.post). */
export type RequestEndpoint<E extends ExecutorName> = { [On in keyof EndpointsOf<E>]: EndpointsOf<E>[On] extends { streaming: false } ? On : never }[keyof EndpointsOf<E>] & string;
/** The generator endpoints of an executor (client.stream). */
export type StreamingEndpoint<E extends ExecutorName> = { [On in keyof EndpointsOf<E>]: EndpointsOf<E>[On] extends { streaming: true } ? On : never }[keyof EndpointsOf<E>] & string;
export type InputOf<E extends ExecutorName, On> = EndpointOf<E, On> extends { input: infer Input } ? Input : never;
export type OutputOf<E extends ExecutorName, On> = EndpointOf<E, On> extends { output: infer Output } ? Output : never;
export type ParametersOf<E extends ExecutorName, On> = EndpointOf<E, On> extends { parameters: infer Parameters } ? Parameters : never;

export interface ClientOptions {
  /** Where the gateway serves HTTP, e.g. 'http://localhost:8080' (a path prefix is kept). */
  readonly baseUrl: string | URL;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Sent with every request (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PostRequest<Input, Parameters> extends CallOptions {
  /** The documents to send (one, or a list). */
  readonly data: Input | readonly Input[];
  readonly parameters?: Parameters;
}

export interface StreamRequest<Input, Parameters> extends CallOptions {
  /** The one document a generator endpoint reads. */
  readonly data: Input;
  readonly parameters?: Parameters;
}

/** What the gateway answers an error with: 'error' says what is wrong (a 400 names the JSON path), 'executor' which executor failed. */
export interface ErrorBody {
  readonly error: string;
  readonly executor?: string;
}

/**
 * Why a call failed, by kind; each with the HTTP status (0: no response), a message (the
 * gateway's 'error' when it sent one) and, when the gateway answered with its error body, that body.
 */
export type GatewayError =
  /** The body, a document or the parameters are malformed (the message names the path, e.g. 'data[0].embedding'). */
  | { readonly kind: 'bad-request'; readonly status: 400; readonly message: string; readonly body: ErrorBody }
  /** The executor raised an error, or returned a document that breaks its output model. */
  | { readonly kind: 'executor-failed'; readonly status: 502; readonly message: string; readonly body: ErrorBody }
  /** The executor cannot be reached (the message names its address). */
  | { readonly kind: 'executor-unavailable'; readonly status: 503; readonly message: string; readonly body: ErrorBody }
  /** The executor did not answer before the deadline. */
  | { readonly kind: 'executor-timeout'; readonly status: 504; readonly message: string; readonly body: ErrorBody }
  /** A stream that started ended with an error event (the executor failed mid-way). */
  | { readonly kind: 'stream-failed'; readonly status: 200; readonly message: string; readonly body: ErrorBody }
  /** Any other answer: another status (404, 500, a proxy's), or a body that is not what the API promises. */
  | { readonly kind: 'unexpected-response'; readonly status: number; readonly body: unknown; readonly message: string }
  /** No answer: fetch failed (unreachable, aborted, CORS). */
  | { readonly kind: 'network'; readonly status: 0; readonly message: string; readonly cause: unknown };

export type Failure = { readonly ok: false } & GatewayError;
export type PostResult<Output> = { readonly ok: true; readonly status: 200; readonly data: Output[] } | Failure;
export type StreamEvent<Output> = { readonly ok: true; readonly doc: Output } | Failure;

export interface GatewayClient {
  /** Sends documents to a request-response endpoint; the documents it returned, or why not. */
  post<E extends ExecutorName, On extends RequestEndpoint<E>>(executor: E, on: On, request: PostRequest<InputOf<E, On>, ParametersOf<E, On>>): Promise<PostResult<OutputOf<E, On>>>;
  /** Sends one document to a generator endpoint; yields each document as it comes, and a failure last if there is one. */
  stream<E extends ExecutorName, On extends StreamingEndpoint<E>>(executor: E, on: On, request: StreamRequest<InputOf<E, On>, ParametersOf<E, On>>): AsyncIterable<StreamEvent<OutputOf<E, On>>>;
  /** GET /: ok once the gateway is up and every executor answered discovery. */
  health(options?: CallOptions): Promise<{ readonly ok: true; readonly status: 200 } | Failure>;
}

/** The URL path of an endpoint, as the gateway serves it (unusual characters percent-encoded). */
export function routePath<E extends ExecutorName>(executor: E, on: keyof EndpointsOf<E> & string): string {
  const table: Readonly<Record<string, Readonly<Record<string, string>>>> = routes;
  const endpoints = Object.hasOwn(table, executor) ? table[executor] : undefined;
  const path = endpoints !== undefined && Object.hasOwn(endpoints, on) ? endpoints[on] : undefined;
  if (path === undefined) throw new TypeError('this gateway has no endpoint ' + JSON.stringify(on) + ' of an executor ' + JSON.stringify(executor));
  return path;
}

export function createClient(options: ClientOptions): GatewayClient {
  const base = String(options.baseUrl).replace(/\/+$/, '');
  // called on globalThis: a browser's fetch throws "Illegal invocation" when called detached
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // { ok: true, response } rather than the Response itself: a fetch given in the options may make its own Response class
  const send = async (method: 'GET' | 'POST', path: string, body: unknown, call: CallOptions, accept: string): Promise<{ readonly ok: true; readonly response: Response } | Failure> => {
    const headers: Record<string, string> = { accept, ...options.headers, ...call.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return { ok: true, response: await fetchImpl(base + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(call.signal === undefined ? {} : { signal: call.signal }) }) };
    } catch (cause) {
      return { ok: false, kind: 'network', status: 0, message: messageOf(cause), cause };
    }
  };
  return {
    async post(executor, on, request) {
      const sent = await send('POST', routePath(executor, on), requestBody(request.data, request.parameters), request, 'application/json');
      if (!sent.ok) return sent;
      const response = sent.response;
      const body = await readJson(response);
      if (!body.ok) return body;
      if (response.status !== 200) return failureOf(response.status, body.value);
      const data = isObject(body.value) ? body.value['data'] : undefined;
      if (!Array.isArray(data)) return unexpected(response.status, body.value, 'the answer has no "data" list');
      return { ok: true, status: 200, data };
    },
    stream(executor, on, request) {
      const path = routePath(executor, on);
      return {
        async *[Symbol.asyncIterator]() {
          const sent = await send('POST', path, requestBody([request.data], request.parameters), request, 'text/event-stream');
          if (!sent.ok) return yield sent;
          const response = sent.response;
          const type = response.headers.get('content-type') ?? '';
          if (response.status !== 200 || !type.startsWith('text/event-stream')) {
            const body = await readJson(response);
            if (!body.ok) return yield body;
            return yield response.status === 200 ? unexpected(200, body.value, 'expected text/event-stream, got ' + (type || 'no content type')) : failureOf(response.status, body.value);
          }
          if (response.body === null) return yield unexpected(200, undefined, 'the event stream has no body');
          for await (const event of serverSentEvents(response.body, request.signal)) {
            if (!event.ok) return yield event;
            let doc: unknown;
            try {
              doc = JSON.parse(event.data);
            } catch {
              return yield unexpected(200, event.data, 'an event of the stream is not JSON');
            }
            if (event.event === 'error') return yield isErrorBody(doc) ? { ok: false, kind: 'stream-failed', status: 200, message: doc.error, body: doc } : unexpected(200, doc, 'an error event without an "error" message');
            if (event.event !== 'message') continue;
            yield { ok: true, doc: doc as never };
          }
        },
      };
    },
    async health(call = {}) {
      const sent = await send('GET', '/', undefined, call, 'application/json');
      if (!sent.ok) return sent;
      const response = sent.response;
      const body = await readJson(response);
      if (!body.ok) return body;
      return response.status === 200 ? { ok: true, status: 200 } : failureOf(response.status, body.value);
    },
  };
}

function requestBody(data: unknown, parameters: unknown): unknown {
  return parameters === undefined ? { data } : { data, parameters };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorBody(value: unknown): value is ErrorBody {
  return isObject(value) && typeof value['error'] === 'string' && (value['executor'] === undefined || typeof value['executor'] === 'string');
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ': ' + error.cause.message : '';
  return error.message + cause;
}

function unexpected(status: number, body: unknown, message: string): Failure {
  return { ok: false, kind: 'unexpected-response', status, body, message };
}

/** The failure an error status stands for, when its body is the API's error body. */
function failureOf(status: number, body: unknown): Failure {
  if (!isErrorBody(body)) return unexpected(status, body, 'HTTP ' + status);
  switch (status) {
    case 400:
      return { ok: false, kind: 'bad-request', status, message: body.error, body };
    case 502:
      return { ok: false, kind: 'executor-failed', status, message: body.error, body };
    case 503:
      return { ok: false, kind: 'executor-unavailable', status, message: body.error, body };
    case 504:
      return { ok: false, kind: 'executor-timeout', status, message: body.error, body };
    default:
      return unexpected(status, body, 'HTTP ' + status + ': ' + body.error);
  }
}

async function readJson(response: Response): Promise<{ readonly ok: true; readonly value: unknown } | Failure> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    return { ok: false, kind: 'network', status: 0, message: messageOf(cause), cause };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return unexpected(response.status, text, 'HTTP ' + response.status + ': the body is not JSON');
  }
}

type SseEvent = { readonly ok: true; readonly event: string; readonly data: string } | Failure;

/** The events of a text/event-stream body, as the HTML standard parses them (data lines joined, 'message' by default). */
async function* serverSentEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        yield { ok: false, kind: 'network', status: 0, message: signal?.aborted ? 'aborted' : messageOf(cause), cause };
        return;
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { ok: true, event: event || 'message', data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + (line.startsWith(' ', colon + 1) ? 2 : 1));
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
      }
    }
  } finally {
    // the consumer left the loop early, or the stream ended: either way release the connection
    await reader.cancel().catch(() => undefined);
  }
}
`;

export function emitClientHttp(): { path: string; content: string } {
  return { path: CLIENT_HTTP_FILE, content: `${generatedHeader()}${SOURCE}` };
}

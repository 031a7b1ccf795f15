/**
 * `POST /{endpoint}`: Jina's docarray-v2 request/response route.
 *
 * Body `{data: doc | [docs], parameters?, header?: {request_id?, target_executor?}}`; response
 * `{data: [docs], parameters, header: {request_id, target_executor: ""}}` (snake_case, as Jina
 * 3.34 with pydantic 2 writes it; the camelCase header aliases of Jina ≤ 3.33 are accepted).
 * The request id is the header's, else the doc's id when `data` is one object, else random;
 * `target_executor` is a Python regex selecting deployments (Jina clears it in the response).
 *
 * Unlike Jina, which answers with whichever 100-doc batch comes back first and drops the rest,
 * every document comes back, in order: the docs go through the Flow in requests of
 * `requestSize` (up to the streamer's prefetch in flight) and the responses are concatenated in
 * request order. The response's parameters and request id are those of the first request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { DocCodecError } from '../../wire/codec-error.js';
import type { Doc } from '../../wire/doc.js';
import { decodeDocList, encodeDocList } from '../../wire/doc-codec.js';
import { docsFromJson, writeDocJson } from '../../wire/doc-json.js';
import { JsonWriter } from '../../wire/json-writer.js';
import { type DataRequest, dataContentFromDocList, docListFromDataContent, isErrorStatus, newRequestId } from '../../wire/data-request.js';
import { ExecutorError } from '../../executor/errors.js';
import type { CompiledValidator } from './body-validator.js';
import { logErrorResponse, logFailedRequest } from '../failed-request-log.js';
import { executorErrorBody, failureResponse } from './error-response.js';
import type { FlowEndpoint } from './flow-endpoints.js';
import { idFiller, missingFieldFiller, modelDefaults } from './model-fields.js';
import { abortOnDisconnect, invalidBodyResponse } from './request-helpers.js';
import { detailFromCodecError, validationBody } from './validation-error.js';

export interface PostRouteOptions {
  streamer: GatewayStreamer;
  endpoint: FlowEndpoint;
  validate: CompiledValidator;
  /** Docs per request through the Flow (Jina: 100). */
  requestSize: number;
  logger: Logger;
}

interface PostBody {
  data: Record<string, unknown> | Record<string, unknown>[];
  parameters?: Record<string, unknown> | null;
  header?: { request_id?: string | null; target_executor?: string | null; requestId?: string | null; targetExecutor?: string | null } | null;
}

export function postHandler(options: PostRouteOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const { streamer, endpoint, validate, requestSize, logger } = options;
  const inputSchema = endpoint.input?.schema;
  const fillId = idFiller(endpoint.input);
  const outputDefaults = modelDefaults(endpoint.output);
  const fillParameters = missingFieldFiller(endpoint.parameters);

  return async (request, reply) => {
    const body = request.body;
    if (!validate(body)) {
      const invalid = invalidBodyResponse(body, validate.errors ?? []);
      return void reply.code(422).send(invalid);
    }
    const { data, parameters, header } = body as PostBody;
    const single = !Array.isArray(data);
    const rawDocs = single ? [data] : data;
    for (const doc of rawDocs) fillId(doc);
    let docs: Doc[];
    try {
      docs = docsFromJson(rawDocs, inputSchema, { path: 'data' });
    } catch (error) {
      if (!(error instanceof DocCodecError)) throw error;
      // a single object's errors are at `data.x`, not `data[0].x`
      const detail = detailFromCodecError(error, ['body', 'data']);
      if (single && typeof detail.loc[2] === 'number') detail.loc.splice(2, 1);
      return void reply.code(422).send(validationBody([detail]));
    }

    let sentParameters: Record<string, unknown> = {};
    if (parameters !== undefined && parameters !== null) {
      sentParameters = { ...parameters };
      fillParameters(sentParameters); // Jina sends the parameters model instance: defaults included
    }
    const firstId = typeof docs[0]?.id === 'string' ? (docs[0].id as string) : undefined;
    const requestId = nonEmpty(header?.request_id ?? header?.requestId) ?? (single ? firstId : undefined) ?? newRequestId();
    const targetExecutor = nonEmpty(header?.target_executor ?? header?.targetExecutor);
    const signal = abortOnDisconnect(reply);

    // The body is written as the docs come back: `{"data":[doc,doc,…` here, the rest at the end.
    let answer: JsonWriter | undefined;
    let count = 0;
    const writeDocs = (docs: readonly Doc[], docBytes: number) => {
      answer ??= new JsonWriter(docBytes * 3 + 1024).ascii('{"data":['); // JSON is ~2.5x a float32 tensor's bytes
      for (const doc of docs) writeDocJson(answer.separator(count++), doc, {}, outputDefaults);
    };
    let first: DataRequest | undefined;
    try {
      if (docs.length <= requestSize) {
        // One request (also for no docs: Jina still sends it, and executors may answer in
        // parameters), straight to the router: no batching pipeline for the common case.
        first = await streamer.processRequest(
          {
            header: { requestId, status: undefined, execEndpoint: endpoint.endpoint, targetExecutor },
            parameters: sentParameters,
            routes: [],
            data: dataContentFromDocList(encodeDocList(docs, inputSchema)),
          },
          { signal },
        );
        if (isErrorStatus(first.header.status)) {
          logErrorResponse(logger, { protocol: 'http', what: `POST ${endpoint.endpoint}`, endpoint: endpoint.endpoint }, first);
          return void reply.code(500).send(executorErrorBody(new ExecutorError(first.header.status), first.header.requestId));
        }
        const docList = docListFromDataContent(first.data);
        writeDocs(decodeDocList(docList), docList.length);
      } else {
        for await (const result of streamer.stream({
          docs,
          requestSize,
          execEndpoint: endpoint.endpoint,
          targetExecutor,
          parameters: sentParameters,
          resultsInOrder: true,
          requestId,
          inputSchema,
          signal,
        })) {
          if (result.error !== undefined) {
            logErrorResponse(logger, { protocol: 'http', what: `POST ${endpoint.endpoint}`, endpoint: endpoint.endpoint }, result.response);
            return void reply.code(500).send(executorErrorBody(result.error, result.response.header.requestId));
          }
          first ??= result.response;
          writeDocs(result.docs, (first.data?.length ?? 0) * Math.ceil(docs.length / requestSize));
        }
      }
    } catch (error) {
      if (signal.aborted) return void reply.hijack(); // the client went away; nobody to answer
      const failure = failureResponse(error, first?.header.requestId ?? requestId);
      logFailedRequest(logger, { protocol: 'http', what: `POST ${endpoint.endpoint}`, requestId: first?.header.requestId ?? requestId, endpoint: endpoint.endpoint }, error);
      return void reply.code(failure.status).send(failure.body);
    }
    answer ??= new JsonWriter().ascii('{"data":[');
    answer.ascii('],"parameters":').json(first?.parameters ?? sentParameters);
    answer.ascii(',"header":').json({ request_id: first?.header.requestId || requestId, target_executor: '' }).ascii('}');
    reply.type('application/json; charset=utf-8').send(answer.bytes());
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `executor['name'].post(...)`: calls one deployment directly, bypassing the Flow graph
 * (Jina's _ExecutorStreamer). Inputs are split into batches of `requestSize`, all batches are
 * sent in parallel, and results come back concatenated in input order. Unlike Jina, an
 * executor error raises an ExecutorError instead of passing silently.
 */
import type { ConnectionPool } from '../executor/connection-pool.js';
import { ExecutorError } from '../executor/errors.js';
import type { JsonSchema } from '../wire/doc-schema.js';
import type { Doc } from '../wire/doc.js';
import { decodeResponse, decodeResponseDocs } from '../executor/response.js';
import { docFromProto, docToProto, encodeDocList } from '../wire/doc-codec.js';
import { SingleDocumentRequestProto } from '../wire/gen/jina/jina.pb.js';
import {
  dataContentFromDocList,
  encodeDataRequest,
  isErrorStatus,
  newRequestId,
} from '../wire/data-request.js';

/** Checks and converts a document the executor returned; throws naming the path on mismatch. */
export type DocValidator<T> = (doc: Doc, path: string) => T;

export interface PostOptions<T = Doc> {
  /** The endpoint, e.g. "/encode". Default "/default". */
  on?: string;
  /** The documents to send; an empty list still sends one (empty) request, as Jina does. */
  inputs?: readonly Doc[] | Doc;
  parameters?: Record<string, unknown>;
  /** Documents per request; batches run in parallel. Default 100. */
  requestSize?: number;
  /** Validates (and types) each returned doc; default: docs as decoded. */
  returnType?: DocValidator<T>;
  /** JSON schema of the input model, used to encode fields whose kind plain JS cannot tell. */
  inputSchema?: JsonSchema;
  /** Per-call deadline in ms, overriding --timeout-send. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamDocOptions<T = Doc> {
  /** The generator endpoint, e.g. "/stream". Default "/default". */
  on?: string;
  parameters?: Record<string, unknown>;
  returnType?: DocValidator<T>;
  inputSchema?: JsonSchema;
  signal?: AbortSignal;
}

export class ExecutorStreamer {
  constructor(
    readonly name: string,
    private readonly pool: ConnectionPool,
  ) {}

  async post<T = Doc>(options: PostOptions<T> = {}): Promise<T[]> {
    const on = options.on ?? '/default';
    const inputs = options.inputs === undefined ? [] : Array.isArray(options.inputs) ? options.inputs : [options.inputs as Doc];
    const requestSize = options.requestSize ?? 100;
    if (!Number.isInteger(requestSize) || requestSize < 1) {
      throw new RangeError(`requestSize must be a positive integer, got ${requestSize}`);
    }
    const batches: (readonly Doc[])[] = [];
    for (let start = 0; start < inputs.length; start += requestSize) batches.push(inputs.slice(start, start + requestSize));
    if (batches.length === 0) batches.push([]);

    const deployment = this.pool.get(this.name);
    const results = await Promise.all(
      batches.map(async (batch) => {
        const requestId = newRequestId();
        const request = encodeDataRequest({
          header: { requestId, status: undefined, execEndpoint: on, targetExecutor: this.name },
          parameters: options.parameters ?? {},
          routes: [],
          data: dataContentFromDocList(encodeDocList(batch as Doc[], options.inputSchema)),
        });
        const result = await deployment.processSingleData(request, {
          endpoint: on,
          requestId,
          timeoutMs: options.timeoutMs,
          signal: options.signal,
        });
        const decoded = decodeResponse(result, this.name);
        if (isErrorStatus(decoded.header.status)) throw new ExecutorError(decoded.header.status, this.name);
        return decodeResponseDocs(decoded, this.name, result.address);
      }),
    );
    const docs = results.flat();
    const validate = options.returnType;
    if (validate === undefined) return docs as T[];
    return docs.map((doc, index) => validate(doc, `${this.name}${on}[${index}]`));
  }

  /**
   * One document to a generator endpoint of this deployment (Jina's `stream_doc`), yielding each
   * document the executor yields. An executor error raises ExecutorError.
   */
  async *streamDoc<T = Doc>(input: Doc, options: StreamDocOptions<T> = {}): AsyncGenerator<T> {
    const on = options.on ?? '/default';
    const request = Buffer.from(
      SingleDocumentRequestProto.encode({
        header: { requestId: newRequestId(), status: undefined, execEndpoint: on, targetExecutor: this.name },
        parameters: options.parameters ?? {},
        routes: [],
        document: docToProto(input, options.inputSchema),
      }).finish(),
    );
    let index = 0;
    for await (const bytes of this.pool.get(this.name).streamDoc(request, { endpoint: on, signal: options.signal })) {
      const reply = SingleDocumentRequestProto.decode(bytes);
      if (isErrorStatus(reply.header?.status)) throw new ExecutorError(reply.header!.status!, this.name);
      if (reply.document === undefined) continue;
      const doc = docFromProto(reply.document);
      yield options.returnType === undefined ? (doc as T) : options.returnType(doc, `${this.name}${on}[${index}]`);
      index++;
    }
  }
}

/**
 * GatewayStreamer: what a gateway uses to send documents through the Flow (Jina's
 * `jina.serve.runtimes.gateway.streamer.GatewayStreamer`), plus `executor[name].post()` for
 * calling one deployment directly. Built from the gateway's flags, or from JINA_STREAMER_ARGS
 * for code that has no gateway object (`GatewayStreamer.get()`).
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import { ConnectionPool } from '../executor/connection-pool.js';
import { type ExecutorTransport, resolveExecutorTransport } from '../executor/executor-transport.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Tracing } from '../tracing/tracing.js';
import { ExecutorError } from '../executor/errors.js';
import { type FlowTopology, parseFlowTopology, type TopologyFlags } from '../topology/graph.js';
import type { Doc } from '../wire/doc.js';
import { decodeDocList, docFromProto, docToProto, encodeDocList } from '../wire/doc-codec.js';
import type { JsonSchema } from '../wire/doc-schema.js';
import {
  type DataRequest,
  dataContentFromDocList,
  docListFromDataContent,
  isErrorStatus,
  newRequestId,
} from '../wire/data-request.js';
import { SingleDocumentRequestProto, type StatusProto } from '../wire/gen/jina/jina.pb.js';
import { EndpointDirectory } from './endpoint-directory.js';
import { type DocValidator, ExecutorStreamer } from './executor-streamer.js';
import { FlowRouter, type RouteOptions } from './flow-router.js';
import { pipeline } from './request-pipeline.js';

export interface GatewayStreamerOptions extends TopologyFlags {
  /** --timeout-send, in milliseconds; undefined: no deadline. */
  timeoutSend?: number;
  /** --retries; < 0: max(3, replicas). Default -1. */
  retries?: number;
  /** --compression: NoCompression | Deflate | Gzip. */
  compression?: string;
  /** --prefetch: requests in flight per stream; 0: unlimited. Default 1000. */
  prefetch?: number;
  /** --grpc-channel-options, merged over Jina's defaults. */
  grpcChannelOptions?: ChannelOptions;
  /** Root certificates for grpcs:// executors. */
  rootCerts?: Buffer;
  /** --executor-transport: the client of unary calls to executors. Default `own`. */
  executorTransport?: ExecutorTransport | undefined;
  /** Errors of floating branches (which never reach a response) are reported here. */
  onFloatingError?: (node: string, error: unknown) => void;
  /** --tracing: executor calls get spans and send their trace context (see tracing/). */
  tracing?: Tracing | undefined;
  /** --monitoring: requests and executor calls are measured here (see metrics/). */
  metrics?: GatewayMetrics | undefined;
}

export interface StreamOptions<T = Doc> {
  /** The documents; split into requests of `requestSize`. An async iterable is read lazily. */
  docs: Iterable<Doc> | AsyncIterable<Doc>;
  /** Documents per request. Default 100. */
  requestSize?: number;
  /** The endpoint; default: none (only /default executors run, as in Jina). */
  execEndpoint?: string;
  /** Python regex (re.match) selecting the deployments that run. */
  targetExecutor?: string;
  parameters?: Record<string, unknown>;
  /** Yield results in request order instead of completion order. */
  resultsInOrder?: boolean;
  /** Used as the request id when all docs fit in one request (Jina's rule). */
  requestId?: string;
  /** Validates (and types) each returned doc. */
  returnType?: DocValidator<T>;
  /** Schema of the input docs, to encode fields plain JS cannot tell apart. */
  inputSchema?: JsonSchema;
  signal?: AbortSignal;
}

export interface StreamResult<T = Doc> {
  docs: T[];
  /** The executor error carried by this response, if any (Jina's ExecutorError). */
  error: ExecutorError | undefined;
  /** The whole response (header, parameters incl. `__results__`, routes). */
  response: DataRequest;
}

export interface StreamDocOptions<T = Doc> {
  execEndpoint?: string;
  targetExecutor?: string;
  parameters?: Record<string, unknown>;
  requestId?: string;
  returnType?: DocValidator<T>;
  inputSchema?: JsonSchema;
  outputSchema?: JsonSchema;
  signal?: AbortSignal;
}

/** The JSON Jina's gateway writes to JINA_STREAMER_ARGS (timeout_send in seconds). */
interface JinaStreamerArgs {
  graph_representation?: unknown;
  executor_addresses?: unknown;
  graph_conditions?: unknown;
  deployments_metadata?: unknown;
  deployments_no_reduce?: unknown;
  timeout_send?: number | null;
  retries?: number | null;
  compression?: string | null;
  runtime_name?: string;
  prefetch?: number | null;
}

export class GatewayStreamer {
  readonly topology: FlowTopology;
  /** `executor['name'].post(...)` for every deployment. */
  readonly executor: Readonly<Record<string, ExecutorStreamer>>;
  /** What each deployment serves (endpoint discovery, cached). */
  readonly endpoints: EndpointDirectory;
  private readonly pool: ConnectionPool;
  private readonly router: FlowRouter;
  private readonly options: GatewayStreamerOptions;

  constructor(options: GatewayStreamerOptions) {
    this.options = options;
    this.topology = parseFlowTopology(options);
    const addresses: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>;
    const metadata: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
    for (const [name, deployment] of this.topology.deployments) {
      addresses[name] = deployment.addresses;
      metadata[name] = { ...deployment.metadata };
    }
    this.pool = new ConnectionPool(addresses, {
      timeoutMs: options.timeoutSend,
      retries: options.retries,
      compression: options.compression,
      channelOptions: options.grpcChannelOptions,
      rootCerts: options.rootCerts,
      transport: options.executorTransport,
      deploymentsMetadata: metadata,
      tracing: options.tracing,
      metrics: options.metrics,
    });
    this.endpoints = new EndpointDirectory(this.pool, [...this.topology.nodes.keys()]);
    options.metrics?.knowEndpointsBy(knownEndpoints(this.endpoints));
    this.router = new FlowRouter(this.topology, this.pool, this.endpoints);
    const executors: Record<string, ExecutorStreamer> = Object.create(null);
    for (const name of this.topology.deployments.keys()) executors[name] = new ExecutorStreamer(name, this.pool);
    this.executor = Object.freeze(executors);
  }

  /**
   * The streamer of the gateway this process runs in, from JINA_STREAMER_ARGS (what Jina's
   * `GatewayStreamer.get_streamer()` reads); throws when the variable is not set.
   */
  static get(env: NodeJS.ProcessEnv = process.env): GatewayStreamer {
    const raw = env.JINA_STREAMER_ARGS;
    if (raw === undefined) throw new Error('JINA_STREAMER_ARGS environment variable is not set');
    let args: JinaStreamerArgs;
    try {
      args = JSON.parse(raw) as JinaStreamerArgs;
    } catch (error) {
      throw new Error(`JINA_STREAMER_ARGS is not valid JSON: ${(error as Error).message}`);
    }
    // not in Jina's JSON (Jina's get_streamer() takes its keys as kwargs): startGateway sets the variable
    const transport = resolveExecutorTransport(undefined, env);
    if (!transport.ok) throw transport.error;
    return new GatewayStreamer({
      executorTransport: transport.value,
      graphDescription: args.graph_representation,
      deploymentsAddresses: args.executor_addresses,
      graphConditions: args.graph_conditions,
      deploymentsMetadata: args.deployments_metadata,
      deploymentsNoReduce: args.deployments_no_reduce,
      timeoutSend: args.timeout_send === undefined || args.timeout_send === null ? undefined : args.timeout_send * 1000,
      retries: args.retries ?? undefined,
      compression: args.compression ?? undefined,
      prefetch: args.prefetch ?? undefined,
    });
  }

  /** The JSON for JINA_STREAMER_ARGS that makes `GatewayStreamer.get()` rebuild this streamer. */
  static argsFor(options: GatewayStreamerOptions): string {
    const parse = (value: unknown, fallback: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? fallback));
    return JSON.stringify({
      graph_representation: parse(options.graphDescription, {}),
      executor_addresses: parse(options.deploymentsAddresses, {}),
      graph_conditions: parse(options.graphConditions, {}),
      deployments_metadata: parse(options.deploymentsMetadata, {}),
      deployments_no_reduce: parse(options.deploymentsNoReduce, []),
      timeout_send: options.timeoutSend === undefined ? null : options.timeoutSend / 1000,
      retries: options.retries ?? -1,
      compression: options.compression ?? null,
      runtime_name: 'gateway',
      prefetch: options.prefetch ?? 1000,
    } satisfies JinaStreamerArgs);
  }

  /** Routes one request (already built, docs serialized) through the Flow. The protocol adapters' entry. */
  processRequest(request: DataRequest, options: RouteOptions = {}): Promise<DataRequest> {
    const routed = this.router.route(request, { onFloatingError: this.options.onFloatingError, ...options });
    const metrics = this.options.metrics;
    if (metrics === undefined) return routed;
    // Jina's rule: a response carrying an executor error is a failed request
    const measurement = metrics.startRequest(request.header.execEndpoint ?? '');
    return routed.then(
      (response) => {
        measurement.end(isErrorStatus(response.header.status) ? 'executor_error' : 'ok');
        return response;
      },
      (error: unknown) => {
        measurement.end('failed');
        throw error;
      },
    );
  }

  /**
   * Routes many requests with at most `prefetch` in flight (Jina's RequestStreamer), yielding
   * responses in completion order or, with `inOrder`, in request order.
   */
  processRequests(
    requests: Iterable<DataRequest> | AsyncIterable<DataRequest>,
    options: RouteOptions & { inOrder?: boolean; prefetch?: number } = {},
  ): AsyncGenerator<DataRequest> {
    return pipeline(requests, (request) => this.processRequest(request, options), {
      prefetch: options.prefetch ?? this.options.prefetch ?? 1000,
      inOrder: options.inOrder,
    });
  }

  /** Yields each response's docs, with its executor error if any (Jina's `stream`). */
  async *stream<T = Doc>(options: StreamOptions<T>): AsyncGenerator<StreamResult<T>> {
    for await (const response of this.processRequests(this.requestsFor(options), {
      inOrder: options.resultsInOrder,
      signal: options.signal,
    })) {
      const error = isErrorStatus(response.header.status) ? new ExecutorError(response.header.status) : undefined;
      const docs = decodeDocList(docListFromDataContent(response.data));
      yield { docs: validateAll(docs, options.returnType, options.execEndpoint), error, response };
    }
  }

  /**
   * Yields each response's docs (Jina's `stream_docs`). Unlike Jina, an executor error raises
   * ExecutorError here; use `stream()` to receive errors in-band.
   */
  async *streamDocs<T = Doc>(options: StreamOptions<T>): AsyncGenerator<T[]> {
    for await (const { docs, error } of this.stream(options)) {
      if (error !== undefined) throw error;
      yield docs;
    }
  }

  /**
   * One document to a generator endpoint, yielding each streamed document (Jina's `stream_doc`).
   * Like Jina's gateway, it goes to the first node of the Flow.
   */
  async *streamDoc<T = Doc>(doc: Doc, options: StreamDocOptions<T> = {}): AsyncGenerator<{ doc: T | undefined; error: ExecutorError | undefined }> {
    const first = this.topology.topologicalOrder[0];
    if (first === undefined) throw new Error('the Flow has no executor to stream from');
    const request = Buffer.from(
      SingleDocumentRequestProto.encode({
        header: {
          requestId: options.requestId ?? newRequestId(),
          status: undefined,
          execEndpoint: options.execEndpoint,
          targetExecutor: options.targetExecutor,
        },
        parameters: options.parameters ?? {},
        routes: [],
        document: docToProto(doc, options.inputSchema),
      }).finish(),
    );
    // one request, however many docs stream back (Jina counts it when it starts, and never ends it)
    const measurement = this.options.metrics?.startRequest(options.execEndpoint ?? '');
    let outcome: 'ok' | 'executor_error' | 'failed' = 'ok';
    try {
      yield* this.streamReplies<T>(first, request, options, () => {
        outcome = 'executor_error';
      });
    } catch (error) {
      outcome = 'failed';
      throw error;
    } finally {
      // also when the consumer stopped reading early: what was asked for was served
      measurement?.end(outcome);
    }
  }

  private async *streamReplies<T>(
    first: string,
    request: Buffer,
    options: StreamDocOptions<T>,
    onExecutorError: () => void,
  ): AsyncGenerator<{ doc: T | undefined; error: ExecutorError | undefined }> {
    let index = 0;
    for await (const bytes of this.pool.get(first).streamDoc(request, { endpoint: options.execEndpoint, signal: options.signal })) {
      const reply = SingleDocumentRequestProto.decode(bytes);
      const status: StatusProto | undefined = reply.header?.status;
      const error = isErrorStatus(status) ? new ExecutorError(status, first) : undefined;
      if (error !== undefined) onExecutorError();
      const decoded = reply.document === undefined ? undefined : docFromProto(reply.document);
      const validate = options.returnType;
      yield {
        doc: decoded === undefined || validate === undefined ? (decoded as T | undefined) : validate(decoded, `${options.execEndpoint ?? ''}[${index}]`),
        error,
      };
      index++;
    }
  }

  /** --monitoring: the gateway's metrics (their registry, for a custom gateway's own); undefined without it. */
  get metrics(): GatewayMetrics | undefined {
    return this.options.metrics;
  }

  /** --tracing: what the protocol fronts trace inbound requests with; undefined without it. */
  get tracing(): Tracing | undefined {
    return this.options.tracing;
  }

  /** Closes every executor connection. */
  close(): void {
    this.pool.close();
  }

  /** Splits docs into requests of requestSize, read lazily from the source. */
  private async *requestsFor<T>(options: StreamOptions<T>): AsyncGenerator<DataRequest> {
    const size = options.requestSize ?? 100;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`requestSize must be a positive integer, got ${size}`);
    const docs = Array.isArray(options.docs) ? options.docs : undefined;
    // Jina applies a given request_id only when every doc fits in one request.
    const fixedId = options.requestId !== undefined && docs !== undefined && docs.length <= size ? options.requestId : undefined;
    const build = (batch: Doc[]): DataRequest => ({
      header: {
        requestId: fixedId ?? newRequestId(),
        status: undefined,
        execEndpoint: options.execEndpoint,
        targetExecutor: options.targetExecutor,
      },
      parameters: options.parameters ?? {},
      routes: [],
      data: dataContentFromDocList(encodeDocList(batch, options.inputSchema)),
    });
    let batch: Doc[] = [];
    for await (const doc of options.docs) {
      batch.push(doc);
      if (batch.length === size) {
        yield build(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield build(batch);
  }
}

/** Whether an endpoint is one some deployment binds by name (endpoint discovery, once complete). */
function knownEndpoints(directory: EndpointDirectory): (endpoint: string) => boolean {
  let known: Set<string> | undefined;
  return (endpoint) => {
    if (known === undefined) {
      const bindings = directory.completeBindings();
      if (bindings === undefined) return false;
      known = new Set([...bindings.values()].flat());
    }
    return known.has(endpoint);
  };
}

function validateAll<T>(docs: Doc[], validate: DocValidator<T> | undefined, endpoint: string | undefined): T[] {
  if (validate === undefined) return docs as T[];
  return docs.map((doc, index) => validate(doc, `${endpoint ?? ''}[${index}]`));
}

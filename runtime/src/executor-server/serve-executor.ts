/**
 * A Jina-compatible executor written in TypeScript: serves the same gRPC services a Python
 * Executor does (process_single_data, Call, stream_doc, endpoint_discovery, _status, health and
 * reflection), so Jina's own gateway, `jina ping` and our runtime can all call it.
 */
import {
  Server,
  Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServerOptions,
} from '@grpc/grpc-js';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { addReflection } from '../grpc/reflection.js';
import { rawService } from '../grpc/raw-service.js';
import { HealthStatus } from '../grpc/health.js';
import { serverCredentials, serverOptions } from '../grpc/server-options.js';
import { runtimeInfo } from '../info.js';
import type { Doc } from '../wire/doc.js';
import { decodeDocList, docFromProto, docToProto, encodeDocList } from '../wire/doc-codec.js';
import {
  type DataRequest,
  dataContentFromDocList,
  decodeDataRequest,
  docListFromDataContent,
  encodeDataRequest,
} from '../wire/data-request.js';
import {
  EndpointsProto,
  JinaInfoProto,
  SingleDocumentRequestProto,
  type StatusProto,
  StatusProto_StatusCode,
} from '../wire/gen/jina/jina.pb.js';
import { parametersForExecutor } from '../topology/parameters.js';
import {
  BASE_DOC_MODEL,
  DEFAULT_ENDPOINT,
  DRY_RUN_ENDPOINT,
  type DocModel,
  type Endpoint,
  type EndpointContext,
  type JsonSchema,
} from './endpoint.js';

export interface ServeExecutorOptions {
  /** Endpoint name (e.g. "/encode" or "/default") to its definition. */
  endpoints: Record<string, Endpoint>;
  /** The deployment name: key of `__results__` and of executor-specific parameters. Default "executor". */
  name?: string;
  /** The executor's class name, reported in exceptions. Default "TypeScriptExecutor". */
  className?: string;
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 0: a free port, see `port` on the result. */
  port?: number;
  tls?: { certFile: string; keyFile: string };
  grpcServerOptions?: ServerOptions;
}

export interface ExecutorServer {
  readonly port: number;
  readonly address: string;
  /** Stops accepting calls, lets running ones finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
}

const SERVICES = [
  'jina.JinaRPC',
  'jina.JinaDataRequestRPC',
  'jina.JinaSingleDataRequestRPC',
  'jina.JinaSingleDocumentRequestRPC',
  'jina.JinaDiscoverEndpointsRPC',
  'jina.JinaInfoRPC',
] as const;

interface ResolvedEndpoint {
  name: string;
  definition: Endpoint;
  input: DocModel;
  output: DocModel;
}

export async function serveExecutor(options: ServeExecutorOptions): Promise<ExecutorServer> {
  const executor = new TypeScriptExecutor(options);
  const server = new Server(serverOptions(options.grpcServerOptions));
  const health = new HealthStatus(SERVICES);

  server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
    process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      executor.processSingleData(call.request, textMetadata(call.metadata)).then(({ response, isError }) => {
        callback(null, response, isError ? errorTrailers() : undefined);
      }, (error: unknown) => callback(toServiceError(error)));
    },
  });
  server.addService(rawService('jina.JinaDataRequestRPC', 'process_data'), {
    process_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      executor.processDataList(call.request, textMetadata(call.metadata)).then(({ response, isError }) => {
        callback(null, response, isError ? errorTrailers() : undefined);
      }, (error: unknown) => callback(toServiceError(error)));
    },
  });
  server.addService(rawService('jina.JinaRPC', 'Call', { requestStream: true, responseStream: true }), {
    Call: (call: ServerDuplexStream<Buffer, Buffer>) => {
      const pending: Promise<void>[] = [];
      let anyError = false;
      call.on('data', (request: Buffer) => {
        pending.push(
          executor.processSingleData(request, textMetadata(call.metadata)).then(({ response, isError }) => {
            anyError ||= isError;
            call.write(response);
          }),
        );
      });
      call.on('end', () => {
        Promise.allSettled(pending).then(() => call.end(anyError ? errorTrailers() : undefined));
      });
    },
  });
  server.addService(rawService('jina.JinaSingleDocumentRequestRPC', 'stream_doc', { responseStream: true }), {
    stream_doc: (call: ServerWritableStream<Buffer, Buffer>) => {
      void executor.streamDoc(call.request, textMetadata(call.metadata), (response) => call.write(response)).finally(() => call.end());
    },
  });
  server.addService(rawService('jina.JinaDiscoverEndpointsRPC', 'endpoint_discovery'), {
    endpoint_discovery: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      callback(null, Buffer.from(EndpointsProto.encode(executor.discovery()).finish()));
    },
  });
  server.addService(rawService('jina.JinaInfoRPC', '_status'), {
    _status: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      callback(null, Buffer.from(JinaInfoProto.encode(runtimeInfo()).finish()));
    },
  });
  health.addTo(server);
  addReflection(server, [...SERVICES, 'grpc.health.v1.Health']);

  const host = options.host ?? '0.0.0.0';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`, serverCredentials(options.tls), (error, bound) =>
      error ? reject(new Error(`cannot bind executor server to ${host}:${options.port ?? 0}: ${error.message}`)) : resolve(bound),
    );
  });

  return {
    port,
    address: `${options.tls ? 'grpcs' : 'grpc'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        health.setAllNotServing();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** The request handling, separate from gRPC plumbing so it reads top to bottom. */
class TypeScriptExecutor {
  private readonly endpoints = new Map<string, ResolvedEndpoint>();
  private readonly name: string;
  private readonly className: string;

  constructor(options: ServeExecutorOptions) {
    this.name = options.name ?? 'executor';
    this.className = options.className ?? 'TypeScriptExecutor';
    for (const [name, definition] of Object.entries(options.endpoints)) {
      if (name === DRY_RUN_ENDPOINT) throw new Error(`"${DRY_RUN_ENDPOINT}" is reserved by Jina`);
      const input = definition.input ?? BASE_DOC_MODEL;
      this.endpoints.set(name, { name, definition, input, output: definition.output ?? input });
    }
  }

  /** Jina's worker: the endpoint if bound, else `/default`, else pass the request through. */
  private resolve(endpoint: string): ResolvedEndpoint | undefined {
    return this.endpoints.get(endpoint) ?? this.endpoints.get(DEFAULT_ENDPOINT);
  }

  /** process_single_data and each message of Call. */
  processSingleData(requestBytes: Buffer, metadata: Readonly<Record<string, string>> = {}): Promise<{ response: Buffer; isError: boolean }> {
    return this.processData([decodeDataRequest(requestBytes)], metadata);
  }

  /** process_data (DataRequestListProto): Jina's worker runs the docs of all requests as one batch. */
  processDataList(listBytes: Buffer, metadata: Readonly<Record<string, string>> = {}): Promise<{ response: Buffer; isError: boolean }> {
    const requests: DataRequest[] = [];
    const reader = new BinaryReader(listBytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1 && wireType === WireType.LengthDelimited) requests.push(decodeDataRequest(reader.bytes()));
      else reader.skip(wireType, field);
    }
    if (requests.length === 0) return Promise.reject(new Error('process_data received no request'));
    return this.processData(requests, metadata);
  }

  private async processData(requests: readonly DataRequest[], metadata: Readonly<Record<string, string>>): Promise<{ response: Buffer; isError: boolean }> {
    const request = requests[0]!;
    const endpointName = request.header.execEndpoint ?? '';
    if (endpointName === DRY_RUN_ENDPOINT) return { response: this.respond(request, request.data), isError: false };
    const endpoint = this.resolve(endpointName);
    if (endpoint === undefined) return { response: encodeDataRequest(request), isError: false };
    try {
      const docs = requests.flatMap((part) => decodeDocList(docListFromDataContent(part.data)));
      const context = this.context(request, endpointName, metadata);
      const definition = endpoint.definition;
      let outputDocs: Doc[] = docs;
      if (definition.kind === 'generator') {
        throw new TypeError(`endpoint ${endpoint.name} is a generator: call it with stream_doc`);
      } else if (definition.kind === 'singleton') {
        outputDocs = [];
        for (const doc of docs) outputDocs.push((await definition.handler(doc, context)) ?? doc);
      } else {
        const returned = await definition.handler(docs, context);
        if (Array.isArray(returned)) outputDocs = returned;
        else if (returned !== undefined && returned !== null) {
          const results = { ...((request.parameters.__results__ as Record<string, unknown> | undefined) ?? {}) };
          results[this.name] = returned;
          request.parameters = { ...request.parameters, __results__: results };
        }
      }
      const data = dataContentFromDocList(encodeDocList(outputDocs, endpoint.output.schema));
      return { response: this.respond(request, data), isError: false };
    } catch (error) {
      request.header.status = this.errorStatus(error);
      return { response: this.respond(request, request.data), isError: true };
    }
  }

  async streamDoc(requestBytes: Buffer, metadata: Readonly<Record<string, string>>, write: (response: Buffer) => void): Promise<void> {
    const request = SingleDocumentRequestProto.decode(requestBytes);
    const endpointName = request.header?.execEndpoint ?? '';
    const endpoint = this.resolve(endpointName);
    const header = { requestId: request.header?.requestId ?? '', status: undefined, execEndpoint: endpointName };
    const reply = (document: Doc | undefined, status?: StatusProto) =>
      write(
        Buffer.from(
          SingleDocumentRequestProto.encode({
            header: { ...header, status },
            parameters: undefined,
            routes: [],
            document: document === undefined ? undefined : docToProto(document, endpoint?.output.schema),
          }).finish(),
        ),
      );
    try {
      if (endpoint === undefined) {
        write(requestBytes);
        return;
      }
      if (endpoint.definition.kind !== 'generator') throw new TypeError('endpoint must be generator');
      const doc = docFromProto(request.document ?? { data: {} });
      const context: EndpointContext = {
        endpoint: endpointName,
        parameters: parametersForExecutor((request.parameters as Record<string, unknown>) ?? {}, this.name),
        header: request.header ?? header,
        metadata,
      };
      for await (const output of endpoint.definition.handler(doc, context)) reply(output);
    } catch (error) {
      reply(undefined, this.errorStatus(error));
    }
  }

  discovery(): EndpointsProto {
    const schemas: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const describe = (input: DocModel, output: DocModel, endpoint?: Endpoint) => ({
      input: { name: input.name, model: input.schema },
      output: { name: output.name, model: output.schema },
      is_generator: endpoint?.kind === 'generator',
      is_singleton_doc: endpoint?.kind === 'singleton',
      parameters: endpoint?.parameters
        ? { name: endpoint.parameters.name, model: endpoint.parameters.schema }
        : { name: null, model: null },
    });
    for (const endpoint of this.endpoints.values()) {
      schemas[endpoint.name] = describe(endpoint.input, endpoint.output, endpoint.definition);
    }
    schemas[DRY_RUN_ENDPOINT] = describe(BASE_DOC_MODEL, BASE_DOC_MODEL);
    return {
      endpoints: [...this.endpoints.keys(), DRY_RUN_ENDPOINT],
      writeEndpoints: [],
      schemas,
    };
  }

  private context(request: DataRequest, endpoint: string, metadata: Readonly<Record<string, string>>): EndpointContext {
    return {
      endpoint,
      parameters: parametersForExecutor(request.parameters, this.name),
      header: request.header,
      metadata,
    };
  }

  /** The response: same envelope, new docs, and this deployment appended to the routes (as Jina's worker does). */
  private respond(request: DataRequest, data: Buffer | undefined): Buffer {
    return encodeDataRequest({
      ...request,
      routes: [...request.routes, { executor: this.name, startTime: undefined, endTime: undefined, status: undefined }],
      data,
    });
  }

  /** Jina's Request.add_exception: code ERROR, repr() as description, name/args/stacks/executor. */
  private errorStatus(error: unknown): StatusProto {
    const err = error instanceof Error ? error : new Error(String(error));
    const name = err.name === 'Error' ? 'Exception' : err.name;
    return {
      code: StatusProto_StatusCode.ERROR,
      description: `${name}(${pythonStringRepr(err.message)})`,
      exception: {
        name,
        args: [err.message],
        stacks: (err.stack ?? `${name}: ${err.message}`).split('\n').map((line) => `${line}\n`),
        executor: this.className,
      },
    };
  }
}

/** Python's repr() of a str: single quotes unless the text has a single quote and no double one. */
function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** A call's text metadata, first value of each (binary `-bin` entries left out). */
function textMetadata(metadata: Metadata): Record<string, string> {
  const text: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') text[key] = value;
  return text;
}

function errorTrailers(): Metadata {
  const metadata = new Metadata();
  metadata.set('is-error', 'true');
  return metadata;
}

function toServiceError(error: unknown) {
  return { code: 13, details: error instanceof Error ? error.message : String(error) };
}


export type { Endpoint, DocModel, JsonSchema };

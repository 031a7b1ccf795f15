/**
 * The typed gRPC service of a generated gateway (`gateway.v1.GatewayService` of its
 * protos/gateway.proto, one rpc per executor endpoint), implemented on ts-proto's service
 * definition by the generated `src/gen/grpc.ts`, which gives the table of its messages.
 *
 * Each rpc does what the typed HTTP route of the same endpoint does (executor-routes.ts): the
 * request's documents are read with the endpoint's input model, sent through the typed executor
 * map (parameters checked), and what comes back is checked by the output's return-type validator
 * before it is encoded. Failures are gRPC statuses:
 *
 * - a request that does not decode, a document that is not one of the model (a required field
 *   missing, a tensor that does not fill its shape), parameters that break their model →
 *   INVALID_ARGUMENT naming the path (`docs[0].embedding`, `parameters.k`);
 * - an unreachable executor → UNAVAILABLE naming the deployment and its addresses (a deadline:
 *   DEADLINE_EXCEEDED);
 * - the executor raised → UNKNOWN with its exception; it answered something else than its model
 *   (the validator names executor, endpoint and JSON path) or malformed bytes → INTERNAL.
 *
 * The `executor` trailing metadata names the deployment of a failed call. Generator endpoints
 * are server streams: one message per document, the status after the last.
 */
import {
  Metadata,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from '../executor/errors.js';
import type { GrpcServiceRegistration } from '../protocols/grpc/grpc-gateway.js';
import type { ExecutorStreamer } from '../streamer/executor-streamer.js';
import { ReturnTypeError } from '../streamer/return-type-error.js';
import { type BoundExecutor, bindExecutors, type ExecutorDescriptors } from '../streamer/typed-executors.js';
import { DocCodecError } from '../wire/codec-error.js';
import type { Doc } from '../wire/doc.js';
import { docFromMessage, messageFromDoc, ProtoArgumentError, type ProtoMessages } from './proto-doc-codec.js';

/** One rpc of the service: which endpoint it calls and its documents' messages. */
export interface TypedRpc {
  readonly executor: string;
  readonly on: string;
  /** Message of the input documents (`docs` of the request; `doc` for a generator endpoint). */
  readonly input: string;
  readonly output: string;
  /** The parameters' message when the endpoint declares a model; else they are a google.protobuf.Struct. */
  readonly parameters?: string;
  readonly streaming: boolean;
}

/** Where failures nobody expected are logged (a gateway's pino logger fits). */
export interface FailureLogger {
  error(object: object, message: string): void;
}

export interface TypedGrpcServiceOptions {
  /** Fully qualified, e.g. `gateway.v1.GatewayService`. */
  readonly name: string;
  /** ts-proto's service definition (`GatewayServiceService`). */
  readonly definition: ServiceDefinition;
  /** protos/gateway.proto and the files it imports, base64 FileDescriptorProtos, for server reflection. */
  readonly fileDescriptors: readonly string[];
  readonly executor: Readonly<Record<string, ExecutorStreamer>>;
  readonly descriptors: ExecutorDescriptors;
  readonly messages: ProtoMessages;
  /** By rpc name as in the .proto (`EncoderEncode`). */
  readonly rpcs: Readonly<Record<string, TypedRpc>>;
  readonly logger?: FailureLogger | undefined;
}

/** A request whose bytes did not decode: the handler answers INVALID_ARGUMENT (grpc-js would say INTERNAL). */
class UndecodableRequest {
  constructor(readonly message: string) {}
}

export function typedGrpcService(options: TypedGrpcServiceOptions): GrpcServiceRegistration {
  const executors = bindExecutors(options.executor, options.descriptors);
  const definition: Record<string, ServiceDefinition[string]> = {};
  const implementation: UntypedServiceImplementation = {};
  const served = new Set<string>();
  for (const [method, shape] of Object.entries(options.definition)) {
    const rpcName = shape.path.slice(shape.path.lastIndexOf('/') + 1);
    const rpc = Object.hasOwn(options.rpcs, rpcName) ? options.rpcs[rpcName] : undefined;
    if (rpc === undefined || rpc.streaming !== shape.responseStream) {
      throw new Error(`${options.name}: rpc ${rpcName} of src/gen/proto/gateway.ts is not described by src/gen/grpc.ts (regenerate the project)`);
    }
    served.add(rpcName);
    const deserialize = shape.requestDeserialize;
    definition[method] = {
      ...shape,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return deserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(`request: not a ${rpcName}Request message: ${(error as Error).message}`);
        }
      },
    };
    const bound = executors[rpc.executor]!;
    implementation[method] = rpc.streaming ? streamHandler(options, bound, rpc) : unaryHandler(options, bound, rpc);
  }
  const missing = Object.keys(options.rpcs).filter((name) => !served.has(name));
  if (missing.length > 0) throw new Error(`${options.name}: src/gen/grpc.ts describes rpcs the service definition lacks (${missing.join(', ')}): regenerate the project`);
  return { name: options.name, definition, implementation, reflection: loadReflection(options) };
}

/**
 * What reflection reads of a package definition: the file descriptors, here exactly as buf
 * compiles the .proto (proto-loader would re-split them by package, renamed `gateway_v1.proto`,
 * and reflection clients could not resolve the imports of those).
 */
function loadReflection(options: TypedGrpcServiceOptions): GrpcServiceRegistration['reflection'] {
  const fileDescriptorProtos = options.fileDescriptors.map((base64) => Buffer.from(base64, 'base64'));
  return { [options.name]: { format: 'Protocol Buffer 3 FileDescriptorProto', fileDescriptorProtos } } as unknown as GrpcServiceRegistration['reflection'];
}

interface TypedRequest {
  docs?: unknown[];
  doc?: unknown;
  parameters?: unknown;
}

function parametersOf(options: TypedGrpcServiceOptions, rpc: TypedRpc, request: TypedRequest): Record<string, unknown> {
  if (rpc.parameters === undefined) return (typeof request.parameters === 'object' && request.parameters !== null ? request.parameters : {}) as Record<string, unknown>;
  return request.parameters === undefined || request.parameters === null ? {} : docFromMessage(options.messages, rpc.parameters, request.parameters, 'parameters');
}

function unaryHandler(options: TypedGrpcServiceOptions, bound: BoundExecutor, rpc: TypedRpc) {
  return (call: ServerUnaryCall<TypedRequest | UndecodableRequest, unknown>, callback: sendUnaryData<unknown>): void => {
    const cancelled = cancellation(call);
    void (async () => {
      const request = call.request;
      if (request instanceof UndecodableRequest) throw new ProtoArgumentError(request.message);
      const docs = (request.docs ?? []).map((message, index) => docFromMessage(options.messages, rpc.input, message, `docs[${index}]`));
      const outputs = (await bound.post({ on: rpc.on, inputs: docs, parameters: parametersOf(options, rpc, request), signal: cancelled.signal })) as Doc[];
      return { docs: outputs.map((doc) => messageFromDoc(options.messages, rpc.output, doc)) };
    })().then(
      (response) => {
        cancelled.release();
        callback(null, response);
      },
      (error: unknown) => {
        cancelled.release();
        if (cancelled.signal.aborted) return;
        callback(grpcFailure(error, rpc, options.logger));
      },
    );
  };
}

function streamHandler(options: TypedGrpcServiceOptions, bound: BoundExecutor, rpc: TypedRpc) {
  return (call: ServerWritableStream<TypedRequest | UndecodableRequest, unknown>): void => {
    const cancelled = cancellation(call);
    void (async () => {
      const request = call.request;
      if (request instanceof UndecodableRequest) throw new ProtoArgumentError(request.message);
      if (request.doc === undefined || request.doc === null) throw new ProtoArgumentError('doc: required (a generator endpoint reads one document)');
      const input = docFromMessage(options.messages, rpc.input, request.doc, 'doc');
      for await (const doc of bound.stream({ on: rpc.on, input, parameters: parametersOf(options, rpc, request), signal: cancelled.signal })) {
        if (cancelled.signal.aborted) return;
        call.write({ doc: messageFromDoc(options.messages, rpc.output, doc) });
      }
    })().then(
      () => {
        cancelled.release();
        if (!cancelled.signal.aborted) call.end();
      },
      (error: unknown) => {
        cancelled.release();
        if (!cancelled.signal.aborted) call.emit('error', grpcFailure(error, rpc, options.logger));
      },
    );
  };
}

/** An AbortSignal aborted when the client cancels (or the deadline passes); release() once answered. */
function cancellation(call: { on(event: 'cancelled', listener: () => void): unknown; off?(event: 'cancelled', listener: () => void): unknown }) {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new Error('the client cancelled the call'));
  call.on('cancelled', onCancel);
  return { signal: controller.signal, release: () => call.off?.('cancelled', onCancel) };
}

/** The gRPC status of a failed typed call (see the module comment). */
export function grpcFailure(error: unknown, rpc: Pick<TypedRpc, 'executor' | 'on'>, logger?: FailureLogger): { code: GrpcStatus; details: string; metadata: Metadata } {
  const metadata = new Metadata();
  const fail = (code: GrpcStatus, details: string) => {
    if (code !== GrpcStatus.INVALID_ARGUMENT) metadata.set('executor', rpc.executor);
    return { code, details, metadata };
  };
  if (error instanceof ProtoArgumentError || error instanceof DocCodecError) return fail(GrpcStatus.INVALID_ARGUMENT, error.message);
  if (error instanceof ReturnTypeError) return error.role === 'parameters' ? fail(GrpcStatus.INVALID_ARGUMENT, error.message) : fail(GrpcStatus.INTERNAL, error.message);
  if (error instanceof ExecutorError) return fail(GrpcStatus.UNKNOWN, `${rpc.executor} ${rpc.on}: ${error.message}`);
  if (error instanceof ExecutorProtocolError) return fail(GrpcStatus.INTERNAL, error.message);
  if (error instanceof ExecutorNetworkError) return fail(error.code === GrpcStatus.DEADLINE_EXCEEDED ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE, error.message);
  logger?.error({ err: error, executor: rpc.executor, endpoint: rpc.on }, 'typed gRPC call failed');
  return fail(GrpcStatus.INTERNAL, `internal gateway error calling ${rpc.executor} ${rpc.on}`);
}

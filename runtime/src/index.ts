/**
 * @jina-ts/runtime: what a generated (or hand-written) gateway imports.
 *
 * - GatewayStreamer and executor[name].post(): send documents through the Flow or to one executor.
 * - serveExecutor(): a Jina-compatible executor written in TypeScript.
 * - Documents: plain objects with NdArray tensors, and the codecs to docarray's wire and JSON forms.
 * - Errors: ExecutorError (raised inside an executor), ExecutorNetworkError (unreachable, timeout).
 */
export {
  GatewayStreamer,
  type GatewayStreamerOptions,
  type StreamDocOptions,
  type StreamOptions,
  type StreamResult,
} from './streamer/gateway-streamer.js';
export { ExecutorStreamer, type DocValidator, type PostOptions, type StreamDocOptions as ExecutorStreamDocOptions } from './streamer/executor-streamer.js';
export { bindExecutors, type BoundExecutor, type BoundPostOptions, type BoundStreamOptions, type EndpointDescriptor, type ExecutorDescriptors } from './streamer/typed-executors.js';
export { executorRoutePath, registerExecutorRoutes } from './gateway/executor-routes.js';
export { ReturnTypeError, jsonPath, type ValidationProblem } from './streamer/return-type-error.js';
export { EndpointDirectory, type DeploymentEndpoints } from './streamer/endpoint-directory.js';
export { pipeline, type PipelineOptions } from './streamer/request-pipeline.js';

export type { GatewayProtocol, ProtocolServer, ProtocolServerOptions, TlsFiles } from './protocols/protocol-server.js';
export * from './protocols/http/index.js';
export * from './protocols/grpc/index.js';
export * from './protocols/websocket/index.js';

export { ExecutorError, ExecutorNetworkError, ExecutorProtocolError } from './executor/errors.js';
export { DeploymentClient, type CallOptions, type DeploymentClientOptions, type UnaryResult } from './executor/deployment-client.js';
export { UnaryChannel, GrpcCallError, type UnaryChannelOptions, type UnaryCallOptions, type UnaryResponse } from './executor/unary-channel.js';
export { GrpcJsUnaryChannel, type GrpcJsUnaryChannelOptions } from './executor/grpc-js-unary-channel.js';
export { EXECUTOR_TRANSPORTS, EXECUTOR_TRANSPORT_ENV, type ExecutorTransport } from './executor/executor-transport.js';
export { ConnectionPool, type ConnectionPoolOptions } from './executor/connection-pool.js';
export { parseExecutorAddress, type ExecutorAddress } from './executor/address.js';
export { JINA_DEFAULT_GRPC_OPTIONS, channelOptions, compressionAlgorithm, type CompressionName } from './executor/grpc-options.js';

export { serveExecutor, type ExecutorServer, type ServeExecutorOptions } from './executor-server/serve-executor.js';
export {
  BASE_DOC_MODEL,
  DEFAULT_ENDPOINT,
  DRY_RUN_ENDPOINT,
  type BatchEndpoint,
  type DocModel,
  type Endpoint,
  type EndpointContext,
  type GeneratorEndpoint,
  type SingletonEndpoint,
} from './executor-server/endpoint.js';

export { NdArray, markKind, kindOf, type Doc, type DocValue, type NodeKind, type TensorData } from './wire/doc.js';
export { decodeDocList, docFromProto, docToProto, docsFromProto, docsToProto, encodeDocList } from './wire/doc-codec.js';
export { docFromJson, docToJson, docsFromJson, docsToJson } from './wire/doc-json.js';
export type { JsonSchema } from './wire/doc-schema.js';
export { tensor, zeros, ndarrayFromNested, ndarrayToNested } from './wire/tensor.js';
export { DocCodecError } from './wire/codec-error.js';
export {
  type DataRequest,
  dataContentFromDocList,
  decodeDataRequest,
  docListFromDataContent,
  encodeDataRequest,
  newRequestId,
} from './wire/data-request.js';

export * as topology from './topology/index.js';
export { HealthStatus, ServingStatus } from './grpc/health.js';
export { addReflection, type ReflectedPackage } from './grpc/reflection.js';
export { rawService, type RawMethodShape } from './grpc/raw-service.js';
export { runtimeInfo, type RuntimeInfo } from './info.js';
export { RUNTIME_VERSION } from './version.js';

// Gateways: base classes, the runtime that runs them, Jina's flags and config.yml, `jina ping`
export { Gateway, type GatewayClass, type GatewayContext } from './gateway/gateway.js';
export { type AuthProtocol, type AuthRequest, type Authenticator } from './protocols/auth/authenticator.js';
export { BearerAuth } from './protocols/auth/bearer-auth.js';
export { ClientMetadataForwarding } from './protocols/client-metadata.js';
export { FastifyBaseGateway, type FastifyApp, type FastifyAppSource } from './gateway/fastify-base-gateway.js';
export { mergeOpenApi, registerJinaHttpApi, type JinaHttpApiOptions } from './gateway/jina-http-api.js';
export { grpcFailure, typedGrpcService, type FailureLogger, type TypedGrpcServiceOptions, type TypedRpc } from './gateway/typed-grpc-service.js';
export { docFromMessage, messageFromDoc, ProtoArgumentError, type ProtoFieldCodec, type ProtoFieldType, type ProtoMessageCodec, type ProtoMessages } from './gateway/proto-doc-codec.js';
export { BuiltinGateway, BUILTIN_GATEWAY_NAMES, type BuiltinGatewayParams } from './gateway/builtin-gateway.js';
export { GatewayHealth } from './gateway/gateway-health.js';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './gateway/start-gateway.js';
export { startTracing, otlpExporterUrl, type GatewayTracing, type TracingOptions } from './tracing/tracing-sdk.js';
export type { Tracing } from './tracing/tracing.js';
export { TracedDeploymentClient } from './tracing/traced-deployment-client.js';
export { GatewayMetrics, type GatewayMetricsOptions, UNKNOWN_ENDPOINT, EXECUTOR_ERROR } from './metrics/gateway-metrics.js';
export { startMonitoringServer, type MonitoringServer } from './metrics/monitoring-server.js';
export {
  GATEWAY_FLAGS,
  defaultGatewayArgs,
  gatewayArgsFrom,
  parseGatewayArgv,
  type GatewayArgName,
  type GatewayArgs,
  type GatewayArgsInput,
  type ParsedGatewayArgs,
} from './gateway/gateway-args.js';
export { loadGatewayConfig, parseGatewayConfig, type GatewayConfig } from './gateway/gateway-config.js';
export { resolveGateway, type ResolvedGateway } from './gateway/gateway-uses.js';
export type { Failure, Result } from './gateway/result.js';
export { parsePingArgv, ping, type PingOptions, type PingReport, type PingTarget } from './cli/ping.js';
export { runGatewayCommand } from './cli/gateway-command.js';
export { runJinaCommand } from './cli/jina-command.js';

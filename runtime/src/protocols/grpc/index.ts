/**
 * The built-in gRPC gateway: Jina's gateway services (`JinaRPC/Call`, `process_single_data`,
 * `stream_doc`, `endpoint_discovery`, `dry_run`, `_status`, health, reflection) in front of the
 * Flow, on raw bytes.
 *
 * - `startGrpcGateway(options)`: a listening server (`ProtocolServer`), serving the Flow once
 *   endpoint discovery of every deployment succeeded (see `ready`).
 */
export { GATEWAY_GRPC_SERVICES, startGrpcGateway, type GrpcGateway, type GrpcGatewayOptions, type GrpcServiceRegistration } from './grpc-gateway.js';
export { MalformedRequestError } from './request-bytes.js';

/**
 * The built-in HTTP gateway: Jina's docarray-v2 HTTP API in front of the Flow
 * (`POST /{endpoint}`, SSE `GET /{endpoint}` for generator endpoints, `/`, `/status`,
 * `/dry_run`, `/openapi.json`, `/docs`).
 *
 * - `startHttpGateway(options)`: a listening server (`ProtocolServer`), ready once endpoint
 *   discovery of every deployment succeeded (see `ready`).
 * - `buildHttpApp(options)`: the same routes on a fastify instance that does not listen, for
 *   custom gateways (add routes) and tests (`app.inject()`).
 */
export { startHttpGateway, type HttpGateway, type HttpGatewayOptions } from './http-gateway.js';
export { buildHttpApp, createHttpApp, DEFAULT_BODY_LIMIT, type HttpAppOptions } from './http-app.js';
export { DRY_RUN_ENDPOINT, flowEndpointMap, readSchemaEntry, type FlowEndpoint, type FlowModel } from './flow-endpoints.js';
export { discoverFlow, type DiscoveryOptions } from './discovery.js';
export { dryRun } from './dry-run.js';
export { buildOpenApi, type OpenApiDocument, type OpenApiOptions, type OpenApiRoute } from './openapi.js';
export type { ValidationDetail, ValidationErrorBody } from './validation-error.js';

/**
 * The built-in gateway (no `--uses`, or Jina's own class names `GRPCGateway`, `HTTPGateway`,
 * `WebSocketGateway`, `CompositeGateway`, which Jina's exports pass): one protocol front per
 * `--protocol`, each on its own port, in the order given (health checks go to the first).
 *
 * Each front binds at once and reports itself not ready (gRPC health NOT_SERVING, `GET /` 503)
 * until endpoint discovery of every deployment succeeded; `ready` resolves when all are serving.
 * Shutdown drains every front for up to the runtime's grace period.
 *
 * Like Jina's HTTP gateway class, it takes `title`, `description` and `cors` as constructor
 * parameters (`--uses-with`), over the flags; and accepts Jina's docarray-v1 HTTP parameters
 * with their docarray-v2 meaning (none), warning once for each one set to a value that would do
 * something there, as the flags do (gateway-args.ts).
 */
import { startGrpcGateway } from '../protocols/grpc/index.js';
import { startHttpGateway } from '../protocols/http/index.js';
import type { GatewayProtocol, ProtocolServer, ProtocolServerOptions } from '../protocols/protocol-server.js';
import { startWebSocketGateway } from '../protocols/websocket/index.js';
import { flagFor, type GatewayArgName } from './gateway-args.js';
import { authenticatorOf, contextOf, Gateway } from './gateway.js';

export interface BuiltinGatewayParams {
  title: string | undefined;
  description: string | undefined;
  cors: boolean | undefined;
  no_debug_endpoints: boolean | undefined;
  no_crud_endpoints: boolean | undefined;
  expose_endpoints: unknown;
  expose_graphql_endpoint: boolean | undefined;
}

/** Jina's class names for its built-in gateways, and the protocol each serves (Composite: any). */
export const BUILTIN_GATEWAY_NAMES: Readonly<Record<string, GatewayProtocol | undefined>> = {
  GRPCGateway: 'grpc',
  HTTPGateway: 'http',
  WebSocketGateway: 'websocket',
  CompositeGateway: undefined,
};

type Front = ProtocolServer & { readonly ready: Promise<void> };

const START: Record<GatewayProtocol, (options: ProtocolServerOptions) => Promise<Front>> = {
  grpc: startGrpcGateway,
  http: startHttpGateway,
  websocket: startWebSocketGateway,
};

export class BuiltinGateway extends Gateway<BuiltinGatewayParams> {
  static parameters: BuiltinGatewayParams = {
    title: undefined,
    description: undefined,
    cors: undefined,
    no_debug_endpoints: undefined,
    no_crud_endpoints: undefined,
    expose_endpoints: undefined,
    expose_graphql_endpoint: undefined,
  };

  #fronts: Front[] = [];
  #stop: () => void = () => undefined;
  readonly #stopped = new Promise<void>((resolve) => {
    this.#stop = resolve;
  });

  /** The running protocol fronts, in `--protocol` order. */
  get fronts(): readonly ProtocolServer[] {
    return this.#fronts;
  }

  /** Resolves once every front serves the Flow (endpoint discovery done). */
  get ready(): Promise<void> {
    return Promise.all(this.#fronts.map((front) => front.ready)).then(() => undefined);
  }

  override async setupServer(): Promise<void> {
    for (const warning of v1OnlyParameterWarnings(this.params)) this.logger.warn(warning);
    const args = this.runtimeArgs;
    const tls = args.sslCertfile !== undefined && args.sslKeyfile !== undefined ? { certFile: args.sslCertfile, keyFile: args.sslKeyfile } : undefined;
    const options = (port: number): ProtocolServerOptions => ({
      streamer: this.streamer,
      host: args.host,
      port,
      logger: this.logger,
      tls,
      prefetch: args.prefetch,
      cors: this.params.cors ?? args.cors,
      title: this.params.title ?? args.title,
      description: this.params.description ?? args.description,
      grpcServerOptions: args.grpcServerOptions,
      auth: authenticatorOf(this),
      forwardMetadata: contextOf(this).forwardMetadata,
    });
    try {
      for (const [index, protocol] of this.protocols.entries()) {
        this.#fronts.push(await START[protocol](options(this.ports[index]!)));
      }
    } catch (error) {
      // one front could not bind: the others must not keep their ports
      await this.shutdown();
      throw error;
    }
  }

  override async runServer(): Promise<void> {
    await this.#stopped;
  }

  override async shutdown(): Promise<void> {
    const graceMs = contextOf(this).shutdownGraceMs;
    await Promise.all(this.#fronts.map((front) => front.shutdown(graceMs)));
    this.#stop();
  }
}

/** Jina's docarray-v1 HTTP parameters and the flag of each, whose help says why it does nothing here. */
const V1_ONLY_PARAMETERS = {
  no_debug_endpoints: 'noDebugEndpoints',
  no_crud_endpoints: 'noCrudEndpoints',
  expose_endpoints: 'exposeEndpoints',
  expose_graphql_endpoint: 'exposeGraphqlEndpoint',
} as const satisfies Partial<Record<keyof BuiltinGatewayParams, GatewayArgName>>;

export function v1OnlyParameterWarnings(params: Readonly<BuiltinGatewayParams>): string[] {
  const warnings: string[] = [];
  for (const [name, flag] of Object.entries(V1_ONLY_PARAMETERS)) {
    const value: unknown = params[name as keyof typeof V1_ONLY_PARAMETERS];
    const noOp = value === undefined || value === null || value === false || value === '' || value === '{}' || (typeof value === 'object' && Object.keys(value).length === 0);
    if (!noOp) warnings.push(`uses_with ${name} has no effect with docarray v2: ${flagFor(flag).help}; ignored`);
  }
  return warnings;
}

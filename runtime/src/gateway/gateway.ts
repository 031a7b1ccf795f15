/**
 * `Gateway`: the base class of a custom gateway (Jina's `jina.Gateway`). A subclass starts its own
 * server(s) in `setupServer()`, serves until shut down in `runServer()`, and stops in
 * `shutdown()`; the gateway runtime creates it, gives it what Jina's runtime gives a Python
 * gateway, runs it, reports its health and shuts it down on SIGTERM / SIGINT.
 *
 * Injected attributes, readable from the constructor on (field initializers included): `name`,
 * `logger` (pino), `streamer` (the Flow), `executor` (`executor['name'].post(...)`, one per key of
 * `--deployments-addresses`), `runtimeArgs` (every flag, typed), `port` (the first of `ports`),
 * `ports`, `protocols`, `host`, `tracing` (`--tracing`), `tracerProvider` (OpenTelemetry API: with
 * `--tracing` the gateway's own SDK provider, exporting over OTLP/gRPC to `--traces-exporter-host/
 * -port`; otherwise whatever the process registered, a no-op one by default), `metricsRegistry`
 * (`--monitoring`: the prom-client Registry served on `--port-monitoring`, where a gateway may
 * register its own metrics; undefined without it), and `health`, `signal`.
 *
 * Constructor parameters (Jina's `uses_with` and config.yml's `with:`) arrive as `params`. A class
 * declares the ones it takes, with their defaults, in a static `parameters` object; a key given
 * in `with:` or `--uses-with` that is not declared there is an error naming it:
 *
 *     interface Params { greeting: string; times: number }
 *     export class MyGateway extends Gateway<Params> {
 *       static parameters: Params = { greeting: 'hello', times: 1 };
 *       async setupServer() { ... this.params.greeting ... this.executor['encoder'].post(...) }
 *       ...
 *     }
 *
 * The runtime sets the injected attributes before the constructor body runs, through a slot it
 * fills only while it calls `new` (`createGateway`); a gateway constructed any other way has no
 * attributes, and reading one says so.
 */
import { trace, type TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuthRequest } from '../protocols/auth/authenticator.js';
import type { BearerAuth } from '../protocols/auth/bearer-auth.js';
import type { ClientMetadataForwarding } from '../protocols/client-metadata.js';
import type { GatewayProtocol } from '../protocols/protocol-server.js';
import type { ExecutorStreamer } from '../streamer/executor-streamer.js';
import type { GatewayStreamer } from '../streamer/gateway-streamer.js';
import type { GatewayArgs } from './gateway-args.js';
import type { GatewayHealth } from './gateway-health.js';

/** What the runtime gives a gateway. */
export interface GatewayContext {
  readonly name: string;
  readonly logger: Logger;
  readonly streamer: GatewayStreamer;
  /** Every flag; `ports` holds one port per protocol (free ports picked for the missing ones). */
  readonly runtimeArgs: Readonly<GatewayArgs>;
  readonly tracerProvider: TracerProvider;
  readonly health: GatewayHealth;
  /** Aborted when shutdown starts (e.g. to stop waiting for executors during start-up). */
  readonly signal: AbortSignal;
  /** Time a shutdown may spend answering requests in flight, in ms. */
  readonly shutdownGraceMs: number;
  /** The constructor parameters (`with:` and `--uses-with` over the declared defaults). */
  readonly params: Readonly<Record<string, unknown>>;
  /** --auth-token-env: the bearer token every request must carry; undefined: no inbound auth. */
  readonly auth?: BearerAuth | undefined;
  /** --forward-metadata: the client headers / metadata sent on to executors; undefined: none. */
  readonly forwardMetadata?: ClientMetadataForwarding | undefined;
}

/** A concrete gateway class, with the parameters it declares. */
export interface GatewayClass<G extends Gateway<object> = Gateway<object>> {
  new (params: never): G;
  readonly name: string;
  /** The constructor parameters it takes, with their defaults. */
  readonly parameters?: object;
}

const CONTEXT_SLOT = Symbol.for('@jina-ts/runtime:gateway-context');
// On globalThis, not in this module: a gateway module may load its own copy of the runtime.
const slot = globalThis as { [CONTEXT_SLOT]?: GatewayContext };
// Not a field of the instance: a subclass may well have a `context` of its own.
const contexts = new WeakMap<object, GatewayContext>();

export abstract class Gateway<P extends object = Record<string, unknown>> {
  /** The constructor parameters: the declared defaults, config.yml's `with:`, `--uses-with`. */
  readonly params: Readonly<P>;

  constructor(params?: P) {
    const context = slot[CONTEXT_SLOT];
    if (context !== undefined) contexts.set(this, context);
    this.params = (params ?? context?.params ?? {}) as Readonly<P>;
  }

  /** Starts the server(s): bind, add routes or services. Resolving means "ready to serve". */
  abstract setupServer(): Promise<void>;
  /** Serves until `shutdown()`; resolving ends the gateway. */
  abstract runServer(): Promise<void>;
  /** Stops accepting, answers requests in flight, frees resources. */
  abstract shutdown(): Promise<void>;

  /**
   * Whether a request may be served (HTTP, the WebSocket upgrade, gRPC calls; not `GET /`, CORS
   * preflights or gRPC health). By default: with `--auth-token-env`, whether it carries that bearer
   * token; without it, yes. Override it to check something else (an API key header, a JWT, a call
   * to an auth service); it may be async, and throwing refuses. Refusals say only 401
   * `{"detail": "Not authenticated"}` / UNAUTHENTICATED. The runtime asks it on the servers it
   * runs (built-in gateways, FastifyBaseGateway's app and gRPC port); a plain `Gateway` with
   * servers of its own calls it itself.
   */
  authorize(request: AuthRequest): boolean | Promise<boolean> {
    const auth = contextOf(this).auth;
    return auth === undefined || auth.accepts(request.headers.authorization);
  }

  /**
   * Runs `fn` with the `--forward-metadata` entries of `headers` (a request's headers or gRPC
   * metadata map) sent on with every executor call it makes; without the flag, just runs `fn`.
   * The runtime does this for the servers it runs; a plain `Gateway` calls it from its handlers.
   */
  forwardClientMetadata<T>(headers: Readonly<Record<string, unknown>>, fn: () => T): T {
    const forwarding = contextOf(this).forwardMetadata;
    return forwarding === undefined ? fn() : forwarding.run(headers, fn);
  }

  get name(): string {
    return contextOf(this).name;
  }

  get logger(): Logger {
    return contextOf(this).logger;
  }

  get streamer(): GatewayStreamer {
    return contextOf(this).streamer;
  }

  /** `this.executor['name'].post({ on, inputs, parameters })`: one deployment, without the Flow graph. */
  get executor(): Readonly<Record<string, ExecutorStreamer>> {
    return contextOf(this).streamer.executor;
  }

  get runtimeArgs(): Readonly<GatewayArgs> {
    return contextOf(this).runtimeArgs;
  }

  /** The first port: the one health checks go to. */
  get port(): number {
    return contextOf(this).runtimeArgs.ports[0]!;
  }

  get ports(): readonly number[] {
    return contextOf(this).runtimeArgs.ports;
  }

  get protocols(): readonly GatewayProtocol[] {
    return contextOf(this).runtimeArgs.protocols;
  }

  get host(): string {
    return contextOf(this).runtimeArgs.host;
  }

  get tracing(): boolean {
    return contextOf(this).runtimeArgs.tracing;
  }

  get tracerProvider(): TracerProvider {
    return contextOf(this).tracerProvider;
  }

  /** --monitoring: the registry /metrics serves (add a gateway's own metrics to it); undefined without it. */
  get metricsRegistry(): Registry | undefined {
    return contextOf(this).streamer.metrics?.registry;
  }

  get health(): GatewayHealth {
    return contextOf(this).health;
  }

  /** Aborted when shutdown starts. */
  get signal(): AbortSignal {
    return contextOf(this).signal;
  }
}

/**
 * The authenticator the runtime's servers ask for `gateway`: its `authorize()` when it has auth
 * (`--auth-token-env`) or overrides `authorize()`; undefined otherwise (nothing to check).
 */
export function authenticatorOf(gateway: Gateway<object>): ((request: AuthRequest) => boolean | Promise<boolean>) | undefined {
  const overridden = gateway.authorize !== Gateway.prototype.authorize;
  if (!overridden && contextOf(gateway).auth === undefined) return undefined;
  return (request) => gateway.authorize(request);
}

/** What the runtime gave `gateway`; throws when it was constructed without the runtime. */
export function contextOf(gateway: Gateway<object>): GatewayContext {
  const context = contexts.get(gateway);
  if (context === undefined) {
    throw new Error(
      `${gateway.constructor.name}: name, logger, streamer, executor, ports, ... are given by the gateway runtime; start the gateway with startGateway() or \`jina gateway --uses\`, not with \`new\``,
    );
  }
  return context;
}

/** Creates `gatewayClass` with `context` injected (see `Gateway`). */
export function createGateway<G extends Gateway<object>>(gatewayClass: GatewayClass<G>, context: GatewayContext): G {
  const previous = slot[CONTEXT_SLOT];
  slot[CONTEXT_SLOT] = context;
  try {
    return new (gatewayClass as unknown as new (params: Readonly<Record<string, unknown>>) => G)(context.params);
  } finally {
    slot[CONTEXT_SLOT] = previous;
  }
}

/** Whether `value` is a gateway class (by shape: a gateway module may use its own copy of this package). */
export function isGatewayClass(value: unknown): value is GatewayClass {
  if (typeof value !== 'function') return false;
  const prototype = (value as { prototype?: Record<string, unknown> }).prototype;
  return (
    prototype !== undefined &&
    typeof prototype.setupServer === 'function' &&
    typeof prototype.runServer === 'function' &&
    typeof prototype.shutdown === 'function'
  );
}

/** The tracer provider given to gateways: whatever SDK the process registered (a no-op one otherwise). */
export function globalTracerProvider(): TracerProvider {
  return trace.getTracerProvider();
}

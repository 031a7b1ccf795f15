/**
 * The gateway runtime: what Jina's `GatewayRuntime` does for a gateway, in one function.
 *
 *   arguments (command line, code or config.yml) → logger → gateway class and its parameters
 *   → ports (free ones for protocols given none) → the Flow's streamer (and JINA_STREAMER_ARGS)
 *   → `new GatewayClass(params)` with the attributes injected → `setupServer()` → serving
 *   → `runServer()` … until `stop()` (SIGTERM / SIGINT when `handleSignals`): not serving
 *   → `shutdown()` (requests in flight answered, up to the grace period) → executor connections closed.
 *
 * Every step before serving returns a failure instead of throwing, and undoes what it started:
 * a gateway that cannot start leaves no port bound and no connection open.
 */
import type { DestinationStream } from 'pino';
import { channelOptionWarnings, EXECUTOR_TRANSPORT_ENV, resolveExecutorTransport } from '../executor/executor-transport.js';
import { GatewayStreamer, type GatewayStreamerOptions } from '../streamer/gateway-streamer.js';
import { type GatewayArgName, type GatewayArgs, type GatewayArgsInput, gatewayArgsFrom, parseGatewayArgv } from './gateway-args.js';
import { GatewayHealth } from './gateway-health.js';
import { createGatewayLogger } from './gateway-logger.js';
import { resolveGateway } from './gateway-uses.js';
import { createGateway, type Gateway, type GatewayClass, globalTracerProvider } from './gateway.js';
import { BuiltinGateway } from './builtin-gateway.js';
import { BearerAuth } from '../protocols/auth/bearer-auth.js';
import { ClientMetadataForwarding } from '../protocols/client-metadata.js';
import { freePort } from './free-port.js';
import { fail, messageOf, ok, type Result } from './result.js';
import type { GatewayTracing } from '../tracing/tracing-sdk.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { type MonitoringServer, registrySource, startMonitoringServer } from '../metrics/monitoring-server.js';
import { shareMetricsWithSupervisor } from '../metrics/cluster-metrics.js';
import cluster from 'node:cluster';

export interface StartGatewayOptions {
  /** A command line as `jina gateway` takes it (without the command words). */
  readonly argv?: readonly string[];
  /** Or arguments from code (native values or command-line strings), over Jina's defaults. */
  readonly args?: GatewayArgsInput;
  /** A class to run instead of `--uses`. */
  readonly gatewayClass?: GatewayClass;
  /** Constructor parameters of `gatewayClass` (`--uses-with` goes over them). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Base of relative paths (`--uses`, `--py-modules`). Default: the working directory. */
  readonly cwd?: string;
  /** Environment read for JINA_LOG_LEVEL / JINA_LOG_CONFIG and written with JINA_STREAMER_ARGS. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where logs go (default: stdout). */
  readonly logDestination?: DestinationStream;
  /** Time shutdown may spend answering requests in flight, in ms. Default 30 000 (Kubernetes' default grace period). */
  readonly shutdownGraceMs?: number;
  /** Stop on SIGTERM / SIGINT (the command line does). Default false. */
  readonly handleSignals?: boolean;
}

export interface RunningGateway {
  readonly gateway: Gateway<object>;
  readonly streamer: GatewayStreamer;
  /** The arguments it runs with (config.yml applied, free ports filled in). */
  readonly args: Readonly<GatewayArgs>;
  readonly ports: readonly number[];
  /** --monitoring: the port /metrics is served on; undefined without it (and in a --workers worker: the supervisor serves it). */
  readonly monitoringPort: number | undefined;
  readonly warnings: readonly string[];
  /** Resolves when the gateway serves the Flow (built-in gateway: endpoint discovery done). */
  readonly ready: Promise<void>;
  /** Resolves once the gateway stopped (after `stop()`, or when `runServer()` ended by itself). */
  readonly done: Promise<void>;
  /** Not serving, then `shutdown()` (requests in flight answered), then connections closed. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export async function startGateway(options: StartGatewayOptions = {}): Promise<Result<RunningGateway>> {
  const env = options.env ?? process.env;
  const parsed = readArgs(options);
  if (!parsed.ok) return parsed;
  const resolved = await resolveGateway(parsed.value.args, {
    given: parsed.value.given,
    cwd: options.cwd,
    gatewayClass: options.gatewayClass,
    params: options.params,
  });
  if (!resolved.ok) return resolved;
  const args = structuredClone(resolved.value.args);

  const created = await createGatewayLogger(args, env, options.logDestination);
  if (!created.ok) return created;
  const logger = created.value.logger;
  const transport = resolveExecutorTransport(args.executorTransport, env);
  if (!transport.ok) return transport;
  const warnings = [
    ...parsed.value.warnings,
    ...resolved.value.warnings,
    ...created.value.warnings,
    ...channelOptionWarnings(args.grpcChannelOptions, transport.value),
  ];
  for (const warning of warnings) logger.warn(warning);
  if (transport.value !== 'own') logger.info(`unary calls to executors go over ${transport.value} (--executor-transport / ${EXECUTOR_TRANSPORT_ENV})`);

  if (!args.proxy) {
    // Jina's rule: proxies of the environment must not capture gateway → executor traffic
    delete env.http_proxy;
    delete env.https_proxy;
  }
  try {
    while (args.ports.length < args.protocols.length) args.ports.push(await freePort(args.host));
  } catch (error) {
    return fail(`--host ${args.host}: cannot pick a free port (${messageOf(error)})`, error);
  }

  let tracing: GatewayTracing | undefined;
  if (args.tracing) {
    try {
      // loaded only here: a gateway without --tracing never loads the OpenTelemetry SDK
      const { startTracing } = await import('../tracing/tracing-sdk.js');
      tracing = await startTracing({
        serviceName: args.name,
        exporterHost: args.tracesExporterHost,
        exporterPort: args.tracesExporterPort,
        env,
        onDiagnostic: (message) => logger.warn(`tracing: ${message}`),
      });
    } catch (error) {
      return fail(`--tracing: cannot set up OpenTelemetry tracing: ${messageOf(error)}`, error);
    }
    const tlsByDefault = tracing.exporterUrl?.startsWith('https:') === true && !/^https:/i.test(args.tracesExporterHost ?? '');
    logger.info(
      `tracing: spans are exported over OTLP/gRPC to ${tracing.exporterUrl ?? 'the OTEL_EXPORTER_OTLP_* endpoint (default http://localhost:4317)'}` +
        (tlsByDefault ? ' (TLS, as Jina does for a host without http://; give --traces-exporter-host http://NAME for clear text)' : ''),
    );
  }
  let monitoring: MonitoringServer | undefined;
  // what the gateway's observability started, stopped when the gateway stops or fails to start
  const stopObservability = async (): Promise<void> => {
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing: exporting the last spans failed'));
    await monitoring?.close();
  };

  const metrics = args.monitoring ? new GatewayMetrics({ runtimeName: args.name }) : undefined;
  const streamerOptions = { ...streamerOptionsFrom(args), executorTransport: transport.value, tracing, metrics };
  let streamer: GatewayStreamer;
  try {
    streamer = new GatewayStreamer(streamerOptions);
  } catch (error) {
    await stopObservability();
    return fail(messageOf(error), error);
  }
  if (metrics !== undefined && cluster.isWorker) {
    // --workers: the supervisor serves the monitoring port, with every worker's metrics added up
    shareMetricsWithSupervisor(metrics.registry);
  } else if (metrics !== undefined) {
    const wanted = args.portMonitoring[0] ?? 0;
    try {
      monitoring = await startMonitoringServer(registrySource(metrics.registry), args.host, wanted);
    } catch (error) {
      streamer.close();
      await stopObservability();
      return fail(`--monitoring: cannot serve the metrics on ${args.host}:${wanted} (${messageOf(error)})`, error);
    }
    logger.info(`monitoring: Prometheus metrics on http://${args.host}:${monitoring.port}/metrics`);
  }
  // What Jina's gateway writes, so that GatewayStreamer.get() works in the gateway's own code
  env.JINA_STREAMER_ARGS = GatewayStreamer.argsFor(streamerOptions);
  // ... and the transport the flag chose (Jina's JSON has no place for it; get_streamer() takes its keys as kwargs)
  if (args.executorTransport !== undefined) env[EXECUTOR_TRANSPORT_ENV] = args.executorTransport;

  let auth: BearerAuth | undefined;
  if (args.authTokenEnv !== undefined) {
    const fromEnv = BearerAuth.fromEnv(args.authTokenEnv, env);
    if (!fromEnv.ok) {
      streamer.close();
      await stopObservability();
      return fromEnv;
    }
    auth = fromEnv.value;
    logger.info(`auth: every request needs the bearer token of $${args.authTokenEnv} (GET / and gRPC health stay open)`);
  }

  const forwarding = ClientMetadataForwarding.parse(args.forwardMetadata);
  if (!forwarding.ok) {
    streamer.close();
    await stopObservability();
    return forwarding;
  }
  if (forwarding.value !== undefined) logger.info(`client metadata forwarded to executors: ${forwarding.value.names.join(', ')}`);

  const health = new GatewayHealth();
  const abort = new AbortController();
  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  let gateway: Gateway<object>;
  try {
    gateway = createGateway(resolved.value.gatewayClass, {
      name: args.name,
      logger,
      streamer,
      runtimeArgs: args,
      tracerProvider: tracing?.tracerProvider ?? globalTracerProvider(),
      health,
      signal: abort.signal,
      shutdownGraceMs,
      params: resolved.value.params,
      auth,
      forwardMetadata: forwarding.value,
    });
  } catch (error) {
    streamer.close();
    await stopObservability();
    return fail(`${resolved.value.gatewayClass.name}: its constructor failed: ${messageOf(error)}`, error);
  }

  const className = resolved.value.gatewayClass.name;
  try {
    await gateway.setupServer();
  } catch (error) {
    abort.abort();
    await gateway.shutdown().catch(() => undefined);
    streamer.close();
    await stopObservability();
    return fail(`${className}.setupServer() failed: ${messageOf(error)}`, error);
  }
  health.setServing(true);
  const ready = gateway instanceof BuiltinGateway ? gateway.ready : Promise.resolve();
  ready.catch(() => undefined);
  logger.info({ protocols: args.protocols, ports: args.ports, host: args.host }, `${className} started: ${args.protocols.map((protocol, index) => `${protocol} on ${args.host}:${args.ports[index]}`).join(', ')}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.setServing(false);
      abort.abort();
      try {
        await gateway.shutdown();
      } catch (error) {
        logger.error({ err: error }, `${className}.shutdown() failed`);
      }
      await running;
    })();
    return stopping;
  };

  let removeSignals = (): void => undefined;
  if (options.handleSignals === true) {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info(`${signal}: stopping; answering requests in flight (up to ${shutdownGraceMs / 1000} s)`);
      void stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    removeSignals = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }

  const running = (async () => {
    try {
      await gateway.runServer();
    } catch (error) {
      logger.error({ err: error }, `${className}.runServer() failed`);
      process.exitCode ??= 1;
    }
  })();
  const done = running.then(async () => {
    // runServer() may end by itself (its server closed): shut down what is left
    if (stopping === undefined) await stop();
    else await stopping;
    streamer.close();
    await stopObservability();
    removeSignals();
    logger.info(`${className} stopped`);
  });

  return ok({ gateway, streamer, args, ports: args.ports, monitoringPort: monitoring?.port, warnings, ready, done, stop });
}

function readArgs(options: StartGatewayOptions): Result<{ args: GatewayArgs; given: ReadonlySet<GatewayArgName>; warnings: readonly string[] }> {
  if (options.argv !== undefined && options.args !== undefined) return fail('startGateway: give argv or args, not both');
  if (options.argv !== undefined) {
    const parsed = parseGatewayArgv(options.argv);
    if (!parsed.ok) return parsed;
    return ok(parsed.value);
  }
  const input = options.args ?? {};
  const fromCode = gatewayArgsFrom(input);
  if (!fromCode.ok) return fromCode;
  const given = new Set(Object.keys(input).filter((key) => input[key as GatewayArgName] !== undefined) as GatewayArgName[]);
  return ok({ args: fromCode.value.args, given, warnings: fromCode.value.warnings });
}

function streamerOptionsFrom(args: GatewayArgs): GatewayStreamerOptions {
  return {
    graphDescription: args.graphDescription,
    graphConditions: args.graphConditions,
    deploymentsAddresses: args.deploymentsAddresses,
    deploymentsMetadata: args.deploymentsMetadata,
    deploymentsNoReduce: args.deploymentsNoReduce,
    // Jina: 0 or absent means no deadline
    timeoutSend: args.timeoutSend === 0 ? undefined : args.timeoutSend,
    retries: args.retries,
    compression: args.compression,
    prefetch: args.prefetch,
    grpcChannelOptions: args.grpcChannelOptions as GatewayStreamerOptions['grpcChannelOptions'],
  };
}

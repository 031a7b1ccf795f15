/**
 * `--tracing`: the OpenTelemetry SDK of the gateway, as Jina sets up its own
 * (jina/serve/instrumentation/__init__.py): a tracer provider whose resource names the service
 * (`--name`, plus the K8S_* variables Jina reads), a batch span processor and an OTLP/gRPC
 * exporter to `--traces-exporter-host:--traces-exporter-port`. Loaded with `import()` only when
 * `--tracing` is given, so a gateway without it never loads the SDK.
 *
 * The address follows Jina's rule (its exporter is Python's OTLPSpanExporter with
 * `endpoint=f'{host}:{port}'`): a host given as `http://name` is exported to in clear text, one
 * given as `https://name` or as a bare name over TLS, unless OTEL_EXPORTER_OTLP_INSECURE=true.
 * Where Jina would export to "None:None" (a flag missing), the port defaults to 4317 and a
 * missing host leaves the address to the exporter (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else
 * http://localhost:4317).
 *
 * The provider is not registered as OpenTelemetry's global one (Jina does not either): a custom
 * gateway gets it as `this.tracerProvider`. The AsyncLocalStorage context manager is registered
 * (when none is), which carries the inbound request's span to the executor calls it makes.
 */
import type { TracerProvider } from '@opentelemetry/api';
import type { Tracing } from './tracing.js';

export interface TracingOptions {
  /** The service name of the spans (Jina: the runtime's name, `gateway` for the gateway). */
  readonly serviceName: string;
  readonly exporterHost?: string | undefined;
  readonly exporterPort?: number | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Where export failures are reported (OpenTelemetry's diag errors and warnings); default: nowhere. */
  readonly onDiagnostic?: ((message: string) => void) | undefined;
}

export interface GatewayTracing extends Tracing {
  readonly tracerProvider: TracerProvider;
  /** The OTLP/gRPC address spans are exported to; undefined: the exporter's default. */
  readonly exporterUrl: string | undefined;
  /** Exports the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** Jina's resource attributes from the environment (ENV_RESOURCE_ATTRIBUTES). */
const ENV_RESOURCE_ATTRIBUTES: Readonly<Record<string, string>> = {
  K8S_NAMESPACE_NAME: 'k8s.namespace.name',
  K8S_DEPLOYMENT_NAME: 'k8s.deployment.name',
  K8S_STATEFULSET_NAME: 'k8s.statefulset.name',
  K8S_CLUSTER_NAME: 'k8s.cluster.name',
  K8S_NODE_NAME: 'k8s.node.name',
  K8S_POD_NAME: 'k8s.pod.name',
};

const DEFAULT_OTLP_GRPC_PORT = 4317;

/** The exporter URL for `--traces-exporter-host/-port`, by Jina's clear-text-or-TLS rule (see above). */
export function otlpExporterUrl(host: string | undefined, port: number | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (host === undefined || host === '') return undefined;
  const address = `${host}:${port ?? DEFAULT_OTLP_GRPC_PORT}`;
  if (/^https?:\/\//i.test(host)) return address;
  return `${env.OTEL_EXPORTER_OTLP_INSECURE?.toLowerCase() === 'true' ? 'http' : 'https'}://${address}`;
}

export async function startTracing(options: TracingOptions): Promise<GatewayTracing> {
  const env = options.env ?? process.env;
  const [api, core, sdk, resources, hooks, otlp, semconv] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-grpc'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const attributes: Record<string, string> = { [semconv.ATTR_SERVICE_NAME]: options.serviceName };
  for (const [variable, attribute] of Object.entries(ENV_RESOURCE_ATTRIBUTES)) {
    const value = env[variable];
    if (value !== undefined) attributes[attribute] = value;
  }
  const exporterUrl = otlpExporterUrl(options.exporterHost, options.exporterPort, env);
  const exporter = new otlp.OTLPTraceExporter(exporterUrl === undefined ? {} : { url: exporterUrl });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes(attributes),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
  });
  // A second gateway in the process (or the user's SDK) may have registered one already: keep it.
  const report = options.onDiagnostic;
  if (report !== undefined) {
    // what Python's exporter logs as "Failed to export traces to ...": a collector that is down stays visible
    const log = (message: string, ...args: unknown[]) => report([readableError(message), ...args.map(String)].join(' '));
    const ignore = () => undefined;
    api.diag.setLogger({ error: log, warn: log, info: ignore, debug: ignore, verbose: ignore }, api.DiagLogLevel.WARN);
  }
  const contextManager = new hooks.AsyncLocalStorageContextManager();
  if (api.context.setGlobalContextManager(contextManager)) contextManager.enable();
  return {
    tracerProvider: provider,
    tracer: provider.getTracer('jina-ts-gateway'),
    // Python's default (OTEL_PROPAGATORS=tracecontext,baggage), what Jina's executors extract with
    propagator: new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
    exporterUrl,
    shutdown: () => provider.shutdown(),
  };
}

/** OpenTelemetry's error handler passes errors on as JSON (stack and all): their message is what tells. */
function readableError(message: string): string {
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : message;
  } catch {
    return message;
  }
}

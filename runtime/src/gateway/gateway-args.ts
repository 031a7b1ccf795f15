/**
 * Every flag of Jina's gateway parser (`jina gateway`, `set_gateway_parser` in jina 3.34), typed
 * and checked, with Jina's defaults: what the gateway runtime runs with, whether it comes from a
 * command line (`parseGatewayArgv`), from `config.yml` or from code (`gatewayArgsFrom`).
 *
 * Flags fall in three groups (`FlagSpec.effect`):
 * - `used`: does here what it does in Jina (the help says how, where it differs);
 * - `v1-only`: means something to Jina's docarray-v1 HTTP app only, so Jina's docarray-v2 gateway
 *   ignores it silently (`--no-debug-endpoints`, `--no-crud-endpoints`, `--expose-endpoints`): here
 *   a value that would do something there warns once, so nobody believes their debug routes are
 *   off; the no-op values stay quiet (Kubernetes exports always pass `--expose-endpoints '{}'`);
 * - `warn`: only means something to Jina's Python runtime or its orchestrator (`--py-modules` with
 *   Python files, `--uvicorn-kwargs`, `--k8s-namespace`, `--replicas`, ...):
 *   accepted, so that images run unchanged under Jina's exports, with a one-line warning each.
 * Flags Jina does not know at all are warned about too (Jina's CLI does the same), never fatal:
 * an export from another Jina version must not crash-loop a pod.
 *
 * JSON-valued flags are parsed here, with errors naming the flag; what the Flow flags mean
 * (nodes, addresses, conditions) is checked by the topology when the streamer is built.
 */
import type { GatewayProtocol } from '../protocols/protocol-server.js';
import { type FlagArity, type FlagDefinition, splitArgv } from '../cli/flag-parser.js';
import { EXECUTOR_TRANSPORT_ENV, EXECUTOR_TRANSPORTS, type ExecutorTransport } from '../executor/executor-transport.js';
import { isPlainObject, parseKeyValues } from '../cli/key-values.js';
import { fail, ok, type Result } from './result.js';

export type CompressionName = 'NoCompression' | 'Deflate' | 'Gzip';

export interface GatewayArgs {
  // The Flow
  /** --graph-description: `{node: [successor, ...]}`, with `start-gateway` and `end-gateway`. */
  graphDescription: Record<string, unknown>;
  /** --graph-conditions: `{node: <docarray filter query>}`. */
  graphConditions: Record<string, unknown>;
  /** --deployments-addresses: `{node: [address, ...]}` or `{node: {GRPC: [...], HTTP: [...]}}`. */
  deploymentsAddresses: Record<string, unknown>;
  /** --deployments-metadata: `{node: {key: value}}`, sent as gRPC metadata. */
  deploymentsMetadata: Record<string, unknown>;
  /** --deployments-no-reduce: nodes that receive every part at a join instead of one merged request. */
  deploymentsNoReduce: unknown[];

  // Calls to executors
  /** --timeout-send, ms; undefined (or 0, as in Jina) = no deadline. */
  timeoutSend: number | undefined;
  /** --retries; < 0 = max(3, replicas). */
  retries: number;
  compression: CompressionName | undefined;
  /** --prefetch: requests in flight per client stream; 0 = unlimited. */
  prefetch: number;
  grpcChannelOptions: Record<string, unknown>;
  /** --auth-token-env (ours): the environment variable holding the bearer token clients must send. */
  authTokenEnv: string | undefined;
  /** --forward-metadata (ours): client header / metadata names sent on to executors. */
  forwardMetadata: string[];
  /** --executor-transport (not Jina's): the client of unary calls to executors; undefined: JINA_TS_EXECUTOR_TRANSPORT, else `own`. */
  executorTransport: ExecutorTransport | undefined;

  // The server
  name: string;
  host: string;
  protocols: GatewayProtocol[];
  /** As given; shorter than `protocols` (or empty) until the runtime picks free ports for the rest. */
  ports: number[];
  sslCertfile: string | undefined;
  sslKeyfile: string | undefined;
  cors: boolean;
  title: string | undefined;
  description: string | undefined;
  grpcServerOptions: Record<string, unknown>;
  /** Keep `http_proxy` / `https_proxy`; otherwise they are unset before calling executors (Jina's rule). */
  proxy: boolean;
  /** --workers (ours, not Jina's): processes serving the same ports, one per core (cli/gateway-workers.ts). */
  workers: number;

  // Custom gateways
  uses: string | undefined;
  usesWith: Record<string, unknown>;
  pyModules: string[];
  workspace: string | undefined;

  // Logging and tracing
  logConfig: string;
  quiet: boolean;
  quietError: boolean;
  tracing: boolean;
  tracesExporterHost: string | undefined;
  tracesExporterPort: number | undefined;
  /** --monitoring: Prometheus metrics on the first of --port-monitoring. */
  monitoring: boolean;
  portMonitoring: number[];
  metrics: boolean;
  metricsExporterHost: string | undefined;
  metricsExporterPort: number | undefined;

  // Accepted with Jina's docarray-v2 meaning (none)
  noDebugEndpoints: boolean;
  noCrudEndpoints: boolean;
  exposeEndpoints: Record<string, unknown> | undefined;

  // Accepted for compatibility, no effect here
  exposeGraphqlEndpoint: boolean;
  uvicornKwargs: Record<string, unknown>;
  k8sNamespace: string | undefined;
  replicas: number;
  env: Record<string, unknown>;
  envFromSecret: Record<string, unknown>;
  imagePullSecrets: string[];
  entrypoint: string | undefined;
  dockerKwargs: Record<string, unknown>;
  timeoutReady: number;
  timeoutCtrl: number;
  runtimeCls: string;
  podRole: string;
  shardId: number;
  replicaId: number;
  noblockOnStart: boolean;
  workspaceId: string | undefined;
  extraSearchPaths: string[];
  floating: boolean;
  reload: boolean;
  stateful: boolean;
  peerPorts: string[];
  provider: string;
  providerEndpoint: string | undefined;
}

export type GatewayArgName = keyof GatewayArgs;

/** Values for `gatewayArgsFrom`: native values (objects, numbers, lists) or strings as on a command line. */
export type GatewayArgsInput = { [K in GatewayArgName]?: unknown };

type FlagKind =
  | { type: 'string' }
  | { type: 'int'; min?: number }
  | { type: 'switch' }
  | { type: 'ports' }
  | { type: 'protocols' }
  | { type: 'json-object' }
  | { type: 'json-list' }
  | { type: 'key-values' }
  | { type: 'strings' }
  | { type: 'choice'; choices: readonly string[] };

export type FlagEffect = 'used' | 'v1-only' | 'warn';

export interface FlagSpec extends FlagDefinition {
  readonly key: GatewayArgName;
  readonly kind: FlagKind;
  readonly default: unknown;
  /** Heading of its group in `--help`. */
  readonly group: string;
  /** What the flag does here (for `warn` flags: why it is ignored). */
  readonly help: string;
  readonly effect: FlagEffect;
}

const FLOW = 'The Flow (what Jina passes to every gateway)';
const CALLS = 'Calls to executors';
const SERVER = 'Server';
const CUSTOM = 'Custom gateways';
const LOGS = 'Logging, tracing and metrics';
const V2 = "Jina's docarray-v1 HTTP app only: no effect (as in Jina's docarray-v2 gateway), a warning each when set";
const IGNORED = 'Accepted for compatibility with Jina, no effect here (a warning each)';

function spec(
  key: GatewayArgName,
  names: string[],
  kind: FlagKind,
  defaultValue: unknown,
  group: string,
  help: string,
  effect: FlagEffect = 'used',
): FlagSpec {
  return { key, names, arity: arityOf(kind), kind, default: defaultValue, group, help, effect };
}

function arityOf(kind: FlagKind): FlagArity {
  switch (kind.type) {
    case 'switch':
      return 'none';
    case 'ports':
    case 'protocols':
      return 'many';
    case 'key-values':
    case 'strings':
      return 'any';
    default:
      return 'one';
  }
}

const str: FlagKind = { type: 'string' };
const int: FlagKind = { type: 'int' };
const nonNegative: FlagKind = { type: 'int', min: 0 };
const flag: FlagKind = { type: 'switch' };
const jsonObject: FlagKind = { type: 'json-object' };
const keyValues: FlagKind = { type: 'key-values' };
const strings: FlagKind = { type: 'strings' };

/** Every flag of Jina's gateway parser, in `--help` order. */
export const GATEWAY_FLAGS: readonly FlagSpec[] = [
  spec('graphDescription', ['--graph-description'], jsonObject, {}, FLOW, 'JSON: the DAG {node: [successors]}, with "start-gateway" and "end-gateway"'),
  spec('graphConditions', ['--graph-conditions'], jsonObject, {}, FLOW, 'JSON: {node: filter} in docarray\'s query language (a node\'s `when`)'),
  spec('deploymentsAddresses', ['--deployments-addresses'], jsonObject, {}, FLOW, 'JSON: {node: ["grpc://host:port", ...]} (grpcs:// for TLS, bare host:port as compose writes); one per replica or a head; every key is callable as executor[name]'),
  spec('deploymentsMetadata', ['--deployments-metadata'], jsonObject, {}, FLOW, 'JSON: {node: {key: value}}, sent as gRPC metadata with every call to that node'),
  spec('deploymentsNoReduce', ['--deployments-no-reduce', '--deployments-disable-reduce'], { type: 'json-list' }, [], FLOW, 'JSON list: nodes that get every part at a join (one process_data call) instead of one merged request'),

  spec('timeoutSend', ['--timeout-send'], nonNegative, undefined, CALLS, 'deadline of each call to an executor, in ms; absent or 0: none'),
  spec('retries', ['--retries'], int, -1, CALLS, 'retries of a failed call, on the next replica; < 0: max(3, replicas)'),
  spec('compression', ['--compression'], { type: 'choice', choices: ['NoCompression', 'Deflate', 'Gzip'] }, undefined, CALLS, 'gRPC compression of calls to executors: NoCompression | Deflate | Gzip'),
  spec('prefetch', ['--prefetch'], nonNegative, 1000, CALLS, 'requests in flight per client stream (gRPC Call, WebSocket); 0: unlimited'),
  spec('grpcChannelOptions', ['--grpc-channel-options'], keyValues, {}, CALLS, 'JSON or key=value: grpc-js channel options to executors, over Jina\'s defaults'),
  spec('executorTransport', ['--executor-transport'], { type: 'choice', choices: EXECUTOR_TRANSPORTS }, undefined, CALLS, `client of unary calls to executors (not a Jina flag): own (our HTTP/2 client, the default) | grpc-js (grpc-js's unary call: if ours is suspected of a bug, or for --grpc-channel-options only grpc-js reads); absent: ${EXECUTOR_TRANSPORT_ENV}, else own`),

  spec('name', ['--name'], str, 'gateway', SERVER, 'the gateway\'s name (logger name)'),
  spec('host', ['--host', '--host-in'], str, '0.0.0.0', SERVER, 'address to bind'),
  spec('ports', ['--port', '--ports', '--port-expose', '--port-in'], { type: 'ports' }, [], SERVER, 'one port per protocol ("8080 8081" or "8080,8081"); absent: free ports; health checks go to the first'),
  spec('protocols', ['--protocol', '--protocols'], { type: 'protocols' }, ['grpc'], SERVER, 'grpc | http | websocket (any case), one or more, one port each'),
  spec('sslCertfile', ['--ssl-certfile'], str, undefined, SERVER, 'TLS certificate (PEM) for every protocol; needs --ssl-keyfile'),
  spec('sslKeyfile', ['--ssl-keyfile'], str, undefined, SERVER, 'TLS private key (PEM); needs --ssl-certfile'),
  spec('cors', ['--cors'], flag, false, SERVER, 'allow cross-origin requests (HTTP, WebSocket\'s HTTP routes)'),
  spec('title', ['--title'], str, undefined, SERVER, 'title of the OpenAPI document (HTTP)'),
  spec('description', ['--description'], str, undefined, SERVER, 'description of the OpenAPI document (HTTP)'),
  spec('grpcServerOptions', ['--grpc-server-options'], keyValues, {}, SERVER, 'JSON or key=value: grpc-js server options (gRPC), over Jina\'s defaults'),
  spec('proxy', ['--proxy'], flag, false, SERVER, 'keep http_proxy / https_proxy for calls to executors (otherwise unset, as Jina does)'),
  spec('authTokenEnv', ['--auth-token-env'], str, undefined, SERVER, 'NAME: every request must carry `Authorization: Bearer $NAME` (HTTP, WebSocket, gRPC metadata); GET / and gRPC health stay open for probes; not a Jina flag'),
  spec('forwardMetadata', ['--forward-metadata'], strings, [], SERVER, 'NAME ...: client headers (HTTP, the WebSocket upgrade) and gRPC metadata with these names are sent on to executors as gRPC metadata with every call their request makes; nothing else is; not a Jina flag'),
  spec('workers', ['--workers'], { type: 'int', min: 1 }, 1, SERVER, 'processes serving the same ports (node:cluster), e.g. one per core; needs --port; not a Jina flag'),

  spec('uses', ['--uses'], str, undefined, CUSTOM, 'config.yml of a custom gateway (jtype or !Tag, py_modules = its JS/TS module, with:), a JS/TS module exporting one, a class name from --py-modules, or GRPCGateway / HTTPGateway / WebSocketGateway / CompositeGateway (the built-in gateway)'),
  spec('usesWith', ['--uses-with'], keyValues, {}, CUSTOM, 'JSON or key=value: constructor parameters of the custom gateway, over config.yml\'s with:'),
  spec('pyModules', ['--py-modules'], strings, [], CUSTOM, 'JS/TS modules where --uses finds its class (Python files are ignored with a warning)'),
  spec('workspace', ['--workspace'], str, undefined, CUSTOM, 'a directory, given to custom gateways as runtimeArgs.workspace'),

  spec('logConfig', ['--log-config'], str, 'default', LOGS, 'YAML or JSON file whose `level` sets the log level (Python logging handlers in it are ignored); JINA_LOG_LEVEL also works'),
  spec('quiet', ['--quiet'], flag, false, LOGS, 'log nothing'),
  spec('quietError', ['--quiet-error'], flag, false, LOGS, 'log errors without their stack'),
  spec('tracing', ['--tracing'], flag, false, LOGS, 'trace requests with OpenTelemetry: a span per inbound request and per executor call, W3C traceparent sent to executors, spans exported over OTLP/gRPC (custom gateways: this.tracing, this.tracerProvider)'),
  spec('tracesExporterHost', ['--traces-exporter-host'], str, undefined, LOGS, 'with --tracing, the OTLP/gRPC collector\'s host: http://name for clear text, a bare name or https://name for TLS (Jina\'s rule; OTEL_EXPORTER_OTLP_INSECURE=true: clear text); unset: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4317'),
  spec('tracesExporterPort', ['--traces-exporter-port'], int, undefined, LOGS, 'with --tracing, the OTLP/gRPC collector\'s port (default 4317)'),
  spec('monitoring', ['--monitoring'], flag, false, LOGS, 'serve Prometheus metrics on --port-monitoring (Jina\'s gateway metric names, as histograms, plus jina_ts_* by endpoint and deployment; custom gateways: this.metricsRegistry)'),
  spec('portMonitoring', ['--port-monitoring'], { type: 'ports' }, [], LOGS, 'with --monitoring, the port of /metrics (default: a free one, logged; Jina\'s Kubernetes and compose exports pass 9090)'),
  spec('metrics', ['--metrics'], flag, false, LOGS, 'OpenTelemetry metrics export (OTLP) is not implemented here: --monitoring serves the metrics to Prometheus', 'warn'),
  spec('metricsExporterHost', ['--metrics-exporter-host'], str, undefined, LOGS, 'OpenTelemetry metrics export (OTLP) is not implemented here: --monitoring serves the metrics to Prometheus', 'warn'),
  spec('metricsExporterPort', ['--metrics-exporter-port'], int, undefined, LOGS, 'OpenTelemetry metrics export (OTLP) is not implemented here: --monitoring serves the metrics to Prometheus', 'warn'),

  spec('noDebugEndpoints', ['--no-debug-endpoints'], flag, false, V2, "hides /dry_run, /status and /post in Jina's docarray-v1 HTTP app only; /dry_run and /status stay served", 'v1-only'),
  spec('noCrudEndpoints', ['--no-crud-endpoints'], flag, false, V2, "removes the CRUD routes of Jina's docarray-v1 HTTP app only; there are none here", 'v1-only'),
  spec('exposeEndpoints', ['--expose-endpoints'], jsonObject, undefined, V2, "JSON; extra routes of Jina's docarray-v1 HTTP app only; every endpoint is served at its own path here", 'v1-only'),

  spec('exposeGraphqlEndpoint', ['--expose-graphql-endpoint'], flag, false, IGNORED, 'there is no GraphQL endpoint (Jina\'s docarray-v2 gateway has none either)', 'warn'),
  spec('uvicornKwargs', ['--uvicorn-kwargs'], keyValues, {}, IGNORED, 'uvicorn is Python; the HTTP server here is fastify', 'warn'),
  spec('k8sNamespace', ['--k8s-namespace'], str, undefined, IGNORED, 'only used by Jina\'s Kubernetes export', 'warn'),
  spec('replicas', ['--replicas'], int, 1, IGNORED, 'replicas are the orchestrator\'s (Kubernetes Deployment, compose)', 'warn'),
  spec('env', ['--env'], keyValues, {}, IGNORED, 'set environment variables on the container (ConfigMap, compose environment)', 'warn'),
  spec('envFromSecret', ['--env-from-secret'], keyValues, {}, IGNORED, 'Kubernetes export only', 'warn'),
  spec('imagePullSecrets', ['--image-pull-secrets'], strings, [], IGNORED, 'Kubernetes export only', 'warn'),
  spec('entrypoint', ['--entrypoint'], str, undefined, IGNORED, 'container option of Jina\'s orchestrator', 'warn'),
  spec('dockerKwargs', ['--docker-kwargs'], keyValues, {}, IGNORED, 'container option of Jina\'s orchestrator', 'warn'),
  spec('timeoutReady', ['--timeout-ready'], int, 600000, IGNORED, 'read by Jina\'s orchestrator and probes, not by the gateway', 'warn'),
  spec('timeoutCtrl', ['--timeout-ctrl'], int, 60, IGNORED, 'read by Jina\'s orchestrator, not by the gateway', 'warn'),
  spec('runtimeCls', ['--runtime-cls'], str, 'GatewayRuntime', IGNORED, 'Python runtime class', 'warn'),
  spec('podRole', ['--pod-role'], { type: 'choice', choices: ['HEAD', 'WORKER', 'GATEWAY'] }, 'GATEWAY', IGNORED, 'this is always a gateway', 'warn'),
  spec('shardId', ['--shard-id'], int, 0, IGNORED, 'executors only', 'warn'),
  spec('replicaId', ['--replica-id'], int, 0, IGNORED, 'executors only', 'warn'),
  spec('noblockOnStart', ['--noblock-on-start'], flag, false, IGNORED, 'read by Jina\'s orchestrator', 'warn'),
  spec('workspaceId', ['--workspace-id'], str, undefined, IGNORED, 'Jina\'s internal workspace id', 'warn'),
  spec('extraSearchPaths', ['--extra-search-paths'], strings, [], IGNORED, 'config.yml paths are relative to the working directory, its modules to its directory', 'warn'),
  spec('floating', ['--floating'], flag, false, IGNORED, 'executors only', 'warn'),
  spec('reload', ['--reload'], flag, false, IGNORED, 'no hot reload here', 'warn'),
  spec('stateful', ['--stateful'], flag, false, IGNORED, 'executors only', 'warn'),
  spec('peerPorts', ['--peer-ports'], strings, [], IGNORED, 'executors only', 'warn'),
  spec('provider', ['--provider'], { type: 'choice', choices: ['NONE', 'SAGEMAKER', 'AZURE'] }, 'NONE', IGNORED, 'cloud-provider front ends are not implemented', 'warn'),
  spec('providerEndpoint', ['--provider-endpoint'], str, undefined, IGNORED, 'cloud-provider front ends are not implemented', 'warn'),
];

/** Flags the command handles itself (they print and exit). */
export const HELP_FLAGS: readonly FlagDefinition[] = [
  { names: ['-h', '--help'], arity: 'none' },
  { names: ['-v', '--version'], arity: 'none' },
  { names: ['-vf', '--version-full'], arity: 'none' },
];

const BY_KEY = new Map<GatewayArgName, FlagSpec>(GATEWAY_FLAGS.map((flagSpec) => [flagSpec.key, flagSpec]));

/** The flag spec for a key, e.g. `flagFor('ports').names[0]` is `--port`. */
export function flagFor(key: GatewayArgName): FlagSpec {
  return BY_KEY.get(key)!;
}

/** Jina's defaults (fresh objects every call). */
export function defaultGatewayArgs(): GatewayArgs {
  const args: Record<string, unknown> = {};
  for (const flagSpec of GATEWAY_FLAGS) args[flagSpec.key] = structuredClone(flagSpec.default);
  return args as unknown as GatewayArgs;
}

export interface ParsedGatewayArgs {
  readonly args: GatewayArgs;
  /** The flags given explicitly (config.yml's runtime keys apply only to the others). */
  readonly given: ReadonlySet<GatewayArgName>;
  /** One line each: flags without effect here, unknown flags, stray values. */
  readonly warnings: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
}

/** A `jina gateway` / `gateway` command line (without the command words) → checked arguments. */
export function parseGatewayArgv(argv: readonly string[]): Result<ParsedGatewayArgs> {
  const split = splitArgv<FlagDefinition>(argv, [...GATEWAY_FLAGS, ...HELP_FLAGS]);
  if (!split.ok) return split;
  const args = defaultGatewayArgs();
  const given = new Set<GatewayArgName>();
  const warnings: string[] = [];
  let help = false;
  let version = false;
  for (const occurrence of split.value.flags) {
    const flagSpec = occurrence.definition as Partial<FlagSpec>;
    if (flagSpec.key === undefined) {
      if (occurrence.definition.names.includes('--help')) help = true;
      else version = true;
      continue;
    }
    const full = flagSpec as FlagSpec;
    // key-value flags accumulate over occurrences (argparse KVAppendAction); the rest: last one wins
    const previous = full.kind.type === 'key-values' && given.has(full.key) ? (args[full.key] as Record<string, unknown>) : undefined;
    const value = convertStrings(full, occurrence.name, occurrence.values, previous);
    if (!value.ok) {
      if (full.effect !== 'warn') return value;
      warnings.push(`${occurrence.name}: ${value.error.message}; ignored (${full.help})`);
      continue;
    }
    (args as unknown as Record<string, unknown>)[full.key] = value.value;
    given.add(full.key);
  }
  for (const unknown of split.value.unknown) {
    const shown = [unknown.name, ...unknown.values].join(' ');
    warnings.push(`unknown flag ${shown}: not a flag of Jina's gateway; ignored`);
  }
  if (split.value.positionals.length > 0) {
    warnings.push(`unexpected value(s) ${split.value.positionals.map((value) => JSON.stringify(value)).join(' ')}: the gateway takes flags only; ignored`);
  }
  const checked = checkGatewayArgs(args, given);
  if (!checked.ok) return checked;
  return ok({ args, given, warnings: [...warnings, ...checked.value], help, version });
}

/**
 * Arguments from code or config: `base` (default: Jina's defaults) with `input` over it. Values
 * may be native (`{...}`, `[8080]`, `true`) or strings as on a command line. Unknown keys are an
 * error. Returns the arguments and the warnings for flags without effect here.
 */
export function gatewayArgsFrom(
  input: GatewayArgsInput,
  base: GatewayArgs = defaultGatewayArgs(),
  options: { source?: string; nameOf?: (key: GatewayArgName) => string } = {},
): Result<{ args: GatewayArgs; warnings: string[] }> {
  const args = structuredClone(base);
  const given = new Set<GatewayArgName>();
  const warnings: string[] = [];
  const nameOf = options.nameOf ?? ((key: GatewayArgName) => flagFor(key).names[0]!);
  const source = options.source === undefined ? '' : `${options.source}: `;
  for (const [key, raw] of Object.entries(input)) {
    const flagSpec = BY_KEY.get(key as GatewayArgName);
    if (flagSpec === undefined) return fail(`${source}unknown gateway argument "${key}"`);
    if (raw === undefined) continue;
    const value = convertNative(flagSpec, `${source}${nameOf(flagSpec.key)}`, raw);
    if (!value.ok) return value;
    (args as unknown as Record<string, unknown>)[flagSpec.key] = value.value;
    given.add(flagSpec.key);
  }
  const checked = checkGatewayArgs(args, given, nameOf);
  if (!checked.ok) return checked;
  return ok({ args, warnings: [...warnings, ...checked.value.map((warning) => `${source}${warning}`)] });
}

/** Cross-flag rules, and the warnings for flags given that have no effect here. */
function checkGatewayArgs(
  args: GatewayArgs,
  given: ReadonlySet<GatewayArgName>,
  nameOf: (key: GatewayArgName) => string = (key) => flagFor(key).names[0]!,
): Result<string[]> {
  if ((args.sslCertfile === undefined) !== (args.sslKeyfile === undefined)) {
    const missing = args.sslCertfile === undefined ? 'sslCertfile' : 'sslKeyfile';
    const present = missing === 'sslCertfile' ? 'sslKeyfile' : 'sslCertfile';
    return fail(`${nameOf(present)} needs ${nameOf(missing)} too`);
  }
  if (args.ports.length > 0 && args.ports.length < args.protocols.length) {
    return fail(`${nameOf('ports')}: ${args.ports.length} port(s) for ${args.protocols.length} protocols (${args.protocols.join(', ')}); give one port per protocol, or none for free ports`);
  }
  const warnings: string[] = [];
  for (const key of given) {
    const flagSpec = flagFor(key);
    if (flagSpec.effect === 'warn') warnings.push(`${nameOf(key)} has no effect here: ${flagSpec.help}; ignored`);
    if (flagSpec.effect === 'v1-only' && !isNoOpValue(args[key])) warnings.push(`${nameOf(key)} has no effect with docarray v2: ${flagSpec.help}; ignored`);
  }
  if (given.has('pyModules')) {
    const python = args.pyModules.filter((module) => module.endsWith('.py'));
    if (python.length > 0) warnings.push(`${nameOf('pyModules')} ${python.join(' ')}: Python modules cannot be loaded by a TypeScript gateway; ignored`);
  }
  return ok(warnings);
}

/** `false`, absent or `{}`: a value of a v1-only flag that does nothing in Jina's docarray-v1 app either. */
function isNoOpValue(value: unknown): boolean {
  return value === false || value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
}

/** Command-line strings of one occurrence → the flag's value. */
function convertStrings(flagSpec: FlagSpec, name: string, values: readonly string[], previous: Record<string, unknown> | undefined): Result<unknown> {
  switch (flagSpec.kind.type) {
    case 'switch':
      return ok(true);
    case 'key-values':
      return parseKeyValues(name, values, previous);
    case 'strings':
      return ok([...values]);
    case 'ports':
      return readPorts(name, values.flatMap((value) => value.split(',')).filter((value) => value !== ''));
    case 'protocols':
      return readProtocols(name, values);
    default:
      return convertNative(flagSpec, name, values[0]);
  }
}

/** A native or string value (API, config.yml) → the flag's value. */
function convertNative(flagSpec: FlagSpec, name: string, value: unknown): Result<unknown> {
  const kind = flagSpec.kind;
  switch (kind.type) {
    case 'string':
      return typeof value === 'string' ? ok(value) : fail(`${name}: expected a string, got ${describe(value)}`);
    case 'int':
      return readInt(name, value, kind.min);
    case 'switch':
      if (typeof value === 'boolean') return ok(value);
      if (value === 'true' || value === 'false') return ok(value === 'true');
      return fail(`${name}: expected true or false, got ${describe(value)}`);
    case 'ports': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/).filter((part) => part !== '') : [value];
      return readPorts(name, list);
    }
    case 'protocols': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/).filter((part) => part !== '') : [value];
      return readProtocols(name, list);
    }
    case 'json-object': {
      const parsed = readJson(name, value);
      if (!parsed.ok) return parsed;
      return isPlainObject(parsed.value) ? parsed : fail(`${name}: expected a JSON object, got ${describe(parsed.value)}`);
    }
    case 'json-list': {
      const parsed = readJson(name, value);
      if (!parsed.ok) return parsed;
      return Array.isArray(parsed.value) ? parsed : fail(`${name}: expected a JSON list, got ${describe(parsed.value)}`);
    }
    case 'key-values':
      if (isPlainObject(value)) return ok({ ...value });
      if (typeof value === 'string') return parseKeyValues(name, [value]);
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return parseKeyValues(name, value as string[]);
      return fail(`${name}: expected an object, got ${describe(value)}`);
    case 'strings':
      if (typeof value === 'string') return ok([value]);
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return ok([...(value as string[])]);
      return fail(`${name}: expected a string or a list of strings, got ${describe(value)}`);
    case 'choice': {
      const match = typeof value === 'string' ? kind.choices.find((choice) => choice.toLowerCase() === value.toLowerCase()) : undefined;
      return match === undefined ? fail(`${name}: expected one of ${kind.choices.join(' | ')}, got ${describe(value)}`) : ok(match);
    }
  }
}

function readInt(name: string, value: unknown, min: number | undefined): Result<number> {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
  if (!Number.isSafeInteger(number)) return fail(`${name}: expected an integer, got ${describe(value)}`);
  if (min !== undefined && number < min) return fail(`${name}: must be ${min} or more, got ${number}`);
  return ok(number);
}

function readPorts(name: string, values: readonly unknown[]): Result<number[]> {
  const ports: number[] = [];
  for (const value of values) {
    const port = readInt(name, value, 0);
    if (!port.ok) return fail(`${name}: expected port numbers, got ${describe(value)}`);
    if (port.value > 65535) return fail(`${name}: ${port.value} is not a port (0-65535)`);
    ports.push(port.value);
  }
  return ok(ports);
}

const PROTOCOLS: readonly GatewayProtocol[] = ['grpc', 'http', 'websocket'];

function readProtocols(name: string, values: readonly unknown[]): Result<GatewayProtocol[]> {
  const protocols: GatewayProtocol[] = [];
  for (const value of values) {
    const protocol = typeof value === 'string' ? PROTOCOLS.find((candidate) => candidate === value.toLowerCase()) : undefined;
    if (protocol === undefined) return fail(`${name}: expected grpc, http or websocket (any case), got ${describe(value)}`);
    if (protocols.includes(protocol)) return fail(`${name}: ${protocol} is listed twice`);
    protocols.push(protocol);
  }
  if (protocols.length === 0) return fail(`${name}: expects at least one protocol`);
  return ok(protocols);
}

function readJson(name: string, value: unknown): Result<unknown> {
  if (typeof value !== 'string') return ok(structuredClone(value));
  try {
    return ok(JSON.parse(value) as unknown);
  } catch (error) {
    return fail(`${name}: not valid JSON (${(error as Error).message}): ${truncate(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

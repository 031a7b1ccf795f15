/**
 * Real Jina peers for end-to-end tests, from the project's .venv (`make venv`): executors
 * (test/executors/*.py), Jina's own gateway, and Python snippets (e.g. Jina's `Client`) with JSON
 * in and out. Every process goes through processes.ts (own process group, captured output,
 * registry cleanup), and through test/python/run_jina.py, which ends it if this process dies.
 *
 * What jina 3.34 really does (measured here, see test/harness.test.ts):
 * - `jina executor --native --uses Class --py-modules file.py --port P` serves a single worker in
 *   one process; without `--native` the CLI builds a Pod that forks the worker into a second
 *   process. No YAML is needed.
 * - Unknown CLI flags are only warned about (argparse `parse_known_args`), so a typo does not fail.
 * - A busy port fails start-up with `PortAlreadyUsed` (jina checks before binding; grpcio itself
 *   would bind with SO_REUSEPORT and share the port). The check and the bind are not atomic,
 *   which is one more reason ports.ts never hands out a port twice.
 * - The gRPC server listens on `[::ffff:127.0.0.1]:P` for `--host 127.0.0.1`.
 * - The executor's `--name` keys its `__results__` entry. A Flow names its workers
 *   `<name>/rep-<i>` even with one replica (checked: `{'__results__': {'params/rep-0': ...}}`),
 *   and so do we.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus, HealthClient } from '../../runtime/src/wire/gen/grpc/health/v1/health.pb.js';
import { type EndpointsProto, JinaDiscoverEndpointsRPCClient } from '../../runtime/src/wire/gen/jina/jina.pb.js';
import { freePort } from './ports.js';
import { type ManagedProcess, type ProcessRegistry, startProcess } from './processes.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXECUTORS_DIR = path.join(REPO_ROOT, 'test', 'executors');
const RUN_JINA = path.join(REPO_ROOT, 'test', 'python', 'run_jina.py');

/** The executors in test/executors/, by the deployment name tests usually give them. */
export const EXECUTORS = {
  /** `/echo` TextDoc→TextDoc unchanged; `/default` text → 'default:'+text. */
  echo: { uses: 'Echo', module: 'echo.py' },
  /** `/embed32`, `/embed64`: TextDoc → EmbeddedDoc{text, embedding: NdArray[128], score}. */
  embedder: { uses: 'Embedder', module: 'embedder.py' },
  /** `/nested`: Outer{title, inner: Inner, items: List[Inner]} → Outer. */
  nested: { uses: 'Nested', module: 'nested.py' },
  /**
   * `/nested` on OuterDocList (`items: DocList[Inner]`): serves data, but its endpoint_discovery
   * fails under jina 3.34 + pydantic 2, so Jina's gateway cannot front it (see nested.py).
   */
  nestedDocList: { uses: 'NestedDocList', module: 'nested.py' },
  /** `/optional`: MaybeDoc (all fields Optional) → MaybeDoc + `present`. */
  optional: { uses: 'OptionalFields', module: 'optional_fields.py' },
  /** `/params`: ParamsDoc with `parameters: Params{k=3, tag=None}` → docs + `__results__`. */
  params: { uses: 'ParamsExec', module: 'params.py' },
  /** `/single` singleton doc, `/stream` generator, `/boom` raises ValueError('boom'). */
  kinds: { uses: 'EndpointKinds', module: 'kinds.py' },
  /** `/upper` TextDoc→TextDoc, `/length` TextDoc→LengthDoc: two endpoints on one class. */
  textOps: { uses: 'TextOps', module: 'text_ops.py' },
  /** DAG nodes on `/dag` (DagDoc): a sets text_a, b sets text_b, join writes text_join. */
  dagA: { uses: 'SetA', module: 'dag.py' },
  dagB: { uses: 'SetB', module: 'dag.py' },
  dagJoin: { uses: 'Join', module: 'dag.py' },
  /** `/slow`: sleeps `parameters.ms` (default 1000) then text → 'slept:<ms>'. */
  slow: { uses: 'Slow', module: 'slow.py' },
} as const satisfies Record<string, { uses: string; module: string }>;

/** Environment for every jina process: no telemetry or version check (no network), plain logs. */
export const JINA_ENV: Readonly<Record<string, string>> = {
  JINA_OPTOUT_TELEMETRY: '1',
  JINA_CHECK_VERSION: 'False',
  // Also drops the ASCII-art logo from the captured output.
  JINA_LOG_NO_COLOR: '1',
  PYTHONUNBUFFERED: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
};

/** The venv's Python; throws a message naming `make venv` if the venv is missing. */
export function venvPython(): string {
  const venv = process.env.JINA_VENV ?? path.join(REPO_ROOT, '.venv');
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python) || !existsSync(path.join(venv, 'bin', 'jina'))) {
    throw new Error(`No Jina virtualenv at ${venv} (expected bin/python and bin/jina): run \`make venv\` in ${REPO_ROOT} first.`);
  }
  return python;
}

function resolveModule(module: string): string {
  const file = module.endsWith('.py') ? module : `${module}.py`;
  const candidates = [path.resolve(EXECUTORS_DIR, file), path.resolve(REPO_ROOT, file)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`executor module ${module} not found (looked in ${candidates.join(', ')})`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Readiness probes

/** One gRPC health Check(''), true iff SERVING within `deadlineMs`. */
export function grpcHealthServing(port: number, deadlineMs = 1_000): Promise<boolean> {
  // A fresh client per probe: a long-lived channel backs off exponentially (1 s, 1.6 s, ...)
  // after refused connections and would notice a newly started server late.
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    client.check({ service: '' }, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      resolve(!error && response.status === HealthCheckResponse_ServingStatus.SERVING);
    });
  }).finally(() => client.close());
}

/** One `GET http://127.0.0.1:port/`, true iff 200 within `deadlineMs`. */
export async function httpRootOk(port: number, deadlineMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(deadlineMs) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function pollUntil(probe: () => Promise<boolean>, signal: AbortSignal, intervalMs = 100): Promise<void> {
  while (!signal.aborted) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error('aborted');
}

// ---------------------------------------------------------------------------------------------
// Executors

export interface JinaExecutorOptions {
  /** Deployment name: the gateway's node name. Replica i runs with `--name <name>/rep-<i>`, as in a Flow. */
  name: string;
  /** Executor class name (with `module`), or anything `jina executor --uses` takes. */
  uses: string;
  /** Python file defining `uses`: a name in test/executors/ (`echo.py`, `echo`) or a path from the repo root. */
  module?: string;
  /** Port of a single replica; default: a free one. */
  port?: number;
  /** Start one replica per port (a Flow deployment with replicas and no head). */
  replicasPorts?: number[];
  /** Number of replicas on free ports (ignored when `replicasPorts` is given). Default 1. */
  replicas?: number;
  env?: Record<string, string>;
  /** More `jina executor` flags, e.g. `['--allow-concurrent']`. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  registry?: ProcessRegistry;
}

export interface JinaExecutorReplica {
  /** `grpc://127.0.0.1:<port>` */
  address: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface JinaExecutor {
  name: string;
  /** The first replica's address, `grpc://127.0.0.1:<port>`. */
  address: string;
  port: number;
  /** Every replica's address, as `--deployments-addresses` wants them. */
  addresses: string[];
  replicas: JinaExecutorReplica[];
  /** Slowest replica's spawn-to-SERVING time. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Starts a Jina executor (one process per replica) and waits until each answers health Check('') SERVING. */
export async function startJinaExecutor(options: JinaExecutorOptions): Promise<JinaExecutor> {
  const python = venvPython();
  if (options.port !== undefined && (options.replicasPorts !== undefined || (options.replicas ?? 1) > 1)) {
    throw new Error(`startJinaExecutor ${options.name}: give either \`port\` (one replica) or \`replicasPorts\`/\`replicas\``);
  }
  const ports =
    options.replicasPorts ??
    (options.port !== undefined
      ? [options.port]
      : await Promise.all(Array.from({ length: options.replicas ?? 1 }, () => freePort())));
  const pyModules = options.module ? ['--py-modules', resolveModule(options.module)] : [];

  const started = await Promise.allSettled(
    ports.map(async (port, index): Promise<JinaExecutorReplica> => {
      // What a Flow passes as --name; it is the executor's key in `__results__`.
      const processName = `${options.name}/rep-${index}`;
      const proc = await startProcess({
        name: `jina executor ${processName} :${port}`,
        command: python,
        args: [
          RUN_JINA,
          'executor',
          '--native',
          '--uses',
          options.uses,
          ...pyModules,
          '--name',
          processName,
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          ...(options.extraArgs ?? []),
        ],
        cwd: REPO_ROOT,
        env: { ...JINA_ENV, ...options.env },
        ready: (_proc, signal) => pollUntil(() => grpcHealthServing(port, 500), signal),
        readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
        ...(options.registry ? { registry: options.registry } : {}),
      });
      return {
        address: `grpc://127.0.0.1:${port}`,
        port,
        process: proc,
        stop: async () => {
          await proc.stop();
        },
      };
    }),
  );
  const replicas = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    // Do not leave the replicas that did start running until afterAll.
    await Promise.all(replicas.map((replica) => replica.stop()));
    throw failed.reason;
  }

  const first = replicas[0];
  if (!first) throw new Error('startJinaExecutor: no ports');
  return {
    name: options.name,
    address: first.address,
    port: first.port,
    addresses: replicas.map((replica) => replica.address),
    replicas,
    startupMs: Math.max(...replicas.map((replica) => replica.process.startupMs)),
    stop: async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway

export type GatewayProtocol = 'http' | 'grpc' | 'websocket';
export type GraphDescription = Record<string, string[]>;

/** `{"start-gateway": [name], name: ["end-gateway"]}` */
export function singleNodeGraph(name: string): GraphDescription {
  return { 'start-gateway': [name], [name]: ['end-gateway'] };
}

/** `{name: [addresses...]}` for `--deployments-addresses`. */
export function deploymentsAddresses(...executors: Pick<JinaExecutor, 'name' | 'addresses'>[]): Record<string, string[]> {
  return Object.fromEntries(executors.map((executor) => [executor.name, executor.addresses]));
}

export interface JinaGatewayOptions {
  graphDescription: GraphDescription;
  deploymentsAddresses: Record<string, string[]>;
  protocol: GatewayProtocol;
  port?: number;
  /** More `jina gateway` flags, e.g. `['--timeout-send', '500', '--retries', '0']`. */
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Process label in messages; default `jina gateway <protocol>`. */
  name?: string;
  readyTimeoutMs?: number;
  registry?: ProcessRegistry;
}

export interface JinaGateway {
  protocol: GatewayProtocol;
  port: number;
  /** `http://127.0.0.1:P`, `grpc://127.0.0.1:P` or `ws://127.0.0.1:P`. */
  address: string;
  /** `http://127.0.0.1:P` (HTTP and WebSocket gateways also answer plain HTTP, e.g. `GET /`). */
  httpUrl: string;
  process: ManagedProcess;
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * Starts Jina's own gateway and waits until it is ready: `GET /` 200 (http, websocket) or health
 * Check('') SERVING (grpc). Jina only starts serving after endpoint discovery of every node
 * succeeded, so the executors must be up (or come up within `readyTimeoutMs`).
 */
export async function startJinaGateway(options: JinaGatewayOptions): Promise<JinaGateway> {
  const python = venvPython();
  const port = options.port ?? (await freePort());
  const scheme = options.protocol === 'grpc' ? 'grpc' : options.protocol === 'websocket' ? 'ws' : 'http';
  const proc = await startProcess({
    name: options.name ?? `jina gateway ${options.protocol} :${port}`,
    command: python,
    args: [
      RUN_JINA,
      'gateway',
      '--graph-description',
      JSON.stringify(options.graphDescription),
      '--deployments-addresses',
      JSON.stringify(options.deploymentsAddresses),
      '--protocol',
      options.protocol.toUpperCase(),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...(options.extraArgs ?? []),
    ],
    cwd: REPO_ROOT,
    env: { ...JINA_ENV, ...options.env },
    ready: (_proc, signal) =>
      pollUntil(() => (options.protocol === 'grpc' ? grpcHealthServing(port, 500) : httpRootOk(port, 500)), signal),
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  return {
    protocol: options.protocol,
    port,
    address: `${scheme}://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    process: proc,
    startupMs: proc.startupMs,
    stop: async () => {
      await proc.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Python snippets

const BOOTSTRAP = `
import base64, json, os, runpy, sys

_result = os.fdopen(3, 'w')

def _jsonable(value):
    if hasattr(value, 'tolist'):
        return value.tolist()  # numpy arrays and scalars, NdArray
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, 'model_dump'):
        return value.model_dump()  # BaseDoc, pydantic models
    if hasattr(value, '__iter__'):
        return list(value)  # DocList, sets, tuples
    raise TypeError(f'runJinaPython: cannot turn {type(value).__name__} into JSON')

def output(value):
    """The snippet's result: JSON-serialised to fd 3 (stdout is shared with Jina's logs)."""
    json.dump(value, _result, default=_jsonable)
    _result.flush()

INPUT = json.loads(sys.stdin.read() or 'null')
_kind, _script = sys.argv[1], sys.argv[2]
_globals = {'INPUT': INPUT, 'output': output}
if _kind == 'file':
    runpy.run_path(_script, init_globals=_globals, run_name='__main__')
else:
    _globals['__name__'] = '__main__'
    exec(compile(_script, '<runJinaPython>', 'exec'), _globals)
`;

export interface RunJinaPythonOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Name in messages; default `python <script file>` or `python snippet`. */
  name?: string;
}

/**
 * Runs Python in the venv (cwd = repo root, test/executors on PYTHONPATH so snippets can import
 * the executors' models) and returns what it passed to `output(...)` (JSON; `undefined` if it
 * never did). `script` is inline code, or a path ending in `.py` (absolute or from the repo root).
 * The code sees `INPUT` (the JSON `input`) and `output(value)`; numpy arrays, docs and DocLists are
 * converted to JSON by `output`. A non-zero exit or a timeout rejects with the full output.
 */
export async function runJinaPython<T = unknown>(script: string, input?: unknown, options: RunJinaPythonOptions = {}): Promise<T> {
  const python = venvPython();
  const isFile = /\.py$/.test(script) && !script.includes('\n');
  const file = isFile ? path.resolve(REPO_ROOT, script) : undefined;
  if (file && !existsSync(file)) throw new Error(`runJinaPython: ${file} does not exist`);
  const pythonPath = [EXECUTORS_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const proc = await startProcess({
    name: options.name ?? (file ? `python ${path.relative(REPO_ROOT, file)}` : 'python snippet'),
    command: python,
    args: ['-c', BOOTSTRAP, file ? 'file' : 'code', file ?? script],
    cwd: REPO_ROOT,
    env: { ...JINA_ENV, PYTHONPATH: pythonPath, ...options.env },
    stdin: JSON.stringify(input ?? null),
    resultPipe: true,
    expectExit: true,
  });
  const chunks: Buffer[] = [];
  const resultPipe = proc.child.stdio[3];
  const resultDone = new Promise<void>((resolve) => {
    if (!resultPipe) return resolve();
    resultPipe.on('data', (chunk: Buffer) => chunks.push(chunk));
    resultPipe.on('close', () => resolve());
    resultPipe.on('error', () => resolve());
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    proc.exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (finished === 'timeout') {
    await proc.stop(2_000);
    throw new Error(`${proc.name}: no exit within ${timeoutMs} ms\n${proc.output()}`);
  }
  await proc.stop(); // reaps anything the script forked and left behind
  if (finished.code !== 0) {
    throw new Error(`${proc.name} failed (${finished.signal ? `signal ${finished.signal}` : `exit code ${finished.code}`})\n${proc.output()}`);
  }
  // 'exit' can precede the last 'data' on fd 3. The pipe closes once every holder has exited,
  // and stop() above has killed the group.
  await resultDone;
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${proc.name}: output() wrote invalid JSON: ${text.slice(0, 500)}\n${proc.output()}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Discovery

/** `endpoint_discovery` on an executor or gateway (`grpc://host:port`, `host:port` or a port). */
export function discoverEndpoints(target: string | number, deadlineMs = 5_000): Promise<EndpointsProto> {
  const hostPort = typeof target === 'number' ? `127.0.0.1:${target}` : target.replace(/^grpc:\/\//, '');
  const client = new JinaDiscoverEndpointsRPCClient(hostPort, credentials.createInsecure());
  return new Promise<EndpointsProto>((resolve, reject) => {
    client.endpointDiscovery({}, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
      if (error) reject(error);
      else resolve(response);
    });
  }).finally(() => client.close());
}

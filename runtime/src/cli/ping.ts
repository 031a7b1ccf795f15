/**
 * `jina ping {gateway|executor|flow} <target> [--timeout ms] [--attempts n] [--min-successful-attempts n]`,
 * as Jina's `NetworkChecker` (jina/checker.py) does it, since Jina's Kubernetes and compose
 * exports write it into the gateway's probes and health checks:
 *
 * - target `host:port` or `scheme://host:port`; no scheme means grpc;
 * - executor: gRPC health `Check('')` whatever the scheme (Jina's `WorkerRuntime.is_ready`);
 * - gateway: gRPC health for grpc, `GET /` == 200 for http and websocket (`GatewayRuntime.is_ready`);
 * - flow: the dry run through the whole Flow: gRPC `JinaGatewayDryRunRPC/dry_run` == SUCCESS,
 *   HTTP `GET /dry_run` with `code` 0, WebSocket `/dry_run` answering a SUCCESS status;
 * - `--attempts` checks, one second apart; exit 0 when at least `--min-successful-attempts` succeeded, else 1.
 *
 * Jina bounds each gateway/executor check by 1 s whatever `--timeout` says; here `--timeout`
 * (default 3000 ms) bounds every check, as its help promises. TLS schemes (grpcs, https, wss)
 * connect with TLS and do not verify the certificate: a probe asks "is it up", not "is it who
 * it claims" (the probe runs inside the pod, against 127.0.0.1).
 */
import { credentials, Client, Metadata, status as grpcStatus } from '@grpc/grpc-js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { HealthCheckRequest, HealthCheckResponse, HealthCheckResponse_ServingStatus } from '../wire/gen/grpc/health/v1/health.pb.js';
import { StatusProto, StatusProto_StatusCode } from '../wire/gen/jina/jina.pb.js';
import { Empty } from '../wire/gen/google/protobuf/empty.pb.js';
import { type FlagDefinition, splitArgv } from './flag-parser.js';
import { fail, ok, type Result } from '../gateway/result.js';

export type PingTarget = 'gateway' | 'executor' | 'flow';

export interface PingOptions {
  readonly target: PingTarget;
  readonly host: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly minSuccessfulAttempts: number;
}

export interface PingReport {
  readonly successes: number;
  readonly attempts: number;
  /** Why each failed attempt failed. */
  readonly failures: readonly string[];
  readonly ok: boolean;
}

type Scheme = { protocol: 'grpc' | 'http' | 'websocket'; tls: boolean };

const SCHEMES: Readonly<Record<string, Scheme>> = {
  grpc: { protocol: 'grpc', tls: false },
  grpcs: { protocol: 'grpc', tls: true },
  http: { protocol: 'http', tls: false },
  https: { protocol: 'http', tls: true },
  ws: { protocol: 'websocket', tls: false },
  websocket: { protocol: 'websocket', tls: false },
  wss: { protocol: 'websocket', tls: true },
};

const PING_FLAGS: readonly (FlagDefinition & { key: 'timeout' | 'attempts' | 'min' | 'help' })[] = [
  { key: 'timeout', names: ['--timeout'], arity: 'one' },
  { key: 'attempts', names: ['--attempts'], arity: 'one' },
  { key: 'min', names: ['--min-successful-attempts'], arity: 'one' },
  { key: 'help', names: ['-h', '--help'], arity: 'none' },
];

export const PING_USAGE = `usage: jina ping {gateway,executor,flow} host [--timeout ms] [--attempts n] [--min-successful-attempts n]

  host                        host:port or scheme://host:port (grpc, grpcs, http, https, ws, websocket, wss; default grpc)
  --timeout ms                deadline of each check (default 3000)
  --attempts n                checks to make, 1 s apart (default 1)
  --min-successful-attempts n checks that must succeed for exit code 0 (default 1)`;

/** The `jina ping` command line (after `ping`) → options; `undefined` value = help asked. */
export function parsePingArgv(argv: readonly string[]): Result<PingOptions | undefined> {
  const split = splitArgv(argv, PING_FLAGS);
  if (!split.ok) return split;
  if (split.value.unknown.length > 0) return fail(`unknown flag ${split.value.unknown[0]!.name}`);
  const values: Partial<Record<'timeout' | 'attempts' | 'min', number>> = {};
  for (const flag of split.value.flags) {
    if (flag.definition.key === 'help') return ok(undefined);
    const number = Number(flag.values[0]);
    if (!Number.isInteger(number) || number < 0) return fail(`${flag.name}: expected a non-negative integer, got "${flag.values[0]}"`);
    values[flag.definition.key] = number;
  }
  const [target, host, ...rest] = split.value.positionals;
  if (target !== 'gateway' && target !== 'executor' && target !== 'flow') {
    return fail(`expected what to ping, gateway, executor or flow; got ${target === undefined ? 'nothing' : `"${target}"`}`);
  }
  if (host === undefined) return fail(`expected the ${target}'s address (host:port or scheme://host:port)`);
  if (rest.length > 0) return fail(`unexpected ${rest.map((value) => `"${value}"`).join(' ')}`);
  const parsedHost = parseTarget(host);
  if (!parsedHost.ok) return parsedHost;
  return ok({
    target,
    host,
    timeoutMs: values.timeout ?? 3000,
    attempts: values.attempts ?? 1,
    minSuccessfulAttempts: values.min ?? 1,
  });
}

export async function ping(options: PingOptions, sleepMs = 1000): Promise<PingReport> {
  const failures: string[] = [];
  let successes = 0;
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
    const result = await checkOnce(options);
    if (result.ok) successes++;
    else failures.push(result.error.message);
  }
  return { successes, attempts: options.attempts, failures, ok: successes >= options.minSuccessfulAttempts };
}

async function checkOnce(options: PingOptions): Promise<Result<void>> {
  const parsed = parseTarget(options.host);
  if (!parsed.ok) return parsed;
  const { scheme, authority } = parsed.value;
  try {
    if (options.target === 'executor' || (options.target === 'gateway' && scheme.protocol === 'grpc')) {
      return await grpcHealth(authority, scheme.tls, options.timeoutMs);
    }
    if (options.target === 'gateway') return await httpGet(authority, scheme.tls, '/', options.timeoutMs, () => ok(undefined));
    if (scheme.protocol === 'grpc') return await grpcDryRun(authority, scheme.tls, options.timeoutMs);
    if (scheme.protocol === 'http') return await httpGet(authority, scheme.tls, '/dry_run', options.timeoutMs, dryRunJson);
    return await webSocketDryRun(authority, scheme.tls, options.timeoutMs);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function parseTarget(host: string): Result<{ scheme: Scheme; authority: string }> {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/.exec(host);
  const schemeName = match === null ? 'grpc' : match[1]!.toLowerCase();
  const scheme = SCHEMES[schemeName];
  if (scheme === undefined) return fail(`${host}: unknown scheme "${schemeName}" (grpc, grpcs, http, https, ws, websocket, wss)`);
  const authority = (match === null ? host : match[2]!).replace(/\/.*$/, '');
  if (!/^(\[[^\]]+\]|[^:/\s]+):\d+$/.test(authority)) return fail(`${host}: expected host:port`);
  return ok({ scheme, authority });
}

function grpcClient(authority: string, tls: boolean): Client {
  const channelCredentials = tls ? credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined }) : credentials.createInsecure();
  return new Client(authority, channelCredentials);
}

function grpcUnary(authority: string, tls: boolean, path: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
  const client = grpcClient(authority, tls);
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (bytes: Uint8Array) => Buffer.from(bytes),
      (bytes: Buffer) => bytes,
      request,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        client.close();
        if (error !== null && error !== undefined) {
          const code = grpcStatus[error.code] ?? String(error.code);
          reject(new Error(`${authority}: ${path} failed: ${code} ${error.details}`));
        } else resolve(response ?? Buffer.alloc(0));
      },
    );
  });
}

async function grpcHealth(authority: string, tls: boolean, timeoutMs: number): Promise<Result<void>> {
  const request = HealthCheckRequest.encode({ service: '' }).finish();
  const response = HealthCheckResponse.decode(await grpcUnary(authority, tls, '/grpc.health.v1.Health/Check', request, timeoutMs));
  if (response.status === HealthCheckResponse_ServingStatus.SERVING) return ok(undefined);
  return fail(`${authority}: gRPC health is ${HealthCheckResponse_ServingStatus[response.status] ?? response.status}`);
}

async function grpcDryRun(authority: string, tls: boolean, timeoutMs: number): Promise<Result<void>> {
  const status = StatusProto.decode(await grpcUnary(authority, tls, '/jina.JinaGatewayDryRunRPC/dry_run', Empty.encode({}).finish(), timeoutMs));
  return dryRunStatus(authority, status);
}

function dryRunStatus(authority: string, status: StatusProto): Result<void> {
  if (status.code === StatusProto_StatusCode.SUCCESS) return ok(undefined);
  const exception = status.exception;
  const why = exception === undefined ? status.description : `${exception.name}: ${exception.args.join(', ')}`;
  return fail(`${authority}: the Flow's dry run failed: ${why || StatusProto_StatusCode[status.code]}`);
}

function dryRunJson(body: string): Result<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail(`GET /dry_run: not JSON: ${body.slice(0, 200)}`);
  }
  const code = (parsed as { code?: unknown } | null)?.code;
  if (code === 0) return ok(undefined);
  return fail(`GET /dry_run: the Flow's dry run failed: ${body.slice(0, 500)}`);
}

function httpGet(authority: string, tls: boolean, path: string, timeoutMs: number, check: (body: string) => Result<void>): Promise<Result<void>> {
  const url = `${tls ? 'https' : 'http'}://${authority}${path}`;
  return new Promise((resolve) => {
    const request = (tls ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs, rejectUnauthorized: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) resolve(fail(`GET ${url}: HTTP ${response.statusCode} ${body.slice(0, 200)}`));
        else resolve(check(body));
      });
      response.on('error', (error) => resolve(fail(`GET ${url}: ${error.message}`)));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve(fail(`GET ${url}: ${error.message}`)));
    request.end();
  });
}

function webSocketDryRun(authority: string, tls: boolean, timeoutMs: number): Promise<Result<void>> {
  const url = `${tls ? 'wss' : 'ws'}://${authority}/dry_run`;
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { rejectUnauthorized: false, handshakeTimeout: timeoutMs });
    let settled = false;
    const settle = (result: Result<void>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => settle(fail(`${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('open', () => socket.send(Buffer.alloc(0)));
    socket.on('message', (data: Buffer) => {
      try {
        settle(dryRunStatus(authority, StatusProto.decode(data)));
      } catch (error) {
        settle(fail(`${url}: not a status: ${(error as Error).message}`));
      }
    });
    socket.on('close', (code, reason) => settle(fail(`${url}: closed (${code}) ${reason.toString()}`)));
    socket.on('error', (error) => settle(fail(`${url}: ${error.message}`)));
  });
}

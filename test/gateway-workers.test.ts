/**
 * `gateway --workers N`: N processes serving the same ports, in front of our TypeScript executor
 * server (a real gRPC server on loopback). The built command line runs as a process, as a pod
 * runs it: requests on new connections reach every worker (each has its own /status session id),
 * a worker killed while serving is replaced, SIGTERM to the supervisor alone drains them all and
 * exits 0, and start-up failures fail the command as one process would.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping } from '../runtime/src/cli/ping.js';
import { type ExecutorServer, serveExecutor } from '../runtime/src/index.js';
import { runCommand } from './support/commands.js';
import { REPO_ROOT } from './support/jina.js';
import { freePorts } from './support/ports.js';
import { scrape } from './support/prometheus-text.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const GATEWAY = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'gateway-main.js');
let executor: ExecutorServer;
let flowFlags: string[];

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'upper',
    host: '127.0.0.1',
    port: 0,
    endpoints: { '/upper': { handler: (docs) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })) } },
  });
  flowFlags = [
    '--graph-description', JSON.stringify({ 'start-gateway': ['upper'], upper: ['end-gateway'] }),
    '--deployments-addresses', JSON.stringify({ upper: [`grpc://127.0.0.1:${executor.port}`] }),
    '--host', '127.0.0.1',
  ];
});

afterAll(async () => {
  await executor?.close();
});

async function startWorkers(port: number, workers = 2, extraFlags: string[] = []): Promise<ManagedProcess> {
  return startProcess({
    name: `gateway --workers ${workers} :${port}`,
    command: process.execPath,
    args: [GATEWAY, ...flowFlags, '--protocol', 'http', '--port', String(port), '--workers', String(workers), ...extraFlags],
    cwd: REPO_ROOT,
    ready: async (_proc, signal) => {
      for (;;) {
        signal.throwIfAborted();
        const report = await ping({ target: 'gateway', host: `http://127.0.0.1:${port}`, timeoutMs: 500, attempts: 1, minSuccessfulAttempts: 1 });
        if (report.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 35_000,
  });
}

/** GET /status on a connection of its own (no keep-alive): which worker answered. */
function sessionOnNewConnection(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/status', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { jina: Record<string, string> }).jina['session-id']!));
    });
    req.on('error', reject);
    req.end();
  });
}

async function sessions(port: number, count: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) seen.add(await sessionOnNewConnection(port));
  return seen;
}

/** POST {data: [{text}]} on a connection of its own: the status code. */
function postOnNewConnection(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ data: [{ text: 'x' }] });
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { connection: 'close', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** How many of `count` health checks on new connections answered 200. */
async function sessionsReady(port: number, count: number): Promise<number> {
  let okCount = 0;
  for (let i = 0; i < count; i++) {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    if (status === 200) okCount++;
  }
  return okCount;
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).split('\n').map((line) => Number(line.trim())).filter((value) => value > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}

/** Until four health checks in a row on new connections answer 200: every worker is ready. */
async function allReady(port: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if ((await sessionsReady(port, 4)) === 4) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the workers on :${port} were not all ready after 100 rounds of health checks`);
}

async function upper(port: number, text: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/upper`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [{ text }] }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ text: string }> }).data[0]!.text;
}

describe('gateway --workers', () => {
  it('serves from every worker, replaces one killed while serving, and drains them all on SIGTERM to the supervisor (exit 0)', async () => {
    const [port] = await freePorts(1);
    const gateway = await startWorkers(port!);
    // the ready probe saw one worker; the other may still be discovering endpoints (503 until then)
    await allReady(port!);
    expect(await upper(port!, 'hi')).toBe('HI');
    // both workers listen once each answered; connections are handed out in turn
    let seen = await sessions(port!, 20);
    for (let tries = 0; seen.size < 2 && tries < 10; tries++) seen = new Set([...seen, ...(await sessions(port!, 10))]);
    expect(seen.size).toBe(2);

    const workers = childPids(gateway.pid);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    await gateway.waitForOutput(new RegExp(`worker ${workers[0]} ended \\(SIGKILL\\); starting another`));
    let replaced: number[] = [];
    for (let tries = 0; tries < 100; tries++) {
      replaced = childPids(gateway.pid);
      if (replaced.length === 2 && !replaced.includes(workers[0]!)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(replaced).toHaveLength(2);
    expect(replaced).not.toContain(workers[0]);
    // the new worker answers 503 (not ready) until its endpoint discovery is done, as any starting gateway
    await allReady(port!);
    for (let i = 0; i < 10; i++) expect(await upper(port!, `x${i}`)).toBe(`X${i}`);

    // Kubernetes signals PID 1 only: the supervisor passes it on
    gateway.reportUnexpectedExit = false;
    process.kill(gateway.pid, 'SIGTERM');
    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of replaced) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('--monitoring: the supervisor serves one /metrics, every worker\'s requests added up', async () => {
    const [port, monitoringPort] = await freePorts(2);
    const gateway = await startWorkers(port!, 2, ['--monitoring', '--port-monitoring', String(monitoringPort)]);
    await allReady(port!);
    // both workers serve (connections are handed out in turn)
    let seen = await sessions(port!, 20);
    for (let tries = 0; seen.size < 2 && tries < 10; tries++) seen = new Set([...seen, ...(await sessions(port!, 10))]);
    expect(seen.size).toBe(2);
    // 40 requests, each on a new connection: spread over both workers
    const sent = 40;
    for (let i = 0; i < sent; i++) expect(await postOnNewConnection(port!, '/upper')).toBe(200);
    const metrics = await scrape(monitoringPort!);
    expect(metrics.value('jina_successful_requests_total')).toBe(sent);
    expect(metrics.value('jina_sending_request_seconds_count')).toBe(sent);
    expect(metrics.value('jina_number_of_pending_requests')).toBe(0);
    gateway.reportUnexpectedExit = false;
    process.kill(gateway.pid, 'SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  });

  it('needs --port (exit 2), and fails with exit 1 when the workers cannot start (the port is taken)', async () => {
    const noPort = await runCommand(process.execPath, [GATEWAY, ...flowFlags, '--protocol', 'http', '--workers', '2'], { cwd: REPO_ROOT, timeoutMs: 30_000 });
    expect(noPort.code).toBe(2);
    expect(noPort.stderr).toMatch(/--workers 2 needs --port/);

    const [port] = await freePorts(1);
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const taken = await runCommand(process.execPath, [GATEWAY, ...flowFlags, '--protocol', 'http', '--port', String(port), '--workers', '2'], { cwd: REPO_ROOT, timeoutMs: 60_000 });
      expect(taken.code, taken.output).toBe(1);
      expect(taken.stderr).toMatch(/failed during start-up/);
    } finally {
      squatter.close();
    }
  });
});

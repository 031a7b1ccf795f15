/**
 * The `gateway` command with `--executor-transport grpc-js` (or JINA_TS_EXECUTOR_TRANSPORT) in
 * front of a real Jina executor, answering HTTP requests; a bad value from either exits 2 naming
 * where it came from. The behaviour of both transports call by call is in
 * runtime/src/executor/*.test.ts, test/wire-errors.test.ts, test/executor-tls.test.ts and
 * test/keepalive.test.ts, which run over each.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping } from '../runtime/src/cli/ping.js';
import { runCommand } from './support/commands.js';
import { EXECUTORS, JINA_ENV, type JinaExecutor, REPO_ROOT, startJinaExecutor } from './support/jina.js';
import { freePorts } from './support/ports.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const GATEWAY = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'gateway-main.js');

let textOps: JinaExecutor | undefined;
let flowFlags: string[];

beforeAll(async () => {
  textOps = await startJinaExecutor({ name: 'ops', ...EXECUTORS.textOps });
  flowFlags = [
    '--graph-description',
    JSON.stringify({ 'start-gateway': ['ops'], ops: ['end-gateway'] }),
    '--deployments-addresses',
    JSON.stringify({ ops: textOps.addresses }),
  ];
});

afterAll(async () => {
  await textOps?.stop();
});

async function startGatewayCommand(args: readonly string[], port: number, env: Record<string, string> = {}): Promise<ManagedProcess> {
  return startProcess({
    name: `gateway ${args.join(' ')}`,
    command: process.execPath,
    args: [GATEWAY, ...args],
    cwd: REPO_ROOT,
    env: { ...JINA_ENV, ...env },
    ready: async (_proc, signal) => {
      for (;;) {
        signal.throwIfAborted();
        const report = await ping({ target: 'gateway', host: `http://127.0.0.1:${port}`, timeoutMs: 500, attempts: 1, minSuccessfulAttempts: 1 });
        if (report.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    readyTimeoutMs: 60_000,
  });
}

/** The gateway's log lines (JSON) at `level` (30 info, 40 warn). */
function logged(gateway: ManagedProcess, level: number): string[] {
  return gateway
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === level)
    .map((line) => line.msg);
}

async function upper(port: number, texts: string[]): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/upper`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: texts.map((text) => ({ text })) }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Array<{ text: string }> }).data.map((doc) => doc.text);
}

describe('the gateway command with --executor-transport', () => {
  it('grpc-js: serves HTTP requests in front of a Jina executor; an option only grpc-js reads is not warned about', async () => {
    const port = (await freePorts(1))[0]!;
    const gateway = await startGatewayCommand(
      [...flowFlags, '--protocol', 'http', '--port', String(port), '--executor-transport', 'grpc-js', '--grpc-channel-options', '{"grpc.max_reconnect_backoff_ms": 2000}'],
      port,
    );
    try {
      expect(await upper(port, ['a', 'b'])).toEqual(['A', 'B']);
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => upper(port, [`x${i}`])));
      expect(many).toEqual(Array.from({ length: 20 }, (_, i) => [`X${i}`]));
      expect(logged(gateway, 30)).toContain('unary calls to executors go over grpc-js (--executor-transport / JINA_TS_EXECUTOR_TRANSPORT)');
      expect(logged(gateway, 40).filter((msg) => msg.includes('grpc.max_reconnect_backoff_ms'))).toEqual([]);
    } finally {
      expect((await gateway.stop()).code).toBe(0);
    }
  });

  it('JINA_TS_EXECUTOR_TRANSPORT picks it when the flag is absent; with the own transport, that option gets one warning naming it', async () => {
    const port = (await freePorts(1))[0]!;
    const viaEnv = await startGatewayCommand([...flowFlags, '--protocol', 'http', '--port', String(port)], port, { JINA_TS_EXECUTOR_TRANSPORT: 'grpc-js' });
    try {
      expect(await upper(port, ['env'])).toEqual(['ENV']);
      expect(logged(viaEnv, 30)).toContain('unary calls to executors go over grpc-js (--executor-transport / JINA_TS_EXECUTOR_TRANSPORT)');
    } finally {
      await viaEnv.stop();
    }
    // the flag wins over the variable
    const own = await startGatewayCommand(
      [...flowFlags, '--protocol', 'http', '--port', String(port), '--executor-transport', 'own', '--grpc-channel-options', '{"grpc.max_reconnect_backoff_ms": 2000}'],
      port,
      { JINA_TS_EXECUTOR_TRANSPORT: 'grpc-js' },
    );
    try {
      expect(await upper(port, ['own'])).toEqual(['OWN']);
      expect(logged(own, 30).filter((msg) => msg.startsWith('unary calls to executors go over'))).toEqual([]);
      expect(logged(own, 40).filter((msg) => msg.includes('grpc.max_reconnect_backoff_ms'))).toEqual([
        '--grpc-channel-options grpc.max_reconnect_backoff_ms: applies only with --executor-transport grpc-js; the own transport ignores it for unary calls and stream_doc to executors (the bidirectional Call still uses it)',
      ]);
    } finally {
      await own.stop();
    }
  });

  it('a bad value exits naming the flag (2, a command line it cannot read) or the variable (1, cannot start)', async () => {
    const flag = await runCommand(process.execPath, [GATEWAY, ...flowFlags, '--executor-transport', 'node'], { env: JINA_ENV, timeoutMs: 30_000 });
    expect(flag.code, flag.output).toBe(2);
    expect(flag.output).toContain('--executor-transport: expected one of own | grpc-js, got "node"');
    const variable = await runCommand(process.execPath, [GATEWAY, ...flowFlags], { env: { ...JINA_ENV, JINA_TS_EXECUTOR_TRANSPORT: 'grpcjs' }, timeoutMs: 30_000 });
    expect(variable.code, variable.output).toBe(1);
    expect(variable.output).toContain('JINA_TS_EXECUTOR_TRANSPORT: expected one of own | grpc-js, got "grpcjs"');
  });
});

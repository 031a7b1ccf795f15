/**
 * The executor of the fault scenarios (bench/faults.ts, test/faults.test.ts): our TypeScript
 * executor server with `/x` (echoes, text "ok") and `/slow` (sleeps 2 s). Served in-process by
 * `serveFaultExecutor`, or as a process of its own when run, so that it can be SIGKILLed:
 *
 *   node bench/dist/fault-executor.js --port 12345 [--max-connection-age-ms 200]
 *
 * prints `ready <port>` once it serves, and serves until killed.
 */
import { pathToFileURL } from 'node:url';
import { type Doc, type ExecutorServer, serveExecutor } from '@jina-ts/runtime';

export const FAULT_DEPLOYMENT = 'worker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FaultExecutorOptions {
  /** 0: a free one. */
  port?: number;
  /** grpc-js's `grpc.max_connection_age_ms`: the server sends GOAWAY on each connection this old. */
  maxConnectionAgeMs?: number | undefined;
  slowMs?: number;
}

export function serveFaultExecutor(options: FaultExecutorOptions = {}): Promise<ExecutorServer> {
  const slowMs = options.slowMs ?? 2_000;
  return serveExecutor({
    name: FAULT_DEPLOYMENT,
    host: '127.0.0.1',
    port: options.port ?? 0,
    endpoints: {
      '/x': { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, text: 'ok' })) },
      '/slow': {
        handler: async (docs: Doc[]) => {
          await sleep(slowMs);
          return docs;
        },
      },
    },
    ...(options.maxConnectionAgeMs === undefined ? {} : { grpcServerOptions: { 'grpc.max_connection_age_ms': options.maxConnectionAgeMs } }),
  });
}

function flag(argv: string[], name: string): number | undefined {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : Number(argv[at + 1]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const server = await serveFaultExecutor({ port: flag(argv, '--port') ?? 0, maxConnectionAgeMs: flag(argv, '--max-connection-age-ms') });
  process.stdout.write(`ready ${server.port}\n`);
}

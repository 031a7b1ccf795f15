/**
 * Steady HTTP load on a gateway while a fault is injected, for test/faults.test.ts and
 * bench/faults.ts: K clients each POST in a loop until told to stop, and every answer is counted
 * by what it was. A client gives up on a request only after a generous timeout, so "lost" means the
 * gateway never answered (a hang), which is a bug whatever the fault.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface LoadCounts {
  /** 200 answers. */
  ok: number;
  /** 502/503/504 answers whose body names the deployment, by status. */
  named: Record<number, number>;
  /** Anything else: other statuses, 5xx not naming the deployment, fetch errors; one line each. */
  other: string[];
  /** No answer within the client timeout. */
  lost: number;
  /** Milliseconds since the load started, of each 200, in order (to see successes resume). */
  okAt: number[];
}

export interface LoadOptions {
  url: string;
  /** Concurrent clients. */
  clients: number;
  /** The deployment the failures must name. */
  deployment: string;
  /** Client timeout per request, ms. */
  clientTimeoutMs?: number;
  body?: string;
}

export interface RunningLoad {
  readonly counts: LoadCounts;
  /** Resolves once `n` more 200s have come in (counted from the call). */
  okCount(n: number): Promise<void>;
  /** Resolves once `n` more answers of any kind (or losses) have come in. */
  answered(n: number): Promise<void>;
  /** Resolves once `n` more named failures have come in. */
  failedCount(n: number): Promise<void>;
  /** Stops the clients and waits for every request in flight to end. */
  stop(): Promise<LoadCounts>;
}

/** Starts the clients; they run until `stop()`. */
export function startLoad(options: LoadOptions): RunningLoad {
  const counts: LoadCounts = { ok: 0, named: {}, other: [], lost: 0, okAt: [] };
  const started = performance.now();
  const body = options.body ?? '{"data": [{"text": "x"}]}';
  let stopping = false;
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.check()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const named = (): number => Object.values(counts.named).reduce((sum, n) => sum + n, 0);

  async function one(): Promise<void> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.clientTimeoutMs ?? 10_000),
      });
      const text = await response.text();
      if (response.status === 200) {
        counts.ok++;
        counts.okAt.push(performance.now() - started);
      } else if ([502, 503, 504].includes(response.status) && namesDeployment(text, options.deployment)) {
        counts.named[response.status] = (counts.named[response.status] ?? 0) + 1;
      } else counts.other.push(`${response.status} ${text.slice(0, 200)}`);
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') counts.lost++;
      else counts.other.push(`fetch: ${String((error as Error & { cause?: unknown }).cause ?? error)}`);
    }
    wake();
  }

  const clients = Array.from({ length: options.clients }, async () => {
    while (!stopping) await one();
  });

  const waitFor = (check: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (check()) resolve();
      else waiters.push({ check, resolve });
    });

  return {
    counts,
    okCount(n) {
      const target = counts.ok + n;
      return waitFor(() => counts.ok >= target);
    },
    answered(n) {
      const total = (): number => counts.ok + named() + counts.other.length + counts.lost;
      const target = total() + n;
      return waitFor(() => total() >= target);
    },
    failedCount(n) {
      const target = named() + n;
      return waitFor(() => named() >= target);
    },
    async stop() {
      stopping = true;
      await Promise.all(clients);
      return counts;
    },
  };
}

/** The gateway's error body is JSON with `executor` (a failed call) or the name in the message. */
function namesDeployment(text: string, deployment: string): boolean {
  try {
    const parsed = JSON.parse(text) as { executor?: unknown };
    if (parsed.executor === deployment) return true;
  } catch {
    // not JSON: fall through to the text
  }
  return text.includes(deployment);
}

export interface CuttingProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /**
   * Arms `count` cuts: each connection, open or new, is destroyed (both sides) once `afterBytes`
   * more bytes have come back from the target, so the cut lands in the middle of the responses
   * then in flight; after `count` cuts, everything passes through again.
   */
  armCuts(count: number, afterBytes: number): void;
  close(): Promise<void>;
}

/** A TCP proxy from a loopback port to `target` that cuts connections when told to. */
/** `server` listening on a free loopback port; resolves with the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export async function startCuttingProxy(target: { host: string; port: number }): Promise<CuttingProxy> {
  let connections = 0;
  let cuts = 0;
  let armed = 0;
  let armedAfter = 0;
  interface Pair {
    client: Socket;
    upstream: Socket;
    forwarded: number;
    limit: number;
  }
  const open = new Set<Pair>();
  const server: Server = createServer((client) => {
    connections++;
    const pair: Pair = { client, upstream: createConnection(target), forwarded: 0, limit: armed > 0 ? armedAfter : Infinity };
    const { upstream } = pair;
    open.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(pair);
    };
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (pair.forwarded + chunk.length < pair.limit) {
        pair.forwarded += chunk.length;
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, Math.max(0, pair.limit - pair.forwarded)));
      end();
      cuts++;
      if (armed > 0 && --armed === 0) for (const other of open) other.limit = Infinity;
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    armCuts(count, afterBytes) {
      armed = count;
      armedAfter = afterBytes;
      for (const pair of open) pair.limit = pair.forwarded + afterBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of open) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

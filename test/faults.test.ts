/**
 * The built-in HTTP gateway under steady load while its executor fails: every request gets an
 * answer (none lost to a hang), every failure is a 5xx naming the deployment, and the gateway
 * recovers once the executor does. The gateway runs in-process (`startGateway`, as the command
 * line starts it) in front of our TypeScript executor server; 8 clients POST in a loop.
 *
 * a. the executor stops and starts again on the same port: 503s while it is gone, then 200s;
 * b. an endpoint slower than `--timeout-send`: 504s for it, 200s for the other endpoint;
 * c. a TCP proxy that cuts the connection mid-response: 502/503s, then 200s through a clean one,
 *    and one new connection per cut (not one per failed call);
 * d. the executor says GOAWAY on every connection 150 ms old (grpc-js `max_connection_age_ms`,
 *    2^31-1 then the real last stream id): the calls it did not take are sent again at once
 *    (transparent retry), so none is lost and none fails, with or without --retries;
 * e. a proxy says GOAWAY INTERNAL_ERROR for the executor and closes the connection, 5 times: the
 *    calls the executor had taken fail 503 naming the deployment (none with one retry), the others
 *    are sent again; none lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Doc, type ExecutorServer, type RunningGateway, serveExecutor, startGateway } from '../runtime/src/index.js';
import { startCuttingProxy, startLoad } from '../bench/fault-load.js';
import { startGoawayProxy } from '../bench/goaway-proxy.js';

const CLIENTS = 8;
const DEPLOYMENT = 'worker';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const echo = { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, text: 'ok' })) };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function executor(port = 0, slowMs = 2_000, grpcServerOptions = {}): Promise<ExecutorServer> {
  const server = await serveExecutor({
    name: DEPLOYMENT,
    host: '127.0.0.1',
    port,
    grpcServerOptions,
    endpoints: {
      '/x': echo,
      '/slow': {
        handler: async (docs: Doc[]) => {
          await sleep(slowMs);
          return docs;
        },
      },
    },
  });
  return server;
}

async function gateway(executorPort: number, extra: string[]): Promise<{ running: RunningGateway; url: (path: string) => string }> {
  const started = await startGateway({
    argv: [
      '--graph-description', JSON.stringify({ 'start-gateway': [DEPLOYMENT], [DEPLOYMENT]: ['end-gateway'] }),
      '--deployments-addresses', JSON.stringify({ [DEPLOYMENT]: [`grpc://127.0.0.1:${executorPort}`] }),
      '--host', '127.0.0.1', '--protocol', 'http', ...extra,
    ],
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw started.error;
  const running = started.value;
  cleanups.push(() => running.stop());
  await running.ready;
  return { running, url: (path) => `http://127.0.0.1:${running.ports[0]}${path}` };
}


describe('the HTTP gateway under load while its executor fails', () => {
  it('a. the executor stops, then starts again on the same port: 503s naming it, none lost, 200s again', async () => {
    let server = await executor();
    const port = server.port;
    cleanups.push(() => server.close(0));
    const { url } = await gateway(port, ['--retries', '0']);
    const load = startLoad({ url: url('/x'), clients: CLIENTS, deployment: DEPLOYMENT });
    await load.okCount(50);
    await server.close(0);
    await load.failedCount(20);
    server = await executor(port);
    const okBeforeReturn = load.counts.ok;
    await load.okCount(50);
    const counts = await load.stop();

    expect(counts.lost).toBe(0);
    expect(counts.other).toEqual([]);
    expect(Object.keys(counts.named)).toEqual(['503']);
    expect(counts.ok).toBeGreaterThanOrEqual(okBeforeReturn + 50);
  });

  it('b. an endpoint slower than --timeout-send: 504s naming the deployment for it, none lost, the other endpoint all 200', async () => {
    const server = await executor();
    cleanups.push(() => server.close(0));
    const { url } = await gateway(server.port, ['--timeout-send', '300', '--retries', '0']);
    const slow = startLoad({ url: url('/slow'), clients: CLIENTS / 2, deployment: DEPLOYMENT });
    const fast = startLoad({ url: url('/x'), clients: CLIENTS / 2, deployment: DEPLOYMENT });
    await slow.failedCount(12);
    await fast.okCount(100);
    const [slowCounts, fastCounts] = [await slow.stop(), await fast.stop()];

    expect(slowCounts).toMatchObject({ ok: 0, lost: 0, other: [] });
    expect(Object.keys(slowCounts.named)).toEqual(['504']);
    expect(fastCounts).toMatchObject({ lost: 0, other: [], named: {} });
    expect(fastCounts.ok).toBeGreaterThanOrEqual(100);
  });

  it('c. the connection cut mid-response, 6 times: 502/503s naming the deployment, none lost, 200s again', async () => {
    const server = await executor();
    cleanups.push(() => server.close(0));
    const proxy = await startCuttingProxy({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => proxy.close());
    const { url } = await gateway(proxy.port, ['--retries', '1']);
    const load = startLoad({ url: url('/x'), clients: CLIENTS, deployment: DEPLOYMENT });
    await load.okCount(50);
    const cutsBefore = proxy.cuts;
    const connectionsBefore = proxy.connections;
    // A few responses' worth of bytes, then the cut: it lands inside a frame, mid-response.
    proxy.armCuts(6, 1_000);
    while (proxy.cuts < cutsBefore + 6) await load.answered(1);
    const okAfterCuts = load.counts.ok;
    const connectionsAfterCuts = proxy.connections;
    await load.okCount(100);
    const counts = await load.stop();

    expect(counts.lost).toBe(0);
    expect(counts.other).toEqual([]);
    for (const status of Object.keys(counts.named)) expect(['502', '503']).toContain(status);
    expect(counts.ok).toBeGreaterThanOrEqual(okAfterCuts + 100);
    // A cut fails every call in flight on the connection, and each failed call used to reset the
    // replica's channel, the fresh one its neighbours had just opened too: a new connection per
    // failed call (~8 here), not one per cut. (Slack for a cut that lands on a connection's first bytes.)
    expect(connectionsAfterCuts - connectionsBefore).toBeLessThanOrEqual(6 * 2);
  });

  it.each([['0'], ['1']])('d. GOAWAY on every connection 150 ms old (max_connection_age), 6 connections\' worth, --retries %s: none lost, none failed', async (retries) => {
    const server = await executor(0, 2_000, { 'grpc.max_connection_age_ms': 150 });
    cleanups.push(() => server.close(0));
    // passes everything through; counts the connections the gateway opens
    const proxy = await startGoawayProxy({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => proxy.close());
    const { url } = await gateway(proxy.port, ['--retries', retries]);
    const load = startLoad({ url: url('/x'), clients: CLIENTS, deployment: DEPLOYMENT });
    await load.okCount(20);
    const connectionsBefore = proxy.connections;
    while (proxy.connections < connectionsBefore + 5) await load.answered(1);
    const counts = await load.stop();

    expect(counts.lost).toBe(0);
    expect(counts.other).toEqual([]);
    expect(counts.named).toEqual({});
    expect(counts.ok).toBeGreaterThan(20);
  });

  it.each([['0'], ['1']])('e. GOAWAY INTERNAL_ERROR then the connection closed, 5 times, --retries %s: none lost; the calls the executor took fail 503 naming it (none with a retry)', async (retries) => {
    const server = await executor();
    cleanups.push(() => server.close(0));
    const proxy = await startGoawayProxy({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => proxy.close());
    const { url } = await gateway(proxy.port, ['--retries', retries]);
    const load = startLoad({ url: url('/x'), clients: CLIENTS, deployment: DEPLOYMENT });
    await load.okCount(20);
    for (let i = 0; i < 5; i++) {
      proxy.goawayAll('error', 0x2);
      await load.okCount(20);
    }
    const counts = await load.stop();

    expect(proxy.goaways).toBeGreaterThanOrEqual(5);
    expect(counts.lost).toBe(0);
    expect(counts.other).toEqual([]);
    if (retries === '0') for (const status of Object.keys(counts.named)) expect(status).toBe('503');
    else expect(counts.named).toEqual({});
  });
});

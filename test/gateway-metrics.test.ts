/**
 * `--monitoring`: the Prometheus metrics of the gateway, scraped from `--port-monitoring` and read
 * strictly (support/prometheus-text.ts), against real peers:
 *
 * - Jina's own gateway (`--monitoring`) and ours in front of the same real Jina executor, the same
 *   requests sent to each by Jina's Python Client: the same Jina metric names with the same
 *   `runtime_name`, and the same counts (requests answered, failed, executor calls);
 * - ours in front of our TypeScript executor: counts by endpoint and outcome, executor errors by
 *   deployment and code (an in-band executor error, an unreachable executor), an endpoint no
 *   executor binds counted as `(unknown)`, a hostile endpoint name escaped in the exposition, and
 *   a FastifyBaseGateway's own metric on `this.metricsRegistry`.
 */
import Fastify from 'fastify';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Doc, type ExecutorServer, FastifyBaseGateway, type GatewayArgsInput, type GatewayClass, type RunningGateway, serveExecutor, startGateway } from '../runtime/src/index.js';
import { EXECUTORS, type JinaExecutor, type JinaGateway, runJinaPython, singleNodeGraph, startJinaExecutor, startJinaGateway } from './support/jina.js';
import { freePort } from './support/ports.js';
import { type Exposition, parseExposition, scrape } from './support/prometheus-text.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

/** Jina's gateway metrics that both gateways export (histograms here, summaries in Jina: `_count` is common). */
const JINA_COUNTED = ['jina_receiving_request_seconds', 'jina_sending_request_seconds', 'jina_sent_request_bytes', 'jina_received_response_bytes'];
const HOSTILE_ENDPOINT = '/q"uote\\back\nslash';

const gateways: RunningGateway[] = [];

async function ourGateway(args: GatewayArgsInput, gatewayClass?: GatewayClass): Promise<RunningGateway> {
  const started = await startGateway({
    args: { host: '127.0.0.1', monitoring: true, ...args },
    ...(gatewayClass === undefined ? {} : { gatewayClass }),
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw new Error(started.error.message);
  gateways.push(started.value);
  await started.value.ready;
  return started.value;
}

afterAll(async () => {
  for (const gateway of gateways.splice(0)) await gateway.stop();
});

describe('the same requests through Jina\'s gateway and ours, both with --monitoring', () => {
  let kinds: JinaExecutor;
  let jina: JinaGateway;
  let jinaMonitoring: number;
  let ours: RunningGateway;

  beforeAll(async () => {
    kinds = await startJinaExecutor({ name: 'kinds', ...EXECUTORS.kinds });
    jinaMonitoring = await freePort();
    const flow = { graphDescription: singleNodeGraph('kinds'), deploymentsAddresses: { kinds: kinds.addresses } };
    jina = await startJinaGateway({ ...flow, protocol: 'http', extraArgs: ['--monitoring', '--port-monitoring', String(jinaMonitoring)] });
    ours = await ourGateway({ ...flow, protocols: ['http'] });
  }, 120_000);

  afterAll(async () => {
    await jina?.stop();
  });

  it('exports Jina\'s metric names, runtime_name and counts', async () => {
    // 3 requests answered, 1 the executor fails (ValueError('boom'), in-band)
    const send = `
from jina import Client
from docarray import DocList
from docarray.documents import TextDoc
client = Client(host='127.0.0.1', port=INPUT, protocol='http')
for i in range(3):
    client.post('/single', inputs=DocList[TextDoc]([TextDoc(id=f'd{i}', text='x')]), return_type=DocList[TextDoc])
failed = 0
try:
    client.post('/boom', inputs=DocList[TextDoc]([TextDoc(id='b', text='x')]), return_type=DocList[TextDoc])
except Exception:
    failed += 1
output(failed)
`;
    expect(await runJinaPython<number>(send, jina.port)).toBe(1);
    expect(await runJinaPython<number>(send, ours.ports[0])).toBe(1);

    const theirs = await scrape(jinaMonitoring);
    const mine = await scrape(ours.monitoringPort!);
    const runtime = { runtime_name: 'gateway' };
    for (const name of JINA_COUNTED) {
      expect(theirs.types.get(name), name).toBe('summary');
      expect(mine.types.get(name), name).toBe('histogram');
      expect(mine.value(`${name}_count`, runtime), name).toBe(theirs.value(`${name}_count`, runtime));
    }
    for (const name of ['jina_successful_requests_total', 'jina_failed_requests_total', 'jina_number_of_pending_requests']) {
      expect(mine.value(name, runtime), name).toBe(theirs.value(name, runtime));
    }
    expect(mine.value('jina_successful_requests_total', runtime)).toBe(3);
    expect(mine.value('jina_failed_requests_total', runtime)).toBe(1);
    expect(mine.value('jina_sending_request_seconds_count', runtime)).toBe(4);
    // ours say which: by endpoint and outcome, and the executor error by deployment
    expect(mine.value('jina_ts_endpoint_request_seconds_count', { endpoint: '/single', outcome: 'ok' })).toBe(3);
    expect(mine.value('jina_ts_endpoint_request_seconds_count', { endpoint: '/boom', outcome: 'executor_error' })).toBe(1);
    expect(mine.value('jina_ts_executor_errors_total', { deployment: 'kinds', code: 'EXECUTOR_ERROR' })).toBe(1);
    expect(mine.value('jina_ts_executor_request_seconds_count', { deployment: 'kinds' })).toBe(4);
  }, 120_000);
});

describe('our gateway\'s own metrics', () => {
  let executor: ExecutorServer;

  beforeAll(async () => {
    executor = await serveExecutor({
      name: 'worker',
      host: '127.0.0.1',
      port: 0,
      endpoints: {
        '/ok': { handler: (docs: Doc[]) => docs },
        '/raise': {
          handler: () => {
            throw new Error('raised on purpose');
          },
        },
        [HOSTILE_ENDPOINT]: { handler: (docs: Doc[]) => docs },
      },
    });
  });

  afterAll(async () => {
    await executor?.close();
  });

  it('counts by endpoint and outcome, an unknown endpoint as (unknown), and escapes a hostile endpoint name', async () => {
    const gateway = await ourGateway({
      graphDescription: singleNodeGraph('worker'),
      deploymentsAddresses: { worker: [`grpc://127.0.0.1:${executor.port}`] },
      protocols: ['http', 'grpc'],
    });
    const http = `http://127.0.0.1:${gateway.ports[0]}`;
    const post = (endpoint: string) => fetch(`${http}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [{ text: 'x' }] }) });
    expect((await post('/ok')).status).toBe(200);
    expect((await post('/ok')).status).toBe(200);
    expect((await post('/raise')).status).toBe(500);
    // over gRPC, with the Jina client: an endpoint nobody binds, and the hostile one
    await runJinaPython(
      `
from jina import Client
from docarray import DocList
from docarray.documents import TextDoc
client = Client(host='127.0.0.1', port=INPUT['port'], protocol='grpc')
for endpoint in ['/nobody-binds-this', '/invented-by-a-client', INPUT['hostile']]:
    client.post(endpoint, inputs=DocList[TextDoc]([TextDoc(text='x')]))
output(True)
`,
      { port: gateway.ports[1], hostile: HOSTILE_ENDPOINT },
    );

    const response = await fetch(`http://127.0.0.1:${gateway.monitoringPort}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseExposition(await response.text());
    const byEndpoint = (endpoint: string, outcome: string) => metrics.value('jina_ts_endpoint_request_seconds_count', { endpoint, outcome });
    expect(byEndpoint('/ok', 'ok')).toBe(2);
    expect(byEndpoint('/raise', 'executor_error')).toBe(1);
    expect(byEndpoint('(unknown)', 'ok')).toBe(2);
    expect(byEndpoint(HOSTILE_ENDPOINT, 'ok')).toBe(1);
    expect(metrics.value('jina_successful_requests_total')).toBe(5);
    expect(metrics.value('jina_failed_requests_total')).toBe(1);
    expect(metrics.value('jina_number_of_pending_requests')).toBe(0);
    expect(metrics.value('jina_ts_executor_errors_total', { deployment: 'worker', code: 'EXECUTOR_ERROR' })).toBe(1);
    // the two requests to unbound endpoints passed the executor by: 4 calls for 6 requests
    expect(metrics.value('jina_sending_request_seconds_count')).toBe(4);
    // a histogram's buckets are cumulative and end with +Inf = _count
    const buckets = metrics.find('jina_receiving_request_seconds_bucket');
    expect(buckets.at(-1)?.labels.le).toBe('+Inf');
    expect(buckets.at(-1)?.value).toBe(5);
    expect(buckets.every((bucket, index) => index === 0 || bucket.value >= buckets[index - 1]!.value)).toBe(true);
    // anything but GET / HEAD is refused
    expect((await fetch(`http://127.0.0.1:${gateway.monitoringPort}/metrics`, { method: 'POST' })).status).toBe(405);
  }, 60_000);

  it('counts the failures of an executor gone after discovery by gRPC code, and the failed requests', async () => {
    const leaving = await serveExecutor({ name: 'gone', host: '127.0.0.1', port: 0, endpoints: { '/ok': { handler: (docs: Doc[]) => docs } } });
    const gateway = await ourGateway({
      graphDescription: singleNodeGraph('gone'),
      deploymentsAddresses: { gone: [`grpc://127.0.0.1:${leaving.port}`] },
      protocols: ['http'],
      retries: 0,
    });
    await leaving.close();
    const response = await fetch(`http://127.0.0.1:${gateway.ports[0]}/ok`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [{ text: 'x' }] }) });
    expect(response.status).toBe(503);
    const metrics = await scrape(gateway.monitoringPort!);
    expect(metrics.value('jina_failed_requests_total')).toBe(1);
    expect(metrics.value('jina_successful_requests_total')).toBe(0);
    expect(metrics.value('jina_number_of_pending_requests')).toBe(0);
    expect(metrics.value('jina_ts_executor_errors_total', { deployment: 'gone', code: 'UNAVAILABLE' })).toBe(1);
    expect(metrics.value('jina_ts_endpoint_request_seconds_count', { endpoint: '/ok', outcome: 'failed' })).toBe(1);
  }, 60_000);

  it('serves a custom gateway\'s own metric, registered on this.metricsRegistry, next to the gateway\'s', async () => {
    class CountingGateway extends FastifyBaseGateway {
      // injected attributes are there for field initializers already
      private readonly greetings = new Counter({ name: 'my_greetings_total', help: 'greetings served', registers: this.metricsRegistry === undefined ? [] : [this.metricsRegistry] });

      get app() {
        const app = Fastify();
        app.get('/hello', async () => {
          this.greetings.inc();
          return { hello: 'world' };
        });
        return app;
      }
    }
    const gateway = await ourGateway(
      { graphDescription: singleNodeGraph('worker'), deploymentsAddresses: { worker: [`grpc://127.0.0.1:${executor.port}`] }, protocols: ['http'] },
      CountingGateway,
    );
    await (await fetch(`http://127.0.0.1:${gateway.ports[0]}/hello`)).json();
    await (await fetch(`http://127.0.0.1:${gateway.ports[0]}/hello`)).json();
    const metrics: Exposition = await scrape(gateway.monitoringPort!);
    expect(metrics.value('my_greetings_total')).toBe(2);
    expect(metrics.types.get('jina_receiving_request_seconds')).toBe('histogram');
  }, 60_000);

  it('serves nothing without --monitoring, and takes --port-monitoring as given', async () => {
    const flow = { graphDescription: singleNodeGraph('worker'), deploymentsAddresses: { worker: [`grpc://127.0.0.1:${executor.port}`] }, protocols: ['http'] };
    expect((await ourGateway({ ...flow, monitoring: false })).monitoringPort).toBeUndefined();
    const port = await freePort();
    expect((await ourGateway({ ...flow, portMonitoring: [port] })).monitoringPort).toBe(port);
    expect((await scrape(port)).value('jina_number_of_pending_requests')).toBe(0);
  }, 60_000);
});

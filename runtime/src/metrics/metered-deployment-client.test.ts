/**
 * The metered client over a real executor (our TypeScript server on loopback): each data call is
 * measured (bytes both ways, time, errors by code, EXECUTOR_ERROR for an in-band error), and with
 * --tracing as well the pool's clients are traced and metered at once: one span and one measured
 * call per call.
 */
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../executor/connection-pool.js';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import { TracedDeploymentClient } from '../tracing/traced-deployment-client.js';
import { dataContentFromDocList, encodeDataRequest, newRequestId } from '../wire/data-request.js';
import { encodeDocList } from '../wire/doc-codec.js';
import type { Doc } from '../wire/doc.js';
import { GatewayMetrics } from './gateway-metrics.js';

let executor: ExecutorServer;

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'echo',
    host: '127.0.0.1',
    port: 0,
    endpoints: {
      '/echo': { handler: (docs: Doc[]) => docs },
      '/raise': {
        handler: () => {
          throw new Error('raised');
        },
      },
    },
  });
});

afterAll(async () => {
  await executor?.close();
});

function request(endpoint: string): Buffer {
  return Buffer.from(
    encodeDataRequest({
      header: { requestId: newRequestId(), status: undefined, execEndpoint: endpoint, targetExecutor: '' },
      parameters: {},
      routes: [],
      data: dataContentFromDocList(encodeDocList([{ text: 'hello' }])),
    }),
  );
}

/** The one sample of `name` (e.g. `x_count`) whose labels include `labels`. */
async function sampleValue(metrics: GatewayMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const samples = (await metrics.registry.getMetricsAsJSON()).flatMap((metric) =>
    metric.values.map((value) => ({ name: (value as { metricName?: string }).metricName ?? metric.name, labels: value.labels, value: value.value })),
  );
  const matching = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted));
  if (matching.length !== 1) throw new Error(`${matching.length} samples of ${name} ${JSON.stringify(labels)}`);
  return matching[0]!.value;
}

describe('meteredDeploymentClient', () => {
  it('with --tracing too: traced and metered at once, bytes, time and errors by code measured', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracing = { tracer: provider.getTracer('test'), propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator()] }) };
    const metrics = new GatewayMetrics({ runtimeName: 'gateway' });
    const pool = new ConnectionPool({ echo: [`grpc://127.0.0.1:${executor.port}`] }, { tracing, metrics, retries: 0 });
    try {
      const client = pool.get('echo');
      expect(client).toBeInstanceOf(TracedDeploymentClient);
      const sent = request('/echo');
      const answered = await client.processSingleData(sent, { endpoint: '/echo' });
      expect(answered.isError).toBe(false);
      expect((await client.processSingleData(request('/raise'), { endpoint: '/raise' })).isError).toBe(true);

      expect(exporter.getFinishedSpans()).toHaveLength(2);
      expect(await sampleValue(metrics, 'jina_sending_request_seconds_count', { runtime_name: 'gateway' })).toBe(2);
      expect(await sampleValue(metrics, 'jina_sent_request_bytes_sum', { runtime_name: 'gateway' })).toBe(sent.length + request('/raise').length);
      expect(await sampleValue(metrics, 'jina_received_response_bytes_count', { runtime_name: 'gateway' })).toBe(2);
      expect(await sampleValue(metrics, 'jina_ts_executor_request_seconds_count', { deployment: 'echo' })).toBe(2);
      expect(await sampleValue(metrics, 'jina_ts_executor_errors_total', { deployment: 'echo', code: 'EXECUTOR_ERROR' })).toBe(1);
    } finally {
      pool.close();
      await provider.shutdown();
    }
  });

  it('counts a call to an address nobody serves by its gRPC code, UNAVAILABLE', async () => {
    const metrics = new GatewayMetrics({ runtimeName: 'gw' });
    // port 1 on loopback: refused at once
    const pool = new ConnectionPool({ gone: ['grpc://127.0.0.1:1'] }, { metrics, retries: 0 });
    try {
      await expect(pool.get('gone').processSingleData(request('/echo'))).rejects.toThrow(/127\.0\.0\.1:1/);
      expect(await sampleValue(metrics, 'jina_ts_executor_errors_total', { deployment: 'gone', code: 'UNAVAILABLE' })).toBe(1);
      expect(await sampleValue(metrics, 'jina_sending_request_seconds_count', { runtime_name: 'gw' })).toBe(1);
    } finally {
      pool.close();
    }
  });
});

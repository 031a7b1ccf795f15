/**
 * `--tracing` against real peers: a real Jina executor started with `--tracing
 * --traces-exporter-host http://127.0.0.1 --traces-exporter-port P`, our built-in gateway (HTTP,
 * gRPC, WebSocket) with `--tracing` exporting to the same port, and an OTLP/gRPC receiver
 * (support/otlp-receiver.ts) collecting what both export.
 *
 * Checked across the hop: the gateway's inbound span honours the client's W3C traceparent, its
 * executor-call span is a child of it, and the Jina executor's spans are in the same trace with
 * the executor-call span as their parent (the traceparent went in the gRPC metadata). Failed
 * executor calls set ERROR naming the deployment and the gRPC code. Without --tracing the gateway
 * sends no traceparent: the executor's spans start a trace of their own.
 */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastify from 'fastify';
import {
  DeploymentClient,
  FastifyBaseGateway,
  dataContentFromDocList,
  decodeDataRequest,
  encodeDataRequest,
  encodeDocList,
  GatewayStreamer,
  newRequestId,
  type RunningGateway,
  startGateway,
  startTracing,
} from '../runtime/src/index.js';
import { EXECUTORS, type JinaExecutor, runJinaPython, singleNodeGraph, startJinaExecutor } from './support/jina.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './support/otlp-receiver.js';
import { useProcessRegistry } from './support/processes.js';
import { freePort } from './support/ports.js';

useProcessRegistry();

const PROCESS_SINGLE_DATA = '/jina.JinaSingleDataRequestRPC/process_single_data';

let receiver: OtlpReceiver;
let echo: JinaExecutor;
let traced: RunningGateway;
let untraced: RunningGateway;

async function gateway(tracing: boolean): Promise<RunningGateway> {
  const started = await startGateway({
    args: {
      graphDescription: singleNodeGraph('echo'),
      deploymentsAddresses: { echo: echo.addresses },
      host: '127.0.0.1',
      protocols: tracing ? ['http', 'grpc', 'websocket'] : ['http'],
      tracing,
      tracesExporterHost: 'http://127.0.0.1',
      tracesExporterPort: receiver.port,
    },
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw new Error(started.error.message);
  await started.value.ready;
  return started.value;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  echo = await startJinaExecutor({
    name: 'echo',
    ...EXECUTORS.echo,
    extraArgs: ['--tracing', '--traces-exporter-host', 'http://127.0.0.1', '--traces-exporter-port', String(receiver.port)],
    // the Python SDK's batch processor exports every 5 s by default
    env: { OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  traced = await gateway(true);
  untraced = await gateway(false);
}, 120_000);

afterAll(async () => {
  await traced?.stop();
  await untraced?.stop();
});

function traceparent(): { traceId: string; parentId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

function echoRequest(text: string): Buffer {
  return encodeDataRequest({
    header: { requestId: newRequestId(), status: undefined, execEndpoint: '/echo', targetExecutor: undefined },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ text }])),
  });
}

/** Our gateway's spans are exported on demand (Jina's every OTEL_BSP_SCHEDULE_DELAY). */
async function flushOurs(): Promise<void> {
  await (traced.gateway.tracerProvider as unknown as { forceFlush(): Promise<void> }).forceFlush();
}

interface Hop {
  inbound: ReceivedSpan;
  call: ReceivedSpan;
  executor: ReceivedSpan[];
}

/** The spans of one traced request across the hop, once all of them arrived. */
function hopOf(traceId: string, inboundName: string): (spans: ReceivedSpan[]) => Hop | undefined {
  return (spans) => {
    const inTrace = spans.filter((span) => span.traceId === traceId);
    const inbound = inTrace.find((span) => span.service === 'gateway' && span.kind === 'SERVER' && span.name === inboundName);
    const call = inTrace.find((span) => span.service === 'gateway' && span.kind === 'CLIENT');
    const executor = inTrace.filter((span) => span.service === 'echo/rep-0');
    // Jina's executor exports two spans per call: its gRPC server interceptor's and the endpoint's
    return inbound && call && executor.length >= 2 ? { inbound, call, executor } : undefined;
  };
}

function expectHop(hop: Hop, parentId: string): void {
  expect(hop.inbound.parentSpanId).toBe(parentId);
  expect(hop.call).toMatchObject({
    name: PROCESS_SINGLE_DATA,
    parentSpanId: hop.inbound.spanId,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': 'jina.JinaSingleDataRequestRPC', 'rpc.method': 'process_single_data', 'jina.deployment': 'echo', 'jina.endpoint': '/echo' },
    status: { code: 'UNSET' },
  });
  expect(hop.call.attributes['rpc.grpc.status_code']).toBe('0');
  // What Jina's executor really exports: its interceptor's SERVER span and the endpoint's span,
  // both children of our executor-call span (the endpoint's is parented on the extracted context).
  const byName = Object.fromEntries(hop.executor.map((span) => [span.name, span]));
  expect(byName[PROCESS_SINGLE_DATA]).toMatchObject({ kind: 'SERVER', parentSpanId: hop.call.spanId });
  expect(byName['/echo']).toMatchObject({ parentSpanId: hop.call.spanId });
}

describe('--tracing across the gateway → Jina executor hop', () => {
  it('HTTP: the inbound traceparent is the parent, the executor span is a child of the gateway call span', async () => {
    const { traceId, parentId, header } = traceparent();
    const response = await fetch(`http://127.0.0.1:${traced.ports[0]}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({ data: [{ text: 'traced' }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { text: string }[] }).data[0]!.text).toBe('traced');
    const hop = await receiver.waitFor(`the spans of trace ${traceId}`, hopOf(traceId, 'POST /echo'), { flush: flushOurs });
    expectHop(hop, parentId);
    expect(hop.inbound.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/echo', 'http.response.status_code': '200' });
  });

  it('gRPC: process_single_data with traceparent metadata', async () => {
    const { traceId, parentId, header } = traceparent();
    const client = new DeploymentClient('our-gateway', [`grpc://127.0.0.1:${traced.ports[1]}`]);
    try {
      const result = await client.processSingleData(echoRequest('over grpc'), { endpoint: '/echo', metadata: { traceparent: header } });
      expect(result.isError).toBe(false);
    } finally {
      client.close();
    }
    const hop = await receiver.waitFor(`the spans of trace ${traceId}`, hopOf(traceId, PROCESS_SINGLE_DATA), { flush: flushOurs });
    expectHop(hop, parentId);
    expect(hop.inbound.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'jina.JinaSingleDataRequestRPC', 'rpc.grpc.status_code': '0' });
  });

  it('gRPC JinaRPC/Call from the Jina Client with --tracing: client, gateway and executor in one trace', async () => {
    const result = await runJinaPython<{ text: string }>(
      `
from jina import Client
from docarray import DocList
from docarray.documents import TextDoc
client = Client(host='127.0.0.1', port=INPUT['port'], protocol='grpc', tracing=True,
                traces_exporter_host='http://127.0.0.1', traces_exporter_port=INPUT['otlp'])
docs = client.post('/echo', inputs=DocList[TextDoc]([TextDoc(text='from the jina client')]), return_type=DocList[TextDoc])
client.tracer_provider.force_flush()
output({'text': docs[0].text})
`,
      { port: traced.ports[1], otlp: receiver.port },
    );
    expect(result.text).toBe('from the jina client');
    const spans = await receiver.waitFor('the Jina Client\'s trace through our gateway', (all) => {
      const client = all.find((span) => span.service === 'GRPCClient' && span.kind === 'CLIENT' && span.name === '/jina.JinaRPC/Call');
      if (client === undefined) return undefined;
      const hop = hopOf(client.traceId, '/jina.JinaRPC/Call')(all);
      return hop === undefined ? undefined : { client, hop };
    }, { flush: flushOurs });
    expectHop(spans.hop, spans.client.spanId);
  });

  it('WebSocket: the upgrade request\'s traceparent is the parent of the connection\'s requests', async () => {
    const { traceId, parentId, header } = traceparent();
    const ws = new WebSocket(`ws://127.0.0.1:${traced.ports[2]}/`, { headers: { traceparent: header } });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('message', (data: Buffer) => resolve(data));
      ws.once('open', () => {
        ws.send(echoRequest('over ws'));
        ws.send(Buffer.from([0]));
      });
    });
    await new Promise((resolve) => ws.once('close', resolve));
    expect(decodeDataRequest(reply).header.status).toBeUndefined();
    expectHop(await receiver.waitFor(`the spans of trace ${traceId}`, hopOf(traceId, '/'), { flush: flushOurs }), parentId);
  });

  it('a custom FastifyBaseGateway: its own spans (this.tracerProvider) sit between the request span and the executor call', async () => {
    class Shout extends FastifyBaseGateway {
      get app() {
        const app = fastify();
        app.post('/shout', async () => {
          const tracer = this.tracerProvider.getTracer('shout');
          return tracer.startActiveSpan('shout', async (span) => {
            try {
              const docs = await this.executor.echo!.post({ on: '/echo', inputs: [{ text: `tracing=${this.tracing}` }] });
              return { text: String(docs[0]!.text).toUpperCase() };
            } finally {
              span.end();
            }
          });
        });
        return app;
      }
    }
    const started = await startGateway({
      gatewayClass: Shout,
      args: {
        graphDescription: singleNodeGraph('echo'),
        deploymentsAddresses: { echo: echo.addresses },
        host: '127.0.0.1',
        protocols: ['http'],
        name: 'shout',
        tracing: true,
        tracesExporterHost: 'http://127.0.0.1',
        tracesExporterPort: receiver.port,
      },
      logDestination: { write: () => undefined },
      env: {},
    });
    if (!started.ok) throw new Error(started.error.message);
    const custom = started.value;
    try {
      const { traceId, parentId, header } = traceparent();
      const response = await fetch(`http://127.0.0.1:${custom.ports[0]}/shout`, { method: 'POST', headers: { traceparent: header } });
      expect(await response.json()).toEqual({ text: 'TRACING=TRUE' });
      const flush = () => (custom.gateway.tracerProvider as unknown as { forceFlush(): Promise<void> }).forceFlush();
      const spans = await receiver.waitFor(`the spans of trace ${traceId}`, (all) => {
        const inTrace = all.filter((span) => span.traceId === traceId);
        return inTrace.filter((span) => span.service === 'echo/rep-0').length >= 2 && inTrace.length >= 5 ? inTrace : undefined;
      }, { flush });
      const find = (name: string, service: string) => spans.find((span) => span.name === name && span.service === service)!;
      const inbound = find('POST /shout', 'shout');
      const own = find('shout', 'shout');
      const call = find(PROCESS_SINGLE_DATA, 'shout');
      expect(inbound.parentSpanId).toBe(parentId);
      expect(own.parentSpanId).toBe(inbound.spanId);
      expect(call.parentSpanId).toBe(own.spanId);
      expect(find('/echo', 'echo/rep-0').parentSpanId).toBe(call.spanId);
    } finally {
      await custom.stop();
    }
  });

  it('a failed executor call sets status ERROR naming the deployment and the gRPC code', async () => {
    const tracing = await startTracing({ serviceName: 'failing-streamer', exporterHost: 'http://127.0.0.1', exporterPort: receiver.port });
    const streamer = new GatewayStreamer({
      graphDescription: singleNodeGraph('down'),
      deploymentsAddresses: { down: [`grpc://127.0.0.1:${await freePort()}`] },
      retries: 0,
      tracing,
    });
    try {
      await expect(streamer.executor.down!.post({ on: '/echo', inputs: [{ text: 'x' }] })).rejects.toThrow(/UNAVAILABLE/);
    } finally {
      streamer.close();
      await tracing.shutdown();
    }
    const span = await receiver.waitFor('the failed call span', (spans) => spans.find((s) => s.service === 'failing-streamer'));
    expect(span).toMatchObject({ kind: 'CLIENT', name: PROCESS_SINGLE_DATA, parentSpanId: '', attributes: { 'jina.deployment': 'down', 'rpc.grpc.status_code': '14' } });
    expect(span.status.code).toBe('ERROR');
    expect(span.status.message).toMatch(/^executor "down" failed with gRPC UNAVAILABLE: /);
  });

  it('without --tracing no traceparent is sent: the executor\'s spans start their own trace', async () => {
    const { traceId, header } = traceparent();
    const before = new Set(receiver.spans().map((span) => span.spanId));
    const response = await fetch(`http://127.0.0.1:${untraced.ports[0]}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({ data: [{ text: 'untraced' }] }),
    });
    expect(response.status).toBe(200);
    const executorSpans = await receiver.waitFor('the executor spans of the untraced request', (spans) => {
      const fresh = spans.filter((span) => !before.has(span.spanId) && span.service === 'echo/rep-0');
      return fresh.length >= 2 ? fresh : undefined;
    });
    const server = executorSpans.find((span) => span.name === PROCESS_SINGLE_DATA)!;
    expect(server.parentSpanId).toBe('');
    expect(server.traceId).not.toBe(traceId);
    expect(receiver.spans().filter((span) => span.traceId === traceId)).toEqual([]);
  });
});

/**
 * startGateway() with a class given in code, in front of our TypeScript executor server (a real
 * gRPC server on loopback): what the runtime injects, start-up failures that leave nothing
 * behind, and the order of shutdown.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import type { Doc } from '../wire/doc.js';
import { Gateway } from './gateway.js';
import { startGateway } from './start-gateway.js';

let executor: ExecutorServer;
const logDestination = { write: () => undefined };

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'upper',
    host: '127.0.0.1',
    port: 0,
    endpoints: { '/upper': { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })) } },
  });
});

afterAll(async () => {
  await executor?.close();
});

function flow() {
  return {
    graphDescription: { 'start-gateway': ['upper'], upper: ['end-gateway'] },
    deploymentsAddresses: { upper: [`grpc://127.0.0.1:${executor.port}`] },
  };
}

describe('startGateway with a class in code', () => {
  it('injects name, logger, streamer, executor, runtimeArgs, ports, protocols, host and the parameters; stop() shuts it down once', async () => {
    const events: string[] = [];
    let seen: Record<string, unknown> = {};
    class Probe extends Gateway<{ suffix: string }> {
      static parameters = { suffix: '!' };
      // readable from field initializers on: the runtime fills them in before the constructor body
      readonly portAtConstruction = this.port;
      private stopped!: () => void;
      private readonly done = new Promise<void>((resolve) => (this.stopped = resolve));
      async setupServer() {
        events.push('setup');
        const [doc] = await this.executor['upper']!.post({ on: '/upper', inputs: [{ text: 'hi' }] });
        seen = {
          name: this.name,
          port: this.port,
          ports: this.ports,
          protocols: this.protocols,
          host: this.host,
          executors: Object.keys(this.executor),
          text: `${String(doc!.text)}${this.params.suffix}`,
          streamerNodes: [...this.streamer.topology.nodes.keys()],
          loggerIsPino: typeof this.logger.info === 'function',
          serving: this.health.serving,
          runtimeArgsName: this.runtimeArgs.name,
          portAtConstruction: this.portAtConstruction,
        };
      }
      async runServer() {
        events.push('run');
        await this.done;
      }
      async shutdown() {
        events.push(`shutdown (serving: ${this.health.serving}, aborted: ${this.signal.aborted})`);
        this.stopped();
      }
    }
    const started = await startGateway({
      args: { ...flow(), name: 'probe', host: '127.0.0.1', protocols: ['http', 'grpc'] },
      gatewayClass: Probe,
      params: { suffix: '?' },
      logDestination,
      env: {},
    });
    if (!started.ok) throw new Error(started.error.message);
    const running = started.value;
    expect(seen).toMatchObject({
      name: 'probe',
      port: running.ports[0],
      protocols: ['http', 'grpc'],
      host: '127.0.0.1',
      executors: ['upper'],
      text: 'HI?',
      streamerNodes: ['upper'],
      loggerIsPino: true,
      serving: false,
      runtimeArgsName: 'probe',
      portAtConstruction: running.ports[0],
    });
    expect(running.ports).toHaveLength(2);
    expect(running.gateway.health.serving).toBe(true);
    await Promise.all([running.stop(), running.stop()]);
    await running.done;
    expect(events).toEqual(['setup', 'run', 'shutdown (serving: false, aborted: true)']);
  });

  it('writes JINA_STREAMER_ARGS so that GatewayStreamer.get() rebuilds the Flow in the gateway\'s own code', async () => {
    class Idle extends Gateway {
      async setupServer() {}
      async runServer() {}
      async shutdown() {}
    }
    const env: NodeJS.ProcessEnv = {};
    const started = await startGateway({ args: { ...flow(), host: '127.0.0.1', timeoutSend: 2500, executorTransport: 'grpc-js' }, gatewayClass: Idle, logDestination, env });
    if (!started.ok) throw new Error(started.error.message);
    await started.value.done;
    expect(JSON.parse(env.JINA_STREAMER_ARGS!)).toMatchObject({
      graph_representation: flow().graphDescription,
      executor_addresses: flow().deploymentsAddresses,
      timeout_send: 2.5,
      runtime_name: 'gateway',
    });
    // not in Jina's JSON, whose keys Jina's get_streamer() passes as kwargs
    expect(JSON.parse(env.JINA_STREAMER_ARGS!)).not.toHaveProperty('executor_transport');
    expect(env.JINA_TS_EXECUTOR_TRANSPORT).toBe('grpc-js');
  });

  it('returns a failure naming the step, and leaves no port bound, when setupServer() throws', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    let shutdownCalled = false;
    class Broken extends Gateway {
      async setupServer() {
        throw new Error('no database');
      }
      async runServer() {}
      async shutdown() {
        shutdownCalled = true;
      }
    }
    const started = await startGateway({ args: { ...flow(), host: '127.0.0.1', ports: [port] }, gatewayClass: Broken, logDestination, env: {} });
    expect(!started.ok && started.error.message).toBe('Broken.setupServer() failed: no database');
    expect(shutdownCalled).toBe(true);
  });

  it('refuses a Flow it cannot read, naming the flag, before constructing anything', async () => {
    let constructed = false;
    class Never extends Gateway {
      constructor() {
        super();
        constructed = true;
      }
      async setupServer() {}
      async runServer() {}
      async shutdown() {}
    }
    const started = await startGateway({
      args: { graphDescription: { 'start-gateway': ['ghost'], ghost: ['end-gateway'] }, deploymentsAddresses: {} },
      gatewayClass: Never,
      logDestination,
      env: {},
    });
    expect(started.ok).toBe(false);
    expect(!started.ok && started.error.message).toContain('ghost');
    expect(constructed).toBe(false);
  });

  it('reading an injected attribute of a gateway made with `new` says how to start it', () => {
    class Plain extends Gateway {
      async setupServer() {}
      async runServer() {}
      async shutdown() {}
    }
    expect(() => new Plain().port).toThrow(/given by the gateway runtime; start the gateway with startGateway\(\) or `jina gateway --uses`/);
  });
});

describe('the built-in gateway started with Jina\'s docarray-v1 HTTP parameters', () => {
  it('logs one warning for each one that would act in Jina\'s v1 app, and serves as without them', async () => {
    const lines: string[] = [];
    const started = await startGateway({
      argv: ['--graph-description', JSON.stringify(flow().graphDescription), '--deployments-addresses', JSON.stringify(flow().deploymentsAddresses),
        '--host', '127.0.0.1', '--protocol', 'http', '--no-crud-endpoints', '--uses-with', '{"no_debug_endpoints": true, "expose_endpoints": {}}'],
      logDestination: { write: (line: string) => void lines.push(line) },
      env: {},
    });
    if (!started.ok) throw started.error;
    try {
      await started.value.ready;
      const response = await fetch(`http://127.0.0.1:${started.value.ports[0]}/upper`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [{"text": "a"}]}' });
      expect(((await response.json()) as { data: Array<{ text: string }> }).data[0]!.text).toBe('A');
      const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40).map((line) => line.msg);
      expect(warnings.filter((msg) => msg.includes('docarray v2'))).toEqual([
        "--no-crud-endpoints has no effect with docarray v2: removes the CRUD routes of Jina's docarray-v1 HTTP app only; there are none here; ignored",
        "uses_with no_debug_endpoints has no effect with docarray v2: hides /dry_run, /status and /post in Jina's docarray-v1 HTTP app only; /dry_run and /status stay served; ignored",
      ]);
    } finally {
      await started.value.stop();
    }
  });
});

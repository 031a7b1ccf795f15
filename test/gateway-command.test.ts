/**
 * The `jina` / `gateway` executables of the runtime, run as separate processes the way Jina's
 * Kubernetes and docker-compose exports run a gateway image (`jina gateway <flags>`), in front
 * of real Jina executors (samples/executors/stopwatch.py), with the Jina Python Client, Jina's own
 * `jina ping` and our `jina ping` as peers:
 *
 * - the built-in gateway with an export's flags (Python-only ones warned about, never fatal);
 * - several protocols at once, one port each, over TLS with a certificate made here;
 * - the sample custom gateways (samples/gateways): a FastifyBaseGateway from config.yml whose
 *   `/service` asks two executors at once, and a plain Gateway from a tag-form config.yml;
 * - constructor parameters from `with:` and `--uses-with`, and an unknown one refused by name;
 * - SIGTERM while 100 requests are in flight: every one is answered before the process exits 0.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping } from '../runtime/src/cli/ping.js';
import { JINA_ENV, type JinaExecutor, REPO_ROOT, runJinaPython, startJinaExecutor } from './support/jina.js';
import { freePorts } from './support/ports.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';
import { makeTestCertificate } from './support/tls.js';

useProcessRegistry();

const JINA_SHIM = path.join(REPO_ROOT, 'runtime', 'dist', 'cli', 'jina-main.js');
const JINA_PYTHON_CLI = path.join(REPO_ROOT, '.venv', 'bin', 'jina');
const STOPWATCH = 'samples/executors/stopwatch.py';

let a: JinaExecutor | undefined;
let b: JinaExecutor | undefined;
let flowFlags: string[];

beforeAll(async () => {
  // --allow-concurrent: one executor serves many requests at once (the SIGTERM test keeps 100 in flight)
  const [started, other] = await Promise.all(
    ['a', 'b'].map((name) => startJinaExecutor({ name, uses: 'Stopwatch', module: STOPWATCH, extraArgs: ['--allow-concurrent'] })),
  );
  [a, b] = [started!, other!];
  flowFlags = [
    '--graph-description',
    JSON.stringify({ 'start-gateway': ['a', 'b'], a: ['end-gateway'], b: ['end-gateway'] }),
    '--deployments-addresses',
    JSON.stringify({ a: started!.addresses, b: other!.addresses }),
  ];
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

/** Our `jina` executable with `args`; ready once `jina ping gateway <readyUrl>` (ours) succeeds. */
async function startJinaShim(name: string, args: readonly string[], readyUrl: string, env: Record<string, string> = {}): Promise<ManagedProcess> {
  return startProcess({
    name,
    command: process.execPath,
    args: [JINA_SHIM, ...args],
    cwd: REPO_ROOT,
    env: { ...JINA_ENV, ...env },
    ready: async (_proc, signal) => {
      for (;;) {
        signal.throwIfAborted();
        const report = await ping({ target: 'gateway', host: readyUrl, timeoutMs: 500, attempts: 1, minSuccessfulAttempts: 1 });
        if (report.ok) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 35_000,
  });
}

/** Runs a command to its end: exit code and output. */
function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...JINA_ENV, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const STAMP_DOC = `
from typing import Optional
from docarray import BaseDoc, DocList
from jina import Client

class StampDoc(BaseDoc):
    text: str = ''
    executor: Optional[str] = None
    started: Optional[float] = None
    finished: Optional[float] = None
`;

describe("the built-in gateway as Jina's Kubernetes export starts it", () => {
  it('takes the export\'s flags (Python-only ones warned about), serves the Jina Client, and answers both `jina ping`s until it stops', async () => {
    const [port] = await freePorts(1);
    // what Jina 3.34 writes into the gateway container's args for a Flow with protocol http
    const gateway = await startJinaShim(
      'jina gateway (k8s args)',
      ['gateway', '--expose-endpoints', '{}', ...flowFlags, '--port', String(port), '--protocol', 'HTTP', '--port-monitoring', '9090', '--k8s-namespace', 'demo'],
      `http://127.0.0.1:${port}`,
    );
    expect(gateway.output()).not.toContain('--port-monitoring');
    expect(gateway.output()).toContain('--k8s-namespace has no effect here');

    const docs = await runJinaPython<Array<{ text: string; executor: string }>>(
      `${STAMP_DOC}
c = Client(host='127.0.0.1', port=INPUT, protocol='http')
output(c.post('/work', inputs=DocList[StampDoc]([StampDoc(text='k8s')]), parameters={'ms': 10}, return_type=DocList[StampDoc]))
`,
      port,
    );
    expect(docs.map((doc) => doc.text)).toEqual(['k8s']);
    // both branches ran; their results were merged by doc id
    expect(docs[0]!.executor).toMatch(/^[ab]\/rep-0$/);

    // the probes Jina writes: startup `jina ping gateway http://127.0.0.1:<port>`, liveness with "--timeout 9500" as ONE argv element
    const url = `http://127.0.0.1:${port}`;
    expect((await run(JINA_PYTHON_CLI, ['ping', 'gateway', url])).code).toBe(0);
    expect((await run(process.execPath, [JINA_SHIM, 'ping', 'gateway', url, '--timeout 9500'])).code).toBe(0);
    expect((await run(process.execPath, [JINA_SHIM, 'ping', 'flow', url])).code).toBe(0);

    const exit = await gateway.stop();
    expect(exit.code).toBe(0);
    expect((await run(JINA_PYTHON_CLI, ['ping', 'gateway', url])).code).toBe(1);
    const down = await run(process.execPath, [JINA_SHIM, 'ping', 'gateway', url, '--timeout 9500']);
    expect(down.code).toBe(1);
    expect(down.output).toContain('ECONNREFUSED');
  });

  it('bare flags after the entrypoint (a local Flow\'s docker:// gateway) run the gateway too; a flag it cannot read exits 2 naming it', async () => {
    const [port] = await freePorts(1);
    const gateway = await startJinaShim('jina (bare flags)', [...flowFlags, '--port', String(port), '--protocol', 'grpc'], `grpc://127.0.0.1:${port}`);
    expect((await run(JINA_PYTHON_CLI, ['ping', 'flow', `grpc://127.0.0.1:${port}`])).code).toBe(0);
    expect((await gateway.stop()).code).toBe(0);

    const bad = await run(process.execPath, [JINA_SHIM, 'gateway', '--deployments-addresses', '{not json', '--port', String(port)]);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--deployments-addresses: not valid JSON');
  });
});

describe('several protocols at once, one port each, over TLS', () => {
  it('the Jina Client reaches grpc, http and websocket with a certificate made here; health checks go to the first port', async () => {
    const { dir, certFile, keyFile } = makeTestCertificate('jina-ts-gateway-tls-');
    const ports = await freePorts(3);
    const gateway = await startJinaShim(
      'jina gateway (3 protocols, TLS)',
      ['gateway', ...flowFlags, '--protocol', 'GRPC', 'HTTP', 'WEBSOCKET', '--port', ...ports.map(String), '--ssl-certfile', certFile, '--ssl-keyfile', keyFile],
      `grpcs://127.0.0.1:${ports[0]}`,
    );
    try {
      const result = await runJinaPython<Record<string, unknown>>(
        `${STAMP_DOC}
out = {}
for proto, port in INPUT:
    c = Client(host='127.0.0.1', port=port, protocol=proto, tls=True)
    docs = c.post('/work', inputs=DocList[StampDoc]([StampDoc(text=proto)]), parameters={'ms': 10}, return_type=DocList[StampDoc])
    out[proto] = [c.is_flow_ready(), [d.text for d in docs]]
output(out)
`,
        [['grpc', ports[0]], ['http', ports[1]], ['websocket', ports[2]]],
        // grpcio and OpenSSL (aiohttp) trust the test's certificate through these
        { name: 'jina Client over TLS', env: { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certFile, SSL_CERT_FILE: certFile } },
      );
      expect(result).toEqual({ grpc: [true, ['grpc']], http: [true, ['http']], websocket: [true, ['websocket']] });
      for (const url of [`grpcs://127.0.0.1:${ports[0]}`, `https://127.0.0.1:${ports[1]}`, `wss://127.0.0.1:${ports[2]}`]) {
        const flow = await run(process.execPath, [JINA_SHIM, 'ping', 'flow', url]);
        expect(flow.code, `${url}: ${flow.output}`).toBe(0);
      }
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sample custom gateways (samples/gateways)', () => {
  it('FastifyBaseGateway from config.yml: /service asks a and b at once (their working intervals overlap); with: and --uses-with set its parameters', async () => {
    const [port] = await freePorts(1);
    const gateway = await startJinaShim(
      'jina gateway --uses service-gateway.yml',
      ['gateway', '--uses', 'samples/gateways/service-gateway.yml', '--uses-with', '{"workMs": 1500}', ...flowFlags, '--protocol', 'http', '--port', String(port)],
      `http://127.0.0.1:${port}`,
    );
    const response = await fetch(`http://127.0.0.1:${port}/service`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'both' }),
    });
    expect(response.status).toBe(200);
    type Stamp = { text: string; executor: string; started: number; finished: number };
    const body = (await response.json()) as { greeting: string; a: Stamp; b: Stamp };
    expect(body.greeting).toBe('hello from config.yml');
    // a Flow names replica 0 of deployment a `a/rep-0`, and so does startJinaExecutor
    expect([body.a.executor, body.b.executor]).toEqual(['a/rep-0', 'b/rep-0']);
    expect([body.a.text, body.b.text]).toEqual(['both', 'both']);
    // parallel, not one after the other: each executor started before the other finished
    expect(body.a.started).toBeLessThan(body.b.finished);
    expect(body.b.started).toBeLessThan(body.a.finished);
    // --uses-with reached the gateway: each executor slept the 1500 ms it asked for
    expect(body.a.finished - body.a.started).toBeGreaterThanOrEqual(1.4);

    const invalid = await fetch(`http://127.0.0.1:${port}/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"txt": "x"}' });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain("must have required property 'text'");
    expect((await run(JINA_PYTHON_CLI, ['ping', 'gateway', `http://127.0.0.1:${port}`])).code).toBe(0);
    expect((await gateway.stop()).code).toBe(0);
  });

  it('an unknown constructor parameter is refused by name (exit 1), and the port is never bound', async () => {
    const [port] = await freePorts(1);
    const result = await run(process.execPath, [
      JINA_SHIM, 'gateway', '--uses', 'samples/gateways/service-gateway.yml', '--uses-with', '{"greting": "typo"}', ...flowFlags, '--protocol', 'http', '--port', String(port),
    ]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('ServiceGateway has no parameter "greting" (from --uses-with); its parameters: greeting, workMs');
  });

  it('a plain Gateway from a tag-form config.yml: /service through the Flow, GET / for health', async () => {
    const [port] = await freePorts(1);
    const gateway = await startJinaShim(
      'jina gateway --uses flow-gateway.yml',
      ['gateway', '--uses', 'samples/gateways/flow-gateway.yml', ...flowFlags, '--protocol', 'http', '--port', String(port)],
      `http://127.0.0.1:${port}`,
    );
    const response = await fetch(`http://127.0.0.1:${port}/service`, { method: 'POST', body: JSON.stringify({ texts: ['x', 'y'] }) });
    expect(response.status).toBe(200);
    const { docs } = (await response.json()) as { docs: Array<{ text: string; executor: string }> };
    expect(docs.map((doc) => doc.text)).toEqual(['x', 'y']);
    const bad = await fetch(`http://127.0.0.1:${port}/service`, { method: 'POST', body: JSON.stringify({ texts: [1] }) });
    expect(bad.status).toBe(422);
    expect((await run(JINA_PYTHON_CLI, ['ping', 'gateway', `http://127.0.0.1:${port}`])).code).toBe(0);
    expect((await gateway.stop()).code).toBe(0);
  });
});

describe('SIGTERM', () => {
  it.each([
    ['the built-in HTTP gateway', ['--protocol', 'http'], '/work', (text: string) => ({ data: [{ text }], parameters: { ms: 1500 } })],
    ['a FastifyBaseGateway', ['--protocol', 'http', '--uses', 'samples/gateways/service-gateway.yml'], '/service', (text: string) => ({ text })],
  ] as const)('%s answers all of 100 requests in flight, then exits 0', async (_label, flags, route, body) => {
    const [port] = await freePorts(1);
    const gateway = await startJinaShim('jina gateway (drain)', ['gateway', ...flags, ...flowFlags, '--port', String(port)], `http://127.0.0.1:${port}`);
    const requests = Array.from({ length: 100 }, (_, index) =>
      fetch(`http://127.0.0.1:${port}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(`r${index}`)) }).then(
        async (response) => ({ status: response.status, text: await response.text() }),
      ),
    );
    // the executors sleep 1.5 s per request: SIGTERM lands while all 100 are in flight
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = gateway.stop();
    const answers = await Promise.all(requests);
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    answers.forEach((answer, index) => expect(answer.text).toContain(`"r${index}"`));
    expect((await exited).code).toBe(0);
  });
});

/**
 * `make demo`: a Python Jina Executor and a TypeScript executor, a Flow over both routed by our
 * runtime's GatewayStreamer, and a direct executor['encoder'].post() call. Prints what comes back.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentClient, docToJson, GatewayStreamer, NdArray } from '@jina-ts/runtime';
import { serveKeywords } from './executors/keywords.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startPythonEncoder(port: number) {
  const child = spawn(
    path.join(root, '.venv/bin/jina'),
    ['executor', '--native', '--uses', 'Encoder', '--py-modules', path.join(root, 'samples/executors/encoder.py'), '--host', '127.0.0.1', '--port', String(port), '--name', 'encoder'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JINA_OPTOUT_TELEMETRY: '1', JINA_CHECK_VERSION: 'False' } },
  );
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const client = new DeploymentClient('encoder', [`grpc://127.0.0.1:${port}`]);
  const deadline = Date.now() + 60_000;
  while (!(await client.isHealthy(500))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the Python encoder did not start:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  client.close();
  return child;
}

async function main(): Promise<void> {
  console.log('==> starting the Python encoder (jina from .venv) and the TypeScript keywords executor');
  const encoderPort = await freePort();
  const [encoder, keywords] = await Promise.all([startPythonEncoder(encoderPort), serveKeywords()]);
  const streamer = new GatewayStreamer({
    graphDescription: { 'start-gateway': ['encoder'], encoder: ['keywords'], keywords: ['end-gateway'] },
    deploymentsAddresses: { encoder: [`grpc://127.0.0.1:${encoderPort}`], keywords: [keywords.address] },
  });
  try {
    const docs = [
      { id: 'doc-1', text: 'jina executors behind a typed gateway' },
      { id: 'doc-2', text: 'hello world' },
    ];
    console.log(`==> Flow encoder -> keywords, endpoint /encode, ${docs.length} docs`);
    for await (const result of streamer.stream({ docs, execEndpoint: '/encode' })) {
      for (const doc of result.docs) console.log(JSON.stringify(docToJson(doc)));
      console.log(`    routes: ${result.response.routes.map((route) => route.executor).join(' -> ')}`);
    }

    console.log("==> executor['encoder'].post() straight to the Python executor");
    const direct = await streamer.executor.encoder!.post({ on: '/encode', inputs: [{ id: 'direct', text: 'abc' }] });
    const embedding = direct[0]!.embedding as NdArray;
    console.log(`    ${direct[0]!.id}: dtype ${embedding.dtype}, shape [${embedding.shape.join(', ')}], data [${Array.from(embedding.data as Float32Array).join(', ')}]`);
  } finally {
    streamer.close();
    await keywords.close(500);
    encoder.kill('SIGTERM');
  }
  console.log('==> done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

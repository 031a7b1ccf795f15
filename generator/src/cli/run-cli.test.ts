import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from './run-cli.js';

/** A saved schema file in discovery shape: one executor, one endpoint, pydantic-v2 models. */
const SCHEMAS = {
  encoder: {
    endpoints: ['/encode', '_jina_dry_run_'],
    write_endpoints: [],
    schemas: {
      '/encode': {
        input: { name: 'TextIn', model: { title: 'TextIn', type: 'object', properties: { id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], example: '0123456789abcdef0123456789abcdef' }, text: { title: 'Text', type: 'string' } }, required: ['text'] } },
        output: { name: 'Vec', model: { title: 'Vec', type: 'object', properties: { embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[4]' } }, required: ['embedding'] } },
        is_generator: false,
        is_singleton_doc: false,
        parameters: { name: null, model: null },
      },
    },
  },
};

let dir: string;
let schemaFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'create-gateway-cli-'));
  schemaFile = path.join(dir, 'schemas.json');
  await writeFile(schemaFile, JSON.stringify(SCHEMAS));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function cli(...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('create-gateway command line', () => {
  it('maps wrong usage to exit code 2 with a message, --help to 0', async () => {
    const noSource = await cli(path.join(dir, 'gw'));
    expect(noSource.code).toBe(EXIT_USAGE);
    expect(noSource.stderr).toMatch(/say where the schemas come from/);
    const badExecutor = await cli(path.join(dir, 'gw'), '--executor', 'encoder');
    expect(badExecutor.code).toBe(EXIT_USAGE);
    expect(badExecutor.stderr).toMatch(/--executor encoder: expected name=grpc:\/\/host:port/);
    const badRuntime = await cli(path.join(dir, 'gw'), '--schemas', schemaFile, '--runtime', 'npm');
    expect(badRuntime.code).toBe(EXIT_USAGE);
    expect((await cli('--help')).code).toBe(EXIT_OK);
  });

  it('introspect from a saved file prints the canonical schema file (sorted, no random id example)', async () => {
    const result = await cli('introspect', '--schemas', schemaFile, '-q');
    expect(result.code, result.stderr).toBe(EXIT_OK);
    const printed = JSON.parse(result.stdout) as typeof SCHEMAS;
    expect(printed.encoder.schemas['/encode'].input.model.properties.id).toEqual({ title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(Object.keys(printed.encoder)).toEqual(['endpoints', 'schemas', 'write_endpoints']);
  });

  it('a schema file of the wrong shape names the executor, the endpoint and the JSON path', async () => {
    const broken = structuredClone(SCHEMAS) as unknown as { encoder: { schemas: Record<string, { input: { name: unknown } }> } };
    broken.encoder.schemas['/encode']!.input.name = 42;
    const file = path.join(dir, 'wrong-shape.json');
    await writeFile(file, JSON.stringify(broken));
    const target = path.join(dir, 'wrong-shape');
    const result = await cli(target, '--schemas', file);
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.stderr).toContain('wrong-shape.json: $.encoder.schemas["/encode"].input.name: executor "encoder", endpoint "/encode": expected a string');
    await expect(readdir(target)).rejects.toThrow();
  });

  it('a project path with a backslash is refused before anything is written (tsc could not build it)', async () => {
    const target = path.join(dir, 'a\\b');
    const result = await cli(target, '--schemas', schemaFile, '-q');
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.stderr).toContain('a project path with a backslash cannot be built');
    await expect(readdir(target)).rejects.toThrow();
  });

  it('a missing schema file fails with exit code 1, naming it, and writes nothing', async () => {
    const target = path.join(dir, 'missing');
    const result = await cli(target, '--schemas', path.join(dir, 'nope.json'));
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.stderr).toMatch(/nope\.json: cannot read it/);
    expect(result.stderr).toMatch(/nothing was written/);
    await expect(readdir(target)).rejects.toThrow();
  });

  it('generates a project from a saved schema file: generated, write-once and manifest', async () => {
    const target = path.join(dir, 'my-gw');
    const result = await cli(target, '--schemas', schemaFile, '--runtime', 'link');
    expect(result.code, result.stderr).toBe(EXIT_OK);
    expect(result.stderr).toMatch(/==> introspecting schema file/);
    expect(result.stderr).toMatch(/==> generating/);
    const manifest = JSON.parse(await readFile(path.join(target, 'gateway.lock.json'), 'utf8')) as { sources: unknown[]; files: Record<string, string>; scaffolds: string[] };
    expect(manifest.sources).toEqual([{ kind: 'schemas', file: '../schemas.json' }]);
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['gateway.schemas.json']));
    expect(manifest.scaffolds).toEqual(expect.arrayContaining(['src/gateway.ts', 'config.yml', 'Dockerfile', 'package.json']));
    const config = await readFile(path.join(target, 'config.yml'), 'utf8');
    expect(config).toMatch(/^jtype: MyGwGateway$/m);
    expect(config).toMatch(/^ {2}- dist\/gateway\.js$/m);
    const pkg = JSON.parse(await readFile(path.join(target, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@jina-ts/runtime']).toMatch(/^file:\//);
    const dockerfile = await readFile(path.join(target, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["jina", "gateway", "--uses", "config.yml"\]$/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect((await readFile(path.join(target, 'src/gateway.ts'), 'utf8'))).toMatch(/export class MyGwGateway extends FastifyBaseGateway/);

    const again = await cli(target, '--schemas', schemaFile, '--runtime', 'link');
    expect(again.code).toBe(EXIT_FAILED);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it('regenerate and openapi: --check and --json on the project above, exit codes, and what a wrong place or usage says', async () => {
    const target = path.join(dir, 'my-gw');
    const check = await cli('regenerate', '--project', target, '--check', '--json');
    expect(check.code, check.stderr).toBe(EXIT_OK);
    expect(JSON.parse(check.stdout)).toMatchObject({ changes: [], stale: false, written: false });
    const changed = structuredClone(SCHEMAS) as unknown as { encoder: { schemas: Record<string, { output: { model: { properties: Record<string, unknown> } } }> } };
    delete changed.encoder.schemas['/encode']!.output.model.properties.embedding;
    const changedFile = path.join(dir, 'changed.json');
    await writeFile(changedFile, JSON.stringify(changed));
    const stale = await cli('regenerate', '--project', target, '--check', '--schemas', changedFile);
    expect(stale.code).toBe(EXIT_FAILED);
    expect(stale.stdout).toMatch(/encoder \/encode\n {4}\[BREAKING\] field-removed output\.embedding/);
    expect(stale.stderr).toMatch(/generated files are stale/);
    expect(stale.stderr).not.toMatch(/nothing was written/);

    const notProject = await cli('regenerate', '--project', dir);
    expect(notProject.code).toBe(EXIT_FAILED);
    expect(notProject.stderr).toMatch(/no gateway\.lock\.json: not a generated project/);
    expect((await cli('openapi', '--project', target)).code).toBe(EXIT_USAGE);
    const published = await cli('openapi', '--project', target, '-o', path.join(dir, 'published', 'openapi.json'));
    expect(published.code, published.stderr).toBe(EXIT_OK);
    expect(JSON.parse(await readFile(path.join(dir, 'published', 'openapi.json'), 'utf8'))).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { version: '0.1.0' } });
  });
});

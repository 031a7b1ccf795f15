/**
 * The consumer SDK (client/) as the generator emits it: it compiles on its own with its
 * tsconfig (the real TypeScript compiler, its dependencies as npm would install them), a
 * consumer's calls are typed by executor, endpoint, documents and parameters, and whatever
 * names the executors send stay data: the compiled `routes` has exactly the executors and
 * endpoints as keys, each with the runtime's route path.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { executorRoutePath } from '@jina-ts/runtime/route-path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientPackageJson } from '../cli/client-package.js';
import type { GeneratedFile } from '../cli/generator-core.js';
import { generateSources } from '../generate.js';
import type { RawSchemaFile } from '../introspect/schema-shape.js';
import { adversarialSchemas, normalized, SCHEMAS_V2 } from './gateway-model-samples.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(REPO, 'node_modules/.bin/tsc');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Names that would be code if pasted anywhere: quotes, backticks, `${`, comment ends, line breaks, NUL. */
const HOSTILE = ["a'b", 'a"b', 'a`b', '${process.exit(7)}', '*/ evil(); /*', 'line\nbreak', 'ls\u2028ps\u2029', 'nul\u0000x', '\\', '</script>'];

function hostileSchemas(): RawSchemaFile {
  const properties = Object.fromEntries(HOSTILE.map((name) => [name, { type: 'string', description: name }]));
  const model = (title: string) => ({ title, description: title, type: 'object', properties });
  const schemas: Record<string, unknown> = {};
  for (const name of HOSTILE) {
    const endpoints = HOSTILE.map((on) => `/${on}`);
    schemas[name] = {
      endpoints,
      schemas: Object.fromEntries(endpoints.map((on, index) => [on, { input: { name, model: model(name) }, output: { name: on, model: model(on) }, is_generator: index % 3 === 0, is_singleton_doc: false, parameters: { name: null, model: null } }])),
    };
  }
  return schemas as RawSchemaFile;
}

async function generate(schemas: RawSchemaFile): Promise<GeneratedFile[]> {
  const result = await generateSources(schemas);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** The client/ files (and src/gen/proto, which its gRPC half takes in) in a fresh directory with its dependencies linked, compiled with `tsc -p client` (to client/dist). */
function compileClient(files: readonly GeneratedFile[], extra: Record<string, string> = {}): { dir: string; errors: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gen-client-'));
  dirs.push(dir);
  const client = files.filter((file) => file.path.startsWith('client/') || file.path.startsWith('src/gen/proto/'));
  const grpc = client.some((file) => file.path === 'client/src/grpc.ts');
  const all = [...client, { path: 'client/package.json', content: clientPackageJson({ name: 'gw-client', version: '0.1.0', runtimeDependencies: {}, grpc }) }, ...Object.entries(extra).map(([p, content]) => ({ path: p, content }))];
  for (const file of all) {
    mkdirSync(path.join(dir, path.dirname(file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
  const modules = path.join(dir, 'client/node_modules');
  mkdirSync(path.join(modules, '@grpc'), { recursive: true });
  mkdirSync(path.join(modules, '@bufbuild'), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules/@types'), path.join(modules, '@types'));
  symlinkSync(path.join(REPO, 'node_modules/@grpc/grpc-js'), path.join(modules, '@grpc/grpc-js'));
  symlinkSync(path.join(REPO, 'node_modules/@bufbuild/protobuf'), path.join(modules, '@bufbuild/protobuf'));
  try {
    execFileSync(TSC, ['-p', 'client'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return { dir, errors: '' };
  } catch (error) {
    return { dir, errors: String((error as { stdout?: string }).stdout ?? error) };
  }
}

describe('consumer SDK (client/)', () => {
  it('compiles on its own; calls are typed by executor, endpoint, documents, parameters and result', async () => {
    const files = await generate(SCHEMAS_V2);
    expect(files.filter((file) => file.path.startsWith('client/')).map((file) => file.path)).toEqual([
      'client/src/endpoints.ts',
      'client/src/grpc.ts',
      'client/src/http.ts',
      'client/src/index.ts',
      'client/src/models.ts',
      'client/tsconfig.json',
    ]);
    const content = (name: string) => files.find((file) => file.path === name)!.content;
    // the gRPC half is the gateway's own ts-proto output, compiled along by the SDK's build
    expect(content('client/src/grpc.ts')).toContain("export * from '../../src/gen/proto/gateway.js';");
    const models = content('client/src/models.ts');
    expect(models).toContain('embedding: Tensor<readonly [128]>;');
    expect(models).toContain('bytes_?: string | null;');
    expect(models).not.toContain('@jina-ts/runtime');
    // the HTTP client (the package's main export) imports nothing but its own modules: fetch and web streams only
    for (const name of ['client/src/index.ts', 'client/src/http.ts', 'client/src/endpoints.ts', 'client/src/models.ts']) {
      const specifiers = [...content(name).matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gm)].map((match) => match[1]);
      expect(specifiers.every((specifier) => specifier!.startsWith('./')), `${name}: ${specifiers.join(', ')}`).toBe(true);
      expect(content(name)).not.toMatch(/\b(?:require|process|Buffer|globalThis\.process)\b/);
    }

    const use = [
      "import { createClient } from './index.js';",
      "import { createGrpcClient } from './grpc.js';",
      'export async function use(): Promise<number> {',
      "  const client = createClient({ baseUrl: 'http://127.0.0.1:1' });",
      "  const result = await client.post('encoder', '/foo', { data: [{ text: 'x', bytes_: 'y' }], parameters: { k: 2 } });",
      '  if (!result.ok) return result.kind === \'executor-failed\' ? result.body.error.length : result.status;',
      '  const first: number | null | undefined = result.data[0]?.embedding[0];',
      "  for await (const event of client.stream('encoder', '/gen', { data: { text: 'a' } })) if (event.ok) void event.doc.text;",
      "  createGrpcClient('127.0.0.1:1').encoderFoo({ docs: [{ text: 'x' }] }, (error, response) => void (error ?? response.docs[0]?.score));",
      '  return first ?? 0;',
      '}',
      '',
    ].join('\n');
    expect(compileClient(files, { 'client/src/use.ts': use }).errors).toBe('');

    const broken = [
      "import { createClient } from './index.js';",
      "import { createGrpcClient } from './grpc.js';",
      'export async function broken(): Promise<unknown> {',
      "  const client = createClient({ baseUrl: 'http://127.0.0.1:1' });",
      "  await client.post('encoder', '/gen', { data: [] });",
      "  await client.post('encoder', '/foo', { data: [{ txt: 'x' }] });",
      "  await client.post('encodr', '/foo', { data: [] });",
      "  await client.post('encoder', '/foo', { data: [], parameters: { k: 'x' } });",
      "  const result = await client.post('encoder', '/foo', { data: [] });",
      "  createGrpcClient('127.0.0.1:1').encoderFoo({ docs: [{ txt: 'x' }] }, () => undefined);",
      '  return result.ok && result.data[0]!.missing;',
      '}',
      '',
    ].join('\n');
    const failing = compileClient(files, { 'client/src/use.ts': broken });
    const lines = failing.errors.split('\n').filter((line) => line.startsWith('client/src/use.ts('));
    expect(lines.map((line) => /^client\/src\/use\.ts\((\d+),/.exec(line)?.[1])).toEqual(['5', '6', '7', '8', '10', '11']);
    expect(failing.errors).toMatch(/'"\/gen"' is not assignable to parameter of type '"\/foo"'/);
    expect(failing.errors).toMatch(/'txt' does not exist in type 'TextDoc'/);
    expect(failing.errors).toMatch(/Property 'missing' does not exist on type 'MyOutput'/);
  }, 60_000);

  for (const [label, schemas] of [
    ['adversarial names (reserved words, __proto__, */, unicode, case twins, 1000 fields)', adversarialSchemas()],
    ['hostile names (quotes, backticks, ${, */, newlines, U+2028, NUL)', hostileSchemas()],
  ] as const) {
    it(`compiles with ${label}, and every name stays data`, async () => {
      const files = await generate(schemas);
      const { dir, errors } = compileClient(files);
      expect(errors).toBe('');
      const endpoints = (await import(pathToFileURL(path.join(dir, 'client/dist/client/src/endpoints.js')).href)) as { routes: Record<string, Record<string, string>> };
      const model = normalized(schemas);
      expect(Object.getOwnPropertyNames(endpoints.routes).sort()).toEqual(model.executors.map((executor) => executor.name).sort());
      for (const executor of model.executors) {
        const routes = Object.getOwnPropertyDescriptor(endpoints.routes, executor.name)!.value as Record<string, string>;
        expect(Object.getOwnPropertyNames(routes).sort()).toEqual(executor.endpoints.map((endpoint) => endpoint.on).sort());
        for (const endpoint of executor.endpoints) expect(Object.getOwnPropertyDescriptor(routes, endpoint.on)!.value).toBe(executorRoutePath(executor.name, endpoint.on));
      }
    }, 120_000);
  }
});

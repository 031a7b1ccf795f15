/**
 * The generator core on schemas written the way Jina sends them (both pydantic dialects, after a
 * protobuf Struct) and on adversarial ones: the output is deterministic, does not depend on the
 * dialect or key order, always compiles (checked with the real TypeScript compiler against the
 * runtime package), and its validators name the path of what an executor got wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../cli/generator-core.js';
import type { RawEndpointSchema, RawSchemaFile } from '../introspect/schema-shape.js';
import { generateSources } from '../generate.js';
import { parseSchemaFile } from '../schema-file.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(REPO, 'node_modules/.bin/tsc');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const ID_V2 = { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.', example: '5d8d6d9b1e957b2971b1a988ad56cdbc' };

function endpoint(input: { name: string; model: object }, output: { name: string; model: object }, extra: Partial<RawEndpointSchema> = {}): RawEndpointSchema {
  return { input, output, is_generator: false, is_singleton_doc: false, parameters: { name: null, model: null }, ...extra };
}

/** `/foo`: TextDoc → MyOutput{embedding: NdArray[128], score, inner: Inner, inners: List[Inner]}, pydantic v2. */
const V2: RawSchemaFile = {
  encoder: {
    endpoints: ['/foo', '_jina_dry_run_'],
    schemas: {
      '/foo': endpoint(
        { name: 'TextDoc', model: { title: 'TextDoc', type: 'object', properties: { id: ID_V2, text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null }, bytes_: { anyOf: [{ type: 'string', format: 'binary' }, { type: 'null' }], default: null } } } },
        {
          name: 'MyOutput',
          model: {
            title: 'MyOutput',
            type: 'object',
            properties: {
              id: ID_V2,
              embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]', example: '[0.0]' },
              score: { title: 'Score', type: 'number' },
              inner: { $ref: '#/$defs/Inner' },
              inners: { type: 'array', items: { $ref: '#/$defs/Inner' } },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
            },
            required: ['embedding', 'score', 'inner'],
            $defs: { Inner: { title: 'Inner', type: 'object', properties: { id: ID_V2, label: { type: 'string' } }, required: ['label'] } },
          },
        },
        { parameters: { name: 'FooParams', model: { title: 'FooParams', type: 'object', properties: { k: { type: 'integer', default: 3 }, tag: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null } } } } },
      ),
      _jina_dry_run_: endpoint({ name: 'LegacyDocumentJina', model: { $ref: '#/$defs/L', $defs: { L: { title: 'L', type: 'object', properties: {} } } } }, { name: 'L', model: { $ref: '#/$defs/L', $defs: { L: { title: 'L', type: 'object', properties: {} } } } }),
    },
  },
};

/** The same models in pydantic v1's dialect (definitions, allOf refs, optional = not required). */
const V1: RawSchemaFile = {
  encoder: {
    endpoints: ['/foo'],
    schemas: {
      '/foo': endpoint(
        { name: 'TextDoc', model: { title: 'TextDoc', type: 'object', properties: { id: { type: 'string', example: 'x' }, text: { type: 'string' }, bytes_: { type: 'string', format: 'binary' } } } },
        {
          name: 'MyOutput',
          model: {
            title: 'MyOutput',
            type: 'object',
            properties: {
              id: { type: 'string' },
              embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' },
              score: { type: 'number' },
              inner: { allOf: [{ $ref: '#/definitions/Inner' }] },
              inners: { type: 'array', items: { $ref: '#/definitions/Inner' } },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
            },
            required: ['embedding', 'score', 'inner'],
            definitions: { Inner: { title: 'Inner', type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' } }, required: ['label'] } },
          },
        },
        { parameters: { name: 'FooParams', model: { title: 'FooParams', type: 'object', properties: { k: { type: 'integer', default: 3 }, tag: { type: 'string' } } } } },
      ),
    },
  },
};

/** Deep copy with every object's keys in reverse order and integers as doubles (what a protobuf Struct does to key order). */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, child]) => [key, shuffled(child)]));
}

async function generate(schemas: RawSchemaFile): Promise<GeneratedFile[]> {
  const result = await generateSources(schemas);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function fileOf(files: GeneratedFile[], name: string): string {
  const file = files.find((candidate) => candidate.path === name);
  if (file === undefined) throw new Error(`no ${name} in ${files.map((f) => f.path).join(', ')}`);
  return file.content;
}

/** Writes the files into a project that depends on this repository's runtime, and runs tsc (emitting to dist/). */
function compileProject(files: GeneratedFile[], extra: Record<string, string> = {}): { dir: string; errors: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gen-core-'));
  dirs.push(dir);
  for (const file of [...files, ...Object.entries(extra).map(([p, content]) => ({ path: p, content }))]) {
    mkdirSync(path.join(dir, path.dirname(file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
  mkdirSync(path.join(dir, 'node_modules/@jina-ts'), { recursive: true });
  symlinkSync(path.join(REPO, 'runtime'), path.join(dir, 'node_modules/@jina-ts/runtime'));
  symlinkSync(path.join(REPO, 'node_modules/ajv'), path.join(dir, 'node_modules/ajv'));
  symlinkSync(path.join(REPO, 'node_modules/@types'), path.join(dir, 'node_modules/@types'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'], types: ['node'], strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, rootDir: 'src', outDir: 'dist' },
      include: ['src/**/*.ts'],
    }),
  );
  try {
    execFileSync(TSC, ['-p', '.'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return { dir, errors: '' };
  } catch (error) {
    return { dir, errors: String((error as { stdout?: string }).stdout ?? error) };
  }
}

describe('generateSources', () => {
  it('is deterministic and does not depend on key order (schemas after a protobuf Struct)', async () => {
    const first = await generate(V2);
    expect(await generate(V2)).toEqual(first);
    expect(await generate(shuffled(V2) as RawSchemaFile)).toEqual(first);
    expect(first.map((file) => file.path)).toEqual([...first.map((file) => file.path)].sort());
    for (const file of first.filter((f) => !f.path.endsWith('.json'))) expect(file.content, file.path).toMatch(/^(\/\/|#) @generated by create-gateway/);
    expect(first.some((file) => file.path.includes('_jina_dry_run_') || file.content.includes('"_jina_dry_run_"'))).toBe(false);
  });

  it('gives the same model types for the pydantic v1 and v2 dialects', async () => {
    const v1 = fileOf(await generate(V1), 'src/gen/models.ts');
    const v2 = fileOf(await generate(V2), 'src/gen/models.ts');
    const fieldLines = (source: string) => source.split('\n').filter((line) => /^  \S.*;$/.test(line));
    expect(fieldLines(v1)).toEqual(fieldLines(v2));
    expect(v2).toContain('embedding: Tensor<readonly [128]>;');
    expect(v2).toContain('inner: Inner;');
    expect(v2).toContain('inners?: Inner[] | null;');
    expect(v2).toContain('bytes_?: Uint8Array | null;');
    expect(v2).toContain('tags?: { [key: string]: string } | null;');
    expect(v2).toContain('export interface FooParams {');
  });

  it('names the executor, endpoint and JSON path of a schema it cannot map, and parseSchemaFile refuses it', async () => {
    const bad = structuredClone(V2) as unknown as { encoder: { schemas: Record<string, { output: { model: { properties: Record<string, unknown> } } }> } };
    bad.encoder.schemas['/foo']!.output.model.properties.score = { type: 'decimal' };
    const result = await generateSources(bad as unknown as RawSchemaFile, { source: 'schemas.json' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe(
      'schemas.json: executor "encoder", endpoint "/foo": $.encoder.schemas["/foo"].output.model.properties.score.type: unknown JSON Schema type "decimal"',
    );
    const dangling = structuredClone(V2) as unknown as typeof bad;
    dangling.encoder.schemas['/foo']!.output.model.properties.inner = { $ref: '#/$defs/Nowhere' };
    const parsed = parseSchemaFile(dangling, 'saved.json');
    expect(!parsed.ok && parsed.error.message).toMatch(/^saved\.json: executor "encoder", endpoint "\/foo": \$\.encoder\.schemas\["\/foo"\]\.output\.model\.properties\.inner\.\$ref: \$ref "#\/\$defs\/Nowhere" points to no definition/);
  });

  it('compiles; typed calls check executor, endpoint, input and output; validators name the path of a wrong document', async () => {
    const files = await generate(V2);
    const use = [
      "import { typedExecutors } from './gen/index.js';",
      "import type { ExecutorStreamer } from '@jina-ts/runtime';",
      'export async function ok(executor: Readonly<Record<string, ExecutorStreamer>>): Promise<number> {',
      "  const out = await typedExecutors(executor).encoder.post({ on: '/foo', inputs: [{ text: 'x' }], parameters: { k: 2 } });",
      '  return out[0]!.score + out[0]!.embedding.shape[0];',
      '}',
      '',
    ].join('\n');
    const good = compileProject(files, { 'src/use.ts': use });
    expect(good.errors).toBe('');

    const broken = [
      "import { typedExecutors } from './gen/index.js';",
      "import type { ExecutorStreamer } from '@jina-ts/runtime';",
      'export async function broken(executor: Readonly<Record<string, ExecutorStreamer>>): Promise<unknown> {',
      '  const executors = typedExecutors(executor);',
      "  await executors.encoder.post({ on: '/fooo' });",
      "  await executors.encodr.post({ on: '/foo' });",
      "  await executors.encoder.post({ on: '/foo', inputs: [{ txt: 'x' }] });",
      "  const out = await executors.encoder.post({ on: '/foo', inputs: [] });",
      '  return out[0]!.missing;',
      '}',
      '',
    ].join('\n');
    const failing = compileProject(files, { 'src/use.ts': broken });
    const errorLines = failing.errors.split('\n').filter((line) => line.startsWith('src/use.ts'));
    expect(errorLines.map((line) => /^src\/use\.ts\((\d+),/.exec(line)?.[1])).toEqual(['5', '6', '7', '9']);
    expect(failing.errors).toMatch(/"\/fooo"/);
    expect(failing.errors).toMatch(/Property 'encodr' does not exist/);
    expect(failing.errors).toMatch(/'txt' does not exist in type 'TextDoc'/);
    expect(failing.errors).toMatch(/Property 'missing' does not exist on type 'MyOutput'/);

    const runtime = (await import(path.join(REPO, 'runtime/dist/index.js'))) as typeof import('@jina-ts/runtime');
    const validator = (await import(path.join(good.dir, 'dist/gen/validate/encoder/foo.js'))) as {
      checkOutput(doc: unknown, path: string): unknown;
      checkParameters(value: unknown, path: string): unknown;
    };
    const doc = { id: 'a', embedding: runtime.tensor(new Float32Array(128), [128]), score: 1, inner: { label: 'x' }, inners: null };
    expect(validator.checkOutput(doc, 'encoder/foo[0]')).toBe(doc);
    const wrong = () => validator.checkOutput({ ...doc, embedding: runtime.tensor(new Float32Array(4), [4]), inner: { label: 3 } }, 'encoder/foo[2]');
    expect(wrong).toThrow(runtime.ReturnTypeError);
    expect(wrong).toThrow(/^encoder \/foo returned a document that is not a valid MyOutput: encoder\/foo\[2\]\.embedding: must be a tensor of shape \[128\]; encoder\/foo\[2\]\.inner\.label: must be string$/);
    expect(() => validator.checkParameters({ k: 'three' }, 'parameters')).toThrow(/the parameters for encoder \/foo are not a valid FooParams: parameters\.k: must be integer/);
  }, 60_000);

  it('compiles whatever names and sizes an executor sends: reserved words, __proto__, quotes, */, digits, dashes, unicode, case twins, 1000 fields, 20 levels, self-reference', async () => {
    const names = ['__proto__', 'class', 'a"b', "it's", '*/ x', '1st', 'my-field', 'ünï', 'constructor', 'toString', 'Doc', 'doc', 'DOC', '', ' '];
    const properties: Record<string, unknown> = {};
    names.forEach((name, index) => (properties[name] = index % 2 === 0 ? { type: 'string', description: `*/ ${name} /*` } : { anyOf: [{ type: 'integer' }, { type: 'null' }] }));
    for (let i = 0; i < 1000; i++) properties[`f${i}`] = { type: 'number' };
    const defs: Record<string, unknown> = {};
    for (let level = 0; level < 20; level++) {
      defs[`L${level}`] = { title: `L${level}`, type: 'object', properties: { next: level === 19 ? { type: 'string' } : { $ref: `#/$defs/L${level + 1}` } }, required: ['next'] };
    }
    defs.Tree = { title: 'Tree', type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Tree' } }, label: { type: 'string' } } };
    const model = (title: string) => ({ title, type: 'object', description: '*/ evil(); /*', properties: { ...properties, deep: { $ref: '#/$defs/L0' }, tree: { $ref: '#/$defs/Tree' } }, $defs: defs });
    const schemas: RawSchemaFile = {};
    for (const executor of names.filter((name) => name !== '')) {
      // defineProperty: `schemas['__proto__'] = …` would set the prototype (JSON.parse makes an own key, as here)
      Object.defineProperty(schemas, executor, { enumerable: true, writable: true, configurable: true, value: {
        endpoints: names.map((name) => `/${name}`),
        schemas: Object.fromEntries(
          ['/__proto__', '/class', '/*/', '/1', '/a-b', '/A-B', '/ünï'].map((on, index) => [
            on,
            endpoint({ name: index % 2 === 0 ? 'Doc' : 'doc', model: model(index % 2 === 0 ? 'Doc' : 'doc') }, { name: '__proto__', model: model('__proto__') }, { is_generator: on === '/1' }),
          ]),
        ),
      } });
    }
    const files = await generate(schemas);
    expect(await generate(schemas)).toEqual(files);
    const { errors } = compileProject(files);
    expect(errors).toBe('');
    const executors = fileOf(files, 'src/gen/executors.ts');
    expect(executors).not.toContain('evil();\n');
    expect(executors).toContain('["__proto__"]: {');
  }, 120_000);
});

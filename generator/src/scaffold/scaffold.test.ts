import { describe, expect, it } from 'vitest';
import { classNameOf, packageNameOf, propertyAccess, scaffoldContext } from './context.js';
import { renderScaffolds, SCAFFOLDS } from './render.js';
import { findTemplatesDir } from './templates-dir.js';
import { exampleDoc } from './example-doc.js';

describe('names', () => {
  it('derives an npm name and a class name from the directory', () => {
    expect(packageNameOf('/tmp/My Gateway!')).toBe('my-gateway');
    expect(packageNameOf('/tmp/_x')).toBe('x');
    expect(classNameOf('my-gw')).toBe('MyGwGateway');
    expect(classNameOf('search-gateway')).toBe('SearchGateway');
    expect(classNameOf('1st')).toBe('Gw1stGateway');
    expect(propertyAccess('executors', 'encoder')).toBe('executors.encoder');
    expect(propertyAccess('executors', 'my-enc')).toBe('executors["my-enc"]');
  });
});

describe('example documents', () => {
  it('fills required fields only, through $defs refs, Optional anyOf and tensors of any shape', () => {
    const model = {
      title: 'Outer',
      type: 'object',
      properties: {
        id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        title: { type: 'string' },
        inner: { $ref: '#/$defs/Inner' },
        items: { type: 'array', items: { $ref: '#/$defs/Inner' } },
        maybe: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
        embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2, 3]' },
        legacy: { allOf: [{ $ref: '#/definitions/Old' }] },
      },
      required: ['title', 'inner', 'items', 'embedding', 'legacy'],
      $defs: { Inner: { type: 'object', properties: { label: { type: 'string' }, value: { type: 'integer' } }, required: ['label', 'value'] } },
      definitions: { Old: { type: 'object', properties: { flag: { type: 'boolean' } }, required: ['flag'] } },
    };
    expect(exampleDoc(model)).toEqual({
      title: 'example',
      inner: { label: 'example', value: 0 },
      items: [],
      embedding: [[0, 0, 0], [0, 0, 0]],
      legacy: { flag: false },
    });
  });

  it('stops on recursive models', () => {
    const model = { $ref: '#/$defs/Node', $defs: { Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } }, required: ['child'] } } };
    expect(() => exampleDoc(model)).not.toThrow();
  });
});

describe('rendering the templates', () => {
  const schemas = {
    'my-enc': {
      schemas: {
        '/default': { input: { name: 'A', model: {} }, output: { name: 'A' }, is_generator: false, is_singleton_doc: false },
        '/encode': { input: { name: 'TextDoc', model: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, output: { name: 'Vec' }, is_generator: false, is_singleton_doc: false },
        '/stream': { input: { name: 'A', model: {} }, output: { name: 'A' }, is_generator: true, is_singleton_doc: false },
        _jina_dry_run_: { input: { name: 'L', model: {} }, output: { name: 'L' }, is_generator: false, is_singleton_doc: false },
      },
    },
  };
  const runtime = { dir: '/repo/runtime', name: '@jina-ts/runtime', version: '0.1.0', dependencies: { fastify: '5.12.8', ajv: '8.20.0', '@bufbuild/protobuf': '2.10.2', '@grpc/grpc-js': '1.14.3' } };

  async function render(tarball: boolean) {
    const templates = await findTemplatesDir();
    if (!templates.ok) throw new Error(templates.error.message);
    const context = scaffoldContext({
      projectDir: '/tmp/search-gw',
      schemas,
      runtime,
      dependency: tarball ? { spec: 'file:vendor/rt.tgz', tarball: { path: 'vendor/rt.tgz', content: new Uint8Array() } } : { spec: 'file:/repo/runtime', tarball: undefined },
      deploymentsAddresses: { 'my-enc': ['grpc://127.0.0.1:1'] },
      graphDescription: undefined,
    });
    const files = await renderScaffolds(templates.value, context);
    if (!files.ok) throw new Error(files.error.message);
    return { context, files: new Map(files.value.map((file) => [file.path, String(file.content)])) };
  }

  it('renders every scaffold write-once, for the endpoint the executor names (not /default, not a stream)', async () => {
    const { context, files } = await render(true);
    expect([...files.keys()].sort()).toEqual(Object.values(SCAFFOLDS).sort());
    expect(context.service?.endpoint.on).toBe('/encode');
    expect(context.service?.requestJson).toBe('{"data":[{"text":"example"}]}');
    expect(context.executors[0]!.endpoints.map((endpoint) => endpoint.on)).toEqual(['/default', '/encode', '/stream']);
    expect(files.get('config.yml')).toMatch(/^jtype: SearchGwGateway\npy_modules:\n {2}- dist\/gateway\.js\nwith: \{\}$/m);
    expect(files.get('config.yml')).toMatch(/^deployments_addresses: \{"my-enc":\["grpc:\/\/127\.0\.0\.1:1"\]\}$/m);
    expect(files.get('config.yml')).not.toMatch(/graph_description/);
    const pkg = JSON.parse(files.get('package.json')!) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('search-gw');
    expect(pkg.dependencies).toEqual({ '@bufbuild/protobuf': '2.10.2', '@grpc/grpc-js': '1.14.3', '@jina-ts/runtime': 'file:vendor/rt.tgz', ajv: '8.20.0', fastify: '5.12.8' });
    expect(files.get('Dockerfile')).toMatch(/^COPY vendor\/ \.\/vendor\/$/m);
    expect(files.get('Dockerfile')).toMatch(/^FROM node:24-slim AS build$/m);
    expect(files.get('src/gateway.ts')).toContain('"/encode"');
  });

  it('a linked runtime: no vendor copy in the Dockerfile, and a note why', async () => {
    const { files } = await render(false);
    expect(files.get('Dockerfile')).not.toMatch(/^COPY vendor/m);
    expect(files.get('Dockerfile')).toMatch(/cannot reach/);
  });
});

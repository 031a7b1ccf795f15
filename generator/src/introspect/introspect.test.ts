import { describe, expect, it } from 'vitest';
import { canonicalJson, sortKeys, withoutRandomIdExamples } from './canonical-json.js';
import { checkUniqueNames, parseExecutorOption } from './executor-option.js';
import { parseFlowYaml } from './flow-yaml.js';
import { readGatewayFlags } from './gateway-flags.js';
import { checkSchemaFileShape } from './schema-shape.js';

describe('--executor name=address', () => {
  it('parses one address or replicas', () => {
    expect(parseExecutorOption('encoder=grpc://localhost:12345')).toEqual({ ok: true, value: { name: 'encoder', addresses: ['grpc://localhost:12345'] } });
    expect(parseExecutorOption('enc=grpc://a:1, grpcs://b:2')).toEqual({ ok: true, value: { name: 'enc', addresses: ['grpc://a:1', 'grpcs://b:2'] } });
  });

  it('names what is wrong', () => {
    const missing = parseExecutorOption('grpc://localhost:1');
    expect(!missing.ok && missing.error.message).toMatch(/expected name=grpc:\/\/host:port/);
    const badPort = parseExecutorOption('enc=grpc://localhost:99999');
    expect(!badPort.ok && badPort.error.message).toMatch(/--executor enc=grpc:\/\/localhost:99999: .*port 99999 is out of range/);
    const badName = parseExecutorOption('1enc=grpc://h:1');
    expect(!badName.ok && badName.error.message).toMatch(/"1enc" is not a deployment name/);
    const twice = checkUniqueNames([{ name: 'a', addresses: ['h:1'] }, { name: 'a', addresses: ['h:2'] }]);
    expect(!twice.ok && twice.error.message).toMatch(/"a" is given twice/);
  });
});

describe('Flow YAML', () => {
  it('reads names, addresses (replicas, tls, 0.0.0.0) and the graph Jina derives from needs', () => {
    const flow = parseFlowYaml(
      `jtype: Flow
with:
  protocol: http
executors:
  - name: enc
    host: 0.0.0.0
    port: 52001
  - name: a
    needs: enc
    host: [10.0.0.1, 10.0.0.2]
    port: [1, 2]
    external: true
  - name: b
    needs: enc
    host: ranker.svc
    port: 8080
    tls: true
  - name: join
    needs: [a, b]
    port: 52004
`,
      'flow.yml',
    );
    expect(flow).toEqual({
      ok: true,
      value: {
        deployments: [
          { name: 'enc', addresses: ['grpc://127.0.0.1:52001'] },
          { name: 'a', addresses: ['grpc://10.0.0.1:1', 'grpc://10.0.0.2:2'] },
          { name: 'b', addresses: ['grpcs://ranker.svc:8080'] },
          { name: 'join', addresses: ['grpc://127.0.0.1:52004'] },
        ],
        graphDescription: { 'start-gateway': ['enc'], enc: ['a', 'b'], a: ['join'], b: ['join'], join: ['end-gateway'] },
      },
    });
  });

  it('accepts the !Flow tag form and chains executors without needs', () => {
    const flow = parseFlowYaml('!Flow\nexecutors:\n  - {name: x, port: 1}\n  - {name: y, port: 2}\n', 'f.yml');
    expect(flow.ok && flow.value.graphDescription).toEqual({ 'start-gateway': ['x'], x: ['y'], y: ['end-gateway'] });
  });

  it('names the executor that cannot be reached, and other mistakes', () => {
    const noPort = parseFlowYaml('jtype: Flow\nexecutors:\n  - name: enc\n    uses: Encoder\n', 'flow.yml');
    expect(!noPort.ok && noPort.error.message).toMatch(/^Flow flow\.yml: executors\[0\] \(enc\): no port/);
    const notFlow = parseFlowYaml('jtype: Deployment\n', 'd.yml');
    expect(!notFlow.ok && notFlow.error.message).toMatch(/jtype is Deployment/);
    const badNeeds = parseFlowYaml('executors:\n  - {name: a, port: 1, needs: ghost}\n', 'f.yml');
    expect(!badNeeds.ok && badNeeds.error.message).toMatch(/"a" needs "ghost"/);
    const http = parseFlowYaml('executors:\n  - {name: a, port: 1, protocol: http}\n', 'f.yml');
    expect(!http.ok && http.error.message).toMatch(/needs the executor's gRPC port/);
  });
});

describe('gateway flags', () => {
  it('takes the deployments from --deployments-addresses in every Jina form', () => {
    const flags = readGatewayFlags(
      JSON.stringify({ 'start-gateway': ['a'], a: ['b'], b: ['end-gateway'] }),
      JSON.stringify({ a: ['grpc://h:1', 'grpc://h:2'], b: { GRPC: ['b-head:8081'], HTTP: ['http://b:8080'] } }),
    );
    expect(flags.ok && flags.value.deployments).toEqual([
      { name: 'a', addresses: ['grpc://h:1', 'grpc://h:2'] },
      { name: 'b', addresses: ['b-head:8081'] },
    ]);
  });

  it('reports errors as the gateway would, naming the flag', () => {
    const notJson = readGatewayFlags(undefined, '{a:');
    expect(!notJson.ok && notJson.error.message).toMatch(/^--deployments-addresses: not valid JSON/);
    const unknown = readGatewayFlags(JSON.stringify({ 'start-gateway': ['a'], a: ['end-gateway'] }), JSON.stringify({ a: ['h:1'], ghost: ['h:2'] }));
    expect(!unknown.ok && unknown.error.message).toMatch(/--deployments-addresses.*ghost/);
    const none = readGatewayFlags('{}', undefined);
    expect(!none.ok && none.error.message).toMatch(/--deployments-addresses is needed/);
  });
});

describe('canonical schema JSON', () => {
  it('sorts keys at every level, keeps array order, drops random id examples only', () => {
    const schema = {
      b: 1,
      a: {
        properties: {
          text: { example: 'keep me', title: 'Text' },
          id: { title: 'Id', example: '5d8d6d9b1e957b2971b1a988ad56cdbc' },
        },
        required: ['text', 'id'],
      },
      $defs: { Inner: { properties: { id: { example: 'not-hex' } } } },
    };
    const clean = withoutRandomIdExamples(schema) as typeof schema;
    expect(clean.a.properties.id).toEqual({ title: 'Id' });
    expect(clean.a.properties.text).toEqual({ example: 'keep me', title: 'Text' });
    expect(clean.$defs.Inner.properties.id).toEqual({ example: 'not-hex' });
    expect(Object.keys(sortKeys(schema) as object)).toEqual(['$defs', 'a', 'b']);
    expect(canonicalJson(schema)).toBe(canonicalJson(JSON.parse(JSON.stringify({ $defs: schema.$defs, b: 1, a: schema.a }))));
    expect(canonicalJson(schema).endsWith('}\n')).toBe(true);
  });
});

describe('schema file shape', () => {
  const endpoint = { input: { name: 'A', model: {} }, output: { name: 'B', model: {} }, is_generator: false, is_singleton_doc: false, parameters: { name: null, model: null } };
  it('accepts discovery answers (parameters may be missing, as from docarray-v1 executors)', () => {
    const { parameters: _dropped, ...withoutParameters } = endpoint;
    expect(checkSchemaFileShape({ enc: { endpoints: ['/a'], write_endpoints: [], schemas: { '/a': endpoint, '/b': withoutParameters } } }, 'f.json').ok).toBe(true);
  });
  it('names the executor, the endpoint and the JSON path', () => {
    const flag = checkSchemaFileShape({ 'my-enc': { endpoints: [], schemas: { '/a': { ...endpoint, is_generator: 'yes' } } } }, 'f.json');
    expect(!flag.ok && flag.error.message).toBe('f.json: $["my-enc"].schemas["/a"].is_generator: executor "my-enc", endpoint "/a": expected true or false');
    const endpoints = checkSchemaFileShape({ enc: { endpoints: '/a', schemas: {} } }, 'f.json');
    expect(!endpoints.ok && endpoints.error.message).toBe('f.json: $.enc.endpoints: executor "enc": expected a list of endpoint names');
    const empty = checkSchemaFileShape({}, 'f.json');
    expect(!empty.ok && empty.error.message).toBe('f.json: $: no executor');
  });
});

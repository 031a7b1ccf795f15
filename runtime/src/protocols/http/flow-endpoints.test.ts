/**
 * The Flow-level endpoint map (Jina's `_get_endpoints_input_output_models`): which node's models
 * a Flow endpoint takes and returns, along chains, fan-outs and several origins.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentEndpoints } from '../../streamer/endpoint-directory.js';
import { parseFlowTopology } from '../../topology/graph.js';
import { flowEndpointMap, readSchemaEntry } from './flow-endpoints.js';

const model = (name: string) => ({ name, model: { title: name, type: 'object', properties: { id: { type: 'string' } } } });

function entry(endpoints: Record<string, { input: string; output: string; generator?: boolean; singleton?: boolean; params?: string }>): DeploymentEndpoints {
  const schemas: Record<string, unknown> = {};
  for (const [endpoint, spec] of Object.entries(endpoints)) {
    schemas[endpoint] = {
      input: model(spec.input),
      output: model(spec.output),
      is_generator: spec.generator ?? false,
      is_singleton_doc: spec.singleton ?? false,
      parameters: spec.params ? model(spec.params) : { name: null, model: null },
    };
  }
  return { endpoints: [...Object.keys(endpoints), '_jina_dry_run_'], writeEndpoints: [], schemas };
}

function topology(graph: Record<string, string[]>) {
  const nodes = new Set(Object.entries(graph).flatMap(([from, to]) => [from, ...to]).filter((n) => n !== 'start-gateway' && n !== 'end-gateway'));
  return parseFlowTopology({
    graphDescription: graph,
    deploymentsAddresses: Object.fromEntries([...nodes].map((n, i) => [n, [`grpc://127.0.0.1:${50000 + i}`]])),
  });
}

describe('flowEndpointMap', () => {
  it('chain: input of the first binding node, output and parameters of the last', () => {
    const flow = topology({ 'start-gateway': ['a'], a: ['b'], b: ['c'], c: ['end-gateway'] });
    const map = flowEndpointMap(
      flow,
      new Map([
        ['a', entry({ '/x': { input: 'AIn', output: 'AOut', params: 'AParams' } })],
        ['b', entry({ '/y': { input: 'BIn', output: 'BOut' } })],
        ['c', entry({ '/x': { input: 'CIn', output: 'COut', params: 'CParams', singleton: true } })],
      ]),
    );
    expect(map.get('/x')).toMatchObject({ input: { name: 'AIn' }, output: { name: 'COut' }, parameters: { name: 'CParams' }, isSingletonDoc: true });
    expect(map.get('/y')).toMatchObject({ input: { name: 'BIn' }, output: { name: 'BOut' }, isSingletonDoc: false });
    expect([...map.keys()]).toEqual(['/x', '_jina_dry_run_', '/y']);
  });

  it('a non-binding node after the last binding one resets is_singleton_doc (Jina does)', () => {
    const flow = topology({ 'start-gateway': ['a'], a: ['b'], b: ['end-gateway'] });
    const map = flowEndpointMap(flow, new Map([['a', entry({ '/x': { input: 'I', output: 'O', singleton: true } })], ['b', entry({})]]));
    expect(map.get('/x')).toMatchObject({ output: { name: 'O' }, isSingletonDoc: false });
  });

  it('is_generator comes from the first binding node', () => {
    const flow = topology({ 'start-gateway': ['a'], a: ['b'], b: ['end-gateway'] });
    const map = flowEndpointMap(
      flow,
      new Map([
        ['a', entry({ '/s': { input: 'I', output: 'O', generator: true } })],
        ['b', entry({ '/s': { input: 'I2', output: 'O2' } })],
      ]),
    );
    expect(map.get('/s')).toMatchObject({ isGenerator: true, input: { name: 'I' }, output: { name: 'O2' } });
  });

  it('fan-out and join: the first leaf path counts', () => {
    const flow = topology({ 'start-gateway': ['a'], a: ['b', 'c'], b: ['join'], c: ['join'], join: ['end-gateway'] });
    const map = flowEndpointMap(
      flow,
      new Map([
        ['a', entry({ '/x': { input: 'AIn', output: 'AOut' } })],
        ['b', entry({ '/x': { input: 'BIn', output: 'BOut' } })],
        ['c', entry({ '/x': { input: 'CIn', output: 'COut' } })],
        ['join', entry({ '/x': { input: 'JIn', output: 'JOut' } })],
      ]),
    );
    expect(map.get('/x')).toMatchObject({ input: { name: 'AIn' }, output: { name: 'JOut' } });
  });

  it('several origins: the last origin that binds the endpoint wins; one that does not bind it does not erase it', () => {
    const flow = topology({ 'start-gateway': ['a', 'b'], a: ['end-gateway'], b: ['end-gateway'] });
    const map = flowEndpointMap(
      flow,
      new Map([
        ['a', entry({ '/x': { input: 'AIn', output: 'AOut' }, '/only-a': { input: 'A1', output: 'A2' } })],
        ['b', entry({ '/x': { input: 'BIn', output: 'BOut' } })],
      ]),
    );
    expect(map.get('/x')).toMatchObject({ input: { name: 'BIn' } });
    expect(map.get('/only-a')).toMatchObject({ input: { name: 'A1' }, output: { name: 'A2' } });
  });

  it('reads discovery entries defensively', () => {
    expect(readSchemaEntry(undefined)).toEqual({ input: undefined, output: undefined, isGenerator: false, isSingletonDoc: false, parameters: undefined });
    expect(readSchemaEntry({ input: { name: 'I', model: { title: 'I' } }, output: { name: null, model: null } })).toMatchObject({
      input: { name: 'I' },
      output: { name: 'I' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { parseFlowTopology, singleDeploymentTopology, TopologyError } from './graph.js';

// Flow().add(name='enc').add(name='a',needs='enc').add(name='b',needs='enc').needs(['a','b'],name='join')
const FAN_OUT = '{"start-gateway":["enc"],"enc":["a","b"],"a":["join"],"b":["join"],"join":["end-gateway"]}';

function errorOf(action: () => unknown): TopologyError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TopologyError);
    return error as TopologyError;
  }
  throw new Error('expected a TopologyError');
}

describe('parseFlowTopology', () => {
  it('reads the fan-out/join Flow of §4.2 from the CLI strings', () => {
    const topology = parseFlowTopology({
      graphDescription: FAN_OUT,
      deploymentsAddresses:
        '{"enc": ["grpc://0.0.0.0:52001"], "a": ["grpc://0.0.0.0:52002", "grpc://0.0.0.0:52003"], "b": ["grpcs://b.example:443"], "join": ["grpc://0.0.0.0:52005"]}',
    });
    expect(topology.origins).toEqual(['enc']);
    expect(topology.nodeOrder).toEqual(['enc', 'a', 'join', 'b']);
    expect(topology.topologicalOrder).toEqual(['enc', 'a', 'b', 'join']);
    expect(topology.respondingNodes).toEqual(['join']);
    expect(topology.floatingNodes).toEqual([]);
    expect(topology.hasConditions).toBe(false);
    const join = topology.nodes.get('join')!;
    expect(join).toMatchObject({ parts: 2, predecessors: ['a', 'b'], successors: [], responds: true, floating: false, origin: false, reduce: true });
    expect(topology.nodes.get('enc')).toMatchObject({ parts: 1, origin: true, successors: ['a', 'b'], responds: false });
    expect(topology.nodes.get('a')!.addresses).toEqual(['grpc://0.0.0.0:52002', 'grpc://0.0.0.0:52003']);
    expect(topology.deployments.get('b')).toEqual({ name: 'b', addresses: ['grpcs://b.example:443'], httpAddresses: [], metadata: {} });
    expect(topology.edges).toContainEqual({ from: 'join', to: 'end-gateway' });
    expect(topology.edges).toContainEqual({ from: 'start-gateway', to: 'enc' });
  });

  it('reads the k8s example (keys in Flow insertion order, head addresses)', () => {
    const topology = parseFlowTopology({
      graphDescription: '{"executor0": ["executor1"], "start-gateway": ["executor0"], "executor1": ["executor2"], "executor2": ["end-gateway"]}',
      deploymentsAddresses:
        '{"executor0": ["grpc://executor0.test-ns.svc:8080"], "executor1": ["grpc://executor1-head.test-ns.svc:8080"], "executor2": ["grpc://executor2.test-ns.svc:8080"]}',
    });
    expect(topology.nodeOrder).toEqual(['executor0', 'executor1', 'executor2']);
    expect(topology.topologicalOrder).toEqual(['executor0', 'executor1', 'executor2']);
    expect(topology.respondingNodes).toEqual(['executor2']);
    expect(topology.nodes.get('executor1')!.addresses).toEqual(['grpc://executor1-head.test-ns.svc:8080']);
  });

  it('keeps docker-compose addresses without a scheme as written', () => {
    const topology = parseFlowTopology({
      graphDescription: { 'start-gateway': ['executor0'], executor0: ['executor1'], executor1: ['executor2'], executor2: ['end-gateway'] },
      deploymentsAddresses: {
        executor0: ['executor0:8081'],
        executor1: ['executor1-head:8081'],
        executor2: ['executor2-rep-0:8081', 'executor2-rep-1:8081'],
      },
    });
    expect(topology.nodes.get('executor0')!.addresses).toEqual(['executor0:8081']);
    expect(topology.nodes.get('executor2')!.addresses).toEqual(['executor2-rep-0:8081', 'executor2-rep-1:8081']);
  });

  it('reads the Deployment-with-gateway {"GRPC": [...], "HTTP": [...]} form', () => {
    const topology = parseFlowTopology({
      graphDescription: '{"start-gateway": ["executor"], "executor": ["end-gateway"]}',
      deploymentsAddresses: '{"executor": {"GRPC": ["grpc://0.0.0.0:51000"], "HTTP": ["http://0.0.0.0:51001"]}}',
    });
    expect(topology.nodes.get('executor')).toMatchObject({
      addresses: ['grpc://0.0.0.0:51000'],
      httpAddresses: ['http://0.0.0.0:51001'],
    });
  });

  it('reads metadata, no-reduce and conditions per node', () => {
    const topology = parseFlowTopology({
      graphDescription: FAN_OUT,
      graphConditions: '{"b": {"text": {"$eq": "hello"}}, "a": {}}',
      deploymentsMetadata: '{"enc": {"authorization": "Bearer x"}}',
      deploymentsNoReduce: '["join"]',
    });
    expect(topology.hasConditions).toBe(true);
    expect(topology.nodes.get('enc')!.metadata).toEqual({ authorization: 'Bearer x' });
    expect(topology.nodes.get('join')!.reduce).toBe(false);
    const b = topology.nodes.get('b')!;
    expect(b.condition).toEqual({ text: { $eq: 'hello' } });
    expect(b.filter!({ text: 'hello' })).toBe(true);
    expect(b.filter!({ text: 'bye' })).toBe(false);
    // an empty condition filters nothing, but still counts as "the Flow has conditions" (Jina's bool(dict))
    expect(topology.nodes.get('a')!.filter).toBeUndefined();
    expect(topology.nodes.get('enc')!.condition).toBeUndefined();
  });

  it('marks floating nodes and treats a node without an entry as a responder', () => {
    const floating = parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['logger', 'end-gateway'], logger: [] } });
    expect(floating.floatingNodes).toEqual(['logger']);
    expect(floating.respondingNodes).toEqual(['a']);
    expect(floating.nodes.get('logger')).toMatchObject({ floating: true, responds: false, parts: 1 });

    const implicit = parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['b'] } });
    expect(implicit.respondingNodes).toEqual(['b']);
    expect(implicit.nodes.get('b')).toMatchObject({ responds: true, floating: false });
  });

  it('counts the client request as an input of an origin that also has predecessors', () => {
    const topology = parseFlowTopology({ graphDescription: { 'start-gateway': ['a', 'c'], a: ['c'], c: ['end-gateway'] } });
    expect(topology.nodes.get('c')).toMatchObject({ parts: 2, origin: true, predecessors: ['a'] });
    expect(topology.topologicalOrder).toEqual(['a', 'c']);
  });

  it('orders responders and inputs as Jina walks the graph', () => {
    const topology = parseFlowTopology({
      graphDescription: { 'start-gateway': ['p', 'q'], p: ['r'], q: ['s', 'r'], r: ['end-gateway'], s: ['end-gateway'] },
    });
    expect(topology.respondingNodes).toEqual(['r', 's']);
    expect(topology.nodes.get('r')!.predecessors).toEqual(['p', 'q']);
    expect(topology.nodeOrder).toEqual(['p', 'r', 'q', 's']);
  });

  it('accepts an empty graph, and a graph-less gateway that only calls deployments directly', () => {
    const empty = parseFlowTopology({});
    expect(empty.nodes.size).toBe(0);
    expect(empty.respondingNodes).toEqual([]);
    const direct = parseFlowTopology({ graphDescription: '{}', deploymentsAddresses: '{"enc": ["grpc://localhost:5000"]}' });
    expect(direct.nodes.size).toBe(0);
    expect(direct.deployments.get('enc')!.addresses).toEqual(['grpc://localhost:5000']);
  });

  it('rejects malformed JSON, naming the flag', () => {
    expect(errorOf(() => parseFlowTopology({ graphDescription: '{"start-gateway": [' })).message).toMatch(/^--graph-description: not valid JSON/);
    expect(errorOf(() => parseFlowTopology({ deploymentsNoReduce: '{"a": 1}' })).flag).toBe('--deployments-no-reduce');
    expect(errorOf(() => parseFlowTopology({ graphConditions: '[]' })).message).toMatch(/--graph-conditions: expected a JSON object/);
    const notList = errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': 'a' } }));
    expect(notList).toMatchObject({ flag: '--graph-description', key: 'start-gateway' });
  });

  it('rejects unknown nodes in every per-node flag, naming flag and key', () => {
    const graphDescription = FAN_OUT;
    expect(errorOf(() => parseFlowTopology({ graphDescription, graphConditions: { c: { x: { $eq: 1 } } } }))).toMatchObject({
      flag: '--graph-conditions',
      key: 'c',
    });
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsAddresses: { enc: ['h:1'], a: ['h:2'], b: ['h:3'], join: ['h:4'], typo: ['h:5'] } })))
      .toMatchObject({ flag: '--deployments-addresses', key: 'typo' });
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsMetadata: { typo: { k: 'v' } } }))).toMatchObject({
      flag: '--deployments-metadata',
      key: 'typo',
    });
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsNoReduce: ['typo'] }))).toMatchObject({
      flag: '--deployments-no-reduce',
      key: 'typo',
    });
  });

  it('rejects graphs Jina cannot run', () => {
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['b'], b: ['a'] } })).message).toMatch(
      /cycle a → b → a/,
    );
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['a'] } })).key).toBe('a');
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['end-gateway'], x: ['a'] } })).message).toMatch(
      /"x" cannot be reached from "start-gateway"/,
    );
    expect(errorOf(() => parseFlowTopology({ graphDescription: { a: ['end-gateway'] } })).message).toMatch(/no "start-gateway" entry/);
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['start-gateway'] } })).key).toBe('a');
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['end-gateway'], 'end-gateway': ['a'] } })).key).toBe(
      'end-gateway',
    );
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['a'], a: ['b', 'b'] } })).message).toMatch(/listed twice/);
    expect(errorOf(() => parseFlowTopology({ graphDescription: { 'start-gateway': ['end-gateway'] } })).key).toBe('start-gateway');
  });

  it('rejects bad addresses and graph nodes left without one', () => {
    const graphDescription = { 'start-gateway': ['a'], a: ['end-gateway'] };
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsAddresses: { a: ['grpc://nohost'] } })).message).toMatch(
      /--deployments-addresses \(key "a"\): invalid executor address "grpc:\/\/nohost"/,
    );
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsAddresses: { a: 5 } })).key).toBe('a');
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsAddresses: { a: { HTTP: ['http://h:1'] } } })).message).toMatch(
      /no gRPC address for graph node "a"/,
    );
    expect(errorOf(() => parseFlowTopology({ graphDescription, deploymentsMetadata: { a: { k: 1 } } })).message).toMatch(/must be a string/);
  });

  it('rejects an invalid condition, naming the node and the operator', () => {
    const error = errorOf(() => parseFlowTopology({ graphDescription: FAN_OUT, graphConditions: { b: { text: { $like: 'x' } } } }));
    expect(error).toMatchObject({ flag: '--graph-conditions', key: 'b' });
    expect(error.message).toMatch(/\$like/);
  });
});

describe('singleDeploymentTopology', () => {
  it('builds start-gateway → name → end-gateway with the given addresses', () => {
    const topology = singleDeploymentTopology('executor', { GRPC: ['grpc://0.0.0.0:51000'] }, { metadata: { k: 'v' } });
    expect(topology.origins).toEqual(['executor']);
    expect(topology.respondingNodes).toEqual(['executor']);
    expect(topology.nodes.get('executor')).toMatchObject({ addresses: ['grpc://0.0.0.0:51000'], metadata: { k: 'v' }, parts: 1 });
    expect(singleDeploymentTopology('x', 'x:8081').nodes.get('x')!.addresses).toEqual(['x:8081']);
  });
});

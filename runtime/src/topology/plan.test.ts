import { describe, expect, it } from 'vitest';
import { parseFlowTopology, singleDeploymentTopology, START_GATEWAY } from './graph.js';
import { planRequest, TargetExecutorError } from './plan.js';

// Flow().add(name='enc').add(name='a',needs='enc').add(name='b',needs='enc').needs(['a','b'],name='join')
const fanOut = parseFlowTopology({
  graphDescription: { 'start-gateway': ['enc'], enc: ['a', 'b'], a: ['join'], b: ['join'], join: ['end-gateway'] },
  graphConditions: { b: { text: { $eq: 'hello' } } },
});

describe('planRequest', () => {
  it('runs every node when endpoints are unknown, joining with reduce', () => {
    const plan = planRequest(fanOut, { endpoint: '/index' });
    expect(plan.steps.map((step) => step.node)).toEqual(['enc', 'a', 'b', 'join']);
    expect(plan.byNode.get('enc')).toMatchObject({ inputs: [START_GATEWAY], action: { kind: 'call', merge: 'single' }, awaited: true });
    expect(plan.byNode.get('join')).toMatchObject({ inputs: ['a', 'b'], action: { kind: 'call', merge: 'reduce' } });
    expect(plan.byNode.get('b')!.filter!({ text: 'hello' })).toBe(true);
    expect(plan.responders).toEqual(['join']);
    expect(plan.echo).toBe(false);
    expect(plan.restoreDocOrder).toBe(true);
    expect(plan.resultsOrder).toEqual(['enc', 'a', 'join', 'b']);
  });

  it('passes through nodes that bind neither the endpoint nor /default', () => {
    const plan = planRequest(fanOut, {
      endpoint: '/search',
      endpoints: { enc: ['/default', '_jina_dry_run_'], a: ['/index'], b: ['/search'], join: ['/index', '/search'] },
    });
    expect(plan.byNode.get('enc')!.action).toEqual({ kind: 'call', merge: 'single' });
    expect(plan.byNode.get('a')!.action).toEqual({ kind: 'pass', reason: 'endpoint-not-bound' });
    expect(plan.byNode.get('b')!.action.kind).toBe('call');
    // endpoints given as a Map, one node undiscovered: it is called
    const map = planRequest(fanOut, { endpoint: '/search', endpoints: new Map([['a', ['/index']]]) });
    expect(map.byNode.get('a')!.action.kind).toBe('pass');
    expect(map.byNode.get('b')!.action.kind).toBe('call');
  });

  it('without an endpoint only /default executors run', () => {
    const plan = planRequest(fanOut, { endpoint: '', endpoints: { enc: ['/default'], a: ['/index'], b: ['/index'], join: ['/default'] } });
    expect(plan.steps.map((step) => step.action.kind)).toEqual(['call', 'pass', 'pass', 'call']);
  });

  it('matches target_executor with re.match: a prefix, regex syntax, empty for all', () => {
    const prefix = planRequest(fanOut, { endpoint: '/x', targetExecutor: 'en' });
    expect(prefix.steps.map((step) => step.action.kind)).toEqual(['call', 'pass', 'pass', 'pass']);
    expect(prefix.byNode.get('a')!.action).toEqual({ kind: 'pass', reason: 'not-targeted' });
    const alternation = planRequest(fanOut, { endpoint: '/x', targetExecutor: 'a|b$' });
    expect(alternation.steps.filter((step) => step.action.kind === 'call').map((step) => step.node)).toEqual(['a', 'b']);
    const all = planRequest(fanOut, { endpoint: '/x', targetExecutor: '' });
    expect(all.steps.every((step) => step.action.kind === 'call')).toBe(true);
    expect(() => planRequest(fanOut, { endpoint: '/x', targetExecutor: '(' })).toThrow(TargetExecutorError);
  });

  it('endpoint binding wins over targeting in the pass reason', () => {
    const plan = planRequest(fanOut, { endpoint: '/x', targetExecutor: 'enc', endpoints: { a: ['/y'] } });
    expect(plan.byNode.get('a')!.action).toEqual({ kind: 'pass', reason: 'endpoint-not-bound' });
  });

  it('sends all parts in one call for a no-reduce join', () => {
    const topology = parseFlowTopology({
      graphDescription: { 'start-gateway': ['a', 'b'], a: ['join'], b: ['join'], join: ['end-gateway'] },
      deploymentsNoReduce: ['join'],
    });
    expect(planRequest(topology, { endpoint: '/' }).byNode.get('join')!.action).toEqual({ kind: 'call', merge: 'all-parts' });
  });

  it('gives each executor its own parameters', () => {
    const plan = planRequest(fanOut, { endpoint: '/', parameters: { k: 1, a__k: 2, join: { k: 3 } } });
    expect(plan.byNode.get('enc')!.parameters).toEqual({ k: 1, join: { k: 3 } });
    expect(plan.byNode.get('a')!.parameters).toEqual({ k: 2, join: { k: 3 } });
    expect(plan.byNode.get('join')!.parameters).toEqual({ k: 3, join: { k: 3 } });
  });

  it('does not await floating branches, and echoes when nothing responds', () => {
    const topology = parseFlowTopology({
      graphDescription: { 'start-gateway': ['a', 'log'], a: ['side', 'end-gateway'], side: [], log: [] },
    });
    const plan = planRequest(topology, { endpoint: '/' });
    expect(plan.steps.map((step) => [step.node, step.awaited])).toEqual([
      ['a', true],
      ['side', false],
      ['log', false],
    ]);
    expect(plan.responders).toEqual(['a']);
    expect(plan.restoreDocOrder).toBe(false);

    const onlyFloating = planRequest(parseFlowTopology({ graphDescription: { 'start-gateway': ['log'], log: [] } }), { endpoint: '/' });
    expect(onlyFloating.echo).toBe(true);
    expect(onlyFloating.steps).toHaveLength(1);
    expect(planRequest(parseFlowTopology({}), { endpoint: '/' })).toMatchObject({ echo: true, steps: [], responders: [] });
  });

  it('waits for the client request and the predecessors of an origin join', () => {
    const topology = parseFlowTopology({ graphDescription: { 'start-gateway': ['a', 'c'], a: ['c'], c: ['end-gateway'] } });
    expect(planRequest(topology, { endpoint: '/' }).byNode.get('c')).toMatchObject({
      inputs: [START_GATEWAY, 'a'],
      action: { kind: 'call', merge: 'reduce' },
    });
  });

  it('plans a single deployment', () => {
    const plan = planRequest(singleDeploymentTopology('executor', ['executor:8081']), { endpoint: '/foo' });
    expect(plan.steps).toHaveLength(1);
    expect(plan.responders).toEqual(['executor']);
  });
});

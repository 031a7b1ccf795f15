// Expected values were checked against jina 3.34's _parse_specific_params
// (test/topology-docarray.test.ts compares against a live jina).
import { describe, expect, it } from 'vitest';
import {
  collectResults,
  hasExecutorSpecificParameters,
  isExecutorSpecificKey,
  parametersForExecutor,
  responseParameters,
  resultsOf,
  splitExecutorSpecificKey,
} from './parameters.js';

describe('executor-specific keys', () => {
  it('follows Jina\'s rule: contains __, neither starts nor ends with it', () => {
    expect(isExecutorSpecificKey('enc__top_k')).toBe(true);
    expect(isExecutorSpecificKey('top_k')).toBe(false);
    expect(isExecutorSpecificKey('__results__')).toBe(false);
    expect(isExecutorSpecificKey('__top')).toBe(false);
    expect(isExecutorSpecificKey('top__')).toBe(false);
    expect(hasExecutorSpecificParameters({ a: 1, __results__: {} })).toBe(false);
    expect(hasExecutorSpecificParameters({ a: 1, enc__a: 2 })).toBe(true);
  });

  it('splits at the last __ and joins the rest with no separator, as Jina does', () => {
    expect(splitExecutorSpecificKey('enc__top_k')).toEqual({ executor: 'enc', key: 'top_k' });
    expect(splitExecutorSpecificKey('my__exec__k')).toEqual({ executor: 'myexec', key: 'k' });
    expect(splitExecutorSpecificKey('a____b')).toEqual({ executor: 'a', key: 'b' });
    expect(splitExecutorSpecificKey('plain')).toBeUndefined();
  });
});

describe('parametersForExecutor', () => {
  const parameters = {
    top: 1,
    enc__top: 2,
    other__top: 3,
    enc__only: 'e',
    __results__: { prior: { x: 1 } },
    enc: { top: 4, nested: { deep: true } },
    x__: 5,
    my__exec__k: 7,
  };

  it('rewrites <executor>__<key>, drops other executors\' keys, then merges the <executor> dict', () => {
    expect(parametersForExecutor(parameters, 'enc')).toEqual({
      top: 4,
      __results__: { prior: { x: 1 } },
      enc: { top: 4, nested: { deep: true } },
      x__: 5,
      only: 'e',
      nested: { deep: true },
    });
    expect(parametersForExecutor(parameters, 'other')).toEqual({
      top: 3,
      __results__: { prior: { x: 1 } },
      enc: { top: 4, nested: { deep: true } },
      x__: 5,
    });
    expect(parametersForExecutor(parameters, 'myexec')).toMatchObject({ k: 7, top: 1 });
    // an executor whose name contains __ cannot be targeted with the key form
    expect(parametersForExecutor(parameters, 'my__exec')).not.toHaveProperty('k');
  });

  it('never changes its input, returns it as is when nothing is executor-specific, and leaves non-dict <executor> entries alone', () => {
    const before = structuredClone(parameters);
    parametersForExecutor(parameters, 'enc');
    expect(parameters).toEqual(before);
    const plain = { a: 1, __results__: { x: 1 } };
    expect(parametersForExecutor(plain, 'enc')).toBe(plain);
    expect(parametersForExecutor({ enc: 'not a dict', a: 1 }, 'enc')).toEqual({ enc: 'not a dict', a: 1 });
    expect(parametersForExecutor({}, 'enc')).toEqual({});
  });
});

describe('__results__', () => {
  it('keeps a node\'s results only when they are a non-empty object', () => {
    expect(resultsOf({ __results__: { enc: { n: 1 } } })).toEqual({ enc: { n: 1 } });
    expect(resultsOf({ __results__: {} })).toBeUndefined();
    expect(resultsOf({ a: 1 })).toBeUndefined();
  });

  it('merges results in node order, later nodes winning, into the response parameters', () => {
    const collected = collectResults([{ enc: { n: 1 }, shared: 1 }, undefined, { join: { m: 2 }, shared: 2 }]);
    expect(collected).toEqual({ enc: { n: 1 }, shared: 2, join: { m: 2 } });
    expect(responseParameters({ top: 1, __results__: { client: 0 } }, collected)).toEqual({ top: 1, __results__: collected });
    // nothing collected: whatever the parameters carried stays
    expect(responseParameters({ top: 1, __results__: { client: 0 } }, {})).toEqual({ top: 1, __results__: { client: 0 } });
  });
});

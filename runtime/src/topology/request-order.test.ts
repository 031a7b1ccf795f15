import { describe, expect, it } from 'vitest';
import type { Doc } from '../wire/doc.js';
import { requestDocIds, restoreRequestOrder } from './request-order.js';

describe('restoreRequestOrder', () => {
  it('puts docs back in request order and new ids last, stably', () => {
    const ids = requestDocIds([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const docs = [{ id: 'new1' }, { id: 'c' }, { id: 'a' }, { id: 'new2' }, { id: 'b' }];
    expect(restoreRequestOrder(docs, ids).map((doc) => doc.id)).toEqual(['a', 'b', 'c', 'new1', 'new2']);
  });

  it('ranks by the first request doc with the id, and keeps duplicates in their order', () => {
    const ids = ['x', 'y', 'x'];
    const docs: Doc[] = [{ id: 'y', n: 1 }, { id: 'x', n: 2 }, { id: 'x', n: 3 }, { n: 4 }];
    expect(restoreRequestOrder(docs, ids).map((doc) => doc.n)).toEqual([2, 3, 1, 4]);
  });
});

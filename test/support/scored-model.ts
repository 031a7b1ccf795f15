/** A doc model of the typed-gateway tests: an optional id and text, a 3-d embedding, a score. */
import type { DocModel } from '../../runtime/src/index.js';

export const SCORED: DocModel = {
  name: 'Scored',
  schema: {
    title: 'Scored',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[3]' },
      score: { title: 'Score', type: 'number' },
    },
    required: ['embedding', 'score'],
  },
};

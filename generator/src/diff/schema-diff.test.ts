import { describe, expect, it } from 'vitest';
import { diffSchemaSnapshots, formatSchemaChanges, type SchemaSnapshot } from './schema-diff.js';

/** A pydantic-v2 docarray model as Jina 3.34 sends it (§3.3 of jina-wire.md). */
function model(title: string, properties: Record<string, unknown>, required: string[] = []) {
  return {
    title,
    type: 'object',
    properties: { id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], example: Math.random().toString(16).slice(2) }, ...properties },
    required,
  };
}
const TEXT = { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null };
const embedding = (shape: string) => ({ title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': shape });

function snapshot(endpoints: Record<string, { input: object; output: object; generator?: boolean }>): SchemaSnapshot {
  const schemas: Record<string, object> = {};
  for (const [name, endpoint] of Object.entries(endpoints)) {
    schemas[name] = {
      input: { name: 'In', model: endpoint.input },
      output: { name: 'Out', model: endpoint.output },
      is_generator: endpoint.generator ?? false,
      is_singleton_doc: false,
      parameters: { name: null, model: null },
    };
  }
  schemas._jina_dry_run_ = { input: { name: 'L', model: {} }, output: { name: 'L', model: {} }, is_generator: false, is_singleton_doc: false, parameters: { name: null, model: null } };
  return { encoder: { endpoints: [...Object.keys(endpoints), '_jina_dry_run_'], schemas } as SchemaSnapshot[string] };
}

const before = snapshot({
  '/encode': { input: model('TextDoc', { text: TEXT }), output: model('Out', { embedding: embedding('[128]'), score: { type: 'number' } }, ['embedding', 'score']) },
  '/old': { input: model('TextDoc', { text: TEXT }), output: model('TextDoc', { text: TEXT }) },
});

describe('diffSchemaSnapshots', () => {
  it('the same schemas re-discovered (new random id examples) are no change', () => {
    const again = snapshot({
      '/encode': { input: model('TextDoc', { text: TEXT }), output: model('Out', { embedding: embedding('[128]'), score: { type: 'number' } }, ['embedding', 'score']) },
      '/old': { input: model('TextDoc', { text: TEXT }), output: model('TextDoc', { text: TEXT }) },
    });
    expect(diffSchemaSnapshots(before, again)).toEqual([]);
  });

  it('classes field added, removed, type and tensor shape changed, endpoint renamed', () => {
    const after = snapshot({
      '/encode': {
        input: model('TextDoc', { text: TEXT, lang: { type: 'string' } }, ['lang']),
        output: model('Out', { embedding: embedding('[256]'), score: { type: 'string' }, norm: { type: 'number' } }, ['embedding', 'score']),
      },
      '/new': { input: model('TextDoc', { text: TEXT }), output: model('TextDoc', { text: TEXT }), generator: true },
    });
    const changes = diffSchemaSnapshots(before, after);
    expect(changes.map((change) => [change.endpoint, change.kind, change.path, change.breaksClients, change.breaksCode])).toEqual([
      ['/encode', 'field-added-required', 'input.lang', true, true],
      ['/encode', 'tensor-shape-changed', 'output.embedding', true, true],
      ['/encode', 'type-changed', 'output.score', true, true],
      ['/encode', 'field-added-optional', 'output.norm', false, false],
      ['/old', 'endpoint-removed', '', true, true],
      ['/new', 'endpoint-added', '', false, false],
    ]);
    expect(formatSchemaChanges(changes)).toContain('  [BREAKING] tensor-shape-changed output.embedding ([128] → [256])');
  });

  it('an input field removed breaks clients (they send it) and typed code (it sets it); so does an executor gone', () => {
    const after = snapshot({
      '/encode': { input: model('TextDoc', {}), output: model('Out', { embedding: embedding('[128]'), score: { type: 'number' } }, ['embedding', 'score']) },
      '/old': { input: model('TextDoc', { text: TEXT }), output: model('TextDoc', { text: TEXT }) },
    });
    expect(diffSchemaSnapshots(before, after)).toEqual([
      { executor: 'encoder', endpoint: '/encode', kind: 'field-removed', path: 'input.text', breaksClients: true, breaksCode: true },
    ]);
    expect(diffSchemaSnapshots(before, {})).toEqual([{ executor: 'encoder', kind: 'executor-removed', path: '', breaksClients: true, breaksCode: true }]);
  });
});

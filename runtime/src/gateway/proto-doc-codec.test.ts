import { describe, expect, it } from 'vitest';
import { NdArray } from '../wire/doc.js';
import { docFromMessage, messageFromDoc, ProtoArgumentError, type ProtoMessages } from './proto-doc-codec.js';

/** The table src/gen/grpc.ts would hold for a model with every kind of field. */
const MESSAGES: ProtoMessages = {
  Everything: {
    form: 'model',
    fields: {
      text: { doc: 'text', kind: 'optional', type: 'string', nullable: true },
      count: { doc: 'count', kind: 'single', type: 'int64', required: true },
      blob: { doc: 'blob', kind: 'optional', type: 'bytes' },
      embedding: { doc: 'embedding', kind: 'single', type: 'tensor', required: true },
      inner: { doc: 'inner', kind: 'single', type: 'Inner' },
      inners: { doc: 'inners', kind: 'repeated', type: 'Inner' },
      grid: { doc: 'grid', kind: 'repeated', type: 'DoubleList' },
      pair: { doc: 'pair', kind: 'single', type: 'StringInt64Tuple' },
      tags: { doc: 'tags', kind: 'map', type: 'value' },
      any: { doc: 'any', kind: 'single', type: 'value' },
      myField: { doc: 'my-field', kind: 'single', type: 'bool', required: true },
    },
  },
  Inner: { form: 'model', fields: { label: { doc: 'label', kind: 'single', type: 'string', required: true } } },
  DoubleList: { form: 'values', fields: { values: { doc: 'values', kind: 'repeated', type: 'double' } } },
  StringInt64Tuple: {
    form: 'tuple',
    fields: { item0: { doc: 'item_0', kind: 'single', type: 'string', required: true }, item1: { doc: 'item_1', kind: 'single', type: 'int64', required: true } },
  },
};

describe('documents from typed gRPC messages', () => {
  it('reads every kind of field by its model name: tensors, nested models, wrappers, tuples, maps of JSON values', () => {
    const doc = docFromMessage(
      MESSAGES,
      'Everything',
      {
        text: 'hi',
        count: 3,
        embedding: { data: [1, 2, 3, 4], shape: [2, 2], dtype: '<f8' },
        inner: { label: 'a' },
        inners: [{ label: 'b' }],
        grid: [{ values: [1, 2] }, { values: [] }],
        pair: { item0: 'x', item1: 7 },
        tags: { k: [1, 'two'] },
        any: null,
        myField: true,
      },
      'docs[0]',
    );
    expect(doc.embedding).toBeInstanceOf(NdArray);
    expect(doc.embedding).toMatchObject({ shape: [2, 2], dtype: '<f8', data: Float64Array.from([1, 2, 3, 4]) });
    const { embedding: _, ...rest } = doc;
    expect(rest).toEqual({ text: 'hi', count: 3, inner: { label: 'a' }, inners: [{ label: 'b' }], grid: [[1, 2], []], pair: ['x', 7], tags: { k: [1, 'two'] }, any: null, 'my-field': true });
  });

  it('leaves out what the message does not set, so the executor\'s defaults apply', () => {
    const doc = docFromMessage(MESSAGES, 'Everything', { count: 0, embedding: { data: [], shape: [0], dtype: '' }, myField: false, inners: [], tags: {} }, 'docs[0]');
    expect(Object.keys(doc).sort()).toEqual(['count', 'embedding', 'my-field']);
  });

  it('names the path of what cannot be a document of the model', () => {
    const read = (message: object) => () => docFromMessage(MESSAGES, 'Everything', { count: 1, myField: true, ...message }, 'docs[2]');
    expect(read({})).toThrow(new ProtoArgumentError('docs[2].embedding: required (the model has no default for it)'));
    expect(read({ embedding: { data: [1, 2, 3], shape: [2], dtype: '<f4' } })).toThrow('docs[2].embedding.data: 3 elements do not fill shape [2] (2)');
    expect(read({ embedding: { data: [1], shape: [-1], dtype: '<f4' } })).toThrow('docs[2].embedding.shape: dimensions must be integers ≥ 0, got [-1]');
    expect(read({ embedding: { data: [1], shape: [1], dtype: 'complex' } })).toThrow(/^docs\[2\]\.embedding\.dtype: unsupported tensor dtype "complex"/);
    expect(read({ embedding: { data: [1.5], shape: [1], dtype: '<i4' } })).toThrow(/^docs\[2\]\.embedding\.data\[0\]: expected an integer/);
    expect(read({ embedding: { data: [1], shape: [1], dtype: '<f4' }, inners: [{ label: 'ok' }, {}] })).not.toThrow();
  });
});

describe('typed gRPC messages from documents', () => {
  it('writes every kind of field, defaults for what the document lacks', () => {
    const message = messageFromDoc(MESSAGES, 'Everything', {
      count: 2n,
      blob: new Uint8Array([1, 2]),
      embedding: new NdArray(Int32Array.from([5, 6]), [2], '<i4'),
      inner: { label: 'a', extra: 'dropped' },
      grid: [[1.5]],
      pair: ['p', 9],
      tags: { t: new NdArray(Float32Array.from([1]), [1], '<f4') },
      'my-field': true,
    });
    expect(message).toEqual({
      text: undefined,
      count: 2,
      blob: new Uint8Array([1, 2]),
      embedding: { data: [5, 6], shape: [2], dtype: '<i4' },
      inner: { label: 'a' },
      inners: [],
      grid: [{ values: [1.5] }],
      pair: { item0: 'p', item1: 9 },
      tags: { t: [1] },
      any: null,
      myField: true,
    });
  });

  it('round-trips a document through its message', () => {
    const doc = { text: 'x', count: 1, embedding: new NdArray(Float32Array.from([1, 2]), [1, 2], '<f4'), inners: [{ label: 'l' }], 'my-field': false };
    const back = docFromMessage(MESSAGES, 'Everything', messageFromDoc(MESSAGES, 'Everything', doc), 'doc');
    expect(back).toEqual({ ...doc, any: null });
  });
});

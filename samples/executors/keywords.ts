/**
 * A TypeScript executor for the demo, served with serveExecutor(): adds the longest word and the
 * embedding's norm to each document. Jina's gateway and our runtime call it like any Executor.
 */
import { type Doc, type DocModel, NdArray, serveExecutor, type ExecutorServer } from '@jina-ts/runtime';

const EMBEDDED_TEXT: DocModel = {
  name: 'EmbeddedText',
  schema: {
    title: 'EmbeddedText',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[8]' },
    },
    required: ['embedding'],
  },
};

const KEYWORD_DOC: DocModel = {
  name: 'KeywordDoc',
  schema: {
    title: 'KeywordDoc',
    type: 'object',
    properties: {
      ...(EMBEDDED_TEXT.schema.properties as object),
      keyword: { title: 'Keyword', type: 'string' },
      norm: { title: 'Norm', type: 'number' },
    },
    required: ['embedding', 'keyword', 'norm'],
  },
};

export function serveKeywords(port = 0): Promise<ExecutorServer> {
  return serveExecutor({
    name: 'keywords',
    className: 'Keywords',
    host: '127.0.0.1',
    port,
    endpoints: {
      '/encode': {
        input: EMBEDDED_TEXT,
        output: KEYWORD_DOC,
        handler: (docs: Doc[]) =>
          docs.map((doc) => {
            const words = String(doc.text ?? '').split(/\s+/).filter(Boolean);
            const keyword = words.reduce((best, word) => (word.length > best.length ? word : best), '');
            const embedding = doc.embedding as NdArray;
            const norm = Math.sqrt(Array.from(embedding.data as Float32Array).reduce((sum, x) => sum + x * x, 0));
            return { ...doc, keyword, norm: Math.round(norm * 1000) / 1000 };
          }),
      },
    },
  });
}

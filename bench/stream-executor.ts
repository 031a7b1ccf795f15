/**
 * The streaming benchmark's executor: our TypeScript executor server with one generator endpoint,
 * `/stream`, that yields `Number(doc.text)` docs (`{ id: 't<i>', text: 'token-<i>' }`; Jina's gateway requires the id) for one input doc, as
 * an LLM executor streams tokens. Its own cost per token is small and the same behind every
 * gateway (ours and Jina's: Jina's gateway discovers it and calls stream_doc like any executor).
 *
 * Run in its own process: `node bench/dist/stream-executor.js <port>`; prints "ready <port>".
 */
import { type DocModel, serveExecutor } from '@jina-ts/runtime';

/** `class TextDoc(BaseDoc): text: Optional[str]` as pydantic v2 docarray reports it. */
const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: {
    title: 'TextDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
};

const server = await serveExecutor({
  name: 'tokens',
  className: 'Tokens',
  host: '127.0.0.1',
  port: Number(process.argv[2] ?? 0),
  endpoints: {
    '/stream': {
      kind: 'generator',
      input: TEXT_DOC,
      output: TEXT_DOC,
      async *handler(doc) {
        const count = Number(doc.text);
        for (let i = 0; i < count; i++) yield { id: `t${i}`, text: `token-${i}` };
      },
    },
  },
});
console.log(`ready ${server.port}`);
process.on('SIGTERM', () => void server.close(0).then(() => process.exit(0)));

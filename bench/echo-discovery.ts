/**
 * The endpoint_discovery answer of the benchmark's echo executors: E asks a throw-away
 * `serveExecutor` with one `/echo` TextDoc → TextDoc endpoint once at start-up and replays its
 * bytes, so the schemas are exactly what a TypeScript executor reports.
 */
import { Client, credentials } from '@grpc/grpc-js';
import { serveExecutor, type DocModel } from '@jina-ts/runtime';

/** The schema a pydantic-v2 docarray executor reports for `class TextDoc(BaseDoc): text: Optional[str]`. */
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

const identity = (value: Buffer) => value;

/** The EndpointsProto bytes a TypeScript executor with one `/echo` TextDoc → TextDoc endpoint answers. */
export async function discoveryBytes(): Promise<Buffer> {
  const template = await serveExecutor({
    name: 'echo',
    className: 'Echo',
    host: '127.0.0.1',
    endpoints: { '/echo': { input: TEXT_DOC, output: TEXT_DOC, handler: (docs) => docs } },
  });
  const client = new Client(`127.0.0.1:${template.port}`, credentials.createInsecure());
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest('/jina.JinaDiscoverEndpointsRPC/endpoint_discovery', identity, identity, Buffer.alloc(0), (error, value) =>
        error ? reject(error) : resolve(value!),
      );
    });
  } finally {
    client.close();
    await template.close(100);
  }
}

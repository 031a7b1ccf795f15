/**
 * The endpoint_discovery answer of the benchmark's echo executors: E asks a throw-away
 * `serveExecutor` with one `/echo` endpoint (the payload's doc model in and out) once at start-up and replays its
 * bytes, so the schemas are exactly what a TypeScript executor reports.
 */
import { Client, credentials } from '@grpc/grpc-js';
import { serveExecutor, type DocModel } from '@jina-ts/runtime';
import { payload } from './payloads.js';

const identity = (value: Buffer) => value;

/** The EndpointsProto bytes a TypeScript executor with one `/echo` endpoint taking and returning `model` answers. */
export async function discoveryBytes(model: DocModel = payload('S').model): Promise<Buffer> {
  const template = await serveExecutor({
    name: 'echo',
    className: 'Echo',
    host: '127.0.0.1',
    endpoints: { '/echo': { input: model, output: model, handler: (docs) => docs } },
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

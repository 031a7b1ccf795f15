/**
 * The executor client against in-process grpc-js servers that record what they receive: Jina's
 * retry count rule, round-robin over replicas, the `endpoint` and per-deployment metadata,
 * compression, deadlines, and the is-error trailer; over each executor transport (--executor-transport).
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { createServer as createHttp2Server } from 'node:http2';
import { gunzipSync, inflateSync } from 'node:zlib';
import { rawService } from '../grpc/raw-service.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import { dataContentFromDocList, decodeDataRequest, docListFromDataContent, encodeDataRequest } from '../wire/data-request.js';
import { decodeDocList, encodeDocList } from '../wire/doc-codec.js';
import type { Doc } from '../wire/doc.js';
import { DeploymentClient, type DeploymentClientOptions } from './deployment-client.js';
import { ExecutorNetworkError } from './errors.js';
import { EXECUTOR_TRANSPORTS } from './executor-transport.js';
import { GrpcCallError } from './unary-channel.js';
const servers: Server[] = [];
const executors: ExecutorServer[] = [];

interface Recorded {
  calls: number;
  metadata: Metadata[];
}

/** A process_single_data server: `reply` decides each call's fate. */
async function recordingServer(reply: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void): Promise<{ address: string; recorded: Recorded }> {
  const recorded: Recorded = { calls: 0, metadata: [] };
  const server = new Server();
  server.addService(
    rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'),
    {
      process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        recorded.calls++;
        recorded.metadata.push(call.metadata);
        reply(call, callback);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  servers.push(server);
  return { address: `grpc://127.0.0.1:${port}`, recorded };
}

const echo = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request);
const unavailable = (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
  callback({ code: GrpcStatus.UNAVAILABLE, details: 'going away' });

afterAll(async () => {
  for (const server of servers) server.forceShutdown();
  await Promise.all(executors.map((executor) => executor.close(0)));
});

function dataRequest(docs: Doc[], execEndpoint = '/upper'): Buffer {
  return encodeDataRequest({
    header: { requestId: 'r', status: undefined, execEndpoint },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList(docs)),
  });
}

describe.each(EXECUTOR_TRANSPORTS)('DeploymentClient, transport %s', (transport) => {
  const deployment = (name: string, addresses: string[], options: DeploymentClientOptions = {}) => new DeploymentClient(name, addresses, { ...options, transport });

  it('tries max(3, replicas) + 1 times by default, retries + 1 when set, then names every address tried', async () => {
    const down = await recordingServer(unavailable);
    const client = deployment('down', [down.address]);
    const error = await client.processSingleData(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorNetworkError);
    expect(down.recorded.calls).toBe(4);
    expect((error as ExecutorNetworkError).addresses).toEqual([down.address]);
    expect((error as ExecutorNetworkError).details).toBe('going away');
    client.close();

    const twice = await recordingServer(unavailable);
    const limited = deployment('down', [twice.address], { retries: 1 });
    await limited.processSingleData(Buffer.from('x')).catch(() => undefined);
    expect(twice.recorded.calls).toBe(2);
    limited.close();
  });

  it('does not retry errors Jina does not retry', async () => {
    const invalid = await recordingServer((_call, callback) => callback({ code: GrpcStatus.INVALID_ARGUMENT, details: 'no' }));
    const client = deployment('strict', [invalid.address]);
    await expect(client.processSingleData(Buffer.from('x'))).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    expect(invalid.recorded.calls).toBe(1);
    client.close();
  });

  it('retries on the next replica and round-robins healthy ones', async () => {
    const down = await recordingServer(unavailable);
    const up = await recordingServer(echo);
    const client = deployment('mixed', [down.address, up.address]);
    // 5 replicas tried in turn: the failing one is skipped over within each call
    for (let i = 0; i < 4; i++) expect((await client.processSingleData(Buffer.from(`r${i}`))).address).toBe(up.address);
    expect(up.recorded.calls).toBe(4);
    expect(down.recorded.calls).toBeGreaterThanOrEqual(2);
    client.close();

    const [first, second] = [await recordingServer(echo), await recordingServer(echo)];
    const balanced = deployment('balanced', [first.address, second.address]);
    for (let i = 0; i < 6; i++) await balanced.processSingleData(Buffer.from('x'));
    expect([first.recorded.calls, second.recorded.calls]).toEqual([3, 3]);
    balanced.close();
  });

  it('sends the endpoint and the deployment metadata', async () => {
    const server = await recordingServer(echo);
    const client = deployment('meta', [server.address], { metadata: { tenant: 'acme' } });
    await client.processSingleData(Buffer.from('x'), { endpoint: '/encode' });
    const metadata = server.recorded.metadata[0]!;
    expect(metadata.get('endpoint')).toEqual(['/encode']);
    expect(metadata.get('tenant')).toEqual(['acme']);
    client.close();
  });

  it('sends per-call metadata over the deployment metadata, on the unary channel and on grpc-js streams', async () => {
    const seen: Metadata[] = [];
    const server = new Server();
    server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
      process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        seen.push(call.metadata);
        callback(null, call.request);
      },
    });
    server.addService(rawService('jina.JinaRPC', 'Call', { requestStream: true, responseStream: true }), {
      Call: (call: ServerDuplexStream<Buffer, Buffer>) => {
        seen.push(call.metadata);
        call.on('data', (request: Buffer) => call.write(request));
        call.on('end', () => call.end());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    servers.push(server);
    const client = deployment('per-call', [`grpc://127.0.0.1:${port}`], { metadata: { tenant: 'acme', region: 'eu' } });
    const metadata = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tenant: 'override' };
    await client.processSingleData(Buffer.from('x'), { endpoint: '/a', metadata });
    await client.call(Buffer.from('y'), { endpoint: '/b', metadata });
    await client.processSingleData(Buffer.from('z'), { endpoint: '/c' });
    expect(seen.map((m) => [m.get('traceparent'), m.get('tenant'), m.get('region'), m.get('endpoint')])).toEqual([
      [[metadata.traceparent], ['override'], ['eu'], ['/a']],
      [[metadata.traceparent], ['override'], ['eu'], ['/b']],
      [[], ['acme'], ['eu'], ['/c']],
    ]);
    client.close();
  });

  it.each([
    ['Gzip', 'gzip', gunzipSync],
    ['Deflate', 'deflate', inflateSync],
  ] as const)('compresses messages with --compression %s', async (name, encoding, decompress) => {
    // grpc-js servers hide the encoding header, so a bare HTTP/2 server looks at the frames.
    const seen: { encoding?: string; compressedFlag?: number; message?: Buffer } = {};
    const server = createHttp2Server();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const frame = Buffer.concat(chunks);
        seen.encoding = String(headers['grpc-encoding']);
        seen.compressedFlag = frame[0];
        seen.message = frame[0] === 1 ? decompress(frame.subarray(5)) : frame.subarray(5);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        const reply = Buffer.from('ok');
        const header = Buffer.alloc(5);
        header.writeUInt32BE(reply.length, 1);
        stream.end(Buffer.concat([header, reply]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client = deployment('zipped', [`127.0.0.1:${port}`], { compression: name });
    const payload = Buffer.alloc(4096, 7);
    const result = await client.processSingleData(payload);
    client.close();
    server.close();
    expect(result.response.toString()).toBe('ok');
    expect(seen.encoding).toBe(encoding);
    expect(seen.compressedFlag).toBe(1);
    expect(seen.message?.equals(payload)).toBe(true);
  });

  it('rejects an unknown compression by name', () => {
    expect(() => deployment('x', ['127.0.0.1:1'], { compression: 'Brotli' })).toThrow(
      /unknown compression "Brotli": expected one of NoCompression, Deflate, Gzip/,
    );
  });

  it('reports the is-error trailer', async () => {
    const server = await recordingServer((call, callback) => {
      const trailer = new Metadata();
      trailer.set('is-error', 'true');
      callback(null, call.request, trailer);
    });
    const client = deployment('failing', [server.address]);
    expect((await client.processSingleData(Buffer.from('x'))).isError).toBe(true);
    client.close();
  });

  it('applies the deadline per try', async () => {
    const server = await recordingServer((call, callback) => setTimeout(() => callback(null, call.request), 500));
    const client = deployment('slow', [server.address], { timeoutMs: 50, retries: 1 });
    const started = Date.now();
    const error = await client.processSingleData(Buffer.from('x')).catch((e: unknown) => e);
    expect((error as ExecutorNetworkError).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(server.recorded.calls).toBe(2);
    expect(Date.now() - started).toBeLessThan(450);
    client.close();
  });
  it('against our TS executor server: process_single_data, process_data, the is-error of a raised exception, discovery, status, health', async () => {
    const executor = await serveExecutor({
      name: 'upper',
      host: '127.0.0.1',
      endpoints: {
        '/upper': { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })) },
        '/boom': { handler: () => {
          throw new RangeError('too big');
        } },
      },
    });
    executors.push(executor);
    const client = deployment('upper', [executor.address]);
    const texts = (response: Buffer) => decodeDocList(docListFromDataContent(decodeDataRequest(response).data)).map((doc) => doc.text);
    const single = await client.processSingleData(dataRequest([{ id: 'a', text: 'x' }]), { endpoint: '/upper' });
    expect([texts(single.response), single.isError, single.address]).toEqual([['X'], false, executor.address]);
    const merged = await client.processData([dataRequest([{ id: 'a', text: 'p' }]), dataRequest([{ id: 'b', text: 'q' }])], { endpoint: '/upper' });
    expect(texts(merged.response).sort()).toEqual(['P', 'Q']);
    const raised = await client.processSingleData(dataRequest([{ id: 'a' }], '/boom'), { endpoint: '/boom' });
    expect(raised.isError).toBe(true);
    expect(decodeDataRequest(raised.response).header.status?.exception?.name).toBe('RangeError');
    expect((await client.endpointDiscovery()).endpoints).toEqual(expect.arrayContaining(['/upper', '/boom']));
    expect(Object.keys((await client.status()).jina).length).toBeGreaterThan(0);
    expect(await client.isHealthy()).toBe(true);
    client.close();
    const nowhere = deployment('nowhere', ['127.0.0.1:1']);
    expect(await nowhere.isHealthy()).toBe(false);
    nowhere.close();
  });

  it('fails a call Jina does not retry with the peer\'s code, details and trailing metadata (GrpcCallError)', async () => {
    const server = await recordingServer((_call, callback) => {
      const trailer = new Metadata();
      trailer.set('why', 'quota');
      callback({ code: GrpcStatus.PERMISSION_DENIED, details: 'not yours: é', metadata: trailer });
    });
    const client = deployment('denied', [server.address]);
    const error = await client.processSingleData(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpcCallError);
    expect([(error as GrpcCallError).code, (error as GrpcCallError).details, (error as GrpcCallError).metadata.get('why')]).toEqual([
      GrpcStatus.PERMISSION_DENIED,
      'not yours: é',
      ['quota'],
    ]);
    client.close();
  });

  it('honours --grpc-channel-options message size limits', async () => {
    const server = await recordingServer((_call, callback) => callback(null, Buffer.alloc(2048, 1)));
    const receiving = deployment('limited', [server.address], { channelOptions: { 'grpc.max_receive_message_length': 1024 } });
    await expect(receiving.processSingleData(Buffer.from('x'))).rejects.toMatchObject({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: expect.stringMatching(/^Received message larger than max \(2048 vs 1024\)/),
    });
    receiving.close();
    const sending = deployment('limited', [server.address], { channelOptions: { 'grpc.max_send_message_length': 16 } });
    await expect(sending.processSingleData(Buffer.alloc(64))).rejects.toMatchObject({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: 'Attempted to send message with a size larger than 16',
    });
    sending.close();
    expect(server.recorded.calls).toBe(1);
  });

  it('an aborted signal ends the call in flight, and no retry follows', async () => {
    const server = await recordingServer(() => undefined); // never answers
    const client = deployment('hanging', [server.address]);
    const controller = new AbortController();
    const call = client.processSingleData(Buffer.from('x'), { signal: controller.signal }).catch((e: unknown) => e);
    while (server.recorded.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('client went away'));
    expect(((await call) as Error).message).toBe('client went away');
    expect(server.recorded.calls).toBe(1);
    client.close();
  });
});

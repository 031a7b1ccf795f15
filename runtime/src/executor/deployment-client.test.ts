/**
 * The executor client against in-process grpc-js servers that record what they receive: Jina's
 * retry count rule, round-robin over replicas, the `endpoint` and per-deployment metadata,
 * compression, deadlines, and the is-error trailer.
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
import { DeploymentClient } from './deployment-client.js';
import { ExecutorNetworkError } from './errors.js';
const servers: Server[] = [];

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

afterAll(() => {
  for (const server of servers) server.forceShutdown();
});

describe('DeploymentClient', () => {
  it('tries max(3, replicas) + 1 times by default, retries + 1 when set, then names every address tried', async () => {
    const down = await recordingServer(unavailable);
    const client = new DeploymentClient('down', [down.address]);
    const error = await client.processSingleData(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorNetworkError);
    expect(down.recorded.calls).toBe(4);
    expect((error as ExecutorNetworkError).addresses).toEqual([down.address]);
    expect((error as ExecutorNetworkError).details).toBe('going away');
    client.close();

    const twice = await recordingServer(unavailable);
    const limited = new DeploymentClient('down', [twice.address], { retries: 1 });
    await limited.processSingleData(Buffer.from('x')).catch(() => undefined);
    expect(twice.recorded.calls).toBe(2);
    limited.close();
  });

  it('does not retry errors Jina does not retry', async () => {
    const invalid = await recordingServer((_call, callback) => callback({ code: GrpcStatus.INVALID_ARGUMENT, details: 'no' }));
    const client = new DeploymentClient('strict', [invalid.address]);
    await expect(client.processSingleData(Buffer.from('x'))).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    expect(invalid.recorded.calls).toBe(1);
    client.close();
  });

  it('retries on the next replica and round-robins healthy ones', async () => {
    const down = await recordingServer(unavailable);
    const up = await recordingServer(echo);
    const client = new DeploymentClient('mixed', [down.address, up.address]);
    // 5 replicas tried in turn: the failing one is skipped over within each call
    for (let i = 0; i < 4; i++) expect((await client.processSingleData(Buffer.from(`r${i}`))).address).toBe(up.address);
    expect(up.recorded.calls).toBe(4);
    expect(down.recorded.calls).toBeGreaterThanOrEqual(2);
    client.close();

    const [first, second] = [await recordingServer(echo), await recordingServer(echo)];
    const balanced = new DeploymentClient('balanced', [first.address, second.address]);
    for (let i = 0; i < 6; i++) await balanced.processSingleData(Buffer.from('x'));
    expect([first.recorded.calls, second.recorded.calls]).toEqual([3, 3]);
    balanced.close();
  });

  it('sends the endpoint and the deployment metadata', async () => {
    const server = await recordingServer(echo);
    const client = new DeploymentClient('meta', [server.address], { metadata: { tenant: 'acme' } });
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
    const client = new DeploymentClient('per-call', [`grpc://127.0.0.1:${port}`], { metadata: { tenant: 'acme', region: 'eu' } });
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
    const client = new DeploymentClient('zipped', [`127.0.0.1:${port}`], { compression: name });
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
    expect(() => new DeploymentClient('x', ['127.0.0.1:1'], { compression: 'Brotli' })).toThrow(
      /unknown compression "Brotli": expected one of NoCompression, Deflate, Gzip/,
    );
  });

  it('reports the is-error trailer', async () => {
    const server = await recordingServer((call, callback) => {
      const trailer = new Metadata();
      trailer.set('is-error', 'true');
      callback(null, call.request, trailer);
    });
    const client = new DeploymentClient('failing', [server.address]);
    expect((await client.processSingleData(Buffer.from('x'))).isError).toBe(true);
    client.close();
  });

  it('applies the deadline per try', async () => {
    const server = await recordingServer((call, callback) => setTimeout(() => callback(null, call.request), 500));
    const client = new DeploymentClient('slow', [server.address], { timeoutMs: 50, retries: 1 });
    const started = Date.now();
    const error = await client.processSingleData(Buffer.from('x')).catch((e: unknown) => e);
    expect((error as ExecutorNetworkError).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(server.recorded.calls).toBe(2);
    expect(Date.now() - started).toBeLessThan(450);
    client.close();
  });
});

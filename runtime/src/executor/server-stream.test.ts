/**
 * Server streams over our own HTTP/2 channel (what stream_doc uses), against a real grpc-js
 * server on loopback: every message in order (small ones many to a frame, large ones over many
 * frames), an error status after some messages, a consumer that stops early (the server sees the
 * call cancelled), the deadline, gzip-compressed messages, and a server that refuses at once.
 */
import { Metadata, Server, ServerCredentials, type ServerWritableStream, status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcCallError, UnaryChannel } from './unary-channel.js';

const identity = (value: Buffer) => value;
let server: Server;
let target: string;
const cancelled: string[] = [];
/** Messages each request's handler has written so far. */
const written = new Map<string, number>();

/** The request says what to do: `count:size[:then]`, then = ok | fail | hang. */
function stream(call: ServerWritableStream<Buffer, Buffer>): void {
  const [count, size, then] = call.request.toString().split(':');
  call.on('cancelled', () => cancelled.push(call.request.toString()));
  let sent = 0;
  const sendMore = () => {
    while (sent < Number(count)) {
      const message = Buffer.alloc(Number(size), sent % 251);
      message.writeUInt32BE(sent, 0);
      sent++;
      written.set(call.request.toString(), sent);
      if (!call.write(message)) return void call.once('drain', sendMore);
    }
    if (then === 'fail') call.emit('error', { code: GrpcStatus.INVALID_ARGUMENT, details: `failed after ${sent}`, metadata: new Metadata() });
    else if (then !== 'hang') call.end();
  };
  // spaced in time for some: each message its own frame
  if (then === 'spaced') {
    const timer = setInterval(() => {
      if (sent === Number(count) || call.cancelled) {
        clearInterval(timer);
        if (!call.cancelled) call.end();
        return;
      }
      const message = Buffer.alloc(Number(size));
      message.writeUInt32BE(sent++, 0);
      call.write(message);
    }, 2);
    return;
  }
  sendMore();
}

beforeAll(async () => {
  server = new Server();
  server.addService(
    { stream: { path: '/test.S/stream', requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { stream },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  target = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

async function collect(channel: UnaryChannel, request: string, options = {}): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const message of channel.serverStream('/test.S/stream', Buffer.from(request), options)) out.push(message);
  return out;
}

function indexes(messages: Buffer[]): number[] {
  return messages.map((message) => message.readUInt32BE(0));
}

describe('UnaryChannel.serverStream', () => {
  it('yields every message in order: 500 small ones, 5 of 300 KiB, and ones spaced in time', async () => {
    const channel = new UnaryChannel({ target, tls: false });
    try {
      const small = await collect(channel, '500:60:ok');
      expect(indexes(small)).toEqual([...Array(500).keys()]);
      const large = await collect(channel, '5:307200:ok');
      expect(indexes(large)).toEqual([0, 1, 2, 3, 4]);
      for (const [i, message] of large.entries()) {
        expect(message.length).toBe(307_200);
        expect(message[300_000]).toBe(i % 251);
      }
      expect(indexes(await collect(channel, '20:16:spaced'))).toEqual([...Array(20).keys()]);
      expect(await collect(channel, '0:1:ok')).toEqual([]);
    } finally {
      channel.close();
    }
  });

  it('an error status after some messages: those messages, then the GrpcCallError', async () => {
    const channel = new UnaryChannel({ target, tls: false });
    try {
      const seen: number[] = [];
      const failure = await (async () => {
        for await (const message of channel.serverStream('/test.S/stream', Buffer.from('3:10:fail'))) seen.push(message.readUInt32BE(0));
      })().catch((error: unknown) => error);
      expect(seen).toEqual([0, 1, 2]);
      expect(failure).toBeInstanceOf(GrpcCallError);
      expect((failure as GrpcCallError).code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect((failure as GrpcCallError).details).toBe('failed after 3');
    } finally {
      channel.close();
    }
  });

  it('a consumer that stops early cancels the call; the channel goes on serving', async () => {
    const channel = new UnaryChannel({ target, tls: false });
    try {
      let taken = 0;
      for await (const _message of channel.serverStream('/test.S/stream', Buffer.from('20000:8:hang'))) if (++taken === 5) break;
      for (let i = 0; i < 100 && !cancelled.includes('20000:8:hang'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(cancelled).toContain('20000:8:hang');
      expect(indexes(await collect(channel, '3:8:ok'))).toEqual([0, 1, 2]);
    } finally {
      channel.close();
    }
  });

  it('a consumer that does not read holds the executor back: no more than about a window (8 MiB) is sent ahead', async () => {
    const channel = new UnaryChannel({ target, tls: false });
    const request = '640:65536:ok'; // 40 MiB in 64 KiB messages
    try {
      const messages = channel.serverStream('/test.S/stream', Buffer.from(request));
      expect((await messages.next()).done).toBe(false);
      // the consumer stalls; the server writes until flow control stops it
      let before = -1;
      for (let i = 0; i < 50 && written.get(request) !== before; i++) {
        before = written.get(request) ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const stalledAt = written.get(request)!;
      // 8 MiB of window = 128 messages, plus what grpc-js and the sockets buffer; far from all 640
      expect(stalledAt).toBeLessThan(320);
      const rest: number[] = [];
      for await (const message of messages) rest.push(message.readUInt32BE(0));
      expect(rest).toEqual([...Array(639).keys()].map((i) => i + 1));
    } finally {
      channel.close();
    }
  });

  it('ends DEADLINE_EXCEEDED at its deadline, after the messages that came', async () => {
    const channel = new UnaryChannel({ target, tls: false });
    try {
      const seen: number[] = [];
      const failure = await (async () => {
        for await (const message of channel.serverStream('/test.S/stream', Buffer.from('2:8:hang'), { timeoutMs: 300 })) seen.push(message.readUInt32BE(0));
      })().catch((error: unknown) => error);
      expect(seen).toEqual([0, 1]);
      expect((failure as GrpcCallError).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    } finally {
      channel.close();
    }
  });

  it('gzip both ways, and an unknown path: UNIMPLEMENTED before any message', async () => {
    const gzipped = new Server({ 'grpc.default_compression_algorithm': 2 });
    gzipped.addService(
      { stream: { path: '/test.S/stream', requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      { stream },
    );
    const port = await new Promise<number>((resolve, reject) => gzipped.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const channel = new UnaryChannel({ target: `127.0.0.1:${port}`, tls: false, compression: 'gzip' });
    try {
      expect(indexes(await collect(channel, '50:100:ok'))).toEqual([...Array(50).keys()]);
      const missing = await (async () => {
        for await (const _message of channel.serverStream('/test.S/none', Buffer.from('x'))) throw new Error('no message expected');
      })().catch((error: unknown) => error);
      expect((missing as GrpcCallError).code).toBe(GrpcStatus.UNIMPLEMENTED);
    } finally {
      channel.close();
      gzipped.forceShutdown();
    }
  });
});

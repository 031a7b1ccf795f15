/**
 * The HTTP/2 unary channel against peers that misbehave in the ways a gRPC client must read:
 * bare node:http2 servers for what grpc-js servers never send (trailers-only errors with odd
 * messages, HTTP errors, compressed responses, resets, GOAWAY), a grpc-js server for the rest.
 * What any gRPC client owes its peer runs over both executor transports (the grpc-js one must
 * answer alike); the own client's HTTP/2 details run over it alone. Where grpc-js words a failure
 * otherwise (deadline, connection refused, GOAWAY details), the shared tests check what both say.
 */
import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status as GrpcStatus } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import type net from 'node:net';
import http2, { type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { rawService } from '../grpc/raw-service.js';
import { ErrorCode, Flag, frame as http2Frame, FrameType, Setting, settingsFrame, wordsFrame } from '../http2/frame.js';
import { encodeHeaderBlock } from '../http2/hpack-encoder.js';
import { literalBlock } from '../../../test/support/hpack-reference-encoder.js';
import { rawHttp2Peer, type RawFrame } from '../../../test/support/raw-http2-peer.js';
import { GrpcCallError, UnaryChannel, type UnaryChannelOptions } from './unary-channel.js';
import { channelOptions } from './grpc-options.js';
import { GrpcJsUnaryChannel } from './grpc-js-unary-channel.js';

type Channel = Pick<UnaryChannel, 'call' | 'close'>;

/**
 * Each executor transport's unary channel from the own channel's options; grpc-js gets them as
 * the channel options DeploymentClient gives it (without keepalive pings unless asked).
 */
const TRANSPORTS: Array<[string, (options: UnaryChannelOptions) => Channel]> = [
  ['own', (options) => new UnaryChannel(options)],
  [
    'grpc-js',
    (options) =>
      new GrpcJsUnaryChannel({
        target: options.target,
        tls: options.tls,
        rootCerts: options.rootCerts,
        headers: options.headers,
        channelOptions: channelOptions({
          'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? -1,
          ...(options.maxReceiveMessageLength === undefined ? {} : { 'grpc.max_receive_message_length': options.maxReceiveMessageLength }),
        }, options.compression),
      }),
  ],
];

const closers: Array<() => void> = [];
afterAll(() => {
  for (const close of closers) close();
});

function frame(message: Buffer, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * A raw HTTP/2 peer (test/support/raw-http2-peer.ts) that hands every frame the client sends to
 * `onFrame`; closed after the tests.
 */
async function rawPeer(onFrame: (frame: RawFrame, socket: net.Socket) => void): Promise<string> {
  const peer = await rawHttp2Peer(onFrame);
  closers.push(() => void peer.close());
  return peer.target;
}

/** A whole unary answer: `:status 200`, the message, `grpc-status 0`. */
function rawAnswer(stream: number, message: Buffer): Buffer {
  return Buffer.concat([
    http2Frame(FrameType.HEADERS, Flag.END_HEADERS, stream, encodeHeaderBlock([[':status', '200']])),
    http2Frame(FrameType.DATA, 0, stream, frame(message)),
    http2Frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, stream, encodeHeaderBlock([['grpc-status', '0']])),
  ]);
}

/** A bare HTTP/2 server; `handle` answers each stream once its request body has arrived. */
async function bareServer(handle: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer) => void): Promise<{ target: string; server: Http2Server }> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => handle(stream, headers, Buffer.concat(chunks)));
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { target: `127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

function okReply(stream: ServerHttp2Stream, message: Buffer, trailers: Record<string, string> = {}, headers: Record<string, string> = {}): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...headers }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', ...trailers }));
  stream.end(frame(message));
}

/** The error a call that must fail failed with. */
async function failed(call: Promise<unknown>): Promise<GrpcCallError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrpcCallError);
  return error as GrpcCallError;
}

async function callError(channel: Channel, options = {}): Promise<GrpcCallError> {
  const error = await channel.call('/x.Y/z', Buffer.from('hi'), options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GrpcCallError);
  return error as GrpcCallError;
}

describe.each(TRANSPORTS)('unary channel, transport %s: what any gRPC client owes its peer', (transport, open) => {
  it('sends the gRPC request headers, its own headers and the deadline, and reads the trailers', async () => {
    let seen: IncomingHttpHeaders = {};
    let body: Buffer = Buffer.alloc(0);
    const { target } = await bareServer((stream, headers, received) => {
      seen = headers;
      body = received;
      okReply(stream, Buffer.from('pong'), { 'is-error': 'true' });
    });
    const channel = open({ target, tls: false, headers: { tenant: 'acme' } });
    closers.push(() => channel.close());
    const response = await channel.call('/jina.JinaSingleDataRequestRPC/process_single_data', Buffer.from('ping'), {
      headers: { endpoint: '/encode' },
      timeoutMs: 1500,
    });
    expect(response.message.toString()).toBe('pong');
    expect(response.trailers['is-error']).toBe('true');
    expect(seen).toMatchObject({
      ':method': 'POST',
      ':path': '/jina.JinaSingleDataRequestRPC/process_single_data',
      'content-type': 'application/grpc',
      te: 'trailers',
      endpoint: '/encode',
      tenant: 'acme',
    });
    // the time left when the call goes out: grpc-js counts the connection's setup off it
    const timeout = String(seen['grpc-timeout']);
    expect(timeout).toMatch(/^\d+m$/);
    expect(Number.parseInt(timeout, 10)).toBeGreaterThan(0);
    expect(Number.parseInt(timeout, 10)).toBeLessThanOrEqual(1500);
    expect(body.equals(frame(Buffer.from('ping')))).toBe(true);
  });

  it('sends a large message without losing a byte (prefix and payload written apart)', async () => {
    const { target } = await bareServer((stream, _headers, body) => okReply(stream, body.subarray(5)));
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const response = await channel.call('/x.Y/z', payload);
    expect(response.message.equals(payload)).toBe(true);
  });

  it('reads a trailers-only error with its percent-encoded message and its metadata', async () => {
    // encoded as grpc-core encodes (bytes outside printable ASCII, and %); grpc-js reads the message
    // with decodeURI, so a needlessly encoded reserved character (%3A) would stay encoded there
    const { target } = await bareServer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '3', 'grpc-message': 'bad%20field: %C3%A9', why: 'because' }, { endStream: true });
    });
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    const error = await callError(channel);
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toBe('bad field: é');
    expect(error.metadata.get('why')).toEqual(['because']);
    expect(error.message).toBe('3 INVALID_ARGUMENT: bad field: é');
  });

  it.each([
    [404, GrpcStatus.UNIMPLEMENTED],
    [503, GrpcStatus.UNAVAILABLE],
    [500, GrpcStatus.UNKNOWN],
  ])('maps HTTP status %i without grpc-status to gRPC code %i', async (httpStatus, code) => {
    const { target } = await bareServer((stream) => {
      stream.respond({ ':status': httpStatus }, { endStream: true });
    });
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    const error = await callError(channel);
    expect(error.code).toBe(code);
    expect(error.details).toBe(`Received HTTP status code ${httpStatus}`);
  });

  it('maps a stream reset by the peer, and a connection that cannot be made names the address', async () => {
    const { target } = await bareServer((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    expect((await callError(channel)).code).toBe(GrpcStatus.UNAVAILABLE);

    const nowhere = open({ target: '127.0.0.1:1', tls: false });
    const refused = await callError(nowhere);
    expect(refused.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(refused.details).toContain('ECONNREFUSED 127.0.0.1:1');
    nowhere.close();
  });

  it('decompresses a gzip response', async () => {
    const { target } = await bareServer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(gzipSync(Buffer.from('squeezed')), true));
    });
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    expect((await channel.call('/x.Y/z', Buffer.from('a'))).message.toString()).toBe('squeezed');
  });

  it('a GOAWAY too_many_pings fails the call the peer took (own: UNAVAILABLE naming the address; grpc-js: RESOURCE_EXHAUSTED); the next call opens a new connection', async () => {
    let streams = 0;
    const { target } = await bareServer((stream) => {
      streams++;
      if (streams === 1) {
        stream.session!.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, stream.id, Buffer.from('too_many_pings'));
        stream.session!.destroy();
      } else okReply(stream, Buffer.from('again'));
    });
    const channel = open({ target, tls: false });
    closers.push(() => channel.close());
    const error = await callError(channel);
    // grpc-js reads the stream's end as RST_STREAM ENHANCE_YOUR_CALM; ours as the connection going
    // away under a call the peer may have run, as grpc-core does (and Jina's rule retries it)
    if (transport === 'own') {
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error.details).toBe(`${target}: GOAWAY ENHANCE_YOUR_CALM received (too_many_pings)`);
    } else {
      expect(error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(/^Bandwidth exhausted/);
    }
    expect((await channel.call('/x.Y/z', Buffer.from('a'))).message.toString()).toBe('again');
  });

  it('deadline, abort and the receive limit end the call on the client', async () => {
    const { target } = await bareServer((stream, headers) => {
      if (headers[':path'] === '/x.Y/big') okReply(stream, Buffer.alloc(2048));
      // otherwise never answers
    });
    const channel = open({ target, tls: false, maxReceiveMessageLength: 1024 });
    closers.push(() => channel.close());
    const late = await callError(channel, { timeoutMs: 50 });
    expect([late.code, late.details]).toEqual([GrpcStatus.DEADLINE_EXCEEDED, expect.stringMatching(/^Deadline exceeded/)]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const aborted = await callError(channel, { signal: controller.signal });
    expect(aborted.code).toBe(GrpcStatus.CANCELLED);
    const big = await failed(channel.call('/x.Y/big', Buffer.from('a')));
    expect(big.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('talks to a grpc-js server: status, message and trailers of a real gRPC peer', async () => {
    const server = new Server();
    server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
      process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        if (call.request.toString() === 'fail') return callback({ code: GrpcStatus.NOT_FOUND, details: 'no such endpoint' });
        const trailer = new Metadata();
        trailer.set('is-error', 'true');
        callback(null, Buffer.concat([Buffer.from('echo:'), call.request]), trailer);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    closers.push(() => server.forceShutdown());
    const channel = open({ target: `127.0.0.1:${port}`, tls: false, compression: 'gzip' });
    closers.push(() => channel.close());
    const path = '/jina.JinaSingleDataRequestRPC/process_single_data';
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => channel.call(path, Buffer.from(`m${i}`))));
    expect(answers.map((answer) => answer.message.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `echo:m${i}`));
    expect(answers[0]!.trailers['is-error']).toBe('true');
    const error = await failed(channel.call(path, Buffer.from('fail')));
    expect([error.code, error.details]).toEqual([GrpcStatus.NOT_FOUND, 'no such endpoint']);
  });

  it('a grpc-js server shutting down gracefully finishes the call in flight; a call after it fails naming the address', async () => {
    const server = new Server();
    let started: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (started = resolve));
    server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
      process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        started();
        setTimeout(() => callback(null, Buffer.concat([Buffer.from('late:'), call.request])), 300);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    closers.push(() => server.forceShutdown());
    const channel = open({ target: `127.0.0.1:${port}`, tls: false });
    closers.push(() => channel.close());
    const path = '/jina.JinaSingleDataRequestRPC/process_single_data';
    const inFlight = channel.call(path, Buffer.from('a'));
    await handling;
    const shutDown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    expect((await inFlight).message.toString()).toBe('late:a');
    await shutDown;
    const after = await failed(channel.call(path, Buffer.from('b')));
    expect(after.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(after.details).toContain(`127.0.0.1:${port}`);
  });
});

describe('UnaryChannel (own transport): its own HTTP/2', () => {
  it('decompresses a gzip response and refuses one it cannot read', async () => {
    const { target } = await bareServer((stream, headers) => {
      const unknown = headers[':path'] === '/x.Y/unknown';
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': unknown ? 'snappy' : 'gzip' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(gzipSync(Buffer.from('squeezed')), true));
    });
    const channel = new UnaryChannel({ target, tls: false });
    closers.push(() => channel.close());
    expect((await channel.call('/x.Y/z', Buffer.from('a'))).message.toString()).toBe('squeezed');
    const error = await failed(channel.call('/x.Y/unknown', Buffer.from('a')));
    expect(error.code).toBe(GrpcStatus.INTERNAL);
    expect(error.details).toMatch(/unsupported encoding "snappy"/);
  });

  it('refuses a response without a message, a truncated one and two messages', async () => {
    const { target } = await bareServer((stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const path = headers[':path'];
      if (path === '/x.Y/none') stream.end();
      else if (path === '/x.Y/truncated') stream.end(frame(Buffer.from('abcdef')).subarray(0, 8));
      else stream.end(Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('b'))]));
    });
    const channel = new UnaryChannel({ target, tls: false });
    closers.push(() => channel.close());
    const none = await failed(channel.call('/x.Y/none', Buffer.from('a')));
    expect([none.code, none.details]).toEqual([GrpcStatus.UNIMPLEMENTED, 'No message received']);
    const truncated = await failed(channel.call('/x.Y/truncated', Buffer.from('a')));
    expect([truncated.code, truncated.details]).toEqual([GrpcStatus.INTERNAL, 'Truncated message']);
    const two = await failed(channel.call('/x.Y/two', Buffer.from('a')));
    expect([two.code, two.details]).toEqual([GrpcStatus.INTERNAL, 'Too many responses received']);
  });

  it('an idle channel does not keep the process alive; a call in flight does', async () => {
    // a child process that opens a channel, makes a call that the server answers after 300 ms,
    // then goes idle: it must print the answer and exit by itself
    const { target } = await bareServer((stream) => setTimeout(() => okReply(stream, Buffer.from('late')), 300));
    const here = fileURLToPath(new URL('./unary-channel.ts', import.meta.url));
    // the sources import each other as .js (compiled names): map them to the .ts files
    const script = `
      const { registerHooks } = await import('node:module');
      registerHooks({
        resolve(specifier, context, next) {
          try {
            return next(specifier, context);
          } catch (error) {
            if (!specifier.endsWith('.js')) throw error;
            return next(specifier.slice(0, -3) + '.ts', context);
          }
        },
      });
      const { UnaryChannel } = await import(${JSON.stringify(here)});
      const channel = new UnaryChannel({ target: ${JSON.stringify(target)}, tls: false, keepaliveTimeMs: 1000, keepaliveWithoutCalls: true });
      const response = await channel.call('/x.Y/z', Buffer.from('a'));
      console.log(response.message.toString());
    `;
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 10_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(output.trim()).toBe('late');
    expect(exitCode).toBe(0);
  });

  describe('HTTP/2 as a peer may speak it', () => {
    /** A bare server with its own settings and options; by default it echoes each call's message. */
    async function echoServer(options: http2.ServerOptions, reply: (stream: ServerHttp2Stream, body: Buffer) => void = (stream, body) => okReply(stream, body.subarray(5))) {
      const server = http2.createServer(options);
      server.on('stream', (stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => reply(stream, Buffer.concat(chunks)));
        stream.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => server.close());
      return `127.0.0.1:${(server.address() as { port: number }).port}`;
    }

    it('waits for WINDOW_UPDATE when a request is larger than the peer\'s windows, and keeps every byte', async () => {
      // 1 KiB stream windows and the default 64 KiB connection window against 300 KiB requests
      const target = await echoServer({ settings: { initialWindowSize: 1024 } });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const payloads = [0, 1, 2].map((seed) => Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7 + seed) & 0xff)));
      const answers = await Promise.all(payloads.map((payload) => channel.call('/x.Y/z', payload)));
      answers.forEach((answer, i) => expect(answer.message.equals(payloads[i]!)).toBe(true));
    });

    it('acknowledges the peer\'s SETTINGS before sending under them (larger frames and windows only after the ACK)', async () => {
      // a strict peer, as grpc-core is: its SETTINGS (1 MiB frames, 4 MiB windows) come after the
      // call has started under the defaults, and until our ACK arrives every DATA frame must fit
      // 16 KiB and the stream's DATA the default 64 KiB window
      const violations: string[] = [];
      let acked = false;
      let settingsSent = false;
      let dataBeforeAck = 0;
      let received = 0;
      const target = await rawPeer((frame, socket) => {
        if (frame.type === FrameType.SETTINGS && frame.flags & Flag.ACK) acked = true;
        if (frame.type === FrameType.HEADERS && !settingsSent) {
          settingsSent = true;
          const settings = settingsFrame([
            [Setting.MAX_FRAME_SIZE, 1024 * 1024],
            [Setting.INITIAL_WINDOW_SIZE, 4 * 1024 * 1024],
          ]);
          socket.write(Buffer.concat([settings, wordsFrame(FrameType.WINDOW_UPDATE, 0, 0, 16 * 1024 * 1024)]));
        }
        if (frame.type !== FrameType.DATA) return;
        received += frame.payload.length;
        if (!acked) {
          dataBeforeAck += frame.payload.length;
          if (frame.payload.length > 16_384) violations.push(`a ${frame.payload.length}-byte DATA frame before the ACK`);
        }
        if (frame.flags & Flag.END_STREAM) socket.write(rawAnswer(frame.stream, Buffer.from('done')));
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const answer = await channel.call('/x.Y/z', Buffer.alloc(3 * 1024 * 1024, 7));
      expect(answer.message.toString()).toBe('done');
      expect(received).toBe(3 * 1024 * 1024 + 5);
      expect(violations).toEqual([]);
      expect(dataBeforeAck).toBeLessThanOrEqual(65_535);
    });

    it('a peer that answers before the whole request went out gets RST_STREAM NO_ERROR, not a stream left open', async () => {
      // the peer answers on the call's HEADERS; the default 64 KiB window holds back most of the body
      const resets: Array<[stream: number, code: number]> = [];
      let gotReset: () => void = () => undefined;
      const reset = new Promise<void>((resolve) => (gotReset = resolve));
      const target = await rawPeer((frame, socket) => {
        if (frame.type === FrameType.HEADERS) socket.write(rawAnswer(frame.stream, Buffer.from('early')));
        if (frame.type === FrameType.RST_STREAM) {
          resets.push([frame.stream, frame.payload.readUInt32BE(0)]);
          gotReset();
        }
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      expect((await channel.call('/x.Y/z', Buffer.alloc(300 * 1024))).message.toString()).toBe('early');
      await reset;
      expect(resets).toEqual([[1, 0]]);
    });

    it('keeps to the peer\'s MAX_CONCURRENT_STREAMS: calls beyond it wait for a free stream', async () => {
      let open = 0;
      let most = 0;
      const target = await echoServer({ settings: { maxConcurrentStreams: 2 } }, (stream, body) => {
        open++;
        most = Math.max(most, open);
        setTimeout(() => {
          open--;
          okReply(stream, body.subarray(5));
        }, 10);
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      // the first call lets the server's SETTINGS arrive before the flood
      await channel.call('/x.Y/z', Buffer.from('first'));
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => channel.call('/x.Y/z', Buffer.from(`m${i}`))));
      expect(answers.map((answer) => answer.message.toString())).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
      expect(most).toBe(2);
    });

    it('reads padded frames, and trailers split into CONTINUATION frames', async () => {
      const big = 'v'.repeat(40_000);
      const target = await echoServer({ paddingStrategy: http2.constants.PADDING_STRATEGY_MAX }, (stream, body) => okReply(stream, body.subarray(5), { 'is-error': 'false', big }));
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      for (let i = 0; i < 3; i++) {
        const answer = await channel.call('/x.Y/z', Buffer.from(`padded ${i}`));
        expect(answer.message.toString()).toBe(`padded ${i}`);
        expect(answer.trailers['big']).toBe(big);
        expect(answer.trailers['is-error']).toBe('false');
      }
    });

    it('a graceful GOAWAY lets the calls the peer took finish; the next call opens a new connection', async () => {
      let sessions = 0;
      const server = http2.createServer();
      server.on('session', () => sessions++);
      server.on('stream', (stream, headers) => {
        stream.on('data', () => undefined);
        stream.on('error', () => undefined);
        stream.on('end', () => {
          if (headers[':path'] === '/x.Y/last') {
            // tells the client this stream is the last it serves, then answers it
            stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id);
            setTimeout(() => okReply(stream, Buffer.from('served')), 20);
          } else okReply(stream, Buffer.from('fresh'));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(() => server.close());
      const channel = new UnaryChannel({ target: `127.0.0.1:${(server.address() as { port: number }).port}`, tls: false });
      closers.push(() => channel.close());
      expect((await channel.call('/x.Y/last', Buffer.from('a'))).message.toString()).toBe('served');
      expect((await channel.call('/x.Y/z', Buffer.from('b'))).message.toString()).toBe('fresh');
      expect(sessions).toBe(2);
    });

    /** A raw peer that answers each call with HEADERS :status 200, the message echoed, and `trailers` (any names and values). */
    async function trailersPeer(trailers: ReadonlyArray<readonly [string, string]>): Promise<string> {
      return rawPeer((received, socket) => {
        if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
        socket.write(
          Buffer.concat([
            http2Frame(FrameType.HEADERS, Flag.END_HEADERS, received.stream, encodeHeaderBlock([[':status', '200']])),
            http2Frame(FrameType.DATA, 0, received.stream, frame(received.payload.subarray(5))),
            http2Frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, received.stream, literalBlock(trailers)),
          ]),
        );
      });
    }

    // found by unary-channel.fuzz.test.ts
    it('a grpc-status that is no gRPC code fails the call UNKNOWN naming it, never as OK or as code NaN', async () => {
      for (const status of ['', 'abc', '99', ' 0', '0x0', '1e1']) {
        const channel = new UnaryChannel({ target: await trailersPeer([['grpc-status', status]]), tls: false });
        closers.push(() => channel.close());
        const error = await failed(channel.call('/x.Y/z', Buffer.from('a')));
        expect(error.code).toBe(GrpcStatus.UNKNOWN);
        expect(error.details).toBe(`Invalid grpc-status ${JSON.stringify(status)} received`);
      }
    });

    // found by unary-channel.fuzz.test.ts: grpc-js's Metadata.add threw from the socket's data handler, an uncaught exception
    it('error trailers that are no gRPC metadata (a space in the key, a control octet in the value) are left out; the process lives on', async () => {
      const target = await trailersPeer([['grpc-status', '13'], ['grpc-message', 'boom'], ['a b', '1'], ['X-Upper', '2'], ['x-control', 'a\u0001b'], ['x-fine', 'kept']]);
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const error = await failed(channel.call('/x.Y/z', Buffer.from('a')));
      expect(error.code).toBe(GrpcStatus.INTERNAL);
      expect(error.details).toBe('boom');
      // grpc-js lower-cases keys, so X-Upper is kept as x-upper
      expect(error.metadata.getMap()).toEqual({ 'x-upper': '2', 'x-fine': 'kept' });
    });

    // found by unary-channel.fuzz.test.ts: the fields were a plain object, so `constructor` was already "there" and the connection failed
    it('trailers named like an object\'s own keys (constructor, __proto__, toString) are trailers like any other', async () => {
      const target = await trailersPeer([['grpc-status', '0'], ['constructor', 'c'], ['__proto__', 'p'], ['tostring', 't'], ['toString', 'T']]);
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const answer = await channel.call('/x.Y/z', Buffer.from('own keys'));
      expect(answer.message.toString()).toBe('own keys');
      expect(Object.entries(answer.trailers)).toEqual([['grpc-status', '0'], ['constructor', 'c'], ['__proto__', 'p'], ['tostring', 't'], ['toString', 'T']]);
    });

    it('a SETTINGS_INITIAL_WINDOW_SIZE that takes an open stream\'s window past 2^31-1 is a FLOW_CONTROL_ERROR', async () => {
      let goaway: number | undefined;
      const target = await rawPeer((received, socket) => {
        if (received.type === FrameType.GOAWAY) goaway = received.payload.readUInt32BE(4);
        if (received.type !== FrameType.HEADERS) return;
        // the window (less the 7 bytes of the request) grows to nearly 2^31-1, then the initial size by 100
        socket.write(Buffer.concat([wordsFrame(FrameType.WINDOW_UPDATE, 0, received.stream, 2 ** 31 - 1 - 65_535), settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 65_535 + 100]])]));
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const error = await failed(channel.call('/x.Y/z', Buffer.from('a')));
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error.details).toMatch(/SETTINGS_INITIAL_WINDOW_SIZE takes stream 1's window past 2\^31-1/);
      await expect.poll(() => goaway).toBe(0x3);
    });

    it('a header block in endless empty CONTINUATION frames ends the connection (ENHANCE_YOUR_CALM), not our memory', async () => {
      let goaway: number | undefined;
      const target = await rawPeer((received, socket) => {
        if (received.type === FrameType.GOAWAY) goaway = received.payload.readUInt32BE(4);
        if (received.type !== FrameType.HEADERS) return;
        const empty = http2Frame(FrameType.CONTINUATION, 0, received.stream);
        socket.write(Buffer.concat([http2Frame(FrameType.HEADERS, 0, received.stream, encodeHeaderBlock([[':status', '200']])), ...Array.from({ length: 10_000 }, () => empty)]));
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const error = await failed(channel.call('/x.Y/z', Buffer.from('a')));
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(error.details).toMatch(/more than 256 CONTINUATION frames/);
      await expect.poll(() => goaway).toBe(0xb);
    });

    it('a header value HTTP/2 cannot carry fails the call, not the connection', async () => {
      const target = await echoServer({});
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const error = await failed(channel.call('/x.Y/z', Buffer.from('a'), { headers: { endpoint: 'a\r\nb' } }));
      expect(error.code).toBe(GrpcStatus.INTERNAL);
      expect(error.details).toMatch(/endpoint/);
      expect((await channel.call('/x.Y/z', Buffer.from('ok'))).message.toString()).toBe('ok');
    });
  });

  describe('calls the peer did not process are sent again, once (gRFC A6 transparent retry)', () => {
    const MAX_STREAM_ID = 2 ** 31 - 1;

    function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
      const payload = Buffer.alloc(8 + Buffer.byteLength(debug));
      payload.writeUInt32BE(lastStreamId, 0);
      payload.writeUInt32BE(code, 4);
      payload.write(debug, 8);
      return http2Frame(FrameType.GOAWAY, 0, 0, payload);
    }

    /**
     * A raw peer that records, per connection (in order), the streams whose request arrived whole,
     * and hands each to `onCall` with its message; `connections[i]` is the i-th connection's list.
     */
    async function callsPeer(onCall: (call: { connection: number; stream: number; message: Buffer; seen: number[] }, socket: net.Socket) => void) {
      const connections: number[][] = [];
      const sockets: net.Socket[] = [];
      const target = await rawPeer((received, socket) => {
        let index = sockets.indexOf(socket);
        if (index < 0) {
          index = sockets.push(socket) - 1;
          connections.push([]);
        }
        if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
        const seen = connections[index]!;
        seen.push(received.stream);
        onCall({ connection: index, stream: received.stream, message: Buffer.from(received.payload.subarray(5)), seen }, socket);
      });
      return { target, connections, sockets };
    }

    it.each([
      ['one GOAWAY', [1]],
      ['a double GOAWAY: 2^31-1 first, then the real last stream id, as gRPC servers send it', [MAX_STREAM_ID, 1]],
    ])('a graceful GOAWAY (%s): the call it took finishes there; the calls past its last stream id go to a new connection and succeed', async (_what, lasts) => {
      const peer = await callsPeer((call, socket) => {
        if (call.connection > 0) return socket.write(rawAnswer(call.stream, call.message));
        // the first connection takes three calls, says it keeps only the first, then answers it
        if (call.seen.length === 3) socket.write(Buffer.concat([...lasts.map((last) => goawayFrame(last, ErrorCode.NO_ERROR)), rawAnswer(1, Buffer.from('served'))]));
      });
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      const answers = await Promise.all(['a', 'b', 'c'].map((text) => channel.call('/x.Y/z', Buffer.from(text))));
      expect(answers.map((answer) => answer.message.toString())).toEqual(['served', 'b', 'c']);
      expect(peer.connections).toEqual([[1, 3, 5], [1, 3]]);
    });

    it('once only: a call past the last stream id of a second GOAWAY too fails UNAVAILABLE naming the address', async () => {
      const peer = await callsPeer((_call, socket) => socket.write(goawayFrame(0, ErrorCode.NO_ERROR, 'draining')));
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      const error = await failed(channel.call('/x.Y/z', Buffer.from('a')));
      expect([error.code, error.details]).toEqual([GrpcStatus.UNAVAILABLE, `${peer.target}: GOAWAY NO_ERROR received (draining)`]);
      expect(peer.connections).toEqual([[1], [1]]);
    });

    it('a GOAWAY for an error (INTERNAL_ERROR): the calls the peer took fail UNAVAILABLE naming the address; the ones past it are sent again and succeed', async () => {
      const peer = await callsPeer((call, socket) => {
        if (call.connection > 0) return socket.write(rawAnswer(call.stream, call.message));
        if (call.seen.length === 3) socket.end(goawayFrame(3, ErrorCode.INTERNAL_ERROR, 'boom'));
      });
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((text) => channel.call('/x.Y/z', Buffer.from(text))));
      for (const taken of outcomes.slice(0, 2)) {
        expect(taken.status).toBe('rejected');
        const error = (taken as PromiseRejectedResult).reason as GrpcCallError;
        expect([error.code, error.details]).toEqual([GrpcStatus.UNAVAILABLE, `${peer.target}: GOAWAY INTERNAL_ERROR received (boom)`]);
      }
      expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { message: Buffer.from('c') } });
      expect(peer.connections).toEqual([[1, 3, 5], [1]]);
    });

    it('a channel closed while its calls run (DeploymentClient replacing it) still sends the ones a GOAWAY did not take elsewhere, on a connection that closes after them', async () => {
      let close: () => void = () => undefined;
      const peer = await callsPeer((call, socket) => {
        if (call.connection > 0) return socket.write(rawAnswer(call.stream, call.message));
        if (call.seen.length === 2) close();
      });
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      const answers = Promise.all(['a', 'b'].map((text) => channel.call('/x.Y/z', Buffer.from(text))));
      await new Promise<void>((resolve) => (close = resolve));
      channel.close();
      peer.sockets[0]!.write(Buffer.concat([goawayFrame(1, ErrorCode.NO_ERROR), rawAnswer(1, Buffer.from('served'))]));
      expect((await answers).map((answer) => answer.message.toString())).toEqual(['served', 'b']);
      expect(peer.connections).toEqual([[1, 3], [1]]);
      const second = peer.sockets[1]!;
      if (!second.destroyed) await new Promise((resolve) => second.once('close', resolve));
      await failed(channel.call('/x.Y/z', Buffer.from('after')));
    });

    it('a stream refused with RST_STREAM REFUSED_STREAM is sent again on the same connection and succeeds', async () => {
      const peer = await callsPeer((call, socket) => {
        if (call.seen.length === 1) socket.write(wordsFrame(FrameType.RST_STREAM, 0, call.stream, ErrorCode.REFUSED_STREAM));
        else socket.write(rawAnswer(call.stream, call.message));
      });
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      expect((await channel.call('/x.Y/z', Buffer.from('again'))).message.toString()).toBe('again');
      expect(peer.connections).toEqual([[1, 3]]);
    });

    it('SETTINGS_MAX_CONCURRENT_STREAMS 0: a call waits, unsent, and ends DEADLINE_EXCEEDED at its deadline; one still waiting when a GOAWAY comes goes to a new connection', async () => {
      const peer = await callsPeer((call, socket) => {
        // the first connection's first call is answered with SETTINGS that allow no more streams
        if (call.connection === 0) socket.write(Buffer.concat([settingsFrame([[Setting.MAX_CONCURRENT_STREAMS, 0]]), rawAnswer(call.stream, call.message)]));
        else socket.write(rawAnswer(call.stream, call.message));
      });
      const channel = new UnaryChannel({ target: peer.target, tls: false });
      closers.push(() => channel.close());
      expect((await channel.call('/x.Y/z', Buffer.from('first'))).message.toString()).toBe('first');
      const late = await failed(channel.call('/x.Y/z', Buffer.from('late'), { timeoutMs: 100 }));
      expect([late.code, late.details]).toEqual([GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded']);
      // queued on the connection (sent in the same tick as it is made, if it could be)
      const waiting = channel.call('/x.Y/z', Buffer.from('waited'));
      peer.sockets[0]!.write(goawayFrame(1, ErrorCode.NO_ERROR));
      expect((await waiting).message.toString()).toBe('waited');
      expect(peer.connections).toEqual([[1], [1]]);
    });

    it('a call still waiting for a stream when the connection ends goes to a new connection; one the peer had fails UNAVAILABLE', async () => {
      const sockets: net.Socket[] = [];
      const calls: string[][] = [];
      let acked = false;
      const target = await rawPeer((received, socket) => {
        if (!sockets.includes(socket)) {
          sockets.push(socket);
          calls.push([]);
        }
        const index = sockets.indexOf(socket);
        if (received.type === FrameType.SETTINGS && received.flags & Flag.ACK) acked = true;
        if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
        calls[index]!.push(received.payload.subarray(5).toString());
        // the first connection takes one call, then allows no more streams, and never answers
        if (index === 0) socket.write(settingsFrame([[Setting.MAX_CONCURRENT_STREAMS, 0]]));
        else socket.write(rawAnswer(received.stream, received.payload.subarray(5)));
      });
      const channel = new UnaryChannel({ target, tls: false });
      closers.push(() => channel.close());
      const taken = failed(channel.call('/x.Y/z', Buffer.from('taken')));
      // the client has applied SETTINGS_MAX_CONCURRENT_STREAMS 0 once it acknowledges it
      while (!acked) await new Promise((resolve) => setImmediate(resolve));
      const queued = channel.call('/x.Y/z', Buffer.from('queued'));
      sockets[0]!.destroy();
      expect((await taken).code).toBe(GrpcStatus.UNAVAILABLE);
      expect((await queued).message.toString()).toBe('queued');
      expect(calls).toEqual([['taken'], ['queued']]);
    });
  });
});

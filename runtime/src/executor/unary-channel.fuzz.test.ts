/**
 * Property tests of the HTTP/2 client session and the unary channel against a hostile peer: a raw
 * socket (test/support/raw-http2-peer.ts) that takes the client's preface and request, then answers
 * with a random script of frames, well-formed or not (wrong lengths, long CONTINUATION chains,
 * window overflows, bad SETTINGS, frames on stream 0 that must not be there, RST_STREAM and GOAWAY
 * at odd moments, truncated bodies, bad grpc-status and trailers, mutated answers), then ends the
 * connection. Whatever it sends, the call settles with a response or a GrpcCallError with a real
 * gRPC code; nothing is thrown past the call (process listeners watch for uncaught exceptions and
 * unhandled rejections); a channel to a well-behaved peer keeps working; and the closed channel
 * leaves no socket open. A fixed seed unless FUZZ_SEED is given; `make fuzz` runs many more cases.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { type EncodedField, type Field, literalBlock, ReferenceHpackEncoder, type Representation } from '../../../test/support/hpack-reference-encoder.js';
import { type RawHttp2Peer, rawHttp2Peer } from '../../../test/support/raw-http2-peer.js';
import { Flag, frame, FrameType, writeFrameHeader } from '../http2/frame.js';
import { encodeHeaderBlock } from '../http2/hpack-encoder.js';
import { GrpcCallError, UnaryChannel, type UnaryResponse } from './unary-channel.js';

const MAX_STREAM_ID = 2 ** 31 - 1;

/** Which stream a frame goes to: the call's, 0, one the client never opened, or any. */
type StreamChoice = 'own' | 'zero' | 'next' | number;

/** One step of the peer's script, as data (a failing case prints it). */
type Step =
  | { kind: 'headers'; fields: Field[]; endStream: boolean; stream: StreamChoice; pieces: number; padding: number | undefined; priority: boolean }
  | { kind: 'data'; body: Uint8Array; grpcFramed: boolean; compressed: number; endStream: boolean; stream: StreamChoice; padding: number | undefined }
  | { kind: 'continuation-chain'; frames: number; bytes: number; endHeaders: boolean; stream: StreamChoice }
  | { kind: 'rst'; stream: StreamChoice; code: number; length: number }
  | { kind: 'goaway'; stream: StreamChoice; lastStream: StreamChoice; code: number; debug: string; length: number | undefined }
  | { kind: 'window-update'; stream: StreamChoice; increment: number; length: number }
  | { kind: 'settings'; stream: StreamChoice; ack: boolean; pairs: Array<[number, number]>; extra: number }
  | { kind: 'ping'; ack: boolean; length: number }
  | { kind: 'raw'; type: number; flags: number; stream: StreamChoice; payload: Uint8Array }
  | { kind: 'bad-length'; type: number; stream: StreamChoice; declared: number; actual: number }
  | { kind: 'mutated-answer'; status: string; message: Uint8Array; mutations: Array<{ at: number; octet: number | undefined }> };

interface Script {
  steps: Step[];
  /** How the peer leaves: FIN, a reset socket, or staying open (the call's deadline ends it). */
  ending: 'end' | 'destroy' | 'stay';
}

const u32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 16_383, 16_384, 16_777_215, 16_777_216), fc.nat({ max: 2 ** 32 - 1 }));
const stream: fc.Arbitrary<StreamChoice> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('own' as const) },
  { weight: 1, arbitrary: fc.constantFrom('zero' as const, 'next' as const) },
  { weight: 1, arbitrary: fc.nat({ max: MAX_STREAM_ID }) },
);
const latin1 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength });
const grpcStatus = fc.oneof(fc.constantFrom('0', '1', '2', '5', '13', '14', '16', '17', '99', '-1', '', ' 0', '0x0', '1e1', '4.5', 'abc', 'NaN', '0,0'), latin1(4));
/** Field names that are not what a header name should be: upper case, separators, an object's own keys. */
const hostileName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'X-Upper', 'a b', 'x:y', '', 'x-bin', 'grpc-status'), latin1(10));
const field: fc.Arbitrary<Field> = fc.oneof(
  fc.constantFrom<Field>([':status', '200'], ['content-type', 'application/grpc'], ['grpc-encoding', 'gzip'], ['grpc-encoding', 'deflate'], ['grpc-encoding', 'snappy'], ['is-error', 'true']),
  fc.tuple(fc.constant(':status'), fc.oneof(fc.constantFrom('200', '400', '401', '404', '429', '500', '503', '204', '', 'abc'), latin1(4))),
  fc.tuple(fc.constant('grpc-status'), grpcStatus),
  fc.tuple(fc.constant('grpc-message'), latin1(30)),
  fc.tuple(hostileName, latin1(20)),
  fc.tuple(fc.constantFrom('x-meta', 'x-meta-bin'), latin1(20)),
);
const padding = fc.option(fc.nat({ max: 300 }), { nil: undefined });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('headers' as const), fields: fc.array(field, { maxLength: 6 }), endStream: fc.boolean(), stream, pieces: fc.integer({ min: 1, max: 4 }), padding, priority: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('data' as const), body: fc.uint8Array({ maxLength: 64 }), grpcFramed: fc.boolean(), compressed: fc.constantFrom(0, 1, 2), endStream: fc.boolean(), stream, padding }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('continuation-chain' as const), frames: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(70, 3000)), bytes: fc.constantFrom(0, 1, 100, 16_384), endHeaders: fc.boolean(), stream }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rst' as const), stream, code: u32, length: fc.constantFrom(4, 4, 4, 0, 3, 8) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('goaway' as const), stream: fc.constantFrom<StreamChoice>('zero', 'zero', 'zero', 'own'), lastStream: stream, code: fc.oneof(fc.constantFrom(0, 2, 11), u32), debug: latin1(20), length: fc.option(fc.nat({ max: 7 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('window-update' as const), stream: fc.constantFrom<StreamChoice>('own', 'zero', 'next'), increment: u32, length: fc.constantFrom(4, 4, 4, 0, 5) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settings' as const),
      stream: fc.constantFrom<StreamChoice>('zero', 'zero', 'zero', 'own'),
      ack: fc.boolean(),
      pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), u32), { maxLength: 5 }),
      extra: fc.constantFrom(0, 0, 0, 1, 5),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ping' as const), ack: fc.boolean(), length: fc.constantFrom(8, 8, 0, 7, 9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('raw' as const), type: fc.integer({ min: 0, max: 255 }), flags: fc.integer({ min: 0, max: 255 }), stream, payload: fc.uint8Array({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bad-length' as const), type: fc.integer({ min: 0, max: 10 }), stream, declared: fc.constantFrom(1, 100, 16_384, 16_385, 2 ** 24 - 1), actual: fc.nat({ max: 40 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mutated-answer' as const),
      status: grpcStatus,
      message: fc.uint8Array({ maxLength: 40 }),
      mutations: fc.array(fc.record({ at: fc.nat(), octet: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) }), { maxLength: 3 }),
    }),
  },
);

const script: fc.Arbitrary<Script> = fc.record({
  steps: fc.array(step, { maxLength: 8 }),
  ending: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('end' as const, 'destroy' as const) }, { weight: 1, arbitrary: fc.constant('stay' as const) }),
});

function streamId(choice: StreamChoice, own: number): number {
  return choice === 'own' ? own : choice === 'zero' ? 0 : choice === 'next' ? own + 2 : choice;
}

function grpcFrame(message: Uint8Array, compressed: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** `content` with the PADDED layout: the pad length octet, the content, the padding (which may claim more than there is). */
function padded(content: Buffer, padding: number): Buffer {
  return Buffer.concat([Buffer.of(padding & 0xff), content, Buffer.alloc(Math.min(padding, 255) % 200)]);
}

/** A well-formed unary answer with `status` as grpc-status. */
function answer(own: number, status: string, message: Uint8Array): Buffer {
  return Buffer.concat([
    frame(FrameType.HEADERS, Flag.END_HEADERS, own, encodeHeaderBlock([[':status', '200'], ['content-type', 'application/grpc']])),
    frame(FrameType.DATA, 0, own, grpcFrame(message, 0)),
    frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, own, literalBlock([['grpc-status', status]])),
  ]);
}

function render(item: Step, own: number): Buffer {
  switch (item.kind) {
    case 'headers': {
      const block = literalBlock(item.fields);
      const size = Math.ceil(block.length / item.pieces);
      const fragments = Array.from({ length: item.pieces }, (_, i) => block.subarray(i * size, (i + 1) * size));
      const id = streamId(item.stream, own);
      let first = fragments[0]!;
      let flags = (item.endStream ? Flag.END_STREAM : 0) | (item.pieces === 1 ? Flag.END_HEADERS : 0);
      if (item.priority) {
        first = Buffer.concat([Buffer.of(0, 0, 0, 0, 16), first]);
        flags |= Flag.PRIORITY;
      }
      if (item.padding !== undefined) {
        first = padded(first, item.padding);
        flags |= Flag.PADDED;
      }
      return Buffer.concat([
        frame(FrameType.HEADERS, flags, id, first),
        ...fragments.slice(1).map((fragment, i) => frame(FrameType.CONTINUATION, i === item.pieces - 2 ? Flag.END_HEADERS : 0, id, fragment)),
      ]);
    }
    case 'data': {
      let payload = item.grpcFramed ? grpcFrame(item.body, item.compressed) : Buffer.from(item.body);
      let flags = item.endStream ? Flag.END_STREAM : 0;
      if (item.padding !== undefined) {
        payload = padded(payload, item.padding);
        flags |= Flag.PADDED;
      }
      return frame(FrameType.DATA, flags, streamId(item.stream, own), payload);
    }
    case 'continuation-chain': {
      const id = streamId(item.stream, own);
      const head = frame(FrameType.HEADERS, 0, id, literalBlock([[':status', '200']]));
      const piece = frame(FrameType.CONTINUATION, 0, id, Buffer.alloc(item.bytes, 0x40));
      const chain = Array.from({ length: item.frames }, () => piece);
      return Buffer.concat([head, ...chain, ...(item.endHeaders ? [frame(FrameType.CONTINUATION, Flag.END_HEADERS, id)] : [])]);
    }
    case 'rst':
      return frame(FrameType.RST_STREAM, 0, streamId(item.stream, own), words([item.code]).subarray(0, item.length));
    case 'goaway': {
      const payload = Buffer.concat([words([streamId(item.lastStream, own), item.code]), Buffer.from(item.debug, 'latin1')]);
      return frame(FrameType.GOAWAY, 0, streamId(item.stream, own), item.length === undefined ? payload : payload.subarray(0, item.length));
    }
    case 'window-update':
      return frame(FrameType.WINDOW_UPDATE, 0, streamId(item.stream, own), Buffer.concat([words([item.increment]), Buffer.alloc(1)]).subarray(0, item.length));
    case 'settings': {
      const payload = Buffer.alloc(6 * item.pairs.length + item.extra);
      item.pairs.forEach(([id, value], i) => {
        payload.writeUInt16BE(id, 6 * i);
        payload.writeUInt32BE(value, 6 * i + 2);
      });
      return frame(FrameType.SETTINGS, item.ack ? Flag.ACK : 0, streamId(item.stream, own), payload);
    }
    case 'ping':
      return frame(FrameType.PING, item.ack ? Flag.ACK : 0, 0, Buffer.alloc(item.length));
    case 'raw':
      return frame(item.type, item.flags, streamId(item.stream, own), Buffer.from(item.payload));
    case 'bad-length': {
      const out = Buffer.alloc(9 + item.actual, 0x41);
      writeFrameHeader(out, 0, item.declared, item.type, 0, streamId(item.stream, own));
      return out;
    }
    case 'mutated-answer': {
      const bytes = answer(own, item.status, item.message);
      for (const { at, octet } of item.mutations) {
        if (octet === undefined) return bytes.subarray(0, at % bytes.length);
        bytes[at % bytes.length] = octet;
      }
      return bytes;
    }
  }
}

function words(values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, 4 * i));
  return out;
}

const HUNG = Symbol('hung');

/** The promise's value, or HUNG if it has not settled after `boundMs` (a hang guard, not a timing assertion). */
async function settledWithin<T>(promise: Promise<T>, boundMs: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), boundMs);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the unary channel against a hostile HTTP/2 peer, property tests', () => {
  const escaped: unknown[] = [];
  const onEscaped = (error: unknown) => escaped.push(error);
  let healthy: RawHttp2Peer;
  let healthyChannel: UnaryChannel;

  /** A peer that answers the stream the client opens with the script, then leaves as it says. */
  function hostilePeer({ steps, ending }: Script): Promise<RawHttp2Peer> {
    return rawHttp2Peer((received, socket) => {
      if (received.type !== FrameType.HEADERS) return;
      const bytes = Buffer.concat(steps.map((item) => render(item, received.stream)));
      if (ending === 'end') socket.end(bytes);
      else if (ending === 'destroy') socket.write(bytes, () => socket.destroy());
      else socket.write(bytes);
    });
  }

  beforeAll(async () => {
    process.on('uncaughtException', onEscaped);
    process.on('unhandledRejection', onEscaped);
    healthy = await rawHttp2Peer((received, socket) => {
      if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
      // the connection window back, as a real peer gives it: thousands of calls outgrow 64 KiB
      socket.write(Buffer.concat([frame(FrameType.WINDOW_UPDATE, 0, 0, words([received.payload.length])), answer(received.stream, '0', received.payload.subarray(5))]));
    });
    healthyChannel = new UnaryChannel({ target: healthy.target, tls: false });
  });

  afterAll(async () => {
    healthyChannel.close();
    await healthy.close();
    process.off('uncaughtException', onEscaped);
    process.off('unhandledRejection', onEscaped);
  });

  it('every script ends the call with a response or a GrpcCallError, for that call only, and leaks no socket', async () => {
    await fc.assert(
      fc.asyncProperty(script, async (given) => {
        escaped.length = 0;
        // a peer per case: what one case leaves behind cannot fail the next
        const hostile = await hostilePeer(given);
        const channel = new UnaryChannel({ target: hostile.target, tls: false });
        try {
          // a script that leaves the connection open ends at the deadline; the others end on their own
          const call = channel.call('/x.Y/z', Buffer.from('hi'), given.ending === 'stay' ? { timeoutMs: 50 } : {}).catch((error: unknown) => error);
          const outcome = await settledWithin(call, 5_000);
          expect(outcome, 'a call the peer ended must not hang').not.toBe(HUNG);
          if (!Buffer.isBuffer((outcome as UnaryResponse).message)) {
            expect(outcome).toBeInstanceOf(GrpcCallError);
            const error = outcome as GrpcCallError;
            expect(GrpcStatus[error.code], `code ${error.code} of "${error.message}"`).toBeDefined();
            expect(error.code).not.toBe(GrpcStatus.OK);
            // the details may be empty (a peer's grpc-status without grpc-message); the message names the code
            expect(error.message).toContain(GrpcStatus[error.code]);
          }
          channel.close();
          await hostile.allClosed(5_000);
          expect(hostile.sockets.size, 'client connections left open after the channel closed').toBe(0);
          expect(escaped.map(String), 'thrown past the call').toEqual([]);
          expect((await healthyChannel.call('/x.Y/z', Buffer.from('still here'))).message.toString()).toBe('still here');
        } finally {
          channel.close();
          await hostile.close();
        }
      }),
      // a run that hangs fails (and shrinks) rather than stalling the test
      { numRuns: fuzzRuns(150), seed: fuzzSeed(), timeout: 15_000 },
    );
  }, 600_000);
  it('well-formed answers, their header blocks in any HPACK form (indexed, Huffman, size updates), give back every trailer as sent', async () => {
    const token = fc.oneof(fc.constantFrom('constructor', '__proto__', 'tostring', 'x-a', 'x-a-bin', 'is-error'), fc.stringMatching(/^[a-z0-9-]{1,8}$/));
    const trailer = fc.tuple(token, fc.stringMatching(/^[ -~]{0,12}$/));
    const representation = fc.record({ representation: fc.constantFrom<Representation>('index', 'incremental', 'without', 'never'), huffman: fc.boolean() });
    const answerCase = fc.record({ message: fc.uint8Array({ maxLength: 40 }), trailers: fc.array(fc.tuple(trailer, representation), { maxLength: 5 }), sizeUpdate: fc.option(fc.constantFrom(0, 100, 4096), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(answerCase, { minLength: 1, maxLength: 4 }), async (answers) => {
        const queue = [...answers];
        const encoder = new ReferenceHpackEncoder();
        const peer = await rawHttp2Peer((received, socket) => {
          if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
          const { trailers, sizeUpdate } = queue.shift()!;
          const fields: EncodedField[] = [['grpc-status', '0'] as const, ...trailers.map(([field]) => field)].map((field, i) => ({ field, ...(i === 0 ? { representation: 'index' as const, huffman: false } : trailers[i - 1]![1]) }));
          socket.write(
            Buffer.concat([
              frame(FrameType.HEADERS, Flag.END_HEADERS, received.stream, encoder.encode([{ field: [':status', '200'], representation: 'index', huffman: false }], sizeUpdate === undefined ? [] : [sizeUpdate])),
              frame(FrameType.DATA, 0, received.stream, received.payload),
              frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, received.stream, encoder.encode(fields)),
            ]),
          );
        });
        const channel = new UnaryChannel({ target: peer.target, tls: false });
        try {
          for (const { message, trailers } of answers) {
            const response = await channel.call('/x.Y/z', Buffer.from(message));
            expect(response.message.equals(Buffer.from(message))).toBe(true);
            const expected = new Map<string, string | string[]>([['grpc-status', '0']]);
            for (const [[name, value]] of trailers) {
              const seen = expected.get(name);
              expected.set(name, seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]);
            }
            expect(new Map(Object.entries(response.trailers))).toEqual(expected);
          }
          expect(escaped.map(String), 'thrown past the call').toEqual([]);
        } finally {
          channel.close();
          await peer.close();
        }
      }),
      { numRuns: fuzzRuns(100), seed: fuzzSeed() },
    );
  }, 600_000);

  it('an answer of many frames cut into reads anywhere (mid-header, mid-frame, byte by byte) arrives whole', async () => {
    const cutCase = fc.record({
      messageBytes: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 60_000, max: 200_000 })),
      // the size of each piece, in turn; 1 is a byte at a time
      // where the answer's bytes are cut: each piece is written, and read, apart from the next
      cuts: fc.array(fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1000, max: 40_000 })), { minLength: 1, maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(cutCase, async ({ messageBytes, cuts }) => {
        const message = Buffer.alloc(messageBytes);
        for (let i = 0; i < messageBytes; i++) message[i] = (i * 31 + 7) & 0xff;
        const peer = await rawHttp2Peer((received, socket) => {
          if (received.type !== FrameType.DATA || !(received.flags & Flag.END_STREAM)) return;
          const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]);
          framed.writeUInt32BE(message.length, 1);
          const frames = [frame(FrameType.HEADERS, Flag.END_HEADERS, received.stream, encodeHeaderBlock([[':status', '200'], ['content-type', 'application/grpc']]))];
          for (let at = 0; at < framed.length; at += 16_384) frames.push(frame(FrameType.DATA, 0, received.stream, framed.subarray(at, at + 16_384)));
          frames.push(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, received.stream, encodeHeaderBlock([['grpc-status', '0']])));
          const answer = Buffer.concat(frames);
          void (async () => {
            let at = 0;
            for (let i = 0; at < answer.length; i++) {
              // at most ~300 pieces, so that a large answer is not written a byte at a time
              const size = Math.max(cuts[i % cuts.length]!, Math.ceil(answer.length / 300));
              socket.write(answer.subarray(at, at + size));
              at += size;
              // a macrotask between pieces: each one is a read of its own on the client
              await new Promise((resolve) => setTimeout(resolve, 0));
            }
          })();
        });
        const channel = new UnaryChannel({ target: peer.target, tls: false });
        try {
          const response = await channel.call('/x.Y/z', Buffer.from('q'));
          expect(response.message.equals(message)).toBe(true);
          expect(escaped.map(String), 'thrown past the call').toEqual([]);
        } finally {
          channel.close();
          await peer.close();
        }
      }),
      { numRuns: fuzzRuns(25), seed: fuzzSeed(), timeout: 30_000, endOnFailure: true },
    );
  }, 600_000);
});

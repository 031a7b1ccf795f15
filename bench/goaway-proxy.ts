/**
 * A TCP proxy between a gateway and its executor that makes the executor's side say GOAWAY when
 * told to, as a server draining its connections would, for bench/faults.ts and test/faults.test.ts.
 * It reads HTTP/2 frames both ways (whole frames only, so anything it adds lands between frames):
 *
 *   graceful  GOAWAY NO_ERROR with the highest stream the client has opened so far as last stream id;
 *   double    GOAWAY NO_ERROR with 2^31-1 and a PING, then, once the client answers the PING, the real
 *             last stream id (what grpc-core servers do: streams the client opened in between are
 *             not processed either);
 *   error     GOAWAY with an error code (INTERNAL_ERROR, ENHANCE_YOUR_CALM, ...) and the real last
 *             stream id, then the connection closed at once, both sides (the streams the executor had
 *             taken lose their answers).
 *
 * After its GOAWAY, the client's frames for streams past the last stream id are not forwarded: the
 * executor never sees those requests, which is what the last stream id promises the client. Dropping
 * HEADERS is only sound for a client whose HPACK encoder keeps no dynamic table (ours); an nghttp2
 * client's later header blocks would refer to entries the executor never got.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { listenOnLoopback } from './fault-load.js';

export type GoawayMode = 'graceful' | 'double' | 'error';

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const GOAWAY = 0x7;
const PING = 0x6;
const HEADERS = 0x1;
const ACK = 0x1;
const MAX_STREAM_ID = 2 ** 31 - 1;
/** The PING that asks "have you seen the first GOAWAY?" (grpc-core's shutdown ping). */
const DRAIN_PING = Buffer.from('goaway!!');

export interface GoawayProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** GOAWAY frames sent so far (a double GOAWAY counts as two). */
  readonly goaways: number;
  /** Requests (HEADERS) not forwarded: past a GOAWAY's last stream id. */
  readonly dropped: number;
  /** Every open connection not yet told to go away is told now. */
  goawayAll(mode: GoawayMode, errorCode?: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Highest stream the client has opened (and we forwarded). */
  highest: number;
  /** Frames for streams above this are dropped; Infinity until a GOAWAY with a real id. */
  cutoff: number;
  /** A double GOAWAY's first half is out; the second goes with the PING's ACK. */
  awaitingAck: boolean;
  told: boolean;
  /** An error GOAWAY is on its way out: the client socket ends after it, not before. */
  ending: boolean;
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

function goawayFrame(lastStreamId: number, code: number, debug: string): Buffer {
  const payload = Buffer.alloc(8 + Buffer.byteLength(debug));
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  payload.write(debug, 8);
  return frame(GOAWAY, 0, 0, payload);
}

/** Splits a byte stream into whole frames; `skip` bytes first (the client preface). */
function frameReader(skip: number, onFrame: (bytes: Buffer, type: number, flags: number, stream: number) => void): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  let toSkip = skip;
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    if (toSkip > 0) {
      const skipped = Math.min(toSkip, buffer.length);
      onFrame(buffer.subarray(0, skipped), -1, 0, 0);
      buffer = buffer.subarray(skipped);
      toSkip -= skipped;
    }
    let offset = 0;
    while (buffer.length - offset >= FRAME_HEADER_BYTES) {
      const length = buffer.readUIntBE(offset, 3);
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > buffer.length) break;
      onFrame(buffer.subarray(offset, end), buffer[offset + 3]!, buffer[offset + 4]!, buffer.readUInt32BE(offset + 5) & 0x7fffffff);
      offset = end;
    }
    buffer = buffer.subarray(offset);
  };
}

/** A proxy from a loopback port to `target` that sends GOAWAY to the client when told to. */
export async function startGoawayProxy(target: { host: string; port: number }): Promise<GoawayProxy> {
  let connections = 0;
  let goaways = 0;
  let dropped = 0;
  const open = new Set<Pair>();
  const server: Server = createServer((client) => {
    connections++;
    const pair: Pair = { client, upstream: createConnection(target), highest: 0, cutoff: Infinity, awaitingAck: false, told: false, ending: false };
    const { upstream } = pair;
    open.add(pair);
    const end = (): void => {
      if (!pair.ending) client.destroy();
      upstream.destroy();
      open.delete(pair);
    };
    client.on(
      'data',
      frameReader(PREFACE_BYTES, (bytes, type, flags, stream) => {
        if (type === PING && flags & ACK && pair.awaitingAck && bytes.subarray(FRAME_HEADER_BYTES).equals(DRAIN_PING)) {
          // the client has seen the first GOAWAY: now the real last stream id (the ACK is ours, not the executor's)
          pair.awaitingAck = false;
          pair.cutoff = pair.highest;
          goaways++;
          client.write(goawayFrame(pair.cutoff, 0, ''));
          return;
        }
        if (stream > pair.cutoff) {
          if (type === HEADERS) dropped++;
          return;
        }
        if (type === HEADERS) pair.highest = Math.max(pair.highest, stream);
        upstream.write(bytes);
      }),
    );
    upstream.on(
      'data',
      frameReader(0, (bytes) => {
        client.write(bytes);
      }),
    );
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    get connections() {
      return connections;
    },
    get goaways() {
      return goaways;
    },
    get dropped() {
      return dropped;
    },
    goawayAll(mode, errorCode = 0x2) {
      for (const pair of open) {
        if (pair.told || pair.highest === 0) continue;
        pair.told = true;
        goaways++;
        if (mode === 'graceful') {
          pair.cutoff = pair.highest;
          pair.client.write(goawayFrame(pair.cutoff, 0, 'graceful'));
        } else if (mode === 'double') {
          pair.awaitingAck = true;
          pair.client.write(Buffer.concat([goawayFrame(MAX_STREAM_ID, 0, 'double'), frame(PING, 0, 0, DRAIN_PING)]));
        } else {
          pair.cutoff = pair.highest;
          pair.ending = true;
          pair.client.end(goawayFrame(pair.cutoff, errorCode, 'error'));
          pair.upstream.destroy();
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of open) {
          pair.client.destroy();
          pair.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

/**
 * A peer on a plain socket that speaks just enough HTTP/2 to watch what a client sends and to
 * answer with whatever bytes a test writes, well-formed or not: it reads the client preface, then
 * hands every frame to `onFrame` (it sends no SETTINGS of its own unless the test writes them; our
 * client does not wait for them). Used by the unary channel's tests and its property tests.
 */
import net from 'node:net';
import { CLIENT_PREFACE } from '../../runtime/src/http2/frame.js';

/** One frame as the peer reads it. */
export interface RawFrame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

export interface RawHttp2Peer {
  /** host:port */
  readonly target: string;
  /** The client connections not yet closed. */
  readonly sockets: ReadonlySet<net.Socket>;
  /** Resolves once every client connection has closed, or after `boundMs` (then `sockets` says which did not). */
  allClosed(boundMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function rawHttp2Peer(onFrame: (frame: RawFrame, socket: net.Socket) => void): Promise<RawHttp2Peer> {
  const sockets = new Set<net.Socket>();
  let waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const wake of waiters.splice(0)) wake();
    });
    let buffer = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!prefaceSeen) {
        if (buffer.length < CLIENT_PREFACE.length) return;
        buffer = buffer.subarray(CLIENT_PREFACE.length);
        prefaceSeen = true;
      }
      while (buffer.length >= 9 && !socket.destroyed) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        const frame = { type: buffer[3]!, flags: buffer[4]!, stream: buffer.readUInt32BE(5) & 0x7fffffff, payload: buffer.subarray(9, 9 + length) };
        buffer = buffer.subarray(9 + length);
        onFrame(frame, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    target: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    sockets,
    allClosed(boundMs) {
      if (sockets.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, boundMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close() {
      waiters = [];
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

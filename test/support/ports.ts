/**
 * Free loopback ports for test servers. The kernel picks a port (bind to 0), we close the socket
 * and hand the number to a child process. Two things make that racy and both are handled here:
 * the kernel may return a port we already handed out whose owner has not bound it yet (so we
 * remember every port given out in this process and skip repeats), and gRPC servers (Python's
 * grpcio, which Jina uses) bind with SO_REUSEPORT, so two of them given the same port could both
 * bind and share it silently (Jina checks the port first, but not atomically with the bind).
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/** Binds `host:port` (0 = any) and returns the bound port, or undefined if it is taken. */
function tryBind(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    });
    // exclusive: no port sharing with cluster workers; Node never sets SO_REUSEPORT unless asked.
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** One free port, never the same twice in this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = await tryBind(0, '127.0.0.1');
    if (port === undefined || handedOut.has(port)) continue;
    // Jina binds 0.0.0.0 by default: the port must be free on every interface, not just loopback.
    if ((await tryBind(port, '0.0.0.0')) === undefined) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: no free port found in 100 attempts');
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await freePort());
  return ports;
}

/** True when nothing listens on `port`, on any interface (binding 0.0.0.0 collides with 127.0.0.1). */
export async function isPortFree(port: number): Promise<boolean> {
  return (await tryBind(port, '0.0.0.0')) !== undefined;
}

/** Resolves once `port` is free, or rejects after `timeoutMs` (a process may close its listener late). */
export async function waitForPortFree(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortFree(port))) {
    if (Date.now() > deadline) throw new Error(`port ${port} still in use after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

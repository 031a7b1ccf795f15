/**
 * A free TCP port for a protocol given no `--port` (Jina picks random free ports too). The port
 * is found by binding port 0 on the gateway's host and closing again, so another process could
 * take it before the gateway binds: the window is short, and Jina's own `random_port` has it too.
 */
import { createServer } from 'node:net';

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}

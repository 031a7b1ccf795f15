/**
 * The URL path of an executor endpoint in a generated gateway's HTTP API. A module of its own,
 * with no imports, and the runtime's `@jina-ts/runtime/route-path` export: the generator's
 * openapi.json emitter needs only this, and loading the whole runtime (fastify, grpc-js, pino)
 * for it cost ~0.3 s in the thread that emits it.
 */
/**
 * The route of an endpoint as a URL path: `/encoder/encode`. Every character outside
 * `[A-Za-z0-9-._~]` of the executor name and of each endpoint segment is percent-encoded (UTF-8),
 * so any name makes one unambiguous path (also in openapi.json).
 */
export function executorRoutePath(executor: string, on: string): string {
  const endpoint = on.startsWith('/') ? on.slice(1) : on;
  return `/${percentEncode(executor)}/${endpoint.split('/').map(percentEncode).join('/')}`;
}

/** `segment` with every character outside `[A-Za-z0-9-._~]` percent-encoded (its UTF-8 bytes). */
export function percentEncode(segment: string): string {
  return segment.replace(/[^A-Za-z0-9\-._~]/gu, (char) => [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}


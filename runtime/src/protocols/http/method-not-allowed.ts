/**
 * A request for a path that is served, with a method it is not served with: 405 with an `Allow`
 * header listing the methods it is, as Starlette answers under Jina's FastAPI gateway (and as
 * RFC 9110 §15.5.6 asks), rather than fastify's 404, which tells a client the path is wrong.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** The methods `request`'s path is served with (none: the path is unknown). */
export function allowedMethods(app: FastifyInstance, request: FastifyRequest): HTTPMethods[] {
  const queryAt = request.url.indexOf('?');
  const url = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const candidates = url.length > 1 && url.endsWith('/') ? [url, url.slice(0, -1)] : [url];
  return METHODS.filter((method) => method !== request.method && candidates.some((path) => app.hasRoute({ method, url: path })));
}

/**
 * Makes `app` answer 405 for a served path asked with another method. An `onRequest` hook, so it
 * runs before any body is parsed (a bodyless QUERY would otherwise be a 400 about its missing
 * Content-Type) and whatever not-found handler the app has keeps the unknown paths.
 */
export function answerMethodNotAllowed(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.is404) return;
    const allowed = allowedMethods(app, request);
    if (allowed.length > 0) return reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
  });
}

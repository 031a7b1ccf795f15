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

/** Answers 405 if the path is served with other methods; false (nothing sent) if it is unknown. */
export function replyMethodNotAllowed(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): boolean {
  const allowed = allowedMethods(app, request);
  if (allowed.length === 0) return false;
  void reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
  return true;
}

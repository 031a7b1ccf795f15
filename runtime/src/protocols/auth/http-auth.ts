/**
 * `--auth-token-env` on a fastify app (the built-in HTTP gateway's, a FastifyBaseGateway's): an
 * `onRequest` hook, so a refused request costs no body parsing and reaches no route. Open: `GET /`
 * / `HEAD /` (health, for probes) and CORS preflights (browsers send them without credentials).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BearerAuth, UNAUTHENTICATED_DETAIL } from './bearer-auth.js';

/** Whether a request may go without a token: the health route, a CORS preflight. */
export function isOpenRequest(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders): boolean {
  const path = (url ?? '/').split('?', 1)[0];
  if ((method === 'GET' || method === 'HEAD') && path === '/') return true;
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
}

export function requireBearerToken(app: FastifyInstance, auth: BearerAuth): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isOpenRequest(request.method, request.url, request.headers) || auth.accepts(request.headers.authorization)) return;
    return reply.code(401).header('www-authenticate', 'Bearer').send({ detail: UNAUTHENTICATED_DETAIL });
  });
}

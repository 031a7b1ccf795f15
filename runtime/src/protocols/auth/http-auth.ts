/**
 * Inbound auth on a fastify app (the built-in HTTP gateway's, a FastifyBaseGateway's): an
 * `onRequest` hook, so a refused request costs no body parsing and reaches no route. Open: `GET /`
 * / `HEAD /` (health, for probes) and CORS preflights (browsers send them without credentials).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Authenticator, httpHeaders, isAuthorized } from './authenticator.js';
import { UNAUTHENTICATED_DETAIL } from './bearer-auth.js';

/** Whether a request may go without a token: the health route, a CORS preflight. */
export function isOpenRequest(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders): boolean {
  const path = urlPath(url);
  if ((method === 'GET' || method === 'HEAD') && path === '/') return true;
  return method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
}

export function urlPath(url: string | undefined): string {
  return (url ?? '/').split('?', 1)[0]!;
}

export function requireAuthorization(app: FastifyInstance, authenticator: Authenticator, logger: Logger): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isOpenRequest(request.method, request.url, request.headers)) return;
    const authRequest = { protocol: 'http' as const, method: request.method, path: urlPath(request.url), headers: httpHeaders(request.headers) };
    if (await isAuthorized(authenticator, authRequest, (error) => logAuthorizeError(logger, error))) return;
    return reply.code(401).header('www-authenticate', 'Bearer').send({ detail: UNAUTHENTICATED_DETAIL });
  });
}

/** A custom `authorize()` that threw: the request is refused, the operator hears why. */
export function logAuthorizeError(logger: Logger, error: unknown): void {
  logger.error({ err: error }, 'authorize() failed; the request is refused');
}

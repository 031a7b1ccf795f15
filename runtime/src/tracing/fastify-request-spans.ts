/**
 * `--tracing` for a fastify app (the built-in HTTP gateway's, a FastifyBaseGateway's): a SERVER
 * span per request, named `METHOD /route` (the route's pattern, as Jina's FastAPI instrumentation
 * names it; `METHOD` alone when no route matched), with the stable http.* attributes, status ERROR
 * on 5xx or when the client left before the response ended. The rest of the request (body
 * parsing, handler, executor calls) runs in its context. The span ends when the response closes,
 * which also covers streamed (SSE) responses written past fastify.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { runInSpan, startServerSpan } from './server-span.js';
import type { Tracing } from './tracing.js';

// Any server type: http, https or http2 apps alike.
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export function traceFastifyRequests(app: AnyFastify, tracing: Tracing): void {
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const serverSpan = startServerSpan(tracing, route === undefined ? request.method : `${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'url.path': request.url.split('?')[0] ?? '/',
      'url.scheme': request.protocol,
      ...(route === undefined ? {} : { 'http.route': route }),
      ...(request.headers['user-agent'] === undefined ? {} : { 'user_agent.original': request.headers['user-agent'] }),
    });
    const response = reply.raw;
    response.once('close', () => {
      const { span } = serverSpan;
      span.setAttribute('http.response.status_code', response.statusCode);
      if (!response.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the response ended' });
      else if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.statusCode}` });
      span.end();
    });
    runInSpan(serverSpan, [request.raw, response], done);
  });
}

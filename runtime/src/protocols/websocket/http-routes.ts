/**
 * The plain HTTP routes of the WebSocket gateway, as Jina's WebSocket app serves them:
 * `GET /` health (`{}`; 503 naming the deployments not answering while discovery is not done, so
 * readiness probes read "not ready"), `GET /status` (`{jina, envs}`) and `GET /dry_run` (the dry
 * run's StatusProto as JSON: `{"code": 0, "description": "", "exception": null}` or code 1 with
 * `exception: {name, args, stacks, executor}`). Anything else: 404 `{"detail": "Not Found"}`,
 * or 405 for another method on these paths, in FastAPI's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runtimeInfo } from '../../info.js';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import type { StatusProto } from '../../wire/gen/jina/jina.pb.js';
import { flowDryRun, notReadyStatus } from '../grpc/flow-dry-run.js';

export interface HttpRoutesContext {
  streamer: GatewayStreamer;
  /** Why the gateway does not serve the Flow yet; undefined once it does. */
  notReady: () => string | undefined;
  cors: boolean;
}

export function handleHttpRequest(request: IncomingMessage, response: ServerResponse, context: HttpRoutesContext): void {
  request.resume(); // no route reads a body
  const path = pathOf(request.url);
  if (context.cors) {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-allow-credentials', 'true');
      response.setHeader('vary', 'Origin');
    }
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      response.setHeader('access-control-allow-methods', 'GET, OPTIONS');
      const asked = request.headers['access-control-request-headers'];
      if (asked !== undefined) response.setHeader('access-control-allow-headers', asked);
      response.writeHead(204).end();
      return;
    }
  }
  if (path !== '/' && path !== '/status' && path !== '/dry_run') return sendJson(response, 404, { detail: 'Not Found' });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET');
    return sendJson(response, 405, { detail: 'Method Not Allowed' });
  }
  if (path === '/status') return sendJson(response, 200, runtimeInfo());
  const notReady = context.notReady();
  if (path === '/') {
    if (notReady !== undefined) {
      response.setHeader('retry-after', '1');
      return sendJson(response, 503, { detail: notReady });
    }
    return sendJson(response, 200, {});
  }
  // /dry_run
  if (notReady !== undefined) return sendJson(response, 200, statusJson(notReadyStatus(notReady)));
  const abort = new AbortController();
  response.once('close', () => abort.abort(Object.assign(new Error('the client went away'), { name: 'AbortError' })));
  void flowDryRun(context.streamer, { withDoc: false, signal: abort.signal }).then((status) => {
    if (!response.destroyed) sendJson(response, 200, statusJson(status));
  });
}

/** StatusProto as Jina's pydantic StatusProto model writes it (integer code). */
function statusJson(status: StatusProto) {
  const exception = status.exception;
  return {
    code: status.code,
    description: status.description,
    exception:
      exception === undefined
        ? null
        : { name: exception.name, args: [...exception.args], stacks: [...exception.stacks], executor: exception.executor },
  };
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}

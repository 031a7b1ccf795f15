/**
 * What the protocol fronts ask before they serve a request: an `Authenticator` is given the
 * request's protocol, method, path and headers (gRPC: its metadata) and says yes or no. The
 * runtime builds it from the gateway's `authorize()` (see Gateway): the bearer token of
 * `--auth-token-env` by default, whatever a custom gateway overrides it with otherwise.
 *
 * Requests that never reach it: HTTP `GET /` / `HEAD /` (health, for probes), CORS preflights and
 * gRPC health checking — they say whether the gateway is up, nothing of the Flow.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Metadata } from '@grpc/grpc-js';

export type AuthProtocol = 'http' | 'websocket' | 'grpc';

export interface AuthRequest {
  readonly protocol: AuthProtocol;
  /** HTTP method; `GET` for a WebSocket upgrade; `POST` for gRPC. */
  readonly method: string;
  /** URL path without the query; the gRPC method path (`/jina.JinaRPC/Call`). */
  readonly path: string;
  /** Header names lower-case, first value of each; gRPC: the text (not `-bin`) metadata. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** Resolves (or returns) true to serve the request, false to refuse it (401 / UNAUTHENTICATED). */
export type Authenticator = (request: AuthRequest) => boolean | Promise<boolean>;

/** A node:http request's headers as `AuthRequest.headers`. */
export function httpHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value[0] : value;
  return flat;
}

/** gRPC metadata as `AuthRequest.headers`: text entries only, first value of each. */
export function grpcHeaders(metadata: Metadata): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') flat[name] = value;
  return flat;
}

/**
 * Asks `authenticator`; a hook that throws or rejects refuses the request (and `onError` hears
 * why), so a bug in a custom `authorize()` never opens the gateway.
 */
export async function isAuthorized(authenticator: Authenticator, request: AuthRequest, onError: (error: unknown) => void): Promise<boolean> {
  try {
    return (await authenticator(request)) === true;
  } catch (error) {
    onError(error);
    return false;
  }
}

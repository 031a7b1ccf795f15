/**
 * Inbound auth, off by default: with `--auth-token-env NAME` every request to the gateway must
 * carry `Authorization: Bearer <the value of $NAME>` (HTTP header, WebSocket upgrade header, gRPC
 * `authorization` metadata). The token is compared as SHA-256 digests with timingSafeEqual, so
 * neither its length nor its bytes leak through timing, and a refusal says only that (401
 * `{"detail": "Not authenticated"}` with `WWW-Authenticate: Bearer`, a refused upgrade, or
 * UNAUTHENTICATED) — never why.
 *
 * Left open for probes, which carry no token: HTTP `GET /` (Jina's health route, what Kubernetes
 * probes and `jina ping gateway` call) and gRPC `grpc.health.v1.Health` (the gRPC probe) — they
 * say whether the gateway is up, nothing of the Flow.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from '../../gateway/result.js';

export const UNAUTHENTICATED_DETAIL = 'Not authenticated';

export class BearerAuth {
  readonly #digest: Buffer;

  constructor(token: string) {
    if (token === '') throw new Error('the bearer token is empty');
    this.#digest = digest(token);
  }

  /** From the variable `--auth-token-env` names; an unset or empty variable is an error naming it. */
  static fromEnv(variable: string, env: NodeJS.ProcessEnv = process.env): Result<BearerAuth> {
    const token = env[variable];
    if (token === undefined || token === '') return fail(`--auth-token-env ${variable}: the environment variable ${variable} is ${token === undefined ? 'not set' : 'empty'}; it must hold the bearer token clients send`);
    return ok(new BearerAuth(token));
  }

  /** Whether an `Authorization` value (`Bearer <token>`, scheme case-insensitive) carries the token. */
  accepts(authorization: string | readonly string[] | undefined): boolean {
    const value = Array.isArray(authorization) ? authorization[0] : authorization;
    if (typeof value !== 'string') return false;
    const match = /^bearer[ \t]+(.+)$/i.exec(value.trim());
    if (match === null) return false;
    return timingSafeEqual(digest(match[1]!), this.#digest);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

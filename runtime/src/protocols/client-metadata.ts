/**
 * `--forward-metadata NAME ...`: the client headers (HTTP, the WebSocket upgrade) and gRPC
 * metadata with these names are sent on, as gRPC metadata, with every executor call a request
 * makes — e.g. a tenant id or a caller's token an executor checks itself. An allow-list: nothing
 * else a client sends reaches an executor. Off by default.
 *
 * The fronts pick the listed entries from a request and run its handling in `run()`; the
 * deployment client reads them back (executor/forwarded-metadata.ts) for each call made in that async
 * context, under the operator's `--deployments-metadata` and the call's own metadata (endpoint,
 * trace context), which win on a clash. AsyncLocalStorage rather than a parameter, because a
 * custom gateway's handler calls `executor['x'].post()` without knowing about the request's
 * headers; the store is entered only with the flag, so without it nothing runs.
 */
import { runForwarding } from '../executor/forwarded-metadata.js';
import { fail, ok, type Result } from '../gateway/result.js';

// What a client must not set on a call to an executor: HTTP/2 and gRPC's own fields, and the
// ones the gateway sets itself (endpoint, trace context).
const RESERVED = new Set(['content-type', 'te', 'user-agent', 'host', 'connection', 'content-length', 'transfer-encoding', 'endpoint', 'traceparent', 'tracestate', 'is-error']);
// gRPC metadata names: lower-case letters, digits, `-`, `_`, `.`
const NAME = /^[0-9a-z_.-]+$/;

export class ClientMetadataForwarding {
  private constructor(readonly names: readonly string[]) {}

  /** From `--forward-metadata`; a name that cannot be a gRPC metadata key, or is reserved, is an error naming it. */
  static parse(names: readonly string[]): Result<ClientMetadataForwarding | undefined> {
    const list: string[] = [];
    for (const given of names) {
      for (const raw of given.split(',')) {
        const name = raw.trim().toLowerCase();
        if (name === '') continue;
        if (!NAME.test(name)) return fail(`--forward-metadata ${JSON.stringify(raw)}: not a gRPC metadata name (letters, digits, -, _, .)`);
        if (name.startsWith('grpc-') || RESERVED.has(name)) return fail(`--forward-metadata ${name}: reserved (set by the gateway or by gRPC itself), it cannot be forwarded`);
        if (name.endsWith('-bin')) return fail(`--forward-metadata ${name}: binary (-bin) metadata is not forwarded; use a text name`);
        if (!list.includes(name)) list.push(name);
      }
    }
    return ok(list.length === 0 ? undefined : new ClientMetadataForwarding(list));
  }

  /**
   * The listed entries of a request's headers or metadata (names lower-case). A value that is
   * not printable ASCII (what gRPC metadata may carry) is left out; undefined when none is left.
   */
  pick(headers: Readonly<Record<string, unknown>>): Record<string, string> | undefined {
    let picked: Record<string, string> | undefined;
    for (const name of this.names) {
      const raw = headers[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) continue;
      (picked ??= Object.create(null) as Record<string, string>)[name] = value;
    }
    return picked;
  }

  /** Runs `fn` with `headers`' listed entries forwarded by every executor call it makes. */
  run<T>(headers: Readonly<Record<string, unknown>>, fn: () => T): T {
    const picked = this.pick(headers);
    return picked === undefined ? fn() : runForwarding(picked, fn);
  }
}


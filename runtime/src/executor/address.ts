/**
 * Executor addresses as Jina writes them: `grpc://host:port`, `grpcs://host:port` (TLS),
 * or a bare `host:port` (docker-compose exports). Like Jina, a scheme selects TLS only for
 * grpcs/https/wss, and only the host:port part is dialled.
 */
export interface ExecutorAddress {
  /** What the user or the Flow wrote, used in error messages. */
  readonly original: string;
  /** host:port as grpc-js dials it. */
  readonly target: string;
  readonly tls: boolean;
}

const TLS_SCHEMES = new Set(['grpcs', 'https', 'wss']);

export function parseExecutorAddress(address: string): ExecutorAddress {
  const trimmed = address.trim();
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(trimmed);
  let target = trimmed;
  let tls = false;
  if (schemeMatch) {
    const scheme = schemeMatch[1]!.toLowerCase();
    tls = TLS_SCHEMES.has(scheme);
    // netloc: up to the first '/', '?' or '#', without user info
    const rest = trimmed.slice(schemeMatch[0].length);
    target = rest.split(/[/?#]/, 1)[0]!.replace(/^.*@/, '');
  }
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):\d{1,5}$/.test(target)) {
    throw new Error(
      `invalid executor address "${address}": expected grpc://host:port, grpcs://host:port or host:port`,
    );
  }
  const port = Number(target.slice(target.lastIndexOf(':') + 1));
  if (port < 1 || port > 65535) {
    throw new Error(`invalid executor address "${address}": port ${port} is out of range`);
  }
  return { original: trimmed, target, tls };
}

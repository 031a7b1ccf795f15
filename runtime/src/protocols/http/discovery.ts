/**
 * Endpoint discovery of every Flow node at gateway start, retried until all answer. Jina retries
 * forever, 1 s apart (`TopologyGraph._get_all_endpoints(retry_forever=True)`), and only then
 * starts serving; we do the same, but say which deployment is not answering and at which
 * address (Jina logs only "Getting endpoints failed"), and can be cancelled (shutdown during
 * start-up).
 */
import type { Logger } from 'pino';
import type { DeploymentEndpoints } from '../../streamer/endpoint-directory.js';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';

export interface DiscoveryOptions {
  /** Pause between rounds, in ms. Default 1000 (Jina's). */
  retryMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called after each failed round with the deployments still missing and why. */
  onPending?: (pending: ReadonlyMap<string, string>) => void;
}

/** Discovers every node of the streamer's Flow; resolves once all answered, rejects only when aborted. */
export async function discoverFlow(
  streamer: GatewayStreamer,
  options: DiscoveryOptions = {},
): Promise<Map<string, DeploymentEndpoints>> {
  const retryMs = options.retryMs ?? 1000;
  const nodes = streamer.topology.nodeOrder;
  const found = new Map<string, DeploymentEndpoints>();
  // What was last logged per deployment: a deployment that keeps failing the same way is logged
  // once when it starts failing and then every 30 rounds, not every second.
  const logged = new Map<string, { kind: string; round: number }>();
  for (let round = 0; ; round++) {
    options.signal?.throwIfAborted();
    const missing = nodes.filter((node) => !found.has(node));
    // A blackholed address holds a discovery call for its whole deadline: do not make shutdown wait.
    const results = await abortable(Promise.allSettled(missing.map((node) => streamer.endpoints.discover(node))), options.signal);
    const pending = new Map<string, string>();
    results.forEach((result, index) => {
      const node = missing[index]!;
      if (result.status === 'fulfilled') {
        found.set(node, result.value);
        if (logged.has(node)) options.logger?.info({ deployment: node }, `endpoint discovery: deployment "${node}" answered`);
        return;
      }
      const reason = describeFailure(streamer, node, result.reason);
      pending.set(node, reason);
      // gRPC's wording of the same failure varies between attempts; its code does not
      const code = (result.reason as { code?: unknown } | null | undefined)?.code;
      const kind = typeof code === 'number' ? `grpc ${code}` : reason;
      const last = logged.get(node);
      if (last === undefined || last.kind !== kind || round - last.round >= 30) {
        options.logger?.warn({ deployment: node }, `endpoint discovery: ${reason}; retrying every ${retryMs / 1000} s`);
        logged.set(node, { kind, round });
      }
    });
    if (pending.size === 0) return found;
    options.onPending?.(pending);
    await sleep(retryMs, options.signal);
  }
}

/** `deployment "x" at grpc://h:p is not answering: <cause>` (the cause may name the address again). */
function describeFailure(streamer: GatewayStreamer, node: string, error: unknown): string {
  const addresses = streamer.topology.nodes.get(node)?.addresses ?? [];
  const cause = error instanceof Error ? error.message : String(error);
  return `deployment "${node}" at ${addresses.join(', ') || '(no address)'} is not answering: ${cause}`;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Start-up of a gateway front that binds at once but serves the Flow only after endpoint
 * discovery of every deployment succeeded, as Jina's gateway does (it discovers first, retrying
 * forever, and only then starts its server). Until then health reads "not serving" and every Flow
 * call is refused with a message naming the deployments not answering yet and their addresses.
 * Shared by the gRPC and WebSocket fronts; the HTTP front does the same in its own way.
 */
import type { Logger } from 'pino';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { discoverFlow } from '../http/discovery.js';
import { type FlowEndpoint, flowEndpointMap } from '../http/flow-endpoints.js';

export interface FlowReadinessOptions {
  logger: Logger;
  /** Pause between discovery rounds, in ms (Jina: 1000). */
  retryMs?: number | undefined;
}

export class FlowReadiness {
  /** Resolves with the Flow's endpoint map once every deployment answered; rejects only if aborted. */
  readonly ready: Promise<ReadonlyMap<string, FlowEndpoint>>;
  private endpointMap: ReadonlyMap<string, FlowEndpoint> | undefined;
  private pending: ReadonlyMap<string, string> = new Map();
  private readonly controller = new AbortController();

  constructor(streamer: GatewayStreamer, options: FlowReadinessOptions) {
    this.ready = discoverFlow(streamer, {
      retryMs: options.retryMs,
      signal: this.controller.signal,
      logger: options.logger,
      onPending: (pending) => {
        this.pending = pending;
      },
    }).then((discovered) => {
      const map = flowEndpointMap(streamer.topology, discovered);
      this.endpointMap = map;
      this.pending = new Map();
      return map;
    });
    // the owner awaits `ready`; an abort at shutdown is not an error worth an unhandled rejection
    this.ready.catch(() => undefined);
  }

  /** The Flow's endpoints, once ready. */
  get endpoints(): ReadonlyMap<string, FlowEndpoint> | undefined {
    return this.endpointMap;
  }

  get isReady(): boolean {
    return this.endpointMap !== undefined;
  }

  /** Why the gateway does not serve yet: the deployments not answering discovery, and why. */
  notReadyReason(): string {
    const waiting = [...this.pending.values()];
    return waiting.length === 0
      ? 'the gateway is starting: endpoint discovery of the Flow is in progress'
      : `the gateway is starting: waiting for endpoint discovery; ${waiting.join('; ')}`;
  }

  /** Stops discovery (shutdown during start-up). */
  abort(reason: Error): void {
    this.controller.abort(reason);
  }
}

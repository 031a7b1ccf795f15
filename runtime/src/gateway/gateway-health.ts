/**
 * The readiness a custom gateway reports, kept by the runtime: not serving until `setupServer()`
 * resolved, serving while it runs, not serving again once shutdown starts (so probes stop sending
 * traffic while requests drain).
 *
 * Jina's orchestrator, `jina ping gateway` and the probes of its Kubernetes / compose exports
 * check the first port: gRPC health `Check('')` for grpc, `GET /` == 200 for http and websocket.
 * A `FastifyBaseGateway` gets `GET /` from the runtime; a plain `Gateway` serves its own server,
 * so it adds what it needs: `this.health.addTo(grpcServer)` for gRPC (the services Jina's gateway
 * registers, all following this status), or a `GET /` route answering 200 while `serving`.
 */
import type { Server } from '@grpc/grpc-js';
import { HealthStatus, ServingStatus } from '../grpc/health.js';
import { GATEWAY_GRPC_SERVICES } from '../protocols/grpc/grpc-gateway.js';

export class GatewayHealth {
  private readonly grpc = new HealthStatus(GATEWAY_GRPC_SERVICES);
  private isServing = false;

  constructor() {
    this.grpc.setAllNotServing();
  }

  get serving(): boolean {
    return this.isServing;
  }

  /** Called by the gateway runtime. */
  setServing(serving: boolean): void {
    this.isServing = serving;
    if (serving) {
      this.grpc.set('', ServingStatus.SERVING);
      for (const service of GATEWAY_GRPC_SERVICES) this.grpc.set(service, ServingStatus.SERVING);
    } else {
      this.grpc.setAllNotServing();
    }
  }

  /** Adds grpc.health.v1 (Check, Watch) following this status to a grpc-js server, before it starts. */
  addTo(server: Server): void {
    this.grpc.addTo(server);
  }
}

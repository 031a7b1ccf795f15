/**
 * grpc.health.v1 for our servers (executor server, gateway). Jina's orchestrator and `jina ping`
 * call Check with service "" and expect SERVING; named services report their own status.
 */
import type { Server, ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
  HealthService,
} from '../wire/gen/grpc/health/v1/health.pb.js';

export { ServingStatus };

export class HealthStatus {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; stream: ServerWritableStream<HealthCheckRequest, HealthCheckResponse> }>();

  constructor(services: Iterable<string> = []) {
    this.statuses.set('', ServingStatus.SERVING);
    for (const service of services) this.statuses.set(service, ServingStatus.SERVING);
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers) {
      if (watcher.service === service) watcher.stream.write({ status });
    }
  }

  /** Marks every service NOT_SERVING, e.g. while draining before shutdown. */
  setAllNotServing(): void {
    for (const service of this.statuses.keys()) this.set(service, ServingStatus.NOT_SERVING);
  }

  addTo(server: Server): void {
    server.addService(HealthService, {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const status = this.statuses.get(call.request.service);
        if (status === undefined) {
          callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service "${call.request.service}"` });
          return;
        }
        callback(null, { status });
      },
      watch: (stream: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = stream.request.service;
        const watcher = { service, stream };
        this.watchers.add(watcher);
        stream.write({ status: this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
        stream.on('cancelled', () => this.watchers.delete(watcher));
        stream.on('close', () => this.watchers.delete(watcher));
      },
    });
  }
}

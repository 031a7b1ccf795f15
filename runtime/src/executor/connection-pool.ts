/**
 * One DeploymentClient per deployment of the Flow, built from the gateway's
 * --deployments-addresses and shared by the streamer and `executor[name].post()`.
 */
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { meteredDeploymentClient } from '../metrics/metered-deployment-client.js';
import type { Tracing } from '../tracing/tracing.js';
import { TracedDeploymentClient } from '../tracing/traced-deployment-client.js';
import { DeploymentClient, type DeploymentClientOptions } from './deployment-client.js';

export interface ConnectionPoolOptions extends Omit<DeploymentClientOptions, 'metadata'> {
  /** --deployments-metadata: gRPC metadata per deployment. */
  deploymentsMetadata?: Record<string, Record<string, string>>;
  /** --tracing: a span per executor call, its context sent to the executor. */
  tracing?: Tracing | undefined;
  /** --monitoring: every executor call measured (bytes, time, errors by code). */
  metrics?: GatewayMetrics | undefined;
}

export class ConnectionPool {
  private readonly deployments = new Map<string, DeploymentClient>();

  constructor(addresses: Record<string, readonly string[]>, options: ConnectionPoolOptions = {}) {
    const { deploymentsMetadata, tracing, metrics, ...clientOptions } = options;
    // measured outside, traced inside: a call's time includes its span's cost, which is small
    const Base = tracing === undefined ? DeploymentClient : TracedDeploymentClient;
    const Client = metrics === undefined ? Base : meteredDeploymentClient(Base, metrics);
    for (const [name, list] of Object.entries(addresses)) {
      const deploymentOptions = { ...clientOptions, metadata: deploymentsMetadata?.[name] };
      // DeploymentClient ignores the 4th argument, TracedDeploymentClient takes its Tracing from it
      this.deployments.set(name, new Client(name, list, deploymentOptions, tracing as Tracing));
    }
  }

  get names(): string[] {
    return [...this.deployments.keys()];
  }

  has(name: string): boolean {
    return this.deployments.has(name);
  }

  get(name: string): DeploymentClient {
    const client = this.deployments.get(name);
    if (client === undefined) {
      throw new Error(`unknown deployment "${name}": the Flow has ${this.names.map((n) => `"${n}"`).join(', ') || 'no deployments'}`);
    }
    return client;
  }

  close(): void {
    for (const client of this.deployments.values()) client.close();
  }
}

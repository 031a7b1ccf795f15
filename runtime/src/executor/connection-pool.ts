/**
 * One DeploymentClient per deployment of the Flow, built from the gateway's
 * --deployments-addresses and shared by the streamer and `executor[name].post()`.
 */
import type { Tracing } from '../tracing/tracing.js';
import { TracedDeploymentClient } from '../tracing/traced-deployment-client.js';
import { DeploymentClient, type DeploymentClientOptions } from './deployment-client.js';

export interface ConnectionPoolOptions extends Omit<DeploymentClientOptions, 'metadata'> {
  /** --deployments-metadata: gRPC metadata per deployment. */
  deploymentsMetadata?: Record<string, Record<string, string>>;
  /** --tracing: a span per executor call, its context sent to the executor. */
  tracing?: Tracing | undefined;
}

export class ConnectionPool {
  private readonly deployments = new Map<string, DeploymentClient>();

  constructor(addresses: Record<string, readonly string[]>, options: ConnectionPoolOptions = {}) {
    const { deploymentsMetadata, tracing, ...clientOptions } = options;
    for (const [name, list] of Object.entries(addresses)) {
      const deploymentOptions = { ...clientOptions, metadata: deploymentsMetadata?.[name] };
      this.deployments.set(
        name,
        tracing === undefined ? new DeploymentClient(name, list, deploymentOptions) : new TracedDeploymentClient(name, list, deploymentOptions, tracing),
      );
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

/**
 * What the Kubernetes manifests and the compose service are derived from: the generated project's
 * package.json and config.yml, as `jina gateway --uses config.yml` reads them, plus the flags.
 */
export interface GatewayDeploySpec {
  /** DNS-1123 label: the Deployment, Service, ConfigMap, HPA and compose service name. */
  readonly name: string;
  readonly image: string;
  readonly namespace?: string | undefined;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Jina's graph: `{ "start-gateway": [...], executor: [...] }`. */
  readonly graphDescription: Readonly<Record<string, readonly string[]>>;
  /** executor name -> addresses (`grpc://host:port`). */
  readonly deploymentsAddresses: Readonly<Record<string, readonly string[]>>;
}

/** The container's command and arguments, as Jina's to_kubernetes_yaml writes them for a gateway. */
export const GATEWAY_COMMAND = ['jina'] as const;

export function gatewayArgs(spec: GatewayDeploySpec, graph: string, addresses: string): string[] {
  return ['gateway', '--uses', 'config.yml', '--graph-description', graph, '--deployments-addresses', addresses, '--protocol', 'http', 'grpc', '--port', String(spec.httpPort), String(spec.grpcPort)];
}

/** The probe Jina's export and the image's HEALTHCHECK use: the first protocol's port. */
export function pingCommand(spec: GatewayDeploySpec): string[] {
  return ['jina', 'ping', 'gateway', `http://127.0.0.1:${spec.httpPort}`];
}

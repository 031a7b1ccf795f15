/**
 * Where executor schemas come from, as the CLI was told and as `gateway.lock.json` records it,
 * so that a later `create-gateway regenerate` can ask the same places again.
 *
 * - `executor`: one deployment, live (`--executor name=grpc://host:port`, repeatable);
 * - `flow`: a Jina Flow YAML's `executors:` (names with `host`/`port`, or `external`);
 * - `graph`: the gateway's own flags (`--graph-description`, `--deployments-addresses`);
 * - `schemas`: a saved schema file (offline, CI).
 * Paths are kept as given (relative to where the command ran) in memory; the manifest stores them
 * relative to the project directory.
 */
export type SchemaSource =
  | { readonly kind: 'executor'; readonly name: string; readonly addresses: readonly string[] }
  | { readonly kind: 'flow'; readonly file: string }
  | {
      readonly kind: 'graph';
      readonly graphDescription: Readonly<Record<string, unknown>>;
      readonly deploymentsAddresses: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'schemas'; readonly file: string };

/** One deployment to ask, with every address of its replicas (any one answers for all). */
export interface DeploymentTarget {
  readonly name: string;
  readonly addresses: readonly string[];
}

/** One line for messages: `encoder=grpc://localhost:12345`, `flow flow.yml`, ... */
export function describeSource(source: SchemaSource): string {
  switch (source.kind) {
    case 'executor':
      return `${source.name}=${source.addresses.join(',')}`;
    case 'flow':
      return `Flow ${source.file}`;
    case 'graph':
      return `--deployments-addresses ${JSON.stringify(source.deploymentsAddresses)}`;
    case 'schemas':
      return `schema file ${source.file}`;
  }
}

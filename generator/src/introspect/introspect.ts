/**
 * Introspection: from what the user gave (live executors, a Flow YAML, the gateway's flags, or a
 * saved schema file) to a validated schema file plus what the project needs to reach the
 * executors again (their addresses and the Flow graph, for config.yml and gateway.lock.json).
 * The schema file comes back in canonical form (canonical-json.ts), whichever the input.
 */
import { readFile } from 'node:fs/promises';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { sortKeys, withoutRandomIdExamples } from './canonical-json.js';
import { discoverDeployments } from './discover.js';
import { checkUniqueNames } from './executor-option.js';
import { readFlowYaml } from './flow-yaml.js';
import { readGatewayFlags } from './gateway-flags.js';
import { checkSchemaNames } from './name-check.js';
import { checkSchemaFileShape, type RawSchemaFile } from './schema-shape.js';
import type { DeploymentTarget, SchemaSource } from './sources.js';

export type IntrospectRequest =
  | { readonly kind: 'executors'; readonly executors: readonly DeploymentTarget[] }
  | { readonly kind: 'flow'; readonly file: string }
  | { readonly kind: 'graph'; readonly graphDescription?: string | undefined; readonly deploymentsAddresses?: string | undefined }
  | { readonly kind: 'schemas'; readonly file: string };

export interface Introspection {
  readonly schemas: RawSchemaFile;
  readonly sources: readonly SchemaSource[];
  /** `{name: [addresses]}` as the gateway's --deployments-addresses; empty for a saved schema file. */
  readonly deploymentsAddresses: Readonly<Record<string, readonly string[]>>;
  /** The Flow graph, when the input had one (Flow YAML, --graph-description). */
  readonly graphDescription: Readonly<Record<string, unknown>> | undefined;
}

export interface IntrospectOptions {
  readonly timeoutMs?: number;
  /** A deeper check than the shape (the generator core's parser), applied after it. */
  readonly parse?: ((json: unknown, source: string) => Result<RawSchemaFile>) | undefined;
}

export async function introspect(request: IntrospectRequest, options: IntrospectOptions = {}): Promise<Result<Introspection>> {
  switch (request.kind) {
    case 'schemas':
      return readSchemaFile(request.file, options);
    case 'executors': {
      const unique = checkUniqueNames(request.executors);
      if (!unique.ok) return unique;
      const sources = request.executors.map((target): SchemaSource => ({ kind: 'executor', name: target.name, addresses: target.addresses }));
      return live(request.executors, sources, undefined, options);
    }
    case 'flow': {
      const flow = await readFlowYaml(request.file);
      if (!flow.ok) return flow;
      return live(flow.value.deployments, [{ kind: 'flow', file: request.file }], flow.value.graphDescription, options);
    }
    case 'graph': {
      const flags = readGatewayFlags(request.graphDescription, request.deploymentsAddresses);
      if (!flags.ok) return flags;
      const { deployments, graphDescription, deploymentsAddresses } = flags.value;
      const graph = Object.keys(graphDescription).length > 0 ? graphDescription : undefined;
      return live(deployments, [{ kind: 'graph', graphDescription, deploymentsAddresses }], graph, options);
    }
  }
}

async function live(
  targets: readonly DeploymentTarget[],
  sources: readonly SchemaSource[],
  graphDescription: Readonly<Record<string, unknown>> | undefined,
  options: IntrospectOptions,
): Promise<Result<Introspection>> {
  const answers = await discoverDeployments(targets, options);
  if (!answers.ok) return answers;
  const source = targets.map((target) => `${target.name}=${target.addresses.join(',')}`).join(' ');
  const schemas = validated(answers.value, `endpoint discovery of ${source}`, options);
  if (!schemas.ok) return schemas;
  const deploymentsAddresses = Object.fromEntries(targets.map((target) => [target.name, [...target.addresses]]));
  return ok({ schemas: schemas.value, sources, deploymentsAddresses, graphDescription });
}

async function readSchemaFile(file: string, options: IntrospectOptions): Promise<Result<Introspection>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return fail(`schema file ${file}: ${error instanceof SyntaxError ? 'not valid JSON: ' : 'cannot read it: '}${error instanceof Error ? error.message : String(error)}`, error);
  }
  const schemas = validated(json, file, options);
  if (!schemas.ok) return schemas;
  return ok({ schemas: schemas.value, sources: [{ kind: 'schemas', file }], deploymentsAddresses: {}, graphDescription: undefined });
}

function validated(json: unknown, source: string, options: IntrospectOptions): Result<RawSchemaFile> {
  const canonical = sortKeys(withoutRandomIdExamples(json));
  const shaped = checkSchemaFileShape(canonical, source);
  if (!shaped.ok) return shaped;
  const named = checkSchemaNames(shaped.value, source);
  if (!named.ok || options.parse === undefined) return named;
  return options.parse(canonical, source);
}

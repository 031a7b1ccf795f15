/**
 * The gateway's own flags as input: `--graph-description` and `--deployments-addresses` (JSON, as
 * Jina passes them, e.g. copied from a Kubernetes export), checked by the runtime's topology
 * parser so the messages are the ones the gateway itself would give.
 */
import { topology } from '@jina-ts/runtime';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { DeploymentTarget } from './sources.js';

export interface GraphDeployments {
  readonly deployments: readonly DeploymentTarget[];
  readonly graphDescription: Readonly<Record<string, unknown>>;
  readonly deploymentsAddresses: Readonly<Record<string, unknown>>;
}

export function readGatewayFlags(graphDescription: string | undefined, deploymentsAddresses: string | undefined): Result<GraphDeployments> {
  if (deploymentsAddresses === undefined) return fail('--deployments-addresses is needed to reach the executors (--graph-description alone has no addresses)');
  const graph = parseJsonObject('--graph-description', graphDescription ?? '{}');
  if (!graph.ok) return graph;
  const addresses = parseJsonObject('--deployments-addresses', deploymentsAddresses);
  if (!addresses.ok) return addresses;
  let flow: topology.FlowTopology;
  try {
    flow = topology.parseFlowTopology({ graphDescription: graph.value, deploymentsAddresses: addresses.value });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), error);
  }
  const deployments = [...flow.deployments.values()].map((deployment) => ({ name: deployment.name, addresses: deployment.addresses }));
  if (deployments.length === 0) return fail('--deployments-addresses names no deployment');
  return ok({ deployments, graphDescription: graph.value, deploymentsAddresses: addresses.value });
}

function parseJsonObject(flag: string, text: string): Result<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`${flag}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${flag}: expected a JSON object`);
  return ok(value as Record<string, unknown>);
}

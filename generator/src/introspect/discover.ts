/**
 * Live endpoint discovery: asks each deployment (`endpoint_discovery`, as Jina's gateway does at
 * start-up) for its endpoints and schemas, through the runtime's DeploymentClient, so addresses,
 * TLS (`grpcs://`) and replicas behave as in the gateway. All deployments are asked at once; any
 * failure names the deployment and the address(es) tried.
 */
import { DeploymentClient } from '@jina-ts/runtime';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { DeploymentTarget } from './sources.js';

export interface DiscoverOptions {
  /** Deadline of each discovery call, ms. */
  readonly timeoutMs?: number;
}

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 10_000;

/** One executor's answer in the saved schema file's shape, not yet validated (parseSchemaFile does that). */
export interface RawDiscovery {
  readonly endpoints: string[];
  readonly write_endpoints: string[];
  readonly schemas: Record<string, unknown>;
}

/** Raw answers per deployment, in the saved schema file's shape (not yet validated). */
export async function discoverDeployments(
  targets: readonly DeploymentTarget[],
  options: DiscoverOptions = {},
): Promise<Result<Record<string, RawDiscovery>>> {
  const answers = await Promise.all(targets.map((target) => discoverOne(target, options)));
  const failed = answers.filter((answer): answer is Extract<typeof answer, { ok: false }> => !answer.ok);
  if (failed.length > 0) {
    const first = failed[0]!;
    return failed.length === 1 ? first : fail(failed.map((answer) => answer.error.message).join('\n'), first.error.cause);
  }
  const out: Record<string, RawDiscovery> = {};
  for (const [index, target] of targets.entries()) out[target.name] = (answers[index] as { ok: true; value: RawDiscovery }).value;
  return ok(out);
}

async function discoverOne(target: DeploymentTarget, options: DiscoverOptions): Promise<Result<RawDiscovery>> {
  // One retry per replica at most: discovery of a down executor should fail fast, not back off.
  const client = new DeploymentClient(target.name, target.addresses, {
    timeoutMs: options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS,
    retries: Math.max(1, target.addresses.length - 1),
  });
  try {
    const answer = await client.endpointDiscovery({});
    return ok({
      endpoints: [...answer.endpoints],
      write_endpoints: [...answer.writeEndpoints],
      schemas: (answer.schemas ?? {}) as Record<string, unknown>,
    });
  } catch (error) {
    const details = error instanceof Error ? error.message : String(error);
    return fail(`executor "${target.name}" at ${target.addresses.join(', ')}: endpoint discovery failed: ${details}`, error);
  } finally {
    client.close();
  }
}

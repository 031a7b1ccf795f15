/**
 * `--executor name=grpc://host:port` (repeatable; several comma-separated addresses are replicas
 * of one deployment): parsed and checked before any network call, so a typo fails at once.
 */
import { parseExecutorAddress } from '@jina-ts/runtime';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { DeploymentTarget } from './sources.js';

/** Jina deployment names: what a Flow accepts as `name:` (and what a URL path or TS key can hold). */
const DEPLOYMENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function parseExecutorOption(value: string): Result<DeploymentTarget> {
  const eq = value.indexOf('=');
  if (eq <= 0) return fail(`--executor ${value}: expected name=grpc://host:port`);
  const name = value.slice(0, eq).trim();
  const nameCheck = checkDeploymentName(name, `--executor ${value}`);
  if (!nameCheck.ok) return nameCheck;
  const addresses = value
    .slice(eq + 1)
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  if (addresses.length === 0) return fail(`--executor ${value}: no address after "${name}="`);
  for (const address of addresses) {
    const checked = checkAddress(address, `--executor ${value}`);
    if (!checked.ok) return checked;
  }
  return ok({ name, addresses });
}

export function checkDeploymentName(name: string, where: string): Result<string> {
  if (!DEPLOYMENT_NAME.test(name)) {
    return fail(`${where}: "${name}" is not a deployment name (letters, digits, _ and -, not starting with a digit)`);
  }
  return ok(name);
}

export function checkAddress(address: string, where: string): Result<string> {
  try {
    return ok(parseExecutorAddress(address).original);
  } catch (error) {
    return fail(`${where}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/** Every deployment named once: two `--executor encoder=...` would hide one of them. */
export function checkUniqueNames(targets: readonly DeploymentTarget[]): Result<readonly DeploymentTarget[]> {
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.name)) return fail(`deployment "${target.name}" is given twice; give replicas as one --executor ${target.name}=addr1,addr2`);
    seen.add(target.name);
  }
  return ok(targets);
}

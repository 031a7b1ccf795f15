/** The source options shared by `create-gateway <dir>` and `create-gateway introspect`, turned into one IntrospectRequest. */
import type { Command } from 'commander';
import { parseExecutorOption } from '../introspect/executor-option.js';
import type { IntrospectRequest } from '../introspect/introspect.js';
import type { DeploymentTarget } from '../introspect/sources.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export interface SourceOptions {
  executor?: string[];
  flow?: string;
  schemas?: string;
  graphDescription?: string;
  deploymentsAddresses?: string;
  timeout?: string;
}

export function addSourceOptions(command: Command): Command {
  return command
    .option('--executor <name=grpc://host:port>', 'a live executor (repeatable; addr1,addr2 for replicas)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--flow <flow.yml>', "a Jina Flow YAML: its executors' names and host/port")
    .option('--schemas <file.json>', 'a saved schema file (create-gateway introspect -o)')
    .option('--graph-description <json>', "the gateway's --graph-description")
    .option('--deployments-addresses <json>', "the gateway's --deployments-addresses")
    .option('--timeout <ms>', 'deadline of each endpoint discovery call, ms (default 10000)');
}

export function requestFrom(options: SourceOptions): Result<IntrospectRequest> {
  const kinds = [
    (options.executor?.length ?? 0) > 0 ? '--executor' : undefined,
    options.flow !== undefined ? '--flow' : undefined,
    options.schemas !== undefined ? '--schemas' : undefined,
    options.graphDescription !== undefined || options.deploymentsAddresses !== undefined ? '--graph-description/--deployments-addresses' : undefined,
  ].filter((kind): kind is string => kind !== undefined);
  if (kinds.length === 0) return fail('say where the schemas come from: --executor name=grpc://host:port, --flow flow.yml, --schemas file.json or --deployments-addresses');
  if (kinds.length > 1) return fail(`give one kind of source, not ${kinds.join(' and ')}`);
  if (options.flow !== undefined) return ok({ kind: 'flow', file: options.flow });
  if (options.schemas !== undefined) return ok({ kind: 'schemas', file: options.schemas });
  if (options.executor === undefined || options.executor.length === 0) {
    return ok({ kind: 'graph', graphDescription: options.graphDescription, deploymentsAddresses: options.deploymentsAddresses });
  }
  const executors: DeploymentTarget[] = [];
  for (const value of options.executor) {
    const parsed = parseExecutorOption(value);
    if (!parsed.ok) return parsed;
    executors.push(parsed.value);
  }
  return ok({ kind: 'executors', executors });
}

export function timeoutFrom(options: SourceOptions): Result<number | undefined> {
  if (options.timeout === undefined) return ok(undefined);
  const ms = Number(options.timeout);
  if (!Number.isInteger(ms) || ms <= 0) return fail(`--timeout ${options.timeout}: expected a positive number of milliseconds`);
  return ok(ms);
}

/**
 * A Jina Flow YAML, read for what the generator needs: the deployments (`executors:` names) and
 * where they run, plus the Flow's graph (`needs:`), which config.yml can carry for local runs.
 *
 *     jtype: Flow                       # or `!Flow` on the first line
 *     executors:
 *       - name: encoder
 *         host: 10.0.0.5                # with `external: true`, or a running local Flow's port
 *         port: 12345                   # a list (with a list of hosts) = replicas
 *       - name: ranker
 *         needs: encoder                # default: the previous executor (Jina's rule)
 *         tls: true                     # grpcs://
 *
 * Only running executors can be asked for their schemas: an executor without a port is an error
 * naming it (Jina would start it itself; start the Flow, then point the generator at it).
 */
import { readFile } from 'node:fs/promises';
import { isMap, parseDocument } from 'yaml';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { checkAddress, checkDeploymentName } from './executor-option.js';
import type { DeploymentTarget } from './sources.js';

export interface FlowDeployments {
  readonly deployments: readonly DeploymentTarget[];
  /** `--graph-description` as Jina computes it from `needs` (the last executor answers). */
  readonly graphDescription: Readonly<Record<string, readonly string[]>>;
}

export async function readFlowYaml(file: string): Promise<Result<FlowDeployments>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return fail(`Flow ${file}: cannot read it (${error instanceof Error ? error.message : String(error)})`, error);
  }
  return parseFlowYaml(text, file);
}

export function parseFlowYaml(text: string, file: string): Result<FlowDeployments> {
  const document = parseDocument(text, { prettyErrors: false, customTags: [], strict: false });
  const firstError = document.errors[0];
  if (firstError !== undefined) return fail(`Flow ${file}: not valid YAML: ${firstError.message}`);
  const root: unknown = document.toJS();
  const tag = isMap(document.contents) && typeof document.contents.tag === 'string' ? document.contents.tag : undefined;
  if (!isRecord(root)) return fail(`Flow ${file}: expected a mapping with jtype: Flow and executors:`);
  const jtype = root.jtype ?? tag?.replace(/^!/, '');
  if (jtype !== undefined && jtype !== 'Flow') return fail(`Flow ${file}: jtype is ${String(jtype)}, expected Flow`);
  const executors = root.executors;
  if (!Array.isArray(executors) || executors.length === 0) return fail(`Flow ${file}: executors: must list at least one executor`);

  const deployments: DeploymentTarget[] = [];
  const needs = new Map<string, string[]>();
  for (const [index, entry] of executors.entries()) {
    const where = `Flow ${file}: executors[${index}]`;
    if (!isRecord(entry)) return fail(`${where}: expected a mapping with name, host, port`);
    const name = entry.name ?? `executor${index}`;
    if (typeof name !== 'string') return fail(`${where}.name: expected a string`);
    const nameCheck = checkDeploymentName(name, `${where}.name`);
    if (!nameCheck.ok) return nameCheck;
    if (needs.has(name)) return fail(`${where}.name: "${name}" is used twice`);
    const protocol = entry.protocol ?? 'grpc';
    if (typeof protocol !== 'string' || protocol.toLowerCase() !== 'grpc') {
      return fail(`${where} (${name}): protocol ${JSON.stringify(protocol)}; endpoint discovery needs the executor's gRPC port`);
    }
    const addresses = addressesOf(entry, `${where} (${name})`);
    if (!addresses.ok) return addresses;
    deployments.push({ name, addresses: addresses.value });
    const previous = index === 0 ? 'gateway' : deployments[index - 1]!.name;
    const given = entry.needs ?? previous;
    const list = typeof given === 'string' ? [given] : given;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return fail(`${where}.needs: expected a name or a list of names`);
    needs.set(name, list as string[]);
  }
  const graph = graphOf(deployments, needs, file);
  if (!graph.ok) return graph;
  return ok({ deployments, graphDescription: graph.value });
}

function addressesOf(entry: Record<string, unknown>, where: string): Result<string[]> {
  const ports = listOf(entry.port ?? entry.port_in ?? entry.ports);
  if (ports.length === 0) {
    return fail(`${where}: no port; create-gateway asks running executors for their schemas: give host and port (external: true), or start the Flow and use --executor name=grpc://host:port`);
  }
  const hosts = listOf(entry.host ?? '127.0.0.1');
  if (hosts.length !== 1 && hosts.length !== ports.length) return fail(`${where}: ${hosts.length} hosts for ${ports.length} ports`);
  const scheme = entry.tls === true ? 'grpcs' : 'grpc';
  const addresses: string[] = [];
  for (const [i, port] of ports.entries()) {
    if (typeof port !== 'number' && typeof port !== 'string') return fail(`${where}: port ${JSON.stringify(port)} is not a number`);
    const rawHost = String(hosts.length === 1 ? hosts[0] : hosts[i]);
    // `0.0.0.0` is where a local Flow binds; it is reached on loopback.
    const host = rawHost === '0.0.0.0' ? '127.0.0.1' : rawHost.replace(/^[a-z]+:\/\//, '');
    const checked = checkAddress(`${scheme}://${host}:${String(port)}`, where);
    if (!checked.ok) return checked;
    addresses.push(checked.value);
  }
  return ok(addresses);
}

/** Jina's `_get_graph_representation`: edges from `needs`, `gateway` → `start-gateway`, the last executor → `end-gateway`. */
function graphOf(deployments: readonly DeploymentTarget[], needs: ReadonlyMap<string, string[]>, file: string): Result<Record<string, string[]>> {
  // no prototype: a deployment may be named `__proto__` or `constructor`
  const graph: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const add = (from: string, to: string) => (graph[from] ??= []).push(to);
  for (const { name } of deployments) {
    graph[name] ??= [];
    for (const need of needs.get(name) ?? []) {
      if (need !== 'gateway' && !needs.has(need)) return fail(`Flow ${file}: executor "${name}" needs "${need}", which is not in executors:`);
      add(need === 'gateway' ? 'start-gateway' : need, name);
    }
  }
  add(deployments[deployments.length - 1]!.name, 'end-gateway');
  // fromEntries defines each key (a deployment named `__proto__` stays one)
  const ordered: Record<string, string[]> = Object.fromEntries([['start-gateway', graph['start-gateway'] ?? []], ...deployments.map(({ name }) => [name, graph[name]!])]);
  return ok(ordered);
}

function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

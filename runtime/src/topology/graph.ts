/**
 * The Flow topology a gateway is started with, parsed and checked once from Jina's gateway flags
 * (`--graph-description`, `--graph-conditions`, `--deployments-addresses`,
 * `--deployments-metadata`, `--deployments-no-reduce`). Semantics follow Jina's TopologyGraph:
 * - `start-gateway` lists the origin nodes, which receive the client's request.
 * - A node with an edge to `end-gateway` responds: the response waits for it. A node that appears
 *   only as a successor and has no entry of its own is treated the same way (Jina makes it a
 *   non-floating leaf).
 * - A node whose entry is an empty list is floating: it runs, nothing waits for it.
 * - A node waits for one input per incoming edge, the edge from `start-gateway` included.
 * Jina accepts some graphs it then cannot run (cycles, unreachable nodes, edges out of
 * `end-gateway`); here they are errors naming the flag and the offending key.
 *
 * Key order matters (origins, successors and responders are tried in the order written) and is
 * JSON's, except that JS orders integer-like keys ("0", "1") first.
 */
import { parseExecutorAddress } from '../executor/address.js';
import { compileQuery, type DocPredicate, isEmptyQuery, QueryError } from './filter.js';

export const START_GATEWAY = 'start-gateway';
export const END_GATEWAY = 'end-gateway';

export type GatewayFlagName =
  | '--graph-description'
  | '--graph-conditions'
  | '--deployments-addresses'
  | '--deployments-metadata'
  | '--deployments-no-reduce';

/** A gateway flag's value is wrong; names the flag and, when there is one, the offending key. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';

  constructor(
    readonly flag: GatewayFlagName,
    readonly key: string | undefined,
    reason: string,
  ) {
    super(`${flag}${key === undefined ? '' : ` (key "${key}")`}: ${reason}`);
  }
}

/** The flags as given on the command line (JSON text) or already parsed; absent means Jina's default. */
export interface TopologyFlags {
  graphDescription?: unknown;
  graphConditions?: unknown;
  deploymentsAddresses?: unknown;
  deploymentsMetadata?: unknown;
  deploymentsNoReduce?: unknown;
}

/** One executor deployment the gateway can call (a key of `--deployments-addresses`). */
export interface Deployment {
  readonly name: string;
  /** gRPC addresses as written: `grpc://h:p`, `grpcs://h:p` or compose's bare `h:p`. One per replica, or one head. */
  readonly addresses: readonly string[];
  /** HTTP addresses of a Deployment-with-gateway (`{"GRPC": [...], "HTTP": [...]}` form); Jina load-balances over them. */
  readonly httpAddresses: readonly string[];
  /** gRPC metadata sent with every call to this deployment (`--deployments-metadata`). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface FlowNode extends Deployment {
  /** Successor nodes in the order written (`end-gateway` excluded). */
  readonly successors: readonly string[];
  /**
   * Predecessor nodes, ordered by when Jina's depth-first walk first reaches the edge into this
   * node (which decides whose error wins when several predecessors failed).
   */
  readonly predecessors: readonly string[];
  /** Listed under `start-gateway`: receives the client's request as one of its inputs. */
  readonly origin: boolean;
  /** Has an edge to `end-gateway` (or no entry of its own): the response waits for it. */
  readonly responds: boolean;
  /** Its entry is an empty list: nothing waits for it and it never shapes the response. */
  readonly floating: boolean;
  /** Inputs to wait for before running: one per incoming edge, `start-gateway`'s included. */
  readonly parts: number;
  /** The `when` condition as given, if any. */
  readonly condition: unknown;
  /** The compiled condition; undefined when there is none or it is empty (docarray then keeps every doc). */
  readonly filter: DocPredicate | undefined;
  /** Whether several inputs are reduced into one request (false when listed in `--deployments-no-reduce`). */
  readonly reduce: boolean;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
}

export interface FlowTopology {
  /** Graph nodes, in nodeOrder. */
  readonly nodes: ReadonlyMap<string, FlowNode>;
  /** Jina's `all_nodes` order: depth-first from the origins, first visit. `__results__` are merged in this order. */
  readonly nodeOrder: readonly string[];
  /** An execution order in which every node comes after its predecessors (ties in nodeOrder). */
  readonly topologicalOrder: readonly string[];
  /** Successors of `start-gateway`, in the order written. */
  readonly origins: readonly string[];
  /** Nodes the response waits for, in the order Jina tries them for the response. */
  readonly respondingNodes: readonly string[];
  /** Nodes with no outgoing edge at all. */
  readonly floatingNodes: readonly string[];
  /** Every edge as written, `start-gateway` and `end-gateway` included. */
  readonly edges: readonly FlowEdge[];
  /** `--graph-conditions` was non-empty: the response's docs are put back in request order (Jina's rule). */
  readonly hasConditions: boolean;
  /** Every deployment with addresses (graph nodes and, for a graph-less gateway, any other): `executor[name]`. */
  readonly deployments: ReadonlyMap<string, Deployment>;
}

/** Parses and validates the gateway flags. Throws TopologyError. */
export function parseFlowTopology(flags: TopologyFlags): FlowTopology {
  const graph = readGraph(readJson('--graph-description', flags.graphDescription, {}));
  const conditions = readObject('--graph-conditions', readJson('--graph-conditions', flags.graphConditions, {}));
  const addresses = readAddresses(readJson('--deployments-addresses', flags.deploymentsAddresses, {}));
  const metadata = readMetadata(readJson('--deployments-metadata', flags.deploymentsMetadata, {}));
  const noReduce = readNoReduce(readJson('--deployments-no-reduce', flags.deploymentsNoReduce, []));

  const nodeNames = graph.nodeNames;
  const isNode = (name: string) => nodeNames.has(name);
  const graphless = nodeNames.size === 0;

  for (const name of addresses.keys()) {
    if (!isNode(name) && !graphless) throw unknownNode('--deployments-addresses', name, nodeNames);
  }
  if (addresses.size > 0) {
    for (const name of nodeNames) {
      if ((addresses.get(name)?.grpc.length ?? 0) === 0) {
        throw new TopologyError('--deployments-addresses', name, `no gRPC address for graph node "${name}"`);
      }
    }
  }
  for (const name of Object.keys(metadata)) {
    if (!isNode(name) && !addresses.has(name)) throw unknownNode('--deployments-metadata', name, nodeNames);
  }
  for (const name of noReduce) {
    if (!isNode(name)) throw unknownNode('--deployments-no-reduce', name, nodeNames);
  }
  const filters = new Map<string, DocPredicate | undefined>();
  for (const [name, condition] of Object.entries(conditions)) {
    if (!isNode(name)) throw unknownNode('--graph-conditions', name, nodeNames);
    try {
      filters.set(name, isEmptyQuery(condition) ? undefined : compileQuery(condition));
    } catch (error) {
      if (error instanceof QueryError) throw new TopologyError('--graph-conditions', name, error.message);
      throw error;
    }
  }

  const deploymentOf = (name: string): Deployment => ({
    name,
    addresses: addresses.get(name)?.grpc ?? [],
    httpAddresses: addresses.get(name)?.http ?? [],
    metadata: metadata[name] ?? {},
  });

  const walk = walkGraph(graph);
  const nodes = new Map<string, FlowNode>();
  for (const name of walk.nodeOrder) {
    const successors = graph.successors.get(name) ?? [];
    const hasEntry = graph.successors.has(name);
    nodes.set(name, {
      ...deploymentOf(name),
      successors: successors.filter((to) => to !== END_GATEWAY),
      predecessors: walk.predecessors.get(name) ?? [],
      origin: graph.origins.includes(name),
      responds: !hasEntry || successors.includes(END_GATEWAY),
      floating: hasEntry && successors.length === 0,
      parts: graph.inDegree.get(name) ?? 1,
      condition: Object.hasOwn(conditions, name) ? conditions[name] : undefined,
      filter: filters.get(name),
      reduce: !noReduce.includes(name),
    });
  }
  const deployments = new Map<string, Deployment>();
  for (const name of walk.nodeOrder) deployments.set(name, deploymentOf(name));
  for (const name of addresses.keys()) if (!deployments.has(name)) deployments.set(name, deploymentOf(name));

  return {
    nodes,
    nodeOrder: walk.nodeOrder,
    topologicalOrder: topologicalOrder(graph, walk.nodeOrder),
    origins: graph.origins,
    respondingNodes: walk.responders,
    floatingNodes: walk.nodeOrder.filter((name) => nodes.get(name)!.floating),
    edges: graph.edges,
    hasConditions: Object.keys(conditions).length > 0,
    deployments,
  };
}

/**
 * The topology of a single deployment behind the gateway (`{start-gateway: [name], name:
 * [end-gateway]}`), as a Deployment with its own gateway has. `addresses` takes any form
 * `--deployments-addresses` accepts for one deployment.
 */
export function singleDeploymentTopology(
  name: string,
  addresses: unknown,
  options: { metadata?: Record<string, string>; condition?: unknown; reduce?: boolean } = {},
): FlowTopology {
  return parseFlowTopology({
    graphDescription: { [START_GATEWAY]: [name], [name]: [END_GATEWAY] },
    deploymentsAddresses: { [name]: addresses },
    deploymentsMetadata: options.metadata === undefined ? {} : { [name]: options.metadata },
    graphConditions: options.condition === undefined ? {} : { [name]: options.condition },
    deploymentsNoReduce: options.reduce === false ? [name] : [],
  });
}

function unknownNode(flag: GatewayFlagName, name: string, nodeNames: Iterable<string>): TopologyError {
  const list = [...nodeNames];
  const known = list.length === 0 ? 'none' : list.map((node) => `"${node}"`).join(', ');
  return new TopologyError(flag, name, `"${name}" is not a node of --graph-description (nodes: ${known})`);
}

function readJson(flag: GatewayFlagName, value: unknown, fallback: unknown): unknown {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return fallback;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new TopologyError(flag, undefined, `not valid JSON: ${(error as Error).message}`);
  }
}

function readObject(flag: GatewayFlagName, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TopologyError(flag, undefined, `expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

interface Graph {
  readonly origins: readonly string[];
  /** Every entry except start-gateway's, targets as written (end-gateway included). */
  readonly successors: ReadonlyMap<string, readonly string[]>;
  readonly nodeNames: ReadonlySet<string>;
  readonly inDegree: ReadonlyMap<string, number>;
  readonly edges: readonly FlowEdge[];
}

function readGraph(raw: unknown): Graph {
  const flag = '--graph-description';
  const description = readObject(flag, raw);
  const successors = new Map<string, readonly string[]>();
  const nodeNames = new Set<string>();
  const inDegree = new Map<string, number>();
  const edges: FlowEdge[] = [];
  let origins: readonly string[] = [];
  for (const [from, targets] of Object.entries(description)) {
    if (!Array.isArray(targets) || targets.some((target) => typeof target !== 'string' || target === '')) {
      throw new TopologyError(flag, from, `expected a list of node names, got ${JSON.stringify(targets)}`);
    }
    if (from === '') throw new TopologyError(flag, from, 'node names cannot be empty');
    const list = targets as string[];
    const seen = new Set<string>();
    for (const to of list) {
      if (seen.has(to)) throw new TopologyError(flag, from, `"${to}" is listed twice`);
      seen.add(to);
      if (to === START_GATEWAY) throw new TopologyError(flag, from, `"${START_GATEWAY}" cannot be a successor`);
      if (to === from) throw new TopologyError(flag, from, `"${from}" lists itself as a successor (cycle)`);
      if (from === START_GATEWAY && to === END_GATEWAY) {
        const reason = `"${START_GATEWAY}" cannot lead straight to "${END_GATEWAY}"; use {} for a gateway without executors`;
        throw new TopologyError(flag, from, reason);
      }
      edges.push({ from, to });
      if (to !== END_GATEWAY) {
        nodeNames.add(to);
        inDegree.set(to, (inDegree.get(to) ?? 0) + 1);
      }
    }
    if (from === END_GATEWAY) {
      if (list.length > 0) throw new TopologyError(flag, from, `"${END_GATEWAY}" cannot have successors`);
      continue;
    }
    if (from === START_GATEWAY) {
      origins = list;
      continue;
    }
    nodeNames.add(from);
    successors.set(from, list);
  }
  if (nodeNames.size > 0 && origins.length === 0) {
    throw new TopologyError(flag, START_GATEWAY, `no "${START_GATEWAY}" entry listing the first node(s)`);
  }
  return { origins, successors, nodeNames, inDegree, edges };
}

interface Walk {
  readonly nodeOrder: string[];
  readonly predecessors: Map<string, string[]>;
  readonly responders: string[];
}

/**
 * Jina walks every path from the origins depth first. Its first visits give `all_nodes`, and the
 * order in which it first crosses each edge orders a node's inputs and the responders. A plain
 * depth-first search with a visited set crosses edges for the first time in the same order.
 */
function walkGraph(graph: Graph): Walk {
  const nodeOrder: string[] = [];
  const predecessors = new Map<string, string[]>();
  const responders: string[] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];

  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    nodeOrder.push(name);
    const targets = graph.successors.get(name);
    if (targets === undefined) responders.push(name);
    for (const to of targets ?? []) {
      if (to === END_GATEWAY) {
        responders.push(name);
        continue;
      }
      const inputs = predecessors.get(to);
      if (inputs === undefined) predecessors.set(to, [name]);
      else inputs.push(name);
      const seen = state.get(to);
      if (seen === 'active') {
        const cycle = [...stack.slice(stack.indexOf(to)), to].join(' → ');
        throw new TopologyError('--graph-description', name, `cycle ${cycle}`);
      }
      if (seen === undefined) visit(to);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const origin of graph.origins) {
    if (state.get(origin) === undefined) visit(origin);
  }
  for (const name of graph.nodeNames) {
    if (!state.has(name)) {
      throw new TopologyError('--graph-description', name, `"${name}" cannot be reached from "${START_GATEWAY}"`);
    }
  }
  return { nodeOrder, predecessors, responders };
}

/** Kahn's algorithm, always taking the ready node that comes first in nodeOrder. */
function topologicalOrder(graph: Graph, nodeOrder: readonly string[]): string[] {
  const rank = new Map(nodeOrder.map((name, index) => [name, index]));
  const waiting = new Map<string, number>();
  for (const name of nodeOrder) {
    const fromStart = graph.origins.includes(name) ? 1 : 0;
    waiting.set(name, (graph.inDegree.get(name) ?? 0) - fromStart);
  }
  const ready = nodeOrder.filter((name) => waiting.get(name) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const name = ready.shift()!;
    order.push(name);
    for (const to of graph.successors.get(name) ?? []) {
      if (to === END_GATEWAY) continue;
      const left = waiting.get(to)! - 1;
      waiting.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  return order;
}

interface AddressEntry {
  readonly grpc: readonly string[];
  readonly http: readonly string[];
}

/** The three forms: `["grpc://h:p", ...]`, compose's `["h:p"]`, and `{"GRPC": [...], "HTTP": [...]}`. */
function readAddresses(raw: unknown): Map<string, AddressEntry> {
  const flag = '--deployments-addresses';
  const entries = new Map<string, AddressEntry>();
  for (const [name, value] of Object.entries(readObject(flag, raw))) {
    let grpc: unknown = value;
    let http: unknown = [];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // Jina reads exactly "GRPC" (ProtocolType.GRPC.to_string()); any case is accepted here
      const byProtocol = new Map(Object.entries(value).map(([protocol, list]) => [protocol.toUpperCase(), list]));
      grpc = byProtocol.get('GRPC') ?? [];
      http = byProtocol.get('HTTP') ?? [];
    }
    entries.set(name, { grpc: readAddressList(flag, name, grpc, true), http: readAddressList(flag, name, http, false) });
  }
  return entries;
}

function readAddressList(flag: GatewayFlagName, name: string, value: unknown, dialled: boolean): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((address) => typeof address !== 'string' || address.trim() === '')) {
    throw new TopologyError(flag, name, `expected a list of addresses or {"GRPC": [...]}, got ${JSON.stringify(value)}`);
  }
  const addresses = (list as string[]).map((address) => address.trim());
  if (dialled) {
    for (const address of addresses) {
      try {
        parseExecutorAddress(address);
      } catch (error) {
        throw new TopologyError(flag, name, (error as Error).message);
      }
    }
  }
  return addresses;
}

function readMetadata(raw: unknown): Record<string, Record<string, string>> {
  const flag = '--deployments-metadata';
  const out: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>;
  for (const [name, value] of Object.entries(readObject(flag, raw))) {
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new TopologyError(flag, name, `expected an object of string values, got ${JSON.stringify(value)}`);
    }
    const entry: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'string') {
        throw new TopologyError(flag, name, `metadata "${key}" must be a string, got ${JSON.stringify(item)}`);
      }
      entry[key] = item;
    }
    out[name] = entry;
  }
  return out;
}

function readNoReduce(raw: unknown): string[] {
  const flag = '--deployments-no-reduce';
  if (!Array.isArray(raw) || raw.some((name) => typeof name !== 'string')) {
    throw new TopologyError(flag, undefined, `expected a JSON list of node names, got ${JSON.stringify(raw)}`);
  }
  return raw as string[];
}

/**
 * What one request does in the Flow, decided before any call: which nodes call their executor and
 * which pass the request through, what each waits for, how inputs are merged, what parameters each
 * executor receives, and which nodes shape the response. The streamer executes the plan with real
 * gRPC calls; this module does no I/O.
 *
 * Executing a plan the way Jina's gateway does (`_wait_previous_and_send`):
 * 1. Run each step once all its inputs have arrived (`START_GATEWAY` = the client's request,
 *    with `header.target_executor` cleared); steps whose inputs are ready run in parallel.
 * 2. If an input is an executor error (trailing metadata `is-error`), the step does not run: its
 *    outcome is that error response (the first failing input in `inputs` order).
 * 3. `pass`: the outcome is the input that arrived LAST, unfiltered and unmerged, with its
 *    parameters rewritten by `parametersForExecutor(input.parameters, step.node)`.
 * 4. `call`: apply `filter` to each input's docs; then `single`: send the one input; `reduce`:
 *    `reduceRequests` over the inputs in arrival order, send one request; `all-parts`: send all
 *    inputs in one `process_data` call (the executor merges). Parameters sent = `parameters`.
 *    Record `resultsOf(response.parameters)` for the node, then reset the response's parameters
 *    to the client's; that response is the outcome.
 * 5. The response is the outcome of the first of `responders` (an error response included);
 *    with `echo` there is none and the client's request is returned as it came. Transport
 *    failures (after retries) of an `awaited` step fail the whole request; steps not awaited
 *    (floating branches) still run but nothing waits for them.
 * 6. Finish the response: its parameters get `__results__` = collectResults over the nodes'
 *    results in `resultsOrder`; if `restoreDocOrder`, its docs are put back in the order of the
 *    client's doc ids (restoreRequestOrder); routes are rebuilt by the streamer.
 */
import type { FlowTopology } from './graph.js';
import { START_GATEWAY } from './graph.js';
import type { DocPredicate } from './filter.js';
import { type Parameters, parametersForExecutor } from './parameters.js';
import { compilePythonRegex, matchesPython, PythonRegexError } from './python-regex.js';

/** Jina's fallback endpoint: an executor binding it receives requests for any endpoint. */
export const DEFAULT_ENDPOINT = '/default';

export interface PlanRequest {
  /** `header.exec_endpoint` ('' when the client sent none; then only `/default` executors run). */
  readonly endpoint: string;
  /** `header.target_executor`: a Python regex matched against node names with `re.match`; '' or absent targets all. */
  readonly targetExecutor?: string;
  /** The client's parameters. */
  readonly parameters?: Parameters;
  /** Endpoints each deployment binds (endpoint discovery); a node without an entry is assumed to bind all. */
  readonly endpoints?: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>;
}

/** How a calling step merges several inputs. */
export type MergeMode = 'single' | 'reduce' | 'all-parts';

export type StepAction =
  | { readonly kind: 'call'; readonly merge: MergeMode }
  | { readonly kind: 'pass'; readonly reason: 'endpoint-not-bound' | 'not-targeted' };

export interface PlanStep {
  /** Node (and deployment) name. */
  readonly node: string;
  /** What the step waits for: `START_GATEWAY` for the client's request, else predecessor nodes. */
  readonly inputs: readonly string[];
  readonly action: StepAction;
  /** The `when` condition, applied to each input's docs before merging (only when calling). */
  readonly filter: DocPredicate | undefined;
  /** The parameters the executor receives. */
  readonly parameters: Parameters;
  /** The response waits for this step (it leads to a responder). */
  readonly awaited: boolean;
}

export interface ExecutionPlan {
  readonly endpoint: string;
  /** In an order where every step comes after its inputs. */
  readonly steps: readonly PlanStep[];
  readonly byNode: ReadonlyMap<string, PlanStep>;
  /** Candidates for the response, in Jina's order: the response is the first one's outcome. */
  readonly responders: readonly string[];
  /** No responders (empty graph, or only floating leaves): the response is the client's request. */
  readonly echo: boolean;
  /** Put the response's docs back in the client's doc order (the Flow has `when` conditions). */
  readonly restoreDocOrder: boolean;
  /** Order in which the nodes' `__results__` are merged into the response (later wins). */
  readonly resultsOrder: readonly string[];
}

/** `header.target_executor` is not a valid Python regular expression. */
export class TargetExecutorError extends Error {
  override readonly name = 'TargetExecutorError';

  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid target_executor ${JSON.stringify(pattern)}: ${reason}`);
  }
}

export function planRequest(topology: FlowTopology, request: PlanRequest): ExecutionPlan {
  const endpoint = request.endpoint;
  const clientParameters = request.parameters ?? {};
  const target = request.targetExecutor ? targetRegex(request.targetExecutor) : undefined;
  const awaited = awaitedNodes(topology);

  const steps: PlanStep[] = [];
  for (const name of topology.topologicalOrder) {
    const node = topology.nodes.get(name)!;
    const bound = endpointsOf(request.endpoints, name);
    let action: StepAction;
    if (bound !== undefined && !bound.includes(endpoint) && !bound.includes(DEFAULT_ENDPOINT)) {
      action = { kind: 'pass', reason: 'endpoint-not-bound' };
    } else if (target !== undefined && !matchesPython(target, name)) {
      action = { kind: 'pass', reason: 'not-targeted' };
    } else {
      action = { kind: 'call', merge: node.parts <= 1 ? 'single' : node.reduce ? 'reduce' : 'all-parts' };
    }
    steps.push({
      node: name,
      inputs: node.origin ? [START_GATEWAY, ...node.predecessors] : node.predecessors,
      action,
      filter: node.filter,
      parameters: parametersForExecutor(clientParameters, name),
      awaited: awaited.has(name),
    });
  }
  return {
    endpoint,
    steps,
    byNode: new Map(steps.map((step) => [step.node, step])),
    responders: topology.respondingNodes,
    echo: topology.respondingNodes.length === 0,
    restoreDocOrder: topology.hasConditions,
    resultsOrder: topology.nodeOrder,
  };
}

function endpointsOf(endpoints: PlanRequest['endpoints'], name: string): readonly string[] | undefined {
  if (endpoints === undefined) return undefined;
  if (endpoints instanceof Map) return endpoints.get(name);
  const record = endpoints as Readonly<Record<string, readonly string[]>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Responders and everything upstream of them: Jina gathers all responding leaf tasks. */
function awaitedNodes(topology: FlowTopology): Set<string> {
  const awaited = new Set<string>();
  const pending = [...topology.respondingNodes];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (awaited.has(name)) continue;
    awaited.add(name);
    pending.push(...topology.nodes.get(name)!.predecessors);
  }
  return awaited;
}

const targetCache = new Map<string, RegExp>();
const TARGET_CACHE_LIMIT = 256;

/** `re.match(pattern, name)`: anchored at the start only (`enc` targets `encoder` too). */
function targetRegex(pattern: string): RegExp {
  let regex = targetCache.get(pattern);
  if (regex === undefined) {
    try {
      regex = compilePythonRegex(pattern, 'match');
    } catch (error) {
      if (error instanceof PythonRegexError) throw new TargetExecutorError(pattern, error.message);
      throw error;
    }
    if (targetCache.size >= TARGET_CACHE_LIMIT) targetCache.clear();
    targetCache.set(pattern, regex);
  }
  return regex;
}

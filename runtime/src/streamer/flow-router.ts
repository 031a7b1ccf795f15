/**
 * Sends one request through the Flow graph, as Jina's gateway does (topology/plan.ts decides
 * what happens; this module makes the gRPC calls). Documents stay serialized on every hop that
 * does not look inside them: only a `when` filter, a join's reduce and the final re-sort decode.
 */
import { type ConnectionPool } from '../executor/connection-pool.js';
import { decodeResponse } from '../executor/response.js';
import type { Timestamp } from '../wire/gen/google/protobuf/timestamp.pb.js';
import type { RouteProto } from '../wire/gen/jina/jina.pb.js';
import { decodeDocList, encodeDocList } from '../wire/doc-codec.js';
import type { Doc } from '../wire/doc.js';
import {
  type DataRequest,
  dataContentFromDocList,
  docListFromDataContent,
  encodeDataRequest,
  isErrorStatus,
} from '../wire/data-request.js';
import { type FlowTopology, START_GATEWAY } from '../topology/graph.js';
import { type ExecutionPlan, type PlanStep, planRequest } from '../topology/plan.js';
import {
  collectResults,
  type Parameters,
  parametersForExecutor,
  RESULTS_KEY,
  responseParameters,
  resultsOf,
} from '../topology/parameters.js';
import { reduceRequests } from '../topology/reduce.js';
import { requestDocIds, restoreRequestOrder } from '../topology/request-order.js';
import type { EndpointDirectory } from './endpoint-directory.js';

/** A node's result: the response request, and whether the executor raised (in-band error). */
interface Outcome {
  readonly request: DataRequest;
  readonly isError: boolean;
}

export interface RouteOptions {
  /** Per-call deadline in ms overriding --timeout-send. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with errors of floating branches, which never reach the response. */
  onFloatingError?: (node: string, error: unknown) => void;
  /**
   * The bytes `request` was decoded from. When a node receives the client's request unchanged
   * (no executor-specific parameters, no target_executor, no filter or merge), these bytes are
   * sent as they are: one copy of the documents less per hop.
   */
  raw?: Buffer;
}

export class FlowRouter {
  constructor(
    private readonly topology: FlowTopology,
    private readonly pool: ConnectionPool,
    private readonly endpoints: EndpointDirectory,
  ) {}

  /** Routes `request` through the Flow and returns the response (an executor error included, in-band). */
  async route(request: DataRequest, options: RouteOptions = {}): Promise<DataRequest> {
    const gatewayStart = now();
    const plan = planRequest(this.topology, {
      endpoint: request.header.execEndpoint ?? '',
      targetExecutor: request.header.targetExecutor,
      parameters: request.parameters,
      // after the first requests, discovery is complete and known without waiting
      endpoints: this.endpoints.completeBindings() ?? (await this.endpoints.bindings()),
    });
    // Jina clears target_executor before fan-out so nested gateways do not filter again.
    const start: Outcome = { request: { ...request, header: { ...request.header, targetExecutor: '' } }, isError: false };
    // The client's bytes say the same as `start` when they carry no target_executor.
    const startBytes = request.header.targetExecutor ? undefined : options.raw;
    const run = new PlanRun(plan, start, startBytes, this.pool, options);

    const floating = plan.steps.filter((step) => !step.awaited);
    for (const step of floating) {
      run.outcome(step.node).catch((error: unknown) => options.onFloatingError?.(step.node, error));
    }
    // Jina gathers every responding leaf: a transport failure on any of them fails the request.
    const responded =
      plan.responders.length === 1 ? [await run.outcome(plan.responders[0]!)] : await Promise.all(plan.responders.map((node) => run.outcome(node)));
    const response = plan.echo ? start : responded[0]!;

    const finished: DataRequest = {
      ...response.request,
      parameters: responseParameters(
        response.request.parameters,
        collectResults(plan.resultsOrder.map((node) => run.results.get(node))),
      ),
      routes: [{ executor: 'gateway', startTime: gatewayStart, endTime: now(), status: undefined }, ...run.routesInOrder()],
    };
    if (plan.restoreDocOrder && !response.isError) {
      const requestIds = requestDocIds(decodeDocList(docListFromDataContent(request.data)));
      const docs = restoreRequestOrder(decodeDocList(docListFromDataContent(finished.data)), requestIds);
      finished.data = dataContentFromDocList(encodeDocList(docs));
    }
    return finished;
  }
}

/** The state of one request's execution: each node's outcome, results and route. */
class PlanRun {
  readonly results = new Map<string, Parameters | undefined>();
  private readonly outcomes = new Map<string, Promise<Outcome>>();
  private readonly routes = new Map<string, RouteProto>();

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly start: Outcome,
    /** Serialized `start.request`, when the client's bytes can be forwarded as they are. */
    private readonly startBytes: Buffer | undefined,
    private readonly pool: ConnectionPool,
    private readonly options: RouteOptions,
  ) {}

  /** The node's outcome, running the node (once) when first asked. */
  outcome(node: string): Promise<Outcome> {
    if (node === START_GATEWAY) return Promise.resolve(this.start);
    let outcome = this.outcomes.get(node);
    if (outcome === undefined) {
      const step = this.plan.byNode.get(node);
      if (step === undefined) return Promise.reject(new Error(`no node "${node}" in the Flow`));
      outcome = this.runStep(step);
      this.outcomes.set(node, outcome);
    }
    return outcome;
  }

  private async firstFailed(step: PlanStep): Promise<Outcome | undefined> {
    const inputs = await Promise.all(step.inputs.map((input) => this.outcome(input)));
    return inputs.find((input) => input.isError);
  }

  routesInOrder(): RouteProto[] {
    return this.plan.steps.flatMap((step) => this.routes.get(step.node) ?? []);
  }

  private async runStep(step: PlanStep): Promise<Outcome> {
    // Inputs in arrival order: a pass-through forwards the last to arrive, a reduce merges in that order.
    const arrived: Outcome[] = [];
    if (step.inputs.length === 1) {
      arrived.push(await this.outcome(step.inputs[0]!));
    } else {
      await Promise.all(step.inputs.map((input) => this.outcome(input).then((outcome) => void arrived.push(outcome))));
    }
    // An executor error upstream ends the branch: the first failed input, in plan order, goes on.
    const failedInput = step.inputs.length === 1 ? (arrived[0]!.isError ? arrived[0] : undefined) : await this.firstFailed(step);
    if (failedInput !== undefined) return failedInput;

    if (step.action.kind === 'pass') {
      const last = arrived[arrived.length - 1]!;
      return { ...last, request: { ...last.request, parameters: parametersForExecutor(last.request.parameters, step.node) } };
    }

    const inputs = step.filter === undefined ? arrived : arrived.map((input) => filtered(input, step.filter!));
    const deployment = this.pool.get(step.node);
    const header = (request: DataRequest) => ({ ...request.header, execEndpoint: this.plan.endpoint });
    const callOptions = {
      endpoint: this.plan.endpoint,
      requestId: inputs[0]!.request.header.requestId,
      timeoutMs: this.options.timeoutMs,
      signal: this.options.signal,
    };
    const startTime = now();
    let result;
    if (step.action.merge === 'all-parts') {
      const parts = inputs.map((input) =>
        encodeDataRequest({ ...input.request, header: header(input.request), parameters: step.parameters }),
      );
      result = await deployment.processData(parts, callOptions);
    } else {
      const merged = step.action.merge === 'reduce' ? reduced(inputs) : inputs[0]!.request;
      // Jina's reduce_requests adds the parts' `__results__` union (possibly {}) to what the join receives.
      const parameters = step.action.merge === 'reduce' ? { ...step.parameters, [RESULTS_KEY]: merged.parameters[RESULTS_KEY] } : step.parameters;
      const unchanged =
        this.startBytes !== undefined &&
        merged === this.start.request &&
        parameters === merged.parameters &&
        merged.header.execEndpoint === this.plan.endpoint;
      const bytes = unchanged ? this.startBytes! : encodeDataRequest({ ...merged, header: header(merged), parameters });
      result = await deployment.processSingleData(bytes, callOptions);
    }
    const response = decodeResponse(result, step.node);
    const isError = result.isError || isErrorStatus(response.header.status);
    this.results.set(step.node, resultsOf(response.parameters));
    this.routes.set(step.node, {
      executor: step.node,
      startTime,
      endTime: now(),
      status: isError ? response.header.status : undefined,
    });
    // After each hop the request goes on with the client's parameters (Jina resets them).
    return { request: { ...response, parameters: this.start.request.parameters, routes: [] }, isError };
  }
}

/** Applies a `when` condition: only matching docs go on to the node. */
function filtered(input: Outcome, predicate: (doc: Doc) => boolean): Outcome {
  const docs = decodeDocList(docListFromDataContent(input.request.data)).filter(predicate);
  return { ...input, request: { ...input.request, data: dataContentFromDocList(encodeDocList(docs)) } };
}

/** A join: docs reduced by id across the parts, envelope of the first successful part. */
function reduced(inputs: readonly Outcome[]): DataRequest {
  const merged = reduceRequests(
    inputs.map((input) => ({ request: input.request, docs: decodeDocList(docListFromDataContent(input.request.data)) })),
  );
  return { ...merged.request, data: dataContentFromDocList(encodeDocList(merged.docs)) };
}

function now(): Timestamp {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/**
 * The Flow-level endpoint map a client-facing gateway serves: for every endpoint some deployment
 * binds, the document models the Flow takes and returns. Jina computes it once at start-up
 * (`GatewayStreamer._get_endpoints_input_output_models` over `_ReqReplyNode._get_leaf_input_output_model`)
 * and so do we, from each deployment's endpoint discovery (executor layout: `{input: {name, model},
 * output, is_generator, is_singleton_doc, parameters}` per endpoint).
 *
 * Jina's rule, walking from each origin node along its successors to a leaf:
 * - `input` and `is_generator` come from the FIRST node on the path that binds the endpoint
 *   (exactly: a node binding only `/default` does not count);
 * - `output` and `parameters` from the LAST binding node;
 * - `is_singleton_doc` from the last node on the path (a non-binding node resets it to false).
 * Per origin the first leaf path counts; with several origins the last one wins. Unlike Jina, an
 * origin whose first path binds nothing does not overwrite a binding one (Jina then crashes on the
 * missing model), and an endpoint bound only off the first paths still gets its models.
 */
import type { DeploymentEndpoints } from '../../streamer/endpoint-directory.js';
import type { FlowTopology } from '../../topology/graph.js';
import type { JsonSchema } from '../../wire/doc-schema.js';

/** A model as discovery reports it: the class name and its JSON schema. */
export interface FlowModel {
  readonly name: string;
  readonly schema: JsonSchema;
}

export interface FlowEndpoint {
  /** The endpoint as executors name it (`/foo`, `/default`, `foo`). */
  readonly endpoint: string;
  /** Input document model; undefined when the binding executor reported none (any document). */
  readonly input: FlowModel | undefined;
  readonly output: FlowModel | undefined;
  readonly isGenerator: boolean;
  readonly isSingletonDoc: boolean;
  /** The pydantic parameters model, when the endpoint declares one. */
  readonly parameters: FlowModel | undefined;
}

/** Jina's implicit no-op endpoint: discovered, never routed. */
export const DRY_RUN_ENDPOINT = '_jina_dry_run_';

interface PathState {
  /** Some node on the path so far binds the endpoint. */
  readonly bound: boolean;
  readonly input: FlowModel | undefined;
  readonly output: FlowModel | undefined;
  readonly isGenerator: boolean;
  readonly isSingletonDoc: boolean;
  readonly parameters: FlowModel | undefined;
}

const UNBOUND: PathState = {
  bound: false,
  input: undefined,
  output: undefined,
  isGenerator: false,
  isSingletonDoc: false,
  parameters: undefined,
};

/**
 * The Flow's endpoints in a stable order (nodes in Jina's `all_nodes` order, each node's
 * endpoints as it listed them), `_jina_dry_run_` included (callers skip it).
 */
export function flowEndpointMap(
  topology: FlowTopology,
  discovered: ReadonlyMap<string, DeploymentEndpoints>,
): Map<string, FlowEndpoint> {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const node of topology.nodeOrder) {
    for (const endpoint of discovered.get(node)?.endpoints ?? []) {
      if (!seen.has(endpoint)) {
        seen.add(endpoint);
        names.push(endpoint);
      }
    }
  }

  const map = new Map<string, FlowEndpoint>();
  for (const endpoint of names) {
    const step = (node: string, previous: PathState): PathState => {
      const entry = discovered.get(node);
      if (entry === undefined || !entry.endpoints.includes(endpoint)) {
        return { ...previous, isSingletonDoc: false };
      }
      const own = readSchemaEntry(entry.schemas[endpoint]);
      return {
        bound: true,
        input: previous.bound ? previous.input : own.input,
        isGenerator: previous.bound ? previous.isGenerator : own.isGenerator,
        output: own.output,
        isSingletonDoc: own.isSingletonDoc,
        parameters: own.parameters,
      };
    };
    const leafStates = (node: string, previous: PathState): PathState[] => {
      const here = step(node, previous);
      const successors = topology.nodes.get(node)?.successors ?? [];
      if (successors.length === 0) return [here];
      return successors.flatMap((successor) => leafStates(successor, here));
    };

    let chosen: PathState | undefined;
    let fallback: PathState | undefined;
    for (const origin of topology.origins) {
      const states = leafStates(origin, UNBOUND);
      const first = states[0];
      if (first?.bound) chosen = first;
      fallback ??= states.find((state) => state.bound);
    }
    const state = chosen ?? fallback;
    if (state === undefined) continue; // bound only by a node no origin reaches
    map.set(endpoint, {
      endpoint,
      input: state.input,
      output: state.output,
      isGenerator: state.isGenerator,
      isSingletonDoc: state.isSingletonDoc,
      parameters: state.parameters,
    });
  }
  return map;
}

interface SchemaEntry {
  input: FlowModel | undefined;
  output: FlowModel | undefined;
  isGenerator: boolean;
  isSingletonDoc: boolean;
  parameters: FlowModel | undefined;
}

/** One endpoint's discovery entry, read defensively (it crossed a protobuf Struct). */
export function readSchemaEntry(raw: unknown): SchemaEntry {
  const entry = asObject(raw) ?? {};
  return {
    input: readModel(entry.input),
    output: readModel(entry.output) ?? readModel(entry.input),
    isGenerator: entry.is_generator === true,
    isSingletonDoc: entry.is_singleton_doc === true,
    parameters: readModel(entry.parameters),
  };
}

function readModel(raw: unknown): FlowModel | undefined {
  const wrapper = asObject(raw);
  const schema = asObject(wrapper?.model);
  if (wrapper === undefined || schema === undefined) return undefined;
  const name = typeof wrapper.name === 'string' && wrapper.name !== '' ? wrapper.name : typeof schema.title === 'string' ? schema.title : 'Model';
  return { name, schema };
}

function asObject(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/**
 * The implementation behind a generated gateway's typed executor map (`src/gen/executors.ts`):
 * binds each deployment's ExecutorStreamer to the descriptors the generator wrote for its
 * endpoints (input schema for the codec, return-type check, parameters check). The generated file
 * only adds the types; the behaviour lives here, once, tested with the runtime.
 */
import type { Doc } from '../wire/doc.js';
import type { JsonSchema } from '../wire/doc-schema.js';
import type { ExecutorStreamer } from './executor-streamer.js';

export interface EndpointDescriptor {
  /** A generator endpoint: served by `stream`, not `post`. */
  readonly streaming: boolean;
  /** The input model in the schema dialect the doc codec reads (tensors, bytes, nested docs). */
  readonly inputSchema: JsonSchema;
  /** Checks (and types) one returned document; throws ReturnTypeError naming the path. */
  readonly checkOutput: (doc: Doc, path: string) => unknown;
  /** Checks the parameters before they are sent, when the endpoint declares a model. */
  readonly checkParameters?: (value: unknown, path: string) => unknown;
}

/** Executor name → endpoint → descriptor. */
export type ExecutorDescriptors = Readonly<Record<string, Readonly<Record<string, EndpointDescriptor>>>>;

export interface BoundPostOptions {
  on: string;
  inputs?: unknown;
  parameters?: Record<string, unknown>;
  requestSize?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface BoundStreamOptions {
  on: string;
  input: unknown;
  parameters?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface BoundExecutor {
  readonly name: string;
  post(options: BoundPostOptions): Promise<unknown[]>;
  stream(options: BoundStreamOptions): AsyncGenerator<unknown>;
}

const bound = new WeakMap<object, Map<ExecutorDescriptors, Record<string, BoundExecutor>>>();

/** The typed view of `gateway.executor` (cached per executor record and descriptor set). */
export function bindExecutors(executor: Readonly<Record<string, ExecutorStreamer>>, descriptors: ExecutorDescriptors): Record<string, BoundExecutor> {
  let byDescriptors = bound.get(executor);
  if (byDescriptors === undefined) bound.set(executor, (byDescriptors = new Map()));
  let view = byDescriptors.get(descriptors);
  if (view === undefined) {
    view = Object.create(null) as Record<string, BoundExecutor>;
    for (const name of Object.keys(descriptors)) view[name] = bindExecutor(executor, name, descriptors[name]!);
    byDescriptors.set(descriptors, view);
  }
  return view;
}

function bindExecutor(executor: Readonly<Record<string, ExecutorStreamer>>, name: string, endpoints: Readonly<Record<string, EndpointDescriptor>>): BoundExecutor {
  const streamerOf = (): ExecutorStreamer => {
    const streamer = Object.hasOwn(executor, name) ? executor[name] : undefined;
    if (streamer === undefined) {
      throw new Error(`executor "${name}" is not a deployment of this gateway (deployments: ${Object.keys(executor).join(', ') || 'none'}): start the gateway with it in --graph-description / --deployments-addresses`);
    }
    return streamer;
  };
  const endpointOf = (on: string, streaming: boolean): EndpointDescriptor => {
    const endpoint = Object.hasOwn(endpoints, on) ? endpoints[on] : undefined;
    if (endpoint === undefined) throw new Error(`executor "${name}" has no endpoint ${JSON.stringify(on)} (endpoints: ${Object.keys(endpoints).join(', ')})`);
    if (endpoint.streaming !== streaming) {
      throw new Error(`executor "${name}" endpoint ${on} is ${endpoint.streaming ? 'a generator endpoint: use stream()' : 'not a generator endpoint: use post()'}`);
    }
    return endpoint;
  };
  return {
    name,
    async post(options) {
      const endpoint = endpointOf(options.on, false);
      const parameters = options.parameters ?? {};
      endpoint.checkParameters?.(parameters, 'parameters');
      return streamerOf().post({
        on: options.on,
        inputs: options.inputs as readonly Doc[] | Doc | undefined,
        parameters,
        inputSchema: endpoint.inputSchema,
        returnType: endpoint.checkOutput,
        ...(options.requestSize === undefined ? {} : { requestSize: options.requestSize }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    },
    async *stream(options) {
      const endpoint = endpointOf(options.on, true);
      const parameters = options.parameters ?? {};
      endpoint.checkParameters?.(parameters, 'parameters');
      yield* streamerOf().streamDoc(options.input as Doc, {
        on: options.on,
        parameters,
        inputSchema: endpoint.inputSchema,
        returnType: endpoint.checkOutput,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    },
  };
}

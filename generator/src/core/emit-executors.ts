/**
 * `src/gen/executors.ts`: the typed executor map. `typedExecutors(this.executor)['encoder']
 * .post({ on: '/encode', inputs })` infers the input, output and parameters types from the
 * endpoint literal; an unknown executor or endpoint, or a wrong input shape, does not compile.
 * Behaviour (codec schema, return-type and parameters checks) is bound by the runtime's
 * `bindExecutors`; this file adds the types and the per-endpoint descriptors.
 *
 * Executor and endpoint names reach the code only as JSON string literals (computed keys in
 * object literals, so that a name like `__proto__` is an own property, never the prototype).
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { codecModelSchema } from './codec-schema.js';
import { generatedHeader } from './generated-header.js';
import { docText } from './identifiers.js';
import type { GatewayModel } from './ir.js';
import { endpointValidatorPath } from './emit-validators.js';

export const EXECUTORS_FILE = 'src/gen/executors.ts';

export function emitExecutors(model: GatewayModel): GeneratedFile {
  const imports: string[] = [];
  const types: string[] = [];
  const descriptors: string[] = [];
  let index = 0;
  for (const executor of model.executors) {
    types.push(`  /** Executor ${docText(JSON.stringify(executor.name))}. */`, `  ${JSON.stringify(executor.name)}: {`);
    descriptors.push(`  [${JSON.stringify(executor.name)}]: {`);
    for (const endpoint of executor.endpoints) {
      const alias = `endpoint${index++}`;
      imports.push(`import * as ${alias} from '${endpointValidatorPath(executor, endpoint).replace(/^src\/gen\//, './').replace(/\.ts$/, '.js')}';`);
      const parameters = endpoint.parameters === undefined ? '{ [key: string]: unknown }' : `models.${endpoint.parameters}`;
      const kind = endpoint.isGenerator ? 'a generator endpoint (stream())' : endpoint.isSingletonDoc ? 'one doc at a time' : 'a batch endpoint';
      types.push(
        `    /** ${docText(JSON.stringify(endpoint.on))}: ${endpoint.input} → ${endpoint.output}, ${kind}. */`,
        `    ${JSON.stringify(endpoint.on)}: { input: models.${endpoint.input}; output: models.${endpoint.output}; parameters: ${parameters}; streaming: ${endpoint.isGenerator} };`,
      );
      descriptors.push(
        `    [${JSON.stringify(endpoint.on)}]: {`,
        `      streaming: ${endpoint.isGenerator},`,
        `      inputSchema: inputSchema(${JSON.stringify(endpoint.input)}),`,
        `      checkOutput: ${alias}.checkOutput,`,
        ...(endpoint.parameters === undefined ? [] : [`      checkParameters: ${alias}.checkParameters,`]),
        '    },',
      );
    }
    types.push('  };');
    descriptors.push('  },');
  }
  const definitions: Record<string, unknown> = {};
  for (const def of model.models) definitions[def.name] = codecModelSchema(def);

  const content = [
    generatedHeader().trimEnd(),
    '/**',
    ' * The executors of this gateway, typed from their schemas:',
    ' *',
    ' *     const executors = typedExecutors(this.executor);',
    " *     const docs = await executors['name'].post({ on: '/endpoint', inputs: [doc] });",
    ' *',
    ' * Returned documents are checked against the output model (ReturnTypeError names the path).',
    ' */',
    "import { bindExecutors, type ExecutorDescriptors, type ExecutorStreamer, type JsonSchema } from '@jina-ts/runtime';",
    "import type * as models from './models.js';",
    ...imports,
    '',
    '/** Every executor and endpoint: what it takes, returns and accepts as parameters. */',
    'export interface ExecutorEndpoints {',
    ...types,
    '}',
    '',
    "type InputOf<Endpoint> = Endpoint extends { input: infer Input } ? Input : never;",
    "type OutputOf<Endpoint> = Endpoint extends { output: infer Output } ? Output : never;",
    "type ParametersOf<Endpoint> = Endpoint extends { parameters: infer Parameters } ? Parameters : never;",
    'type RequestEndpoints<E> = { [On in keyof E]: E[On] extends { streaming: false } ? On : never }[keyof E] & string;',
    'type StreamingEndpoints<E> = { [On in keyof E]: E[On] extends { streaming: true } ? On : never }[keyof E] & string;',
    '',
    'export interface TypedPostOptions<Endpoint, On extends string> {',
    '  on: On;',
    '  /** The documents to send (one or a list); batches of `requestSize` go in parallel. */',
    '  inputs?: InputOf<Endpoint> | readonly InputOf<Endpoint>[];',
    '  parameters?: ParametersOf<Endpoint>;',
    '  requestSize?: number;',
    '  timeoutMs?: number;',
    '  signal?: AbortSignal;',
    '}',
    '',
    'export interface TypedStreamOptions<Endpoint, On extends string> {',
    '  on: On;',
    '  input: InputOf<Endpoint>;',
    '  parameters?: ParametersOf<Endpoint>;',
    '  signal?: AbortSignal;',
    '}',
    '',
    'export interface TypedExecutor<E> {',
    '  readonly name: string;',
    '  /** Sends the documents to a request-response endpoint; resolves with the checked output documents. */',
    '  post<On extends RequestEndpoints<E>>(options: TypedPostOptions<E[On], On>): Promise<OutputOf<E[On]>[]>;',
    '  /** One document to a generator endpoint; yields each checked output document. */',
    '  stream<On extends StreamingEndpoints<E>>(options: TypedStreamOptions<E[On], On>): AsyncGenerator<OutputOf<E[On]>>;',
    '}',
    '',
    'export type TypedExecutors = { readonly [Name in keyof ExecutorEndpoints]: TypedExecutor<ExecutorEndpoints[Name]> };',
    '',
    '/** The codec schemas of the input models (pydantic v2 dialect: tensors, bytes, nested docs). */',
    `const definitions = JSON.parse(${JSON.stringify(JSON.stringify(definitions))}) as Record<string, JsonSchema>;`,
    '',
    'function inputSchema(model: string): JsonSchema {',
    "  return { $ref: `#/$defs/${model}`, $defs: definitions };",
    '}',
    '',
    '/** Per endpoint: codec schema of the input, return-type and parameters checks (also used by routes.ts). */',
    'export const descriptors: ExecutorDescriptors = {',
    ...descriptors,
    '};',
    '',
    '/** The typed view of a gateway\'s `this.executor` (one deployment each, bypassing the Flow graph). */',
    'export function typedExecutors(executor: Readonly<Record<string, ExecutorStreamer>>): TypedExecutors {',
    '  return bindExecutors(executor, descriptors) as unknown as TypedExecutors;',
    '}',
  ];
  return { path: EXECUTORS_FILE, content: `${content.join('\n')}\n` };
}

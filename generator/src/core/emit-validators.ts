/**
 * Return-type validators, compiled ahead of time with ajv standalone:
 * - `src/gen/validate/models.ts`: one validating function per model (ajv's standalone output;
 *   `@ts-nocheck`, as it is generated JavaScript), tensors and bytes checked by two keywords of
 *   our own whose code ajv inlines (no runtime lookup of our functions);
 * - `src/gen/validate/<executor>/<endpoint>.ts`, one per endpoint: `checkOutput` (and
 *   `checkParameters`) that type what passes and throw the runtime's ReturnTypeError, naming the
 *   executor, the endpoint and the JSON path of each problem, for what does not.
 */
import AjvModule, { _, type KeywordCxt } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import type { GeneratedFile } from '../cli/generator-core.js';
import { generatedHeader } from './generated-header.js';
import type { EndpointDef, ExecutorDef, GatewayModel, ModelDef } from './ir.js';
import { BYTES_KEYWORD, modelSchema, NDARRAY_KEYWORD, referencedModels } from './validator-schema.js';

// ajv and its standalone module are CommonJS: their default export sits on `.default` under nodenext
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

export const VALIDATORS_FILE = 'src/gen/validate/models.ts';

export function validatorFunctionName(model: string): string {
  return `validate${model}`;
}

/** `src/gen/validate/<executor>/<endpoint>.ts` (identifiers are unique without case, so paths are too). */
export function endpointValidatorPath(executor: ExecutorDef, endpoint: EndpointDef): string {
  return `src/gen/validate/${executor.ident}/${endpoint.ident}.ts`;
}

export function emitValidators(model: GatewayModel): GeneratedFile[] {
  const files: GeneratedFile[] = [{ path: VALIDATORS_FILE, content: standaloneModels(model) }];
  const byName = new Map(model.models.map((def) => [def.name, def]));
  for (const executor of model.executors) {
    for (const endpoint of executor.endpoints) {
      files.push({ path: endpointValidatorPath(executor, endpoint), content: endpointModule(executor, endpoint, byName) });
    }
  }
  return files;
}

/** What ajv compiles in place of each validator's source (see `process` below). */
const UNCALLED_VALIDATOR = 'return function validate() { throw new Error("a generator-side ajv validator is never called"); }';

function standaloneModels(model: GatewayModel): string {
  // inlineRefs: false: a model used by many others is one function, called, not copied into each;
  // optimize: false: ajv's name-optimizing passes took over half the generation time, for ~9 % less code;
  // validateSchema: false: the schemas are ours (validator-schema.ts), and checking them against the
  // meta-schema held ~100 MiB more at 16 x 8 x 32;
  // process: ajv turns each validator's source into a function (new Function) that is never called
  // here, only written out by standaloneCode (from the source it keeps aside): compiling a stub
  // instead took ~25 % off the validators' time
  const ajv = new Ajv({ code: { source: true, esm: true, lines: true, optimize: false, process: () => UNCALLED_VALIDATOR }, allErrors: true, inlineRefs: false, validateSchema: false, strict: true, strictTuples: false, strictTypes: false });
  ajv.addKeyword({
    keyword: NDARRAY_KEYWORD,
    schemaType: 'object',
    code(cxt: KeywordCxt) {
      const { data } = cxt;
      const { shape, nullable } = cxt.schema as { shape?: number[]; nullable?: boolean };
      let failed = _`!(${data} !== null && typeof ${data} == "object" && Array.isArray(${data}.shape) && ArrayBuffer.isView(${data}.data) && typeof ${data}.dtype == "string")`;
      if (shape !== undefined) {
        failed = _`${failed} || ${data}.shape.length !== ${shape.length}`;
        shape.forEach((dim, index) => {
          if (dim >= 0) failed = _`${failed} || ${data}.shape[${index}] !== ${dim}`;
        });
      }
      cxt.fail(nullable === true ? _`${data} !== null && (${failed})` : failed);
    },
    error: {
      message: (cxt) => {
        const { shape, nullable } = cxt.schema as { shape?: number[]; nullable?: boolean };
        const tensor = shape === undefined ? 'must be a tensor' : `must be a tensor of shape [${shape.map((dim) => (dim < 0 ? '*' : String(dim))).join(', ')}]`;
        return nullable === true ? `${tensor} or null` : tensor;
      },
    },
  });
  ajv.addKeyword({
    keyword: BYTES_KEYWORD,
    schemaType: 'object',
    code(cxt: KeywordCxt) {
      const bytes = _`${cxt.data} instanceof Uint8Array`;
      cxt.fail((cxt.schema as { nullable?: boolean }).nullable === true ? _`${cxt.data} !== null && !(${bytes})` : _`!(${bytes})`);
    },
    error: { message: (cxt) => ((cxt.schema as { nullable?: boolean }).nullable === true ? 'must be bytes (a Uint8Array) or null' : 'must be bytes (a Uint8Array)') },
  });
  // what executors send back (outputs) and what requests carry (parameters), with the models they refer to
  const checked = new Set<string>();
  for (const executor of model.executors) {
    for (const endpoint of executor.endpoints) {
      checked.add(endpoint.output);
      if (endpoint.parameters !== undefined) checked.add(endpoint.parameters);
    }
  }
  const byName = new Map(model.models.map((def) => [def.name, def]));
  const definitions: Record<string, unknown> = {};
  const pending = [...checked];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (Object.hasOwn(definitions, name)) continue;
    const def = byName.get(name)!;
    definitions[name] = modelSchema(def);
    const referenced = new Set<string>();
    for (const field of def.fields) referencedModels(field.type, referenced);
    pending.push(...referenced);
  }
  ajv.addSchema({ $id: 'models', definitions });
  const exports: Record<string, string> = {};
  for (const name of [...checked].sort()) exports[validatorFunctionName(name)] = `models#/definitions/${name}`;
  let code = standaloneCode(ajv, exports);
  // ajv's few runtime helpers are CommonJS `require`s; a project in ESM imports them instead
  const imports: string[] = [];
  code = code.replace(/require\("ajv\/dist\/runtime\/([a-z0-9]+)"\)/g, (_match, helper: string) => {
    const name = `ajvRuntime_${helper}`;
    if (!imports.some((line) => line.includes(` ${name} `))) imports.push(`import ${name} from "ajv/dist/runtime/${helper}.js";`);
    return name;
  });
  return `${generatedHeader()}// @ts-nocheck: ajv standalone output (JavaScript), one validating function per document model.\n${imports.join('\n')}${imports.length > 0 ? '\n' : ''}${code.replace(/^"use strict";/, '')}\n`;
}

function endpointModule(executor: ExecutorDef, endpoint: EndpointDef, models: ReadonlyMap<string, ModelDef>): string {
  const output = models.get(endpoint.output)!;
  const parameters = endpoint.parameters === undefined ? undefined : models.get(endpoint.parameters)!;
  const lines = [
    generatedHeader().trimEnd(),
    `/** Return-type check of executor ${JSON.stringify(executor.name).replace(/\*\//g, '*\\/')} endpoint ${JSON.stringify(endpoint.on).replace(/\*\//g, '*\\/')}. */`,
    "import { ReturnTypeError, type ValidationProblem } from '@jina-ts/runtime';",
    "import type * as models from '../../models.js';",
    "import * as validators from '../models.js';",
    '',
    '/** What ajv standalone functions are (their module is unchecked JavaScript). */',
    'type Validate = { (value: unknown): boolean; errors?: ValidationProblem[] | null };',
    '',
    `export const executor = ${JSON.stringify(executor.name)};`,
    `export const endpoint = ${JSON.stringify(endpoint.on)};`,
    '',
    `/** One document the executor returned: a \`${output.name}\`, or a ReturnTypeError naming the path of each problem. */`,
    `export function checkOutput(doc: unknown, path: string): models.${output.name} {`,
    `  const validate = validators.${validatorFunctionName(output.name)} as Validate;`,
    `  if (validate(doc)) return doc as models.${output.name};`,
    `  throw new ReturnTypeError(executor, endpoint, ${JSON.stringify(output.schemaName)}, path, validate.errors);`,
    '}',
  ];
  if (parameters !== undefined) {
    lines.push(
      '',
      `/** The parameters of a request: a \`${parameters.name}\`, or a ReturnTypeError (role "parameters") naming the path of each problem. */`,
      `export function checkParameters(value: unknown, path: string): models.${parameters.name} {`,
      `  const validate = validators.${validatorFunctionName(parameters.name)} as Validate;`,
      `  if (validate(value)) return value as models.${parameters.name};`,
      `  throw new ReturnTypeError(executor, endpoint, ${JSON.stringify(parameters.schemaName)}, path, validate.errors, 'parameters');`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

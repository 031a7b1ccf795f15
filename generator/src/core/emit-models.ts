/**
 * `src/gen/models.ts`: one interface per document model (shared across executors when they
 * report the same model), fields sorted by name. A field the model does not require may be
 * missing or null (docarray sends None for unset optional fields); a required one is always there.
 *
 * The same interfaces in the `json` form are the consumer SDK's `client/src/models.ts`: the
 * documents as the HTTP API carries them (no runtime import; bytes as strings, tensors as lists).
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { generatedHeader } from './generated-header.js';
import { docText, propertyKey } from './identifiers.js';
import type { GatewayModel, ModelDef } from './ir.js';
import { admitsNull, type TypeForm, tsType } from './ts-types.js';

export const MODELS_FILE = 'src/gen/models.ts';

const PRELUDE: Readonly<Record<TypeForm, readonly string[]>> = {
  runtime: [
    '/** Document models of the executors, as the TypeScript API of @jina-ts/runtime carries them. */',
    "import type * as runtime from '@jina-ts/runtime';",
    '',
    '/** A docarray tensor whose shape the executor declares (`NdArray[128]`): build one with `tensor(data, [128])`. */',
    'export type Tensor<Shape extends readonly number[]> = runtime.NdArray & { readonly shape: Shape };',
  ],
  json: [
    '/** Document models of the executors, as the gateway\'s HTTP API carries them (JSON: bytes as UTF-8 text, tensors as nested lists). */',
    '',
    '/**',
    ' * A docarray tensor as JSON: nested lists of numbers, one level per dimension of `Shape`',
    ' * (`Tensor<readonly [128]>` is a list of 128 numbers); NaN and ±Infinity come back as null.',
    ' * Without a shape (the executor declares none): a number or any nesting of lists.',
    ' */',
    'export type Tensor<Shape extends readonly number[] | undefined = undefined> = Shape extends undefined',
    '  ? number | null | Tensor[]',
    '  : Shape extends readonly [number, ...infer Rest extends number[]]',
    '    ? Tensor<Rest>[]',
    '    : number | null;',
  ],
};

/** The models in the runtime's form at `src/gen/models.ts`, or in another form at another path. */
export function emitModels(model: GatewayModel, form: TypeForm = 'runtime', path: string = MODELS_FILE): GeneratedFile {
  const lines: string[] = [generatedHeader().trimEnd(), ...PRELUDE[form]];
  for (const def of model.models) lines.push('', ...modelLines(def, form));
  return { path, content: `${lines.join('\n')}\n` };
}

function modelLines(def: ModelDef, form: TypeForm): string[] {
  const lines = comment(def.description === undefined ? `\`${def.schemaName}\`` : `\`${def.schemaName}\`: ${def.description}`, '');
  lines.push(`export interface ${def.name} {`);
  for (const field of def.fields) {
    if (field.description !== undefined) lines.push(...comment(field.description, '  '));
    const type = tsType(field.type, '', form);
    const optional = !field.required;
    lines.push(`  ${propertyKey(field.fieldName)}${optional ? '?' : ''}: ${optional && !admitsNull(field.type) ? `${type} | null` : type};`);
  }
  lines.push('}');
  return lines;
}

function comment(text: string, indent: string): string[] {
  const body = docText(text).split('\n').map((line) => line.trimEnd());
  if (body.length === 1) return [`${indent}/** ${body[0]} */`];
  return [`${indent}/**`, ...body.map((line) => (line === '' ? `${indent} *` : `${indent} * ${line}`)), `${indent} */`];
}

/**
 * `src/gen/models.ts`: one interface per document model (shared across executors when they
 * report the same model), fields sorted by name. A field the model does not require may be
 * missing or null (docarray sends None for unset optional fields); a required one is always there.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { generatedHeader } from './generated-header.js';
import { docText, propertyKey } from './identifiers.js';
import type { GatewayModel, ModelDef } from './ir.js';
import { admitsNull, tsType } from './ts-types.js';

export const MODELS_FILE = 'src/gen/models.ts';

export function emitModels(model: GatewayModel): GeneratedFile {
  const lines: string[] = [
    generatedHeader().trimEnd(),
    '/** Document models of the executors, as the TypeScript API of @jina-ts/runtime carries them. */',
    "import type * as runtime from '@jina-ts/runtime';",
    '',
    '/** A docarray tensor whose shape the executor declares (`NdArray[128]`): build one with `tensor(data, [128])`. */',
    'export type Tensor<Shape extends readonly number[]> = runtime.NdArray & { readonly shape: Shape };',
  ];
  for (const def of model.models) lines.push('', ...modelLines(def));
  return { path: MODELS_FILE, content: `${lines.join('\n')}\n` };
}

function modelLines(def: ModelDef): string[] {
  const lines = comment(def.description === undefined ? `\`${def.schemaName}\`` : `\`${def.schemaName}\`: ${def.description}`, '');
  lines.push(`export interface ${def.name} {`);
  for (const field of def.fields) {
    if (field.description !== undefined) lines.push(...comment(field.description, '  '));
    const type = tsType(field.type);
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

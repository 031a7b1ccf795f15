/**
 * The standalone validators module (src/gen/validate/models.ts) loaded as the project loads it
 * and run on documents: every optional kind accepts null and absence, and a wrong value gives
 * one problem at its path, `T | null` written without an `anyOf` where JSON Schema allows
 * (validator-schema.ts) and the tensor and bytes keywords' nullable forms.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitValidators, VALIDATORS_FILE } from './emit-validators.js';
import { EVERY_KIND } from './gateway-model-samples.js';

type Validate = { (value: unknown): boolean; errors?: { instancePath: string; message?: string }[] | null };

// inside the repository, so that the module's `ajv/dist/runtime/…` imports resolve
const DIR = fileURLToPath(new URL('../../../.test-tmp/emit-validators/', import.meta.url));
let validateEverything: Validate;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, 'models.mjs');
  writeFileSync(file, emitValidators(EVERY_KIND).find((generated) => generated.path === VALIDATORS_FILE)!.content);
  ({ validateEverything } = (await import(pathToFileURL(file).href)) as { validateEverything: Validate });
});
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const tensor = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, dtype: '<f4' });
const REQUIRED = { choice: 'a', embedding: tensor([3, 5, 4]), flag: true, score: 1 };
const OPTIONAL = ['any', 'blob', 'count', 'grid', 'inner', 'inners', 'mixed', 'nothing', 'pair', 'raw', 'scalar', 'scores', 'tables', 'tensors', 'text', 'values', 'yes'];

function problems(doc: object): string[] {
  return validateEverything(doc) ? [] : (validateEverything.errors ?? []).map((error) => `${error.instancePath}: ${error.message}`);
}

describe('the standalone validators', () => {
  it('accept every optional field absent, or null', () => {
    expect(problems(REQUIRED)).toEqual([]);
    expect(problems({ ...REQUIRED, ...Object.fromEntries(OPTIONAL.map((field) => [field, null])) })).toEqual([]);
  });

  it('accept well-typed values of every kind', () => {
    const doc = {
      ...REQUIRED,
      blob: new Uint8Array([1]),
      count: 2,
      grid: [[1, 2]],
      inner: { label: 'x' },
      inners: [{ label: 'y' }],
      mixed: 'one',
      pair: ['a', 1],
      raw: tensor([7]),
      scalar: tensor([]),
      scores: { a: [1] },
      tables: { t: { r: { label: 'z' } } },
      tensors: [tensor([2])],
      text: 't',
      values: ['v', 1],
      yes: true,
    };
    expect(problems(doc)).toEqual([]);
  });

  it('give one problem, at its path, for a wrong value of an optional field', () => {
    expect(problems({ ...REQUIRED, raw: 'no' })).toEqual(['/raw: must be a tensor or null']);
    expect(problems({ ...REQUIRED, scalar: tensor([2]) })).toEqual(['/scalar: must be a tensor of shape [] or null']);
    expect(problems({ ...REQUIRED, blob: 'AAE=' })).toEqual(['/blob: must be bytes (a Uint8Array) or null']);
    expect(problems({ ...REQUIRED, inners: [{ label: 3 }] })).toEqual(['/inners/0/label: must be string']);
    expect(problems({ ...REQUIRED, inners: 'x' })).toEqual(['/inners: must be array,null']);
    expect(problems({ ...REQUIRED, scores: { a: ['x'] } })).toEqual(['/scores/a/0: must be number']);
    expect(problems({ ...REQUIRED, pair: ['a'] })).toEqual(['/pair: must NOT have fewer than 2 items']);
    expect(problems({ ...REQUIRED, yes: false })).toEqual(['/yes: must be equal to one of the allowed values']);
    expect(problems({ ...REQUIRED, text: 1 })).toEqual(['/text: must be string,null']);
  });

  it('keep required fields non-null', () => {
    expect(problems({ ...REQUIRED, embedding: null })).toEqual(['/embedding: must be a tensor of shape [3, *, 4]']);
    expect(problems({ ...REQUIRED, score: null })).toEqual(['/score: must be number']);
  });
});

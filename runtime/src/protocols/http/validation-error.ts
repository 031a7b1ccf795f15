/**
 * 422 bodies in FastAPI's shape (what Jina's HTTP gateway answers and its users parse):
 * `{"detail": [{"type": ..., "loc": ["body", "data", 0, "text"], "msg": ..., "input": ...}]}`.
 * `loc` names the field; unlike pydantic's, it has no union-branch segments
 * (`"list[TextDoc]"`), just the path into the body.
 */
import type { ErrorObject } from 'ajv';
import type { DocCodecError } from '../../wire/codec-error.js';
import { TENSOR_KEYWORD } from './validation-schema.js';

export type Loc = (string | number)[];

export interface ValidationDetail {
  type: string;
  loc: Loc;
  msg: string;
  /** The offending value, when it is a scalar (big lists and objects are left out). */
  input?: unknown;
}

export interface ValidationErrorBody {
  detail: ValidationDetail[];
}

/** At most this many details: a 10 000-doc body with the same mistake in each gives a short answer. */
const MAX_DETAILS = 50;

const TYPE_WORDS: Record<string, [type: string, words: string]> = {
  string: ['string_type', 'a valid string'],
  integer: ['int_type', 'a valid integer'],
  number: ['float_type', 'a valid number'],
  boolean: ['bool_type', 'a valid boolean'],
  array: ['list_type', 'a valid list'],
  object: ['model_attributes_type', 'a valid dictionary or object to extract fields from'],
  null: ['none_required', 'None'],
};

/** FastAPI-style details from ajv's errors (ajv run with allErrors) for the value `data` found at `root`. */
export function detailsFromAjv(errors: readonly ErrorObject[], data: unknown, root: Loc = ['body']): ValidationDetail[] {
  // Union and conditional summaries repeat what their branches said.
  const relevant = errors.filter((error) => !['anyOf', 'oneOf', 'if'].includes(error.keyword));
  const paths = relevant.map((error) => error.instancePath);
  const details: ValidationDetail[] = [];
  const seen = new Set<string>();
  const typesAt = new Map<string, string[]>();

  for (const error of relevant) {
    const path = error.instancePath;
    if (error.keyword === 'type') {
      // A type mismatch at a value that also has other errors at or below it is the other branch
      // of a union (`Optional[Inner]` given a bad Inner): those errors are the useful ones.
      if (relevant.some((other) => other.keyword !== 'type' && (other.instancePath === path || other.instancePath.startsWith(`${path}/`)))) continue;
      if (paths.some((other) => other.length > path.length && other.startsWith(`${path}/`))) continue;
      const types = typesAt.get(path) ?? [];
      types.push(...(Array.isArray(error.params.type) ? error.params.type : String(error.params.type).split(',')));
      typesAt.set(path, types);
      continue;
    }
    const loc = [...root, ...locOf(path, data)];
    let detail: ValidationDetail;
    switch (error.keyword) {
      case 'required':
        loc.push(String(error.params.missingProperty));
        detail = { type: 'missing', loc, msg: 'Field required' };
        break;
      case TENSOR_KEYWORD:
        detail = { type: 'tensor_type', loc, msg: 'Input should be a tensor: a number or (nested) lists of numbers' };
        break;
      case 'enum':
      case 'const':
        detail = { type: error.keyword === 'enum' ? 'enum' : 'literal_error', loc, msg: `Input ${error.message ?? 'is not allowed'}` };
        break;
      default:
        detail = { type: 'value_error', loc, msg: `Input ${error.message ?? 'is invalid'}` };
    }
    push(details, seen, withInput(detail, path, data, error.keyword === 'required'));
  }

  for (const [path, types] of typesAt) {
    // Optional[T] fails on both T and null: name T (pydantic does the same).
    const named = [...new Set(types)].filter((type) => type !== 'null');
    const chosen = named.length > 0 ? named : ['null'];
    const [type, words] = TYPE_WORDS[chosen[0]!] ?? ['type_error', `of type ${chosen[0]}`];
    const wordsList = chosen.map((name) => TYPE_WORDS[name]?.[1] ?? `of type ${name}`);
    const msg = `Input should be ${wordsList.length > 1 ? `${wordsList.slice(0, -1).join(', ')} or ${wordsList.at(-1)}` : words}`;
    push(details, seen, withInput({ type, loc: [...root, ...locOf(path, data)], msg }, path, data, false));
  }
  details.sort((a, b) => compareLoc(a.loc, b.loc));
  return details.slice(0, MAX_DETAILS);
}

/** A codec error as one detail; `root` is where the codec started (e.g. `['body', 'data']`). */
export function detailFromCodecError(error: DocCodecError, root: Loc): ValidationDetail {
  return { type: 'value_error', loc: [...root, ...error.segments], msg: error.reason };
}

export function validationBody(details: ValidationDetail[]): ValidationErrorBody {
  return { detail: details };
}

function push(details: ValidationDetail[], seen: Set<string>, detail: ValidationDetail): void {
  const key = `${JSON.stringify(detail.loc)}|${detail.type}`;
  if (seen.has(key)) return;
  seen.add(key);
  details.push(detail);
}

/** JSON-pointer segments as loc entries: list indices as numbers, keys as strings. */
function locOf(pointer: string, data: unknown): Loc {
  if (pointer === '') return [];
  const loc: Loc = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      loc.push(index);
      node = node[index];
    } else {
      loc.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return loc;
}

function valueAt(pointer: string, data: unknown): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function withInput(detail: ValidationDetail, path: string, data: unknown, skip: boolean): ValidationDetail {
  if (skip) return detail;
  const value = valueAt(path, data);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) detail.input = value;
  return detail;
}

function compareLoc(a: Loc, b: Loc): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

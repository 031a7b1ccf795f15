/**
 * docarray's filter query language (`docarray.utils.filter.filter_docs`), used by Jina for a
 * node's `when` condition (`--graph-conditions`). A query is compiled once into a predicate.
 *
 * This follows docarray 0.40's parser and evaluator, quirks included, because a condition must
 * select the same documents here as in a Python gateway:
 * - Nested fields are separated by `__` (`inner__name`, `tags__key`, `matches__0__id`); a `.` is
 *   NOT a separator, `inner.name` is a field that does not exist.
 * - Several keys at the top level are ANDed, except that a logical operator absorbs the keys after
 *   it: `{"$or": [A], "b": B}` means A or B, while `{"b": B, "$or": [A]}` means B and A.
 * - In a top-level list, only the first element counts when it is a single condition.
 * - `{"field": {"$or": [...]}}` ignores `field`: the operator's value is a full query.
 * - A missing field fails every operator but `$exists: false`, including `$neq` and `$nin`; a
 *   `__` path through a None value yields None (so `$exists: true` holds).
 * - A string value starting with `{` is a placeholder: `{name}` is replaced by the doc's
 *   top-level field `name` (None when absent).
 * - Comparisons follow Python (see python-value.ts). Where Python raises (e.g. `$gt` between a
 *   str and an int, an index out of range), the predicate throws QueryEvaluationError: in Jina
 *   the request then fails.
 * - `$regex` is Python `re.search`, translated by python-regex.ts. On a nested doc it searches
 *   the doc's `text` field (docarray's TextDoc rule).
 * Errors docarray raises while evaluating a malformed query (`$exists: 1`, a non-string `$regex`,
 * a non-iterable `$in`, an illegal placeholder) are raised here at compile time.
 *
 * Two differences remain. Jina decodes docs with the node's input model, so a field the model
 * does not declare is missing there, while here every field the sender wrote is present. And key
 * order, which decides evaluation order and the absorbing rule above, is JSON's except that JS
 * puts integer-like keys ("0", "1") first.
 */
import type { Doc } from '../wire/doc.js';
import { NdArray } from '../wire/doc.js';
import { compilePythonRegex, matchesPython, PythonRegexError } from './python-regex.js';
import {
  pythonCompare,
  pythonContains,
  pythonEquals,
  pythonIterable,
  pythonLen,
  pythonTypeName,
  pythonTypeOf,
  PythonTypeError,
} from './python-value.js';

/** A query that docarray refuses to parse; `operator` names the offending operator when there is one. */
export class QueryError extends Error {
  override readonly name = 'QueryError';

  constructor(
    message: string,
    readonly operator?: string,
  ) {
    super(message);
  }
}

/** Evaluating a query on a doc failed where Python raises too (the request fails in Jina). */
export class QueryEvaluationError extends Error {
  override readonly name = 'QueryEvaluationError';

  constructor(
    readonly operator: string,
    readonly field: string,
    reason: string,
  ) {
    super(`filter ${operator} on field "${field}": ${reason}`);
  }
}

export type DocPredicate = (doc: Doc) => boolean;

const LOGICAL = new Set(['$and', '$or', '$not']);
const OPERATORS = new Set(['$lt', '$gt', '$lte', '$gte', '$eq', '$neq', '$exists', '$regex', '$size', '$in', '$nin']);

/** The operators docarray supports, for documentation and error messages. */
export const QUERY_OPERATORS: readonly string[] = ['$and', '$or', '$not', ...OPERATORS];

interface Group {
  readonly kind: 'group';
  readonly any: boolean;
  readonly negate: boolean;
  readonly children: QueryNode[];
}

interface Lookup {
  readonly kind: 'lookup';
  readonly field: string;
  readonly operator: string;
  readonly value: unknown;
  /** Set when the value is a `{name}` placeholder. */
  readonly placeholder: string | undefined;
  readonly regex: RegExp | undefined;
}

type QueryNode = Group | Lookup;

/**
 * Compiles a query (an object, a list, or its JSON text). An empty query (`{}`, `[]`, `""`,
 * null) matches every doc, as in docarray.
 */
export function compileQuery(query: unknown): DocPredicate {
  if (typeof query === 'string' && query !== '') {
    try {
      query = JSON.parse(query);
    } catch (error) {
      throw new QueryError(`the query is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (isEmptyQuery(query)) return () => true;
  const root = parse(query, undefined);
  if (root === undefined) return () => true;
  return (doc) => evaluate(root, doc);
}

/** Python's `if query:`: docarray skips filtering for a falsy query. */
export function isEmptyQuery(query: unknown): boolean {
  if (query === null || query === undefined || query === false || query === 0 || query === '') return true;
  if (Array.isArray(query)) return query.length === 0;
  return typeof query === 'object' && Object.keys(query).length === 0;
}

/** `filter_docs`: the docs that match, in their order. Accepts a query or a compiled predicate. */
export function filterDocs<D extends Doc>(docs: readonly D[], query: unknown): D[] {
  const predicate = typeof query === 'function' ? (query as DocPredicate) : compileQuery(query);
  return docs.filter((doc) => predicate(doc));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  return !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof NdArray);
}

function logicalGroup(operator: string): Group {
  return { kind: 'group', any: operator === '$or', negate: operator === '$not', children: [] };
}

/** docarray's `_parse_lookups`, structure for structure. */
function parse(data: unknown, root: QueryNode | undefined): QueryNode | undefined {
  if (isPlainObject(data)) {
    for (const [key, value] of Object.entries(data)) {
      if (root?.kind === 'lookup') root = { kind: 'group', any: false, negate: false, children: [root] };
      let node: QueryNode | undefined;
      if (LOGICAL.has(key)) {
        node = parse(value, logicalGroup(key));
      } else if (key.startsWith('$')) {
        throw new QueryError(`the operator ${key} is not supported (supported: ${QUERY_OPERATORS.join(' ')})`, key);
      } else {
        if (!isPlainObject(value) || Object.keys(value).length === 0) {
          throw new QueryError(
            `not a valid query at field "${key}": expected {"${key}": {"<operator>": <value>}}, got ${JSON.stringify(value)}`,
          );
        }
        const items = Object.entries(value);
        if (items.length === 1) {
          const [operator, operand] = items[0]!;
          if (LOGICAL.has(operator)) {
            // docarray drops the field name here: the operand is parsed as a whole query
            node = parse(operand, logicalGroup(operator));
          } else if (OPERATORS.has(operator)) {
            node = compileLookup(key, operator, operand);
          } else {
            throw new QueryError(
              `the operator ${operator} (on field "${key}") is not supported (supported: ${QUERY_OPERATORS.join(' ')})`,
              operator,
            );
          }
        } else {
          const group: Group = { kind: 'group', any: false, negate: false, children: [] };
          for (const [operator, operand] of items) {
            const child = parse({ [key]: { [operator]: operand } }, undefined);
            if (child) group.children.push(child);
          }
          node = group;
        }
      }
      if (root && node) {
        if (root.kind === 'group') root.children.push(node);
      } else if (node) {
        root = node;
      }
    }
  } else if (Array.isArray(data)) {
    for (const item of data) {
      const node = parse(item, undefined);
      if (root && node) {
        // a leading single condition swallows the rest of the list, as in docarray
        if (root.kind === 'group') root.children.push(node);
      } else if (node) {
        root = node;
      }
    }
  } else {
    throw new QueryError(`the query is illegal: ${JSON.stringify(data)} (expected an object or a list)`);
  }
  return root;
}

const PLACEHOLDER = /\{\s*([a-zA-Z0-9_]*)\s*\}/g;

function compileLookup(field: string, operator: string, value: unknown): Lookup {
  let placeholder: string | undefined;
  if (typeof value === 'string' && value.startsWith('{')) {
    const names = [...value.matchAll(PLACEHOLDER)];
    if (names.length !== 1) {
      throw new QueryError(`the placeholder \`${value}\` (for ${operator} on "${field}") is illegal`, operator);
    }
    placeholder = names[0]![1]!;
  }
  let regex: RegExp | undefined;
  if (placeholder === undefined) {
    checkOperand(field, operator, value);
    if (operator === '$regex') regex = compileSearch(field, value as string);
  }
  return { kind: 'lookup', field, operator, value, placeholder, regex };
}

function checkOperand(field: string, operator: string, value: unknown): void {
  switch (operator) {
    case '$exists':
      if (typeof value !== 'boolean') {
        throw new QueryError(`$exists (on field "${field}") accepts only true or false, got ${JSON.stringify(value)}`, operator);
      }
      return;
    case '$regex':
      if (typeof value !== 'string') {
        throw new QueryError(`$regex (on field "${field}") needs a string pattern, got ${JSON.stringify(value)}`, operator);
      }
      return;
    case '$in':
    case '$nin':
      if (!pythonIterable(value)) {
        const got = JSON.stringify(value);
        throw new QueryError(`${operator} (on field "${field}") needs a list, string or object, got ${got}`, operator);
      }
      return;
  }
}

function compileSearch(field: string, pattern: string): RegExp {
  try {
    return compilePythonRegex(pattern, 'search');
  } catch (error) {
    if (error instanceof PythonRegexError) throw new QueryError(`$regex (on field "${field}"): ${error.message}`, '$regex');
    throw error;
  }
}

function evaluate(node: QueryNode, doc: Doc): boolean {
  if (node.kind === 'lookup') return evaluateLookup(node, doc);
  let result: boolean;
  if (node.any) {
    result = false;
    for (const child of node.children) {
      if (evaluate(child, doc)) {
        result = true;
        break;
      }
    }
  } else {
    result = true;
    for (const child of node.children) {
      if (!evaluate(child, doc)) {
        result = false;
        break;
      }
    }
  }
  return node.negate ? !result : result;
}

interface Resolved {
  readonly exists: boolean;
  readonly value: unknown;
}

const MISSING: Resolved = { exists: false, value: undefined };

function evaluateLookup(lookup: Lookup, doc: Doc): boolean {
  const { field, operator } = lookup;
  try {
    let operand = lookup.value;
    let regex = lookup.regex;
    if (lookup.placeholder !== undefined) {
      operand = Object.hasOwn(doc, lookup.placeholder) ? doc[lookup.placeholder] : null;
      checkOperandAtRuntime(lookup, operand);
      if (operator === '$regex') regex = compilePythonRegex(operand as string, 'search');
    }
    const resolved = field.includes('__') ? dunderGet(doc, field, true) : ownField(doc, field);
    if (!resolved.exists && operator !== '$exists') return false;
    const value = resolved.value ?? null;
    switch (operator) {
      case '$eq':
        return pythonEquals(value, operand);
      case '$neq':
        return !pythonEquals(value, operand);
      case '$in':
        return pythonContains(operand, value);
      case '$nin':
        return !pythonContains(operand, value);
      case '$lt':
        return value !== null && pythonCompare(value, operand, '<');
      case '$lte':
        return value !== null && pythonCompare(value, operand, '<=');
      case '$gt':
        return value !== null && pythonCompare(value, operand, '>');
      case '$gte':
        return value !== null && pythonCompare(value, operand, '>=');
      case '$size':
        return value !== null && pythonEquals(pythonLen(value), operand);
      case '$regex':
        return regexSearch(regex!, value);
      case '$exists':
        return resolved.exists === operand;
      default:
        throw new PythonTypeError(`unknown operator ${operator}`);
    }
  } catch (error) {
    if (error instanceof PythonTypeError || error instanceof PythonRegexError || error instanceof QueryError) {
      throw new QueryEvaluationError(operator, field, error.message);
    }
    throw error;
  }
}

function checkOperandAtRuntime(lookup: Lookup, operand: unknown): void {
  switch (lookup.operator) {
    case '$exists':
      if (typeof operand !== 'boolean') {
        throw new PythonTypeError('$exists operator can only accept True/False as value for comparison');
      }
      return;
    case '$regex':
      if (typeof operand !== 'string') throw new PythonTypeError('first argument must be string or compiled pattern');
      return;
    case '$in':
    case '$nin':
      if (!pythonIterable(operand)) throw new PythonTypeError('Value not an iterable');
      return;
  }
}

function regexSearch(regex: RegExp, value: unknown): boolean {
  let text = value;
  if (pythonTypeOf(value) === 'doc') {
    const inner = (value as Doc).text;
    if (typeof inner !== 'string') throw new PythonTypeError('$regex on a nested document needs its "text" field to be a string');
    text = inner;
  }
  if (text === null) return false;
  if (typeof text !== 'string') {
    throw new PythonTypeError(
      pythonTypeOf(text) === 'bytes'
        ? 'cannot use a string pattern on a bytes-like object'
        : `expected string or bytes-like object, got '${pythonTypeName(text)}'`,
    );
  }
  return matchesPython(regex, text);
}

/** `getattr(doc, field)`: the doc's own field, or missing. */
function ownField(doc: object, field: string): Resolved {
  return Object.hasOwn(doc, field) ? { exists: true, value: (doc as Record<string, unknown>)[field] } : MISSING;
}

const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

/** docarray's `dunder_get`: walks `a__b__0__c` through docs, dicts, sequences and tensors. */
function dunderGet(target: unknown, key: string, topLevel: boolean): Resolved {
  if (target === null || target === undefined) return { exists: true, value: null };
  const split = key.indexOf('__');
  const part = split < 0 ? key : key.slice(0, split);
  const rest = split < 0 ? '' : key.slice(split + 2);
  const type = topLevel ? 'doc' : pythonTypeOf(target);
  const index = PYTHON_INT.test(part) ? Number(part.replaceAll('_', '').trim()) : undefined;
  let result: Resolved;
  if (index !== undefined) {
    switch (type) {
      case 'dict':
        // dict keys from the wire are strings: d[0] is a KeyError
        return MISSING;
      case 'list':
      case 'tuple':
      case 'doclist':
      case 'str':
      case 'bytes':
      case 'tensor':
        result = { exists: true, value: indexSequence(target, index) };
        break;
      default:
        throw new PythonTypeError(`'${pythonTypeName(target)}' object is not subscriptable`);
    }
  } else {
    switch (type) {
      case 'dict':
      case 'doc':
        result = ownField(target as object, part);
        if (!result.exists) return MISSING;
        break;
      case 'list':
      case 'tuple':
      case 'doclist':
      case 'str':
      case 'bytes':
        throw new PythonTypeError(`invalid literal for int() with base 10: '${part}' (indexing a ${pythonTypeName(target)})`);
      default:
        // getattr on a scalar, set or tensor: AttributeError
        return MISSING;
    }
  }
  return rest === '' ? result : dunderGet(result.value, rest, false);
}

function indexSequence(target: unknown, index: number): unknown {
  if (target instanceof NdArray) return indexTensor(target, index);
  let items: ArrayLike<unknown>;
  if (typeof target === 'string') items = [...target];
  else if (ArrayBuffer.isView(target)) items = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  else items = target as unknown[];
  const position = index < 0 ? items.length + index : index;
  if (position < 0 || position >= items.length) throw new PythonTypeError(`${pythonTypeName(target)} index out of range`);
  return items[position];
}

function indexTensor(tensor: NdArray, index: number): unknown {
  const [length, ...inner] = tensor.shape;
  if (length === undefined) throw new PythonTypeError('too many indices for array: array is 0-dimensional');
  const position = index < 0 ? length + index : index;
  if (position < 0 || position >= length) {
    throw new PythonTypeError(`index ${index} is out of bounds for axis 0 with size ${length}`);
  }
  const stride = inner.reduce((a, b) => a * b, 1);
  const element = tensor.data[position * stride];
  if (inner.length === 0) return typeof element === 'bigint' ? Number(element) : element;
  const data = tensor.data.slice(position * stride, (position + 1) * stride) as typeof tensor.data;
  return new NdArray(data, inner, tensor.dtype, tensor.typeTag);
}

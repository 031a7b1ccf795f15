/**
 * Merging the results of several predecessors at a join, as Jina does before calling the join
 * node: docarray's `reduce_all` over the parts' docs and Jina's `reduce_requests` for the
 * envelope. Inputs are never mutated (docarray mutates the first list in place); unchanged docs
 * are shared by reference.
 *
 * docarray's rules, kept here:
 * - Docs are matched by `id`. A doc of a later list whose id is known updates that doc; any other
 *   doc is appended. The id index is built once from the first list and never learns the
 *   appended docs, so an id that is new in two later lists is appended twice; but when the first
 *   list is empty, the index is rebuilt for each later list. Docs without an id never match
 *   (Python gives each one a fresh random id).
 * - Updating a doc with another (`BaseDoc.update`), field by field: DocLists are reduced the same
 *   way recursively, lists concatenated, sets unioned, dicts updated (right wins, even with
 *   None), nested docs updated recursively, and any other value (str, number, bool, bytes,
 *   tensor, tuple) replaced by the right-hand value unless that is None. Nested docs' ids are
 *   overwritten like any other field.
 * Which rule applies comes from the codec's kind marks (doc.ts), standing in for the Python
 * field annotations; an unmarked array is a list and an unmarked object a dict.
 *
 * Divergences: where docarray crashes (a nested doc on one side and None on the other raises
 * AttributeError), the non-None side is kept. Set order is first-seen order (Python's is hash
 * order).
 */
import type { Doc, DocValue } from '../wire/doc.js';
import { kindOf, markKind } from '../wire/doc.js';
import type { DataRequest } from '../wire/data-request.js';
import { StatusProto_StatusCode } from '../wire/gen/jina/jina.pb.js';
import { pythonEquals, pythonTypeOf } from './python-value.js';
import { RESULTS_KEY } from './parameters.js';

/** `docarray.utils.reduce.reduce_all`: needs at least two lists, as docarray does. */
export function reduceAll(docLists: readonly (readonly Doc[])[]): Doc[] {
  if (docLists.length <= 1) throw new RangeError('reduceAll needs at least two doc lists');
  const left = [...docLists[0]!];
  const firstIndex = indexById(left);
  for (const other of docLists.slice(1)) {
    // docarray: `left_id_map or {...}`: an empty index is rebuilt from the current list
    reduceInto(left, other, firstIndex.size > 0 ? firstIndex : indexById(left));
  }
  return left;
}

/** `docarray.utils.reduce.reduce(left, right)`: a new list, left's docs updated by right's. */
export function reducePair(left: readonly Doc[], right: readonly Doc[]): Doc[] {
  const result = [...left];
  reduceInto(result, right, indexById(result));
  return result;
}

function indexById(docs: readonly Doc[]): Map<string, number> {
  const index = new Map<string, number>();
  docs.forEach((doc, position) => {
    const id = doc.id;
    if (typeof id === 'string') index.set(id, position);
  });
  return index;
}

function reduceInto(left: Doc[], right: readonly Doc[], index: ReadonlyMap<string, number>): void {
  for (const doc of right) {
    const id = doc.id;
    const position = typeof id === 'string' ? index.get(id) : undefined;
    if (position === undefined) left.push(doc);
    else left[position] = updateDoc(left[position]!, doc);
  }
}

/** `BaseDoc.update`: a copy of `left` updated with `right`'s content. */
export function updateDoc(left: Doc, right: Doc): Doc {
  const result: Doc = copyWithKind(left, { ...left });
  for (const key of Object.keys(right)) {
    const merged = mergeField(Object.hasOwn(left, key) ? left[key]! : null, right[key] ?? null);
    if (merged !== null || Object.hasOwn(left, key)) result[key] = merged;
  }
  return result;
}

function mergeField(a: DocValue, b: DocValue): DocValue {
  const kind = fieldKind(a) ?? fieldKind(b);
  if (a === null) return b;
  if (b === null) return a;
  switch (kind) {
    case 'doc_array':
      return copyWithKind(a as Doc[], reducePair(a as Doc[], b as Doc[]));
    case 'list':
      return copyWithKind(a as DocValue[], [...(a as DocValue[]), ...asArray(b)]);
    case 'set': {
      const union = [...(a as DocValue[])];
      for (const item of asArray(b)) if (!union.some((existing) => pythonEquals(existing, item))) union.push(item);
      return copyWithKind(a as DocValue[], union);
    }
    case 'dict':
      return pythonTypeOf(b) === 'dict' ? copyWithKind(a as Doc, { ...(a as Doc), ...(b as Doc) }) : b;
    case 'doc':
      return pythonTypeOf(b) === 'doc' ? updateDoc(a as Doc, b as Doc) : b;
    default:
      return b;
  }
}

type FieldKind = 'doc_array' | 'list' | 'set' | 'dict' | 'doc' | 'simple';

function fieldKind(value: DocValue): FieldKind | undefined {
  switch (pythonTypeOf(value)) {
    case 'none':
      return undefined;
    case 'doclist':
      return 'doc_array';
    case 'list':
      return 'list';
    case 'set':
      return 'set';
    case 'dict':
      return 'dict';
    case 'doc':
      return 'doc';
    default:
      // tuples are replaced, not merged ("meant to be immutable"), like scalars and tensors
      return 'simple';
  }
}

function asArray(value: DocValue): DocValue[] {
  return Array.isArray(value) ? value : [value];
}

function copyWithKind<T extends object>(source: object, target: T): T {
  const kind = kindOf(source);
  return kind === undefined ? target : markKind(target, kind);
}

/** A request with its docs decoded, as a join receives it from one predecessor. */
export interface DecodedRequest {
  readonly request: DataRequest;
  readonly docs: readonly Doc[];
}

/**
 * Jina's `WorkerRequestHandler.reduce_requests`: the envelope (header, routes) of the first part
 * whose status is SUCCESS (else the first part); docs reduced with reduceAll (none when every
 * part is empty); parameters of the first part with `__results__` set to the union of all parts'
 * `__results__` (always present afterwards, possibly `{}`, as in Jina). The returned request has
 * `data: undefined`: encode `docs` into it before sending.
 */
export function reduceRequests(parts: readonly DecodedRequest[]): DecodedRequest {
  if (parts.length === 0) throw new RangeError('reduceRequests needs at least one part');
  const succeeded = (part: DecodedRequest) =>
    (part.request.header.status?.code ?? StatusProto_StatusCode.SUCCESS) === StatusProto_StatusCode.SUCCESS;
  const envelope = parts.find(succeeded) ?? parts[0]!;
  const total = parts.reduce((sum, part) => sum + part.docs.length, 0);
  const docs = total === 0 ? [] : parts.length === 1 ? [...parts[0]!.docs] : reduceAll(parts.map((part) => part.docs));
  const parameters = structuredClone(parts[0]!.request.parameters);
  const results: Record<string, unknown> = isRecord(parameters[RESULTS_KEY]) ? parameters[RESULTS_KEY] : {};
  for (const part of parts) {
    const partResults = part.request.parameters[RESULTS_KEY];
    if (isRecord(partResults)) Object.assign(results, structuredClone(partResults));
  }
  parameters[RESULTS_KEY] = results;
  return {
    request: { header: envelope.request.header, parameters, routes: envelope.request.routes, data: undefined },
    docs,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

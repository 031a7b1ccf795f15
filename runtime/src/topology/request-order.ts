/**
 * When a Flow has `when` conditions, branches may drop and re-add docs, so Jina sorts the
 * response's docs back into the order of the client's request (`_sort_response_docs`): each doc
 * goes to the position of the first request doc with its id; docs with new ids go to the end,
 * keeping their relative order (Python's sort is stable, and so is Array.prototype.sort).
 */
import type { Doc } from '../wire/doc.js';

/** The ids of the client's docs, in order, to pass to restoreRequestOrder later. */
export function requestDocIds(docs: readonly Doc[]): string[] {
  return docs.map((doc) => (typeof doc.id === 'string' ? doc.id : ''));
}

export function restoreRequestOrder<D extends Doc>(docs: readonly D[], requestIds: readonly string[]): D[] {
  const position = new Map<string, number>();
  requestIds.forEach((id, index) => {
    if (id !== '' && !position.has(id)) position.set(id, index);
  });
  const rank = (doc: D): number => (typeof doc.id === 'string' ? position.get(doc.id) : undefined) ?? requestIds.length;
  return docs
    .map((doc, index) => ({ doc, index, rank: rank(doc) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.doc);
}

/**
 * The introspection a regenerate repeats: the sources `gateway.lock.json` recorded at generation
 * time (file paths there are relative to the project), turned back into one IntrospectRequest.
 */
import path from 'node:path';
import type { IntrospectRequest } from '../introspect/introspect.js';
import type { SchemaSource } from '../introspect/sources.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export function requestFromSources(sources: readonly SchemaSource[], projectDir: string): Result<IntrospectRequest> {
  const first = sources[0];
  if (first === undefined) return fail('gateway.lock.json records no sources: say where the schemas come from (--executor, --flow, --schemas or --deployments-addresses)');
  const kinds = new Set(sources.map((source) => source.kind));
  if (kinds.size > 1) return fail(`gateway.lock.json records sources of several kinds (${[...kinds].join(', ')}): give the source as a flag`);
  switch (first.kind) {
    case 'executor':
      return ok({
        kind: 'executors',
        executors: sources.map((source) => (source.kind === 'executor' ? { name: source.name, addresses: [...source.addresses] } : { name: '', addresses: [] })),
      });
    case 'flow':
      return ok({ kind: 'flow', file: path.resolve(projectDir, first.file) });
    case 'schemas':
      return ok({ kind: 'schemas', file: path.resolve(projectDir, first.file) });
    case 'graph':
      return ok({ kind: 'graph', graphDescription: JSON.stringify(first.graphDescription), deploymentsAddresses: JSON.stringify(first.deploymentsAddresses) });
  }
}

/**
 * What changed between two schema snapshots (endpoint discovery of every executor, the shape of
 * the saved schema file), by executor and endpoint, each change classed twice:
 *
 * - `breaksClients`: a client of the gateway that worked before may fail now (it sends docs of the
 *   endpoint's input model and reads docs of its output model);
 * - `breaksCode`: the user's own code (typed `executor[...].post` calls) may no longer compile.
 *
 * Breaking: an executor or endpoint removed, an input field added as required, a field removed,
 * its type or tensor shape changed, an output field that became optional, an endpoint that became
 * (or stopped being) a generator or singleton endpoint. Not breaking: optional fields, output
 * fields and endpoints added. Documentation and Jina's random `id` examples never count.
 */
import { diffJsonSchemas, type Direction, type FieldChange } from './json-schema-diff.js';

/** The parts of a saved schema file this diff reads (the generator's SchemaFile has this shape). */
export type SchemaSnapshot = Readonly<Record<string, {
  readonly endpoints: readonly string[];
  readonly schemas: Readonly<Record<string, {
    readonly input?: { readonly name?: string; readonly model?: unknown };
    readonly output?: { readonly name?: string; readonly model?: unknown };
    readonly is_generator?: boolean;
    readonly is_singleton_doc?: boolean;
    readonly parameters?: { readonly name?: string | null; readonly model?: unknown };
  }>>;
}>>;

export type SchemaChangeKind =
  | 'executor-removed'
  | 'executor-added'
  | 'endpoint-removed'
  | 'endpoint-added'
  | 'endpoint-kind-changed'
  | FieldChange['kind'];

export interface SchemaChange {
  readonly executor: string;
  /** Absent for whole executors. */
  readonly endpoint?: string;
  readonly kind: SchemaChangeKind;
  /** `input.text`, `output.embedding`, `parameters.k`; empty for executors and endpoints. */
  readonly path: string;
  readonly breaksClients: boolean;
  readonly breaksCode: boolean;
  readonly detail?: string;
}

const HIDDEN_ENDPOINTS = new Set(['_jina_dry_run_']);

export function diffSchemaSnapshots(previous: SchemaSnapshot, next: SchemaSnapshot): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const executor of Object.keys(previous).sort()) {
    const before = previous[executor]!;
    const after = next[executor];
    if (after === undefined) {
      changes.push({ executor, kind: 'executor-removed', path: '', breaksClients: true, breaksCode: true });
      continue;
    }
    const beforeEndpoints = visibleEndpoints(before);
    const afterEndpoints = visibleEndpoints(after);
    for (const endpoint of beforeEndpoints) {
      if (!afterEndpoints.includes(endpoint)) {
        changes.push({ executor, endpoint, kind: 'endpoint-removed', path: '', breaksClients: true, breaksCode: true });
        continue;
      }
      changes.push(...diffEndpoint(executor, endpoint, before.schemas[endpoint] ?? {}, after.schemas[endpoint] ?? {}));
    }
    for (const endpoint of afterEndpoints) {
      if (!beforeEndpoints.includes(endpoint)) changes.push({ executor, endpoint, kind: 'endpoint-added', path: '', breaksClients: false, breaksCode: false });
    }
  }
  for (const executor of Object.keys(next).sort()) {
    if (!(executor in previous)) changes.push({ executor, kind: 'executor-added', path: '', breaksClients: false, breaksCode: false });
  }
  return changes;
}

function visibleEndpoints(discovery: SchemaSnapshot[string]): string[] {
  const names = new Set([...discovery.endpoints, ...Object.keys(discovery.schemas)]);
  return [...names].filter((name) => !HIDDEN_ENDPOINTS.has(name)).sort();
}

type EndpointSchemas = SchemaSnapshot[string]['schemas'][string];

function diffEndpoint(executor: string, endpoint: string, before: EndpointSchemas, after: EndpointSchemas): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const flag of ['is_generator', 'is_singleton_doc'] as const) {
    if (Boolean(before[flag]) !== Boolean(after[flag])) {
      changes.push({ executor, endpoint, kind: 'endpoint-kind-changed', path: flag, breaksClients: true, breaksCode: true, detail: `${flag}: ${Boolean(before[flag])} → ${Boolean(after[flag])}` });
    }
  }
  const sides: Array<[string, unknown, unknown, Direction]> = [
    ['input', before.input?.model, after.input?.model, 'input'],
    ['output', before.output?.model, after.output?.model, 'output'],
    ['parameters', before.parameters?.model ?? {}, after.parameters?.model ?? {}, 'input'],
  ];
  for (const [side, previousModel, nextModel, direction] of sides) {
    if (previousModel === undefined || nextModel === undefined) continue;
    const fields = diffJsonSchemas(previousModel, nextModel, direction, { previous: previousModel, next: nextModel });
    for (const field of fields) {
      const path = field.path === '' ? side : `${side}.${field.path}`;
      // typed calls break exactly where clients do: a field they send or read is gone, changed or newly required
      const change: SchemaChange = { executor, endpoint, kind: field.kind, path, breaksClients: field.breaking, breaksCode: field.breaking };
      changes.push(field.detail === undefined ? change : { ...change, detail: field.detail });
    }
  }
  return changes;
}

/** One line per change, grouped by executor and endpoint, for the terminal. */
export function formatSchemaChanges(changes: readonly SchemaChange[]): string {
  if (changes.length === 0) return 'no schema changes';
  const lines: string[] = [];
  let group = '';
  for (const change of changes) {
    const heading = change.endpoint === undefined ? change.executor : `${change.executor} ${change.endpoint}`;
    if (heading !== group) {
      group = heading;
      lines.push(heading);
    }
    const tag = change.breaksClients ? 'BREAKING' : change.breaksCode ? 'breaks code' : 'ok';
    const where = change.path === '' ? '' : ` ${change.path}`;
    const detail = change.detail === undefined ? '' : ` (${change.detail})`;
    lines.push(`  [${tag}] ${change.kind}${where}${detail}`);
  }
  return lines.join('\n');
}

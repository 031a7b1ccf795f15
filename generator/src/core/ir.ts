/**
 * The generator's intermediate form: what the emitters (TypeScript models, the typed executor map,
 * return-type validators, OpenAPI, .proto) read, once pydantic's two JSON Schema dialects, refs,
 * nullables and docarray's tensor markers have been understood by `normalize.ts`.
 *
 * Models are shared: two executors reporting the same model (same name, same definitions
 * reachable from it) point at one `ModelDef`. Every name here is already a safe, unique
 * TypeScript identifier; the executor's own strings are kept apart (`schemaName`, `fieldName`)
 * and only ever reach generated code as string literals.
 */

export type TypeRef =
  | { readonly kind: 'string' | 'integer' | 'number' | 'boolean' | 'bytes' | 'null' | 'unknown' }
  /** docarray tensor; `shape` is absent when the schema says "not specified"; `null` is a dimension of unknown size. */
  | { readonly kind: 'tensor'; readonly shape?: readonly (number | null)[] }
  | { readonly kind: 'model'; readonly model: string }
  | { readonly kind: 'array'; readonly items: TypeRef }
  | { readonly kind: 'tuple'; readonly items: readonly TypeRef[] }
  | { readonly kind: 'dict'; readonly values: TypeRef }
  | { readonly kind: 'literal'; readonly values: readonly (string | number | boolean | null)[] }
  | { readonly kind: 'union'; readonly options: readonly TypeRef[] };

export interface FieldDef {
  /** The name on the wire, exactly as the executor sent it. */
  readonly fieldName: string;
  readonly type: TypeRef;
  /** In the model's `required` list: always present in a document the executor returns. */
  readonly required: boolean;
  readonly description?: string;
}

export interface ModelDef {
  /** Safe, unique TypeScript identifier (and proto message name base). */
  readonly name: string;
  /** The model's name as the executor reported it (class name / definition key). */
  readonly schemaName: string;
  readonly description?: string;
  readonly fields: readonly FieldDef[];
}

export interface EndpointDef {
  /** The endpoint as the executor names it, e.g. "/encode". */
  readonly on: string;
  /** Safe identifier part for this endpoint (unique within its executor). */
  readonly ident: string;
  readonly input: string;
  readonly output: string;
  /** The parameters model, when the endpoint declares one. */
  readonly parameters?: string;
  readonly isGenerator: boolean;
  readonly isSingletonDoc: boolean;
}

export interface ExecutorDef {
  /** The deployment name as given (key of the schema file). */
  readonly name: string;
  /** Safe identifier part for this executor (unique across executors). */
  readonly ident: string;
  readonly endpoints: readonly EndpointDef[];
}

export interface GatewayModel {
  /** In a stable order: by name. */
  readonly models: readonly ModelDef[];
  /** In a stable order: by name, endpoints by `on`. */
  readonly executors: readonly ExecutorDef[];
}

/** Finds a model by its (unique) TypeScript name. */
export function modelIndex(model: GatewayModel): ReadonlyMap<string, ModelDef> {
  return new Map(model.models.map((def) => [def.name, def]));
}

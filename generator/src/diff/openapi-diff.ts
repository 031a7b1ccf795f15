/**
 * What changed between two published OpenAPI documents of a gateway, for its HTTP clients, and
 * the version the new document deserves (semver: major for a breaking change, minor for an
 * addition, patch otherwise).
 *
 * Operations are matched by method and path. For a kept operation, the JSON request body is
 * compared as input (what clients send) and every JSON response body as output (what they read),
 * field by field (json-schema-diff.ts). Response codes that appear or disappear count too:
 * a removed success response breaks clients, a new one does not.
 */
import { diffJsonSchemas, type FieldChange, pointer } from './json-schema-diff.js';

export type OperationChangeKind = 'operation-removed' | 'operation-added' | 'response-removed' | 'response-added';

export interface OpenApiChange {
  /** `POST /encode` */
  readonly operation: string;
  readonly kind: OperationChangeKind | FieldChange['kind'];
  readonly breaking: boolean;
  /** Where in the operation: `request.data[].text`, `response 200.data[].embedding`; empty for whole operations. */
  readonly path: string;
  readonly detail?: string;
}

export type SemverBump = 'major' | 'minor' | 'patch';

export interface OpenApiDiff {
  readonly changes: readonly OpenApiChange[];
  readonly breaking: boolean;
  readonly bump: SemverBump;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;

export function diffOpenApi(previous: unknown, next: unknown): OpenApiDiff {
  const before = operations(previous);
  const after = operations(next);
  const changes: OpenApiChange[] = [];
  for (const [key, operation] of before) {
    const kept = after.get(key);
    if (kept === undefined) {
      changes.push({ operation: key, kind: 'operation-removed', breaking: true, path: '' });
      continue;
    }
    changes.push(...compareOperation(key, operation, kept, previous, next));
  }
  for (const key of after.keys()) {
    if (!before.has(key)) changes.push({ operation: key, kind: 'operation-added', breaking: false, path: '' });
  }
  const breaking = changes.some((entry) => entry.breaking);
  const bump: SemverBump = breaking ? 'major' : changes.length > 0 ? 'minor' : 'patch';
  return { changes, breaking, bump };
}

/** `1.4.2` bumped; a version that is not semver starts over at 1.0.0 (0.x counts as 1.0.0's predecessor). */
export function bumpVersion(version: string, bump: SemverBump): string {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return '1.0.0';
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

function operations(document: unknown): Map<string, Json> {
  const found = new Map<string, Json>();
  const paths = isJson(document) && isJson(document.paths) ? document.paths : {};
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path];
    if (!isJson(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (isJson(operation)) found.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return found;
}

function compareOperation(key: string, before: Json, after: Json, previous: unknown, next: unknown): OpenApiChange[] {
  const changes: OpenApiChange[] = [];
  const roots = { previous, next };
  const requestBefore = jsonBody(before.requestBody, previous);
  const requestAfter = jsonBody(after.requestBody, next);
  if (requestBefore !== undefined && requestAfter !== undefined) {
    for (const field of diffJsonSchemas(requestBefore, requestAfter, 'input', roots)) changes.push(fromField(key, 'request', field));
  } else if (requestBefore === undefined && requestAfter !== undefined) {
    changes.push({ operation: key, kind: 'field-added-required', breaking: true, path: 'request', detail: 'a request body is now expected' });
  }
  const responsesBefore = responses(before);
  const responsesAfter = responses(after);
  for (const [code, body] of responsesBefore) {
    if (!responsesAfter.has(code)) {
      changes.push({ operation: key, kind: 'response-removed', breaking: code.startsWith('2'), path: `response ${code}` });
      continue;
    }
    const schemaBefore = jsonBody(body, previous);
    const schemaAfter = jsonBody(responsesAfter.get(code), next);
    if (schemaBefore === undefined || schemaAfter === undefined) continue;
    for (const field of diffJsonSchemas(schemaBefore, schemaAfter, 'output', roots)) changes.push(fromField(key, `response ${code}`, field));
  }
  for (const code of responsesAfter.keys()) {
    if (!responsesBefore.has(code)) changes.push({ operation: key, kind: 'response-added', breaking: false, path: `response ${code}` });
  }
  return changes;
}

function fromField(operation: string, where: string, field: FieldChange): OpenApiChange {
  const path = field.path === '' ? where : `${where}.${field.path}`;
  return field.detail === undefined
    ? { operation, kind: field.kind, breaking: field.breaking, path }
    : { operation, kind: field.kind, breaking: field.breaking, path, detail: field.detail };
}

function responses(operation: Json): Map<string, unknown> {
  const raw = isJson(operation.responses) ? operation.responses : {};
  return new Map(Object.keys(raw).sort().map((code) => [code, raw[code]]));
}

/** The JSON schema of a request body or response (`$ref`s to components followed). */
function jsonBody(body: unknown, root: unknown): unknown {
  let resolved = body;
  for (let hops = 0; isJson(resolved) && typeof resolved.$ref === 'string' && hops < 16; hops++) resolved = pointer(root, resolved.$ref);
  if (!isJson(resolved) || !isJson(resolved.content)) return undefined;
  const content = resolved.content;
  const media = content['application/json'] ?? Object.entries(content).find(([type]) => type.includes('json'))?.[1];
  return isJson(media) ? media.schema : undefined;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

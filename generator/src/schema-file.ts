/**
 * The saved schema file (`introspect -o`, `--schemas`, the project's gateway.schemas.json): the
 * exact shape endpoint discovery returns, per executor. Its shape is checked first (naming the
 * executor, endpoint and JSON path of what is wrong), then every model is mapped, so that a file
 * the generator cannot use is refused before anything is written.
 */
import { checkSchemaFileShape, type RawSchemaFile } from './introspect/schema-shape.js';
import { normalizeSchemas } from './core/normalize.js';
import { ok, type Result } from './reconcile/outcome.js';

export function parseSchemaFile(json: unknown, source: string): Result<RawSchemaFile> {
  const shape = checkSchemaFileShape(json, source);
  if (!shape.ok) return shape;
  const mapped = normalizeSchemas(shape.value, source);
  if (!mapped.ok) return mapped;
  return ok(shape.value);
}

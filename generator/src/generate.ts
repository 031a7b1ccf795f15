/**
 * The generator core: schema file → every generated file of a project (`src/gen/`,
 * `openapi.json`, `protos/gateway.proto` with `buf.yaml`, its TypeScript in `src/gen/proto/`).
 * Pure but for buf's temp dir: nothing is written to the project here (reconcile writes, all or
 * nothing); the same schemas always give byte-identical files.
 */
import type { GeneratedFile } from './cli/generator-core.js';
import { emitExecutors } from './core/emit-executors.js';
import { compileProto } from './core/compile-proto.js';
import { emitModels } from './core/emit-models.js';
import { emitOpenApi } from './core/emit-openapi.js';
import { emitProto } from './core/emit-proto.js';
import { emitRoutes } from './core/emit-routes.js';
import { emitValidators } from './core/emit-validators.js';
import { generatedHeader } from './core/generated-header.js';
import { normalizeSchemas } from './core/normalize.js';
import type { RawSchemaFile } from './introspect/schema-shape.js';
import { ok, type Result } from './reconcile/outcome.js';

export interface GenerateOptions {
  readonly title?: string;
  readonly description?: string;
  readonly version?: string;
  /** Where the schemas came from, for error messages. */
  readonly source?: string;
  /** Compile protos/gateway.proto to TypeScript (src/gen/proto) with buf + ts-proto. Default true. */
  readonly protoTypeScript?: boolean;
}

export async function generateSources(schemas: RawSchemaFile, options: GenerateOptions = {}): Promise<Result<GeneratedFile[]>> {
  const model = normalizeSchemas(schemas, options.source ?? 'schemas');
  if (!model.ok) return model;
  // first, so that buf runs (another process, another core) while the other emitters do
  const protos = emitProto(model.value);
  const compiling = options.protoTypeScript !== false ? compileProto(protos) : undefined;
  const files: GeneratedFile[] = [
    emitModels(model.value),
    ...emitValidators(model.value),
    emitExecutors(model.value),
    emitRoutes(),
    emitOpenApi(model.value, {
      title: options.title ?? 'Gateway',
      version: options.version ?? '0.1.0',
      ...(options.description === undefined ? {} : { description: options.description }),
    }),
    {
      path: 'src/gen/index.ts',
      content: `${generatedHeader()}export * from './models.js';\nexport * from './executors.js';\nexport * from './routes.js';\n`,
    },
  ];
  files.push(...protos);
  if (compiling !== undefined) {
    const compiled = await compiling;
    if (!compiled.ok) return compiled;
    files.push(...compiled.value);
  }
  return ok(files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
}

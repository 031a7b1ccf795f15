/**
 * The generator core: schema file → every generated file of a project (`src/gen/`,
 * `openapi.json`, `protos/gateway.proto` with `buf.yaml`, its TypeScript in `src/gen/proto/`,
 * the consumer SDK's sources in `client/`, whose gRPC half builds on that TypeScript).
 * Pure: nothing is written to the project here (reconcile writes, all or nothing); the same
 * schemas always give byte-identical files.
 */
import type { GeneratedFile } from './cli/generator-core.js';
import { cachedProtoTypeScript, compileProto } from './core/compile-proto.js';
import { emitClientGrpc } from './core/emit-client-grpc.js';
import { gatewayProto, protoFiles } from './core/emit-proto.js';
import type { SourceOptions } from './core/emit-sources.js';
import { emitSourcesHere, emitSourcesOnWorker } from './core/emit-sources-job.js';
import { normalizeSchemas } from './core/normalize.js';
import type { RawSchemaFile } from './introspect/schema-shape.js';
import { ok, type Result } from './reconcile/outcome.js';

export interface GenerateOptions {
  readonly title?: string;
  readonly description?: string;
  readonly version?: string;
  /** Where the schemas came from, for error messages. */
  readonly source?: string;
  /** Compile protos/gateway.proto to TypeScript (src/gen/proto) with ts-proto, from the descriptor buf would compile. Default true. */
  readonly protoTypeScript?: boolean;
}

export async function generateSources(schemas: RawSchemaFile, options: GenerateOptions = {}): Promise<Result<GeneratedFile[]>> {
  const model = normalizeSchemas(schemas, options.source ?? 'schemas');
  if (!model.ok) return model;
  const sourceOptions: SourceOptions = {
    title: options.title ?? 'Gateway',
    version: options.version ?? '0.1.0',
    ...(options.description === undefined ? {} : { description: options.description }),
  };
  const proto = gatewayProto(model.value);
  const protos = protoFiles(proto);
  // no TypeScript of the protos asked for, or it is cached (a regenerate that leaves them as they
  // were): nothing to run alongside the other emitters, which run here
  const cached = options.protoTypeScript === false ? [] : cachedProtoTypeScript(protos);
  if (cached !== undefined) {
    const sources = emitSourcesHere(model.value, sourceOptions);
    return sources.ok ? ok(sorted([...sources.value, ...protos, ...cached, ...emitClientGrpc(cached)])) : sources;
  }
  // else the other emitters on a worker thread while ts-proto runs in this one: two cores busy
  const emitting = emitSourcesOnWorker(model.value, sourceOptions);
  const compiling = compileProto(protos, proto);
  const [compiled, sources] = await Promise.all([compiling, emitting]);
  if (!compiled.ok) return compiled;
  if (!sources.ok) return sources;
  return ok(sorted([...sources.value, ...protos, ...compiled.value, ...emitClientGrpc(compiled.value)]));
}

function sorted(files: GeneratedFile[]): GeneratedFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The generated half of a project from a schema file, shared by `create-gateway <dir>` and
 * `create-gateway regenerate`: the core's files (src/gen/, openapi.json, protos/, client/) with the
 * protos checked and the SDK's package.json, plus the schema snapshot they came from. Pure: nothing is written here.
 */
import { canonicalJson } from '../introspect/canonical-json.js';
import type { RawSchemaFile } from '../introspect/schema-shape.js';
import { ok, type Result } from '../reconcile/outcome.js';
import type { PlannedFile } from '../reconcile/planned-file.js';
import { findRuntimePackage } from '../scaffold/runtime-dependency.js';
import { checkProtos } from './check-protos.js';
import { CLIENT_PACKAGE_FILE, clientPackageJson, DEFAULT_CONTRACT_VERSION } from './client-package.js';
import type { GeneratedFile, GeneratorCore } from './generator-core.js';
import type { Reporter } from './reporter.js';

/** The schema snapshot the project was generated from (canonical JSON, generated). */
export const SCHEMA_SNAPSHOT_FILE = 'gateway.schemas.json';

export interface OpenApiInfo {
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly version?: string | undefined;
  /** Where the schemas came from, for the core's error messages (when introspection did not map them already). */
  readonly source?: string | undefined;
  /** The consumer SDK's npm package name (client/package.json). Default `gateway-client`. */
  readonly clientPackage?: string | undefined;
}

export async function generatedFiles(
  core: GeneratorCore | undefined,
  schemas: RawSchemaFile,
  info: OpenApiInfo,
  reporter: Reporter,
): Promise<Result<PlannedFile[]>> {
  let generated: GeneratedFile[] = [];
  if (core === undefined) {
    reporter.step('generating: the generator core is not in this build; no src/gen, openapi.json or protos/gateway.proto');
  } else {
    reporter.step('generating types, executor map, validators, OpenAPI and .proto');
    const sources = await core.generateSources(schemas, {
      ...(info.title === undefined ? {} : { title: info.title }),
      ...(info.description === undefined ? {} : { description: info.description }),
      ...(info.version === undefined ? {} : { version: info.version }),
      ...(info.source === undefined ? {} : { source: info.source }),
    });
    if (!sources.ok) return sources;
    generated = sources.value;
    reporter.step('compiling protos');
    const protos = checkProtos(generated);
    if (!protos.ok) return protos;
    const runtime = await findRuntimePackage();
    if (!runtime.ok) return runtime;
    const grpc = generated.some((file) => file.path === 'client/src/grpc.ts');
    const version = info.version ?? DEFAULT_CONTRACT_VERSION;
    generated = [...generated, { path: CLIENT_PACKAGE_FILE, content: clientPackageJson({ name: info.clientPackage ?? 'gateway-client', version, runtimeDependencies: runtime.value.dependencies, grpc }) }];
  }
  return ok([
    ...generated.map((file): PlannedFile => ({ path: file.path, content: file.content, ownership: 'generated' })),
    { path: SCHEMA_SNAPSHOT_FILE, content: canonicalJson(schemas), ownership: 'generated' },
  ]);
}

/**
 * The generator core (another module of this package: schema normalizing and the emitters of
 * `src/gen/`, `openapi.json`, `protos/gateway.proto`), loaded when this build has it. Until it
 * lands, generation says so and writes the project without those files: the scaffolds then use
 * the runtime's untyped `executor['name'].post()`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RawSchemaFile } from '../introspect/schema-shape.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export interface GeneratedFile {
  /** Project-relative posix path: `src/gen/…`, `openapi.json`, `protos/gateway.proto`. */
  readonly path: string;
  readonly content: string;
}

export interface GeneratorCore {
  parseSchemaFile(json: unknown, source: string): Result<RawSchemaFile>;
  generateSources(schemas: RawSchemaFile, options?: { title?: string; description?: string; version?: string }): Promise<Result<GeneratedFile[]>>;
}

export async function loadGeneratorCore(): Promise<Result<GeneratorCore | undefined>> {
  const urls = ['../schema-file.js', '../generate.js'].map((relative) => new URL(relative, import.meta.url));
  // not in this build (yet): no error, the caller reports what is left out
  if (!urls.every((url) => existsSync(fileURLToPath(url)))) return ok(undefined);
  try {
    const [schemaFile, generate] = (await Promise.all(urls.map((url) => import(url.href)))) as [Partial<GeneratorCore>, Partial<GeneratorCore>];
    if (typeof schemaFile.parseSchemaFile !== 'function' || typeof generate.generateSources !== 'function') {
      return fail(`the generator core in ${fileURLToPath(new URL('..', import.meta.url))} does not export parseSchemaFile and generateSources`);
    }
    return ok({ parseSchemaFile: schemaFile.parseSchemaFile, generateSources: generate.generateSources });
  } catch (error) {
    return fail(`cannot load the generator core: ${(error as Error).message}`, error);
  }
}

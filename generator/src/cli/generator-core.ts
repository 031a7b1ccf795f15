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
  generateSources(schemas: RawSchemaFile, options?: { title?: string; description?: string; version?: string; source?: string }): Promise<Result<GeneratedFile[]>>;
}

export async function loadGeneratorCore(): Promise<Result<GeneratorCore | undefined>> {
  // `.js` in a build, `.ts` when run from the sources (vitest)
  const found = ['schema-file', 'generate'].map((name) => ['.js', '.ts'].map((extension) => new URL(`../${name}${extension}`, import.meta.url)).find((url) => existsSync(fileURLToPath(url))));
  // not in this build (yet): no error, the caller reports what is left out
  if (!found.every((url) => url !== undefined)) return ok(undefined);
  const urls = found as URL[];
  try {
    const schemaFile = (await import(urls[0]!.href)) as Partial<GeneratorCore>;
    if (typeof schemaFile.parseSchemaFile !== 'function') return fail(`the generator core in ${fileURLToPath(new URL('..', import.meta.url))} does not export parseSchemaFile`);
    // the emitters (ajv, buf, ts-proto) load on first use: a regenerate that finds nothing changed never needs them
    const generateUrl = urls[1]!.href;
    const generateSources: GeneratorCore['generateSources'] = async (schemas, options) => {
      const generate = (await import(generateUrl)) as Partial<GeneratorCore>;
      if (typeof generate.generateSources !== 'function') return fail(`the generator core ${fileURLToPath(generateUrl)} does not export generateSources`);
      return generate.generateSources(schemas, options);
    };
    return ok({ parseSchemaFile: schemaFile.parseSchemaFile, generateSources });
  } catch (error) {
    return fail(`cannot load the generator core: ${(error as Error).message}`, error);
  }
}

/**
 * `create-gateway introspect [-o schemas.json]`: asks live executors (or a Flow, or the gateway's
 * flags) for their schemas and writes the saved schema file, canonical (sorted keys, no random id
 * examples), so generation can run offline and in CI with `--schemas`.
 */
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from '../introspect/canonical-json.js';
import { introspect, type IntrospectRequest } from '../introspect/introspect.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { loadGeneratorCore } from './generator-core.js';
import type { Reporter } from './reporter.js';

export interface IntrospectCommandOptions {
  readonly request: IntrospectRequest;
  /** Output file; undefined: stdout. */
  readonly output: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export async function runIntrospect(options: IntrospectCommandOptions, reporter: Reporter, stdout: NodeJS.WritableStream): Promise<Result<string>> {
  const core = await loadGeneratorCore();
  if (!core.ok) return core;
  reporter.step('introspecting');
  const found = await introspect(options.request, { timeoutMs: options.timeoutMs, parse: core.value?.parseSchemaFile });
  if (!found.ok) return found;
  const text = canonicalJson(found.value.schemas);
  if (options.output === undefined) {
    stdout.write(text);
    return ok(text);
  }
  const file = path.resolve(options.output);
  // temp file + rename: a failed write never leaves half a schema file behind
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    return fail(`cannot write ${file}: ${(error as Error).message}`, error);
  }
  reporter.step(`wrote ${file} (${Object.keys(found.value.schemas).join(', ')})`);
  return ok(text);
}

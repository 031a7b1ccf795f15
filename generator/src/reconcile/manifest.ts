/**
 * `gateway.lock.json`: what the generator emitted into a project and from which sources, so that
 * the next generation (`create-gateway regenerate`) can re-introspect the same executors, rewrite
 * only changed files and delete exactly the generated files that are no longer emitted.
 *
 *     { "manifestVersion": 1, "generator": "create-gateway",
 *       "sources": [{ "kind": "executor", "name": "encoder", "addresses": ["grpc://..."] }],
 *       "files": { "src/gen/index.ts": "sha256:…", ... },       // generated: rewritten, deleted when stale
 *       "scaffolds": ["Dockerfile", "src/gateway.ts", ...] }     // write-once: never touched again
 *
 * Keys are sorted and there is no timestamp: the same generation gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SchemaSource } from '../introspect/sources.js';
import { fail, ok, type Result } from './outcome.js';
import { contentBytes, isSafeProjectPath } from './planned-file.js';

export const MANIFEST_FILE = 'gateway.lock.json';
export const MANIFEST_VERSION = 1;

export interface Manifest {
  readonly manifestVersion: number;
  readonly generator: string;
  readonly sources: readonly SchemaSource[];
  /** Generated files: project-relative path → `sha256:<hex>` of the content written. */
  readonly files: Readonly<Record<string, string>>;
  /** Write-once files the generator created (or found) at generation time. */
  readonly scaffolds: readonly string[];
}

export function contentHash(content: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(contentBytes(content)).digest('hex')}`;
}

export function serializeManifest(manifest: Manifest): string {
  const files = Object.fromEntries(Object.keys(manifest.files).sort().map((file) => [file, manifest.files[file]!]));
  const ordered = {
    manifestVersion: manifest.manifestVersion,
    generator: manifest.generator,
    sources: manifest.sources,
    files,
    scaffolds: [...manifest.scaffolds].sort(),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** The project's manifest; `undefined` when there is none (a new project). */
export async function readManifest(projectDir: string): Promise<Result<Manifest | undefined>> {
  const file = path.join(projectDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return fail(`${file}: cannot read it (${(error as Error).message})`, error);
  }
  return parseManifest(text, file);
}

export function parseManifest(text: string, file: string): Result<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`${file}: not valid JSON (${(error as Error).message})`, error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(`${file}: expected a JSON object`);
  const record = json as Record<string, unknown>;
  if (record.manifestVersion !== MANIFEST_VERSION) return fail(`${file}: manifestVersion ${JSON.stringify(record.manifestVersion)} is not ${MANIFEST_VERSION}`);
  const files = record.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return fail(`${file}: files must be an object of path → hash`);
  for (const [listed, hash] of Object.entries(files)) {
    if (!isSafeProjectPath(listed)) return fail(`${file}: files: "${listed}" is not a path inside the project`);
    if (typeof hash !== 'string') return fail(`${file}: files["${listed}"] must be a hash string`);
  }
  const scaffolds = record.scaffolds ?? [];
  if (!Array.isArray(scaffolds) || !scaffolds.every((item) => typeof item === 'string')) return fail(`${file}: scaffolds must be a list of paths`);
  const sources = record.sources ?? [];
  if (!Array.isArray(sources)) return fail(`${file}: sources must be a list`);
  return ok({
    manifestVersion: MANIFEST_VERSION,
    generator: typeof record.generator === 'string' ? record.generator : 'create-gateway',
    sources: sources as SchemaSource[],
    files: files as Record<string, string>,
    scaffolds: scaffolds as string[],
  });
}

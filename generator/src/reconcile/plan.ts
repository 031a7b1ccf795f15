/**
 * What a generation changes on disk, decided before anything is written (and all a `--dry-run`
 * does): byte-compare each generated file with the one on disk, keep write-once files that exist,
 * and find the stale generated files (listed in the previous manifest, no longer emitted).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fail, ok, type Result } from './outcome.js';
import type { Manifest } from './manifest.js';
import { contentBytes, isSafeProjectPath, type PlannedFile } from './planned-file.js';

export interface PlannedWrite {
  readonly path: string;
  readonly content: Buffer;
  readonly action: 'create' | 'update';
}

export interface ReconcilePlan {
  readonly projectDir: string;
  /** Files to write, in path order. */
  readonly writes: readonly PlannedWrite[];
  /** Generated files whose bytes on disk are already right (not rewritten: mtime kept). */
  readonly unchanged: readonly string[];
  /** Write-once files that exist and are left alone. */
  readonly kept: readonly string[];
  /** Stale generated files to delete: listed in the previous manifest, on disk, no longer emitted. */
  readonly deletes: readonly string[];
}

export async function planReconcile(projectDir: string, files: readonly PlannedFile[], previous: Manifest | undefined): Promise<Result<ReconcilePlan>> {
  const seen = new Set<string>();
  for (const file of files) {
    if (!isSafeProjectPath(file.path)) return fail(`refusing to write "${file.path}": not a relative path inside the project`);
    if (seen.has(file.path)) return fail(`"${file.path}" is emitted twice`);
    seen.add(file.path);
  }
  const writes: PlannedWrite[] = [];
  const unchanged: string[] = [];
  const kept: string[] = [];
  for (const file of [...files].sort((a, b) => compare(a.path, b.path))) {
    const existing = await readIfExists(path.join(projectDir, ...file.path.split('/')));
    if (!existing.ok) return existing;
    const content = contentBytes(file.content);
    if (existing.value === undefined) writes.push({ path: file.path, content, action: 'create' });
    else if (file.ownership === 'write-once') kept.push(file.path);
    else if (existing.value.equals(content)) unchanged.push(file.path);
    else writes.push({ path: file.path, content, action: 'update' });
  }
  const deletes: string[] = [];
  for (const listed of Object.keys(previous?.files ?? {}).sort(compare)) {
    if (seen.has(listed) || !isSafeProjectPath(listed)) continue;
    const existing = await readIfExists(path.join(projectDir, ...listed.split('/')));
    if (!existing.ok) return existing;
    if (existing.value !== undefined) deletes.push(listed);
  }
  return ok({ projectDir, writes, unchanged, kept, deletes });
}

async function readIfExists(file: string): Promise<Result<Buffer | undefined>> {
  try {
    return ok(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ok(undefined);
    // ENOTDIR: a parent is a file; the write will fail too, so say it now
    return fail(`cannot read ${file}: ${(error as Error).message}`, error);
  }
}

/** Code-unit order, independent of the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

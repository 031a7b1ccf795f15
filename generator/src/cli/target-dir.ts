/** The target directory rule: new or empty, or non-empty only with --force (write-once files there are kept). */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export async function checkTargetDir(dir: string, force: boolean): Promise<Result<'new' | 'empty' | 'non-empty'>> {
  // TypeScript reads `\\` as a path separator on every platform: tsc cannot build such a project
  if (path.sep === '/' && dir.includes('\\')) return fail(`${JSON.stringify(dir)}: a project path with a backslash cannot be built (TypeScript reads \\ as a path separator); choose another directory`);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ok('new');
    return fail(`${dir}: ${(error as Error).message}`, error);
  }
  if (!isDirectory) return fail(`${dir} exists and is not a directory`);
  const entries = await readdir(dir);
  if (entries.length === 0) return ok('empty');
  if (!force) return fail(`${dir} is not empty (${entries.length} entries); pass --force to generate into it (generated files are replaced, existing write-once files kept)`);
  return ok('non-empty');
}

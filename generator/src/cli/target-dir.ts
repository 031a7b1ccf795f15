/** The target directory rule: new or empty, or non-empty only with --force (write-once files there are kept). */
import { readdir, stat } from 'node:fs/promises';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export async function checkTargetDir(dir: string, force: boolean): Promise<Result<'new' | 'empty' | 'non-empty'>> {
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

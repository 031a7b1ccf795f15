/**
 * Running the built `create-gateway` CLI as a user does (a process, Jina's environment), and
 * reading a generated project's tree, for the generator's end-to-end tests.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './commands.js';
import { JINA_ENV, REPO_ROOT } from './jina.js';

export const CREATE_GATEWAY_CLI = path.join(REPO_ROOT, 'generator', 'dist', 'cli', 'main.js');
/** npm install of a generated project: from the cache when it can, quiet. */
export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];

export function runCreateGateway(args: readonly string[], cwd: string) {
  return runCommand(process.execPath, [CREATE_GATEWAY_CLI, ...args], { cwd, env: JINA_ENV, timeoutMs: 60_000 });
}

/** Every file under `dir` (relative posix path → bytes), node_modules and dist excluded. */
export async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const file of await treeFiles(dir)) files.set(file, await readFile(path.join(dir, file)));
  return files;
}

/** Every file under `dir` with its mtime (ms), node_modules and dist excluded. */
export async function mtimes(dir: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const file of await treeFiles(dir)) times.set(file, (await stat(path.join(dir, file))).mtimeMs);
  return times;
}

async function treeFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (current: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      if (entry.isDirectory()) await walk(path.join(current, entry.name), `${prefix}${entry.name}/`);
      else files.push(`${prefix}${entry.name}`);
    }
  };
  await walk(dir, '');
  return files.sort();
}

/**
 * Where the handlebars templates are: `templates/` next to the package (published layout:
 * create-gateway/templates), else the repository's top-level `templates/` (this workspace).
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fail, ok, type Result } from '../reconcile/outcome.js';

const CANDIDATES = ['../../templates/', '../../../templates/'];

export async function findTemplatesDir(): Promise<Result<string>> {
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    tried.push(dir);
    const found = await stat(dir).then((info) => info.isDirectory(), () => false);
    if (found) return ok(dir);
  }
  return fail(`templates not found (looked in ${tried.join(', ')})`);
}

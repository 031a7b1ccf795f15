/**
 * Renders the write-once scaffolds from templates/ (handlebars, no HTML escaping: the outputs are
 * code and config). Each template maps to one project path; a missing template is an error
 * naming it, so a broken install fails before anything is written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { PlannedFile } from '../reconcile/planned-file.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { ScaffoldContext } from './context.js';

/** template file (in templates/) → project path */
export const SCAFFOLDS: Readonly<Record<string, string>> = {
  'gateway.ts.hbs': 'src/gateway.ts',
  'gateway.test.ts.hbs': 'src/gateway.test.ts',
  'config.yml.hbs': 'config.yml',
  'Dockerfile.hbs': 'Dockerfile',
  'dockerignore.hbs': '.dockerignore',
  'gitignore.hbs': '.gitignore',
  'package.json.hbs': 'package.json',
  'tsconfig.json.hbs': 'tsconfig.json',
  'README.md.hbs': 'README.md',
};

export async function renderScaffolds(templatesDir: string, context: ScaffoldContext): Promise<Result<PlannedFile[]>> {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value));
  const files: PlannedFile[] = [];
  for (const [template, projectPath] of Object.entries(SCAFFOLDS)) {
    const file = path.join(templatesDir, template);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      return fail(`template ${file}: cannot read it (${(error as Error).message})`, error);
    }
    try {
      const render = handlebars.compile(source, { noEscape: true, strict: false });
      files.push({ path: projectPath, content: render(context), ownership: 'write-once' });
    } catch (error) {
      return fail(`template ${file}: ${(error as Error).message}`, error);
    }
  }
  return ok(files);
}

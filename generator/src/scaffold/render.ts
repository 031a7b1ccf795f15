/**
 * Renders the write-once scaffolds from templates/ (handlebars, no HTML escaping: the outputs are
 * code and config). Each template maps to one project path; a missing template is an error
 * naming it, so a broken install fails before anything is written.
 *
 * A template prints values only through the escaping helpers of escape.ts, one per target
 * language (`{{ts name}}`, `{{md name}}`, `{{yaml name}}`…): {@link checkTemplate} refuses any
 * other `{{…}}` before the template is compiled, so no name reaches a file unescaped.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { PlannedFile } from '../reconcile/planned-file.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { ScaffoldContext } from './context.js';
import { commentText, jsonValue, markdownCode, markdownText, plainToken, shellWord, tsString, yamlString } from './escape.js';

/** The helpers a template may print with: each takes one value and escapes it for its target. */
const ESCAPERS: Readonly<Record<string, (value: unknown) => string>> = {
  /** a TypeScript string literal */
  ts: (value) => tsString(String(value)),
  /** any JSON value (package.json, a TypeScript expression, YAML flow) */
  json: (value) => jsonValue(value),
  /** a YAML double-quoted scalar */
  yaml: (value) => yamlString(String(value)),
  /** inside a comment of any language */
  comment: (value) => commentText(String(value)),
  /** a Markdown code span (also in a table cell) */
  md: (value) => markdownCode(String(value)),
  /** plain Markdown text */
  mdText: (value) => markdownText(String(value)),
  /** one POSIX shell word */
  shell: (value) => shellWord(String(value)),
  /** a package name, class name, number or generated path, checked as such */
  plain: (value) => plainToken(value),
};
const BLOCKS = new Set(['if', 'unless', 'each', 'with']);

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
  for (const [name, escape] of Object.entries(ESCAPERS)) handlebars.registerHelper(name, (value: unknown) => escape(value));
  const files: PlannedFile[] = [];
  for (const [template, projectPath] of Object.entries(SCAFFOLDS)) {
    const file = path.join(templatesDir, template);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      return fail(`template ${file}: cannot read it (${(error as Error).message})`, error);
    }
    const problem = checkTemplate(source);
    if (problem !== undefined) return fail(`template ${file}: ${problem}`);
    try {
      const render = handlebars.compile(source, { noEscape: true, strict: true });
      files.push({ path: projectPath, content: render(context), ownership: 'write-once' });
    } catch (error) {
      return fail(`template ${file}: ${(error as Error).message}`, error);
    }
  }
  return ok(files);
}

type HandlebarsNode = { readonly type: string; readonly loc?: { readonly start: { readonly line: number } } } & Record<string, unknown>;

/**
 * Why a template may print something unescaped, or undefined: every `{{…}}` must be one escaping
 * helper with one argument (a path or a literal), and blocks only `if`, `unless`, `each`, `with`.
 */
export function checkTemplate(source: string): string | undefined {
  let program: HandlebarsNode;
  try {
    program = Handlebars.parse(source) as unknown as HandlebarsNode;
  } catch (error) {
    return (error as Error).message;
  }
  const stack: HandlebarsNode[] = [program];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const line = node.loc?.start.line ?? 0;
    const name = (node.path as { original?: unknown } | undefined)?.original;
    const params = (node.params as HandlebarsNode[] | undefined) ?? [];
    const hashPairs = (node.hash as { pairs?: unknown[] } | undefined)?.pairs ?? [];
    switch (node.type) {
      case 'Program':
        stack.push(...(node.body as HandlebarsNode[]));
        break;
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement': {
        const simple = params.length === 1 && hashPairs.length === 0 && params.every((param) => param.type !== 'SubExpression');
        if (typeof name !== 'string' || !Object.hasOwn(ESCAPERS, name) || !simple) {
          return `line ${line}: {{${String(name)}${params.length > 0 ? ' …' : ''}}} prints a value without an escaping helper (one of ${Object.keys(ESCAPERS).join(', ')}, with one argument)`;
        }
        break;
      }
      case 'BlockStatement':
        if (typeof name !== 'string' || !BLOCKS.has(name)) return `line ${line}: {{#${String(name)}}} is not one of the blocks ${[...BLOCKS].join(', ')}`;
        if (node.program !== undefined && node.program !== null) stack.push(node.program as HandlebarsNode);
        if (node.inverse !== undefined && node.inverse !== null) stack.push(node.inverse as HandlebarsNode);
        break;
      default:
        return `line ${line}: ${node.type} is not allowed in a scaffold (only text, comments, escaping helpers and if/unless/each/with)`;
    }
  }
  return undefined;
}

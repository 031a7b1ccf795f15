/**
 * The names an executor sends (its deployment name, endpoints, model titles and names, field and
 * definition names) reach every file of a generated project and the terminal that prints the
 * steps. Most characters are made safe where each file is written (identifiers.ts for code,
 * scaffold/escape.ts for the templates); the few that no target can carry faithfully are refused
 * here, before anything is generated, with the JSON path of the name:
 *
 * - control characters (C0, DEL, C1), line and paragraph separators: they end comments and lines
 *   in TypeScript, YAML, Markdown and shells, and rewrite a terminal (ANSI escapes);
 * - lone surrogates: not text (no UTF-8 encoding), so a file or a URL cannot hold them;
 * - the bidirectional controls of "Trojan Source" (CVE-2021-42574), which make code read
 *   differently from how it runs;
 * - names longer than {@link MAX_NAME_LENGTH}, which would make file names and identifiers past
 *   what file systems and editors take;
 * - an empty deployment name (Jina has none).
 */
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { RawSchemaFile } from './schema-shape.js';

/** In code points. Jina's own names are short; this leaves room for long descriptive ones. */
export const MAX_NAME_LENGTH = 256;

const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Why `name` cannot be a name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  const bad = FORBIDDEN.exec(name);
  if (bad !== null) {
    const code = bad[0].codePointAt(0)!;
    return `contains U+${code.toString(16).toUpperCase().padStart(4, '0')} (${describe(code)}) at character ${bad.index}: only printable text is accepted`;
  }
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) return `is ${length} characters long: at most ${MAX_NAME_LENGTH}`;
  return undefined;
}

function describe(code: number): string {
  if (code >= 0xd800 && code <= 0xdfff) return 'a lone surrogate';
  if (code === 0x2028 || code === 0x2029) return 'a line or paragraph separator';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'a control character';
  return 'a bidirectional control';
}

/** Every name of a schema file checked; the first bad one fails with its JSON path. */
export function checkSchemaNames(file: RawSchemaFile, source: string): Result<RawSchemaFile> {
  const at = (path: string, what: string, problem: string) => fail(`${source}: ${path}: ${what} ${problem}`);
  for (const [executor, discovery] of Object.entries(file)) {
    const base = `$${jsonPathKey(executor)}`;
    if (executor === '') return at(base, 'the deployment name', 'is empty');
    const executorProblem = nameProblem(executor);
    if (executorProblem !== undefined) return at(base, `the deployment name ${quoted(executor)}`, executorProblem);
    for (const list of ['endpoints', 'write_endpoints'] as const) {
      for (const [index, on] of (discovery[list] ?? []).entries()) {
        const problem = nameProblem(on);
        if (problem !== undefined) return at(`${base}.${list}[${index}]`, `the endpoint name ${quoted(on)}`, problem);
      }
    }
    for (const [on, schema] of Object.entries(discovery.schemas)) {
      const where = `${base}.schemas${jsonPathKey(on)}`;
      const endpointProblem = nameProblem(on);
      if (endpointProblem !== undefined) return at(where, `the endpoint name ${quoted(on)}`, endpointProblem);
      for (const side of ['input', 'output', 'parameters'] as const) {
        const model = schema[side] as { readonly name?: unknown; readonly model?: unknown } | null | undefined;
        if (model === null || model === undefined) continue;
        if (typeof model.name === 'string') {
          const problem = nameProblem(model.name);
          if (problem !== undefined) return at(`${where}.${side}.name`, `the model name ${quoted(model.name)}`, problem);
        }
        const inModel = schemaNameProblem(model.model, `${where}.${side}.model`);
        if (inModel !== undefined) return at(inModel.path, inModel.what, inModel.problem);
      }
    }
  }
  return ok(file);
}

interface SchemaNameProblem {
  readonly path: string;
  readonly what: string;
  readonly problem: string;
}

/** Names inside a JSON schema: property and definition names, titles. Depth-first, iterative. */
function schemaNameProblem(schema: unknown, root: string): SchemaNameProblem | undefined {
  const stack: Array<{ readonly node: unknown; readonly path: string }> = [{ node: schema, path: root }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((item, index) => stack.push({ node: item, path: `${path}[${index}]` }));
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    const object = node as Record<string, unknown>;
    if (typeof object.title === 'string') {
      const problem = nameProblem(object.title);
      if (problem !== undefined) return { path: `${path}.title`, what: `the title ${quoted(object.title)}`, problem };
    }
    for (const [key, value] of Object.entries(object)) {
      const child = `${path}${jsonPathKey(key)}`;
      if ((key === 'properties' || key === '$defs' || key === 'definitions') && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const name of Object.keys(value)) {
          const problem = nameProblem(name);
          if (problem !== undefined) return { path: `${child}${jsonPathKey(name)}`, what: `the ${key === 'properties' ? 'field' : 'model'} name ${quoted(name)}`, problem };
        }
      }
      stack.push({ node: value, path: child });
    }
  }
  return undefined;
}

/** A name as an error message shows it: a JSON string, so what a terminal prints is what it is. */
function quoted(name: string): string {
  const json = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `.encoder` or `["/encode"]`, as a JSON path segment (control characters escaped by JSON). */
function jsonPathKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${quoted(name)}]`;
}

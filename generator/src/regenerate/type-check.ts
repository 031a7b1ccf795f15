/**
 * Type-checks the user's own code of a generated project against generated files that are not
 * written yet: the project's tsconfig is loaded with ts-morph, the new `src/gen/` contents replace
 * the files on disk in memory only, and every error in a file the user owns comes back as
 * `file:line: message`. Errors inside generated files are reported too, separately: they mean the
 * generator emitted something wrong, not that the user's code must change.
 */
import path from 'node:path';
import { DiagnosticCategory, Project, ts } from 'ts-morph';

export interface GeneratedContent {
  /** Project-relative posix path, e.g. `src/gen/models.ts`. */
  readonly path: string;
  readonly content: string;
}

export interface TypeError {
  /** Project-relative posix path. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface TypeCheckReport {
  /** Errors in the user's files: the call sites the schema change broke. */
  readonly userErrors: readonly TypeError[];
  /** Errors inside generated files (a generator bug if not empty). */
  readonly generatedErrors: readonly TypeError[];
}

/** `removed`: project-relative paths of generated files the new generation no longer has (stale). */
export function typeCheckWithGenerated(projectDir: string, generated: readonly GeneratedContent[], tsconfig = 'tsconfig.json', removed: readonly string[] = []): TypeCheckReport {
  const project = new Project({ tsConfigFilePath: path.join(projectDir, tsconfig) });
  for (const stale of removed) {
    const source = project.getSourceFile(path.join(projectDir, stale));
    if (source !== undefined) project.removeSourceFile(source);
  }
  const generatedPaths = new Set<string>();
  for (const file of generated) {
    if (!/\.(m|c)?tsx?$/.test(file.path)) continue;
    const absolute = path.join(projectDir, file.path);
    generatedPaths.add(path.normalize(absolute));
    project.createSourceFile(absolute, file.content, { overwrite: true });
  }
  const userErrors: TypeError[] = [];
  const generatedErrors: TypeError[] = [];
  for (const diagnostic of project.getPreEmitDiagnostics()) {
    if (diagnostic.getCategory() !== DiagnosticCategory.Error) continue;
    const source = diagnostic.getSourceFile();
    const message = ts.flattenDiagnosticMessageText(diagnostic.compilerObject.messageText, '\n');
    if (source === undefined) {
      userErrors.push({ file: tsconfig, line: 0, column: 0, message });
      continue;
    }
    const absolute = path.normalize(source.getFilePath());
    const start = diagnostic.getStart() ?? 0;
    const { line, column } = source.getLineAndColumnAtPos(start);
    const entry = { file: path.relative(projectDir, absolute).split(path.sep).join('/'), line, column, message };
    (generatedPaths.has(absolute) || entry.file.startsWith('src/gen/') ? generatedErrors : userErrors).push(entry);
  }
  const order = (a: TypeError, b: TypeError) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
  return { userErrors: userErrors.sort(order), generatedErrors: generatedErrors.sort(order) };
}

export function formatTypeErrors(errors: readonly TypeError[]): string {
  return errors.map((error) => `${error.file}:${error.line}: ${error.message.split('\n')[0]}`).join('\n');
}

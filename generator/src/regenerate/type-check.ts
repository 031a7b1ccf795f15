/**
 * Type-checks the user's own code of a generated project against generated files that are not
 * written yet: the project's tsconfig is loaded, the new `src/gen/` contents replace the files on
 * disk in memory only, and every error in a file the user owns comes back as
 * `file:line: message`. Errors inside generated files are reported too, separately: they mean the
 * generator emitted something wrong, not that the user's code must change.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { ts } from 'ts-morph';
import type { TypeError } from './type-errors.js';

export { formatTypeErrors, type TypeError } from './type-errors.js';

export interface GeneratedContent {
  /** Project-relative posix path, e.g. `src/gen/models.ts`. */
  readonly path: string;
  readonly content: string;
}


export interface TypeCheckReport {
  /** Errors in the user's files: the call sites the schema change broke. */
  readonly userErrors: readonly TypeError[];
  /** Errors inside generated files (a generator bug if not empty). */
  readonly generatedErrors: readonly TypeError[];
}

/**
 * `removed`: project-relative paths of generated files the new generation no longer has (stale).
 * The compiler API is used directly (ts-morph's bundled TypeScript) with a host that serves the
 * new generated contents from memory: unlike ts-morph's Project, its program sees each file's
 * module format (the project's package.json `"type": "module"` under `nodenext`).
 */
export function typeCheckWithGenerated(projectDir: string, generated: readonly GeneratedContent[], tsconfig = 'tsconfig.json', removed: readonly string[] = []): TypeCheckReport {
  const configPath = path.join(projectDir, tsconfig);
  const overrides = new Map<string, string>();
  for (const file of generated) if (/\.(m|c)?tsx?$/.test(file.path)) overrides.set(path.normalize(path.join(projectDir, file.path)), file.content);
  const gone = new Set(removed.map((file) => path.normalize(path.join(projectDir, file))));
  const clientDir = path.normalize(path.join(projectDir, 'client')) + path.sep;
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: () => undefined,
    readDirectory: (root, extensions, excludes, includes, depth) => {
      const found = ts.sys.readDirectory(root, extensions, excludes, includes, depth).filter((file) => !gone.has(path.normalize(file)));
      const listed = new Set(found.map((file) => path.normalize(file)));
      // new generated files are not on disk yet: the tsconfig's include must still see them (the
      // consumer SDK's are its own package's, checked with its consumers: sdk-consumers.ts)
      return [...found, ...[...overrides.keys()].filter((file) => !listed.has(file) && !file.startsWith(clientDir))];
    },
  });
  if (config === undefined) return { userErrors: [{ file: tsconfig, line: 0, column: 0, message: `cannot read ${tsconfig}` }], generatedErrors: [] };
  return checkProgram({ projectDir, rootNames: config.fileNames, options: config.options, configErrors: config.errors, overrides, gone, configLabel: tsconfig });
}

export interface ProgramCheck {
  readonly projectDir: string;
  readonly rootNames: readonly string[];
  readonly options: ts.CompilerOptions;
  readonly configErrors?: readonly ts.Diagnostic[];
  /** Absolute path → content served instead of the disk's (the new generated files). */
  readonly overrides: Map<string, string>;
  /** Absolute paths of files that no longer exist (stale generated files). */
  readonly gone: ReadonlySet<string>;
  /** What errors without a file are blamed on. */
  readonly configLabel: string;
  /** Whether an error in a file is the generator's (default: in an override or under src/gen/). */
  readonly isGenerated?: (file: string) => boolean;
}

/** One program over `rootNames` with the new generated contents in memory: errors in the user's files and in generated ones. */
export function checkProgram(check: ProgramCheck): TypeCheckReport {
  const { projectDir, overrides, gone, configLabel } = check;
  // the lib .d.ts files of ts-morph's TypeScript are bundled in @ts-morph/common, not on disk
  const libs = bundledLibFiles();
  for (const [name, text] of libs) overrides.set(path.join(LIB_DIR, name), text);
  const host = ts.createCompilerHost(check.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getDefaultLibLocation = () => LIB_DIR;
  host.getDefaultLibFileName = (options) => path.join(LIB_DIR, ts.getDefaultLibFileName(options));
  host.readFile = (file) => overrides.get(path.normalize(file)) ?? (gone.has(path.normalize(file)) ? undefined : readFile(file));
  host.fileExists = (file) => overrides.has(path.normalize(file)) || (!gone.has(path.normalize(file)) && fileExists(file));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    const text = overrides.get(path.normalize(file));
    return text === undefined ? getSourceFile(file, language, onError, create) : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram({ rootNames: [...check.rootNames], options: { ...check.options, noEmit: true }, host });
  const userErrors: TypeError[] = [];
  const generatedErrors: TypeError[] = [];
  const isGenerated = check.isGenerated ?? ((file: string) => file.startsWith('src/gen/'));
  for (const diagnostic of [...(check.configErrors ?? []), ...ts.getPreEmitDiagnostics(program)]) {
    if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const source = diagnostic.file;
    if (source === undefined) {
      userErrors.push({ file: configLabel, line: 0, column: 0, message });
      continue;
    }
    const absolute = path.normalize(source.fileName);
    const position = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const entry = { file: path.relative(projectDir, absolute).split(path.sep).join('/'), line: position.line + 1, column: position.character + 1, message };
    (overrides.has(absolute) || isGenerated(entry.file) ? generatedErrors : userErrors).push(entry);
  }
  return { userErrors: userErrors.sort(byPlace), generatedErrors: generatedErrors.sort(byPlace) };
}

function byPlace(a: TypeError, b: TypeError): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

const LIB_DIR = path.resolve('/__create-gateway-ts-lib__');
let libCache: Map<string, string> | undefined;

function bundledLibFiles(): Map<string, string> {
  if (libCache !== undefined) return libCache;
  const fromTsMorph = createRequire(createRequire(import.meta.url).resolve('ts-morph'));
  const common = fromTsMorph('@ts-morph/common') as { getLibFiles(): ReadonlyArray<{ fileName: string; text: string }> };
  libCache = new Map(common.getLibFiles().map((lib) => [lib.fileName, lib.text]));
  return libCache;
}

/**
 * The user's code that calls the consumer SDK (client/), type-checked against the NEW SDK in
 * memory, so that a regenerate lists the calls a schema change broke as file:line, as it does for
 * the gateway's own code.
 *
 * A consumer is any TypeScript file of the project (outside node_modules, dist, client/ and
 * src/gen/) that imports the SDK by its package name (`my-gw-client`, `my-gw-client/grpc`, as an
 * installed dependency) or by a relative path into client/. They are compiled in one program with
 * the SDK's own compiler options, the package name mapped to the new client/src, so what they see
 * is what they would see once the SDK is rebuilt and reinstalled.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import { checkProgram, type GeneratedContent, type TypeCheckReport } from './type-check.js';

const CLIENT_DIR = 'client';
/** Directories never searched for consumers: dependencies, builds, VCS, generated code. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', CLIENT_DIR]);
const SOURCE = /\.(m|c)?tsx?$/;
/** A larger file is not hand-written code. */
const MAX_SOURCE_BYTES = 1 << 20;
/** `from 'x'`, `import 'x'`, `import('x')`, `require('x')`: the module specifiers of a file. */
const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*(['"])([^'"\n]+)\1/g;

/** Project-relative posix paths of the files that import the SDK named `sdkName`. */
export function findSdkConsumers(projectDir: string, sdkName: string): string[] {
  const clientRoot = path.join(projectDir, CLIENT_DIR);
  const found: string[] = [];
  const walk = (dir: string, relative: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = path.join(dir, entry.name);
      const childRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.') && childRelative !== 'src/gen') walk(child, childRelative);
        continue;
      }
      if (!entry.isFile() || !SOURCE.test(entry.name) || /\.d\.(m|c)?ts$/.test(entry.name)) continue;
      try {
        if (statSync(child).size > MAX_SOURCE_BYTES) continue;
        if (importsSdk(readFileSync(child, 'utf8'), dir, sdkName, clientRoot)) found.push(childRelative);
      } catch {
        // unreadable: not ours to check
      }
    }
  };
  walk(projectDir, '');
  return found.sort();
}

function importsSdk(text: string, dir: string, sdkName: string, clientRoot: string): boolean {
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    if (specifier === sdkName || specifier.startsWith(`${sdkName}/`)) return true;
    if (specifier.startsWith('.')) {
      const target = path.resolve(dir, specifier);
      if (target === clientRoot || target.startsWith(clientRoot + path.sep)) return true;
    }
  }
  return false;
}

/**
 * Type-checks `consumers` (project-relative) against the SDK as this generation emits it:
 * `generated` holds the new generated files (client/tsconfig.json and src/gen/proto among them),
 * `removed` the stale ones. Errors in consumers are the user's; errors inside client/ or src/gen/
 * are the generator's.
 */
export function typeCheckSdkConsumers(projectDir: string, consumers: readonly string[], sdkName: string, generated: readonly GeneratedContent[], removed: readonly string[]): TypeCheckReport {
  const absolute = (file: string) => path.normalize(path.join(projectDir, ...file.split('/')));
  const overrides = new Map<string, string>();
  // the SDK's sources and what its gRPC half compiles along (src/gen/proto)
  for (const file of generated) if (file.path.startsWith(`${CLIENT_DIR}/`) || /\.(m|c)?tsx?$/.test(file.path)) overrides.set(absolute(file.path), file.content);
  const tsconfigPath = absolute(`${CLIENT_DIR}/tsconfig.json`);
  const tsconfigText = overrides.get(tsconfigPath) ?? readText(tsconfigPath);
  const parsed = tsconfigText === undefined ? undefined : ts.parseConfigFileTextToJson(tsconfigPath, tsconfigText);
  const converted = ts.convertCompilerOptionsFromJson((parsed?.config as { compilerOptions?: unknown } | undefined)?.compilerOptions ?? {}, path.dirname(tsconfigPath));
  const clientSrc = absolute(`${CLIENT_DIR}/src`);
  const options: ts.CompilerOptions = {
    ...converted.options,
    noEmit: true,
    declaration: false,
    rootDir: undefined,
    outDir: undefined,
    // @types are found from here upwards (the project's node_modules), as for the SDK's own build
    configFilePath: tsconfigPath,
    paths: { [sdkName]: [path.join(clientSrc, 'index.ts')], [`${sdkName}/grpc`]: [path.join(clientSrc, 'grpc.ts')] },
  };
  const clientPrefix = `${CLIENT_DIR}/`;
  return checkProgram({
    projectDir,
    rootNames: consumers.map(absolute),
    options,
    configErrors: converted.errors,
    overrides,
    gone: new Set(removed.map(absolute)),
    configLabel: `${CLIENT_DIR}/tsconfig.json`,
    isGenerated: (file) => file.startsWith(clientPrefix) || file.startsWith('src/gen/'),
  });
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

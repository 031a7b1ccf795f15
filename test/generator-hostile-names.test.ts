/**
 * create-gateway with hostile names, end to end: a property test over random names — quotes,
 * backticks, `${`, `*​/`, newlines, U+2028, NUL, ANSI escapes, bidi controls, very long, any
 * script, and payloads that print a marker if they ever run — as the deployment name, the
 * endpoint, the model's title and name, a field, the description and the project directory.
 *
 * Each case serves a real TypeScript executor with those names, saves its schemas with
 * `create-gateway introspect`, renames the deployment, and runs the CLI on the file. Either the
 * CLI refuses, naming the JSON path of the bad name and writing nothing, or the project is
 * whole: every file parses in its own language with the names read back intact, the project
 * type-checks, and its own tests pass against the executor (through `/service` and the typed
 * route of that very endpoint) — and no payload ever printed its marker.
 */
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type Doc, type DocModel, type Endpoint, executorRoutePath, serveExecutor } from '../runtime/src/index.js';
import { fieldNameProblem, nameProblem } from '../generator/src/introspect/name-check.js';
import { runCommand, runCommandOk } from './support/commands.js';
import { NPM_FLAGS, runCreateGateway } from './support/create-gateway.js';
import { fuzzRuns, fuzzSeed, hostileName, INJECTION_MARKER } from './support/hostile-names.js';
import { JINA_ENV } from './support/jina.js';

interface Names {
  readonly deployment: string;
  readonly endpoint: string;
  readonly title: string;
  readonly modelName: string;
  readonly field: string;
  readonly description: string;
  readonly directory: string;
}

/** Mostly names the generator must take (printable, not too long), sometimes any string. */
function mostlyPrintable(maxParts: number): fc.Arbitrary<string> {
  return fc.oneof({ weight: 6, arbitrary: hostileName(maxParts).filter((name) => nameProblem(name) === undefined) }, { weight: 1, arbitrary: hostileName(maxParts) });
}

const names: fc.Arbitrary<Names> = fc.record({
  deployment: mostlyPrintable(8).filter((name) => name !== ''),
  endpoint: mostlyPrintable(8).map((name) => (name.startsWith('/') ? name : `/${name}`)),
  title: mostlyPrintable(4),
  modelName: mostlyPrintable(4),
  field: mostlyPrintable(4),
  // a command-line argument: exec cannot carry a NUL byte
  description: hostileName(4).filter((name) => !name.includes('\u0000')),
  // a directory name the file system takes, and TypeScript (which reads a backslash as a separator: refused, see target-dir.ts)
  directory: hostileName(4).filter((name) => name !== '' && name !== '.' && name !== '..' && !/[/\\\u0000]/.test(name) && Buffer.byteLength(name) < 200),
});

let base: string;
/** node_modules of a project installed once, shared by every case (all have the same dependencies). */
let sharedModules: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'hostile-names-'));
  const executor = await serveExecutor({ name: 'plain', host: '127.0.0.1', endpoints: { '/echo': { input: model('Doc', 'text'), output: model('Doc', 'text'), handler: (docs) => docs } } });
  try {
    const project = path.join(base, 'installed');
    await runCommandOk(process.execPath, [...cli(), project, '--executor', `plain=${executor.address}`, '--runtime', 'link', '-q'], { cwd: base, env: JINA_ENV });
    await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 180_000 });
    sharedModules = path.join(project, 'node_modules');
  } finally {
    await executor.close(100);
  }
}, 240_000);

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('create-gateway with hostile names', () => {
  it('gives a whole project that runs its tests, or a refusal naming the JSON path; no name is ever executed', async () => {
    let generated = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(names, async (case_) => {
        const outcome = await runCase(case_);
        if (outcome === 'refused') refused += 1;
        else generated += 1;
      }),
      {
        numRuns: fuzzRuns(10),
        seed: fuzzSeed(),
        endOnFailure: true,
        // names that are Object.prototype's own, and each payload in each place
        examples: [
          [{ deployment: '__proto__', endpoint: '/constructor', title: 'toString', modelName: '__proto__', field: 'constructor', description: '*/ x', directory: 'hasOwnProperty' }],
          [{ deployment: 'valueOf', endpoint: '/__proto__', title: '__proto__', modelName: 'constructor', field: '__proto__', description: '', directory: '__proto__' }],
          [
            {
              deployment: '"); console.log("INJ" + "ECTED"); ("',
              endpoint: "/'); console.log('INJ' + 'ECTED'); ('",
              title: '${console.log("INJ" + "ECTED")}',
              modelName: '`); console.log(`INJ` + `ECTED`); (`',
              field: '*/ console.log("INJ" + "ECTED"); /*',
              description: '$(echo INJ""ECTED) `echo INJ""ECTED`',
              directory: "it's a $(echo INJ\"\"ECTED) dir",
            },
          ],
        ],
      },
    );
    // the property must have exercised the success path, not only refusals
    expect(generated).toBeGreaterThan(0);
    console.info(`hostile names: ${generated} projects generated and tested, ${refused} refused`);
  }, 900_000);
});

function cli(): string[] {
  return [path.join(import.meta.dirname, '..', 'generator', 'dist', 'cli', 'main.js')];
}

function model(title: string, field: string): DocModel {
  return {
    name: title,
    schema: { title, type: 'object', properties: { [field]: { title: 'Field', type: 'string' } }, required: [field] },
  };
}

/** The names of the twin executor whose introspection becomes the case's schema file once they are replaced. */
const PLACEHOLDERS: Readonly<Record<keyof Omit<Names, 'description' | 'directory'>, string>> = {
  deployment: 'probe',
  endpoint: '/probe_endpoint',
  title: 'ProbeTitle',
  modelName: 'ProbeModel',
  field: 'probe_field',
};

function echoEndpoints(names: Pick<Names, keyof typeof PLACEHOLDERS>): Record<string, Endpoint> {
  return { [names.endpoint]: { input: { ...model(names.title, names.field), name: names.modelName }, output: model(names.title, names.field), handler: (docs: Doc[]) => docs } };
}

/**
 * The schema file the case's names give: a twin executor with placeholder names is introspected
 * by the CLI, then every key and string equal to a placeholder is replaced by its name (the CLI
 * refuses to introspect some of the names, and `--executor` takes plain deployment names only).
 */
async function schemaFileFor(case_: Names, file: string): Promise<void> {
  const twin = await serveExecutor({ name: PLACEHOLDERS.deployment, host: '127.0.0.1', endpoints: echoEndpoints(PLACEHOLDERS) });
  try {
    await runCommandOk(process.execPath, [...cli(), 'introspect', '-q', '-o', file, '--executor', `${PLACEHOLDERS.deployment}=${twin.address}`], { env: JINA_ENV });
  } finally {
    await twin.close(100);
  }
  const replacements = new Map(Object.entries(PLACEHOLDERS).map(([key, placeholder]) => [placeholder, case_[key as keyof typeof PLACEHOLDERS]]));
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') return replacements.get(value) ?? value;
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) Object.defineProperty(out, replacements.get(key) ?? key, { value: replace(child), enumerable: true, writable: true, configurable: true });
    return out;
  };
  await writeFile(file, JSON.stringify(replace(JSON.parse(await readFile(file, 'utf8')))));
}

async function runCase(case_: Names): Promise<'generated' | 'refused'> {
  const work = await mkdtemp(path.join(base, 'case-'));
  try {
    const schemasFile = path.join(work, 'schemas.json');
    await schemaFileFor(case_, schemasFile);
    const projectDir = path.join(work, case_.directory);
    const created = await runCreateGateway([projectDir, '--schemas', schemasFile, '--runtime', 'link', '--description', case_.description, '-q'], work);
    expect(created.output).not.toContain(INJECTION_MARKER);
    const problems = [...[case_.deployment, case_.endpoint, case_.title, case_.modelName].map(nameProblem), fieldNameProblem(case_.field)].filter((found) => found !== undefined);
    if (case_.deployment === '') problems.push('is empty');
    if (created.code !== 0) {
      // refused: only for a name that cannot be one, said with its JSON path; nothing written
      expect(problems, created.output).not.toEqual([]);
      expect(created.stderr).toMatch(/schemas\.json: \$[.[]/);
      expect(problems.some((found) => created.stderr.includes(found)), created.stderr).toBe(true);
      expect(created.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
      expect(await readdir(work)).toEqual(['schemas.json']);
      return 'refused';
    }
    expect(problems, 'generated although a name is refused').toEqual([]);
    await checkFiles(projectDir, case_);
    await symlink(sharedModules, path.join(projectDir, 'node_modules'), 'dir');
    // the project's own tests, against a real executor with the names themselves
    const executor = await serveExecutor({ name: case_.deployment, host: '127.0.0.1', endpoints: echoEndpoints(case_) });
    try {
      const tested = await runCommand('npm', ['test'], { cwd: projectDir, env: { ...JINA_ENV, DEPLOYMENTS_ADDRESSES: JSON.stringify({ [case_.deployment]: [executor.address] }) }, timeoutMs: 120_000 });
      expect(tested.output).not.toContain(INJECTION_MARKER);
      expect(tested.code, tested.output).toBe(0);
      // every test of src/gateway.test.ts ran and passed (an injected exit(0) would run fewer)
      expect(tested.output).toMatch(/^\S+ pass 8$/m);
      expect(tested.output).toMatch(/^\S+ fail 0$/m);
    } finally {
      await executor.close(100);
    }
    // the consumer SDK (client/) compiles with the names in it, and routes them where the gateway serves them
    const sdkOut = path.join(work, 'client-dist');
    const compiled = await runCommand(path.join(projectDir, 'node_modules', '.bin', 'tsc'), ['-p', 'client', '--outDir', sdkOut], { cwd: projectDir });
    expect(compiled.output).not.toContain(INJECTION_MARKER);
    expect(compiled.code, compiled.output).toBe(0);
    // read back in a plain node (vite's module loader would transform the file the names are in)
    const printed = await runCommandOk(process.execPath, ['--input-type=module', '-e', 'const { routes } = await import(process.argv[1]); process.stdout.write(JSON.stringify(routes));', pathToFileURL(path.join(sdkOut, 'client', 'src', 'endpoints.js')).href]);
    const sdk = { routes: JSON.parse(printed.stdout) as Record<string, Record<string, string>> };
    expect(Object.keys(sdk.routes)).toEqual([case_.deployment]);
    expect(Object.getOwnPropertyDescriptor(sdk.routes[case_.deployment], case_.endpoint)?.value).toBe(executorRoutePath(case_.deployment, case_.endpoint));
    return 'generated';
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every file read in its own language, the names found intact where they belong. */
async function checkFiles(projectDir: string, case_: Names): Promise<void> {
  const read = (file: string) => readFile(path.join(projectDir, file), 'utf8');
  const pkg = JSON.parse(await read('package.json')) as { name: string; description: string };
  expect(pkg.name).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
  expect(pkg.description).toBe(case_.description);

  const config = parseYaml(await read('config.yml')) as Record<string, unknown>;
  expect(config.jtype).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);

  const openapi = JSON.parse(await read('openapi.json')) as { paths: Record<string, unknown> };
  expect(Object.keys(openapi.paths)).toContain(executorRoutePath(case_.deployment, case_.endpoint));
  expect(JSON.parse(await read('gateway.schemas.json'))).toHaveProperty([case_.deployment]);

  // the README's endpoint table: one row of four cells per endpoint
  const readme = await read('README.md');
  const rows = readme.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'));
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length - 2;
  expect(rows.slice(0, 2).map(cells)).toEqual([4, 4]);

  // the Dockerfile: every line a comment, an instruction, or the continuation of one
  const dockerfile = (await read('Dockerfile')).split('\n');
  dockerfile.forEach((line, index) => {
    if (line === '' || line.startsWith('#') || /^(FROM|WORKDIR|COPY|RUN|ENV|USER|EXPOSE|HEALTHCHECK|ENTRYPOINT|CMD|ARG|LABEL) /.test(line)) return;
    expect(dockerfile[index - 1], `Dockerfile line ${index + 1}: ${line}`).toMatch(/\\$/);
  });

  // generated TypeScript: the deployment and the endpoint only as string literals
  const executors = await read('src/gen/executors.ts');
  expect(executors).toContain(`[${JSON.stringify(case_.deployment)}]`);
  expect(executors).toContain(`[${JSON.stringify(case_.endpoint)}]`);
}

/**
 * `create-gateway regenerate` and `create-gateway openapi` end to end, against real Jina
 * executors: a project generated from `evolving` (test/executors/evolving.py, models chosen by
 * EVOLVING_VERSION) and `echo`, installed with the runtime linked; the user edits it (a custom
 * route calling endpoints, the Dockerfile, extra files under src/); `evolving` restarts on the same
 * port with changed models (fields added, removed, type changed, an endpoint renamed). A consumer
 * of the project's SDK (consumer/calls.ts, importing `evolving-gw-client`) breaks with it, and is
 * listed like the custom route; publishing the contract versions the SDK.
 *
 * One project goes through every step in order (each `it` builds on the previous one).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCommandOk } from './support/commands.js';
import { CREATE_GATEWAY_CLI, mtimes, NPM_FLAGS, runCreateGateway, snapshot } from './support/create-gateway.js';
import { EXECUTORS, type JinaExecutor, startJinaExecutor } from './support/jina.js';
import { waitForPortFree } from './support/ports.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

/** The user's custom route, written against version 1: each marked line breaks with version 2. */
const CUSTOM_ROUTE_V1 = `/** My own route: calls two endpoints of evolving through the typed executor map. */
import type { FastifyApp } from '@jina-ts/runtime';
import type { ExecutorStreamer } from '@jina-ts/runtime';
import { typedExecutors } from './gen/executors.js';

export function registerCustomRoutes(app: FastifyApp, executor: Readonly<Record<string, ExecutorStreamer>>): void {
  app.post('/custom', async () => {
    const executors = typedExecutors(executor);
    const encoded = await executors['evolving'].post({
      on: '/encode',
      inputs: [{ text: 'hello', count: 3 }], // BREAK count
    });
    const tags = encoded.map((doc) => doc.tags?.length ?? 0); // BREAK tags
    const summaries = await executors['evolving'].post({ on: '/summarize', inputs: [{ text: 'hello' }] }); // BREAK summarize
    return { tags, scores: encoded.map((doc) => doc.score), summaries: summaries.length };
  });
}
`;

/** The same route fixed for version 2. */
const CUSTOM_ROUTE_V2 = CUSTOM_ROUTE_V1.replace("count: 3 }], // BREAK count", "count: '3', priority: 1 }],")
  .replace('encoded.map((doc) => doc.tags?.length ?? 0); // BREAK tags', 'encoded.map((doc) => doc.extra?.length ?? 0);')
  .replace("on: '/summarize', inputs: [{ text: 'hello' }] }); // BREAK summarize", "on: '/summarise', inputs: [{ text: 'hello', count: '', priority: 0 }] });");

/** A consumer of the SDK (client/) in the project, written against version 1: each marked call breaks with version 2. */
const SDK_CONSUMER_V1 = `import { createClient } from 'evolving-gw-client';

export async function calls(baseUrl: string): Promise<unknown> {
  const client = createClient({ baseUrl });
  const encoded = await client.post('evolving', '/encode', {
    data: [{ text: 'hello', count: 3 }], // SDK-BREAK count
  });
  const tags = encoded.ok ? encoded.data.map((doc) => doc.tags?.length ?? 0) : encoded.kind; // SDK-BREAK tags
  const summaries = await client.post('evolving', '/summarize', { data: [{ text: 'hello' }] }); // SDK-BREAK summarize
  return { tags, scores: encoded.ok ? encoded.data.map((doc) => doc.score) : [], summaries: summaries.ok ? summaries.data.length : summaries.status };
}
`;

/** The same consumer fixed for version 2. */
const SDK_CONSUMER_V2 = SDK_CONSUMER_V1.replace("count: 3 }], // SDK-BREAK count", "count: '3', priority: 1 }],")
  .replace('encoded.data.map((doc) => doc.tags?.length ?? 0) : encoded.kind; // SDK-BREAK tags', 'encoded.data.map((doc) => doc.extra ?? null) : encoded.kind;')
  .replace("'/summarize', { data: [{ text: 'hello' }] }); // SDK-BREAK summarize", "'/summarise', { data: [{ text: 'hello', priority: 0 }] });");

interface Report {
  changes: Array<{ executor: string; endpoint?: string; kind: string; path: string; breaksClients: boolean; breaksCode: boolean }>;
  breaksClients: boolean;
  stale: boolean;
  written: boolean;
  files: { created: string[]; updated: string[]; deleted: string[]; unchanged: number };
  typeCheck: { userErrors: Array<{ file: string; line: number; message: string }>; generatedErrors: unknown[] } | { skipped: string };
  sdk: { name: string; version: string; files: string[] };
}

let base: string;
let project: string;
let evolving: JinaExecutor;
let echo: JinaExecutor;

const cli = (...args: string[]) => runCreateGateway(args, project);

function startEvolving(version: '1' | '2', port?: number): Promise<JinaExecutor> {
  return startJinaExecutor({ name: 'evolving', uses: 'Evolving', module: 'evolving.py', env: { EVOLVING_VERSION: version }, ...(port === undefined ? {} : { port }) });
}

/** 1-based line of the marked line of the custom route (or of the SDK consumer). */
function lineOf(marker: string, source = CUSTOM_ROUTE_V1): number {
  return source.split('\n').findIndex((line) => line.includes(marker)) + 1;
}

async function ageTree(): Promise<void> {
  const past = new Date('2020-01-01T00:00:00Z');
  for (const file of (await mtimes(project)).keys()) await utimes(path.join(project, file), past, past);
}

beforeAll(async () => {
  if (!existsSync(CREATE_GATEWAY_CLI)) throw new Error(`${CREATE_GATEWAY_CLI} is missing: run \`make build\` first`);
  base = await mkdtemp(path.join(tmpdir(), 'create-gateway-regenerate-'));
  project = path.join(base, 'evolving-gw');
  [evolving, echo] = await Promise.all([startEvolving('1'), startJinaExecutor({ name: 'echo', ...EXECUTORS.echo })]);
  const generated = await runCreateGateway([project, '--executor', `evolving=${evolving.address}`, '--executor', `echo=${echo.address}`, '--runtime', 'link', '-q'], base);
  if (generated.code !== 0) throw new Error(`create-gateway failed\n${generated.output}`);
  await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 180_000 });
}, 300_000);

afterAll(async () => {
  await Promise.all([evolving?.stop(), echo?.stop()]);
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('create-gateway regenerate', () => {
  it('with no schema change rewrites no file (bytes and mtimes of the whole tree kept), and --check passes', async () => {
    await ageTree();
    const [bytes, times] = [await snapshot(project), await mtimes(project)];
    const result = await cli('regenerate');
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/no schema changes/);
    expect(result.stdout).toMatch(/your code compiles against the new generated types/);
    const check = await cli('regenerate', '--check', '--no-type-check');
    expect(check.code, check.output).toBe(0);
    expect(await snapshot(project)).toEqual(bytes);
    expect(await mtimes(project)).toEqual(times);
  });

  it('after the models change: classes every change, lists the broken call sites, keeps every user edit byte for byte, and compiles once they are fixed', async () => {
    // the user's edits: a custom route calling endpoints, the Dockerfile, the gateway, extra files under src/
    await writeFile(path.join(project, 'src', 'custom-route.ts'), CUSTOM_ROUTE_V1);
    await writeFile(path.join(project, 'Dockerfile'), `${await readFile(path.join(project, 'Dockerfile'), 'utf8')}LABEL owner="me"\n`);
    await writeFile(path.join(project, 'src', 'gateway.ts'), `${await readFile(path.join(project, 'src', 'gateway.ts'), 'utf8')}\n// my edit\n`);
    await mkdir(path.join(project, 'src', 'lib'), { recursive: true });
    await writeFile(path.join(project, 'src', 'lib', 'greeting.ts'), "export const greeting = 'hi';\n");
    await mkdir(path.join(project, 'consumer'), { recursive: true });
    await writeFile(path.join(project, 'consumer', 'calls.ts'), SDK_CONSUMER_V1);
    await runCommandOk('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
    const manifest = JSON.parse(await readFile(path.join(project, 'gateway.lock.json'), 'utf8')) as { files: Record<string, string> };
    const userFiles = new Map([...(await snapshot(project))].filter(([file]) => !(file in manifest.files) && file !== 'gateway.lock.json'));
    expect([...userFiles.keys()]).toEqual(expect.arrayContaining(['Dockerfile', 'src/gateway.ts', 'src/custom-route.ts', 'src/lib/greeting.ts']));
    await writeFile(path.join(base, 'openapi-v1.json'), await readFile(path.join(project, 'openapi.json')));
    await writeFile(path.join(base, 'gateway-v1.proto'), await readFile(path.join(project, 'protos', 'gateway.proto')));

    // evolving comes back on the same port (the address gateway.lock.json recorded) with version 2
    const port = evolving.port;
    await evolving.stop();
    await waitForPortFree(port);
    evolving = await startEvolving('2', port);

    // --check: writes nothing, exits 1 (stale and breaking), the report as JSON
    const before = await snapshot(project);
    const check = await cli('regenerate', '--check', '--json');
    expect(check.code, check.output).toBe(1);
    expect(check.stderr).toMatch(/generated files are stale/);
    expect(check.stderr).toMatch(/changed in a breaking way/);
    expect(await snapshot(project)).toEqual(before);
    const report = JSON.parse(check.stdout) as Report;
    expect(report.stale).toBe(true);
    expect(report.written).toBe(false);
    const classes = Object.fromEntries(report.changes.filter((change) => change.executor === 'evolving').map((change) => [`${change.endpoint} ${change.kind} ${change.path}`, [change.breaksClients, change.breaksCode]]));
    expect(classes).toEqual({
      '/encode field-removed input.lang': [true, true],
      '/encode type-changed input.count': [true, true],
      '/encode field-added-required input.priority': [true, true],
      '/encode field-added-optional input.note': [false, false],
      '/encode field-removed output.tags': [true, true],
      '/encode field-added-optional output.extra': [false, false],
      '/summarize endpoint-removed ': [true, true],
      '/summarise endpoint-added ': [false, false],
    });
    expect(report.changes.filter((change) => change.executor === 'echo')).toEqual([]);
    if ('skipped' in report.typeCheck) throw new Error(`type check skipped: ${report.typeCheck.skipped}`);
    expect(report.typeCheck.generatedErrors).toEqual([]);
    const broken = new Set(report.typeCheck.userErrors.map((error) => `${error.file}:${error.line}`));
    expect(broken).toEqual(
      new Set([
        ...['count', 'tags', 'summarize'].map((marker) => `src/custom-route.ts:${lineOf(`BREAK ${marker}`)}`),
        ...['count', 'tags', 'summarize'].map((marker) => `consumer/calls.ts:${lineOf(`SDK-BREAK ${marker}`, SDK_CONSUMER_V1)}`),
      ]),
    );
    // the SDK's changes: its models and endpoints, the gRPC code its build takes in, its package.json kept at the contract's version
    expect(report.sdk.name).toBe('evolving-gw-client');
    expect(report.sdk.version).toBe('0.1.0');
    expect(report.sdk.files).toEqual(['client/src/endpoints.ts', 'client/src/models.ts', 'src/gen/proto/gateway.ts']);

    // regenerate: writes the new generated files, lists the call sites as file:line: message, exits 1 for them
    const result = await cli('regenerate');
    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toMatch(/\[BREAKING\] endpoint-removed/);
    for (const marker of ['count', 'tags', 'summarize']) expect(result.stdout).toContain(`src/custom-route.ts:${lineOf(`BREAK ${marker}`)}: `);
    for (const marker of ['count', 'tags', 'summarize']) expect(result.stdout).toContain(`consumer/calls.ts:${lineOf(`SDK-BREAK ${marker}`, SDK_CONSUMER_V1)}: `);
    expect(result.stdout).toMatch(/consumer SDK evolving-gw-client@0\.1\.0 \(client\/\): 3 file\(s\) changed/);
    expect(result.stderr).toMatch(/place\(s\) in your code do not compile/);
    for (const [file, bytes] of userFiles) expect((await readFile(path.join(project, file))).equals(bytes), file).toBe(true);
    const openapi = JSON.parse(await readFile(path.join(project, 'openapi.json'), 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/evolving/summarise', '/evolving/encode']));
    expect(Object.keys(openapi.paths)).not.toContain('/evolving/summarize');
    expect(await readFile(path.join(project, 'gateway.schemas.json'), 'utf8')).toContain('"/summarise"');

    // the user fixes the call sites: the project compiles and --check is clean
    await writeFile(path.join(project, 'src', 'custom-route.ts'), CUSTOM_ROUTE_V2);
    await writeFile(path.join(project, 'consumer', 'calls.ts'), SDK_CONSUMER_V2);
    await runCommandOk('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
    const clean = await cli('regenerate', '--check');
    expect(clean.code, clean.output).toBe(0);
    expect(clean.stdout).toMatch(/no schema changes/);
  });

  it('openapi --previous: refuses the breaking change, bumps major with --allow-breaking, minor for an addition; buf breaking for the .proto', async () => {
    const published = path.join(base, 'published');
    const refused = await cli('openapi', '-o', path.join(published, 'openapi.json'), '--previous', path.join(base, 'openapi-v1.json'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to publish a breaking change .*0\.1\.0 → 1\.0\.0/);
    expect(refused.stderr).toMatch(/POST \/evolving\/summarize: operation-removed/);
    expect(existsSync(published)).toBe(false);

    const allowed = await cli('openapi', '-o', path.join(published, 'openapi.yaml'), '--previous', path.join(base, 'openapi-v1.json'), '--allow-breaking', '--json');
    expect(allowed.code, allowed.output).toBe(0);
    const report = JSON.parse(allowed.stdout) as { openapi: { version: string; diff: { bump: string; changes: Array<{ operation: string; kind: string; breaking: boolean; path: string }> } } };
    expect(report.openapi.version).toBe('1.0.0');
    expect(report.openapi.diff.bump).toBe('major');
    const kinds = report.openapi.diff.changes.map((change) => `${change.operation} ${change.kind} ${change.breaking ? 'breaking' : 'ok'}`);
    expect(kinds).toEqual(expect.arrayContaining(['POST /evolving/summarize operation-removed breaking', 'POST /evolving/summarise operation-added ok']));
    expect(report.openapi.diff.changes.find((change) => change.path.endsWith('.count'))?.breaking).toBe(true);
    const yaml = parseYaml(await readFile(path.join(published, 'openapi.yaml'), 'utf8')) as { info: { version: string }; paths: Record<string, unknown> };
    expect(yaml.info.version).toBe('1.0.0');
    // the project's contract and its consumer SDK take the published version
    const versions = async () => [
      (JSON.parse(await readFile(path.join(project, 'openapi.json'), 'utf8')) as { info: { version: string } }).info.version,
      (JSON.parse(await readFile(path.join(project, 'client', 'package.json'), 'utf8')) as { version: string }).version,
    ];
    expect(await versions()).toEqual(['1.0.0', '1.0.0']);

    // an addition only: the published 1.0.0 spec without /evolving/summarise as the previous one
    const older = structuredClone(yaml);
    delete older.paths['/evolving/summarise'];
    await writeFile(path.join(base, 'openapi-older.json'), JSON.stringify(older));
    const minor = await cli('openapi', '-o', path.join(published, 'openapi-minor.json'), '--previous', path.join(base, 'openapi-older.json'));
    expect(minor.code, minor.output).toBe(0);
    expect(minor.stdout).toMatch(/1\.0\.0 → 1\.1\.0 \(minor\)/);
    expect(minor.stdout).toMatch(/\[ok\] POST \/evolving\/summarise: operation-added/);
    expect(minor.stdout).toContain('client/package.json, openapi.json: version 1.1.0');
    expect(await versions()).toEqual(['1.1.0', '1.1.0']);
    // written through reconcile: the lock's hashes follow, a regenerate finds nothing stale and keeps the version
    const after = await cli('regenerate', '--check', '--json');
    expect(after.code, after.output).toBe(0);
    expect((JSON.parse(after.stdout) as Report).sdk).toEqual({ name: 'evolving-gw-client', version: '1.1.0', files: [] });

    const proto = await cli('openapi', '-o', path.join(published, 'openapi.yaml'), '--proto-out', path.join(published, 'gateway.proto'), '--previous', path.join(published, 'openapi.yaml'), '--previous-proto', path.join(base, 'gateway-v1.proto'));
    expect(proto.code).toBe(1);
    expect(proto.stderr).toMatch(/refusing to publish a breaking \.proto change/);
    expect(existsSync(path.join(published, 'gateway.proto'))).toBe(false);
    const protoAllowed = await cli('openapi', '-o', path.join(published, 'openapi.yaml'), '--proto-out', path.join(published, 'gateway.proto'), '--previous-proto', path.join(base, 'gateway-v1.proto'), '--allow-breaking');
    expect(protoAllowed.code, protoAllowed.output).toBe(0);
    expect(protoAllowed.stdout).toMatch(/breaking change\(s\) \(buf breaking\)/);
    expect(await readFile(path.join(published, 'gateway.proto'), 'utf8')).toBe(await readFile(path.join(project, 'protos', 'gateway.proto'), 'utf8'));
  });

  it('a regenerate that fails (a schema it cannot map, an executor gone) leaves the project exactly as it was', async () => {
    await ageTree();
    const [bytes, times] = [await snapshot(project), await mtimes(project)];
    const schemas = JSON.parse(await readFile(path.join(project, 'gateway.schemas.json'), 'utf8')) as Record<string, { schemas: Record<string, { output: { model: { properties: Record<string, unknown> } } }> }>;
    schemas.evolving!.schemas['/encode']!.output.model.properties.score = { $ref: '#/$defs/Missing' };
    await writeFile(path.join(base, 'unmappable.json'), JSON.stringify(schemas));
    const unmappable = await cli('regenerate', '--schemas', path.join(base, 'unmappable.json'));
    expect(unmappable.code).toBe(1);
    expect(unmappable.stderr).toMatch(/executor "evolving", endpoint "\/encode": .*score.*Missing/);
    expect(unmappable.stderr).toMatch(/nothing was written/);

    await echo.stop();
    const down = await cli('regenerate', '--timeout', '3000');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`executor "echo" at ${echo.address}`);
    expect(await snapshot(project)).toEqual(bytes);
    expect(await mtimes(project)).toEqual(times);
  });
});

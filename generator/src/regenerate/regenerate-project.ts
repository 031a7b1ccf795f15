/**
 * `create-gateway regenerate`: brings a generated project up to date with its executors.
 *
 * Introspects again (the sources recorded in gateway.lock.json, or the ones given), generates
 * every generated file anew, diffs the new schemas against the snapshot the project was generated
 * from (gateway.schemas.json), type-checks the user's code against the new generated types in
 * memory, and only then reconciles: unchanged files are not rewritten, stale listed files are
 * deleted, write-once files and everything else are left alone, and a failure in any step writes
 * nothing. With `check`, nothing is written at all.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadGeneratorCore } from '../cli/generator-core.js';
import { clientPackageName, DEFAULT_CONTRACT_VERSION } from '../cli/client-package.js';
import { generatedFiles, type OpenApiInfo, SCHEMA_SNAPSHOT_FILE } from '../cli/generated-files.js';
import { describeRequest, relativeSource, reportPlan } from '../cli/generate-project.js';
import type { Reporter } from '../cli/reporter.js';
import { diffSchemaSnapshots, type SchemaChange, type SchemaSnapshot } from '../diff/schema-diff.js';
import { introspect, type IntrospectRequest } from '../introspect/introspect.js';
import type { SchemaSource } from '../introspect/sources.js';
import { canonicalJson } from '../introspect/canonical-json.js';
import { contentHash, MANIFEST_FILE, readManifest } from '../reconcile/manifest.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { PlannedFile } from '../reconcile/planned-file.js';
import { reconcile } from '../reconcile/reconcile.js';
import { packageNameOf } from '../scaffold/context.js';
import { requestFromSources } from './recorded-request.js';
import type { GeneratedContent, TypeCheckReport, TypeError } from './type-check.js';

export interface RegenerateOptions {
  readonly projectDir: string;
  /** Sources given as flags; default: the ones gateway.lock.json recorded. */
  readonly request?: IntrospectRequest | undefined;
  /** Write nothing; report what is stale and what changed. */
  readonly check?: boolean;
  /** Type-check the user's code against the new generated types (default true; needs node_modules). */
  readonly typeCheck?: boolean;
  readonly timeoutMs?: number | undefined;
  /** Generate even when the schemas equal the snapshot and every generated file is intact (after upgrading create-gateway). */
  readonly full?: boolean;
}

export interface RegenerateReport {
  readonly projectDir: string;
  readonly sources: readonly SchemaSource[];
  readonly changes: readonly SchemaChange[];
  readonly breaksClients: boolean;
  readonly breaksCode: boolean;
  readonly files: {
    readonly created: readonly string[];
    readonly updated: readonly string[];
    readonly deleted: readonly string[];
    readonly unchanged: number;
  };
  /** Generated files on disk differ from what this generation emits. */
  readonly stale: boolean;
  readonly written: boolean;
  /** `skipped` says why the user's code was not type-checked. */
  readonly typeCheck: TypeCheckReport | { readonly skipped: string };
  /** The consumer SDK (client/): its package, its version (the contract's) and the files of its build (client/, src/gen/proto/) this regenerate creates, updates or deletes. */
  readonly sdk: { readonly name: string; readonly version: string; readonly files: readonly string[] };
  /** Milliseconds per step (bench/regenerate.ts reads them). */
  readonly timings: Readonly<Record<'introspect' | 'generate' | 'typeCheck' | 'reconcile', number>>;
}

export async function regenerateProject(options: RegenerateOptions, reporter: Reporter): Promise<Result<RegenerateReport>> {
  const projectDir = path.resolve(options.projectDir);
  const manifest = await readManifest(projectDir);
  if (!manifest.ok) return manifest;
  if (manifest.value === undefined) return fail(`${projectDir} has no ${MANIFEST_FILE}: not a generated project (create it with create-gateway <dir>)`);
  const previous = manifest.value;
  const request = options.request === undefined ? requestFromSources(previous.sources, projectDir) : ok(options.request);
  if (!request.ok) return request;
  const core = await loadGeneratorCore();
  if (!core.ok) return core;

  let started = performance.now();
  reporter.step(`introspecting ${describeRequest(request.value)}`);
  // the shape is checked here; the models are mapped once, by the generation below (an unchanged
  // snapshot was mapped when it was generated), which names the same executor, endpoint and path
  const found = await introspect(request.value, { timeoutMs: options.timeoutMs });
  if (!found.ok) return found;
  const introspectMs = performance.now() - started;

  started = performance.now();
  const snapshot = await readSnapshot(projectDir);
  if (!snapshot.ok) return snapshot;
  const sources = options.request === undefined ? previous.sources : found.value.sources.map((source) => relativeSource(source, projectDir));
  const sameSources = JSON.stringify(sources) === JSON.stringify(previous.sources);
  const clientPackage = await readClientPackageName(projectDir);
  if (options.full !== true && sameSources && snapshot.value.text === canonicalJson(found.value.schemas) && (await intact(projectDir, previous.files))) {
    // same schemas, same bytes on disk: generation is deterministic, so nothing can be stale
    reporter.step('the schemas equal gateway.schemas.json and every generated file is intact: nothing to do');
    const typeCheck = await checkUserCode(options, projectDir, [], [], clientPackage, reporter);
    return ok({
      projectDir,
      sources: previous.sources,
      changes: [],
      breaksClients: false,
      breaksCode: false,
      files: { created: [], updated: [], deleted: [], unchanged: Object.keys(previous.files).length },
      stale: false,
      written: false,
      typeCheck: typeCheck.report,
      sdk: { name: clientPackage, version: (await readOpenApiInfo(projectDir)).version ?? DEFAULT_CONTRACT_VERSION, files: [] },
      timings: { introspect: introspectMs, generate: performance.now() - started, typeCheck: typeCheck.ms, reconcile: 0 },
    });
  }
  const info = await readOpenApiInfo(projectDir);
  const generated = await generatedFiles(core.value, found.value.schemas, { ...info, clientPackage, source: schemaSource(request.value) }, reporter);
  if (!generated.ok) return generated;
  const files = [...generated.value, ...(await carriedOver(projectDir, previous.files, previous.scaffolds, generated.value))];
  const generateMs = performance.now() - started;

  const changes = diffSchemaSnapshots(snapshot.value.schemas, found.value.schemas as SchemaSnapshot);

  const emitted = new Set(files.map((file) => file.path));
  const removed = Object.keys(previous.files).filter((file) => !emitted.has(file) && file !== MANIFEST_FILE);
  const typeScript = generated.value.filter((file) => typeof file.content === 'string' && (file.path.endsWith('.ts') || file.path.startsWith('client/'))).map((file) => ({ path: file.path, content: file.content as string }));
  const { report: typeCheck, ms: typeCheckMs } = await checkUserCode(options, projectDir, typeScript, removed, clientPackage, reporter);

  started = performance.now();
  reporter.step(options.check ? `check: what regenerate would change in ${projectDir}` : `reconciling ${projectDir}`);
  const reconciled = await reconcile({ projectDir, files, sources, dryRun: options.check ?? false });
  if (!reconciled.ok) return reconciled;
  const reconcileMs = performance.now() - started;
  const { plan } = reconciled.value;
  reportPlan(plan, reporter);

  return ok({
    projectDir,
    sources,
    changes,
    breaksClients: changes.some((change) => change.breaksClients),
    breaksCode: changes.some((change) => change.breaksCode),
    files: {
      created: plan.writes.filter((write) => write.action === 'create').map((write) => write.path),
      updated: plan.writes.filter((write) => write.action === 'update').map((write) => write.path),
      deleted: [...plan.deletes],
      unchanged: plan.unchanged.length,
    },
    stale: plan.writes.length > 0 || plan.deletes.length > 0,
    written: reconciled.value.written && (plan.writes.length > 0 || plan.deletes.length > 0),
    typeCheck,
    sdk: {
      name: clientPackage,
      version: info.version ?? DEFAULT_CONTRACT_VERSION,
      files: [...plan.writes.map((write) => write.path), ...plan.deletes].filter(isSdkSource).sort(),
    },
    timings: { introspect: introspectMs, generate: generateMs, typeCheck: typeCheckMs, reconcile: reconcileMs },
  });
}

async function checkUserCode(
  options: RegenerateOptions,
  projectDir: string,
  generated: readonly GeneratedContent[],
  removed: readonly string[],
  sdkName: string,
  reporter: Reporter,
): Promise<{ report: RegenerateReport['typeCheck']; ms: number }> {
  const started = performance.now();
  if (options.typeCheck === false) return { report: { skipped: 'not asked for' }, ms: 0 };
  if (!existsSync(path.join(projectDir, 'node_modules'))) return { report: { skipped: 'node_modules is missing (npm install first)' }, ms: 0 };
  if (!existsSync(path.join(projectDir, 'tsconfig.json'))) return { report: { skipped: 'no tsconfig.json' }, ms: 0 };
  reporter.step('type-checking your code against the new generated types');
  // the TypeScript compiler loads only when there is code to check
  const { typeCheckWithGenerated } = await import('./type-check.js');
  const report = typeCheckWithGenerated(projectDir, generated, 'tsconfig.json', removed);
  // and the code that calls the consumer SDK (client/), against the new SDK
  const { findSdkConsumers, typeCheckSdkConsumers } = await import('./sdk-consumers.js');
  const consumers = findSdkConsumers(projectDir, sdkName);
  if (consumers.length === 0) return { report, ms: performance.now() - started };
  reporter.step(`type-checking the code that calls the consumer SDK (${consumers.join(', ')}) against the new client/`);
  const sdk = typeCheckSdkConsumers(projectDir, consumers, sdkName, generated, removed);
  return { report: mergeReports(report, sdk), ms: performance.now() - started };
}

/** Both checks' errors, each place once (a consumer under src/ is in both programs), in file order. */
function mergeReports(a: TypeCheckReport, b: TypeCheckReport): TypeCheckReport {
  const merge = (x: readonly TypeError[], y: readonly TypeError[]) => {
    const byPlace = new Map<string, TypeError>();
    for (const error of [...x, ...y]) byPlace.set(`${error.file}:${error.line}:${error.column}:${error.message}`, error);
    return [...byPlace.values()].sort((p, q) => p.file.localeCompare(q.file) || p.line - q.line || p.column - q.column);
  };
  return { userErrors: merge(a.userErrors, b.userErrors), generatedErrors: merge(a.generatedErrors, b.generatedErrors) };
}

/** Every file the manifest lists is on disk with the bytes it records. */
async function intact(projectDir: string, listed: Readonly<Record<string, string>>): Promise<boolean> {
  for (const [file, hash] of Object.entries(listed)) {
    try {
      if (contentHash(await readFile(path.join(projectDir, ...file.split('/')))) !== hash) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The snapshot the project was generated from, parsed and as text; an empty one when it is missing (every endpoint then counts as added). */
async function readSnapshot(projectDir: string): Promise<Result<{ schemas: SchemaSnapshot; text: string | undefined }>> {
  const file = path.join(projectDir, SCHEMA_SNAPSHOT_FILE);
  if (!existsSync(file)) return ok({ schemas: {}, text: undefined });
  try {
    const text = await readFile(file, 'utf8');
    return ok({ schemas: JSON.parse(text) as SchemaSnapshot, text });
  } catch (error) {
    return fail(`${file}: cannot read the schema snapshot (${(error as Error).message})`, error);
  }
}

/** What the core's errors name as the origin of the schemas, as introspection does. */
function schemaSource(request: IntrospectRequest): string {
  return request.kind === 'schemas' ? request.file : `endpoint discovery of ${describeRequest(request)}`;
}

/** `--title`/`--description` given at generation live on in openapi.json's info (the manifest does not record them). */
async function readOpenApiInfo(projectDir: string): Promise<OpenApiInfo> {
  try {
    const document = JSON.parse(await readFile(path.join(projectDir, 'openapi.json'), 'utf8')) as { info?: Record<string, unknown> };
    const pick = (key: string) => (typeof document.info?.[key] === 'string' ? (document.info[key] as string) : undefined);
    return { title: pick('title'), description: pick('description'), version: pick('version') };
  } catch {
    return {};
  }
}

/** A file the consumer SDK's build compiles: its own, and the gateway's ts-proto output its gRPC half takes in. */
function isSdkSource(file: string): boolean {
  // core/compile-proto.ts's PROTO_TS_DIR, not imported: the core loads only when something is generated
  return file.startsWith('client/') || file.startsWith('src/gen/proto/');
}

/** The consumer SDK's package name: the project's package.json name + `-client` (the directory's name without one). */
async function readClientPackageName(projectDir: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof manifest.name === 'string' && manifest.name !== '') return clientPackageName(manifest.name);
  } catch {
    // no or no readable package.json: the name create-gateway <dir> gives
  }
  return clientPackageName(packageNameOf(projectDir));
}

/**
 * What regenerate keeps as it is: the vendored runtime tarball (generated, not re-packed) and the
 * write-once files still on disk (recorded again, never written; one the user deleted stays deleted).
 */
async function carriedOver(projectDir: string, listed: Readonly<Record<string, string>>, scaffolds: readonly string[], generated: readonly PlannedFile[]): Promise<PlannedFile[]> {
  const emitted = new Set(generated.map((file) => file.path));
  const kept: PlannedFile[] = [];
  for (const file of Object.keys(listed)) {
    if (emitted.has(file) || !file.startsWith('vendor/')) continue;
    const absolute = path.join(projectDir, ...file.split('/'));
    if (existsSync(absolute)) kept.push({ path: file, content: new Uint8Array(await readFile(absolute)), ownership: 'generated' });
  }
  for (const file of scaffolds) {
    if (existsSync(path.join(projectDir, ...file.split('/')))) kept.push({ path: file, content: '', ownership: 'write-once' });
  }
  return kept;
}

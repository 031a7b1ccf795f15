/**
 * `create-gateway <dir>`: introspect → generate (CORE's emitters) → check the proto → scaffold →
 * reconcile. Every step returns a Result; the first failure stops the run before anything is
 * written (reconcile, the only writer, runs last and is itself all or nothing).
 */
import path from 'node:path';
import { describeSource, type SchemaSource } from '../introspect/sources.js';
import { introspect, type IntrospectRequest } from '../introspect/introspect.js';
import type { PlannedFile } from '../reconcile/planned-file.js';
import type { ReconcilePlan } from '../reconcile/plan.js';
import { reconcile, type ReconcileReport } from '../reconcile/reconcile.js';
import { ok, type Result } from '../reconcile/outcome.js';
import { packageNameOf, scaffoldContext } from '../scaffold/context.js';
import { renderScaffolds } from '../scaffold/render.js';
import { findRuntimePackage, runtimeDependency, type RuntimeMode } from '../scaffold/runtime-dependency.js';
import { findTemplatesDir } from '../scaffold/templates-dir.js';
import { clientPackageName } from './client-package.js';
import { generatedFiles } from './generated-files.js';
import { loadGeneratorCore } from './generator-core.js';
import type { Reporter } from './reporter.js';
import { checkTargetDir } from './target-dir.js';

export { SCHEMA_SNAPSHOT_FILE } from './generated-files.js';

export interface GenerateProjectOptions {
  readonly projectDir: string;
  readonly request: IntrospectRequest;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly runtime?: RuntimeMode;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly className?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface GenerateProjectSummary {
  readonly projectDir: string;
  readonly report: ReconcileReport;
  readonly files: readonly PlannedFile[];
}

export async function generateProject(options: GenerateProjectOptions, reporter: Reporter): Promise<Result<GenerateProjectSummary>> {
  const projectDir = path.resolve(options.projectDir);
  const target = await checkTargetDir(projectDir, options.force ?? false);
  if (!target.ok) return target;

  const core = await loadGeneratorCore();
  if (!core.ok) return core;

  reporter.step(`introspecting ${describeRequest(options.request)}`);
  const found = await introspect(options.request, { timeoutMs: options.timeoutMs, parse: core.value?.parseSchemaFile });
  if (!found.ok) return found;
  for (const [name, discovery] of Object.entries(found.value.schemas)) {
    reporter.detail(`${name}: ${Object.keys(discovery.schemas).filter((on) => on !== '_jina_dry_run_').join(', ') || 'no endpoints'}`);
  }

  const clientPackage = clientPackageName(packageNameOf(projectDir));
  const generated = await generatedFiles(core.value, found.value.schemas, { title: options.title, description: options.description, clientPackage }, reporter);
  if (!generated.ok) return generated;
  const runtime = await findRuntimePackage();
  if (!runtime.ok) return runtime;
  const mode = options.runtime ?? 'pack';
  reporter.step(mode === 'pack' ? `packing ${runtime.value.name}@${runtime.value.version} into the project` : `linking ${runtime.value.name} at ${runtime.value.dir}`);
  const dependency = await runtimeDependency(runtime.value, mode);
  if (!dependency.ok) return dependency;

  reporter.step('rendering scaffolds');
  const templates = await findTemplatesDir();
  if (!templates.ok) return templates;
  const context = scaffoldContext({
    projectDir,
    schemas: found.value.schemas,
    runtime: runtime.value,
    dependency: dependency.value,
    description: options.description,
    className: options.className,
    deploymentsAddresses: found.value.deploymentsAddresses,
    graphDescription: found.value.graphDescription,
  });
  const scaffolds = await renderScaffolds(templates.value, context);
  if (!scaffolds.ok) return scaffolds;

  const files: PlannedFile[] = [
    ...generated.value,
    ...(dependency.value.tarball === undefined ? [] : [{ path: dependency.value.tarball.path, content: dependency.value.tarball.content, ownership: 'generated' as const }]),
    ...scaffolds.value,
  ];
  const sources = found.value.sources.map((source) => relativeSource(source, projectDir));

  reporter.step(options.dryRun ? `dry run: what would be written to ${projectDir}` : `writing ${projectDir}`);
  const written = await reconcile({ projectDir, files, sources, dryRun: options.dryRun ?? false });
  if (!written.ok) return written;
  reportPlan(written.value.plan, reporter);
  return ok({ projectDir, report: written.value, files });
}

export function describeRequest(request: IntrospectRequest): string {
  switch (request.kind) {
    case 'executors':
      return request.executors.map((target) => describeSource({ kind: 'executor', name: target.name, addresses: target.addresses })).join(' ');
    case 'flow':
      return `Flow ${request.file}`;
    case 'graph':
      return `--deployments-addresses ${request.deploymentsAddresses ?? ''}`;
    case 'schemas':
      return `schema file ${request.file}`;
  }
}

/** One line per file the reconcile writes, deletes or keeps. */
export function reportPlan(plan: ReconcilePlan, reporter: Reporter): void {
  for (const write of plan.writes) reporter.detail(`${write.action === 'create' ? 'create' : 'update'}  ${write.path}`);
  for (const stale of plan.deletes) reporter.detail(`delete  ${stale}`);
  for (const kept of plan.kept) reporter.detail(`keep    ${kept} (yours)`);
  reporter.detail(`${plan.unchanged.length} unchanged`);
}

/** File sources are recorded relative to the project, posix, so the manifest does not depend on where it was run. */
export function relativeSource(source: SchemaSource, projectDir: string): SchemaSource {
  if (source.kind !== 'flow' && source.kind !== 'schemas') return source;
  return { ...source, file: path.relative(projectDir, path.resolve(source.file)).split(path.sep).join('/') };
}


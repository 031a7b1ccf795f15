/**
 * The only writer of a project: plans (plan.ts) the generated and write-once files plus the new
 * manifest against the disk and the previous manifest, then applies it all or nothing (apply.ts),
 * or, for a dry run, only reports what it would do.
 */
import type { SchemaSource } from '../introspect/sources.js';
import { ok, type Result } from './outcome.js';
import { type ApplyHooks, applyPlan } from './apply.js';
import { contentHash, MANIFEST_FILE, MANIFEST_VERSION, type Manifest, readManifest, serializeManifest } from './manifest.js';
import { planReconcile, type ReconcilePlan } from './plan.js';
import type { PlannedFile } from './planned-file.js';

export interface ReconcileRequest {
  readonly projectDir: string;
  /** Every file of this generation (generated and write-once); the manifest is added here. */
  readonly files: readonly PlannedFile[];
  readonly sources: readonly SchemaSource[];
  readonly dryRun?: boolean;
  readonly hooks?: ApplyHooks;
}

export interface ReconcileReport {
  readonly plan: ReconcilePlan;
  readonly manifest: Manifest;
  /** False for a dry run. */
  readonly written: boolean;
}

export async function reconcile(request: ReconcileRequest): Promise<Result<ReconcileReport>> {
  const previous = await readManifest(request.projectDir);
  if (!previous.ok) return previous;
  const generated = request.files.filter((file) => file.ownership === 'generated');
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    generator: 'create-gateway',
    sources: request.sources,
    files: Object.fromEntries(generated.map((file) => [file.path, contentHash(file.content)])),
    scaffolds: request.files.filter((file) => file.ownership === 'write-once').map((file) => file.path),
  };
  const manifestFile: PlannedFile = { path: MANIFEST_FILE, content: serializeManifest(manifest), ownership: 'generated' };
  const plan = await planReconcile(request.projectDir, [...request.files, manifestFile], previous.value);
  if (!plan.ok) return plan;
  if (request.dryRun) return ok({ plan: plan.value, manifest, written: false });
  const applied = await applyPlan(plan.value, request.hooks);
  if (!applied.ok) return applied;
  return ok({ plan: plan.value, manifest, written: true });
}

/** Reconcile: the only writer of a generated project (manifest, skip unchanged, delete stale, all or nothing). */
export { reconcile, type ReconcileReport, type ReconcileRequest } from './reconcile.js';
export { planReconcile, type PlannedWrite, type ReconcilePlan } from './plan.js';
export { applyPlan, STAGING_PREFIX, type ApplyHooks } from './apply.js';
export { contentHash, MANIFEST_FILE, MANIFEST_VERSION, parseManifest, readManifest, serializeManifest, type Manifest } from './manifest.js';
export { contentBytes, isSafeProjectPath, type FileOwnership, type PlannedFile } from './planned-file.js';

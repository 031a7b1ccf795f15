/**
 * Carries out a plan, all or nothing. New contents are first written into a staging directory
 * inside the project (same filesystem, so the final moves are renames); then every file that will
 * be replaced or deleted is moved aside into the staging directory, and every new file is moved
 * into place. If any step fails, what was done is undone in reverse order (moved-aside files come
 * back, new files and the directories made for them go) and the error is returned: the project
 * is as it was. A project directory that did not exist is removed again.
 */
import { mkdir, mkdtemp, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fail, ok, type Result } from './outcome.js';
import type { ReconcilePlan } from './plan.js';

export const STAGING_PREFIX = '.create-gateway-staging-';

type Undo = () => Promise<void>;

export interface ApplyHooks {
  /** Called before each move into place (tests use it to fail half-way). */
  readonly beforeMove?: (projectPath: string) => void | Promise<void>;
}

export async function applyPlan(plan: ReconcilePlan, hooks: ApplyHooks = {}): Promise<Result<void>> {
  if (plan.writes.length === 0 && plan.deletes.length === 0) return ok(undefined);
  const root = path.resolve(plan.projectDir);
  const createdRoot = await mkdirRecording(root);
  if (!createdRoot.ok) return createdRoot;
  const undo: Undo[] = [];
  let staging: string | undefined;
  try {
    staging = await mkdtemp(path.join(root, STAGING_PREFIX));
    const fresh = path.join(staging, 'new');
    const aside = path.join(staging, 'old');
    for (const write of plan.writes) {
      const target = path.join(fresh, ...write.path.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, write.content);
    }
    const moveAside = async (projectPath: string) => {
      const target = path.join(root, ...projectPath.split('/'));
      const parked = path.join(aside, ...projectPath.split('/'));
      await mkdir(path.dirname(parked), { recursive: true });
      await rename(target, parked);
      undo.push(() => rename(parked, target));
    };
    for (const write of plan.writes) if (write.action === 'update') await moveAside(write.path);
    for (const stale of plan.deletes) await moveAside(stale);
    for (const write of plan.writes) {
      await hooks.beforeMove?.(write.path);
      const target = path.join(root, ...write.path.split('/'));
      const made = await mkdirRecording(path.dirname(target));
      if (!made.ok) throw made.error.cause ?? new Error(made.error.message);
      if (made.value !== undefined) {
        const dir = made.value;
        undo.push(() => rm(dir, { recursive: true, force: true }));
      }
      await rename(path.join(fresh, ...write.path.split('/')), target);
      undo.push(() => unlink(target));
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    if (staging !== undefined) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    if (createdRoot.value !== undefined) await rm(createdRoot.value, { recursive: true, force: true }).catch(() => undefined);
    return fail(`writing ${root} failed, nothing was changed: ${(error as Error).message}`, error);
  }
  await rm(staging, { recursive: true, force: true });
  return ok(undefined);
}

/** mkdir -p that reports the topmost directory it created (undefined if it existed). */
async function mkdirRecording(dir: string): Promise<Result<string | undefined>> {
  let top: string | undefined;
  let current = dir;
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) return fail(`${current} exists and is not a directory`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return fail(`cannot create ${dir}: ${(error as Error).message}`, error);
      top = current;
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  if (top === undefined) return ok(undefined);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    await rmdir(top).catch(() => undefined);
    return fail(`cannot create ${dir}: ${(error as Error).message}`, error);
  }
  return ok(top);
}

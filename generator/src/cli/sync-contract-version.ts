/**
 * After `create-gateway openapi` published the contract as version V: the project's openapi.json
 * (info.version) and the consumer SDK's client/package.json (version) say V too, so the SDK a
 * consumer installs carries the contract's semver, and the next regenerate (which carries
 * openapi.json's info over) keeps it. Written through reconcile like every generated file: the
 * manifest's hashes follow, every other file is planned as it is on disk, all or nothing.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MANIFEST_FILE, readManifest } from '../reconcile/manifest.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import type { PlannedFile } from '../reconcile/planned-file.js';
import { reconcile } from '../reconcile/reconcile.js';
import { CLIENT_PACKAGE_FILE } from './client-package.js';

const OPENAPI_FILE = 'openapi.json';

/** The files it rewrote (none when they already said `version`, or the project has no manifest). */
export async function syncContractVersion(projectDir: string, version: string): Promise<Result<string[]>> {
  const manifest = await readManifest(projectDir);
  if (!manifest.ok) return manifest;
  if (manifest.value === undefined) return ok([]);
  const listed = manifest.value;
  const files: PlannedFile[] = [];
  const changed: string[] = [];
  for (const file of Object.keys(listed.files)) {
    if (file === MANIFEST_FILE) continue;
    const absolute = path.join(projectDir, ...file.split('/'));
    if (!existsSync(absolute)) continue; // reconcile reports it stale, as regenerate would
    let content: string | Uint8Array = new Uint8Array(await readFile(absolute));
    if (file === OPENAPI_FILE || file === CLIENT_PACKAGE_FILE) {
      const updated = withVersion(Buffer.from(content).toString('utf8'), file, version);
      if (!updated.ok) return updated;
      if (updated.value !== undefined) {
        content = updated.value;
        changed.push(file);
      }
    }
    files.push({ path: file, content, ownership: 'generated' });
  }
  if (changed.length === 0) return ok([]);
  for (const file of listed.scaffolds) if (existsSync(path.join(projectDir, ...file.split('/')))) files.push({ path: file, content: '', ownership: 'write-once' });
  const written = await reconcile({ projectDir, files, sources: listed.sources });
  return written.ok ? ok(changed) : written;
}

/** The file's JSON with the version set (printed as the generator prints it), or undefined when it already has it. */
function withVersion(text: string, file: string, version: string): Result<string | undefined> {
  let document: { info?: { version?: unknown }; version?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch (error) {
    return fail(`${file}: not valid JSON (${(error as Error).message}); regenerate the project first`, error);
  }
  if (file === OPENAPI_FILE) {
    if (document.info?.version === version) return ok(undefined);
    document.info = { ...document.info, version };
  } else {
    if (document.version === version) return ok(undefined);
    document.version = version;
  }
  return ok(`${JSON.stringify(document, null, 2)}\n`);
}

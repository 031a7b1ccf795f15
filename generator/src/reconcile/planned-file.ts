/**
 * A file the generator wants in the project, and how it owns it:
 * - `generated`: always rewritten when its content changes, deleted when no longer emitted
 *   (listed in the manifest); src/gen/**, openapi.json, protos/gateway.proto, the schema snapshot.
 * - `write-once`: created when missing, never overwritten or deleted (the user's from then on).
 */
export type FileOwnership = 'generated' | 'write-once';

export interface PlannedFile {
  /** Project-relative posix path. */
  readonly path: string;
  readonly content: string | Uint8Array;
  readonly ownership: FileOwnership;
}

export function contentBytes(content: string | Uint8Array): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** A project-relative posix path that cannot leave the project: no `..`, no absolute path, no backslash. */
export function isSafeProjectPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * How a generated project depends on @jina-ts/runtime while it is not published:
 * - `pack` (default): `npm pack` of the runtime this generator runs with, written into the project
 *   as `vendor/<tarball>` and depended on as `file:vendor/<tarball>`, so the project installs and
 *   builds anywhere, a Docker build included (the tarball is inside the build context);
 * - `link`: `file:<absolute path of the runtime package>`, for development next to this
 *   repository (fast; nothing copied; not usable in a Docker build).
 * `npm pack` output is byte-stable for the same package contents (npm fixes the tar mtimes).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export type RuntimeMode = 'pack' | 'link';

export interface RuntimePackage {
  /** Absolute path of the runtime package directory. */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  /** Its dependencies, so the project pins the same versions (fastify for FastifyBaseGateway). */
  readonly dependencies: Readonly<Record<string, string>>;
}

export interface RuntimeDependency {
  /** The value in the project's package.json `dependencies`. */
  readonly spec: string;
  /** The packed tarball to write into the project (pack mode). */
  readonly tarball: { readonly path: string; readonly content: Uint8Array } | undefined;
}

/** The runtime package this generator imports (resolved like `import '@jina-ts/runtime'`). */
export async function findRuntimePackage(): Promise<Result<RuntimePackage>> {
  try {
    const entry = await realpath(fileURLToPath(import.meta.resolve('@jina-ts/runtime')));
    let dir = path.dirname(entry);
    for (;;) {
      const manifest = await readFile(path.join(dir, 'package.json'), 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => undefined);
      if (manifest?.name === '@jina-ts/runtime') {
        return ok({
          dir,
          name: '@jina-ts/runtime',
          version: String(manifest.version),
          dependencies: (manifest.dependencies ?? {}) as Record<string, string>,
        });
      }
      const parent = path.dirname(dir);
      if (parent === dir) return fail(`cannot find the package.json of @jina-ts/runtime above ${entry}`);
      dir = parent;
    }
  } catch (error) {
    return fail(`cannot find the @jina-ts/runtime package: ${(error as Error).message}`, error);
  }
}

export async function runtimeDependency(runtime: RuntimePackage, mode: RuntimeMode): Promise<Result<RuntimeDependency>> {
  if (mode === 'link') return ok({ spec: `file:${runtime.dir}`, tarball: undefined });
  const scratch = await mkdtemp(path.join(tmpdir(), 'create-gateway-pack-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { stdout } = await promisify(execFile)(npm, ['pack', runtime.dir, '--pack-destination', scratch, '--json', '--ignore-scripts'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const packed = JSON.parse(stdout) as Array<{ filename: string }>;
    const filename = packed[0]?.filename;
    if (filename === undefined) return fail(`npm pack ${runtime.dir} printed no file name`);
    const content = new Uint8Array(await readFile(path.join(scratch, filename)));
    const projectPath = `vendor/${filename}`;
    return ok({ spec: `file:${projectPath}`, tarball: { path: projectPath, content } });
  } catch (error) {
    return fail(`npm pack ${runtime.dir} failed (is the runtime built? \`npm run build -w runtime\`): ${(error as Error).message}`, error);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

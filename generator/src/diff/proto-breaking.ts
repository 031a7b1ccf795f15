/**
 * `buf breaking` between two versions of the gateway's `.proto` files: each previous and next
 * file set is written to its own temporary module and compared with buf's FILE rules (wire and
 * generated-code compatibility), which is what clients compiled from the previous version need.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ProtoFile {
  /** Path inside the proto module, e.g. `gateway.proto` or `jina_gateway/v1/gateway.proto`. */
  readonly path: string;
  readonly content: string;
}

export interface ProtoBreakingChange {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly message: string;
}

export type ProtoBreakingResult = { ok: true; changes: ProtoBreakingChange[] } | { ok: false; error: string };

const BUF_YAML = 'version: v2\nbreaking:\n  use:\n    - FILE\n';

/** The buf executable shipped by the @bufbuild/buf npm package (a Node script that runs the platform's binary). */
export function bufExecutable(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@bufbuild/buf/package.json')), 'bin', 'buf');
}

const BUF_PLATFORM_PACKAGES: Record<string, string> = {
  'darwin arm64': '@bufbuild/buf-darwin-arm64',
  'darwin x64': '@bufbuild/buf-darwin-x64',
  'linux arm64': '@bufbuild/buf-linux-aarch64',
  'linux arm': '@bufbuild/buf-linux-armv7',
  'linux x64': '@bufbuild/buf-linux-x64',
  'win32 arm64': '@bufbuild/buf-win32-arm64',
  'win32 x64': '@bufbuild/buf-win32-x64',
};

let bufCommandCache: readonly string[] | undefined;

/**
 * How to run buf: the platform binary of @bufbuild/buf's optional dependency directly (one
 * process, no Node start-up before it: ~50 ms a run), else its Node wrapper with this node.
 */
export function bufCommand(): readonly string[] {
  if (bufCommandCache !== undefined) return bufCommandCache;
  const require = createRequire(createRequire(import.meta.url).resolve('@bufbuild/buf/package.json'));
  const pkg = BUF_PLATFORM_PACKAGES[`${process.platform} ${process.arch}`];
  let binary: string | undefined;
  try {
    if (pkg !== undefined) binary = require.resolve(`${pkg}/bin/buf${process.platform === 'win32' ? '.exe' : ''}`);
  } catch {
    binary = undefined; // not installed for this platform: the wrapper finds (or downloads) it
  }
  bufCommandCache = binary !== undefined ? [binary] : [process.execPath, bufExecutable()];
  return bufCommandCache;
}

export async function protoBreakingChanges(previous: readonly ProtoFile[], next: readonly ProtoFile[]): Promise<ProtoBreakingResult> {
  const root = await mkdtemp(path.join(tmpdir(), 'create-gateway-buf-breaking-'));
  try {
    const write = async (dir: string, files: readonly ProtoFile[]) => {
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'buf.yaml'), BUF_YAML);
      for (const file of files) {
        const target = path.join(dir, file.path);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.content);
      }
    };
    await write(path.join(root, 'previous'), previous);
    await write(path.join(root, 'next'), next);
    const { code, stdout, stderr } = await run(process.execPath, [bufExecutable(), 'breaking', 'next', '--against', 'previous', '--error-format', 'json'], root);
    const changes: ProtoBreakingChange[] = [];
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as { path?: string; start_line?: number; type?: string; message?: string };
        const file = (entry.path ?? '').replace(/^(next|previous)\//, '');
        if (entry.type === 'COMPILE') return { ok: false, error: `${file}:${entry.start_line ?? 0}: ${entry.message ?? line}` };
        changes.push({ file, line: entry.start_line ?? 0, rule: entry.type ?? '', message: entry.message ?? line });
      } catch {
        return { ok: false, error: `buf breaking: unexpected output: ${line}` };
      }
    }
    if (code !== 0 && changes.length === 0) return { ok: false, error: `buf breaking failed (exit ${code}): ${stderr.trim() || stdout.trim()}` };
    return { ok: true, changes };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

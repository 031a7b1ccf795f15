/**
 * buf, from this package's @bufbuild/buf dependency: where it is and how to run it. Shared by
 * the proto compile (lint, build) and `buf breaking`.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface BufRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The buf executable shipped by the @bufbuild/buf npm package (a Node script that runs the platform's binary). */
function bufExecutable(): string {
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

/** Runs buf (the platform binary when installed) in `cwd`; never rejects. */
export function runBuf(args: readonly string[], cwd: string): Promise<BufRun> {
  const [command, ...prefix] = bufCommand();
  return new Promise((resolve) => {
    execFile(command!, [...prefix, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

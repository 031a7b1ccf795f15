/**
 * The emitted protos → TypeScript for a Node gRPC client or server of the gateway: `buf lint`
 * (the project's buf.yaml), then `buf generate` with ts-proto (@grpc/grpc-js service definitions,
 * `.js` import suffixes, int64 as number), both from this package's own dependencies. Run in a
 * fresh temporary directory, always removed; a lint or compile error fails naming the file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GeneratedFile } from '../cli/generator-core.js';
import { bufExecutable } from '../diff/proto-breaking.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { BUF_YAML_FILE } from './emit-proto.js';
import { generatedHeader } from './generated-header.js';
import { protoCacheDir, protoCacheKey, readProtoCache, writeProtoCache } from './proto-cache.js';

/** Where the generated TypeScript goes in the project. */
export const PROTO_TS_DIR = 'src/gen/proto';

// outputJsonMethods=false: proto3-JSON (toJSON/fromJSON) is not the gateway's JSON (its HTTP API
// has its own); leaving it out takes about a third off ts-proto's time and output
const TS_PROTO_OPTIONS = ['esModuleInterop=true', 'outputServices=grpc-js', 'importSuffix=.js', 'forceLong=number', 'useOptionals=messages', 'outputJsonMethods=false'];

/**
 * ts-proto's code is not type-checked in the project: a model of many fields makes decode
 * functions too large for tsc's control flow analysis (TS2563), and a later TypeScript may find
 * fault with the plugin's output. Its exported types still check the code that uses them.
 */
const NO_CHECK = '// @ts-nocheck\n';

interface BufRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The ts-proto plugin of this package's dependency, run with this process's node. */
function tsProtoPlugin(): string[] {
  const require = createRequire(import.meta.url);
  return [process.execPath, path.join(path.dirname(require.resolve('ts-proto/package.json')), 'protoc-gen-ts_proto')];
}

function buf(args: readonly string[], cwd: string): Promise<BufRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bufExecutable(), ...args], { cwd, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** buf's JSON error lines as `protos/gateway.proto:3:5: message (RULE)`, headed by what failed. */
function bufFailures(step: string, run: BufRun): string {
  let compileError = false;
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { path?: string; start_line?: number; start_column?: number; type?: string; message?: string };
        if (entry.type === 'COMPILE') compileError = true;
        return `${entry.path ?? '?'}:${entry.start_line ?? 0}:${entry.start_column ?? 0}: ${entry.message ?? line}${entry.type === undefined || entry.type === 'COMPILE' ? '' : ` (${entry.type})`}`;
      } catch {
        return line;
      }
    });
  const details = [...lines, run.stderr.trim()].filter(Boolean).join('\n') || `exit code ${run.code}`;
  return `${compileError ? 'the generated protos do not compile' : `${step} of the generated protos failed`}:\n${details}`;
}

async function filesUnder(root: string, dir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(root, path.posix.join(dir, entry.name)) : Promise.resolve([path.posix.join(dir, entry.name)]))),
  );
  return files.flat().sort();
}

/**
 * Lints and compiles the `.proto` files (with the `buf.yaml` among `files`) into TypeScript files
 * under `src/gen/proto/` (`gateway.ts`, and `google/protobuf/struct.ts` when the protos use
 * Value or Struct), each beginning with the generated header.
 */
export async function compileProto(files: readonly GeneratedFile[]): Promise<Result<GeneratedFile[]>> {
  const protos = files.filter((file) => file.path.endsWith('.proto') || file.path === BUF_YAML_FILE);
  if (!protos.some((file) => file.path === BUF_YAML_FILE)) return fail(`compiling protos: no ${BUF_YAML_FILE} among ${files.map((file) => file.path).join(', ')}`);
  const cacheDir = protoCacheDir();
  const cacheKey = protoCacheKey(protos, TS_PROTO_OPTIONS);
  const cached = await readProtoCache(cacheDir, cacheKey);
  if (cached !== undefined) return ok(cached);
  const root = await mkdtemp(path.join(tmpdir(), 'create-gateway-protos-'));
  try {
    for (const file of protos) {
      const target = path.join(root, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    const lint = await buf(['lint', '--error-format', 'json'], root);
    if (lint.code !== 0) return fail(bufFailures('buf lint', lint));

    const out = path.join(root, 'out');
    const template = JSON.stringify({ version: 'v2', plugins: [{ local: tsProtoPlugin(), out: 'out', opt: TS_PROTO_OPTIONS }] });
    const generate = await buf(['generate', '--template', template, '--error-format', 'json'], root);
    if (generate.code !== 0) return fail(bufFailures('buf generate (ts-proto)', generate));

    const generated: GeneratedFile[] = [];
    for (const file of await filesUnder(out)) {
      const content = await readFile(path.join(out, file), 'utf8');
      generated.push({ path: `${PROTO_TS_DIR}/${file}`, content: `${generatedHeader()}${NO_CHECK}${content}` });
    }
    if (generated.length === 0) return fail('buf generate (ts-proto) wrote no file');
    await writeProtoCache(cacheDir, cacheKey, generated);
    return ok(generated);
  } catch (error) {
    return fail(`compiling protos: ${(error as Error).message}`, error);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

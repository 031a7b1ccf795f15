/**
 * The emitted protos → TypeScript for a Node gRPC client or server of the gateway: `buf lint`
 * (the project's buf.yaml) and `buf build` (the image of the protos) at once, then ts-proto's
 * generator in this process on that image (@grpc/grpc-js service definitions, `.js` import
 * suffixes, int64 as number; see ts-proto-in-process.ts), buf and ts-proto from this package's
 * own dependencies. Run in a fresh temporary directory, always removed; a lint or compile error
 * fails naming the file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GeneratedFile } from '../cli/generator-core.js';
import { bufCommand } from '../diff/proto-breaking.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { BUF_YAML_FILE } from './emit-proto.js';
import { generatedHeader } from './generated-header.js';
import { protoCacheDir, protoCacheKey, readProtoCache, writeProtoCache } from './proto-cache.js';
import { generateTsProto, loadTsProto, type TsProtoFile } from './ts-proto-in-process.js';

/** Where the generated TypeScript goes in the project. */
export const PROTO_TS_DIR = 'src/gen/proto';

// outputJsonMethods=false: proto3-JSON (toJSON/fromJSON) is not the gateway's JSON (its HTTP API
// has its own); leaving it out takes about a third off ts-proto's time and output
const TS_PROTO_OPTIONS = ['esModuleInterop=true', 'outputServices=grpc-js', 'importSuffix=.js', 'forceLong=number', 'useOptionals=messages', 'outputJsonMethods=false'];

/** How the output is made beyond the options (in the cache key): in process, re-indented instead of dprint. */
const PRINTER = 'in-process+reindent/1';

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

interface BufOutput {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function buf(args: readonly string[], cwd: string): Promise<BufOutput> {
  const [command, ...prefix] = bufCommand();
  return new Promise((resolve) => {
    execFile(command!, [...prefix, ...args], { cwd, encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

function asText(run: BufOutput): BufRun {
  return { code: run.code, stdout: run.stdout.toString('utf8'), stderr: run.stderr };
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

/**
 * Lints and compiles the `.proto` files (with the `buf.yaml` among `files`) into TypeScript files
 * under `src/gen/proto/` (`gateway.ts`, and `google/protobuf/struct.ts` when the protos use
 * Value or Struct), each beginning with the generated header.
 */
export async function compileProto(files: readonly GeneratedFile[]): Promise<Result<GeneratedFile[]>> {
  const protos = files.filter((file) => file.path.endsWith('.proto') || file.path === BUF_YAML_FILE);
  if (!protos.some((file) => file.path === BUF_YAML_FILE)) return fail(`compiling protos: no ${BUF_YAML_FILE} among ${files.map((file) => file.path).join(', ')}`);
  const cacheDir = protoCacheDir();
  const cacheKey = protoCacheKey(protos, [...TS_PROTO_OPTIONS, PRINTER]);
  const cached = await readProtoCache(cacheDir, cacheKey);
  if (cached !== undefined) return ok(cached);
  const root = await mkdtemp(path.join(tmpdir(), 'create-gateway-protos-'));
  try {
    for (const file of protos) {
      const target = path.join(root, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    // lint and build at once (buf is a separate process); the image is only used once lint passed
    const linting = buf(['lint', '--error-format', 'json'], root);
    const building = buf(['build', '--error-format', 'json', '-o', '-'], root);
    let loadError: unknown;
    try {
      loadTsProto(); // while buf runs
    } catch (error) {
      loadError = error;
    }
    const build = await building;
    if (build.code !== 0) {
      const lint = await linting;
      return fail(lint.code !== 0 ? bufFailures('buf lint', asText(lint)) : bufFailures('buf build', asText(build)));
    }
    // ts-proto runs while lint still does; a lint failure is reported before whatever ts-proto did
    let generatedTs: TsProtoFile[] = [];
    let generateError: unknown;
    try {
      if (loadError !== undefined) throw loadError;
      generatedTs = generateTsProto(build.stdout, TS_PROTO_OPTIONS.join(','));
    } catch (error) {
      generateError = error;
    }
    const lint = await linting;
    if (lint.code !== 0) return fail(bufFailures('buf lint', asText(lint)));
    if (generateError !== undefined) throw generateError;

    const generated: GeneratedFile[] = generatedTs
      .map((file) => ({ path: `${PROTO_TS_DIR}/${file.name}`, content: `${generatedHeader()}${NO_CHECK}${file.content}` }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (generated.length === 0) return fail('ts-proto generated no file');
    await writeProtoCache(cacheDir, cacheKey, generated);
    return ok(generated);
  } catch (error) {
    return fail(`compiling protos: ${(error as Error).message}`, error);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

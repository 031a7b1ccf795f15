/**
 * The emitted protos → TypeScript for a Node gRPC client or server of the gateway: ts-proto's
 * generator in this process (@grpc/grpc-js service definitions, `.js` import suffixes, int64 as
 * number; ts-proto-job.ts, ts-proto-in-process.ts) on the emitter's descriptor of the file (what
 * `buf build` compiles from its text, as the tests show), or on buf's image of any protos (buf run
 * in a fresh temporary directory, always removed; a compile error fails naming the file and
 * line). buf and ts-proto come from this package's own dependencies.
 *
 * `buf lint` is not part of a generation: the emitter writes lint-clean protos by construction
 * (emit-proto.ts) and the tests lint what it writes for every sample and adversarial schema and
 * for the projects made from real executors ({@link lintProtos}); a project lints its own with
 * `npx @bufbuild/buf lint` (its buf.yaml). Linting in every generation cost ~0.7 s of CPU at 16 executors ×
 * 8 endpoints × 32 fields, as much as everything else but ts-proto (BENCHMARKS.md).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GeneratedFile } from '../cli/generator-core.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { BUF_YAML_FILE } from './emit-proto.js';
import { generatedHeader } from './generated-header.js';
import { protoCacheDir, protoCacheKey, readProtoCache, writeProtoCache } from './proto-cache.js';
import { type BufRun, runBuf } from '../buf.js';
import { fileDescriptor } from './proto-descriptor.js';
import type { ProtoFile } from './proto-file.js';
import { generateFromDescriptor, startTsProtoJob, type TsProtoJobResult } from './ts-proto-job.js';

/** Where the generated TypeScript goes in the project. */
export const PROTO_TS_DIR = 'src/gen/proto';

// outputJsonMethods=false: proto3-JSON (toJSON/fromJSON) is not the gateway's JSON (its HTTP API
// has its own); leaving it out takes about a third off ts-proto's time and output
const TS_PROTO_OPTIONS = ['esModuleInterop=true', 'outputServices=grpc-js', 'importSuffix=.js', 'forceLong=number', 'useOptionals=messages', 'outputJsonMethods=false'];

/** How the output is made beyond the options (in the cache key): ts-proto's generator in process, re-indented instead of dprint. */
const PRINTER = 'in-process+reindent/1';

/**
 * ts-proto's code is not type-checked in the project: a model of many fields makes decode
 * functions too large for tsc's control flow analysis (TS2563), and a later TypeScript may find
 * fault with the plugin's output. Its exported types still check the code that uses them.
 */
const NO_CHECK = '// @ts-nocheck\n';

/** At most this many of buf's error lines in a message (a broken file can give thousands). */
const MAX_REPORTED = 20;

/**
 * buf's JSON error lines (lint writes them to stdout, build to stderr) as
 * `protos/gateway.proto:3:5: message (RULE)`, headed by what failed.
 */
function bufFailures(step: string, run: BufRun): string {
  let compileError = false;
  const lines = `${run.stdout}\n${run.stderr}`
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
  const shown = lines.length > MAX_REPORTED ? [...lines.slice(0, MAX_REPORTED), `… and ${lines.length - MAX_REPORTED} more`] : lines;
  const details = shown.join('\n') || `exit code ${run.code}`;
  return `${compileError ? 'the generated protos do not compile' : `${step} of the generated protos failed`}:\n${details}`;
}

/**
 * Compiles the `.proto` files (with the `buf.yaml` among `files`) into TypeScript files under
 * `src/gen/proto/` (`gateway.ts`, and `google/protobuf/struct.ts` when the protos use Value or
 * Struct), each beginning with the generated header. With `source`, the ProtoFile the one
 * `.proto` among `files` was printed from (emit-proto.ts), ts-proto generates from its
 * descriptor, on the next turn of the event loop; else from buf's image of `files`, buf started
 * before this returns (ts-proto-job.ts). The output is the same.
 */
export function compileProto(files: readonly GeneratedFile[], source?: ProtoFile): Promise<Result<GeneratedFile[]>> {
  const protos = protoModule(files);
  if (!protos.ok) return Promise.resolve(protos);
  const cacheDir = protoCacheDir();
  const cacheKey = cacheKeyOf(protos.value);
  const cached = readProtoCache(cacheDir, cacheKey);
  if (cached !== undefined) return Promise.resolve(ok(cached));
  const parameter = TS_PROTO_OPTIONS.join(',');
  if (source !== undefined) return collect(undefined, generateFromDescriptor(fileDescriptor(source), parameter), cacheDir, cacheKey);
  const root = writeModule(protos.value);
  if (!root.ok) return Promise.resolve(root);
  return collect(root.value, startTsProtoJob(root.value, parameter), cacheDir, cacheKey);
}

/** The TypeScript compileProto would give for `files`, when the proto cache holds it (read synchronously); else undefined. */
export function cachedProtoTypeScript(files: readonly GeneratedFile[]): GeneratedFile[] | undefined {
  const protos = protoModule(files);
  if (!protos.ok) return undefined;
  return readProtoCache(protoCacheDir(), cacheKeyOf(protos.value));
}

/** The proto cache's key for these protos: their content, ts-proto's options and how the output is printed. */
function cacheKeyOf(protos: readonly GeneratedFile[]): string {
  return protoCacheKey(protos, [...TS_PROTO_OPTIONS, PRINTER]);
}

/**
 * `buf lint` of the protos with the project's buf.yaml (among `files`): fails naming each
 * file, line and rule, as `protos/gateway.proto:3:5: message (RULE)`.
 */
export async function lintProtos(files: readonly GeneratedFile[]): Promise<Result<void>> {
  const protos = protoModule(files);
  if (!protos.ok) return protos;
  const root = writeModule(protos.value);
  if (!root.ok) return root;
  try {
    const lint = await runBuf(['lint', '--error-format', 'json'], root.value);
    return lint.code === 0 ? ok(undefined) : fail(bufFailures('buf lint', lint));
  } finally {
    await rm(root.value, { recursive: true, force: true });
  }
}

/** The `.proto` files and the buf.yaml among `files`. */
function protoModule(files: readonly GeneratedFile[]): Result<GeneratedFile[]> {
  const protos = files.filter((file) => file.path.endsWith('.proto') || file.path === BUF_YAML_FILE);
  if (!protos.some((file) => file.path === BUF_YAML_FILE)) return fail(`compiling protos: no ${BUF_YAML_FILE} among ${files.map((file) => file.path).join(', ')}`);
  return ok(protos);
}

/** The module written to a fresh temporary directory (the caller removes it). */
function writeModule(protos: readonly GeneratedFile[]): Result<string> {
  let root: string | undefined;
  try {
    root = mkdtempSync(path.join(tmpdir(), 'create-gateway-protos-'));
    for (const file of protos) {
      const target = path.join(root, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    return ok(root);
  } catch (error) {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    return fail(`compiling protos: ${(error as Error).message}`, error);
  }
}

async function collect(root: string | undefined, job: Promise<TsProtoJobResult>, cacheDir: string | undefined, cacheKey: string): Promise<Result<GeneratedFile[]>> {
  try {
    const result = await job;
    if (result.kind === 'build-failed') return fail(bufFailures('buf build', result.build));
    if (result.kind === 'error') return fail(`compiling protos: ${result.message}`);
    const generated: GeneratedFile[] = result.files
      .map((file) => ({ path: `${PROTO_TS_DIR}/${file.name}`, content: `${generatedHeader()}${NO_CHECK}${file.content}` }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (generated.length === 0) return fail('ts-proto generated no file');
    await writeProtoCache(cacheDir, cacheKey, generated);
    return ok(generated);
  } catch (error) {
    return fail(`compiling protos: ${(error as Error).message}`, error);
  } finally {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  }
}

/**
 * Generator speed: time and peak memory of `generateSources` (schema file → every file of
 * src/gen) for N executors × M endpoints × F fields, N in 1, 4, 16, 64; M in 1, 8, 32; F in 4, 32,
 * 256, plus the `tsc --noEmit` time of the generated code for a few sizes. Target: 16 × 8 × 32
 * in under 1 s, time growing linearly with the schema size.
 *
 * "core" is everything but the TypeScript of the .proto (models, executor map, validators, routes,
 * openapi.json, gateway.proto): `generateSources(…, { protoTypeScript: false })`. "ts-proto" is
 * the compile of gateway.proto to TypeScript on its own (`compileProto` as a generation calls it:
 * ts-proto in process on the emitter's descriptor, `buf build` checking the file alongside), cache
 * off, in the same process right after the core (ts-proto's modules not yet loaded, as in a CLI run), for the sizes in PROTO_SIZES; a generation whose protos did
 * not change takes it from the cache (generator/src/core/proto-cache.ts).
 *
 * Each size runs in a fresh child process (peak RSS is per process); the schemas are synthetic
 * in Jina 3.34's dialect (pydantic 2: `$defs`, `anyOf` with null, tensors with shapes, a nested
 * model), every endpoint with its own input and output models.
 *
 *     tsc -p bench && node bench/dist/generate.js [--json bench/results/generate.json] [--quick] [--sizes 4x8x32,16x8x32] [--repeat 5]
 *
 * `--sizes` runs only the given sizes (N×M×F, comma-separated); `--repeat N` runs each cold
 * generation N times (median, min–max: this VM's speed moves with its neighbours, see
 * `calibrate`, whose figures head the output).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Size, syntheticSchemas } from './synthetic-schemas.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

interface Measured extends Size {
  files: number;
  bytes: number;
  ms: number;
  peakRssMiB: number;
  protoMs?: number;
  /** The process's peak RSS after the ts-proto compile too (ts-proto runs in process; buf's own processes not counted). */
  protoPeakRssMiB?: number;
  tscMs?: number;
  /** One cold `generateSources` with the ts-proto compile (cache off), in a fresh process: what `create-gateway` spends generating (the median of `--repeat` runs). */
  allMs?: number;
  allMinMs?: number;
  allMaxMs?: number;
  allPeakRssMiB?: number;
}

/**
 * In the child: generate once to warm up the modules on a tiny input (no ts-proto), then time the
 * real one: the core alone, then the ts-proto compile alone (`proto`), or everything in one
 * `generateSources` (`all`: buf runs while the other emitters do).
 */
async function child(size: Size, outDir: string | undefined, mode: string): Promise<void> {
  const withProtoTs = mode === 'proto';
  type Generated = { ok: true; value: { path: string; content: string }[] } | { ok: false; error: { message: string } };
  const { generateSources } = (await import(path.join(REPO, 'generator/dist/generate.js'))) as {
    generateSources(schemas: unknown, options?: { protoTypeScript?: boolean }): Promise<Generated>;
  };
  const { compileProto } = (await import(path.join(REPO, 'generator/dist/core/compile-proto.js'))) as {
    compileProto(files: readonly { path: string; content: string }[], source?: unknown): Promise<Generated>;
  };
  const { gatewayProto } = (await import(path.join(REPO, 'generator/dist/core/emit-proto.js'))) as { gatewayProto(model: unknown): unknown };
  const { normalizeSchemas } = (await import(path.join(REPO, 'generator/dist/core/normalize.js'))) as {
    normalizeSchemas(schemas: unknown, source: string): { ok: true; value: unknown } | { ok: false; error: { message: string } };
  };
  await generateSources(syntheticSchemas({ executors: 1, endpoints: 1, fields: 2 }), { protoTypeScript: false });
  const schemas = syntheticSchemas(size);
  if (mode === 'all') {
    process.env.CREATE_GATEWAY_CACHE = '0';
    const allStarted = performance.now();
    const all = await generateSources(schemas);
    const allMs = performance.now() - allStarted;
    if (!all.ok) throw new Error(all.error.message);
    process.stdout.write(JSON.stringify({ allMs, allPeakRssMiB: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const started = performance.now();
  const result = await generateSources(schemas, { protoTypeScript: false });
  const ms = performance.now() - started;
  if (!result.ok) throw new Error(result.error.message);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  let protoMs: number | undefined;
  if (withProtoTs) {
    process.env.CREATE_GATEWAY_CACHE = '0';
    const model = normalizeSchemas(schemas, 'bench');
    if (!model.ok) throw new Error(model.error.message);
    const proto = gatewayProto(model.value);
    const protoStarted = performance.now();
    const compiled = await compileProto(
      result.value.filter((file) => file.path.endsWith('.proto') || file.path === 'buf.yaml'),
      proto,
    );
    protoMs = performance.now() - protoStarted;
    if (!compiled.ok) throw new Error(compiled.error.message);
    result.value.push(...compiled.value);
  }
  if (outDir !== undefined) {
    for (const file of result.value) {
      mkdirSync(path.join(outDir, path.dirname(file.path)), { recursive: true });
      writeFileSync(path.join(outDir, file.path), file.content);
    }
  }
  const bytes = result.value.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  const proto = protoMs === undefined ? {} : { protoMs, protoPeakRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify({ files: result.value.length, bytes, ms, peakRssMiB, ...proto }));
}

function tscProject(dir: string): number {
  mkdirSync(path.join(dir, 'node_modules/@jina-ts'), { recursive: true });
  symlinkSync(path.join(REPO, 'runtime'), path.join(dir, 'node_modules/@jina-ts/runtime'));
  symlinkSync(path.join(REPO, 'node_modules/ajv'), path.join(dir, 'node_modules/ajv'));
  symlinkSync(path.join(REPO, 'node_modules/@types'), path.join(dir, 'node_modules/@types'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, noEmit: true, types: ['node'] }, include: ['src/**/*.ts'] }),
  );
  const started = performance.now();
  execFileSync(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: dir, stdio: 'pipe' });
  return performance.now() - started;
}

function runChild(size: Size, dir: string | undefined, mode: string): { values: Record<string, number> } | { error: string } {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(size), dir ?? '', mode], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 20 });
  if (run.status !== 0) return { error: (run.stderr || run.error?.message || `exit ${run.status}`).split('\n').slice(0, 3).join(' ') };
  return { values: JSON.parse(run.stdout) as Record<string, number> };
}

/**
 * How fast this machine is now, in a fresh process: a loop of integer arithmetic and a loop that
 * allocates small objects (as the generator does). On this 2-core VM the second varies with the
 * neighbours by up to ~1.7x while the first does not: a generation's time moves with it.
 */
function calibrate(): { aluMs: number; allocMs: number } {
  const started = performance.now();
  let x = 1;
  for (let i = 0; i < 2e8; i++) x = (x * 1103515245 + 12345) | 0;
  const aluMs = performance.now() - started;
  const allocStarted = performance.now();
  let keep: object[] = [];
  for (let i = 0; i < 2e7; i++) {
    const o = { a: i, b: [i], c: `s${i & 1023}` };
    if ((i & 255) === 0) keep.push(o);
    if (keep.length > 50_000) keep = [];
    x ^= o.a;
  }
  return { aluMs, allocMs: performance.now() - allocStarted + (x === 0.5 ? 1 : 0) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function measure(size: Size, withTsc: boolean, withProtoTs: boolean, repeat: number): Measured | { error: string } {
  const dir = withTsc ? mkdtempSync(path.join(tmpdir(), 'bench-generate-')) : undefined;
  try {
    const parts = runChild(size, dir, withProtoTs || withTsc ? 'proto' : '');
    if ('error' in parts) return parts;
    const runs: number[] = [];
    let all: Record<string, number> = {};
    for (let run = 0; withProtoTs && run < repeat; run++) {
      const once = runChild(size, undefined, 'all');
      if ('error' in once) return once;
      runs.push(once.values.allMs!);
      all = { ...once.values, allPeakRssMiB: Math.max(all.allPeakRssMiB ?? 0, once.values.allPeakRssMiB!) };
    }
    if (runs.length > 0) all = { ...all, allMs: median(runs), allMinMs: Math.min(...runs), allMaxMs: Math.max(...runs) };
    const measured = { ...size, ...(parts.values as unknown as Omit<Measured, keyof Size>), ...all };
    return dir === undefined ? measured : { ...measured, tscMs: tscProject(dir) };
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(JSON.parse(args[1]!) as Size, args[2] || undefined, args[3] ?? '');
  if (args[0] === '--calibrate') {
    process.stdout.write(JSON.stringify(calibrate()));
    return;
  }
  const repeatIndex = args.indexOf('--repeat');
  const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat takes a whole number of runs (>= 1)');
  const jsonIndex = args.indexOf('--json');
  const quick = args.includes('--quick');
  const sizes: Size[] = [];
  for (const executors of quick ? [1, 16] : [1, 4, 16, 64]) for (const endpoints of quick ? [8] : [1, 8, 32]) for (const fields of quick ? [32] : [4, 32, 256]) sizes.push({ executors, endpoints, fields });
  const sizesIndex = args.indexOf('--sizes');
  if (sizesIndex >= 0) {
    const only = new Set(args[sizesIndex + 1]!.split(','));
    sizes.splice(0, sizes.length, ...sizes.filter((size) => only.has(`${size.executors}x${size.endpoints}x${size.fields}`)));
  }
  const tscSizes = new Set(['1x1x4', '1x8x32', '4x8x32', '16x8x32']);
  // ts-proto: where tsc runs, and larger sizes to see how it grows
  const protoSizes = new Set([...tscSizes, '16x8x4', '16x32x32', '64x8x32', '4x32x256']);
  const rows: (Measured | ({ error: string } & Size))[] = [];
  const calibration = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--calibrate'], { encoding: 'utf8' })) as { aluMs: number; allocMs: number };
  console.log(`machine now: integer loop ${calibration.aluMs.toFixed(0)} ms, allocation loop ${calibration.allocMs.toFixed(0)} ms (node ${process.version}); all cold: median of ${repeat} run(s) [min–max]\n`);
  console.log('| N × M × F | fields | files | output KiB | core ms | µs / field | peak RSS MiB | ts-proto ms (cold) | ts-proto µs / field | peak RSS with ts-proto MiB | all cold ms | tsc --noEmit ms |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const key = `${size.executors}x${size.endpoints}x${size.fields}`;
    const result = measure(size, tscSizes.has(key), protoSizes.has(key), repeat);
    const totalFields = size.executors * size.endpoints * size.fields * 2;
    if ('error' in result) {
      rows.push({ ...size, error: result.error });
      console.log(`| ${size.executors} × ${size.endpoints} × ${size.fields} | ${totalFields} | failed: ${result.error} |`);
      continue;
    }
    rows.push(result);
    console.log(
      `| ${size.executors} × ${size.endpoints} × ${size.fields} | ${totalFields} | ${result.files} | ${(result.bytes / 1024).toFixed(0)} | ${result.ms.toFixed(0)} | ${((result.ms * 1000) / totalFields).toFixed(1)} | ${result.peakRssMiB.toFixed(0)} | ${result.protoMs === undefined ? '' : result.protoMs.toFixed(0)} | ${result.protoMs === undefined ? '' : ((result.protoMs * 1000) / totalFields).toFixed(1)} | ${result.protoPeakRssMiB === undefined ? '' : result.protoPeakRssMiB.toFixed(0)} | ${result.allMs === undefined ? '' : `${result.allMs.toFixed(0)}${repeat > 1 ? ` [${result.allMinMs!.toFixed(0)}–${result.allMaxMs!.toFixed(0)}]` : ''}`} | ${result.tscMs === undefined ? '' : result.tscMs.toFixed(0)} |`,
    );
  }
  if (jsonIndex >= 0) writeFileSync(args[jsonIndex + 1]!, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, calibration, repeat, rows }, null, 2)}\n`);
}

await main();

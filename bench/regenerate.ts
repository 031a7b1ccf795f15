/**
 * `create-gateway regenerate` speed on a 16 executors × 8 endpoints × 32 fields project generated
 * from a saved schema file (`--schemas`, so no executor is needed):
 *
 * - a no-change regenerate: in process (warm modules) and as the CLI process a user runs;
 * - a one-field change (a field added to one model, alternately added and removed so every run is
 *   a real change), in process, with the type check of the user's code reported apart.
 *
 * The project's node_modules is a link to the repository's (runtime, ajv, @types), as a linked
 * install gives. ts-proto output is cached by content (the generator's cache), as for a user who
 * regenerates back and forth; the first compile of each variant is a warm-up, not measured.
 *
 *     node bench/dist/regenerate.js [--runs 7] [--json bench/results/regenerate.json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticSchemas } from './synthetic-schemas.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(REPO, 'generator/dist/cli/main.js');
const SIZE = { executors: 16, endpoints: 8, fields: 32 };

type Timings = Record<'introspect' | 'generate' | 'typeCheck' | 'reconcile', number>;
interface Report {
  written: boolean;
  stale: boolean;
  changes: unknown[];
  files: { updated: string[] };
  timings: Timings;
}
type Regenerate = (options: { projectDir: string; typeCheck?: boolean; full?: boolean }, reporter: unknown) => Promise<{ ok: true; value: Report } | { ok: false; error: { message: string } }>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 7;
  const jsonIndex = args.indexOf('--json');
  const { regenerateProject } = (await import(path.join(REPO, 'generator/dist/regenerate/index.js'))) as { regenerateProject: Regenerate };
  const { silentReporter } = (await import(path.join(REPO, 'generator/dist/cli/reporter.js'))) as { silentReporter: unknown };
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-regenerate-'));
  try {
    const schemaFile = path.join(dir, 'schemas.json');
    const base = syntheticSchemas(SIZE) as Record<string, { schemas: Record<string, { input: { model: { properties: Record<string, unknown> } } }> }>;
    const withField = structuredClone(base);
    withField.executor0!.schemas['/op0']!.input.model.properties.added_field = { anyOf: [{ type: 'string' }, { type: 'null' }], default: null };
    const variants = [JSON.stringify(base), JSON.stringify(withField)];
    writeFileSync(schemaFile, variants[0]!);
    const project = path.join(dir, 'gw');
    const started = performance.now();
    execFileSync(process.execPath, [CLI, project, '--schemas', schemaFile, '--runtime', 'link', '-q'], { stdio: 'pipe' });
    const generateMs = performance.now() - started;
    symlinkSync(path.join(REPO, 'node_modules'), path.join(project, 'node_modules'));

    const regenerate = async (options: { typeCheck: boolean }): Promise<{ ms: number; report: Report }> => {
      const begun = performance.now();
      const result = await regenerateProject({ projectDir: project, ...options }, silentReporter);
      const ms = performance.now() - begun;
      if (!result.ok) throw new Error(result.error.message);
      return { ms, report: result.value };
    };

    // no change: in process, then the CLI process as a user runs it
    await regenerate({ typeCheck: false });
    const noChange: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { ms, report } = await regenerate({ typeCheck: false });
      if (report.written || report.stale) throw new Error('a no-change regenerate wrote or found stale files');
      noChange.push(ms);
    }
    // the peer: the same no-change regenerate made to generate everything anew (`--full`)
    const full: number[] = [];
    for (let i = 0; i < runs; i++) {
      const begun = performance.now();
      const result = await regenerateProject({ projectDir: project, typeCheck: false, full: true }, silentReporter);
      if (!result.ok || result.value.written) throw new Error('a --full no-change regenerate failed or wrote');
      full.push(performance.now() - begun);
    }
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      const begun = performance.now();
      execFileSync(process.execPath, [CLI, 'regenerate', '--project', project, '--no-type-check', '-q'], { stdio: 'pipe' });
      cli.push(performance.now() - begun);
    }

    // one field added / removed: warm both variants' ts-proto cache once, then measure
    let variant = 0;
    const flip = () => {
      variant = 1 - variant;
      writeFileSync(schemaFile, variants[variant]!);
    };
    for (let i = 0; i < 2; i++) {
      flip();
      await regenerate({ typeCheck: false });
    }
    const change: number[] = [];
    const phases: Timings[] = [];
    let updated = 0;
    for (let i = 0; i < runs; i++) {
      flip();
      const { ms, report } = await regenerate({ typeCheck: false });
      if (!report.written || report.changes.length !== 1) throw new Error(`a one-field change: expected one change written, got ${report.changes.length}`);
      change.push(ms);
      phases.push(report.timings);
      updated = report.files.updated.length;
    }
    const typeCheck: number[] = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      flip();
      const { report } = await regenerate({ typeCheck: true });
      typeCheck.push(report.timings.typeCheck);
    }

    const phase = (key: keyof Timings) => median(phases.map((timing) => timing[key])).toFixed(0);
    const rows = {
      size: SIZE,
      runs,
      generateMs,
      noChangeMs: median(noChange),
      noChangeFullMs: median(full),
      noChangeCliMs: median(cli),
      oneFieldMs: median(change),
      oneFieldPhasesMs: { introspect: Number(phase('introspect')), generate: Number(phase('generate')), reconcile: Number(phase('reconcile')) },
      oneFieldFilesUpdated: updated,
      typeCheckMs: median(typeCheck),
    };
    console.log(`| project | ${SIZE.executors} × ${SIZE.endpoints} × ${SIZE.fields} (first generation: ${generateMs.toFixed(0)} ms, CLI, ts-proto cache as found) |`);
    console.log('|---|---|');
    console.log(`| no-change regenerate, in process (median of ${runs}) | ${rows.noChangeMs.toFixed(0)} ms |`);
    console.log(`| peer: the same with \`--full\` (everything generated and byte-compared) | ${rows.noChangeFullMs.toFixed(0)} ms (×${(rows.noChangeFullMs / rows.noChangeMs).toFixed(1)}) |`);
    console.log(`| no-change regenerate, CLI process \`--no-type-check\` (median of ${runs}) | ${rows.noChangeCliMs.toFixed(0)} ms |`);
    console.log(`| one-field change, in process, type check excluded (median of ${runs}) | ${rows.oneFieldMs.toFixed(0)} ms (introspect ${phase('introspect')}, generate ${phase('generate')}, reconcile ${phase('reconcile')}; ${updated} files rewritten) |`);
    console.log(`| type check of user code against the new types (median of ${typeCheck.length}) | ${rows.typeCheckMs.toFixed(0)} ms |`);
    if (jsonIndex >= 0) writeFileSync(args[jsonIndex + 1]!, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...rows }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

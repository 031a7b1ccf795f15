/**
 * `create-gateway openapi -o <out.json|yaml> [--previous file|ref] [--allow-breaking] [--check]
 * [--proto-out <out.proto> [--previous-proto file|ref]] [--json]`, run in a generated project:
 * publishes its openapi.json (and protos/gateway.proto) with the version and the checks of
 * publish/, then gives the project's openapi.json and consumer SDK (client/package.json) that version.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { publishOpenApi, type PublishOpenApiReport } from '../publish/openapi-publish.js';
import { publishProto, type PublishProtoReport } from '../publish/proto-publish.js';
import type { Reporter } from './reporter.js';
import { syncContractVersion } from './sync-contract-version.js';

export interface OpenApiCommandOptions {
  readonly projectDir: string;
  readonly out: string;
  readonly previous?: string | undefined;
  readonly protoOut?: string | undefined;
  /** Default: `--previous` when it is a git ref (the proto's own path in it), else none. */
  readonly previousProto?: string | undefined;
  readonly allowBreaking?: boolean;
  readonly check?: boolean;
  readonly json?: boolean;
}

export interface OpenApiCommandReport {
  readonly openapi: PublishOpenApiReport;
  readonly proto: PublishProtoReport | undefined;
  /** The project's files set to the published version (openapi.json, client/package.json), when they said another. */
  readonly versioned: readonly string[];
}

export async function runOpenApi(options: OpenApiCommandOptions, reporter: Reporter, stdout: NodeJS.WritableStream): Promise<Result<OpenApiCommandReport>> {
  const projectDir = path.resolve(options.projectDir);
  const spec = await readText(path.join(projectDir, 'openapi.json'));
  if (!spec.ok) return spec;
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(spec.value) as Record<string, unknown>;
  } catch (error) {
    return fail(`${path.join(projectDir, 'openapi.json')}: not valid JSON (${(error as Error).message})`, error);
  }
  const common = { allowBreaking: options.allowBreaking ?? false, check: options.check ?? false, cwd: process.cwd() };
  // both are checked before either is written: a refused .proto leaves the spec unpublished too
  const checked = await publishOpenApi({ document, out: options.out, ...(options.previous === undefined ? {} : { previous: options.previous }), ...common, check: true });
  if (!checked.ok) return fail(checked.error.message);
  let proto: string | undefined;
  // by default the .proto's own path in the --previous git revision, if it was published there
  const previousOptional = options.previousProto === undefined;
  const previousProto = options.previousProto ?? (options.previous !== undefined && !options.previous.includes(':') && !/\.(json|ya?ml)$/i.test(options.previous) ? options.previous : undefined);
  if (options.protoOut !== undefined) {
    const text = await readText(path.join(projectDir, 'protos', 'gateway.proto'));
    if (!text.ok) return text;
    proto = text.value;
    const protoChecked = await publishProto({ proto, out: options.protoOut, previous: previousProto, previousOptional, ...common, check: true });
    if (!protoChecked.ok) return fail(protoChecked.error.message);
  }
  const published = await publishOpenApi({ document, out: options.out, ...(options.previous === undefined ? {} : { previous: options.previous }), ...common });
  if (!published.ok) return fail(published.error.message);
  const openapi = published.value;
  let protoReport: PublishProtoReport | undefined;
  if (proto !== undefined && options.protoOut !== undefined) {
    const written = await publishProto({ proto, out: options.protoOut, previous: previousProto, previousOptional, ...common });
    if (!written.ok) return fail(written.error.message);
    protoReport = written.value;
  }
  // the project's openapi.json and its consumer SDK (client/package.json) take the published version
  const synced = options.check === true ? ok([]) : await syncContractVersion(projectDir, openapi.version);
  if (!synced.ok) return fail(`published ${openapi.out} (${openapi.version}), but could not set the project's version: ${synced.error.message}`);
  const report: OpenApiCommandReport = { openapi, proto: protoReport, versioned: synced.value };
  if (options.json === true) stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else stdout.write(formatOpenApiReport(report));
  reporter.step(options.check ? 'check: nothing written' : `published ${openapi.out} (${openapi.version})${protoReport === undefined ? '' : ` and ${protoReport.out}`}`);
  return ok(report);
}

function formatOpenApiReport(report: OpenApiCommandReport): string {
  const { openapi, proto } = report;
  const lines = [`${openapi.out}: version ${openapi.previousVersion === undefined ? openapi.version : `${openapi.previousVersion} → ${openapi.version}`}${openapi.diff === undefined ? '' : ` (${openapi.diff.bump})`}`];
  for (const change of openapi.diff?.changes ?? []) {
    lines.push(`  [${change.breaking ? 'BREAKING' : 'ok'}] ${change.operation}: ${change.kind}${change.path === '' ? '' : ` ${change.path}`}${change.detail === undefined ? '' : ` (${change.detail})`}`);
  }
  if (report.versioned.length > 0) lines.push(`${report.versioned.join(', ')}: version ${openapi.version}`);
  if (proto !== undefined) {
    lines.push(`${proto.out}: ${proto.changes === undefined ? 'no previous version' : proto.changes.length === 0 ? 'no breaking change (buf breaking)' : `${proto.changes.length} breaking change(s) (buf breaking)`}`);
    for (const change of proto.changes ?? []) lines.push(`  [BREAKING] ${change.file}:${change.line}: ${change.rule}: ${change.message}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readText(file: string): Promise<Result<string>> {
  try {
    return ok(await readFile(file, 'utf8'));
  } catch (error) {
    return fail(`${file}: cannot read it (${(error as Error).message}); run this in a generated project (or pass --project)`, error);
  }
}

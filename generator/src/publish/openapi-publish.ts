/**
 * `create-gateway openapi`: publishes the gateway's OpenAPI document (JSON or YAML) with an
 * honest version. Against the previously published spec (a file, or a git ref whose tree holds
 * the output path) it lists every change with its class and bumps `info.version` by semver:
 * major for a breaking change, minor for an addition, patch otherwise. It refuses to replace a
 * published spec with a breaking change unless `allowBreaking`, validates the document with a
 * standard validator (swagger-parser) before writing, and writes nothing on any failure.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { bumpVersion, diffOpenApi, type OpenApiDiff } from '../diff/openapi-diff.js';
import { readPreviousFile } from './previous-file.js';

export interface PublishOpenApiOptions {
  /** The gateway's OpenAPI document (the project's generated openapi.json). */
  readonly document: Record<string, unknown>;
  /** Where to publish; `.yaml` / `.yml` write YAML, anything else JSON. */
  readonly out: string;
  /** The last published spec: a file, or a git ref (`v1.2.0`, `HEAD~1`, `origin/main:api/openapi.json`). */
  readonly previous?: string;
  /** Publish even when the change is breaking (the version still gets a major bump). */
  readonly allowBreaking?: boolean;
  /** Compute and report, write nothing. */
  readonly check?: boolean;
  /** Base of relative paths and of git commands. Default: the working directory. */
  readonly cwd?: string;
}

export interface PublishOpenApiReport {
  readonly out: string;
  readonly version: string;
  readonly previousVersion: string | undefined;
  readonly diff: OpenApiDiff | undefined;
  /** False when the file already had exactly this content, or with `check`. */
  readonly written: boolean;
}

export type PublishResult = { ok: true; value: PublishOpenApiReport } | { ok: false; error: { message: string; report?: PublishOpenApiReport } };

export async function publishOpenApi(options: PublishOpenApiOptions): Promise<PublishResult> {
  const cwd = options.cwd ?? process.cwd();
  const out = path.resolve(cwd, options.out);
  const yaml = /\.ya?ml$/i.test(out);

  let previousDocument: Record<string, unknown> | undefined;
  if (options.previous !== undefined) {
    const loaded = await loadPrevious(options.previous, out, cwd);
    if (!loaded.ok) return loaded;
    previousDocument = loaded.value;
  }

  const document = structuredClone(options.document);
  const info = (document.info ?? {}) as Record<string, unknown>;
  const previousVersion = previousDocument === undefined ? undefined : String((previousDocument.info as Record<string, unknown> | undefined)?.version ?? '0.0.0');
  const diff = previousDocument === undefined ? undefined : diffOpenApi(previousDocument, document);
  const version = previousVersion === undefined || diff === undefined ? String(info.version ?? '1.0.0') : diff.changes.length === 0 ? previousVersion : bumpVersion(previousVersion, diff.bump);
  document.info = { ...info, version };

  try {
    // validate() dereferences in place: give it a copy
    await SwaggerParser.validate(structuredClone(document) as never);
  } catch (error) {
    return { ok: false, error: { message: `the OpenAPI document is not valid: ${(error as Error).message}` } };
  }

  const report = (written: boolean): PublishOpenApiReport => ({ out, version, previousVersion, diff, written });
  if (diff?.breaking === true && options.allowBreaking !== true) {
    const breaking = diff.changes.filter((change) => change.breaking).map((change) => `  ${change.operation}: ${change.kind}${change.path === '' ? '' : ` ${change.path}`}${change.detail === undefined ? '' : ` (${change.detail})`}`);
    return {
      ok: false,
      error: { message: `refusing to publish a breaking change over ${options.previous} (${previousVersion} → ${version}); pass --allow-breaking to publish it:\n${breaking.join('\n')}`, report: report(false) },
    };
  }

  const text = yaml ? stringifyYaml(document, { lineWidth: 0 }) : `${JSON.stringify(document, null, 2)}\n`;
  if (options.check === true) return { ok: true, value: report(false) };
  if (existsSync(out) && (await readFile(out, 'utf8')) === text) return { ok: true, value: report(false) };
  try {
    // write then rename: a reader never sees half a spec, a failure leaves the old one
    await mkdir(path.dirname(out), { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, out);
  } catch (error) {
    return { ok: false, error: { message: `cannot write ${out}: ${(error as Error).message}` } };
  }
  return { ok: true, value: report(true) };
}

type Loaded = { ok: true; value: Record<string, unknown> } | { ok: false; error: { message: string } };

async function loadPrevious(previous: string, out: string, cwd: string): Promise<Loaded> {
  const read = await readPreviousFile(previous, out, cwd);
  if (!read.ok) return read;
  return parseSpec(read.value.text, read.value.source);
}

function parseSpec(text: string, source: string): Loaded {
  try {
    const parsed: unknown = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: { message: `${source}: not an OpenAPI document` } };
    return { ok: true, value: parsed as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: { message: `${source}: cannot parse it: ${(error as Error).message}` } };
  }
}

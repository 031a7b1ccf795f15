/**
 * `create-gateway openapi --proto-out`: publishes the gateway's `protos/gateway.proto` next to the
 * OpenAPI document, checked with `buf breaking` (FILE rules) against the previously published
 * version (a file or a git ref, as for the spec). A breaking change is refused unless
 * `allowBreaking`; nothing is written on any failure, or with `check`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ProtoBreakingChange, protoBreakingChanges } from '../diff/proto-breaking.js';
import { type PreviousFile, readPreviousFile } from './previous-file.js';

export interface PublishProtoOptions {
  /** The gateway's .proto text (the project's protos/gateway.proto). */
  readonly proto: string;
  readonly out: string;
  readonly previous?: string | undefined;
  /** A `previous` that names nothing (the .proto was never published there) counts as no previous version. */
  readonly previousOptional?: boolean;
  readonly allowBreaking?: boolean;
  readonly check?: boolean;
  readonly cwd?: string;
}

export interface PublishProtoReport {
  readonly out: string;
  /** Undefined without a previous version. */
  readonly changes: readonly ProtoBreakingChange[] | undefined;
  readonly breaking: boolean;
  readonly written: boolean;
}

export type PublishProtoResult = { ok: true; value: PublishProtoReport } | { ok: false; error: { message: string; report?: PublishProtoReport } };

export async function publishProto(options: PublishProtoOptions): Promise<PublishProtoResult> {
  const cwd = options.cwd ?? process.cwd();
  const out = path.resolve(cwd, options.out);
  const name = path.basename(out);
  let changes: ProtoBreakingChange[] | undefined;
  let previous: PreviousFile | undefined;
  if (options.previous !== undefined) {
    previous = await readPreviousFile(options.previous, out, cwd);
    if (!previous.ok && options.previousOptional !== true) return previous;
  }
  if (options.previous !== undefined && previous?.ok === true) {
    const compared = await protoBreakingChanges([{ path: name, content: previous.value.text }], [{ path: name, content: options.proto }]);
    if (!compared.ok) return { ok: false, error: { message: `buf breaking against ${previous.value.source}: ${compared.error}` } };
    changes = compared.changes;
  }
  const breaking = (changes?.length ?? 0) > 0;
  const report = (written: boolean): PublishProtoReport => ({ out, changes, breaking, written });
  if (breaking && options.allowBreaking !== true) {
    const lines = changes!.map((change) => `  ${change.file}:${change.line}: ${change.rule}: ${change.message}`);
    return { ok: false, error: { message: `refusing to publish a breaking .proto change over ${options.previous}; pass --allow-breaking to publish it:\n${lines.join('\n')}`, report: report(false) } };
  }
  if (options.check === true) return { ok: true, value: report(false) };
  if (existsSync(out) && (await readFile(out, 'utf8')) === options.proto) return { ok: true, value: report(false) };
  try {
    await mkdir(path.dirname(out), { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    await writeFile(temporary, options.proto);
    await rename(temporary, out);
  } catch (error) {
    return { ok: false, error: { message: `cannot write ${out}: ${(error as Error).message}` } };
  }
  return { ok: true, value: report(true) };
}

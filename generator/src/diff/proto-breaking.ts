/**
 * `buf breaking` between two versions of the gateway's `.proto` files: each previous and next
 * file set is written to its own temporary module and compared with buf's FILE rules (wire and
 * generated-code compatibility), which is what clients compiled from the previous version need.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuf } from '../buf.js';

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
    const { code, stdout, stderr } = await runBuf(['breaking', 'next', '--against', 'previous', '--error-format', 'json'], root);
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

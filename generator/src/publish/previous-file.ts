/**
 * The last published version of a file, for `--previous`: a file path, or a git revision, either
 * `ref:path` as given or `ref` alone, meaning the published file's own path in that revision.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type PreviousFile = { ok: true; value: { text: string; source: string } } | { ok: false; error: { message: string } };

export async function readPreviousFile(previous: string, out: string, cwd: string): Promise<PreviousFile> {
  const file = path.resolve(cwd, previous);
  if (existsSync(file)) return { ok: true, value: { text: await readFile(file, 'utf8'), source: previous } };
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (!top.ok) return { ok: false, error: { message: `--previous ${previous}: no such file, and ${cwd} is not in a git repository` } };
  const spec = previous.includes(':') ? previous : `${previous}:${path.relative(top.value.trim(), out).split(path.sep).join('/')}`;
  const shown = await git(['show', spec], cwd);
  if (!shown.ok) return { ok: false, error: { message: `--previous ${previous}: neither a file nor a git revision holding it (git show ${spec}: ${shown.error})` } };
  return { ok: true, value: { text: shown.value, source: `${previous} (git show ${spec})` } };
}

function git(args: readonly string[], cwd: string): Promise<{ ok: true; value: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve(error === null ? { ok: true, value: stdout } : { ok: false, error: (stderr || error.message).trim() });
    });
  });
}

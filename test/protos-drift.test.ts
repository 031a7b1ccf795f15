/**
 * The generated wire code is committed; this regenerates it from protos/ with the pinned buf and
 * ts-proto into a temp dir and fails on any difference, so a .proto edit without `make protos`
 * (or a hand edit of generated code) cannot land.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const committed = path.join(root, 'runtime/src/wire/gen');
const out = mkdtempSync(path.join(tmpdir(), 'protos-drift-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

describe('generated protobuf code', () => {
  it('buf lint passes', () => {
    execFileSync('buf', ['lint', 'protos'], { cwd: root, stdio: 'pipe' });
  });

  it('matches a fresh buf generate + buf build', () => {
    execFileSync('buf', ['generate', 'protos', '--template', 'protos/buf.gen.yaml', '-o', out], { cwd: root, stdio: 'pipe' });
    const fresh = path.join(out, 'runtime/src/wire/gen');
    execFileSync('buf', ['build', 'protos', '-o', path.join(fresh, 'descriptor-set.binpb')], { cwd: root, stdio: 'pipe' });
    const expected = listFiles(fresh).sort();
    expect(listFiles(committed).sort()).toEqual(expected);
    for (const file of expected) {
      const same = readFileSync(path.join(committed, file)).equals(readFileSync(path.join(fresh, file)));
      expect(same, `${file} differs from a fresh generation: run \`make protos\``).toBe(true);
    }
  });
});

import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, parseManifest } from './manifest.js';
import type { PlannedFile } from './planned-file.js';
import { reconcile } from './reconcile.js';

let base: string;
let project: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'reconcile-'));
  project = path.join(base, 'gw');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const generated = (file: string, content: string): PlannedFile => ({ path: file, content, ownership: 'generated' });
const writeOnce = (file: string, content: string): PlannedFile => ({ path: file, content, ownership: 'write-once' });
const read = (file: string) => readFile(path.join(project, file), 'utf8');
const exists = (file: string) => stat(path.join(project, file)).then(() => true, () => false);

/** Every file under the project, relative posix paths, sorted. */
async function listing(dir = project, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listing(path.join(dir, entry.name), `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

describe('reconcile', () => {
  it('creates a new project with a manifest listing generated files and scaffolds', async () => {
    const result = await reconcile({
      projectDir: project,
      files: [generated('src/gen/a.ts', 'a1'), writeOnce('src/gateway.ts', 'user')],
      sources: [{ kind: 'schemas', file: 'schemas.json' }],
    });
    expect(result.ok).toBe(true);
    expect(await listing()).toEqual([MANIFEST_FILE, 'src/gateway.ts', 'src/gen/a.ts']);
    const manifest = parseManifest(await read(MANIFEST_FILE), MANIFEST_FILE);
    expect(manifest.ok && manifest.value.files).toEqual({ 'src/gen/a.ts': expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(manifest.ok && manifest.value.scaffolds).toEqual(['src/gateway.ts']);
    expect(manifest.ok && manifest.value.sources).toEqual([{ kind: 'schemas', file: 'schemas.json' }]);
  });

  it('keeps unchanged files (mtime), rewrites changed ones, deletes stale listed ones, never touches write-once or unlisted files', async () => {
    const first = await reconcile({
      projectDir: project,
      files: [generated('src/gen/a.ts', 'a1'), generated('src/gen/b.ts', 'b1'), generated('src/gen/old.ts', 'old'), writeOnce('src/gateway.ts', 'template v1')],
      sources: [],
    });
    expect(first.ok).toBe(true);
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(path.join(project, 'src/gen/a.ts'), past, past);
    await writeFile(path.join(project, 'src/gateway.ts'), 'user edit');
    await writeFile(path.join(project, 'src/gen/mine.ts'), 'not listed');

    const second = await reconcile({
      projectDir: project,
      files: [generated('src/gen/a.ts', 'a1'), generated('src/gen/b.ts', 'b2'), generated('src/gen/c.ts', 'c1'), writeOnce('src/gateway.ts', 'template v2')],
      sources: [],
    });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.value.plan.unchanged).toEqual(['src/gen/a.ts']);
    expect(second.value.plan.deletes).toEqual(['src/gen/old.ts']);
    expect(second.value.plan.kept).toEqual(['src/gateway.ts']);
    expect((await stat(path.join(project, 'src/gen/a.ts'))).mtime.getTime()).toBe(past.getTime());
    expect(await read('src/gen/b.ts')).toBe('b2');
    expect(await read('src/gen/c.ts')).toBe('c1');
    expect(await read('src/gateway.ts')).toBe('user edit');
    expect(await read('src/gen/mine.ts')).toBe('not listed');
    expect(await exists('src/gen/old.ts')).toBe(false);
    expect(await listing()).not.toContain(expect.stringMatching(/staging/));
  });

  it('dry run reports the plan and writes nothing', async () => {
    const result = await reconcile({ projectDir: project, files: [generated('a.txt', 'a')], sources: [], dryRun: true });
    expect(result.ok && result.value.plan.writes.map((write) => write.path)).toEqual(['a.txt', MANIFEST_FILE]);
    expect(result.ok && result.value.written).toBe(false);
    expect(await stat(project).then(() => true, () => false)).toBe(false);
  });

  it('a failure half-way restores every file and removes a project directory it created', async () => {
    const failing = await reconcile({
      projectDir: project,
      files: [generated('a.txt', 'a'), generated('b.txt', 'b'), generated('c.txt', 'c')],
      sources: [],
      hooks: { beforeMove: (file) => { if (file === 'c.txt') throw new Error('disk full'); } },
    });
    expect(failing.ok).toBe(false);
    expect(!failing.ok && failing.error.message).toMatch(/nothing was changed: disk full/);
    expect(await stat(project).then(() => true, () => false)).toBe(false);

    await reconcile({ projectDir: project, files: [generated('a.txt', 'a1'), generated('gone.txt', 'g')], sources: [] });
    const before = await listing();
    const manifestBefore = await read(MANIFEST_FILE);
    const second = await reconcile({
      projectDir: project,
      files: [generated('a.txt', 'a2'), generated('new/b.txt', 'b')],
      sources: [],
      hooks: { beforeMove: (file) => { if (file === MANIFEST_FILE) throw new Error('boom'); } },
    });
    expect(second.ok).toBe(false);
    expect(await listing()).toEqual(before);
    expect(await read('a.txt')).toBe('a1');
    expect(await read('gone.txt')).toBe('g');
    expect(await read(MANIFEST_FILE)).toBe(manifestBefore);
  });

  it('refuses paths outside the project and a file standing where a directory must go, writing nothing', async () => {
    const outside = await reconcile({ projectDir: project, files: [generated('../evil.txt', 'x')], sources: [] });
    expect(!outside.ok && outside.error.message).toMatch(/"\.\.\/evil\.txt": not a relative path/);
    await mkdir(project, { recursive: true });
    await writeFile(path.join(project, 'src'), 'a file');
    const blocked = await reconcile({ projectDir: project, files: [generated('a.txt', 'a'), generated('src/gen/x.ts', 'x')], sources: [] });
    expect(blocked.ok).toBe(false);
    expect(await listing()).toEqual(['src']);
  });
});

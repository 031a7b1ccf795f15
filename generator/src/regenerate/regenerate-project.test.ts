import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentReporter } from '../cli/reporter.js';
import { generateProject } from '../cli/generate-project.js';
import { regenerateProject } from './regenerate-project.js';

const text = { title: 'Text', type: 'string' };
const endpoint = (output: Record<string, unknown>) => ({
  input: { name: 'TextIn', model: { title: 'TextIn', type: 'object', properties: { text }, required: ['text'] } },
  output: { name: 'Out', model: { title: 'Out', type: 'object', properties: output } },
  is_generator: false,
  is_singleton_doc: false,
  parameters: { name: null, model: null },
});
const V1 = { enc: { endpoints: ['/a', '/b'], write_endpoints: [], schemas: { '/a': endpoint({ score: { type: 'number' } }), '/b': endpoint({ score: { type: 'number' } }) } } };
const V2 = { enc: { endpoints: ['/a'], write_endpoints: [], schemas: { '/a': endpoint({ score: { type: 'number' }, rank: { type: 'integer' } }) } } };

let dir: string;
let project: string;
let schemaFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'create-gateway-regenerate-'));
  project = path.join(dir, 'gw');
  schemaFile = path.join(dir, 'schemas.json');
  await writeFile(schemaFile, JSON.stringify(V1));
  const generated = await generateProject({ projectDir: project, request: { kind: 'schemas', file: schemaFile }, runtime: 'link', title: 'Mine' }, silentReporter);
  if (!generated.ok) throw new Error(generated.error.message);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('regenerateProject (from the schema file gateway.lock.json recorded)', () => {
  it('no change: nothing stale, nothing written', async () => {
    const result = await regenerateProject({ projectDir: project }, silentReporter);
    expect(result.ok && result.value).toMatchObject({ changes: [], stale: false, written: false, typeCheck: { skipped: expect.stringMatching(/node_modules/) } });
  });

  it('--check on a changed schema writes nothing; then regenerate deletes the stale files of a removed endpoint and keeps the OpenAPI title', async () => {
    await writeFile(schemaFile, JSON.stringify(V2));
    const lock = await readFile(path.join(project, 'gateway.lock.json'), 'utf8');
    const stale = Object.keys((JSON.parse(lock) as { files: Record<string, string> }).files).filter((file) => file.includes('/b'));
    expect(stale.length, lock).toBeGreaterThan(0);
    const check = await regenerateProject({ projectDir: project, check: true }, silentReporter);
    if (!check.ok) throw new Error(check.error.message);
    expect(check.value.stale).toBe(true);
    expect(check.value.written).toBe(false);
    expect(check.value.changes.map((change) => [change.endpoint, change.kind, change.path, change.breaksClients])).toEqual([
      ['/a', 'field-added-optional', 'output.rank', false],
      ['/b', 'endpoint-removed', '', true],
    ]);
    expect(await readFile(path.join(project, 'gateway.lock.json'), 'utf8')).toBe(lock);

    const result = await regenerateProject({ projectDir: project }, silentReporter);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.files.deleted).toEqual(stale);
    for (const file of stale) expect(existsSync(path.join(project, file)), file).toBe(false);
    const openapi = JSON.parse(await readFile(path.join(project, 'openapi.json'), 'utf8')) as { info: { title: string } };
    expect(openapi.info.title).toBe('Mine');
  });

  it('a source given as a flag is recorded in gateway.lock.json, even when the schemas are the same', async () => {
    const moved = path.join(dir, 'moved.json');
    await writeFile(moved, JSON.stringify(V2));
    const result = await regenerateProject({ projectDir: project, request: { kind: 'schemas', file: moved } }, silentReporter);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.changes).toEqual([]);
    expect(result.value.files.updated).toEqual(['gateway.lock.json']);
    expect((JSON.parse(await readFile(path.join(project, 'gateway.lock.json'), 'utf8')) as { sources: unknown }).sources).toEqual([{ kind: 'schemas', file: '../moved.json' }]);
  });

  it('not a generated project: says so', async () => {
    const result = await regenerateProject({ projectDir: dir }, silentReporter);
    expect(!result.ok && result.error.message).toMatch(/no gateway\.lock\.json: not a generated project/);
  });
});

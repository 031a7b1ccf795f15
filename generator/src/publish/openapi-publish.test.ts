import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { publishOpenApi } from './openapi-publish.js';

function spec(outputProperties: Record<string, unknown>, required: string[], extraPaths: Record<string, unknown> = {}) {
  const body = (schema: unknown) => ({ content: { 'application/json': { schema } } });
  const docs = (ref: string) => ({ type: 'object', properties: { data: { type: 'array', items: { $ref: ref } } }, required: ['data'] });
  return {
    openapi: '3.1.0',
    info: { title: 'gateway', version: '1.0.0' },
    paths: {
      '/encode': { post: { requestBody: body(docs('#/components/schemas/TextDoc')), responses: { '200': { description: 'docs', ...body(docs('#/components/schemas/Embedded')) } } } },
      ...extraPaths,
    },
    components: {
      schemas: {
        TextDoc: { type: 'object', properties: { text: { type: 'string' } } },
        Embedded: { type: 'object', properties: outputProperties, required },
      },
    },
  };
}
const V1 = () => spec({ text: { type: 'string' }, score: { type: 'number' } }, ['score']);

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'create-gateway-publish-'));
  git('init', '-q');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 't');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('publishOpenApi', () => {
  it('first publication: validated and written; the same again rewrites nothing', async () => {
    const first = await publishOpenApi({ document: V1(), out: 'api/openapi.json', cwd: dir });
    expect(first.ok && first.value).toMatchObject({ version: '1.0.0', written: true });
    const mtime = statSync(path.join(dir, 'api/openapi.json')).mtimeMs;
    const again = await publishOpenApi({ document: V1(), out: 'api/openapi.json', previous: 'api/openapi.json', cwd: dir });
    expect(again.ok && again.value).toMatchObject({ version: '1.0.0', previousVersion: '1.0.0', written: false });
    expect(statSync(path.join(dir, 'api/openapi.json')).mtimeMs).toBe(mtime);
  });

  it('against a git ref: an addition is a minor bump; written as YAML', async () => {
    writeFileSync(path.join(dir, 'openapi.yaml'), JSON.stringify({ ...V1(), info: { title: 'gateway', version: '1.3.0' } }));
    git('add', '.');
    git('commit', '-qm', 'v1.3.0');
    const next = spec({ text: { type: 'string' }, score: { type: 'number' }, norm: { type: 'number' } }, ['score']);
    const result = await publishOpenApi({ document: next, out: 'openapi.yaml', previous: 'HEAD', cwd: dir });
    expect(result.ok && result.value).toMatchObject({ version: '1.4.0', previousVersion: '1.3.0', written: true });
    expect(result.ok && result.value.diff?.changes).toEqual([{ operation: 'POST /encode', kind: 'field-added-optional', breaking: false, path: 'response 200.data[].norm' }]);
    const written = parseYaml(readFileSync(path.join(dir, 'openapi.yaml'), 'utf8')) as { info: { version: string } };
    expect(written.info.version).toBe('1.4.0');
  });

  it('refuses a breaking change over the published spec, naming it, and writes nothing; --allow-breaking publishes a major', async () => {
    await publishOpenApi({ document: V1(), out: 'openapi.json', cwd: dir });
    const before = readFileSync(path.join(dir, 'openapi.json'), 'utf8');
    const breaking = spec({ text: { type: 'string' } }, []);
    const refused = await publishOpenApi({ document: breaking, out: 'openapi.json', previous: 'openapi.json', cwd: dir });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.message).toContain('refusing to publish a breaking change over openapi.json (1.0.0 → 2.0.0)');
    expect(!refused.ok && refused.error.message).toContain('POST /encode: field-removed response 200.data[].score');
    expect(readFileSync(path.join(dir, 'openapi.json'), 'utf8')).toBe(before);
    const allowed = await publishOpenApi({ document: breaking, out: 'openapi.json', previous: 'openapi.json', allowBreaking: true, cwd: dir });
    expect(allowed.ok && allowed.value.version).toBe('2.0.0');
  });

  it('an invalid document or an unknown previous is a failure that says why', async () => {
    const invalid = await publishOpenApi({ document: { openapi: '3.1.0', info: { title: 'x' }, paths: { '/x': { post: { responses: { '200': {} } } } } }, out: 'o.json', cwd: dir });
    expect(!invalid.ok && invalid.error.message).toMatch(/^the OpenAPI document is not valid/);
    const missing = await publishOpenApi({ document: V1(), out: 'o.json', previous: 'no-such-ref', cwd: dir });
    expect(!missing.ok && missing.error.message).toContain('--previous no-such-ref: neither a file nor a git revision');
  });
});

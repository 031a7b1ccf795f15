import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishProto } from './proto-publish.js';

const V1 = 'syntax = "proto3";\npackage gateway.v1;\nmessage TextDoc {\n  string text = 1;\n}\nservice GatewayService {\n  rpc Encode(TextDoc) returns (TextDoc);\n  rpc Old(TextDoc) returns (TextDoc);\n}\n';
const ADDED = V1.replace('string text = 1;', 'string text = 1;\n  string lang = 2;');
const REMOVED = V1.replace('  rpc Old(TextDoc) returns (TextDoc);\n', '');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'create-gateway-proto-publish-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('publishProto', () => {
  it('publishes without a previous version, then an addition passes buf breaking against the git ref that holds it', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    const first = await publishProto({ proto: V1, out: 'api/gateway.proto', cwd: dir });
    expect(first).toMatchObject({ ok: true, value: { changes: undefined, breaking: false, written: true } });
    git('add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'v1');
    const next = await publishProto({ proto: ADDED, out: 'api/gateway.proto', previous: 'HEAD', cwd: dir });
    expect(next).toMatchObject({ ok: true, value: { changes: [], breaking: false, written: true } });
    expect(readFileSync(path.join(dir, 'api/gateway.proto'), 'utf8')).toBe(ADDED);
  });

  it('refuses a breaking change unless allowed, writing nothing; a previous that names nothing fails unless optional', async () => {
    writeFileSync(path.join(dir, 'v1.proto'), V1);
    const refused = await publishProto({ proto: REMOVED, out: 'out.proto', previous: 'v1.proto', cwd: dir });
    expect(!refused.ok && refused.error.message).toMatch(/refusing to publish a breaking \.proto change over v1\.proto[^]*RPC_NO_DELETE/);
    expect(existsSync(path.join(dir, 'out.proto'))).toBe(false);
    const allowed = await publishProto({ proto: REMOVED, out: 'out.proto', previous: 'v1.proto', allowBreaking: true, cwd: dir });
    expect(allowed.ok && allowed.value.changes?.map((change) => change.rule)).toEqual(['RPC_NO_DELETE']);
    expect(readFileSync(path.join(dir, 'out.proto'), 'utf8')).toBe(REMOVED);
    const missing = await publishProto({ proto: V1, out: 'other.proto', previous: 'nope.proto', cwd: dir });
    expect(!missing.ok && missing.error.message).toMatch(/--previous nope\.proto: no such file/);
    const optional = await publishProto({ proto: V1, out: 'other.proto', previous: 'nope.proto', previousOptional: true, cwd: dir });
    expect(optional.ok && optional.value.changes).toBeUndefined();
  });
});

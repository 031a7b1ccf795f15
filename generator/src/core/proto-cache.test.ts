/**
 * The ts-proto output cache: a compile stores its output under a key of the protos, options and
 * tool versions; the same protos are then answered from the cache (no buf run), other protos are
 * not, and CREATE_GATEWAY_CACHE=0 turns it off.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileProto } from './compile-proto.js';
import { emitProto } from './emit-proto.js';
import type { GatewayModel } from './ir.js';
import { protoCacheDir } from './proto-cache.js';

const MODEL: GatewayModel = {
  models: [{ name: 'TextDoc', schemaName: 'TextDoc', fields: [{ fieldName: 'text', type: { kind: 'string' }, required: false }] }],
  executors: [{ name: 'echo', ident: 'echo', endpoints: [{ on: '/echo', ident: 'echo', input: 'TextDoc', output: 'TextDoc', isGenerator: false, isSingletonDoc: false }] }],
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('proto cache', () => {
  it('stores a compile and answers the same protos from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'proto-cache-'));
    try {
      process.env.CREATE_GATEWAY_CACHE_DIR = dir;
      delete process.env.CREATE_GATEWAY_CACHE;
      const first = await compileProto(emitProto(MODEL));
      expect(first.ok).toBe(true);
      const entries = readdirSync(path.join(dir, 'proto-ts'));
      expect(entries).toHaveLength(1);
      // a marker in the cache entry comes back: the second compile did not run buf
      const marker = [{ path: 'src/gen/proto/gateway.ts', content: '// from the cache\n' }];
      writeFileSync(path.join(dir, 'proto-ts', entries[0]!), JSON.stringify(marker));
      expect(await compileProto(emitProto(MODEL))).toEqual({ ok: true, value: marker });
      // other protos: another key
      const renamed = { ...MODEL, executors: [{ ...MODEL.executors[0]!, endpoints: [{ ...MODEL.executors[0]!.endpoints[0]!, ident: 'echo_two' }] }] };
      const other = await compileProto(emitProto(renamed));
      expect(other.ok && other.value[0]!.content).not.toBe('// from the cache\n');
      expect(readdirSync(path.join(dir, 'proto-ts'))).toHaveLength(2);
      process.env.CREATE_GATEWAY_CACHE = '0';
      expect(protoCacheDir()).toBeUndefined();
      const uncached = await compileProto(emitProto(MODEL));
      expect(uncached.ok && uncached.value[0]!.content).not.toBe('// from the cache\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

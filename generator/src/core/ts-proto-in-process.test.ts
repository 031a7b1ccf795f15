/**
 * ts-proto run in process on buf's image gives the code `buf generate` gives with the
 * protoc-gen-ts_proto plugin, formatting aside: the in-process output formatted with the
 * plugin's own dprint settings (ts-poet's) is byte for byte the plugin's output, for the every-kind
 * model and the adversarial one (keywords, quotes, `*\/`, unicode, 20 levels, 1000 fields).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../cli/generator-core.js';
import { bufCommand } from '../buf.js';
import { compileProto, PROTO_TS_DIR } from './compile-proto.js';
import { patchTsPoet, requirePinnedVersion, TS_POET_VERSION, TS_PROTO_VERSION } from './ts-proto-in-process.js';
import { emitProto } from './emit-proto.js';
import { adversarialSchemas, EVERY_KIND, normalized } from './gateway-model-samples.js';

const require = createRequire(import.meta.url);
const tsProtoRoot = path.dirname(require.resolve('ts-proto/package.json'));
const fromTsPoet = createRequire(createRequire(path.join(tsProtoRoot, 'package.json')).resolve('ts-poet'));
const dprint = fromTsPoet('dprint-node') as { format(file: string, code: string, options: Record<string, unknown>): string };
// ts-poet's own settings (ts-poet/build/Code.js) with ts-proto's (getTsPoetOpts)
const DPRINT = {
  useTabs: false,
  useBraces: 'always',
  singleBodyPosition: 'nextLine',
  'arrowFunction.useParentheses': 'force',
  'module.sortImportDeclarations': 'caseSensitive',
  lineWidth: 120,
  preferSingleLine: true,
};
const OPTIONS = ['esModuleInterop=true', 'outputServices=grpc-js', 'importSuffix=.js', 'forceLong=number', 'useOptionals=messages', 'outputJsonMethods=false'];

/** What `buf generate` with the ts-proto plugin writes for these protos: path under out/ → content. */
async function pluginOutput(protos: readonly GeneratedFile[]): Promise<Map<string, string>> {
  const root = mkdtempSync(path.join(tmpdir(), 'ts-proto-plugin-'));
  try {
    for (const file of protos) {
      mkdirSync(path.join(root, path.dirname(file.path)), { recursive: true });
      writeFileSync(path.join(root, file.path), file.content);
    }
    const template = JSON.stringify({ version: 'v2', plugins: [{ local: [process.execPath, path.join(tsProtoRoot, 'protoc-gen-ts_proto')], out: 'out', opt: OPTIONS }] });
    const [command, ...prefix] = bufCommand();
    await new Promise<void>((resolve, reject) =>
      execFile(command!, [...prefix, 'generate', '--template', template], { cwd: root }, (error, _stdout, stderr) => (error === null ? resolve() : reject(new Error(stderr)))),
    );
    const files = new Map<string, string>();
    for (const name of ['gateway.ts', 'google/protobuf/struct.ts']) {
      try {
        files.set(name, readFileSync(path.join(root, 'out', name), 'utf8'));
      } catch {
        // struct.ts only when the protos use Value or Struct
      }
    }
    return files;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('ts-proto in process', () => {
  it.each([
    ['every kind of field', () => EVERY_KIND],
    ['adversarial names', () => normalized(adversarialSchemas())],
  ])('formats to exactly what the protoc-gen-ts_proto plugin gives (%s)', async (_name, model) => {
    const protos = emitProto(model());
    const saved = process.env.CREATE_GATEWAY_CACHE;
    process.env.CREATE_GATEWAY_CACHE = '0';
    try {
      const compiled = await compileProto(protos);
      if (!compiled.ok) throw new Error(compiled.error.message);
      const plugin = await pluginOutput(protos);
      expect(compiled.value.map((file) => file.path)).toEqual([...plugin.keys()].map((name) => `${PROTO_TS_DIR}/${name}`));
      for (const file of compiled.value) {
        // our two header lines (generated-by, @ts-nocheck), then ts-proto's code
        const code = file.content.split('\n').slice(2).join('\n');
        expect(dprint.format('file.ts', code.trim(), DPRINT)).toBe(plugin.get(file.path.slice(PROTO_TS_DIR.length + 1)));
      }
    } finally {
      if (saved === undefined) delete process.env.CREATE_GATEWAY_CACHE;
      else process.env.CREATE_GATEWAY_CACHE = saved;
    }
  }, 120_000);
});

describe('the pinned ts-proto and ts-poet versions', () => {
  /** A require rooted in a package directory whose package.json says `version` (nothing else in it). */
  function packageAt(version: string): NodeRequire {
    const root = mkdtempSync(path.join(tmpdir(), 'ts-poet-other-'));
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'ts-poet', version }));
    return createRequire(path.join(root, 'package.json'));
  }

  it('are the installed ones', () => {
    expect(requirePinnedVersion('ts-proto', createRequire(path.join(tsProtoRoot, 'package.json')), TS_PROTO_VERSION)).toBe(TS_PROTO_VERSION);
    const tsPoetPackage = createRequire(createRequire(path.join(tsProtoRoot, 'package.json')).resolve('ts-poet/package.json'));
    expect(requirePinnedVersion('ts-poet', tsPoetPackage, TS_POET_VERSION)).toBe(TS_POET_VERSION);
  });

  it('another ts-poet fails the patch loudly, naming both versions, instead of skipping it', () => {
    const other = packageAt('6.13.0');
    expect(() => patchTsPoet(other)).toThrow(
      `ts-poet 6.13.0 is installed, but create-gateway's in-process ts-proto (generator/src/core/ts-proto-in-process.ts) drives ts-poet ${TS_POET_VERSION}`,
    );
  });

  it('another ts-proto is refused the same way', () => {
    expect(() => requirePinnedVersion('ts-proto', packageAt('2.9.0'), TS_PROTO_VERSION)).toThrow(/^ts-proto 2\.9\.0 is installed, but .* drives ts-proto 2\.8\.3: install ts-proto@2\.8\.3/);
  });
});

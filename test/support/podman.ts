/**
 * Images and containers for the image tests, with podman as scripts/image/podman runs it
 * (project-local storage in .image-cache/, vfs, runc, cgroupfs; no Docker engine here), FROM the
 * base image `make image-setup` made (scripts/image/base-image.sh).
 *
 * What podman 4.3 (Debian 12) really does here:
 * - `build` keeps HEALTHCHECK only in the docker image format (`--format docker`; the OCI
 *   format has no field for it and drops it with a warning).
 * - `--layers=false` commits only each stage's last step: vfs copies the whole rootfs for every
 *   committed layer, so a cold build with layers takes ~60 s and ~3 GB, without ~13 s.
 * - HEALTHCHECK is not scheduled (podman wants systemd timers and logs that it has none);
 *   `podman healthcheck run` runs it once, as the timer would.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type CommandResult, runCommand, runCommandOk } from './commands.js';
import { REPO_ROOT } from './jina.js';

export const PODMAN = path.join(REPO_ROOT, 'scripts', 'image', 'podman');
const STATUS_FILE = path.join(REPO_ROOT, '.image-cache', 'status');

/** Whether podman can build and run images here, as `make image-setup` found (its .image-cache/status). */
export function imageSupport(): { ready: true } | { ready: false; reason: string } {
  if (!existsSync(STATUS_FILE)) return { ready: false, reason: 'no .image-cache/status: run `make image-setup` first' };
  const status = readFileSync(STATUS_FILE, 'utf8').trim();
  return status === 'ready' ? { ready: true } : { ready: false, reason: status };
}

export function podman(args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return runCommand(PODMAN, args, { cwd: REPO_ROOT, timeoutMs });
}

export function podmanOk(args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return runCommandOk(PODMAN, args, { cwd: REPO_ROOT, timeoutMs });
}

/** `podman build` of `contextDir`'s Dockerfile as the tests build it: local base only, chroot isolation, host network. */
export async function buildImage(contextDir: string, tag: string): Promise<CommandResult> {
  return podmanOk(['build', '--pull=never', '--isolation', 'chroot', '--network', 'host', '--format', 'docker', '--layers=false', '--tag', tag, contextDir], 600_000);
}

/** The image's size in bytes, as `podman image inspect` reports it (uncompressed). */
export async function imageSize(image: string): Promise<number> {
  const inspected = await podmanOk(['image', 'inspect', '--format', '{{.Size}}', image]);
  return Number(inspected.stdout.trim());
}

export interface Container {
  readonly name: string;
  /** `podman logs` (stdout and stderr). */
  logs(): Promise<string>;
  /** `podman exec <name> <argv>`. */
  exec(argv: readonly string[]): Promise<CommandResult>;
  /** `podman stop --time <s>` and the exit code the container ended with. */
  stop(timeoutSeconds: number): Promise<number>;
  /** `podman rm --force`: gone, whatever its state. */
  remove(): Promise<void>;
}

let containers = 0;

/** `podman run --detach` of `image` with `runArgs` (before the image) and `args` (after it). */
export async function runContainer(image: string, runArgs: readonly string[], args: readonly string[]): Promise<Container> {
  const name = `jtg-test-${process.pid}-${++containers}`;
  await podmanOk(['run', '--detach', '--name', name, ...runArgs, image, ...args]);
  return {
    name,
    logs: async () => {
      const logs = await podman(['logs', name]);
      return logs.output;
    },
    exec: (argv) => podman(['exec', name, ...argv]),
    stop: async (timeoutSeconds) => {
      await podmanOk(['stop', '--time', String(timeoutSeconds), name], (timeoutSeconds + 30) * 1000);
      const state = await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', name]);
      return Number(state.stdout.trim());
    },
    remove: async () => {
      await podman(['rm', '--force', '--time', '0', name]);
    },
  };
}

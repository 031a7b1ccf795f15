/**
 * A benchmark subject's process: started pinned to a core (taskset) in its own process group,
 * its output kept (the tail, for error messages), ready when a probe succeeds, stopped with its
 * whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';

export interface SubjectProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  /** Core (or taskset list, e.g. "0-1") to pin to; ignored on a one-core machine. */
  core?: number | string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startSubject(options: StartOptions): SubjectProcess {
  const pin = options.core !== undefined && os.cpus().length > 1;
  const [command, args] = pin
    ? ['taskset', ['-c', String(options.core), options.command, ...options.args]]
    : [options.command, [...options.args]];
  // taskset execs the command: the pid is the subject's own
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: options.name,
    pid: child.pid!,
    child,
    output: () => tail,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once `probe` succeeds; rejects if the process exits or `timeoutMs` passes first. */
export async function waitReady(subject: SubjectProcess, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (subject.child.exitCode !== null || subject.child.signalCode !== null) {
      throw new Error(`${subject.name} exited before it was ready:\n${subject.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${subject.name} not ready within ${timeoutMs} ms:\n${subject.output()}`);
}

/** The port a process prints as "ready <port>". */
export function readyPort(subject: SubjectProcess, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${subject.name}: no "ready <port>" within ${timeoutMs} ms:\n${subject.output()}`)), timeoutMs);
    subject.child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    subject.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${subject.name} exited with ${code}:\n${subject.output()}`));
    });
  });
}

/** A loopback port free right now (the OS picks it; closed again before a subject binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

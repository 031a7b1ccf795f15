/**
 * Child processes for end-to-end tests: named, output captured, readiness awaited, always stopped.
 *
 * - Every child is spawned `detached`, i.e. as the leader of its own process group, and is
 *   signalled through the group (`kill(-pid)`), so whatever it forks (uvicorn, multiprocessing)
 *   goes with it.
 * - stdout and stderr go to one in-memory buffer (capped, oldest dropped), printed when the
 *   process exits without being asked to, when readiness fails, or when a test fails
 *   (`useProcessRegistry`). Passing tests stay quiet.
 * - A registry stops everything in `afterAll` even if a test threw, and a synchronous
 *   `process.on('exit')` hook SIGKILLs whatever is still registered if the test worker exits.
 *   That does not cover the worker itself being SIGKILLed; children that must survive that
 *   (Jina, see jina.ts) watch their stdin, which this module keeps as an open pipe: EOF on it
 *   means the parent is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, afterEach } from 'vitest';

const OUTPUT_CAP = 512 * 1024;

export interface StartProcessOptions {
  /** Shown in every message about this process, e.g. `jina-executor echo`. */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  /** Merged over `process.env`; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /**
   * Resolves when the process is ready to serve (polled health check, log line, ...). It is raced
   * against the process exiting and against `readyTimeoutMs`; `signal` aborts when either wins.
   */
  ready?: (proc: ManagedProcess, signal: AbortSignal) => Promise<void>;
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Registry to add the process to; defaults to the module-wide one. `null`: none. */
  registry?: ProcessRegistry | null;
  /**
   * Written to stdin, which is then closed. Default: stdin stays an open, silent pipe (the
   * parent-death signal for children that watch it).
   */
  stdin?: string;
  /** Open fd 3 as an extra pipe from the child (`proc.child.stdio[3]`), e.g. for a JSON result. */
  resultPipe?: boolean;
  /** The process is meant to finish on its own: exiting is not reported as unexpected. */
  expectExit?: boolean;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Milliseconds from spawn until `ready` resolved (0 without a `ready` check). */
  startupMs = 0;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | undefined;
  private chunks: string[] = [];
  private size = 0;
  private dropped = 0;
  private stopping = false;
  /** Off while startProcess awaits readiness: its error already carries the output. */
  reportUnexpectedExit = true;
  private readonly stopTimeoutMs: number;
  private registry: ProcessRegistry | null = null;

  constructor(options: StartProcessOptions) {
    this.name = options.name;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
      if (value !== undefined) env[key] = value;
    }
    this.child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: options.resultPipe ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    });
    this.reportUnexpectedExit = !options.expectExit;
    if (this.child.pid === undefined) {
      // spawn reports ENOENT and friends asynchronously; wait for it to name the cause.
      this.pid = -1;
    } else {
      this.pid = this.child.pid;
    }
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => this.append(text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => this.append(text));
    this.child.stdin?.on('error', () => {});
    // Unless given input, the stdin pipe is the parent-death signal for children that watch it:
    // never write to it or close it while the child runs.
    if (options.stdin !== undefined) this.child.stdin?.end(options.stdin);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.append(`[harness] spawn failed: ${error.message}\n`);
        if (this.child.pid === undefined) {
          this.exitInfo = { code: null, signal: null };
          resolve(this.exitInfo);
        }
      });
      this.child.once('exit', (code, signal) => {
        const exit: ProcessExit = { code, signal };
        this.exitInfo = exit;
        this.child.stdin?.destroy();
        this.registry?.remove(this);
        resolve(exit);
        if (!this.stopping && this.reportUnexpectedExit) {
          // Let the last output arrive ('close' = stdout/stderr drained), but do not wait on a
          // grandchild that still holds the pipes.
          let reported = false;
          const report = () => {
            if (reported) return;
            reported = true;
            console.error(`[harness] ${this.name} (pid ${this.pid}) exited unexpectedly: ${describeExit(exit)}\n${this.output()}`);
          };
          const timer = setTimeout(report, 200);
          this.child.once('close', () => {
            clearTimeout(timer);
            report();
          });
        }
      });
    });
  }

  private append(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > OUTPUT_CAP && this.chunks.length > 1) {
      const first = this.chunks.shift() ?? '';
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  /** Everything the process printed so far (stdout and stderr interleaved), framed with its name. */
  output(): string {
    const head = this.dropped > 0 ? `[... ${this.dropped} earlier characters dropped]\n` : '';
    return `----- ${this.name} (pid ${this.pid}) output -----\n${head}${this.chunks.join('')}\n----- end of ${this.name} -----`;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exitStatus(): ProcessExit | undefined {
    return this.exitInfo;
  }

  /** Resolves when `pattern` appears in the output (already printed text counts). */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.chunks.join('').match(pattern);
      if (match) return match;
      if (this.hasExited) throw new Error(`${this.name} exited before printing ${pattern}\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms\n${this.output()}`);
      await sleep(50);
    }
  }

  /** Sends `signal` to the whole process group right away (for crash/kill tests). Not an "unexpected" exit. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.stopping = true;
    signalGroup(this.pid, signal);
  }

  /** SIGSTOP to the group: the process keeps its port but answers nothing (a hung peer). */
  pause(): void {
    signalGroup(this.pid, 'SIGSTOP');
  }

  /** SIGCONT to the group, undoing `pause()`. */
  resume(): void {
    signalGroup(this.pid, 'SIGCONT');
  }

  /** SIGTERM to the group, SIGKILL after `timeoutMs`; resolves once the leader has exited. Idempotent. */
  async stop(timeoutMs = this.stopTimeoutMs): Promise<ProcessExit> {
    this.stopping = true;
    this.registry?.remove(this);
    if (this.exitInfo) {
      // The leader is gone but a forked grandchild may still hold the group: make sure.
      signalGroup(this.pid, 'SIGKILL');
      return this.exitInfo;
    }
    signalGroup(this.pid, 'SIGTERM');
    // A paused (SIGSTOPped) process only acts on the SIGTERM once continued.
    signalGroup(this.pid, 'SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      signalGroup(this.pid, 'SIGKILL');
      await this.exited;
    }
    // Stragglers that ignored SIGTERM while the leader exited.
    signalGroup(this.pid, 'SIGKILL');
    return this.exitInfo ?? { code: null, signal: null };
  }

  /** @internal used by ProcessRegistry */
  attach(registry: ProcessRegistry | null): void {
    this.registry = registry;
  }
}

function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The set of live processes a test file started; see `useProcessRegistry`. */
export class ProcessRegistry {
  private readonly live = new Set<ManagedProcess>();

  add(proc: ManagedProcess): void {
    this.live.add(proc);
    proc.attach(this);
    allProcesses.add(proc);
  }

  remove(proc: ManagedProcess): void {
    this.live.delete(proc);
  }

  get processes(): ManagedProcess[] {
    return [...this.live];
  }

  /** Stops every registered process in parallel; never throws. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.live].map((proc) => proc.stop()));
  }

  /** Prints every live process's output, e.g. after a failed test. */
  printOutputs(reason: string): void {
    for (const proc of this.live) console.error(`[harness] ${reason}\n${proc.output()}`);
  }
}

/** The registry processes join unless told otherwise. Module state: one per test file (vitest isolates files). */
export const defaultRegistry = new ProcessRegistry();

// Last resort when the worker exits (normally or via process.exit) with processes still running.
const allProcesses = new Set<ManagedProcess>();
process.on('exit', () => {
  for (const proc of allProcesses) {
    if (!proc.hasExited) signalGroup(proc.pid, 'SIGKILL');
  }
});

/**
 * Call at the top of a test file (or inside a describe): prints the output of every live process
 * when a test fails, and stops them all after the suite.
 */
export function useProcessRegistry(registry: ProcessRegistry = defaultRegistry): ProcessRegistry {
  afterEach((context) => {
    if (context.task.result?.state === 'fail') registry.printOutputs(`test failed: ${context.task.name}`);
  });
  afterAll(() => registry.stopAll());
  return registry;
}

/**
 * Spawns a process and waits for `ready`. If readiness fails (timeout, early exit, or the check
 * throws), the process is stopped and the error carries its output.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const proc = new ManagedProcess(options);
  proc.reportUnexpectedExit = options.ready === undefined && !options.expectExit;
  const registry = options.registry === undefined ? defaultRegistry : options.registry;
  if (registry) registry.add(proc);
  else allProcesses.add(proc);
  if (!options.ready) return proc;

  const started = Date.now();
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
    void proc.exited.then((exit) => reject(new Error(`exited during start-up (${describeExit(exit)})`)));
  });
  try {
    await Promise.race([options.ready(proc, controller.signal), failure]);
    proc.startupMs = Date.now() - started;
    proc.reportUnexpectedExit = !options.expectExit;
    return proc;
  } catch (error) {
    // Stop first so the output includes whatever the process printed on its way down.
    await proc.stop(2_000);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${options.name}: ${reason}\n${proc.output()}`, { cause: error });
  } finally {
    clearTimeout(timer);
    controller.abort();
    failure.catch(() => {});
  }
}

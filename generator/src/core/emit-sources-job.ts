/**
 * emitSources on a worker thread, while this thread compiles the protos: ajv compiling the
 * standalone validators is most of emitSources (~0.4 s of CPU at 16 executors × 8 endpoints × 32
 * fields), ts-proto ~0.7 s; one after the other they take their sum, on two cores less (not
 * the longer of the two: the threads slow each other down; BENCHMARKS.md). The thread is started
 * before the schemas are normalized, so that it boots and loads its modules (~0.2 s) meanwhile.
 *
 * From the TypeScript sources (the generator's unit tests run them untranspiled) there is no
 * JavaScript for a worker to load: emitSources runs in this thread then, the same files.
 */
import { Worker } from 'node:worker_threads';
import type { GeneratedFile } from '../cli/generator-core.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { emitSources, type SourceOptions } from './emit-sources.js';
import type { GatewayModel } from './ir.js';

const WORKER = new URL('./emit-sources-worker.js', import.meta.url);

/** emitSources in this thread, its exceptions as a failure. */
export function emitSourcesHere(model: GatewayModel, options: SourceOptions): Result<GeneratedFile[]> {
  try {
    return ok(emitSources(model, options));
  } catch (error) {
    return fail(`emitting sources: ${(error as Error).message}`, error);
  }
}

export interface EmitSourcesJob {
  /** emitSources of `model` (once); never rejects. */
  emit(model: GatewayModel, options: SourceOptions): Promise<Result<GeneratedFile[]>>;
  /** Stops the thread when there is nothing to emit (e.g. the schemas did not normalize). */
  cancel(): void;
}

/** A worker thread for one emitSources, started now. */
export function startEmitSourcesJob(): EmitSourcesJob {
  if (!import.meta.url.endsWith('.js')) return { emit: (model, options) => Promise.resolve(emitSourcesHere(model, options)), cancel: () => {} };
  const worker = new Worker(WORKER);
  // the first of the three settles it
  const done = new Promise<Result<GeneratedFile[]>>((resolve) => {
    worker.once('message', (files: GeneratedFile[]) => resolve(ok(files)));
    worker.once('error', (error) => resolve(fail(`emitting sources: ${error.message}`, error)));
    worker.once('exit', (code) => resolve(fail(`emitting sources: the worker thread exited with code ${code} and no files`)));
  });
  return {
    emit(model, options) {
      worker.postMessage({ model, options });
      return done;
    },
    cancel() {
      void worker.terminate();
    },
  };
}

/**
 * emitSources on a worker thread, while this thread compiles the protos: ajv compiling the
 * standalone validators is most of emitSources (~0.4 s of CPU at 16 executors × 8 endpoints × 32
 * fields), ts-proto ~0.5 s; one after the other they take their sum, on two cores less (not
 * the longer of the two: the threads slow each other down; BENCHMARKS.md). Started once the
 * protos are known to need ts-proto (not cached): starting it before normalizing, to boot
 * meanwhile, was no faster (its start-up then slowed the normalizing down as much).
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

/**
 * emitSources on a worker thread, started now (the model posted to it at once); it exits once
 * it has posted the files back. Never rejects.
 */
export function emitSourcesOnWorker(model: GatewayModel, options: SourceOptions): Promise<Result<GeneratedFile[]>> {
  if (!import.meta.url.endsWith('.js')) return Promise.resolve(emitSourcesHere(model, options));
  const worker = new Worker(WORKER);
  // the first of the three settles it
  const done = new Promise<Result<GeneratedFile[]>>((resolve) => {
    worker.once('message', (files: GeneratedFile[]) => resolve(ok(files)));
    worker.once('error', (error) => resolve(fail(`emitting sources: ${error.message}`, error)));
    worker.once('exit', (code) => resolve(fail(`emitting sources: the worker thread exited with code ${code} and no files`)));
  });
  worker.postMessage({ model, options });
  return done;
}

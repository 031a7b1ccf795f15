/**
 * The entry of the worker thread that runs emitSources (emit-sources-job.ts): its modules load as
 * the thread starts, then one message brings the model and options and one takes the files back.
 */
import { parentPort } from 'node:worker_threads';
import { emitSources, type SourceOptions } from './emit-sources.js';
import type { GatewayModel } from './ir.js';

const port = parentPort!;
port.once('message', ({ model, options }: { model: GatewayModel; options: SourceOptions }) => {
  port.postMessage(emitSources(model, options));
  port.close();
});

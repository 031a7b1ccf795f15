/**
 * `buf build` of a proto module (its image written to a file: buf never waits on a full pipe
 * while this thread is busy) and ts-proto on the image (ts-proto-in-process.ts), started
 * synchronously so that generateSources' other emitters run while buf does, on the other core.
 *
 * (Running ts-proto on a worker thread too, in parallel with those emitters, was tried: on this
 * 2-core machine it cost ~0.4 s more CPU, worker start-up and module loading, and was not
 * faster, with the other core busy or idle; see BENCHMARKS.md.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type BufRun, runBuf } from '../buf.js';
import { generateTsProto, loadTsProto, type TsProtoFile } from './ts-proto-in-process.js';

export type TsProtoJobResult =
  /** buf build failed (the caller tells a compile error from lint's report) */
  | { readonly kind: 'build-failed'; readonly build: BufRun }
  | { readonly kind: 'generated'; readonly files: TsProtoFile[] }
  | { readonly kind: 'error'; readonly message: string };

const IMAGE_FILE = 'image.binpb';

/**
 * Starts the job for the module in `root` (its buf.yaml and protos written), `parameter` being
 * ts-proto's option string: buf is spawned and ts-proto's modules loaded before this returns,
 * the generation runs when buf has finished and the event loop gets to it. Never rejects.
 */
export async function startTsProtoJob(root: string, parameter: string): Promise<TsProtoJobResult> {
  const building = runBuf(['build', '--error-format', 'json', '-o', IMAGE_FILE], root);
  try {
    loadTsProto(); // while buf runs
    const build = await building;
    if (build.code !== 0) return { kind: 'build-failed', build };
    return { kind: 'generated', files: generateTsProto(await readFile(path.join(root, IMAGE_FILE)), parameter) };
  } catch (error) {
    await building; // never leave buf running in a directory about to be removed
    return { kind: 'error', message: (error as Error).message };
  }
}

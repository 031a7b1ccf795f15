/**
 * `buf build` of a proto module and ts-proto's generator in this process (ts-proto-in-process.ts),
 * started synchronously so that generateSources' other emitters run while buf does, on the other
 * core. Two ways:
 *
 * - from the descriptor the emitter built (proto-descriptor.ts): ts-proto starts at once, and buf
 *   compiles the files alongside only to check them (a file buf rejects fails the generation);
 * - from buf's image (any protos, e.g. hand-edited ones): ts-proto waits for buf and decodes its
 *   image. The tests hold the first way to the second.
 *
 * (Running ts-proto on a worker thread was tried: on this 2-core machine it cost ~0.4 s more CPU,
 * worker start-up and module loading, and was not faster; see BENCHMARKS.md.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type BufRun, runBuf } from '../buf.js';
import type { FileDescriptor } from './proto-descriptor.js';
import { generateTsProto, generateTsProtoOf, loadTsProto, type TsProtoFile } from './ts-proto-in-process.js';

export type TsProtoJobResult =
  /** buf build failed (its errors name file and line) */
  | { readonly kind: 'build-failed'; readonly build: BufRun }
  | { readonly kind: 'generated'; readonly files: TsProtoFile[] }
  | { readonly kind: 'error'; readonly message: string };

const IMAGE_FILE = 'image.binpb';

/** The next turn of the event loop: what the caller does synchronously after starting a job runs first. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Starts the job for the module in `root` (its buf.yaml and protos written), `parameter` being
 * ts-proto's option string, `descriptor` the emitter's descriptor of the one file to generate
 * (else ts-proto reads buf's image): buf is spawned and ts-proto's modules loaded before this
 * returns. Never rejects.
 */
export async function startTsProtoJob(root: string, parameter: string, descriptor?: FileDescriptor): Promise<TsProtoJobResult> {
  // only checked when the descriptor is given: no source info to compile then, its image is not read
  const building = runBuf(['build', '--error-format', 'json', ...(descriptor === undefined ? [] : ['--exclude-source-info']), '-o', IMAGE_FILE], root);
  try {
    loadTsProto(); // while buf runs
    let files: TsProtoFile[];
    if (descriptor !== undefined) {
      await nextTurn();
      files = generateTsProtoOf(descriptor, parameter);
    }
    const build = await building;
    if (build.code !== 0) return { kind: 'build-failed', build };
    files ??= generateTsProto(await readFile(path.join(root, IMAGE_FILE)), parameter);
    return { kind: 'generated', files };
  } catch (error) {
    await building; // never leave buf running in a directory about to be removed
    return { kind: 'error', message: (error as Error).message };
  }
}

/**
 * ts-proto's generator in this process (ts-proto-in-process.ts), two ways:
 *
 * - from the descriptor the emitter built (proto-descriptor.ts): what a generation does. No buf
 *   process, no image: the tests hold that descriptor to the one buf compiles from the printed
 *   file, and the TypeScript made from it to the TypeScript made from buf's image, byte for
 *   byte, for every sample and the adversarial schema (proto-descriptor.test.ts); a generation
 *   checks the printed protos with protobufjs (cli/check-protos.ts).
 * - from buf's image of any protos (e.g. hand-edited ones): `buf build` (started synchronously,
 *   its image written to a file: buf never waits on a full pipe while this thread is busy), then
 *   ts-proto on the decoded image.
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
 * The TypeScript of `descriptor` (and of the well-known files it imports), `parameter` being
 * ts-proto's option string; generated on the next turn of the event loop. Never rejects.
 */
export async function generateFromDescriptor(descriptor: FileDescriptor, parameter: string): Promise<TsProtoJobResult> {
  await nextTurn();
  try {
    return { kind: 'generated', files: generateTsProtoOf(descriptor, parameter) };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

/**
 * Starts `buf build` of the module in `root` (its buf.yaml and protos written) and ts-proto on
 * its image, `parameter` being ts-proto's option string: buf is spawned and ts-proto's modules
 * loaded before this returns. Never rejects.
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

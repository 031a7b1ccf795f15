/**
 * For tests that hold our own descriptor encoders to the reference compiler: the model's
 * protos/gateway.proto (and what it imports) written to a scratch directory and compiled by
 * `buf build`; the image's FileDescriptorProtos, encoded, in the image's order.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuf } from '../buf.js';
import { gatewayProto, protoFiles } from './emit-proto.js';
import type { GatewayModel } from './ir.js';
import { imageFileBytes } from './ts-proto-in-process.js';

export async function bufBuildGatewayProto(model: GatewayModel): Promise<Uint8Array[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'buf-build-gateway-proto-'));
  try {
    for (const file of protoFiles(gatewayProto(model))) {
      await mkdir(path.join(root, path.dirname(file.path)), { recursive: true });
      await writeFile(path.join(root, file.path), file.content);
    }
    const build = await runBuf(['build', '-o', 'image.binpb'], root);
    if (build.code !== 0) throw new Error(build.stderr);
    return imageFileBytes(readFileSync(path.join(root, 'image.binpb'))).map(({ bytes }) => bytes);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

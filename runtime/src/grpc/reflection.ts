/**
 * gRPC server reflection over our compiled descriptor set (protos/ built by `buf build`).
 * Jina's Python gateway discovers an executor's services through reflection ListServices and
 * only creates stubs for what it finds, so a server must list exactly the services it serves.
 */
import { readFileSync } from 'node:fs';
import type { Server } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const DESCRIPTOR_SET_URL = new URL('../wire/gen/descriptor-set.binpb', import.meta.url);

let packageDefinition: ReturnType<typeof loadFileDescriptorSetFromBuffer> | undefined;

function loadPackageDefinition(): ReturnType<typeof loadFileDescriptorSetFromBuffer> {
  packageDefinition ??= loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_URL), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return packageDefinition;
}

/** What proto-loader makes of `.proto` files: reflection reads their file descriptors. */
export type ReflectedPackage = ReturnType<typeof loadFileDescriptorSetFromBuffer>;

/**
 * Adds reflection (v1 and v1alpha) listing `services` (fully qualified names) to `server`: Jina's
 * (our descriptor set), and those of `more` packages (e.g. a generated gateway's own service,
 * loaded from its .proto file).
 */
export function addReflection(server: Server, services: readonly string[], more: readonly ReflectedPackage[] = []): void {
  const definitions: ReflectedPackage = Object.assign({}, loadPackageDefinition(), ...more);
  new ReflectionService(definitions, { services: [...services] }).addToServer(server);
}

/**
 * "compiling protos": every emitted `.proto` is parsed and all its type references resolved with
 * protobufjs (what @grpc/proto-loader, hence a Node gRPC client of the gateway, uses), imports
 * taken from the other emitted files or protobufjs' bundled google/protobuf/*. A proto that would
 * not load in a client fails the generation, naming the file and the reason.
 */
import protobuf from 'protobufjs';
import type { GeneratedFile } from './generator-core.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';

export function checkProtos(files: readonly GeneratedFile[]): Result<number> {
  const protos = new Map(files.filter((file) => file.path.endsWith('.proto')).map((file) => [file.path, file.content]));
  for (const [file, content] of protos) {
    const root = new protobuf.Root();
    const loaded = new Set<string>();
    const load = (name: string, source: string): void => {
      if (loaded.has(name)) return;
      loaded.add(name);
      const parsed = protobuf.parse(source, root, { keepCase: true });
      for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
        const siblingPath = [imported, `${file.slice(0, file.lastIndexOf('/') + 1)}${imported}`].find((candidate) => protos.has(candidate));
        if (siblingPath !== undefined) {
          load(siblingPath, protos.get(siblingPath)!);
          continue;
        }
        const wellKnown = protobuf.common.get(imported) as protobuf.INamespace | null;
        if (wellKnown === null) throw new Error(`import "${imported}" is neither emitted nor a google/protobuf file`);
        if (!loaded.has(imported)) {
          loaded.add(imported);
          root.addJSON(wellKnown.nested ?? {});
        }
      }
    };
    try {
      load(file, content);
      root.resolveAll();
    } catch (error) {
      return fail(`${file}: not a valid .proto: ${(error as Error).message}`, error);
    }
  }
  return ok(protos.size);
}

/**
 * What the templates see: names derived once here (package name, gateway class), the executors
 * and endpoints from the schema file (in a stable order), the runtime dependency and versions.
 */
import path from 'node:path';
import { executorRoutePath } from '@jina-ts/runtime';
import { exampleDoc } from './example-doc.js';
import type { RuntimeDependency, RuntimePackage } from './runtime-dependency.js';
import { DEFAULT_GATEWAY_PORT, PROJECT_TOOLCHAIN } from './versions.js';

/** Jina's implicit dry-run endpoint: listed by every executor, never something to call. */
const DRY_RUN_ENDPOINT = '_jina_dry_run_';

export interface EndpointView {
  readonly on: string;
  readonly input: string;
  readonly output: string;
  readonly isGenerator: boolean;
  readonly isSingletonDoc: boolean;
}

export interface ExecutorView {
  readonly name: string;
  /** `executors.encoder` or `executors['my-encoder']`. */
  readonly access: string;
  readonly endpoints: readonly EndpointView[];
}

export interface ScaffoldContext {
  readonly packageName: string;
  readonly className: string;
  readonly description: string;
  readonly port: number;
  readonly nodeMajor: number;
  readonly runtimeSpec: string;
  readonly vendorTarball: string | undefined;
  /**
   * ajv: the runtime of the generated standalone validators (src/gen); fastify: FastifyBaseGateway's
   * app; protobuf and grpcJs: what the ts-proto output of protos/gateway.proto (src/gen/proto) imports.
   */
  readonly versions: {
    readonly typescript: string;
    readonly typesNode: string;
    readonly fastify: string;
    readonly ajv: string;
    readonly protobuf: string;
    readonly grpcJs: string;
  };
  readonly executors: readonly ExecutorView[];
  /** What `POST /service` calls: the first request-response endpoint. */
  readonly service:
    | {
        readonly executor: ExecutorView;
        readonly endpoint: EndpointView;
        /** The body of an example request, `{"data": [doc]}`, as JSON text (printed with `{{ts}}` or `{{shell}}`). */
        readonly requestJson: string;
        readonly routePath: string;
      }
    | undefined;
  readonly deploymentsAddresses: Readonly<Record<string, readonly string[]>> | undefined;
  readonly graphDescription: Readonly<Record<string, unknown>> | undefined;
}

/** What the scaffolds read of a schema file (a structural subset of the saved schema file's shape). */
export type ScaffoldSchemas = Readonly<
  Record<
    string,
    {
      readonly schemas: Readonly<
        Record<string, { readonly input: { readonly name: string; readonly model: unknown }; readonly output: { readonly name: string }; readonly is_generator: boolean; readonly is_singleton_doc: boolean }>
      >;
    }
  >
>;

export interface ContextInput {
  readonly projectDir: string;
  readonly schemas: ScaffoldSchemas;
  readonly runtime: RuntimePackage;
  readonly dependency: RuntimeDependency;
  readonly description?: string | undefined;
  readonly className?: string | undefined;
  readonly deploymentsAddresses: Readonly<Record<string, readonly string[]>>;
  readonly graphDescription: Readonly<Record<string, unknown>> | undefined;
}

export function scaffoldContext(input: ContextInput): ScaffoldContext {
  const packageName = packageNameOf(input.projectDir);
  const executors = Object.keys(input.schemas).map((name): ExecutorView => {
    const discovery = input.schemas[name]!;
    const endpoints = Object.keys(discovery.schemas)
      .filter((on) => on !== DRY_RUN_ENDPOINT)
      .sort()
      .map((on): EndpointView => {
        const schema = discovery.schemas[on]!;
        return { on, input: schema.input.name, output: schema.output.name, isGenerator: schema.is_generator, isSingletonDoc: schema.is_singleton_doc };
      });
    return { name, access: propertyAccess('executors', name), endpoints };
  });
  // an endpoint the executor names, before its catch-all /default
  const candidates = executors.flatMap((executor) => executor.endpoints.filter((endpoint) => !endpoint.isGenerator).map((endpoint) => ({ executor, endpoint })));
  const target = candidates.find((candidate) => candidate.endpoint.on !== '/default') ?? candidates[0];
  const service =
    target === undefined
      ? undefined
      : {
          ...target,
          requestJson: JSON.stringify({ data: [exampleDoc(input.schemas[target.executor.name]!.schemas[target.endpoint.on]!.input.model)] }),
          routePath: executorRoutePath(target.executor.name, target.endpoint.on),
        };
  const hasAddresses = Object.keys(input.deploymentsAddresses).length > 0;
  return {
    packageName,
    className: input.className ?? classNameOf(packageName),
    description: input.description ?? `Typed gateway for the Jina executors ${executors.map((executor) => executor.name).join(', ')}`,
    port: DEFAULT_GATEWAY_PORT,
    nodeMajor: PROJECT_TOOLCHAIN.nodeMajor,
    runtimeSpec: input.dependency.spec,
    vendorTarball: input.dependency.tarball?.path,
    versions: {
      typescript: PROJECT_TOOLCHAIN.typescript,
      typesNode: PROJECT_TOOLCHAIN.typesNode,
      fastify: input.runtime.dependencies.fastify ?? '5',
      ajv: input.runtime.dependencies.ajv ?? '8',
      protobuf: input.runtime.dependencies['@bufbuild/protobuf'] ?? '2',
      grpcJs: input.runtime.dependencies['@grpc/grpc-js'] ?? '1',
    },
    executors,
    service,
    deploymentsAddresses: hasAddresses ? input.deploymentsAddresses : undefined,
    graphDescription: input.graphDescription,
  };
}

/** An npm package name from the directory name: lowercase, `[a-z0-9-._]`, not starting with `.` or `_`. */
export function packageNameOf(projectDir: string): string {
  const base = path.basename(path.resolve(projectDir)).toLowerCase();
  const cleaned = base.replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').replace(/-+$/, '');
  return cleaned === '' ? 'gateway' : cleaned.slice(0, 214);
}

/** `my-gw` → `MyGwGateway`; always a valid class name. */
export function classNameOf(packageName: string): string {
  const words = packageName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let name = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  if (!/^[A-Za-z]/.test(name)) name = `Gw${name}`;
  return name.endsWith('Gateway') ? name : `${name}Gateway`;
}

export function propertyAccess(object: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${object}.${key}` : `${object}[${JSON.stringify(key)}]`;
}

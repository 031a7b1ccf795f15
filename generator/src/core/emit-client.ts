/**
 * The consumer SDK's sources (`client/`, its own npm package; client/package.json comes from
 * cli/client-package.ts, the gRPC entry from emit-client-grpc.ts): what the gateway's consumers import to call its HTTP API
 * with the executors' types.
 *
 * - `client/src/models.ts`: the models.ts emitter in the JSON form (one type printer for both).
 * - `client/src/endpoints.ts`: every endpoint's input, output, parameters and kind
 *   (`GatewayEndpoints`), and its URL path (`routes`), from the runtime's `executorRoutePath`.
 * - `client/src/http.ts`: the fetch client (emit-client-http.ts), `client/src/index.ts`, tsconfig.json.
 *
 * Executor and endpoint names reach the code only as JSON string literals (quoted keys of the
 * type, computed keys of the object literal, so `__proto__` is an own key) and, in comments,
 * through docText.
 */
import { executorRoutePath } from '@jina-ts/runtime/route-path';
import type { GeneratedFile } from '../cli/generator-core.js';
import { emitClientHttp } from './emit-client-http.js';
import { emitModels } from './emit-models.js';
import { generatedHeader } from './generated-header.js';
import { docText } from './identifiers.js';
import type { GatewayModel } from './ir.js';

export const CLIENT_DIR = 'client';
export const CLIENT_MODELS_FILE = 'client/src/models.ts';
export const CLIENT_ENDPOINTS_FILE = 'client/src/endpoints.ts';

/**
 * The SDK's compiler options: ES modules for Node ≥ 22 and bundlers, declarations for its
 * consumers; the gateway's ts-proto output (../src/gen/proto) compiled along for the gRPC half, so
 * dist/ holds client/src/… and src/gen/proto/… (package.json's exports point into it).
 */
const TSCONFIG = {
  compilerOptions: {
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    lib: ['es2023', 'dom', 'dom.iterable'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    declaration: true,
    skipLibCheck: true,
    sourceMap: true,
    rootDir: '..',
    outDir: 'dist',
  },
  include: ['src/**/*.ts', '../src/gen/proto/**/*.ts'],
};

export function emitClientSources(model: GatewayModel): GeneratedFile[] {
  return [
    emitModels(model, 'json', CLIENT_MODELS_FILE),
    emitClientEndpoints(model),
    emitClientHttp(),
    {
      path: 'client/src/index.ts',
      content: `${generatedHeader()}export * from './http.js';\nexport type * from './models.js';\nexport type { GatewayEndpoints } from './endpoints.js';\n`,
    },
    { path: 'client/tsconfig.json', content: `${JSON.stringify(TSCONFIG, null, 2)}\n` },
  ];
}

function emitClientEndpoints(model: GatewayModel): GeneratedFile {
  const types: string[] = [];
  const routes: string[] = [];
  for (const executor of model.executors) {
    types.push(`  /** Executor ${docText(JSON.stringify(executor.name))}. */`, `  ${JSON.stringify(executor.name)}: {`);
    routes.push(`  [${JSON.stringify(executor.name)}]: {`);
    for (const endpoint of executor.endpoints) {
      const route = executorRoutePath(executor.name, endpoint.on);
      const parameters = endpoint.parameters === undefined ? '{ [key: string]: unknown }' : `models.${endpoint.parameters}`;
      const kind = endpoint.isGenerator ? 'a generator endpoint (client.stream)' : 'client.post';
      types.push(
        `    /** ${docText(JSON.stringify(endpoint.on))}: ${endpoint.input} → ${endpoint.output}, ${kind}; POST ${docText(route)} */`,
        `    ${JSON.stringify(endpoint.on)}: { input: models.${endpoint.input}; output: models.${endpoint.output}; parameters: ${parameters}; streaming: ${endpoint.isGenerator} };`,
      );
      routes.push(`    [${JSON.stringify(endpoint.on)}]: ${JSON.stringify(route)},`);
    }
    types.push('  };');
    routes.push('  },');
  }
  const content = [
    generatedHeader().trimEnd(),
    '/** The gateway\'s endpoints: what each takes, returns and accepts as parameters, and where it is served. */',
    "import type * as models from './models.js';",
    '',
    'export interface GatewayEndpoints {',
    ...types,
    '}',
    '',
    '/** The URL path of every endpoint (`POST`), as the gateway registers it. */',
    'export const routes: { readonly [E in keyof GatewayEndpoints]: { readonly [On in keyof GatewayEndpoints[E]]: string } } = {',
    ...routes,
    '};',
  ];
  return { path: CLIENT_ENDPOINTS_FILE, content: `${content.join('\n')}\n` };
}

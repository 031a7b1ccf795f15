/**
 * `src/gen/routes.ts`: registers `POST /{executor}{endpoint}` for every endpoint on a fastify
 * app (the HTTP API openapi.json describes). The behaviour is the runtime's
 * `registerExecutorRoutes`; this file binds it to this project's descriptors.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { generatedHeader } from './generated-header.js';

export const ROUTES_FILE = 'src/gen/routes.ts';

export function emitRoutes(): GeneratedFile {
  const content = [
    generatedHeader().trimEnd(),
    '/** `POST /{executor}{endpoint}` for every endpoint of every executor, as openapi.json describes them. */',
    "import { type ExecutorStreamer, registerExecutorRoutes } from '@jina-ts/runtime';",
    "import { descriptors } from './executors.js';",
    '',
    '/** The fastify app of a FastifyBaseGateway (`get app()`). */',
    'export type RoutesApp = Parameters<typeof registerExecutorRoutes>[0];',
    '',
    'export function registerRoutes(app: RoutesApp, executor: Readonly<Record<string, ExecutorStreamer>>): void {',
    '  registerExecutorRoutes(app, executor, descriptors);',
    '}',
    '',
  ];
  return { path: ROUTES_FILE, content: content.join('\n') };
}

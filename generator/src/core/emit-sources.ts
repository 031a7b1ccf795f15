/**
 * Every generated file but the protos and their TypeScript: src/gen/models.ts, the validators,
 * executors.ts, routes.ts, index.ts and openapi.json, and the consumer SDK's client/ sources, from the normalized model. Pure and
 * synchronous: the same model always gives the same files.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { emitClientSources } from './emit-client.js';
import { emitExecutors } from './emit-executors.js';
import { emitGrpc } from './emit-grpc.js';
import { emitModels } from './emit-models.js';
import { emitOpenApi } from './emit-openapi.js';
import { emitRoutes } from './emit-routes.js';
import { emitValidators } from './emit-validators.js';
import { generatedHeader } from './generated-header.js';
import type { GatewayModel } from './ir.js';

export interface SourceOptions {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

export function emitSources(model: GatewayModel, options: SourceOptions): GeneratedFile[] {
  return [
    emitModels(model),
    ...emitValidators(model),
    emitExecutors(model),
    emitRoutes(),
    emitGrpc(model),
    emitOpenApi(model, options),
    ...emitClientSources(model),
    {
      path: 'src/gen/index.ts',
      content: `${generatedHeader()}export * from './models.js';\nexport * from './executors.js';\nexport * from './routes.js';\nexport * from './grpc.js';\n`,
    },
  ];
}

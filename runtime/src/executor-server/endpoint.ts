/**
 * How a TypeScript executor declares its endpoints: the same three kinds a Jina Executor has
 * (batch `docs:`, singleton `doc:`, async generator), each with the JSON schemas of its input and
 * output documents (what endpoint discovery reports, and what the doc codec encodes by).
 */
import type { HeaderProto } from '../wire/gen/jina/jina.pb.js';
import type { Doc } from '../wire/doc.js';
import type { JsonSchema } from '../wire/doc-schema.js';

export type { JsonSchema };

/** A document model: its class name and JSON schema. */
export interface DocModel {
  name: string;
  schema: JsonSchema;
}

export interface EndpointContext {
  /** The endpoint as requested (may be an endpoint served by `/default`). */
  endpoint: string;
  /** The request's parameters, with executor-specific keys applied. */
  parameters: Record<string, unknown>;
  header: HeaderProto;
  /** The call's gRPC metadata (text entries, first value of each): what the gateway sent, e.g. --forward-metadata's. */
  metadata: Readonly<Record<string, string>>;
}

interface EndpointModels {
  /** Input document model; default: a BaseDoc-like model with only `id`. */
  input?: DocModel;
  /** Output document model; default: the input model. */
  output?: DocModel;
  /** A pydantic-like parameters model, reported in discovery. */
  parameters?: DocModel;
}

/**
 * `docs: DocList[In]`. Return an array to replace the docs, a plain object to add it to the
 * response's `__results__` under this deployment's name, or nothing to send back the docs as
 * the handler left them (Python executors' three return conventions).
 */
export interface BatchEndpoint extends EndpointModels {
  kind?: 'batch';
  handler: (docs: Doc[], context: EndpointContext) => Promise<Doc[] | Record<string, unknown> | void> | Doc[] | Record<string, unknown> | void;
}

/** `doc: In`: called once per document of the request; returns the replacement document. */
export interface SingletonEndpoint extends EndpointModels {
  kind: 'singleton';
  handler: (doc: Doc, context: EndpointContext) => Promise<Doc | void> | Doc | void;
}

/** An async generator: one document in, a stream of documents out (served by stream_doc). */
export interface GeneratorEndpoint extends EndpointModels {
  kind: 'generator';
  handler: (doc: Doc, context: EndpointContext) => AsyncIterable<Doc>;
}

export type Endpoint = BatchEndpoint | SingletonEndpoint | GeneratorEndpoint;

/** Jina's implicit endpoint, a no-op every executor serves for dry runs. */
export const DRY_RUN_ENDPOINT = '_jina_dry_run_';
/** Served when a request's endpoint is not bound by the executor. */
export const DEFAULT_ENDPOINT = '/default';

/** docarray's BaseDoc schema (pydantic v2 dialect): what an endpoint without a model takes. */
export const BASE_DOC_MODEL: DocModel = {
  name: 'BaseDoc',
  schema: {
    title: 'BaseDoc',
    type: 'object',
    description: 'A document with only an id.',
    properties: {
      id: {
        title: 'Id',
        anyOf: [{ type: 'string' }, { type: 'null' }],
        description: 'The ID of the BaseDoc. This is useful for indexing in vector stores. If not set by user, it will automatically be assigned a random value',
      },
    },
  },
};

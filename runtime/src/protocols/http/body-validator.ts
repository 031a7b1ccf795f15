/**
 * Compiled ajv validators for what clients send: one per POST endpoint body
 * (`{data: doc | [docs], parameters?, header?}`, Jina's `<endpoint>_input_model`) and one per
 * streaming endpoint's input doc (JSON body, or query parameters coerced to the field types as
 * pydantic's lax mode does for `?k=3`).
 *
 * Every model schema is registered once under its own `$id`, so its local `$ref`s
 * (`#/$defs/X`, `#/definitions/X`) resolve inside it and endpoints sharing a model share the
 * compiled code. A schema ajv cannot compile (a dangling `$ref`, an unknown construct) does not
 * stop the gateway: that model then only has to be a JSON object, and the executor validates.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Logger } from 'pino';
import type { JsonSchema } from '../../wire/doc-schema.js';
import type { FlowEndpoint, FlowModel } from './flow-endpoints.js';
import { isTensorJson, TENSOR_KEYWORD, validationSchema } from './validation-schema.js';

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null | undefined;
}

const ANY_OBJECT: JsonSchema = { type: 'object' };

/**
 * Jina's `Header` model: both fields optional strings (Jina 3.34 with pydantic 2 wrongly requires
 * `request_id`), under their snake_case names or the camelCase aliases Jina ≤ 3.33 accepted.
 */
const HEADER_SCHEMA: JsonSchema = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      properties: {
        request_id: { type: ['string', 'null'] },
        target_executor: { type: ['string', 'null'] },
        requestId: { type: ['string', 'null'] },
        targetExecutor: { type: ['string', 'null'] },
      },
    },
  ],
};

export class BodyValidators {
  private readonly strict: Ajv2020;
  private readonly coercing: Ajv2020;
  private readonly ids = new WeakMap<FlowModel, string>();
  private nextId = 0;

  constructor(private readonly logger?: Logger) {
    this.strict = newAjv(false);
    this.coercing = newAjv(true);
  }

  /** The validator of a POST body for `endpoint`. */
  body(endpoint: FlowEndpoint): CompiledValidator {
    const doc = this.refTo(endpoint.input);
    const parameters = this.parametersSchema(endpoint.parameters);
    const schema: JsonSchema = {
      type: 'object',
      required: ['data'],
      properties: {
        // if/then/else rather than anyOf: an error inside a doc of a list is reported once,
        // at its path, not next to "or it should have been a single object".
        data: { if: { type: 'array' }, then: { type: 'array', items: doc }, else: { allOf: [doc, { type: 'object' }] } },
        parameters,
        header: HEADER_SCHEMA,
      },
    };
    return this.compile(this.strict, schema, `body of ${endpoint.endpoint}`);
  }

  /** The validator of one input doc of a streaming endpoint (JSON body; or query strings with `coerce`). */
  doc(endpoint: FlowEndpoint, coerce: boolean): CompiledValidator {
    const ajv = coerce ? this.coercing : this.strict;
    return this.compile(ajv, { allOf: [this.refTo(endpoint.input), { type: 'object' }] }, `input of ${endpoint.endpoint}`);
  }

  private parametersSchema(model: FlowModel | undefined): JsonSchema {
    if (model === undefined) return { type: ['object', 'null'] };
    const required = Array.isArray(model.schema.required) && model.schema.required.length > 0;
    // Jina: parameters are required exactly when the model cannot be built without arguments.
    return required ? this.refTo(model) : { anyOf: [{ type: 'null' }, this.refTo(model)] };
  }

  /** `{$ref}` to the model registered in both ajv instances (any object when there is no model). */
  private refTo(model: FlowModel | undefined): JsonSchema {
    if (model === undefined) return ANY_OBJECT;
    let id = this.ids.get(model);
    if (id === undefined) {
      id = `urn:jina-ts:model:${this.nextId++}:${encodeURIComponent(model.name)}`;
      this.register(this.strict, id, model);
      this.register(this.coercing, id, model);
      this.ids.set(model, id);
    }
    return { $ref: id };
  }

  private register(ajv: Ajv2020, id: string, model: FlowModel): void {
    try {
      ajv.addSchema({ ...validationSchema(model.schema), $id: id });
      ajv.getSchema(id); // compile now, so a broken schema is found here and not per request
    } catch (error) {
      ajv.removeSchema(id);
      ajv.addSchema({ ...ANY_OBJECT, $id: id });
      this.logger?.warn(
        { model: model.name },
        `cannot compile the JSON schema of model "${model.name}" (${(error as Error).message}); its documents are only checked to be objects`,
      );
    }
  }

  private compile(ajv: Ajv2020, schema: JsonSchema, what: string): CompiledValidator {
    try {
      return ajv.compile(schema) as ValidateFunction;
    } catch (error) {
      this.logger?.warn(`cannot compile the validator of the ${what} (${(error as Error).message}); accepting any JSON object`);
      return ajv.compile({ type: 'object' }) as ValidateFunction;
    }
  }
}

function newAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    // pydantic schemas carry keywords ajv does not know (`example`, `tensor/array shape`, ...)
    strict: false,
    // every problem in one answer, like FastAPI (the details list is capped)
    allErrors: true,
    // formats (`binary`, `uri`) are documentation in pydantic 2 schemas; URLs are checked by the executor
    validateFormats: false,
    coerceTypes,
    // Schemas come from executors; a typo in one must not make every request fail meta-validation.
    validateSchema: false,
  });
  ajv.addKeyword({
    keyword: TENSOR_KEYWORD,
    schemaType: 'boolean',
    errors: true,
    validate: function tensor(_schema: boolean, data: unknown) {
      return isTensorJson(data);
    },
  });
  return ajv;
}

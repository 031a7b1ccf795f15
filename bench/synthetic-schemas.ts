/**
 * Synthetic schema files of N executors × M endpoints × F fields (the saved schema file's shape,
 * pydantic v2 dialect), for the generator benchmarks (generate.ts, regenerate.ts).
 */
export interface Size {
  executors: number;
  endpoints: number;
  fields: number;
}

/** One doc model of `fields` fields cycling through the kinds Jina sends. */
function model(title: string, fields: number): Record<string, unknown> {
  const properties: Record<string, unknown> = { id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] } };
  const required: string[] = [];
  for (let i = 0; i < fields; i++) {
    const name = `field_${i}`;
    switch (i % 6) {
      case 0:
        properties[name] = { anyOf: [{ type: 'string' }, { type: 'null' }], default: null };
        break;
      case 1:
        properties[name] = { type: 'integer' };
        required.push(name);
        break;
      case 2:
        properties[name] = { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' };
        required.push(name);
        break;
      case 3:
        properties[name] = { $ref: '#/$defs/Inner' };
        break;
      case 4:
        properties[name] = { type: 'array', items: { $ref: '#/$defs/Inner' } };
        break;
      default:
        properties[name] = { type: 'object', additionalProperties: { type: 'string' } };
    }
  }
  return {
    title,
    type: 'object',
    properties,
    required,
    $defs: { Inner: { title: 'Inner', type: 'object', properties: { label: { type: 'string' }, score: { type: 'number' } }, required: ['label'] } },
  };
}

export function syntheticSchemas(size: Size): Record<string, unknown> {
  const file: Record<string, unknown> = {};
  for (let e = 0; e < size.executors; e++) {
    const schemas: Record<string, unknown> = {};
    for (let m = 0; m < size.endpoints; m++) {
      const input = `E${e}In${m}`;
      const output = `E${e}Out${m}`;
      schemas[`/op${m}`] = {
        input: { name: input, model: model(input, size.fields) },
        output: { name: output, model: model(output, size.fields) },
        is_generator: false,
        is_singleton_doc: false,
        parameters: { name: null, model: null },
      };
    }
    file[`executor${e}`] = { endpoints: Object.keys(schemas), write_endpoints: [], schemas };
  }
  return file;
}

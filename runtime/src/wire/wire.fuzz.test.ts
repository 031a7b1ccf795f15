/**
 * Property tests of the protobuf readers and writers: random docs (text, numbers, booleans, bytes,
 * tensors, nested dicts and lists, any key) survive encodeDocList → decodeDocList and the JSON
 * form; random requests survive encodeDataRequest → decodeDataRequest; random and mutated bytes end
 * in a clear error (DocCodecError for doc lists), never another kind of exception or a hang. A
 * fixed seed unless FUZZ_SEED is given; `make fuzz` runs many more cases.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { DocCodecError } from './codec-error.js';
import { decodeDataRequest, encodeDataRequest, type DataRequest } from './data-request.js';
import { NdArray, type Doc } from './doc.js';
import { decodeDocList, encodeDocList } from './doc-codec.js';
import { docsFromJson, docsToJson } from './doc-json.js';

const options = (fallback: number) => ({ numRuns: fuzzRuns(fallback), seed: fuzzSeed() });

// Not `__proto__`: the generated DocProto/DictOfAnyProto readers (ts-proto, gen/) set map entries by
// assignment, so a field of that name read from bytes is dropped (README, "Fuzzing": left open)
const key = fc.oneof(fc.constantFrom('id', 'text', 'embedding', 'constructor', 'toString', ''), fc.string({ maxLength: 8 })).filter((k) => k !== '__proto__');
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)));
/** Values with a JSON form that reads back the same (docarray's dict and list, no marks). */
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));
const tensor = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }).map((values) => new NdArray(new Float32Array(values), [values.length], '<f4'));
const docArbitrary = fc.dictionary(key, fc.oneof(json, tensor, fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes))), { maxKeys: 6 }) as fc.Arbitrary<Doc>;

/** What must hold of any input to a reader: a result, or an error of the expected class with a message. */
function expectResultOrError(read: () => unknown, errorClass: new (...args: never[]) => Error): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof errorClass)) throw new Error(`not a ${errorClass.name}: ${String(error)}`, { cause: error });
    expect(error.message).not.toBe('');
  }
}

function mutate(bytes: Uint8Array, changes: Array<{ at: number; octet: number | undefined }>): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const { at, octet } of changes) {
    if (out.length === 0) break;
    if (octet === undefined) out = out.subarray(0, at % out.length);
    else out[at % out.length] = octet;
  }
  return out;
}
const mutations = fc.array(fc.record({ at: fc.nat(), octet: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) }), { minLength: 1, maxLength: 4 });

describe('protobuf readers and writers, property tests', () => {
  it('random docs round-trip through encodeDocList / decodeDocList, to the same bytes again', () => {
    fc.assert(
      fc.property(fc.array(docArbitrary, { maxLength: 4 }), (docs) => {
        const bytes = encodeDocList(docs);
        const back = decodeDocList(bytes);
        expect(back).toHaveLength(docs.length);
        expect(Buffer.from(encodeDocList(back)).equals(Buffer.from(bytes))).toBe(true);
      }),
      options(300),
    );
  });

  it('JSON docs survive JSON → docs → bytes → docs → JSON', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, json, { maxKeys: 6 }), { maxLength: 4 }), (bodies) => {
        const docs = docsFromJson(bodies);
        expect(docsToJson(decodeDocList(encodeDocList(docs)))).toEqual(bodies);
      }),
      options(300),
    );
  });

  it('random and mutated doc list bytes decode or raise DocCodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(docArbitrary, { minLength: 1, maxLength: 3 }), mutations, (random, docs, changes) => {
        expectResultOrError(() => decodeDocList(random), DocCodecError);
        expectResultOrError(() => decodeDocList(mutate(encodeDocList(docs), changes)), DocCodecError);
      }),
      options(500),
    );
  });

  const request: fc.Arbitrary<DataRequest> = fc.record({
    header: fc.record({ requestId: fc.string({ maxLength: 32 }), status: fc.constant(undefined), execEndpoint: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), targetExecutor: fc.constant(undefined), timeout: fc.constant(undefined) }),
    parameters: fc.dictionary(key, fc.oneof(fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)), fc.boolean(), fc.constant(null)), { maxKeys: 4 }),
    routes: fc.constant([]),
    data: fc.option(fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)), { nil: undefined }),
  });

  it('random requests round-trip through encodeDataRequest / decodeDataRequest; random and mutated bytes decode or raise an Error', () => {
    fc.assert(
      fc.property(request, fc.uint8Array({ maxLength: 200 }), mutations, (given, random, changes) => {
        const bytes = encodeDataRequest(given);
        const back = decodeDataRequest(bytes);
        expect(back.header.requestId).toBe(given.header.requestId);
        expect(back.header.execEndpoint).toBe(given.header.execEndpoint);
        expect(back.parameters).toEqual(given.parameters);
        expect(back.data === undefined ? undefined : Buffer.from(back.data)).toEqual(given.data);
        expectResultOrError(() => decodeDataRequest(random), Error);
        expectResultOrError(() => decodeDataRequest(mutate(bytes, changes)), Error);
      }),
      options(500),
    );
  });
});

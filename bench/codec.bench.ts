/**
 * Document codec throughput: encode + decode of a DocListProto (the gateway's hot path when it
 * must look inside documents), and the JSON form for HTTP.
 *
 *   npx vitest bench --run --project unit bench/codec.bench.ts
 *
 * (vitest 5 benchmarks: `bench` comes from the test context. `--project unit` runs the file once
 * instead of once per project.) vitest reports operations per second; docs/s = ops/s × the doc
 * count in the bench name.
 */
import { test } from 'vitest';
import { NdArray, type Doc } from '../runtime/src/wire/doc.js';
import { decodeDocList, encodeDocList } from '../runtime/src/wire/doc-codec.js';
import { docFromJson, docToJson } from '../runtime/src/wire/doc-json.js';
import type { JsonSchema } from '../runtime/src/wire/doc-schema.js';

const SCHEMA: JsonSchema = {
  title: 'EmbeddingDoc',
  type: 'object',
  properties: {
    id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    embedding: { anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' }, { type: 'null' }], default: null },
    score: { type: 'number' },
  },
};

function embedding(dims: number, seed: number): NdArray {
  const data = new Float32Array(dims);
  for (let i = 0; i < dims; i++) data[i] = Math.sin(seed * 7919 + i);
  return new NdArray(data, [dims], '<f4');
}

function docs(count: number, dims: number): Doc[] {
  return Array.from({ length: count }, (_, i) => ({ id: `doc-${i}`, text: `document number ${i}`, embedding: embedding(dims, i), score: i / 7 }));
}

const TEXT_ONE: Doc[] = [{ id: 'c2f7e9a1b3d54e6f', text: 'sixteen bytes!!!' }];
const EMB_32x512 = docs(32, 512);
const ONE_MB_ONE_DOC: Doc[] = [{ id: 'big', tensor: new NdArray(new Float32Array(256 * 1024).fill(0.5), [256, 1024], '<f4') }];
const ONE_MB_64_DOCS = docs(64, 4096);

const bytes = {
  text: encodeDocList(TEXT_ONE, SCHEMA),
  emb: encodeDocList(EMB_32x512, SCHEMA),
  big1: encodeDocList(ONE_MB_ONE_DOC),
  big64: encodeDocList(ONE_MB_64_DOCS, SCHEMA),
};

test('DocListProto encode + decode', async ({ bench }) => {
  await bench.compare(
    bench(`1 doc, 16 B text (${bytes.text.length} B)`, () => {
      decodeDocList(encodeDocList(TEXT_ONE, SCHEMA));
    }),
    bench(`32 docs × 512-d float32 (${bytes.emb.length} B)`, () => {
      decodeDocList(encodeDocList(EMB_32x512, SCHEMA));
    }),
    bench(`1 doc, 1 MiB float32 tensor (${bytes.big1.length} B)`, () => {
      decodeDocList(encodeDocList(ONE_MB_ONE_DOC));
    }),
    bench(`64 docs × 4096-d float32 (${bytes.big64.length} B)`, () => {
      decodeDocList(encodeDocList(ONE_MB_64_DOCS, SCHEMA));
    }),
  );
});

test('DocListProto encode only / decode only (32 docs × 512-d)', async ({ bench }) => {
  await bench.compare(
    bench('encode', () => {
      encodeDocList(EMB_32x512, SCHEMA);
    }),
    bench('decode', () => {
      decodeDocList(bytes.emb);
    }),
  );
});

test('JSON form (32 docs × 512-d)', async ({ bench }) => {
  const text = JSON.stringify(EMB_32x512.map((doc) => docToJson(doc)));
  await bench.compare(
    bench('docToJson + JSON.stringify, shortest float32 (as orjson prints)', () => {
      JSON.stringify(EMB_32x512.map((doc) => docToJson(doc)));
    }),
    bench('docToJson + JSON.stringify, exact float32', () => {
      JSON.stringify(EMB_32x512.map((doc) => docToJson(doc, { float32: 'exact' })));
    }),
    bench(`JSON.parse + docFromJson (${text.length} B)`, () => {
      (JSON.parse(text) as unknown[]).map((doc) => docFromJson(doc, SCHEMA));
    }),
  );
});

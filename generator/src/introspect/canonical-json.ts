/**
 * The schema file as the generator keeps it: keys in a stable (sorted) order, two-space JSON with
 * a final newline, and without the `example` Jina puts on BaseDoc's `id`, which is a random hex
 * string per executor process (so two discoveries of the same executor would differ). The same
 * executors then always give the same bytes, in `introspect -o` and in the project's snapshot.
 */

/** A deep copy with object keys sorted (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

const RANDOM_HEX_ID = /^[0-9a-f]{32}$/;

/** Drops `properties.id.example` when it is Jina's random 32-hex id, anywhere in a schema. */
export function withoutRandomIdExamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRandomIdExamples);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === 'properties' ? withoutIdExample(child) : withoutRandomIdExamples(child);
  }
  return out;
}

function withoutIdExample(properties: unknown): unknown {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return withoutRandomIdExamples(properties);
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (name === 'id' && typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
      const { example, ...rest } = schema as Record<string, unknown>;
      out[name] = withoutRandomIdExamples(typeof example === 'string' && RANDOM_HEX_ID.test(example) ? rest : schema);
    } else {
      out[name] = withoutRandomIdExamples(schema);
    }
  }
  return out;
}

/** What `introspect -o` and the project's schema snapshot contain. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(withoutRandomIdExamples(value)), null, 2)}\n`;
}

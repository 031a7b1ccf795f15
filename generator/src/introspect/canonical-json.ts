/**
 * The schema file as the generator keeps it: keys in a stable (sorted) order, two-space JSON with
 * a final newline, and without the `example` Jina puts on BaseDoc's `id`, which is a random hex
 * string per executor process (so two discoveries of the same executor would differ). The same
 * executors then always give the same bytes, in `introspect -o` and in the project's snapshot.
 */

/*
 * The copies below are built with Object.fromEntries, which defines every key as an own property:
 * assigning `out[key]` would make a key named `__proto__` (a name an executor may send) the
 * copy's prototype, and it would vanish from the file.
 */

/** A deep copy with object keys sorted (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}

const RANDOM_HEX_ID = /^[0-9a-f]{32}$/;

/** Drops `properties.id.example` when it is Jina's random 32-hex id, anywhere in a schema. */
export function withoutRandomIdExamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRandomIdExamples);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, key === 'properties' ? withoutIdExample(child) : withoutRandomIdExamples(child)]));
}

function withoutIdExample(properties: unknown): unknown {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return withoutRandomIdExamples(properties);
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      if (name !== 'id' || typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [name, withoutRandomIdExamples(schema)];
      const { example, ...rest } = schema as Record<string, unknown>;
      return [name, withoutRandomIdExamples(typeof example === 'string' && RANDOM_HEX_ID.test(example) ? rest : schema)];
    }),
  );
}

/** What `introspect -o` and the project's schema snapshot contain. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(withoutRandomIdExamples(value)), null, 2)}\n`;
}

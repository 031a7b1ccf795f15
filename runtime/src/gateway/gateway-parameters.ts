/**
 * A gateway's constructor parameters: the defaults its class declares (`static parameters`), then
 * config.yml's `with:`, then `--uses-with` (Jina merges `uses_with` over `with:` the same way).
 * A key the class does not declare is an error naming the key, where it came from, and what the
 * class does take: a misspelt parameter must not silently fall back to its default.
 */
import type { GatewayClass } from './gateway.js';
import { fail, ok, type Result } from './result.js';

export interface ParameterSource {
  /** Where these values come from, e.g. `config.yml with:` or `--uses-with`. */
  readonly name: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export function gatewayParameters(gatewayClass: GatewayClass, sources: readonly ParameterSource[]): Result<Record<string, unknown>> {
  const declared = (gatewayClass.parameters ?? {}) as Readonly<Record<string, unknown>>;
  const known = Object.keys(declared);
  const params: Record<string, unknown> = { ...declared };
  for (const source of sources) {
    const unknown = Object.keys(source.values).filter((key) => !Object.hasOwn(declared, key));
    if (unknown.length > 0) {
      const takes = known.length === 0 ? 'it declares no parameters (a static `parameters` object lists them, with defaults)' : `its parameters: ${known.join(', ')}`;
      return fail(`${gatewayClass.name} has no parameter ${unknown.map((key) => `"${key}"`).join(', ')} (from ${source.name}); ${takes}`);
    }
    Object.assign(params, source.values);
  }
  return ok(params);
}

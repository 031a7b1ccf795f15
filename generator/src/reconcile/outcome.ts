/**
 * Result constructors for the generator's steps, until the generator's shared `result.ts` lands
 * (same shape as the runtime's Result, which these build).
 */
import type { Result } from '@jina-ts/runtime';

export type { Result };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail(message: string, cause?: unknown): { readonly ok: false; readonly error: { readonly message: string; readonly cause?: unknown } } {
  return { ok: false, error: cause === undefined ? { message } : { message, cause } };
}

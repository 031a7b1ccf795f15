/**
 * What the gateway's start-up steps (argument parsing, config loading, class resolution, start)
 * return instead of throwing: the CLI turns a failure into one message and an exit code, the API
 * hands it to the caller, and nothing half-started is left behind by an exception.
 */
export interface Failure {
  /** One line for a person: what is wrong and which flag, key or file it comes from. */
  readonly message: string;
  readonly cause?: unknown;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Failure };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail(message: string, cause?: unknown): { readonly ok: false; readonly error: Failure } {
  return { ok: false, error: cause === undefined ? { message } : { message, cause } };
}

/** The message of anything thrown, for failures built from exceptions of code we call. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

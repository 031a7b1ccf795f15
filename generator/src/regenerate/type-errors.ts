/** A compile error in a project, as `file:line: message` (the broken call sites a regenerate lists). */
export interface TypeError {
  /** Project-relative posix path. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export function formatTypeErrors(errors: readonly TypeError[]): string {
  return errors.map((error) => `${error.file}:${error.line}: ${error.message.split('\n')[0]}`).join('\n');
}

/**
 * The error every document codec raises on bad input: the message starts with the path of the
 * offending value (`data[2].embedding`), so a client can tell which field of which doc is wrong.
 *
 * Paths are built only on failure: each container level catches, prepends its key and rethrows,
 * which keeps the happy path free of per-field string work.
 */

export type PathSegment = string | number;

export class DocCodecError extends Error {
  override readonly name = 'DocCodecError';
  /** Path segments from the root: field names and list indices. */
  readonly segments: PathSegment[];
  /** The reason without the path. */
  readonly reason: string;
  /** Where the root of the path starts (e.g. "data" for an HTTP body's doc list). */
  private root: string;

  constructor(reason: string, segments: PathSegment[] = [], root = '') {
    super(reason);
    this.reason = reason;
    this.segments = segments;
    this.root = root;
    this.refresh();
  }

  /** The formatted path, e.g. `data[2].embedding`; empty for the root itself. */
  get path(): string {
    return formatPath(this.root, this.segments);
  }

  /** Prepends a segment (used while unwinding out of nested containers). */
  within(segment: PathSegment): this {
    this.segments.unshift(segment);
    this.refresh();
    return this;
  }

  /** Sets the root prefix once, at the public entry point. */
  rooted(root: string): this {
    this.root = root;
    this.refresh();
    return this;
  }

  private refresh(): void {
    const path = this.path;
    this.message = path === '' ? this.reason : `${path}: ${this.reason}`;
  }
}

/** Adds `segment` to the path of a codec error; other errors become codec errors at that path. */
export function withSegment(error: unknown, segment: PathSegment): DocCodecError {
  if (error instanceof DocCodecError) return error.within(segment);
  const wrapped = new DocCodecError(error instanceof Error ? error.message : String(error), [segment]);
  if (error instanceof Error) wrapped.cause = error;
  return wrapped;
}

/** Gives a codec error its root prefix; anything else is wrapped first. */
export function rootedError(error: unknown, root: string): DocCodecError {
  const codecError = error instanceof DocCodecError ? error : withSegmentless(error);
  return codecError.rooted(root);
}

function withSegmentless(error: unknown): DocCodecError {
  const wrapped = new DocCodecError(error instanceof Error ? error.message : String(error));
  if (error instanceof Error) wrapped.cause = error;
  return wrapped;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `root`, then `.name` for identifier keys, `["odd key"]` for others and `[3]` for indices. */
export function formatPath(root: string, segments: readonly PathSegment[]): string {
  let path = root;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** A short description of a bad value for error messages: `the string "abc"`, `a list`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name === undefined || name === 'Object' ? 'an object' : `a ${name}`;
  }
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  return `${typeof value} ${String(value)}`;
}

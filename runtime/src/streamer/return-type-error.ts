/**
 * A document an executor returned does not match the model it declared (caught by the generated
 * return-type validators of a typed gateway). Names the executor, the endpoint, the model and the
 * JSON path of each problem, e.g.
 * `encoder /encode returned a document that is not an EmbeddingDoc: encoder/encode[0].embedding: must be a tensor of shape [128]`.
 */

/** One problem as ajv reports it: a JSON pointer into the value and a message. */
export interface ValidationProblem {
  readonly instancePath: string;
  readonly message?: string | undefined;
}

export class ReturnTypeError extends Error {
  override readonly name = 'ReturnTypeError';
  /** Each problem as `path: message`, paths rooted at the returned doc (`encoder/encode[3].tags.score`). */
  readonly problems: readonly string[];

  constructor(
    readonly executor: string,
    readonly endpoint: string,
    readonly model: string,
    /** Where the value sits, e.g. `encoder/encode[3]`. */
    readonly path: string,
    problems: readonly ValidationProblem[] | null | undefined,
    /** What was checked: a returned document (default) or the parameters of a request. */
    readonly role: 'output' | 'parameters' = 'output',
  ) {
    const listed = (problems ?? []).map((problem) => `${path}${jsonPath(problem.instancePath)}: ${problem.message ?? 'is invalid'}`);
    const described = listed.length === 0 ? [`${path}: is invalid`] : listed;
    const what = role === 'output' ? `${executor} ${endpoint} returned a document that is not a valid ${model}` : `the parameters for ${executor} ${endpoint} are not a valid ${model}`;
    super(`${what}: ${described.join('; ')}`);
    this.problems = described;
  }
}

/** `/embedding/0/a~1b` → `.embedding[0]["a/b"]`. */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`))
    .join('');
}

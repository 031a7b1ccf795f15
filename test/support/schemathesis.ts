/**
 * Schemathesis (PyPI, in .venv-schemathesis: `make schemathesis`) against a running gateway's
 * OpenAPI document: every check it has, but three. `not_a_server_error` is replaced by our
 * `only_declared_server_errors` (test/python/schemathesis_hooks.py: no 5xx but a peer's declared
 * failure), and `client_errors_name_the_problem` is added. `positive_data_acceptance` and
 * `negative_data_rejection` (a schema-valid request must pass, an invalid one must fail) are left
 * out: a docarray tensor's rules (one dtype, no ragged lists, the shape) are not JSON Schema, so a
 * ragged `[[1], 2]` the document cannot refuse gets a 422 naming the element, as it should.
 * Everything else holds: status codes and content types as documented, every 200 body and every
 * SSE event valid against its schema, 405 for undocumented methods.
 *
 * Seeded like the property tests (FUZZ_SEED; `random` explores), so `make test` runs the same
 * cases everywhere; FUZZ_RUNS raises the examples per operation (`make fuzz`).
 */
import path from 'node:path';
import { type CommandResult, runCommand } from './commands.js';
import { fuzzSeed } from './hostile-names.js';
import { REPO_ROOT } from './jina.js';

export const SCHEMATHESIS = path.join(REPO_ROOT, '.venv-schemathesis', 'bin', 'schemathesis');

export interface SchemathesisResult extends CommandResult {
  /** The headings of the failures it found, e.g. `POST /single: ST103 Undocumented status code`. */
  failures: string[];
}

export interface SchemathesisOptions {
  /** Examples per operation (FUZZ_RUNS overrides). Default 25. */
  maxExamples?: number;
  /** Operations left out, by operationId. */
  excludeOperationIdRegex?: string;
}

export async function runSchemathesis(openapiUrl: string, options: SchemathesisOptions = {}): Promise<SchemathesisResult> {
  const seed = fuzzSeed();
  const maxExamples = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : (options.maxExamples ?? 25);
  const result = await runCommand(
    SCHEMATHESIS,
    [
      'run',
      openapiUrl,
      '--checks', 'all',
      '--exclude-checks', 'not_a_server_error,positive_data_acceptance,negative_data_rejection',
      '--max-examples', String(maxExamples),
      ...(seed === undefined ? [] : ['--seed', String(seed)]),
      ...(options.excludeOperationIdRegex === undefined ? [] : ['--exclude-operation-id-regex', options.excludeOperationIdRegex]),
      '--no-color',
    ],
    {
      cwd: REPO_ROOT,
      env: { SCHEMATHESIS_HOOKS: 'schemathesis_hooks', PYTHONPATH: path.join(REPO_ROOT, 'test', 'python'), NO_COLOR: '1' },
      timeoutMs: 300_000,
    },
  );
  return { ...result, failures: failureHeadings(result.stdout) };
}

/** `____ POST /single ____` then `- ST103 Undocumented status code` lines, as one string each. */
function failureHeadings(output: string): string[] {
  const headings: string[] = [];
  let operation = '';
  for (const line of output.split('\n')) {
    const title = /^_{3,} (.+?) _{3,}$/.exec(line);
    if (title) operation = title[1]!;
    const failure = /^- (.+)$/.exec(line);
    if (failure && operation !== '') headings.push(`${operation}: ${failure[1]}`);
  }
  return headings;
}

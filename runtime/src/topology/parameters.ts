/**
 * Request parameters as Jina routes them through a Flow (`jina/serve/runtimes/helper.py` and the
 * gateway's request handling):
 * - Every node receives the client's parameters, rewritten for it: `<executor>__<key>` entries
 *   become `<key>` for that executor and disappear for all others; then the entries of an
 *   `<executor>: {...}` dict are merged on top (the dict itself stays). A key that starts or ends
 *   with `__` (such as `__results__`) is never executor-specific.
 * - After each hop the request goes on with the client's original parameters again.
 * - An executor that returns a dict reports it under `__results__: {<executor>: dict}`; the gateway
 *   gathers every node's `__results__` into the final response.
 */

/** Where executors report returned dicts, keyed by executor name. */
export const RESULTS_KEY = '__results__';

const SEPARATOR = '__';

export type Parameters = Record<string, unknown>;

/** Jina's `_is_param_for_specific_executor`. */
export function isExecutorSpecificKey(key: string): boolean {
  return key.includes(SEPARATOR) && !key.startsWith(SEPARATOR) && !key.endsWith(SEPARATOR);
}

/**
 * Splits `<executor>__<key>` at its last `__`. Like Jina, the parts before it are joined with no
 * separator, so `a__b__k` targets an executor named `ab` (an executor whose name contains `__`
 * cannot be targeted this way).
 */
export function splitExecutorSpecificKey(key: string): { executor: string; key: string } | undefined {
  if (!isExecutorSpecificKey(key)) return undefined;
  const parts = key.split(SEPARATOR);
  const last = parts.pop()!;
  return { executor: parts.join(''), key: last };
}

/** Whether any key is executor-specific (Jina copies the request per branch only then). */
export function hasExecutorSpecificParameters(parameters: Parameters): boolean {
  return Object.keys(parameters).some(isExecutorSpecificKey);
}

/**
 * Jina's `_parse_specific_params`: the parameters executor `executor` receives. When nothing in
 * `parameters` is addressed to a specific executor, returns `parameters` itself (the hot path:
 * no copy per node and request); otherwise a new object sharing the untouched values. Callers
 * must not mutate the result. An `<executor>` entry that is not an object is left alone (Jina
 * would fail the request on a non-empty non-dict).
 */
export function parametersForExecutor(parameters: Parameters, executor: string): Parameters {
  const keys = Object.keys(parameters);
  if (!keys.some((key) => key === executor || isExecutorSpecificKey(key))) return parameters;
  const parsed: Parameters = {};
  for (const key of keys) {
    if (!isExecutorSpecificKey(key)) parsed[key] = parameters[key];
  }
  for (const key of keys) {
    const specific = splitExecutorSpecificKey(key);
    if (specific !== undefined && specific.executor === executor) parsed[specific.key] = parameters[key];
  }
  const own = parameters[executor];
  if (isRecord(own)) Object.assign(parsed, own);
  return parsed;
}

/**
 * The `__results__` an executor's response carries, if it is a non-empty object (Jina keeps a
 * node's results only when they are truthy).
 */
export function resultsOf(parameters: Parameters): Parameters | undefined {
  const results = parameters[RESULTS_KEY];
  return isRecord(results) && Object.keys(results).length > 0 ? results : undefined;
}

/**
 * Jina's `collect_all_results`: the union of the nodes' `__results__`, later nodes winning. Pass
 * them in the topology's `nodeOrder` (Jina's all_nodes order), `undefined` for nodes that were
 * skipped, failed or have not finished.
 */
export function collectResults(results: Iterable<Parameters | undefined>): Parameters {
  const collected: Parameters = {};
  for (const result of results) if (result !== undefined) Object.assign(collected, result);
  return collected;
}

/**
 * The final response's parameters: `parameters` (the responding node's, i.e. normally the
 * client's) with `__results__` replaced by the collected results when there are any.
 */
export function responseParameters(parameters: Parameters, collected: Parameters): Parameters {
  if (Object.keys(collected).length === 0) return parameters;
  return { ...parameters, [RESULTS_KEY]: collected };
}

function isRecord(value: unknown): value is Parameters {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

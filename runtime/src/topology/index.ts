/**
 * Flow routing without I/O: the topology from Jina's gateway flags, per-request execution plans,
 * docarray's filter and reduce over decoded docs, and Jina's parameter rules.
 */
export {
  END_GATEWAY,
  START_GATEWAY,
  TopologyError,
  parseFlowTopology,
  singleDeploymentTopology,
  type Deployment,
  type FlowEdge,
  type FlowNode,
  type FlowTopology,
  type GatewayFlagName,
  type TopologyFlags,
} from './graph.js';
export {
  QUERY_OPERATORS,
  QueryError,
  QueryEvaluationError,
  compileQuery,
  filterDocs,
  isEmptyQuery,
  type DocPredicate,
} from './filter.js';
export { reduceAll, reducePair, reduceRequests, updateDoc, type DecodedRequest } from './reduce.js';
export {
  RESULTS_KEY,
  collectResults,
  hasExecutorSpecificParameters,
  isExecutorSpecificKey,
  parametersForExecutor,
  responseParameters,
  resultsOf,
  splitExecutorSpecificKey,
  type Parameters,
} from './parameters.js';
export {
  DEFAULT_ENDPOINT,
  TargetExecutorError,
  planRequest,
  type ExecutionPlan,
  type MergeMode,
  type PlanRequest,
  type PlanStep,
  type StepAction,
} from './plan.js';
export { requestDocIds, restoreRequestOrder } from './request-order.js';
export { PythonRegexError, compilePythonRegex, matchesPython, type PythonRegexMode } from './python-regex.js';
